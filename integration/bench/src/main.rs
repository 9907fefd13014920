//! `minis3-bench`: measures minis3 against SeaweedFS and moto and against the machine's ceilings,
//! in one run with one client, and prints one table (also written as JSON). Started by
//! `integration/bench/run`, which builds everything and passes the programs' paths.

mod ceilings;
mod client;
mod measure;
mod report;
mod servers;

use clap::{Args, Parser, Subcommand};
use measure::{Budget, Settings};
use report::Results;
use servers::{Kind, Programs};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

#[derive(Parser)]
#[command(
    name = "minis3-bench",
    about = "Benchmark minis3 against SeaweedFS and moto"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the benchmark (see integration/bench/run).
    Run(RunArgs),
    /// The bare actix-web ceiling server (started by `run` as a separate process).
    CeilingServer {
        #[arg(long)]
        port: u16,
    },
    /// Only the small GET loops, against a server already listening on 127.0.0.1 (for A/B runs
    /// and profiling under this client): stores the objects in `--bucket`, then runs the loops.
    GetLoop {
        #[arg(long)]
        port: u16,
        /// Created unless it exists already.
        #[arg(long, default_value = "bench-get-loop")]
        bucket: String,
        /// Connections of each loop, in order.
        #[arg(long, value_delimiter = ',', default_value = "16")]
        conns: Vec<usize>,
        /// Time bound of each loop, seconds.
        #[arg(long, default_value_t = 4)]
        secs: u64,
        /// How many times the loops are repeated.
        #[arg(long, default_value_t = 1)]
        rounds: usize,
    },
}

#[derive(Args)]
struct RunArgs {
    /// The minis3 release binary.
    #[arg(long)]
    minis3: PathBuf,
    /// SeaweedFS's `weed` binary.
    #[arg(long)]
    weed: PathBuf,
    /// moto's `moto_server`.
    #[arg(long)]
    moto_server: PathBuf,
    /// A scratch directory for the servers' data (one fresh subdirectory per server start).
    #[arg(long)]
    work_dir: PathBuf,
    /// Where the JSON report goes.
    #[arg(long, default_value = "target/bench.json")]
    json: PathBuf,
    /// Which servers to measure.
    #[arg(long, value_delimiter = ',', default_value = "minis3,seaweedfs,moto")]
    servers: Vec<String>,
    /// Time bound of each small PUT/GET loop, seconds.
    #[arg(long, default_value_t = 5)]
    loop_secs: u64,
    /// Rounds of minis3's small loops, each loop alternating with the ceiling's; the median
    /// round of each is reported.
    #[arg(long, default_value_t = 3)]
    small_rounds: usize,
    /// Time bound of the whole run, seconds; steps past it are skipped and reported as null.
    #[arg(long, default_value_t = 480)]
    budget_secs: u64,
    /// Cold starts of minis3 (the median is reported); peers get at most 3.
    #[arg(long, default_value_t = 5)]
    cold_starts: usize,
}

/// How long the page cache may take to be written back between servers.
const WRITE_BACK_BOUND: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::CeilingServer { port } => match ceilings::serve_ceiling(port) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ceiling-server: {e}");
                ExitCode::FAILURE
            }
        },
        Command::GetLoop {
            port,
            bucket,
            conns,
            secs,
            rounds,
        } => {
            let Some(runtime) = runtime() else {
                return ExitCode::FAILURE;
            };
            match runtime.block_on(get_loops(port, &bucket, &conns, secs, rounds)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("get-loop: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Run(args) => {
            let Some(runtime) = runtime() else {
                return ExitCode::FAILURE;
            };
            match runtime.block_on(run(args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    servers::kill_all_children();
                    eprintln!("bench: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// The client's runtime: tokio's multi-threaded one, one worker per core.
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("bench: cannot start the runtime: {e}");
            None
        }
    }
}

/// The `get-loop` command: the benchmark's small GET loops against 127.0.0.1:`port`.
async fn get_loops(
    port: u16,
    bucket: &str,
    conns: &[usize],
    secs: u64,
    rounds: usize,
) -> Result<(), String> {
    let endpoint = client::Endpoint::loopback(port);
    measure::ensure_bucket(&endpoint, bucket).await?;
    let targets = measure::store_get_objects(&endpoint, bucket).await?;
    for _ in 0..rounds {
        for &concurrency in conns {
            let stats = measure::small_get_loop(
                &endpoint,
                &targets,
                concurrency.max(1),
                Duration::from_secs(secs),
                measure::SMALL_GET_MAX_OPS,
            )
            .await;
            let mut out = std::io::stdout().lock();
            // A closed stdout (the output piped into `head`) ends the command, not a panic.
            let print = |out: &mut std::io::StdoutLock<'_>, line: String| {
                writeln!(out, "{line}").map_err(|e| format!("writing the output: {e}"))
            };
            print(
                &mut out,
                format!("GET c{concurrency}: {}", measure::describe_loop(&stats)),
            )?;
            let shares: Vec<String> = [0.5, 1.0, 2.0, 4.0]
                .iter()
                .map(|&ms| {
                    let over = stats
                        .latencies_us
                        .iter()
                        .filter(|&&us| f64::from(us) > ms * 1000.0)
                        .count();
                    let share = 100.0 * over as f64 / stats.latencies_us.len().max(1) as f64;
                    format!("> {ms} ms {share:.2}%")
                })
                .collect();
            print(&mut out, format!("  {}", shares.join(", ")))?;
        }
    }
    Ok(())
}

/// Kills the servers and exits on Ctrl-C or SIGTERM (the servers would otherwise outlive us).
fn stop_children_on_signal() -> Result<(), String> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let mut terminate = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        eprintln!("bench: interrupted; stopping the servers");
        servers::kill_all_children();
        std::process::exit(130);
    });
    Ok(())
}

