//! End-to-end harness: runs the Python suite in `integration/` (the real aws CLI and boto3)
//! against the `minis3` binary cargo just built.
//!
//! It makes sure the Python clients exist first: if the machine's `python3` cannot import
//! boto3, requests, pytest, swiftclient and s3cmd, or `aws`, `swift` or `s3cmd` is not on PATH,
//! it builds (once, then reuses) a venv at
//! `target/integration-venv` from `integration/requirements.txt`. pytest's output is streamed
//! as it runs; the test fails on a non-zero exit, and also when pytest skipped, deselected or
//! xfailed anything, or ran nothing: every end-to-end test must really run.

use std::env;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The suite takes a few minutes at most; past this it is stuck.
const SUITE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const CLIENT_IMPORTS: &str = "import boto3, botocore, requests, pytest, swiftclient, S3";
/// The command-line clients the suite runs, with the PyPI package that provides each.
const CLIENT_COMMANDS: &[(&str, &str)] = &[
    ("aws", "awscli"),
    ("swift", "python-swiftclient"),
    ("s3cmd", "s3cmd"),
];

/// Where the Python clients come from.
struct PythonEnv {
    python: PathBuf,
    /// Prepended to PATH so the venv's `aws` (`swift`, `s3cmd`), if it has one, is the one the
    /// suite runs.
    bin_dir: Option<PathBuf>,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/`, found from the binary's path (`<target>/<profile>/minis3`) so that
/// CARGO_TARGET_DIR is honoured.
fn target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_minis3"));
    bin.ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo_root().join("target"))
}

fn path_with(bin_dir: Option<&Path>) -> OsString {
    let current = env::var_os("PATH").unwrap_or_default();
    match bin_dir {
        None => current,
        Some(dir) => {
            let mut dirs = vec![dir.to_path_buf()];
            dirs.extend(env::split_paths(&current));
            env::join_paths(dirs).expect("PATH entries are joinable")
        }
    }
}

fn find_on_path(program: &str, path: &OsString) -> Option<PathBuf> {
    env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// True when `python` imports the clients and each working command is on the PATH it will run with.
fn clients_work(python: &Path, bin_dir: Option<&Path>) -> bool {
    let path = path_with(bin_dir);
    let imports = Command::new(python)
        .args(["-c", CLIENT_IMPORTS])
        .env("PATH", &path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    imports
        && CLIENT_COMMANDS
            .iter()
            .all(|(command, _)| command_works(command, &path))
}

fn command_works(command: &str, path: &OsString) -> bool {
    find_on_path(command, path).is_some_and(|program| {
        Command::new(program)
            .arg("--version")
            .env("PATH", path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    })
}

/// Straight to stderr: eprintln! would be held back by the test harness until the end.
fn notice(message: &str) {
    let _ = writeln!(std::io::stderr(), "integration: {message}");
}

fn run_checked(cmd: &mut Command, what: &str) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not start {what}: {e}"));
    assert!(status.success(), "{what} failed ({status})");
}

fn python_env() -> PythonEnv {
    let system = PathBuf::from("python3");
    if clients_work(&system, None) {
        return PythonEnv {
            python: system,
            bin_dir: None,
        };
    }

    let venv = target_dir().join("integration-venv");
    let bin_dir = venv.join("bin");
    let python = bin_dir.join("python");
    if python.is_file() && clients_work(&python, Some(&bin_dir)) {
        return PythonEnv {
            python,
            bin_dir: Some(bin_dir),
        };
    }

    notice(&format!(
        "installing the Python clients into {}",
        venv.display()
    ));
    run_checked(
        Command::new("python3")
            .args(["-m", "venv", "--system-site-packages"])
            .arg(&venv),
        "python3 -m venv (on Debian, apt-get install python3-venv)",
    );
    let requirements = repo_root().join("integration").join("requirements.txt");
    run_checked(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r integration/requirements.txt (needs PyPI)",
    );
    let path = path_with(Some(&bin_dir));
    for (command, package) in CLIENT_COMMANDS {
        if command_works(command, &path) {
            continue;
        }
        // The system site-packages may satisfy the package without its script on PATH:
        // give the venv its own copy.
        run_checked(
            Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                "--ignore-installed",
                package,
            ]),
            &format!("pip install {package} into the venv"),
        );
    }
    assert!(
        clients_work(&python, Some(&bin_dir)),
        "the venv at {} still lacks the Python clients or a working aws/swift/s3cmd after installing",
        venv.display()
    );
    PythonEnv {
        python,
        bin_dir: Some(bin_dir),
    }
}

/// Copies a child's output to ours line by line as it comes, keeping a copy.
fn tee(
    mut from: impl Read + Send + 'static,
    to_stderr: bool,
    log: Arc<Mutex<String>>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut reader = BufReader::new(&mut from);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
            // Written to the process's own stdout/stderr, not through print!, so that the
            // test harness does not hold it back until the end.
            let _ = if to_stderr {
                std::io::stderr().write_all(&line)
            } else {
                std::io::stdout().write_all(&line)
            };
            log.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&line));
            line.clear();
        }
    })
}

/// Waits for the child, interrupting it (so pytest tears its servers down) past the timeout.
fn wait_bounded(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting for pytest") {
            return status;
        }
        if start.elapsed() > SUITE_TIMEOUT {
            notice(&format!(
                "pytest still running after {SUITE_TIMEOUT:?}; interrupting it"
            ));
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let grace = Instant::now();
            while grace.elapsed() < Duration::from_secs(30) {
                if let Some(status) = child.try_wait().expect("waiting for pytest") {
                    panic!("integration suite timed out after {SUITE_TIMEOUT:?} ({status})");
                }
                thread::sleep(Duration::from_millis(200));
            }
            let _ = child.kill();
            let _ = child.wait();
            panic!("integration suite timed out after {SUITE_TIMEOUT:?} and had to be killed");
        }
        thread::sleep(Duration::from_millis(200));
    }
}

/// The counts on pytest's closing line, e.g. "98 passed, 1 skipped in 61.2s".
fn summary_counts(output: &str) -> Option<Vec<(u64, String)>> {
    let line = output
        .lines()
        .rev()
        .map(|l| l.trim().trim_matches('=').trim())
        .find(|l| {
            l.contains(" in ")
                && (l.contains("passed")
                    || l.contains("failed")
                    || l.contains("error")
                    || l.contains("no tests ran"))
        })?;
    let counts = line
        .split(" in ")
        .next()?
        .split(',')
        .filter_map(|part| {
            let mut words = part.split_whitespace();
            let n = words.next()?.parse().ok()?;
            Some((n, words.next()?.to_string()))
        })
        .collect();
    Some(counts)
}

#[test]
fn aws_cli_and_boto3_against_minis3() {
    let root = repo_root();
    let py = python_env();

    let mut child = Command::new(&py.python)
        .args([
            "-m",
            "pytest",
            "integration",
            "-q",
            "-p",
            "no:cacheprovider",
            "--strict-markers",
            "-rfEsxX",
        ])
        .current_dir(&root)
        .env("MINIS3_BIN", env!("CARGO_BIN_EXE_minis3"))
        .env("PATH", path_with(py.bin_dir.as_deref()))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .env_remove("MINIS3_TEST_TARGET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", py.python.display()));

    let log = Arc::new(Mutex::new(String::new()));
    let readers = [
        tee(child.stdout.take().unwrap(), false, Arc::clone(&log)),
        tee(child.stderr.take().unwrap(), true, Arc::clone(&log)),
    ];
    let status = wait_bounded(&mut child);
    for reader in readers {
        reader.join().expect("output reader");
    }
    let output = log.lock().unwrap().clone();

    assert!(
        status.success(),
        "integration suite failed: pytest exited with {status}; its output is above"
    );
    let counts = summary_counts(&output)
        .expect("pytest printed no summary line: cannot tell what ran (output above)");
    let count = |word: &str| {
        counts
            .iter()
            .filter(|(_, w)| w.starts_with(word))
            .map(|(n, _)| n)
            .sum::<u64>()
    };
    assert!(count("passed") > 0, "pytest ran no test: {counts:?}");
    for unwanted in ["skipped", "deselected", "xfailed", "xpassed"] {
        assert_eq!(
            count(unwanted),
            0,
            "pytest reports {unwanted} tests ({counts:?}): every end-to-end test must run"
        );
    }
}

#[cfg(test)]
mod summary_tests {
    use super::summary_counts;

    #[test]
    fn reads_pytest_closing_lines() {
        let out = "....\n98 passed, 2 skipped, 1 deselected in 61.20s\n";
        assert_eq!(
            summary_counts(out).unwrap(),
            vec![
                (98, "passed".to_string()),
                (2, "skipped".to_string()),
                (1, "deselected".to_string())
            ]
        );
        let verbose = "===== 3 failed, 5 passed, 1 warning in 2.00s =====\n";
        assert_eq!(
            summary_counts(verbose).unwrap()[0],
            (3, "failed".to_string())
        );
        assert!(summary_counts("no summary here\n").is_none());
    }
}
