//! Streaming object data in and out with bounded memory: small segments inline in sled (the
//! smallest objects' in their own record, others in the `chunks` tree), larger ones in a file of
//! their own under `segments/`, fsynced before they are referenced.
//!
//! Why not all of it in sled: sled 0.34 writes a page larger than a quarter segment to a "blob"
//! file its flush never fsyncs, and its LRU only processes accesses after 64 per shard x 256
//! shards, so the pages of freshly written chunks are never evicted at object scale (measured:
//! 256 MiB written, 270 MiB resident with a 1 MiB cache). Segment files keep the resident set
//! independent of object size and give each byte exactly one write and one fsync.

use super::condition::WriteCondition;
use super::error::{StorageError, StorageResult};
use super::records::{chunk_key, NewObject, NewPart, ObjectMeta, PartMeta, Segment};
use super::Store;
use bytes::{Bytes, BytesMut};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Segments up to this size live inline in sled, so small objects cost no file and share the
/// group-committed flush.
pub const INLINE_LIMIT: usize = 64 * 1024;
/// A single PUT's bytes up to this size live in the object's own record. Not all inline segments:
/// a listing reads the records it lists. Measured on a restarted server (pages read from disk),
/// 1000-key pages took 80 ms with 60 kB in each record, 20 ms with 8 kB, 6 ms with the data apart.
pub const RECORD_DATA_LIMIT: usize = 8 * 1024;
/// Bytes read from a segment file per `next_chunk`.
pub const READ_SIZE: usize = 256 * 1024;
/// Bytes a [`ReadAhead`] reads at a time: each piece costs two wake-ups across threads, so
/// fewer, larger ones than [`READ_SIZE`].
const READ_AHEAD_SIZE: usize = 512 * 1024;
/// Pieces a [`ReadAhead`] holds ready beyond the one being sent.
const READ_AHEAD_CHUNKS: usize = 2;

/// The file holding segment `id`: `segments/<low byte as hex>/<id as hex>`.
pub(super) fn segment_path(root: &Path, id: u64) -> PathBuf {
    root.join(format!("{:02x}", id & 0xFF))
        .join(format!("{id:016x}"))
}

/// Creates the segments directory and makes it durable. Its 256 shard directories are made when
/// their first file is (creating and syncing them all up front was 20 ms of every cold start).
pub(super) fn prepare_segment_dirs(root: &Path) -> StorageResult<()> {
    if !root.is_dir() {
        std::fs::create_dir_all(root).map_err(StorageError::from)?;
        if let Some(parent) = root.parent() {
            sync_dir(parent)?;
        }
    }
    Ok(())
}

/// Makes sure the shard directory of segment `id` exists with its entry durable, before a file is
/// created in it. `ready` remembers the shards this process has made sure of (another writer may
/// have created a shard without having synced its entry yet, so existing is not enough).
fn ensure_shard_dir(root: &Path, id: u64, ready: &[AtomicBool; 256]) -> StorageResult<()> {
    let index = (id & 0xFF) as usize;
    if ready[index].load(Ordering::Acquire) {
        return Ok(());
    }
    let shard = root.join(format!("{index:02x}"));
    match std::fs::create_dir(&shard) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(StorageError::from(e)),
    }
    sync_dir(root)?;
    ready[index].store(true, Ordering::Release);
    Ok(())
}

fn sync_dir(dir: &Path) -> StorageResult<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(StorageError::from)
}

/// A small segment's bytes kept in the `chunks` tree, stored by the same transaction as the
/// record naming them.
pub(super) struct InlineChunk<'a> {
    pub key: [u8; 12],
    pub bytes: &'a [u8],
}

/// Pieces queued for a segment file's writer thread: bounds the memory one upload can hold.
const FILE_QUEUE: usize = 8;

/// Bytes of a segment file after which its writer asks the kernel to start writing them to disk.
pub(super) const WRITEBACK_STEP: u64 = 8 << 20;

