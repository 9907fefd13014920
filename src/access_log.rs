//! The access log: one line per request, formatted on the request's thread by one `write!` and
//! written to stderr by a thread of its own, many lines per `write(2)`.
//!
//! It used to be a `tracing` event. tracing-subscriber's formatter escapes every field byte by
//! byte and writes each line with its own system call while the request's worker waits; measured
//! with the benchmark (4 KiB GETs at 16 connections) the log cost 5-10% of throughput. The line
//! keeps the format the subscriber gave it and the same switch: it is written when
//! `RUST_LOG` enables `minis3::access` at INFO (the default).

use std::io::Write;
use std::sync::mpsc;

/// Lines waiting for the writer. When stderr cannot keep up, requests wait for room rather than
/// the log growing without bound or losing lines.
const QUEUE_LINES: usize = 4096;

/// What one request's line says.
pub struct AccessRecord<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub bytes_in: &'a str,
    pub bytes_out: u64,
    pub elapsed_ms: f64,
    pub request_id: &'a str,
}

/// The access log's queue; cloning shares the one writer thread.
#[derive(Clone)]
pub struct AccessLog {
    lines: mpsc::SyncSender<String>,
}

impl AccessLog {
    /// Starts the writer if the log filter enables access lines; `None` otherwise (or when no
    /// thread can be started, in which case requests simply go unlogged).
    pub fn start() -> Option<AccessLog> {
        if !tracing::enabled!(target: "minis3::access", tracing::Level::INFO) {
            return None;
        }
        Self::start_writing_to(std::io::stderr())
    }

    fn start_writing_to(out: impl Write + Send + 'static) -> Option<AccessLog> {
        let (lines, received) = mpsc::sync_channel::<String>(QUEUE_LINES);
        std::thread::Builder::new()
            .name("minis3-access-log".into())
            .spawn(move || write_lines(received, out))
            .map_err(|e| tracing::warn!("no access log: cannot start its thread: {e}"))
            .ok()?;
        Some(AccessLog { lines })
    }

    pub fn record(&self, record: &AccessRecord<'_>, now_ms: i64) {
        // A failed send means the writer is gone (stderr closed): nothing more to do.
        let _ = self.lines.send(format_line(record, now_ms));
    }
}

/// Writes lines as they come, each batch (whatever queued while the last one was written) with
/// one `write_all`, which for stderr holds its lock throughout, so that other log lines never
/// land inside one of these.
fn write_lines(received: mpsc::Receiver<String>, mut out: impl Write) {
    let mut batch = Vec::with_capacity(64 * 1024);
    while let Ok(line) = received.recv() {
        batch.clear();
        batch.extend_from_slice(line.as_bytes());
        while batch.len() < 64 * 1024 {
            match received.try_recv() {
                Ok(line) => batch.extend_from_slice(line.as_bytes()),
                Err(_) => break,
            }
        }
        if out.write_all(&batch).and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}

/// The line in the format tracing-subscriber's default printed it in (time, to the millisecond
/// here, level, target, fields).
fn format_line(r: &AccessRecord<'_>, now_ms: i64) -> String {
    use std::fmt::Write as _;
    let mut line = String::with_capacity(160 + r.path.len());
    let _ = writeln!(
        line,
        "{}  INFO minis3::access: method={} path={} status={} bytes_in={} bytes_out={} ms={:.3} request_id={}",
        crate::timefmt::iso8601_ms(now_ms),
        r.method,
        r.path,
        r.status,
        r.bytes_in,
        r.bytes_out,
        r.elapsed_ms,
        r.request_id
    );
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A `Write` whose bytes the test can read.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn record(request_id: &str) -> AccessRecord<'_> {
        AccessRecord {
            method: "GET",
            path: "/bucket/a key",
            status: 404,
            bytes_in: "0",
            bytes_out: 312,
            elapsed_ms: 0.12345,
            request_id,
        }
    }

    #[test]
    fn a_line_has_every_field_in_the_subscribers_format() {
        assert_eq!(
            format_line(&record("ABC"), 1_700_000_000_123),
            "2023-11-14T22:13:20.123Z  INFO minis3::access: method=GET path=/bucket/a key \
             status=404 bytes_in=0 bytes_out=312 ms=0.123 request_id=ABC\n"
        );
    }

    #[test]
    fn every_recorded_line_is_written_in_order() {
        let out = Shared::default();
        let log = AccessLog::start_writing_to(out.clone()).expect("writer starts");
        let ids: Vec<String> = (0..QUEUE_LINES * 2).map(|i| format!("id{i}")).collect();
        for id in &ids {
            log.record(&record(id), 0);
        }
        // Dropping the last sender lets the writer drain the queue and stop.
        drop(log);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let text = String::from_utf8(out.0.lock().expect("lock").clone()).expect("utf-8");
            let written: Vec<&str> = text
                .lines()
                .filter_map(|l| l.rsplit("request_id=").next())
                .collect();
            if written.len() == ids.len() {
                assert_eq!(written, ids);
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} lines written",
                written.len()
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
