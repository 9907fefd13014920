//! Group commit: writers wait for durability together, so N concurrent PUTs share one fsync.

use super::error::{StorageError, StorageResult};
use std::path::Path;
use std::sync::{mpsc, Arc};
use tokio::sync::oneshot;

/// sled's database with a flush that really reaches the disk. On Linux sled 0.34 writes its log
/// with `sync_file_range`, which neither flushes the drive's write cache nor records the grown size
/// of the log file, and leaves the real `fsync` to a 500 ms timer; so after each flush the log file
/// gets an `fdatasync` of its own.
#[derive(Clone)]
pub struct DurableDb {
    db: sled::Db,
    log: Arc<std::fs::File>,
}

impl DurableDb {
    /// `dir` is the directory sled was opened in; its log is the file `db` there.
    pub fn new(db: sled::Db, dir: &Path) -> StorageResult<Self> {
        let log = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(dir.join("db"))?;
        // The log file's own directory entry, made when sled created it.
        std::fs::File::open(dir)?.sync_all()?;
        Ok(DurableDb {
            db,
            log: Arc::new(log),
        })
    }

    /// Returns once everything written to sled before the call is on stable storage.
    pub fn flush(&self) -> sled::Result<()> {
        self.db.flush()?;
        self.log.sync_data()?;
        Ok(())
    }
}

type Waiter = oneshot::Sender<Result<(), sled::Error>>;

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
                // Block for the first waiter, then take everyone who queued meanwhile: they all
                // wrote before this flush began, so one fsync covers the whole batch.
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    let result = db.flush();
                    for waiter in batch {
                        let _ = waiter.send(result.clone());
                    }
                }
            })
            .map_err(|e| StorageError::Corrupt(format!("cannot start flusher thread: {e}")))?;
        Ok(GroupCommit {
            waiters: Some(tx),
            thread: Some(thread),
        })
    }

    /// Waits until everything written before this call is on disk.
    pub async fn sync(&self) -> StorageResult<()> {
        let (tx, rx) = oneshot::channel();
        self.waiters
            .as_ref()
            .ok_or_else(|| StorageError::Corrupt("flusher thread stopped".into()))?
            .send(tx)
            .map_err(|_| StorageError::Corrupt("flusher thread stopped".into()))?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(StorageError::Corrupt("flusher thread stopped".into())),
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