/// Keeps a large segment file's trip to disk running beside its writing, so that the `fdatasync`
/// before the upload is acknowledged has little left to do. Every [`WRITEBACK_STEP`] the step is
/// handed to the kernel's writeback (`sync_file_range`), and a thread of the file's own is asked
/// to `fdatasync` what has been written so far, which also empties the drive's (here: the
/// virtual disk's host) cache progressively. Measured on 256 MiB PUTs: with nothing of this the
/// final sync took 80-250 ms, a fifth of the PUT; with writeback alone the final sync still took
/// 80-120 ms (the drive-cache flush), and syncing each step on the writer's own thread stalled the
/// writer as long as it saved; with the background sync a PUT took 0.78 s instead of 1.0 s.
/// Only a head start: durability comes from the final sync, so failures here are ignored.
#[derive(Default)]
struct Writeback {
    written: u64,
    started: u64,
    /// Started at the first step, so that small files never start a thread.
    background: Option<BackgroundSync>,
}

impl Writeback {
    fn wrote(&mut self, file: &File, len: usize) {
        self.written += len as u64;
        let pending = self.written - self.started;
        if pending < WRITEBACK_STEP {
            return;
        }
        start_writeback(file, self.started, pending);
        self.started = self.written;
        if self.background.is_none() {
            self.background = BackgroundSync::start(file);
        }
        if let Some(background) = &self.background {
            background.request();
        }
    }
}

/// A thread that `fdatasync`s one file whenever asked, coalescing requests that arrive while it
/// is syncing. Dropping this ends the thread after the sync in progress, without waiting for it:
/// the acknowledging sync runs anyway, and waiting cost a PUT up to one sync more.
struct BackgroundSync {
    requests: std::sync::mpsc::SyncSender<()>,
}

impl BackgroundSync {
    /// `None` when the file cannot be shared or no thread started: the final sync does it all.
    fn start(file: &File) -> Option<BackgroundSync> {
        let file = file.try_clone().ok()?;
        let (requests, received) = std::sync::mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("minis3-segment-sync".into())
            .spawn(move || {
                for () in received {
                    let _ = file.sync_data();
                }
            })
            .ok()?;
        Some(BackgroundSync { requests })
    }

    fn request(&self) {
        // Full means a sync is already due, which will cover these bytes too.
        let _ = self.requests.try_send(());
    }
}

/// Starts writing `len` bytes at `offset` of `file` to disk without waiting for them
/// (`sync_file_range`, which flushes neither the drive's cache nor the file's metadata).
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: the descriptor stays open while `file` is borrowed; the call reads no memory.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}

/// A segment file written by a thread of its own, so that the request's thread hashes the next
/// bytes while earlier ones are being written (measured: the write was 15% of a large PUT's time,
/// on the same thread as the MD5).
struct FileSink {
    queue: Option<std::sync::mpsc::SyncSender<Bytes>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<File>>>,
}

impl FileSink {
    fn start(mut file: File) -> StorageResult<FileSink> {
        let (queue, pieces) = std::sync::mpsc::sync_channel::<Bytes>(FILE_QUEUE);
        let thread = std::thread::Builder::new()
            .name("minis3-segment-writer".into())
            .spawn(move || {
                let mut writeback = Writeback::default();
                for piece in pieces {
                    file.write_all(&piece)?;
                    writeback.wrote(&file, piece.len());
                }
                Ok(file)
            })
            .map_err(StorageError::from)?;
        Ok(FileSink {
            queue: Some(queue),
            thread: Some(thread),
        })
    }

    fn write(&mut self, piece: Bytes) -> StorageResult<()> {
        let sent = match &self.queue {
            Some(queue) => queue.send(piece).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            // The thread stopped early: its write failed, and joining tells how.
            Err(self
                .finish()
                .err()
                .unwrap_or_else(|| StorageError::Corrupt("segment writer stopped early".into())))
        }
    }

