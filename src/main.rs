//! The `minis3` binary: parses the command line, opens the store, serves until SIGINT/SIGTERM
//! (or, with `minis3 demo`, serves only the browser-upload demo page).

use clap::Parser;
use minis3::config::{Cli, Command, DemoPageConfig, ServeConfig};
use minis3::demo;
use minis3::server::{self, AppState};
use minis3::storage::Store;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: minis3::memory::Allocator = minis3::memory::Allocator;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let result = match cli.command {
        Some(Command::Serve(config)) => serve(config),
        Some(Command::Demo(config)) => serve_demo_page(config),
        Some(Command::Presign(args)) => {
            minis3::presign::render(&args, std::time::SystemTime::now())
                .map(|out| println!("{out}"))
        }
        Some(Command::Admin(args)) => minis3::admin::run(&args).map(|out| println!("{out}")),
        None => serve(cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("minis3: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: ServeConfig) -> Result<(), String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create data dir {}: {e}", config.data_dir.display()))?;
    let store = Store::open(
        &config.data_dir,
        config.cache_mb.saturating_mul(1024 * 1024),
    )
    .map_err(|e| {
        format!(
            "cannot open the store in {}: {e}",
            config.data_dir.display()
        )
    })?;
    if config.demo {
        demo::prepare_bucket(&store, &config.demo_bucket)?;
    }
    minis3::memory::start_trimming()
        .map_err(|e| format!("cannot start the heap-trimming thread: {e}"))?;
    minis3::storage::lifecycle::start_sweeping(store.clone())
        .map_err(|e| format!("cannot start the lifecycle thread: {e}"))?;
    let system = actix_web::rt::System::new();
    let banner_config = config.clone();
    let flush_store = store.clone();
    system.block_on(async move {
        let state =
            AppState::new(store, config).map_err(|e| format!("cannot load the key store: {e}"))?;
        let (server, addrs) = server::bind(state)
            .map_err(|e| format!("cannot listen on {}: {e}", banner_config.address))?;
        print_banner(&banner_config, &addrs);
        server.await.map_err(|e| format!("server failed: {e}"))
    })?;
    flush_store
        .flush_blocking()
        .map_err(|e| format!("final flush failed: {e}"))?;
    tracing::info!("stopped; data flushed");
    Ok(())
}

fn print_banner(config: &ServeConfig, addrs: &[std::net::SocketAddr]) {
    let url = addrs
        .first()
        .map(|a| format!("http://{a}"))
        .unwrap_or_else(|| format!("http://{}", config.address));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "minis3 is serving {url}");
    let _ = writeln!(out, "  data dir:   {}", config.data_dir.display());
    let _ = writeln!(out, "  access key: {}", config.keys.access_key);
    let _ = writeln!(out, "  secret key: {}", config.keys.secret_key);
    let _ = writeln!(out, "  region:     {}", config.keys.region);
    let _ = writeln!(
        out,
        "  try:        AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} aws --endpoint-url {url} s3 ls",
        config.keys.access_key, config.keys.secret_key
    );
    if config.demo {
        let _ = writeln!(
            out,
            "  demo:       {url}{}/ (uploads to bucket {})",
            demo::DEMO_PATH,
            config.demo_bucket
        );
    }
    let _ = out.flush();
}

/// `minis3 demo`: the upload page alone, on its own origin, talking to a store elsewhere.
fn serve_demo_page(config: DemoPageConfig) -> Result<(), String> {
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let (server, addrs) = demo::bind_page_server(&config)?;
        let url = addrs
            .first()
            .map(|a| format!("http://{a}/"))
            .unwrap_or_else(|| format!("http://{}/", config.address));
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "minis3 demo page at {url}");
        let _ = writeln!(
            out,
            "  store:      {} (a minis3 started with --demo)",
            config.endpoint.trim_end_matches('/')
        );
        let _ = out.flush();
        drop(out);
        server.await.map_err(|e| format!("server failed: {e}"))
    })
}