async fn run(args: RunArgs) -> Result<(), String> {
    stop_children_on_signal()?;
    let run_started = Instant::now();
    let budget = Budget::new(Duration::from_secs(args.budget_secs));
    let settings = Settings {
        loop_time: Duration::from_secs(args.loop_secs),
        small_rounds: args.small_rounds.max(1),
    };
    let programs = Programs {
        minis3: absolute(&args.minis3)?,
        weed: absolute(&args.weed)?,
        moto_server: absolute(&args.moto_server)?,
        bench: std::env::current_exe().map_err(|e| format!("own path: {e}"))?,
    };
    let work = absolute(&args.work_dir)?;
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let mut kinds = Vec::new();
    for name in &args.servers {
        kinds.push(match name.as_str() {
            "minis3" => Kind::Minis3,
            "seaweedfs" => Kind::Seaweedfs,
            "moto" => Kind::Moto,
            other => return Err(format!("unknown server {other:?}")),
        });
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!(
        "bench: {cores} cores; servers: {}; loops of {} s; budget {} s",
        args.servers.join(", "),
        args.loop_secs,
        args.budget_secs
    );
    let mut results = Results::default();

    // The ceilings first, while nothing else of ours runs.
    let md5 = tokio::task::spawn_blocking(|| ceilings::md5_speed(measure::LARGE_SIZE))
        .await
        .map_err(|e| e.to_string())?;
    let sha256 = tokio::task::spawn_blocking(|| ceilings::sha256_speed(measure::LARGE_SIZE))
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("bench: ceiling: MD5 {md5:.0} MB/s, SHA-256 {sha256:.0} MB/s (one core)");
    results.set(report::CEILING, "md5_mbps", md5);
    results.set(report::CEILING, "sha256_mbps", sha256);
    match tokio::task::spawn_blocking(|| ceilings::loopback_copy(1 << 30)).await {
        Ok(Ok(mbps)) => {
            eprintln!("bench: ceiling: loopback TCP copy {mbps:.0} MB/s");
            results.set(report::CEILING, "loopback_mbps", mbps);
        }
        Ok(Err(e)) => results.note(format!("ceiling: loopback copy failed: {e}")),
        Err(e) => results.note(format!("ceiling: loopback copy failed: {e}")),
    }
    // With minis3 measured, the ceiling's small loops alternate with minis3's (`bench_s3`).
    if !kinds.contains(&Kind::Minis3) {
        if let Err(e) =
            bench_ceiling_server(None, &programs, &work, &settings, &budget, &mut results).await
        {
            results.note(format!("ceiling: actix server: {e}"));
        }
    }

    // Cold starts before the long benches: measured after them, minis3's came out 2-4x slower
    // (presumably its start-up fsyncs queue behind what the earlier servers left to write back).
    for &kind in &kinds {
        let runs = if kind == Kind::Minis3 {
            args.cold_starts.max(1)
        } else {
            args.cold_starts.clamp(1, 3)
        };
        match measure::cold_start(kind, &programs, &work, runs, &budget).await {
            Ok(median) => results.set(kind.name(), "cold_start_ms", median.as_secs_f64() * 1000.0),
            Err(e) => results.note(format!("{}: cold start: {e}", kind.name())),
        }
    }

    for &kind in &kinds {
        if budget.exhausted() {
            results.note(format!("{}: skipped: time budget spent", kind.name()));
            continue;
        }
        match servers::write_back_page_cache(WRITE_BACK_BOUND).await {
            Ok(took) => eprintln!(
                "bench: page cache written back in {:.1} s before measuring {}",
                took.as_secs_f64(),
                kind.name()
            ),
            Err(e) => results.note(format!("{}: before measuring: {e}", kind.name())),
        }
        if let Err(e) = bench_s3(kind, &programs, &work, &settings, &budget, &mut results).await {
            results.note(format!("{}: {e}", kind.name()));
        }
    }

    let context = serde_json::json!({
        "unix_time": SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        "cores": cores,
        "servers": args.servers,
        "loop_secs": args.loop_secs,
        "run_secs": run_started.elapsed().as_secs_f64(),
        "units": "MB = 10^6 bytes; MiB = 2^20 bytes",
    });
    let document = report::render(&results, context);
    if let Some(parent) = args.json.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
    std::fs::write(&args.json, text + "\n")
        .map_err(|e| format!("writing {}: {e}", args.json.display()))?;
    println!(
        "wrote {} ({:.0} s run)",
        args.json.display(),
        run_started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The HTTP ceiling: the same small loops against a bare actix-web server in its own process,
/// on their own, or alternating loop by loop with minis3's (`minis3`: its endpoint and pid) over
/// `small_rounds` rounds.
async fn bench_ceiling_server(
    minis3: Option<(&client::Endpoint, u32)>,
    programs: &Programs,
    work: &Path,
    settings: &Settings,
    budget: &Budget,
    results: &mut Results,
) -> Result<(), String> {
    let dir = work.join("ceiling");
    let (mut server, started) = servers::spawn(Kind::Ceiling, programs, &dir)?;
    servers::wait_ready(&mut server, started, Duration::from_secs(30)).await?;
    let outcome = match minis3 {
        Some((endpoint, pid)) => {
            measure::small_loops_of(
                &[
                    (endpoint, Kind::Minis3.name()),
                    (&server.endpoint, report::CEILING),
                ],
                &[pid, server.pid()],
                "bench",
                settings.small_rounds,
                settings,
                budget,
                results,
            )
            .await
        }
        None => {
            let ceiling = &server.endpoint;
            measure::small_loops(ceiling, "bench", report::CEILING, settings, budget, results).await
        }
    };
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

/// Everything but the cold start against one S3 server, started fresh.
async fn bench_s3(
    kind: Kind,
    programs: &Programs,
    work: &Path,
    settings: &Settings,
    budget: &Budget,
    results: &mut Results,
) -> Result<(), String> {
    let dir = work.join(format!("{}-main", kind.name()));
    let (mut server, started) = servers::spawn(kind, programs, &dir)?;
    let ready = servers::wait_ready(&mut server, started, Duration::from_secs(60)).await?;
    eprintln!(
        "bench: {}: answering after {:.0} ms on {}",
        kind.name(),
        ready.as_secs_f64() * 1000.0,
        server.endpoint.host
    );
    let endpoint = server.endpoint.clone();
    let outcome = async {
        measure::create_bucket(&endpoint, "bench").await?;
        measure::warm_up(&endpoint, "bench").await?;
        if kind == Kind::Minis3 {
            let minis3 = Some((&endpoint, server.pid()));
            bench_ceiling_server(minis3, programs, work, settings, budget, results)
                .await
                .map_err(|e| format!("with the ceiling: {e}"))?;
        } else {
            measure::small_loops(&endpoint, "bench", kind.name(), settings, budget, results)
                .await?;
        }
        // Each figure on a server that has finished the previous loop's work (sled's log
        // flushes after 100k small PUTs, say), as the listing pages are.
        let settled = servers::wait_until_idle(server.pid(), measure::SETTLE_BOUND).await;
        eprintln!(
            "bench: {}: idle {:.1} s after the small loops",
            kind.name(),
            settled.as_secs_f64()
        );
        measure::large(&server, "bench", budget, results).await;
        measure::listing(&endpoint, server.pid(), kind.name(), budget, results).await;
        Ok::<(), String>(())
    }
    .await;
    let outcome = outcome.map_err(|e| format!("{e}; its log ends:\n{}", server.log_tail()));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}