    /// Waits for every queued piece to be written and returns the file.
    fn finish(&mut self) -> StorageResult<File> {
        self.queue.take();
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(Ok(file))) => Ok(file),
            Some(Ok(Err(e))) => Err(StorageError::from(e)),
            Some(Err(_)) => Err(StorageError::Corrupt("segment writer panicked".into())),
            None => Err(StorageError::Corrupt(
                "segment writer already finished".into(),
            )),
        }
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.finish();
        }
    }
}

/// Writes one object's (or part's) bytes as they arrive. Dropping it without committing frees
/// everything it wrote. A small segment is only stored with the record that names it (inside the
/// object's record, or as a chunk by the transaction installing the record), so a crash leaves
/// nothing of it; a file segment is announced in `incomplete` before its file exists, so
/// start-up frees what a crash left.
pub struct ObjectWriter {
    store: Store,
    id: u64,
    /// The first bytes, until they outgrow `INLINE_LIMIT`.
    inline: Vec<u8>,
    file: Option<FileSink>,
    /// The file segment is complete and durable (`sync_data`); `file` is then `None`.
    file_synced: bool,
    len: u64,
    committed: bool,
    /// What the object this one replaces must be (conditional writes); nothing by default.
    condition: WriteCondition,
}

impl ObjectWriter {
    pub(super) fn begin(store: Store) -> StorageResult<Self> {
        store.ensure_room()?;
        let id = store.inner.db.generate_id()?;
        Ok(ObjectWriter {
            store,
            id,
            inline: Vec::new(),
            file: None,
            file_synced: false,
            len: 0,
            committed: false,
            condition: WriteCondition::default(),
        })
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends bytes: kept in memory while the segment is small, else written to its file.
    /// `DiskFull` once the disk is down to the space kept for sled (see [`super::DISK_RESERVE`]).
    pub fn write(&mut self, data: Bytes) -> StorageResult<()> {
        if self.file_synced {
            return Err(StorageError::Corrupt(
                "bytes written after the segment was synced".into(),
            ));
        }
        self.store.ensure_room_for(data.len() as u64)?;
        self.len += data.len() as u64;
        if let Some(file) = self.file.as_mut() {
            return file.write(data);
        }
        if self.inline.len() + data.len() <= INLINE_LIMIT {
            self.inline.extend_from_slice(&data);
            return Ok(());
        }
        // The `incomplete` marker must be durable before the file exists, or a crash could leave
        // a file nothing refers to and start-up would not know to delete it.
        self.store
            .inner
            .incomplete
            .insert(self.id.to_be_bytes(), &[])?;
        self.store.inner.durable.flush()?;
        let path = segment_path(&self.store.inner.segments_dir, self.id);
        ensure_shard_dir(
            &self.store.inner.segments_dir,
            self.id,
            &self.store.inner.shards_ready,
        )?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(StorageError::from)?;
        file.write_all(&self.inline).map_err(StorageError::from)?;
        self.inline = Vec::new();
        let mut sink = FileSink::start(file)?;
        sink.write(data)?;
        self.file = Some(sink);
        Ok(())
    }

    /// Makes a file segment durable (the file and its directory entry) and describes the
    /// segment. An inline segment's bytes stay in `self.inline` for the record or transaction
    /// that stores them, made durable by the caller's `Store::sync` with the record.
    fn finish(&mut self) -> StorageResult<Segment> {
        self.sync_data()?;
        Ok(Segment {
            id: self.id,
            len: self.len,
            in_file: self.file_synced,
            in_record: false,
        })
    }

    /// Makes a file segment durable (its file and directory entry) now rather than in `commit`,
    /// so that the caller's wait overlaps other work still running elsewhere (a body's hashing
    /// thread finishing its queue). No bytes may be written after it. Nothing to do for bytes
    /// kept in memory.
    pub fn sync_data(&mut self) -> StorageResult<()> {
        if let Some(mut sink) = self.file.take() {
            sink.finish()?.sync_data().map_err(StorageError::from)?;
            let path = segment_path(&self.store.inner.segments_dir, self.id);
            if let Some(dir) = path.parent() {
                sync_dir(dir)?;
            }
            self.file_synced = true;
        }
        Ok(())
    }

    /// The chunk an inline segment is stored as, for the transaction that installs its record.
    fn inline_chunk(&self) -> Option<InlineChunk<'_>> {
        (self.file.is_none() && !self.inline.is_empty()).then(|| InlineChunk {
            key: chunk_key(self.id, 0),
            bytes: &self.inline,
        })
    }

