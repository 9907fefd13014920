//! Group commit: writers wait for durability together, so N concurrent PUTs share one fsync.

use super::error::{StorageError, StorageResult};
use super::wal::{Wal, Written, MARKER_KEY};
use std::path::Path;
use std::sync::{mpsc, Arc};
use tokio::sync::oneshot;

/// sled's database with a flush that really reaches the disk. On Linux sled 0.34 writes its log
/// with `sync_file_range`, which neither flushes the drive's write cache nor records the grown size
/// of the log file, and leaves the real `fsync` to a 500 ms timer; so after each flush the log file
/// gets an `fdatasync` of its own.
///
/// It also owns the write-ahead log of small PUTs ([`Wal`]): a full flush stores the log's marker
/// first, and once durable lets the log start a new lap.
#[derive(Clone)]
pub struct DurableDb {
    db: sled::Db,
    log: Arc<std::fs::File>,
    wal: Arc<Wal>,
}

impl DurableDb {
    /// `dir` is the directory sled was opened in; its log is the file `db` there.
    pub fn new(db: sled::Db, dir: &Path, wal: Arc<Wal>) -> StorageResult<Self> {
        let log = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(dir.join("db"))?;
        // The log file's own directory entry, made when sled created it.
        std::fs::File::open(dir)?.sync_all()?;
        Ok(DurableDb {
            db,
            log: Arc::new(log),
            wal,
        })
    }

    /// Returns once everything written to sled before the call is on stable storage.
    pub fn flush(&self) -> StorageResult<()> {
        let flushed = self.wal.checkpoint(|marker| {
            self.db.insert(MARKER_KEY, &marker.to_be_bytes())?;
            self.db.flush()?;
            self.log.sync_data()?;
            Ok(())
        });
        // Only sled's flush leaves sled garbage on the calling thread (a write of our own log
        // leaves none), so this is where the flusher collects it.
        super::release_sled_garbage();
        flushed
    }

    /// Returns once every entry appended to the write-ahead log before the call is on stable
    /// storage: written to the log, or covered by a full flush when the log's lap is full.
    fn write_log(&self) -> StorageResult<()> {
        match self.wal.write_pending()? {
            Written::Synced => Ok(()),
            Written::LapFull => self.flush(),
        }
    }
}

/// What a write needs before it may be acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Its entry in the write-ahead log synced (a small PUT installed with one compare-and-swap).
    Log,
    /// sled flushed: every other change.
    Full,
}

type Waiter = (Durability, oneshot::Sender<StorageResult<()>>);

/// The same failure for every waiter of a batch (`StorageError` holds an `io::Error`, which
/// cannot be cloned).
fn for_each_waiter(result: &StorageResult<()>) -> StorageResult<()> {
    match result {
        Ok(()) => Ok(()),
        Err(StorageError::DiskFull) => Err(StorageError::DiskFull),
        Err(StorageError::Db(e)) => Err(StorageError::Db(e.clone())),
        Err(StorageError::Io(e)) => Err(StorageError::Io(std::io::Error::new(
            e.kind(),
            e.to_string(),
        ))),
        Err(other) => Err(StorageError::Corrupt(other.to_string())),
    }
}

/// The flusher thread. Every `sync()` returns once a flush that *started after the call* has
/// finished, which is what makes the acknowledgement honest. Dropping it stops and joins the thread,
/// so the database is closed when the store is.
pub struct GroupCommit {
    waiters: Option<mpsc::Sender<Waiter>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl GroupCommit {
    /// Starts the flusher thread; it ends when every handle has been dropped.
    pub fn start(db: DurableDb) -> StorageResult<Self> {
        let (tx, rx) = mpsc::channel::<Waiter>();
        let thread = std::thread::Builder::new()
            .name("minis3-flusher".into())
            .spawn(move || {
                let (kick, kicked) = mpsc::sync_channel::<()>(1);
                let writer = start_sled_writer(db.db.clone(), kicked);
                // Block for the first waiter, then take everyone who queued meanwhile: they all
                // wrote before this flush began, so one fsync covers the whole batch.
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    let result = if batch.iter().any(|(need, _)| *need == Durability::Full) {
                        db.flush()
                    } else {
                        let result = db.write_log();
                        let _ = kick.try_send(());
                        result
                    };
                    for (_, waiter) in batch {
                        let _ = waiter.send(for_each_waiter(&result));
                    }
                }
                drop(kick);
                if let Some(writer) = writer {
                    let _ = writer.join();
                }
            })
            .map_err(|e| StorageError::Corrupt(format!("cannot start flusher thread: {e}")))?;
        Ok(GroupCommit {
            waiters: Some(tx),
            thread: Some(thread),
        })
    }

    /// Waits until everything written before this call is on disk, or (with
    /// [`Durability::Log`]) every write-ahead log entry appended before it.
    pub async fn sync(&self, need: Durability) -> StorageResult<()> {
        let (tx, rx) = oneshot::channel();
        self.waiters
            .as_ref()
            .ok_or_else(|| StorageError::Corrupt("flusher thread stopped".into()))?
            .send((need, tx))
            .map_err(|_| StorageError::Corrupt("flusher thread stopped".into()))?;
        rx.await
            .map_err(|_| StorageError::Corrupt("flusher thread stopped".into()))?
    }
}

/// How often [`start_sled_writer`]'s thread writes sled's log at most. wrk, 4 KiB PUTs of new
/// keys, 5 s, two rounds: every 80 ms, 16 connections gave 12.1k/s with a p99 of 13-16 ms (the log's `fdatasync` queued behind sled's larger writes); every 20 ms 13.1k
/// and 7-8 ms; every 5 ms 14.2k-14.5k and 2.6-2.9 ms, 1 connection 2960-3380/s; after every log
/// write 10.4k-11.8k and 3.2-3.4 ms, 1 connection 2270-2330/s (the two contending for the disk).
const SLED_WRITE_INTERVAL: std::time::Duration = std::time::Duration::from_millis(5);

/// Starts a thread that writes sled's log out behind the write-ahead log when `kicked`, at most
/// every [`SLED_WRITE_INTERVAL`], until the sender is dropped. The PUTs are durable already, but
/// left to its own 500 ms timer sled writes in bursts of megabytes, and the log's `fdatasync`
/// (and the full flush that ends a lap) then waits behind them. `None` if no thread can be
/// started: sled's timer still writes, only in those bursts.
fn start_sled_writer(
    db: sled::Db,
    kicked: mpsc::Receiver<()>,
) -> Option<std::thread::JoinHandle<()>> {
    let spawned = std::thread::Builder::new()
        .name("minis3-sled-writer".into())
        .spawn(move || {
            while kicked.recv().is_ok() {
                if let Err(e) = db.flush() {
                    tracing::warn!(error = %e, "writing sled's log behind the write-ahead log failed");
                }
                super::release_sled_garbage();
                std::thread::sleep(SLED_WRITE_INTERVAL);
            }
        });
    match spawned {
        Ok(thread) => Some(thread),
        Err(e) => {
            tracing::warn!(error = %e, "cannot start sled's writer thread");
            None
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.waiters.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
