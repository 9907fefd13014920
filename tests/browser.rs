//! The demo page in a real browser. Headless Chromium (Debian's `chromium`, driven by npm's
//! `playwright-core` through integration/browser/upload.mjs) opens the page served by
//! `minis3 demo` (its own origin) against a `minis3 serve --demo`, uploads one file by presigned
//! PUT and one by presigned POST, and the store must then hold exactly those bytes. With the demo
//! bucket's CORS configuration removed, the same uploads must fail in the browser and store nothing.
//!
//! Needs `/usr/bin/chromium` (installed here with apt-get when the test runs as root) and npm
//! (playwright-core is installed under `target/browser-node/`). Nothing is skipped: without them
//! the test fails and says why. Screenshots go to `target/browser/`.

mod common;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::Client;
use common::process::{pattern, s3_client, Minis3Process};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const DEMO_BUCKET: &str = "demo";
/// Bound on one browser session (the script's own steps are bounded at 60 s each).
const BROWSER_TIMEOUT: Duration = Duration::from_secs(240);
/// Bound on `npm install` and on `apt-get install chromium`.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(900);
/// Bound on any one SDK call.
const SDK_TIMEOUT: Duration = Duration::from_secs(60);

/// Cargo's target directory: the binary under test lives in `<target>/<profile>/`.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_minis3"))
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in <target>/<profile>/")
        .to_path_buf()
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a command to completion within `timeout`, killing it past that.
fn run_bounded(command: &mut Command, timeout: Duration, what: &str) -> Output {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let err = stderr.join().unwrap_or_default();
            panic!(
                "{what} did not finish within {timeout:?}; its stderr:\n{}",
                String::from_utf8_lossy(&err)
            );
        }
        thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// Reads a child's pipe to the end on a thread, so the child never blocks on a full pipe.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Makes sure Debian's Chromium is installed: as root it is installed, otherwise the test fails.