    /// Makes the commit go ahead only if the object it would replace meets `condition`, checked in
    /// the same atomic step that installs the new one; otherwise the commit fails with
    /// `ConditionFailed` (or `NoSuchKey`) and the written bytes are freed.
    pub fn require(&mut self, condition: WriteCondition) {
        self.condition = condition;
    }

    /// Makes the written bytes the object `bucket/key`, replacing any previous one atomically,
    /// without waiting for it to be durable (tests; requests use [`Self::commit_durably`]).
    #[cfg(test)]
    pub fn commit(
        self,
        bucket: &str,
        key: &str,
        object: NewObject,
        last_modified_ms: i64,
    ) -> StorageResult<ObjectMeta> {
        Ok(self.install(bucket, key, object, last_modified_ms)?.0)
    }

    /// [`Self::commit`], returning once the object is durable: a small one with its entry in the
    /// write-ahead log, others with sled's flush.
    pub async fn commit_durably(
        self,
        bucket: &str,
        key: &str,
        object: NewObject,
        last_modified_ms: i64,
    ) -> StorageResult<ObjectMeta> {
        let store = self.store.clone();
        let (meta, durability) = self.install(bucket, key, object, last_modified_ms)?;
        store.sync_for(durability).await?;
        Ok(meta)
    }

    fn install(
        mut self,
        bucket: &str,
        key: &str,
        object: NewObject,
        last_modified_ms: i64,
    ) -> StorageResult<(ObjectMeta, super::Durability)> {
        let mut segment = self.finish()?;
        segment.in_record = !segment.in_file && self.inline.len() <= RECORD_DATA_LIMIT;
        let segments = if segment.len == 0 {
            Vec::new()
        } else {
            vec![segment]
        };
        let meta = ObjectMeta {
            size: self.len,
            etag: object.etag,
            last_modified_ms,
            headers: object.headers,
            user_metadata: object.user_metadata,
            checksum: object.checksum,
            segments,
            parts_count: 0,
            tags: object.tags,
            acl: object.acl,
            storage_class: object.storage_class,
            encryption: object.encryption,
            restore_expiry_ms: None,
        };
        let (record_data, chunk) = if segment.in_record {
            (&self.inline[..], None)
        } else {
            (&[][..], self.inline_chunk())
        };
        let durability = self.store.install_object(
            bucket,
            key,
            &meta,
            self.id,
            (record_data, chunk),
            &self.condition,
        )?;
        self.committed = true;
        Ok((meta, durability))
    }

    /// Makes the written bytes part `part_number` of a multipart upload, replacing an earlier
    /// upload of that part number. `NoSuchUpload` when the upload is gone.
    pub fn commit_part(
        mut self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        new: NewPart,
    ) -> StorageResult<PartMeta> {
        let part = PartMeta {
            etag: new.etag,
            size: self.len,
            last_modified_ms: new.last_modified_ms,
            segment: self.finish()?,
            checksum: new.checksum,
        };
        self.store.install_part(
            bucket,
            key,
            upload_id,
            part_number,
            &part,
            self.inline_chunk(),
        )?;
        self.committed = true;
        Ok(part)
    }
}

