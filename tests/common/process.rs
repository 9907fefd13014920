//! The real `minis3` binary as a child process for the end-to-end tests: started on a free
//! loopback port, its URL read from the banner, waited on with a raw HTTP probe and killed on
//! drop (showing its log's tail when the test failed); plus an aws-sdk-s3 client and test bytes.

use super::{ACCESS_KEY, SECRET_KEY};
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::Client;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

pub const REGION: &str = "us-east-1";
/// Bound on a child's banner and its first ready answer together.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// `minis3 serve`'s readiness endpoint.
pub const HEALTH_PATH: &str = "/_minis3/health";
/// How much of the log a failed test shows.
const LOG_TAIL_LINES: usize = 40;

/// A running `minis3` child, killed on drop. Its stderr goes to a log file whose last lines are
/// printed when the test fails.
pub struct Minis3Process {
    name: String,
    child: Child,
    log: PathBuf,
    /// The URL on the banner's first line, without a trailing slash.
    url: String,
    /// End of the startup bound: the banner and the first ready answer must both come by then.
    ready_by: Instant,
}

impl Minis3Process {
    /// Starts `minis3 serve` on a free loopback port over `data_dir`, with the test credentials
    /// and region and then `extra` arguments, and waits until it is healthy.
    pub fn serve(data_dir: &Path, extra: &[&str], log: PathBuf) -> Minis3Process {
        let mut args: Vec<OsString> = ["serve", "--address", "127.0.0.1:0", "--data-dir"]
            .iter()
            .map(OsString::from)
            .collect();
        args.push(data_dir.into());
        for arg in [
            "--access-key",
            ACCESS_KEY,
            "--secret-key",
            SECRET_KEY,
            "--region",
            REGION,
        ]
        .iter()
        .chain(extra)
        {
            args.push(arg.into());
        }
        let name = ["minis3 serve"]
            .iter()
            .chain(extra)
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        Minis3Process::start(name, &args, log, HEALTH_PATH)
    }

    /// Starts `minis3 <args>`, reads the URL from the first stdout line, and waits until
    /// `GET ready_path` answers 200; all within `STARTUP_TIMEOUT`.
    pub fn start(
        name: impl Into<String>,
        args: &[impl AsRef<OsStr>],
        log: PathBuf,
        ready_path: &str,
    ) -> Minis3Process {
        let name = name.into();
        let mut command = Command::new(env!("CARGO_BIN_EXE_minis3"));
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&log).expect("log file"));
        // The developer's own MINIS3_* settings must not change the server under test.
        for (var, _) in std::env::vars_os() {
            if var.to_string_lossy().starts_with("MINIS3_") {
                command.env_remove(var);
            }
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        // From here on the guard owns the child, so any panic below still kills it.
        let mut process = Minis3Process {
            name,
            child,
            log,
            url: String::new(),
            ready_by: Instant::now() + STARTUP_TIMEOUT,
        };

        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let _ = tx.send(first);
            // Keep draining so the server never writes into a closed pipe.
            let _ = io::copy(&mut reader, &mut io::sink());
        });
        let first = rx
            .recv_timeout(process.ready_by.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                panic!(
                    "{} printed no banner within {STARTUP_TIMEOUT:?}",
                    process.name
                )
            });
        process.url = first
            .split_whitespace()
            .find(|word| word.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| {
                panic!(
                    "{}'s banner has no loopback URL on its first line: {first:?}",
                    process.name
                )
            })
            .trim_end_matches('/')
            .to_string();
        process.wait_ready(ready_path);
        process
    }

    /// The URL from the banner, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Polls `GET path` until it answers 200, the child exits, or the startup bound ends.
    fn wait_ready(&mut self, path: &str) {
        let addr: SocketAddr = self
            .url
            .trim_start_matches("http://")
            .parse()
            .unwrap_or_else(|e| panic!("{} is not http://host:port: {e}", self.url));
        while get_status(addr, path) != Some(200) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited during startup: {status}", self.name);
            }
            assert!(
                Instant::now() < self.ready_by,
                "{} at {} not ready (GET {path}) within {STARTUP_TIMEOUT:?}",
                self.name,
                self.url
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Minis3Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            if let Ok(text) = std::fs::read_to_string(&self.log) {
                let lines: Vec<&str> = text.lines().collect();
                let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
                eprintln!(
                    "--- last lines of {}'s log ---\n{}",
                    self.name,
                    tail.join("\n")
                );
            }
        }
    }
}

/// The status code of `GET path`, or None when it cannot be had yet.
fn get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    // "HTTP/1.1 200": the code is the status line's bytes 9..12.
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// An aws-sdk-s3 client for `endpoint` (path-style) with the test credentials, named
/// `provider_name`; each operation, retries included, is bounded by `operation_timeout` so a
/// stuck server fails the test.
pub fn s3_client(
    endpoint: &str,
    operation_timeout: Duration,
    provider_name: &'static str,
) -> Client {
    let timeouts = aws_sdk_s3::config::timeout::TimeoutConfig::builder()
        .operation_timeout(operation_timeout)
        .build();
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            ACCESS_KEY,
            SECRET_KEY,
            None,
            None,
            provider_name,
        ))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .timeout_config(timeouts)
        .build();
    Client::from_conf(config)
}

/// Deterministic, incompressible-looking bytes (xorshift), different for each seed.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}
