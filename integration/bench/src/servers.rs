//! The servers under test as child processes: how each is started (loopback only, fresh data
//! directory), when it counts as ready, its memory, and making sure none outlives the bench.

use crate::client::{Conn, Endpoint};
use http::{Method, StatusCode};
use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What runs behind an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Minis3,
    Seaweedfs,
    Moto,
    /// The bare actix-web server of `minis3-bench ceiling-server`.
    Ceiling,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Minis3 => "minis3",
            Kind::Seaweedfs => "seaweedfs",
            Kind::Moto => "moto",
            Kind::Ceiling => "ceiling",
        }
    }
}

/// The programs to start.
#[derive(Debug, Clone)]
pub struct Programs {
    pub minis3: PathBuf,
    pub weed: PathBuf,
    pub moto_server: PathBuf,
    /// This binary, for the ceiling server subcommand.
    pub bench: PathBuf,
}

/// Pids of every child alive, so a signal handler can kill them all.
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// The `seaweedfs-*.sock` files that existed before the running SeaweedFS started (the others
/// are its own), for the signal handler, which gets no chance to run `Server`'s drop.
static WEED_SOCKETS_BEFORE: Mutex<Option<Vec<PathBuf>>> = Mutex::new(None);

/// Kills every child still registered and removes a running SeaweedFS's sockets (from the
/// SIGINT/SIGTERM handler and on a fatal error).
/// Writes back every dirty page on the machine (`sync(2)`), waiting at most `bound`: what one
/// server (or a cold start) left in the page cache would otherwise be written back by the kernel
/// while the next server is measured, slowing its syncs.
pub async fn write_back_page_cache(bound: Duration) -> Result<Duration, String> {
    let started = Instant::now();
    // SAFETY: sync(2) takes no arguments and touches no memory of this process.
    let task = tokio::task::spawn_blocking(|| unsafe { libc::sync() });
    match tokio::time::timeout(bound, task).await {
        Ok(Ok(())) => Ok(started.elapsed()),
        Ok(Err(e)) => Err(format!("sync failed: {e}")),
        Err(_) => Err(format!("sync still running after {} s", bound.as_secs())),
    }
}

pub fn kill_all_children() {
    let pids = CHILDREN.lock().map(|v| v.clone()).unwrap_or_default();
    for pid in pids {
        if let Ok(pid) = i32::try_from(pid) {
            // SAFETY: kill(2) on a pid this process started; no memory is involved.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
    let before = WEED_SOCKETS_BEFORE.lock().ok().and_then(|mut b| b.take());
    if let Some(before) = before {
        remove_new_weed_sockets(&before);
    }
}

/// Removes the `seaweedfs-*.sock` files not in `before`.
fn remove_new_weed_sockets(before: &[PathBuf]) {
    for path in weed_sockets() {
        if !before.contains(&path) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A running server; killed (SIGKILL: its data is thrown away anyway) when dropped.
pub struct Server {
    pub kind: Kind,
    pub endpoint: Endpoint,
    child: Child,
    log: PathBuf,
    /// For SeaweedFS, the `seaweedfs-*.sock` files that existed before it started: the others
    /// are its own, removed when it stops.
    sockets_before: Option<Vec<PathBuf>>,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The end of the server's log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n")
    }

    fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!(
                "{} exited ({status}) before answering; its log ends:\n{}",
                self.kind.name(),
                self.log_tail()
            )),
            _ => None,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let pid = self.child.id();
        if let Ok(mut v) = CHILDREN.lock() {
            v.retain(|p| *p != pid);
        }
        if let Some(before) = &self.sockets_before {
            remove_new_weed_sockets(before);
            if let Ok(mut global) = WEED_SOCKETS_BEFORE.lock() {
                global.take();
            }
        }
    }
}

/// A free loopback port (bound and released; the server binds it right after).
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// The unix sockets SeaweedFS's components create in the temp directory.
fn weed_sockets() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let dirs = [std::env::temp_dir(), PathBuf::from("/tmp")];
    for dir in dirs.iter().collect::<std::collections::BTreeSet<_>>() {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("seaweedfs-") && name.ends_with(".sock") {
                found.push(entry.path());
            }
        }
    }
    found
}

