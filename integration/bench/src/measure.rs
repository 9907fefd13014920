//! The measurements, each the same code for every server: small PUT/GET loops, one large PUT and
//! GET with the server's peak memory, ListObjectsV2 pages in large buckets, and cold starts.

use crate::ceilings::mb_per_sec;
use crate::client::{self, Conn, Endpoint, Expect, LoopStats, Prepared, ReqBody};
use crate::report::Results;
use crate::servers::{self, Kind, Programs, RssSampler, Server};
use bytes::Bytes;
use http::uri::PathAndQuery;
use http::{Method, StatusCode};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SMALL_SIZE: usize = 4096;
pub const LARGE_SIZE: u64 = 256 << 20;
/// Op-count bounds of the small loops (each is also bounded in time).
const SMALL_PUT_MAX_OPS: usize = 100_000;
pub const SMALL_GET_MAX_OPS: usize = 200_000;
/// Objects the small GET loops cycle through.
const GET_KEYS: usize = 16;
/// ListObjectsV2 pages timed per bucket, and how often each is fetched.
const LIST_PAGES: usize = 20;
const LIST_PASSES: usize = 3;
const PAGE_SIZE: usize = 1000;

/// The whole run's time budget: every bounded step takes at most what is left.
pub struct Budget {
    deadline: Instant,
}

impl Budget {
    pub fn new(total: Duration) -> Budget {
        Budget {
            deadline: Instant::now() + total,
        }
    }

    pub fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// `want`, cut to what is left of the budget.
    pub fn limit(&self, want: Duration) -> Duration {
        want.min(self.left())
    }

    pub fn exhausted(&self) -> bool {
        self.left() < Duration::from_secs(1)
    }
}

/// Settings of a run that measurements need.
pub struct Settings {
    pub loop_time: Duration,
    /// Rounds of the small loops where servers alternate ([`small_loops_of`]).
    pub small_rounds: usize,
}

fn put(endpoint: &Endpoint, bucket: &str, key: &str, body: Bytes) -> Prepared {
    Prepared {
        method: Method::PUT,
        target: endpoint.presign(&Method::PUT, bucket, key, ""),
        body,
    }
}

