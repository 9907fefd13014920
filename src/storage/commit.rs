//! Group commit: writers wait for durability together, so N concurrent PUTs share one fsync.

use super::error::{StorageError, StorageResult};
use std::sync::mpsc;
use tokio::sync::oneshot;

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
    pub fn start(db: sled::Db) -> StorageResult<Self> {
        let (tx, rx) = mpsc::channel::<Waiter>();
        let thread = std::thread::Builder::new()
            .name("minis3-flusher".into())
            .spawn(move || {
                // Block for the first waiter, then take everyone who queued meanwhile: they all
                // wrote before this flush began, so one fsync covers the whole batch.
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    let result = db.flush().map(|_| ());
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