/// SeaweedFS's identities file: the bench's key pair with admin rights.
fn write_identities(path: &Path) -> Result<(), String> {
    let identities = serde_json::json!({
        "identities": [{
            "name": crate::client::ACCESS_KEY,
            "credentials": [{
                "accessKey": crate::client::ACCESS_KEY,
                "secretKey": crate::client::SECRET_KEY,
            }],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]
    });
    std::fs::write(path, identities.to_string())
        .map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Starts `kind` with a fresh data directory `dir` (created here) on a free loopback port and
/// returns it with the instant just before the spawn (for cold-start timing).
pub fn spawn(kind: Kind, programs: &Programs, dir: &Path) -> Result<(Server, Instant), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let port = free_port()?;
    let data = dir.join("data");
    let mut sockets_before = None;
    let mut command = match kind {
        Kind::Minis3 => {
            let mut c = Command::new(&programs.minis3);
            c.arg("--address")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--data-dir")
                .arg(&data);
            c
        }
        Kind::Seaweedfs => {
            std::fs::create_dir_all(&data)
                .map_err(|e| format!("creating {}: {e}", data.display()))?;
            let identities = dir.join("identities.json");
            write_identities(&identities)?;
            // Exactly these flags, never fewer: weed's defaults listen on every interface and
            // report telemetry.
            let mut c = Command::new(&programs.weed);
            c.arg("mini")
                .arg(format!("-dir={}", data.display()))
                .arg("-ip=127.0.0.1")
                .arg("-ip.bind=127.0.0.1")
                .arg("-master.telemetry=false")
                .arg("-webdav=false")
                .arg("-admin.ui=false")
                .arg(format!("-s3.port={port}"))
                .arg("-s3.port.iceberg=0")
                .arg("-s3.port.lance=0")
                .arg(format!("-s3.config={}", identities.display()));
            // Its log files go to the temp directory: make that its own. Its unix sockets
            // (seaweedfs-*.sock) go to /tmp whatever TMPDIR says: those new when it stops are its.
            let tmp = dir.join("tmp");
            std::fs::create_dir_all(&tmp)
                .map_err(|e| format!("creating {}: {e}", tmp.display()))?;
            c.env("TMPDIR", &tmp);
            let before = weed_sockets();
            if let Ok(mut global) = WEED_SOCKETS_BEFORE.lock() {
                *global = Some(before.clone());
            }
            sockets_before = Some(before);
            c
        }
        Kind::Moto => {
            let mut c = Command::new(&programs.moto_server);
            c.arg("-H").arg("127.0.0.1").arg("-p").arg(port.to_string());
            c
        }
        Kind::Ceiling => {
            let mut c = Command::new(&programs.bench);
            c.arg("ceiling-server").arg("--port").arg(port.to_string());
            c
        }
    };
    let log = dir.join("server.log");
    let log_file =
        std::fs::File::create(&log).map_err(|e| format!("creating {}: {e}", log.display()))?;
    let log_err = log_file.try_clone().map_err(|e| format!("log file: {e}"))?;
    command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err);
    // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe; it makes the kernel kill the server
    // if the bench dies without cleaning up (even by SIGKILL).
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("starting {}: {e}", kind.name()))?;
    if let Ok(mut v) = CHILDREN.lock() {
        v.push(child.id());
    }
    let server = Server {
        kind,
        endpoint: Endpoint::loopback(port),
        child,
        log,
        sockets_before,
    };
    Ok((server, started))
}

/// Polls every millisecond until the server gives its first good answer: 200 on
/// `/_minis3/health` for minis3, 200 on a signed ListBuckets for the peers, 200 on `/` for the
/// ceiling. Returns the time since `started`.
pub async fn wait_ready(
    server: &mut Server,
    started: Instant,
    limit: Duration,
) -> Result<Duration, String> {
    let probe = match server.kind {
        Kind::Minis3 => http::uri::PathAndQuery::from_static("/_minis3/health"),
        Kind::Seaweedfs | Kind::Moto => {
            // ListBuckets: the service root, presigned.
            server.endpoint.presign(&Method::GET, "", "", "")
        }
        Kind::Ceiling => http::uri::PathAndQuery::from_static("/"),
    };
    let deadline = started + limit;
    loop {
        let mut conn = Conn::new(&server.endpoint);
        let attempt = tokio::time::timeout(
            Duration::from_secs(2),
            conn.send(Method::GET, probe.clone(), crate::client::ReqBody::empty()),
        )
        .await;
        let last = match attempt {
            Ok(Ok((StatusCode::OK, _))) => return Ok(started.elapsed()),
            Ok(Ok((status, body))) => {
                format!("status {status}: {}", crate::client::snippet(&body))
            }
            Ok(Err(e)) => e,
            Err(_) => "probe timed out".to_string(),
        };
        if let Some(message) = server.exited() {
            return Err(message);
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{} not ready within {} s (last: {last}); its log ends:\n{}",
                server.kind.name(),
                limit.as_secs(),
                server.log_tail()
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Samples the resident memory of a process and all its descendants every ~10 ms on its own
/// thread, keeping the peak.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl RssSampler {
    pub fn start(root: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0u64;
            let mut pids = process_tree(root);
            let mut tree_checked = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                if tree_checked.elapsed() > Duration::from_millis(500) {
                    pids = process_tree(root);
                    tree_checked = Instant::now();
                }
                let total: u64 = pids.iter().filter_map(|p| rss_bytes(*p)).sum();
                peak = peak.max(total);
                std::thread::sleep(Duration::from_millis(10));
            }
            peak
        });
        RssSampler { stop, thread }
    }

    /// Stops sampling; returns the peak in bytes.
    pub fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

/// VmRSS of one process, from /proc/PID/status.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// CPU time (user + system, in clock ticks) used so far by `root` and its descendants.
fn cpu_ticks(root: u32) -> u64 {
    process_tree(root)
        .iter()
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // After the last ')': state is field 3 of the whole line, utime 14 and stime 15.
            let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
            let utime: u64 = fields.next()?.parse().ok()?;
            let stime: u64 = fields.next()?.parse().ok()?;
            Some(utime + stime)
        })
        .sum()
}

/// Waits, at most `bound`, until the server's process tree has used under 5% of a core over a
/// quarter of a second, so what a write burst left it to do (a log flush, page consolidation)
/// is not timed as part of what comes next. Returns how long it waited.
pub async fn wait_until_idle(root: u32, bound: Duration) -> Duration {
    const WINDOW: Duration = Duration::from_millis(250);
    // Clock ticks are 10 ms on Linux (USER_HZ = 100): 5% of 250 ms rounds to one tick.
    const IDLE_TICKS: u64 = 1;
    let started = Instant::now();
    let mut before = cpu_ticks(root);
    while started.elapsed() < bound {
        tokio::time::sleep(WINDOW).await;
        let now = cpu_ticks(root);
        if now.saturating_sub(before) <= IDLE_TICKS {
            break;
        }
        before = now;
    }
    started.elapsed()
}

/// `root` and every process descending from it, from the parent pids in /proc/*/stat.
fn process_tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // The command name may contain spaces and parentheses: fields resume after the
            // last ')', with the state first and the parent pid second.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|s| s.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        if let Some(kids) = children.get(&tree[i]) {
            tree.extend(kids);
        }
        i += 1;
    }
    tree
}