#[cfg(test)]
impl ObjectWriter {
    /// Drops the writer as a crash would: without its cleanup.
    pub(super) fn crash(mut self) {
        if let Some(mut sink) = self.file.take() {
            let _ = sink.finish().map(|file| file.sync_data());
        }
        self.committed = true;
    }
}

impl Drop for ObjectWriter {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        self.file.take();
        let cleanup = self
            .store
            .remove_segment_data(self.id)
            .and_then(|_| Ok(self.store.inner.incomplete.remove(self.id.to_be_bytes())?));
        if let Err(e) = cleanup {
            tracing::warn!(segment = self.id, error = %e, "could not free an abandoned upload; start-up will");
        }
    }
}

/// Streams a byte range of one object, a piece at a time, keeping its data pinned until dropped.
pub struct ObjectReader {
    store: Store,
    segments: Vec<Segment>,
    /// The bytes of the segment kept in the object's record, if it has one.
    record_data: Bytes,
    /// Index into `segments` of the segment holding `pos`, and that segment's first byte.
    segment_index: usize,
    segment_start: u64,
    /// The open file of the current segment, when it is a file segment.
    file: Option<(u64, File)>,
    pos: u64,
    end: u64,
    /// Bytes read from a file per piece.
    read_size: usize,
}

impl ObjectReader {
    pub(super) fn new(store: Store, segments: Vec<Segment>, size: u64, record_data: Bytes) -> Self {
        ObjectReader {
            store,
            segments,
            record_data,
            segment_index: 0,
            segment_start: 0,
            file: None,
            pos: 0,
            end: size,
            read_size: READ_SIZE,
        }
    }

    /// Restricts the reader to bytes `start..end` of the object (end exclusive, already validated).
    pub fn set_range(&mut self, start: u64, end: u64) {
        self.pos = start;
        self.end = end;
        self.segment_index = 0;
        self.segment_start = 0;
    }

    /// Hands the reading of the range to a thread of its own, which stays [`READ_AHEAD_CHUNKS`]
    /// chunks ahead of the consumer: file reads block, and on an async worker they would stall
    /// that worker's other connections whenever the disk is slow. The thread ends (and the data
    /// is unpinned) at the end of the range, after an error, or once the [`ReadAhead`] is dropped.
    pub fn read_ahead(mut self) -> StorageResult<ReadAhead> {
        self.read_size = READ_AHEAD_SIZE;
        let (chunks, received) = tokio::sync::mpsc::channel(READ_AHEAD_CHUNKS);
        std::thread::Builder::new()
            .name("minis3-reader".into())
            .spawn(move || loop {
                let (item, last) = match self.next_chunk() {
                    Ok(Some(bytes)) => (Ok(bytes), false),
                    Ok(None) => return,
                    Err(e) => (Err(e), true),
                };
                if chunks.blocking_send(item).is_err() || last {
                    return;
                }
            })
            .map_err(|e| StorageError::Corrupt(format!("cannot start a reader thread: {e}")))?;
        Ok(ReadAhead { chunks: received })
    }

    /// The whole range at once when it needs no reading (the object's bytes are in its record,
    /// or it is empty), so that a small GET answers with one buffer rather than a stream.
    pub fn in_memory(&self) -> Option<Bytes> {
        if !self.segments.iter().all(|s| s.in_record) {
            return None;
        }
        let start = usize::try_from(self.pos).ok()?;
        let end = usize::try_from(self.end).ok()?;
        self.record_data
            .get(start..end)
            .map(|_| self.record_data.slice(start..end))
    }