fn ensure_chromium() {
    if Path::new(CHROMIUM).exists() {
        return;
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    assert_eq!(
        uid, "0",
        "{CHROMIUM} is missing and this test is not running as root, so it cannot install it: \
         run `apt-get install -y chromium` (Debian's package) and run the test again"
    );
    let install = |what: &str, args: &[&str]| {
        let output = run_bounded(
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive"),
            INSTALL_TIMEOUT,
            what,
        );
        if !output.status.success() {
            eprintln!(
                "{what} failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        output.status.success()
    };
    eprintln!("browser test: installing chromium with apt-get");
    if !install(
        "apt-get install chromium",
        &["install", "-y", "-qq", "chromium"],
    ) {
        // A stale package list is the usual reason; refresh it once.
        install("apt-get update", &["update", "-qq"]);
        install(
            "apt-get install chromium",
            &["install", "-y", "-qq", "chromium"],
        );
    }
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is still missing after apt-get install chromium"
    );
}

/// Installs the pinned playwright-core under `target/browser-node/` (reused when already there)
/// next to a copy of the browser script; returns that directory.
fn ensure_playwright() -> PathBuf {
    let source = manifest_dir().join("integration/browser");
    let dir = target_dir().join("browser-node");
    std::fs::create_dir_all(&dir).expect("create target/browser-node");
    let manifest = std::fs::read_to_string(source.join("package.json"))
        .expect("integration/browser/package.json");
    let manifest_json: Value = serde_json::from_str(&manifest).expect("package.json is JSON");
    let pinned = manifest_json["dependencies"]["playwright-core"]
        .as_str()
        .expect("package.json pins playwright-core")
        .to_string();
    let installed = std::fs::read_to_string(dir.join("node_modules/playwright-core/package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v["version"].as_str().map(str::to_string));
    std::fs::write(dir.join("package.json"), &manifest).expect("copy package.json");
    std::fs::copy(source.join("upload.mjs"), dir.join("upload.mjs")).expect("copy upload.mjs");
    if installed.as_deref() != Some(pinned.as_str()) {
        eprintln!("browser test: npm install playwright-core@{pinned} into {dir:?}");
        let output = run_bounded(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund"])
                .current_dir(&dir),
            INSTALL_TIMEOUT,
            "npm install",
        );
        assert!(
            output.status.success(),
            "npm install in {dir:?} failed (npm and the npm registry are needed):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    dir
}

/// One file for the browser to upload.
struct Upload {
    mode: &'static str,
    path: PathBuf,
    content_type: &'static str,
    bytes: Vec<u8>,
}

impl Upload {
    fn new(dir: &Path, mode: &'static str, name: &str, content_type: &'static str) -> Upload {
        let seed = name
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31) ^ u64::from(b));
        // A few hundred KiB, so the progress bar has something to show.
        let bytes = pattern(200 * 1024 + (seed % 150_000) as usize, seed);
        let path = dir.join(name);
        std::fs::write(&path, &bytes).expect("write upload file");
        Upload {
            mode,
            path,
            content_type,
            bytes,
        }
    }

    fn key(&self) -> String {
        let name = self.path.file_name().expect("file name").to_string_lossy();
        format!("uploads/{name}")
    }
}

/// What the page showed for one upload.
#[derive(Debug)]
struct Outcome {
    key: String,
    status: String,
    detail: String,
    link: Option<String>,
}

/// Runs the browser script over `uploads`; the page's row for each file, in order.
fn run_browser(
    node_dir: &Path,
    page_url: &str,
    uploads: &[Upload],
    screenshot: &Path,
) -> Vec<Outcome> {
    let profile = tempfile::tempdir().expect("profile dir");
    let list: Vec<Value> = uploads
        .iter()
        .map(|u| json!({"mode": u.mode, "path": u.path, "type": u.content_type}))
        .collect();
    std::fs::create_dir_all(screenshot.parent().expect("screenshot dir")).expect("mkdir");
    let output = run_bounded(
        Command::new("node")
            .arg("upload.mjs")
            .current_dir(node_dir)
            .env("DEMO_PAGE_URL", format!("{page_url}/"))
            .env("BROWSER_UPLOADS", Value::Array(list).to_string())
            .env("SCREENSHOT", screenshot)
            .env("USER_DATA_DIR", profile.path())
            .env("CHROMIUM", CHROMIUM),
        BROWSER_TIMEOUT,
        "the browser script",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser script failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    eprintln!("{stderr}");
    let outcomes: Vec<Outcome> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("UPLOAD "))
        .map(|json| {
            let v: Value = serde_json::from_str(json).expect("UPLOAD line is JSON");
            let text = |name: &str| v[name].as_str().unwrap_or_default().to_string();
            Outcome {
                key: text("key"),
                status: text("status"),
                detail: text("detail"),
                link: v["link"].as_str().map(str::to_string),
            }
        })
        .collect();
    let keys: Vec<&str> = outcomes.iter().map(|o| o.key.as_str()).collect();
    let wanted: Vec<String> = uploads.iter().map(Upload::key).collect();
    assert_eq!(
        keys, wanted,
        "the script reported other rows:\n{stdout}\n{stderr}"
    );
    assert!(screenshot.exists(), "no screenshot at {screenshot:?}");
    outcomes
}

async fn stored_keys(client: &Client) -> BTreeSet<String> {
    let listed = client
        .list_objects_v2()
        .bucket(DEMO_BUCKET)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list_objects_v2: {}", DisplayErrorContext(&e)));
    listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect()
}

#[test]
fn demo_page_uploads_across_origins_only_while_cors_allows() {
    ensure_chromium();
    let node_dir = ensure_playwright();
    let shots = target_dir().join("browser");
    let work = tempfile::tempdir().expect("temp dir");

    let store = Minis3Process::serve(
        &work.path().join("data"),
        &["--demo"],
        work.path().join("store.log"),
    );
    let page = Minis3Process::start(
        "minis3 demo",
        &[
            "demo",
            "--address",
            "127.0.0.1:0",
            "--endpoint",
            store.url(),
        ],
        work.path().join("page.log"),
        "/",
    );
    assert_ne!(page.url(), store.url(), "the page needs its own origin");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let s3 = s3_client(store.url(), SDK_TIMEOUT, "minis3-browser-test");

    // `serve --demo` gave the fresh bucket its one open CORS rule.
    let cors = runtime
        .block_on(s3.get_bucket_cors().bucket(DEMO_BUCKET).send())
        .unwrap_or_else(|e| panic!("get_bucket_cors: {}", DisplayErrorContext(&e)));
    let rules = cors.cors_rules();
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(rules[0].allowed_origins(), ["*"]);
    assert_eq!(rules[0].allowed_methods(), ["GET", "PUT", "POST", "HEAD"]);
    assert_eq!(rules[0].allowed_headers(), ["*"]);
    assert_eq!(rules[0].expose_headers(), ["ETag"]);
    assert_eq!(rules[0].max_age_seconds(), Some(3000));

    // 1. With the rule: both uploads succeed and the store holds the browser's bytes.
    let allowed = [
        Upload::new(
            work.path(),
            "put",
            "put-allowed.bin",
            "application/x-demo-put",
        ),
        Upload::new(work.path(), "post", "post-allowed.bin", "image/png"),
    ];
    let outcomes = run_browser(&node_dir, page.url(), &allowed, &shots.join("demo.png"));
    for (upload, outcome) in allowed.iter().zip(&outcomes) {
        assert_eq!(
            outcome.status, "done",
            "{} upload of {}: {outcome:?}",
            upload.mode, outcome.key
        );
        let link = outcome.link.as_deref().unwrap_or_default();
        assert!(
            link.starts_with(&format!("{}/{DEMO_BUCKET}/{}?", store.url(), upload.key()))
                && link.contains("X-Amz-Signature="),
            "the row's link is no presigned GET of the object: {link}"
        );
        let object = runtime
            .block_on(s3.get_object().bucket(DEMO_BUCKET).key(upload.key()).send())
            .unwrap_or_else(|e| panic!("get_object {}: {}", upload.key(), DisplayErrorContext(&e)));
        assert_eq!(
            object.content_type(),
            Some(upload.content_type),
            "{} upload's Content-Type",
            upload.mode
        );
        let body = runtime
            .block_on(object.body.collect())
            .expect("read object body")
            .into_bytes();
        assert!(
            body.as_ref() == upload.bytes.as_slice(),
            "{} upload stored {} bytes that differ from the file's {}",
            upload.mode,
            body.len(),
            upload.bytes.len()
        );
    }
    let before = runtime.block_on(stored_keys(&s3));
    let expected: BTreeSet<String> = allowed.iter().map(Upload::key).collect();
    assert_eq!(before, expected);

    // 2. Without the bucket's CORS configuration the browser refuses both, and nothing is stored.
    runtime
        .block_on(s3.delete_bucket_cors().bucket(DEMO_BUCKET).send())
        .unwrap_or_else(|e| panic!("delete_bucket_cors: {}", DisplayErrorContext(&e)));
    let blocked = [
        Upload::new(
            work.path(),
            "put",
            "put-blocked.bin",
            "application/x-demo-put",
        ),
        Upload::new(work.path(), "post", "post-blocked.bin", "image/png"),
    ];
    let outcomes = run_browser(
        &node_dir,
        page.url(),
        &blocked,
        &shots.join("demo-cors-removed.png"),
    );
    for (upload, outcome) in blocked.iter().zip(&outcomes) {
        assert_eq!(
            outcome.status, "failed",
            "{} upload of {} without CORS: {outcome:?}",
            upload.mode, outcome.key
        );
        assert!(
            !outcome.detail.is_empty(),
            "a failed row must say why: {outcome:?}"
        );
        assert!(
            outcome.link.is_none(),
            "a failed row has a link: {outcome:?}"
        );
    }
    assert_eq!(
        runtime.block_on(stored_keys(&s3)),
        before,
        "uploads refused by CORS stored something"
    );
}