/// One request with retries until it answers 200 or `limit` passes (peers may need a moment
/// after their first answer before they accept writes).
async fn until_ok(endpoint: &Endpoint, req: &Prepared, limit: Duration) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    loop {
        let mut conn = Conn::new(endpoint);
        let outcome = tokio::time::timeout(
            client::REQUEST_TIMEOUT,
            conn.send(
                req.method.clone(),
                req.target.clone(),
                ReqBody::Bytes(Some(req.body.clone())),
            ),
        )
        .await
        .unwrap_or_else(|_| Err("timed out".to_string()));
        let last = match outcome {
            Ok((StatusCode::OK, _)) => return Ok(()),
            Ok((status, body)) => format!("status {status}: {}", client::snippet(&body)),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(format!("{} {}: {last}", req.method, req.target.path()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Creates `bucket`.
pub async fn create_bucket(endpoint: &Endpoint, bucket: &str) -> Result<(), String> {
    let req = put(endpoint, bucket, "", Bytes::new());
    until_ok(endpoint, &req, Duration::from_secs(20)).await
}

/// Creates `bucket` unless this client's key already owns it (a server already running, as
/// `get-loop` uses, may keep one from an earlier run).
pub async fn ensure_bucket(endpoint: &Endpoint, bucket: &str) -> Result<(), String> {
    let req = put(endpoint, bucket, "", Bytes::new());
    let (status, body) = Conn::new(endpoint)
        .send(req.method, req.target, ReqBody::Bytes(Some(req.body)))
        .await?;
    match status {
        StatusCode::OK => Ok(()),
        StatusCode::CONFLICT if count(&body, b"<Code>BucketAlreadyOwnedByYou</Code>") > 0 => Ok(()),
        _ => Err(format!(
            "creating {bucket}: status {status}: {}",
            client::snippet(&body)
        )),
    }
}

/// A few PUTs and GETs before anything is timed, so lazy setup (SeaweedFS allocates volumes on
/// the first write) is not counted.
pub async fn warm_up(endpoint: &Endpoint, bucket: &str) -> Result<(), String> {
    let body = client::pseudo_random(SMALL_SIZE, 7);
    for i in 0..20 {
        let key = format!("warmup/{i:04}");
        until_ok(
            endpoint,
            &put(endpoint, bucket, &key, body.clone()),
            Duration::from_secs(30),
        )
        .await?;
        let get = Prepared {
            method: Method::GET,
            target: endpoint.presign(&Method::GET, bucket, &key, ""),
            body: Bytes::new(),
        };
        until_ok(endpoint, &get, Duration::from_secs(10)).await?;
    }
    Ok(())
}

fn record_loop(
    results: &mut Results,
    column: &str,
    metric: &str,
    concurrency: usize,
    stats: &LoopStats,
) {
    eprintln!("bench: {column}: {metric}: {}", describe_loop(stats));
    if stats.errors > 0 {
        results.note(format!(
            "{column}: {metric}: {} of {} requests failed (first: {})",
            stats.errors,
            stats.errors + stats.ops,
            stats.first_error.as_deref().unwrap_or("?")
        ));
    }
    if stats.connections > concurrency as u64 + stats.errors {
        results.note(format!(
            "{column}: {metric}: the server closed connections: {} opened for {} requests over {concurrency}",
            stats.connections,
            stats.ops + stats.errors
        ));
    }
    if stats.ops == 0 {
        return;
    }
    results.set(column, &format!("{metric}_ops"), stats.ops_per_sec());
    if let Some(p50) = stats.percentile_ms(50) {
        results.set(column, &format!("{metric}_p50_ms"), p50);
    }
    if let Some(p99) = stats.percentile_ms(99) {
        results.set(column, &format!("{metric}_p99_ms"), p99);
    }
}

/// 4 KiB PUTs of distinct keys, then GETs of a few pre-put keys, at 1 and 16 connections.
pub async fn small_loops(
    endpoint: &Endpoint,
    bucket: &str,
    column: &str,
    settings: &Settings,
    budget: &Budget,
    results: &mut Results,
) -> Result<(), String> {
    small_loops_of(
        &[(endpoint, column)],
        &[],
        bucket,
        1,
        settings,
        budget,
        results,
    )
    .await
}

/// The small loops against several servers in turn: each loop (PUT then GET, 1 then 16
/// connections) runs against every server before the next, `rounds` times over, and each figure
/// is the round with the median ops/s (its latencies with it). The PUT rounds share one loop's
/// time and op bounds, so that the measurements after them find as many objects stored however
/// many rounds; GET rounds leave nothing behind and each get the full bounds (loops of a second
/// moved by a third between rounds). minis3 and the actix ceiling are
/// measured this way, so that their ratio compares loops seconds apart rather than minutes: this
/// machine's speed drifts by a fifth between minutes, and a single run's ratio with it. Before
/// each loop every process in `settle` is waited for until idle, so that one server's leftover
/// work (sled writing its log after a PUT loop) is not timed against the other.
pub async fn small_loops_of(
    servers: &[(&Endpoint, &str)],
    settle: &[u32],
    bucket: &str,
    rounds: usize,
    settings: &Settings,
    budget: &Budget,
    results: &mut Results,
) -> Result<(), String> {
    let body = client::pseudo_random(SMALL_SIZE, 42);
    let rounds = rounds.max(1);
    let put_loop_time = settings.loop_time / u32::try_from(rounds).unwrap_or(u32::MAX);
    for concurrency in [1usize, 16] {
        let metric = format!("small_put_c{concurrency}");
        let mut runs: Vec<Vec<LoopStats>> = servers.iter().map(|_| Vec::new()).collect();
        'rounds: for round in 0..rounds {
            for ((endpoint, column), runs) in servers.iter().zip(runs.iter_mut()) {
                if budget.exhausted() {
                    results.note(format!("{column}: small PUT skipped: time budget spent"));
                    break 'rounds;
                }
                settle_all(settle).await;
                let requests: Vec<Prepared> = (0..SMALL_PUT_MAX_OPS / rounds)
                    .map(|i| {
                        let key = format!("small/c{concurrency}/r{round}/{i:08}");
                        put(endpoint, bucket, &key, body.clone())
                    })
                    .collect();
                let stats = client::run_loop(
                    endpoint,
                    Arc::new(requests),
                    concurrency,
                    budget.limit(put_loop_time),
                    Expect {
                        status: StatusCode::OK,
                        body_len: None,
                    },
                )
                .await;
                note_round(column, &metric, round, rounds, &stats);
                runs.push(stats);
            }
        }
        record_medians(servers, &metric, concurrency, runs, results);
    }
    let mut get_targets = Vec::new();
    for (endpoint, _) in servers {
        get_targets.push(store_get_objects(endpoint, bucket).await?);
    }
    for concurrency in [1usize, 16] {
        let metric = format!("small_get_c{concurrency}");
        let mut runs: Vec<Vec<LoopStats>> = servers.iter().map(|_| Vec::new()).collect();
        'rounds: for round in 0..rounds {
            for (((endpoint, column), targets), runs) in
                servers.iter().zip(&get_targets).zip(runs.iter_mut())
            {
                if budget.exhausted() {
                    results.note(format!("{column}: small GET skipped: time budget spent"));
                    break 'rounds;
                }
                settle_all(settle).await;
                let limit = budget.limit(settings.loop_time);
                let stats =
                    small_get_loop(endpoint, targets, concurrency, limit, SMALL_GET_MAX_OPS).await;
                note_round(column, &metric, round, rounds, &stats);
                runs.push(stats);
            }
        }
        record_medians(servers, &metric, concurrency, runs, results);
    }
    Ok(())
}

/// Waits (each at most [`SETTLE_BOUND`]) until every process tree in `pids` is idle.
async fn settle_all(pids: &[u32]) {
    for &pid in pids {
        servers::wait_until_idle(pid, SETTLE_BOUND).await;
    }
}

/// Prints one round of several (a single round is printed by [`record_loop`]).
fn note_round(column: &str, metric: &str, round: usize, rounds: usize, stats: &LoopStats) {
    if rounds > 1 {
        eprintln!(
            "bench: {column}: {metric}: round {} of {rounds}: {}",
            round + 1,
            describe_loop(stats)
        );
    }
}

/// Records each server's round with the median ops/s.
fn record_medians(
    servers: &[(&Endpoint, &str)],
    metric: &str,
    concurrency: usize,
    runs: Vec<Vec<LoopStats>>,
    results: &mut Results,
) {
    for ((_, column), mut runs) in servers.iter().zip(runs) {
        runs.sort_by(|a, b| a.ops_per_sec().total_cmp(&b.ops_per_sec()));
        if let Some(median) = runs.get(runs.len() / 2) {
            record_loop(results, column, metric, concurrency, median);
        }
    }
}

/// Stores the objects the small GET loops cycle through; returns a presigned GET of each.
pub async fn store_get_objects(
    endpoint: &Endpoint,
    bucket: &str,
) -> Result<Vec<PathAndQuery>, String> {
    let body = client::pseudo_random(SMALL_SIZE, 42);
    let mut targets = Vec::new();
    for i in 0..GET_KEYS {
        let key = format!("get/{i:04}");
        until_ok(
            endpoint,
            &put(endpoint, bucket, &key, body.clone()),
            Duration::from_secs(10),
        )
        .await?;
        targets.push(endpoint.presign(&Method::GET, bucket, &key, ""));
    }
    Ok(targets)
}

/// One small GET loop: `targets` in turn over `concurrency` connections, for at most `limit` and
/// `max_ops` requests.
pub async fn small_get_loop(
    endpoint: &Endpoint,
    targets: &[PathAndQuery],
    concurrency: usize,
    limit: Duration,
    max_ops: usize,
) -> LoopStats {
    let requests: Vec<Prepared> = (0..max_ops)
        .map(|i| Prepared {
            method: Method::GET,
            target: targets[i % targets.len()].clone(),
            body: Bytes::new(),
        })
        .collect();
    client::run_loop(
        endpoint,
        Arc::new(requests),
        concurrency,
        limit,
        Expect {
            status: StatusCode::OK,
            body_len: Some(SMALL_SIZE),
        },
    )
    .await
}

/// One line on a loop's outcome, as the benchmark prints it.
pub fn describe_loop(stats: &LoopStats) -> String {
    format!(
        "{:.0} ops/s, p50 {} ms, p99 {} ms ({} ops in {:.2} s, {} errors, {} connections)",
        stats.ops_per_sec(),
        stats
            .percentile_ms(50)
            .map_or("-".into(), |v| format!("{v:.3}")),
        stats
            .percentile_ms(99)
            .map_or("-".into(), |v| format!("{v:.3}")),
        stats.ops,
        stats.elapsed.as_secs_f64(),
        stats.errors,
        stats.connections,
    )
}

/// One 256 MiB PUT and its GET, each with the server's peak RSS sampled while it runs.
pub async fn large(server: &Server, bucket: &str, budget: &Budget, results: &mut Results) {
    let column = server.kind.name();
    let endpoint = &server.endpoint;
    let key = "large/object-256MiB";
    let chunk = client::pseudo_random(1 << 20, 0xb16);
    let put_target = endpoint.presign(&Method::PUT, bucket, key, "");
    let get_target = endpoint.presign(&Method::GET, bucket, key, "");
    let before = servers::rss_bytes(server.pid()).unwrap_or(0);
    let sampler = RssSampler::start(server.pid());
    let outcome = client::put_large(
        endpoint,
        put_target,
        chunk,
        LARGE_SIZE,
        budget.limit(Duration::from_secs(90)),
    )
    .await;
    let peak = sampler.finish();
    let stored = match outcome {
        Ok(elapsed) => {
            let mbps = mb_per_sec(LARGE_SIZE, elapsed);
            eprintln!(
                "bench: {column}: 256 MiB PUT: {mbps:.0} MB/s, peak RSS {} MiB (before: {} MiB)",
                peak >> 20,
                before >> 20
            );
            results.set(column, "large_put_mbps", mbps);
            results.set(column, "large_put_rss_mib", peak as f64 / 1048576.0);
            true
        }
        Err(e) => {
            results.note(format!("{column}: 256 MiB PUT failed: {e}"));
            false
        }
    };
    if !stored {
        return;
    }
    let before = servers::rss_bytes(server.pid()).unwrap_or(0);
    let sampler = RssSampler::start(server.pid());
    let outcome = client::get_large(
        endpoint,
        get_target,
        LARGE_SIZE,
        budget.limit(Duration::from_secs(90)),
    )
    .await;
    let peak = sampler.finish();
    match outcome {
        Ok(elapsed) => {
            let mbps = mb_per_sec(LARGE_SIZE, elapsed);
            eprintln!(
                "bench: {column}: 256 MiB GET: {mbps:.0} MB/s, peak RSS {} MiB (before: {} MiB)",
                peak >> 20,
                before >> 20
            );
            results.set(column, "large_get_mbps", mbps);
            results.set(column, "large_get_rss_mib", peak as f64 / 1048576.0);
        }
        Err(e) => results.note(format!("{column}: 256 MiB GET failed: {e}")),
    }
}

/// How long a server may keep working after a loop or fill before the next figure is timed anyway.
pub const SETTLE_BOUND: Duration = Duration::from_secs(20);

fn list_key(i: usize) -> String {
    format!("key{i:08}")
}

/// Fills buckets of 10k and 100k zero-byte keys with 16 concurrent PUTs (bounded in time) and
/// times ListObjectsV2 pages of 1000 keys taken at points spread over each key space.
pub async fn listing(
    endpoint: &Endpoint,
    server_pid: u32,
    column: &str,
    budget: &Budget,
    results: &mut Results,
) {
    // (keys, population time bound, metric)
    let sizes = [
        (10_000usize, Duration::from_secs(60), "list_10k_ms"),
        (100_000usize, Duration::from_secs(100), "list_100k_ms"),
    ];
    let mut put_rate: Option<f64> = None;
    for (keys, bound, metric) in sizes {
        if budget.exhausted() {
            results.note(format!("{column}: {metric}: skipped: time budget spent"));
            continue;
        }
        if let Some(rate) = put_rate {
            let predicted = keys as f64 / rate;
            if predicted > bound.as_secs_f64() {
                results.note(format!(
                    "{column}: {metric}: null: filling {keys} keys would take ~{predicted:.0} s at the {rate:.0} PUT/s seen so far, over the {} s bound",
                    bound.as_secs()
                ));
                continue;
            }
        }
        let bucket = format!("list{keys}");
        if let Err(e) = create_bucket(endpoint, &bucket).await {
            results.note(format!("{column}: {metric}: cannot create the bucket: {e}"));
            continue;
        }
        let requests: Vec<Prepared> = (0..keys)
            .map(|i| put(endpoint, &bucket, &list_key(i), Bytes::new()))
            .collect();
        let stats = client::run_loop(
            endpoint,
            Arc::new(requests),
            16,
            budget.limit(bound),
            Expect {
                status: StatusCode::OK,
                body_len: None,
            },
        )
        .await;
        let rate = stats.ops_per_sec();
        put_rate = Some(rate);
        eprintln!(
            "bench: {column}: filled {} of {keys} keys in {:.1} s ({rate:.0} PUT/s, {} errors)",
            stats.ops,
            stats.elapsed.as_secs_f64(),
            stats.errors
        );
        if stats.ops < keys as u64 || stats.errors > 0 {
            results.note(format!(
                "{column}: {metric}: null: only {} of {keys} keys stored within the {} s bound ({} errors{})",
                stats.ops,
                bound.as_secs(),
                stats.errors,
                stats
                    .first_error
                    .as_ref()
                    .map_or(String::new(), |e| format!(", first: {e}"))
            ));
            continue;
        }
        // Timed right after the fill, the 100k pages came out 1.1-2.5x the 10k ones between runs
        // while the server's own timing of the same pages later showed 1.09x: what the page time
        // means is the listing, not the fill's leftovers.
        let settled = crate::servers::wait_until_idle(server_pid, SETTLE_BOUND).await;
        eprintln!(
            "bench: {column}: {metric}: server idle {:.1} s after the fill",
            settled.as_secs_f64()
        );
        match time_pages(endpoint, &bucket, keys, budget).await {
            Ok((ms, first_ms)) => {
                eprintln!(
                    "bench: {column}: {metric}: {ms:.2} ms per page ({first_ms:.2} ms on first fetch)"
                );
                results.set(column, metric, ms);
                results.set(column, &metric.replace("_ms", "_first_ms"), first_ms);
            }
            Err(e) => results.note(format!("{column}: {metric}: listing failed: {e}")),
        }
    }
}

/// Mean times of ListObjectsV2 pages of 1000 keys, each starting after a different point: over
/// the fastest of `LIST_PASSES` fetches of each page (so a moment of noise from the rest of the
/// machine does not decide the figure), and over the first fetches alone (pages not read since
/// the bucket was filled, whatever the server still has cached).
async fn time_pages(
    endpoint: &Endpoint,
    bucket: &str,
    keys: usize,
    budget: &Budget,
) -> Result<(f64, f64), String> {
    let page_target = |start_after: &str| {
        let query = format!(
            "list-type=2&max-keys={PAGE_SIZE}&start-after={}",
            minis3::auth::sigv4::uri_encode(start_after.as_bytes(), false)
        );
        endpoint.presign(&Method::GET, bucket, "", &query)
    };
    let targets: Vec<_> = (0..LIST_PAGES)
        .map(|i| page_target(&list_key(i * (keys - PAGE_SIZE) / LIST_PAGES)))
        .collect();
    let mut conn = Conn::new(endpoint);
    // One page untimed, so the connection is open and the first timed page is like the others.
    let warm = page_target("");
    conn.send(Method::GET, warm, ReqBody::empty()).await?;
    let mut fastest = vec![Duration::MAX; LIST_PAGES];
    let mut first_pass = Duration::ZERO;
    for pass in 0..LIST_PASSES {
        for (target, best) in targets.iter().zip(fastest.iter_mut()) {
            if budget.exhausted() {
                return Err("time budget spent".to_string());
            }
            let started = Instant::now();
            let (status, body) = tokio::time::timeout(
                client::REQUEST_TIMEOUT,
                conn.send(Method::GET, target.clone(), ReqBody::empty()),
            )
            .await
            .map_err(|_| "page timed out".to_string())??;
            let elapsed = started.elapsed();
            *best = (*best).min(elapsed);
            if pass == 0 {
                first_pass += elapsed;
            }
            if status != StatusCode::OK {
                return Err(format!("status {status}: {}", client::snippet(&body)));
            }
            let listed = count(&body, b"<Key>");
            if listed != PAGE_SIZE {
                return Err(format!("a page listed {listed} keys, not {PAGE_SIZE}"));
            }
        }
    }
    let mean_ms = |total: Duration| total.as_secs_f64() * 1000.0 / LIST_PAGES as f64;
    Ok((mean_ms(fastest.iter().sum()), mean_ms(first_pass)))
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// Starts `kind` `runs` times, each with a fresh data directory, and returns the median time
/// from spawning the process to its first good answer.
pub async fn cold_start(
    kind: Kind,
    programs: &Programs,
    work: &Path,
    runs: usize,
    budget: &Budget,
) -> Result<Duration, String> {
    let mut times = Vec::new();
    for i in 0..runs {
        if budget.exhausted() {
            break;
        }
        let dir = work.join(format!("{}-cold-{i}", kind.name()));
        let (mut server, started) = servers::spawn(kind, programs, &dir)?;
        let ready =
            servers::wait_ready(&mut server, started, budget.limit(Duration::from_secs(60))).await;
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
        times.push(ready?);
    }
    if times.is_empty() {
        return Err("time budget spent".to_string());
    }
    times.sort();
    eprintln!(
        "bench: {}: cold starts (ms): {:?}",
        kind.name(),
        times
            .iter()
            .map(|t| t.as_secs_f64() * 1000.0)
            .collect::<Vec<_>>()
    );
    Ok(times[times.len() / 2])
}
