//! The access log: one line per request, formatted on the request's thread and appended to a
//! shared buffer that a thread of its own writes to stderr, many lines per `write(2)`.
//!
//! It used to be a `tracing` event. tracing-subscriber's formatter escapes every field byte by
//! byte and writes each line with its own system call while the request's worker waits; measured
//! with the benchmark (4 KiB GETs at 16 connections) the log cost 5-10% of throughput. Handing
//! each line to the writer through a channel then woke the writer once per request: 16 us of CPU
//! per request and a third of the GET throughput at 16 connections (wrk, session 6). Now the
//! writer is woken only by the first line after a write and gathers for [`GATHER`] before the
//! next one, so it runs at most ~100 times a second however busy the server is. The line keeps
//! the format the subscriber gave it and the same switch: it is written when `RUST_LOG` enables
//! `minis3::access` at INFO (the default).

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Weak};
use std::thread::Thread;
use std::time::Duration;

/// How long the writer gathers lines after being woken; also the most a line waits.
const GATHER: Duration = Duration::from_millis(10);

/// Past this many buffered bytes (stderr not keeping up), the request that adds a line writes
/// the buffer itself: requests wait for the log rather than it growing without bound or losing
/// lines.
const HIGH_WATER: usize = 1024 * 1024;

/// What one request's line says.
pub struct AccessRecord<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub bytes_in: &'a str,
    pub bytes_out: u64,
    pub elapsed: Duration,
    pub request_id: &'a str,
}

/// The access log; cloning shares the one buffer and writer thread.
#[derive(Clone)]
pub struct AccessLog {
    shared: Arc<Shared>,
}

struct Shared {
    /// Lines not yet handed to `out`.
    pending: Mutex<Vec<u8>>,
    /// Held while a batch is written, so that batches leave in the order they were taken.
    out: Mutex<Output>,
    /// The writer thread, woken when a line arrives in an empty buffer.
    writer: Thread,
}

struct Output {
    sink: Box<dyn Write + Send>,
    /// The buffer swapped in for `pending` while its lines are written (keeps both allocations).
    spare: Vec<u8>,
    /// Set once a write fails (stderr closed): lines are dropped from then on.
    failed: bool,
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
        let (send_shared, receive_shared) = std::sync::mpsc::channel::<Weak<Shared>>();
        let writer = std::thread::Builder::new()
            .name("minis3-access-log".into())
            .spawn(move || {
                if let Ok(shared) = receive_shared.recv() {
                    write_when_woken(shared);
                }
            })
            .map_err(|e| tracing::warn!("no access log: cannot start its thread: {e}"))
            .ok()?;
        let shared = Arc::new(Shared {
            pending: Mutex::new(Vec::with_capacity(64 * 1024)),
            out: Mutex::new(Output {
                sink: Box::new(out),
                spare: Vec::with_capacity(64 * 1024),
                failed: false,
            }),
            writer: writer.thread().clone(),
        });
        send_shared.send(Arc::downgrade(&shared)).ok()?;
        Some(AccessLog { shared })
    }

    pub fn record(&self, record: &AccessRecord<'_>, now_ms: i64) {
        thread_local! {
            static LINE: RefCell<String> = const { RefCell::new(String::new()) };
        }
        let buffered = LINE.with_borrow_mut(|line| {
            line.clear();
            format_line(line, record, now_ms);
            let Ok(mut pending) = self.shared.pending.lock() else {
                return 0;
            };
            if pending.is_empty() {
                self.shared.writer.unpark();
            }
            pending.extend_from_slice(line.as_bytes());
            pending.len()
        });
        if buffered >= HIGH_WATER {
            self.shared.write_pending();
        }
    }
}

impl Shared {
    /// Writes whatever is buffered with one `write_all`, which for stderr holds its lock
    /// throughout, so that other log lines never land inside one of these.
    fn write_pending(&self) {
        let Ok(mut out) = self.out.lock() else {
            return;
        };
        let out = &mut *out;
        match self.pending.lock() {
            Ok(mut pending) => std::mem::swap(&mut *pending, &mut out.spare),
            Err(_) => return,
        }
        if !out.failed && !out.spare.is_empty() {
            out.failed = out
                .sink
                .write_all(&out.spare)
                .and_then(|()| out.sink.flush())
                .is_err();
        }
        out.spare.clear();
    }
}

impl Drop for Shared {
    /// The last handle gone (the server stopped): what is buffered is written now, and the
    /// writer thread, finding the log gone, ends.
    fn drop(&mut self) {
        self.write_pending();
        self.writer.unpark();
    }
}

/// The writer thread: sleeps until a line arrives, lets more gather, writes them, and ends once
/// the log is dropped.
fn write_when_woken(shared: Weak<Shared>) {
    loop {
        std::thread::park();
        if shared.strong_count() == 0 {
            return;
        }
        std::thread::sleep(GATHER);
        match shared.upgrade() {
            Some(log) => log.write_pending(),
            None => return,
        }
    }
}