    /// The next piece of the range, or `None` at its end.
    pub fn next_chunk(&mut self) -> StorageResult<Option<Bytes>> {
        if self.pos >= self.end {
            return Ok(None);
        }
        // Advance to the segment that holds `pos`.
        loop {
            let segment = self
                .segments
                .get(self.segment_index)
                .ok_or_else(|| StorageError::Corrupt("object shorter than its size".into()))?;
            if self.pos < self.segment_start + segment.len {
                break;
            }
            self.segment_start += segment.len;
            self.segment_index += 1;
        }
        let segment = self.segments[self.segment_index];
        let offset = self.pos - self.segment_start;
        let wanted = (self.end.min(self.segment_start + segment.len) - self.pos) as usize;
        let bytes = if segment.in_record {
            slice_at(&self.record_data, offset, wanted)
        } else if segment.in_file {
            self.read_file(segment.id, offset, wanted.min(self.read_size))?
        } else {
            self.read_inline(segment.id, offset, wanted)?
        };
        if bytes.is_empty() {
            return Err(StorageError::Corrupt(format!(
                "segment {} is shorter than recorded",
                segment.id
            )));
        }
        self.pos += bytes.len() as u64;
        Ok(Some(bytes))
    }

    fn read_inline(&self, id: u64, offset: u64, wanted: usize) -> StorageResult<Bytes> {
        let chunk = self
            .store
            .inner
            .chunks
            .get(chunk_key(id, 0))?
            .ok_or_else(|| StorageError::Corrupt(format!("missing inline data of {id}")))?;
        Ok(slice_at(&Bytes::from_owner(chunk), offset, wanted))
    }

    fn read_file(&mut self, id: u64, offset: u64, wanted: usize) -> StorageResult<Bytes> {
        if self.file.as_ref().is_none_or(|(open, _)| *open != id) {
            let path = segment_path(&self.store.inner.segments_dir, id);
            let file = File::open(&path).map_err(StorageError::from)?;
            self.file = Some((id, file));
        }
        let Some((_, file)) = self.file.as_ref() else {
            return Err(StorageError::Corrupt("segment file not open".into()));
        };
        let mut buf = BytesMut::zeroed(wanted);
        let mut filled = 0;
        while filled < wanted {
            let n = file
                .read_at(&mut buf[filled..], offset + filled as u64)
                .map_err(StorageError::from)?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        buf.truncate(filled);
        Ok(buf.freeze())
    }
}

/// Up to `wanted` bytes of `bytes` from `offset` (fewer, or none, past its end), without copying.
fn slice_at(bytes: &Bytes, offset: u64, wanted: usize) -> Bytes {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let end = start.saturating_add(wanted).min(bytes.len());
    bytes.slice(start..end)
}

/// The receiving end of [`ObjectReader::read_ahead`].
pub struct ReadAhead {
    chunks: tokio::sync::mpsc::Receiver<StorageResult<Bytes>>,
}

impl ReadAhead {
    /// The next piece of the range, or `None` at its end (or after an error was returned).
    pub async fn next_chunk(&mut self) -> Option<StorageResult<Bytes>> {
        self.chunks.recv().await
    }
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        self.file.take();
        if let Err(e) = self.store.unpin(&self.segments) {
            tracing::warn!(error = %e, "could not release an object's data after reading");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_file_write_surfaces_on_a_later_write_or_on_finish() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("segment");
        std::fs::write(&path, b"").expect("create");
        // Opened read-only, so the writer thread's first write fails.
        let read_only = File::open(&path).expect("open");
        let mut sink = FileSink::start(read_only).expect("start");
        let mut failed = false;
        for _ in 0..=FILE_QUEUE + 1 {
            if sink.write(Bytes::from_static(b"data")).is_err() {
                failed = true;
                break;
            }
        }
        assert!(
            failed || sink.finish().is_err(),
            "the write error is reported"
        );

        let mut sink = FileSink::start(File::create(&path).expect("create")).expect("start");
        for piece in [&b"abc"[..], b"def"] {
            sink.write(Bytes::copy_from_slice(piece)).expect("write");
        }
        sink.finish().expect("finish");
        assert_eq!(std::fs::read(&path).expect("read"), b"abcdef");
    }
}