/// The line in the format tracing-subscriber's default printed it in (time, to the millisecond
/// here, level, target, fields).
fn format_line(line: &mut String, r: &AccessRecord<'_>, now_ms: i64) {
    push_timestamp(line, now_ms);
    // Pieces and numbers pushed directly: `writeln!` with eight arguments went through the
    // formatting machinery, 2% of a small GET's instructions.
    line.push_str("  INFO minis3::access: method=");
    line.push_str(r.method);
    line.push_str(" path=");
    line.push_str(r.path);
    line.push_str(" status=");
    push_decimal(line, u64::from(r.status));
    line.push_str(" bytes_in=");
    line.push_str(r.bytes_in);
    line.push_str(" bytes_out=");
    push_decimal(line, r.bytes_out);
    // Milliseconds to three places, rounded, from whole microseconds: formatting an f64 with a
    // precision was a tenth of the line's cost (its exact algorithm falls back to bignums).
    let micros = u64::try_from((r.elapsed.as_nanos() + 500) / 1000).unwrap_or(u64::MAX);
    line.push_str(" ms=");
    push_decimal(line, micros / 1000);
    line.push('.');
    push_three_digits(line, micros % 1000);
    line.push_str(" request_id=");
    line.push_str(r.request_id);
    line.push('\n');
}

/// `n` in decimal.
fn push_decimal(line: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        line.push(char::from(digit));
    }
}

/// `timefmt::iso8601_ms(now_ms)`, with the date and time up to the second formatted once a
/// second per thread: formatting all of it was half of the line's cost.
fn push_timestamp(line: &mut String, now_ms: i64) {
    thread_local! {
        /// A second, and its text without the milliseconds (`2023-11-14T22:13:20`).
        static SECOND: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
    }
    let secs = now_ms.div_euclid(1000);
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != secs {
            let full = crate::timefmt::iso8601_ms(secs.saturating_mul(1000));
            *text = full.strip_suffix(".000Z").unwrap_or(&full).to_string();
            *second = secs;
        }
        line.push_str(text);
    });
    line.push('.');
    push_three_digits(line, now_ms.rem_euclid(1000).unsigned_abs());
    line.push('Z');
}

/// `n` (0-999) as three decimal digits, zero-padded: milliseconds after a decimal point.
fn push_three_digits(line: &mut String, n: u64) {
    for digit in [n / 100 % 10, n / 10 % 10, n % 10] {
        line.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A `Write` whose bytes the test can read.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
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
            elapsed: Duration::from_nanos(123_450),
            request_id,
        }
    }

    #[test]
    fn a_line_has_every_field_in_the_subscribers_format() {
        assert_eq!(
            {
                let mut line = String::new();
                format_line(&mut line, &record("ABC"), 1_700_000_000_123);
                line
            },
            "2023-11-14T22:13:20.123Z  INFO minis3::access: method=GET path=/bucket/a key \
             status=404 bytes_in=0 bytes_out=312 ms=0.123 request_id=ABC\n"
        );
    }

    #[test]
    fn decimals_are_what_display_writes() {
        for n in [0, 7, 10, 404, 4096, 1_000_000, u64::MAX] {
            let mut line = String::new();
            push_decimal(&mut line, n);
            assert_eq!(line, n.to_string());
        }
    }

    #[test]
    fn durations_are_milliseconds_to_three_places_rounded() {
        for (nanos, shown) in [
            (0, "ms=0.000 "),
            (2_345_678, "ms=2.346 "),
            (999_500, "ms=1.000 "),
            (1_500_000_000, "ms=1500.000 "),
        ] {
            let mut line = String::new();
            let record = AccessRecord {
                elapsed: Duration::from_nanos(nanos),
                ..record("X")
            };
            format_line(&mut line, &record, 0);
            assert!(line.contains(shown), "{nanos} ns: {line}");
        }
    }

    #[test]
    fn timestamps_match_the_full_formatting_within_and_across_seconds() {
        for ms in [
            1_700_000_000_123,
            1_700_000_000_999,
            1_700_000_001_000,
            1_700_000_001_007,
            0,
            -1,
            1_699_999_999_050,
        ] {
            let mut line = String::new();
            push_timestamp(&mut line, ms);
            assert_eq!(line, crate::timefmt::iso8601_ms(ms), "{ms}");
        }
    }

    impl Captured {
        fn request_ids(&self) -> Vec<String> {
            let text = String::from_utf8(self.0.lock().expect("lock").clone()).expect("utf-8");
            text.lines()
                .filter_map(|l| l.rsplit("request_id=").next())
                .map(str::to_string)
                .collect()
        }

        /// Waits (at most 10 s) until `n` lines are written, and returns their request ids.
        fn wait_for_lines(&self, n: usize) -> Vec<String> {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let written = self.request_ids();
                if written.len() >= n || std::time::Instant::now() > deadline {
                    return written;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }

    #[test]
    fn every_recorded_line_is_written_in_order_past_the_high_water_mark() {
        let out = Captured::default();
        let log = AccessLog::start_writing_to(out.clone()).expect("writer starts");
        // About 120 bytes a line: the buffer passes HIGH_WATER several times, so requests write
        // batches themselves as well as the writer thread.
        let ids: Vec<String> = (0..4 * HIGH_WATER / 100)
            .map(|i| format!("id{i}"))
            .collect();
        for id in &ids {
            log.record(&record(id), 0);
        }
        // Dropping the last handle writes what is left; when the writer thread holds the log at
        // that moment (it upgrades its weak handle to write), its own release does, just after.
        drop(log);
        assert_eq!(out.wait_for_lines(ids.len()), ids);
    }

    #[test]
    fn lines_are_written_while_the_log_lives_also_after_a_write() {
        let out = Captured::default();
        let log = AccessLog::start_writing_to(out.clone()).expect("writer starts");
        log.record(&record("first"), 0);
        log.record(&record("second"), 0);
        assert_eq!(out.wait_for_lines(2), ["first", "second"]);
        // The buffer was emptied by that write; the next line must wake the writer again.
        log.record(&record("third"), 0);
        assert_eq!(out.wait_for_lines(3), ["first", "second", "third"]);
        drop(log);
    }
}
