//! Buckets, object metadata and chunked object data in sled; knows nothing of HTTP.
//!
//! Trees:
//! - `buckets`: bucket name -> [`BucketMeta`];
//! - `objects`: bucket name, 0, key -> [`ObjectMeta`], followed by the bytes of a small object
//!   ([`records::encode_object`]); one bucket is one ordered range: listing is a range scan
//!   costing O(page);
//! - `chunks`: segment id, chunk index -> bytes (inline segments too large for their record);
//! - `uploads`: bucket, 0, key, 0, upload id -> [`UploadMeta`] (multipart uploads in progress);
//! - `parts`: upload id, part number -> [`PartMeta`] (a part's data is a segment of its own);
//! - `incomplete`: file segments being written (freed at start-up if a crash interrupted them;
//!   an inline segment is stored with the record naming it, so needs no entry);
//! - `garbage`: segment ids no object refers to any more, freed once no reader streams them;
//! - `access`: issued keys, revocations and temp-URL keys (see [`access`]).
//!
//! A PUT writes its chunks under a fresh segment id, then one transaction makes the object point at
//! them, so readers see the old object or the new one, never a mix. The bytes of a PUT up to
//! [`RECORD_DATA_LIMIT`] go into the object's record itself, so one single-key compare-and-swap installs it: no multi-tree
//! transaction (sled 0.34 runs those one at a time, process-wide), unless it replaces an object
//! whose data lives apart and so becomes garbage in the same step. Such a PUT is durable once its
//! record is in the write-ahead log ([`wal`]); every other write waits for sled's flush.

pub mod access;
mod commit;
mod condition;
mod data;
pub mod error;
pub mod lifecycle;
mod list;
mod multipart;
pub mod records;
mod wal;

pub use condition::{Existing, FailedCondition, WriteCondition};
pub use data::{ObjectReader, ObjectWriter, ReadAhead};
pub use error::{StorageError, StorageResult};
pub use list::{ListEntry, ListPage, ListQuery};
pub use multipart::{Completion, UploadEntry, UploadListEntry, UploadPage, UPLOAD_ID_LEN};
pub use records::{
    BucketMeta, CannedAcl, ContentHeaders, CorsRule, Encryption, NewObject, NewPart, ObjectMeta,
    ObjectOwnership, PartMeta, PublicAccessBlock, Segment, SseAlgorithm, StorageClass,
    StoredChecksum, UploadMeta,
};

pub use commit::Durability;
use commit::{DurableDb, GroupCommit};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::Transactional;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

pub use data::{INLINE_LIMIT, READ_SIZE, RECORD_DATA_LIMIT};

/// sled's log segment size. sled writes a page larger than a quarter segment as a separate "blob"
/// file that its flush never fsyncs; a leaf holds up to ~17 values, so 17 inline segments of
/// `INLINE_LIMIT` (with their object's metadata, which the request's header size limit bounds)
/// must stay under a quarter of this for every byte to live in the fsynced log.
pub const SEGMENT_SIZE: usize = 8 * 1024 * 1024;

/// Object data is refused (`DiskFull`) while the file system has less free space than this. The
/// rest is kept for sled's log (new log segments, deletes, metadata): sled 0.34 takes a failed log
/// write as fatal for the rest of the process, after which even the deletes that would free space
/// fail until a restart.
pub const DISK_RESERVE: u64 = 4 * SEGMENT_SIZE as u64;

/// How long a free-space reading is trusted by [`Store::ensure_room_for`].
const ROOM_READING_TTL: std::time::Duration = std::time::Duration::from_millis(200);
/// What a byte written may cost on disk, for [`Store::ensure_room_for`]: sled writes a small
/// object's bytes again whenever it rewrites or splits the page holding them.
const WRITE_AMPLIFICATION: u64 = 4;

/// A free-space reading: when it was taken, and how many bytes above the reserve it leaves for
/// this process's writes from then on.
struct Room {
    taken: std::time::Instant,
    margin: u64,
}

/// A cheap-to-clone handle on the store.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    /// The same database, for flushes that must reach the disk before the caller goes on.
    durable: DurableDb,
    buckets: sled::Tree,
    objects: sled::Tree,
    chunks: sled::Tree,
    uploads: sled::Tree,
    parts: sled::Tree,
    incomplete: sled::Tree,
    garbage: sled::Tree,
    access: sled::Tree,
    /// Where file segments live.
    segments_dir: std::path::PathBuf,
    /// Segment shard directories known to exist durably (see `data::ensure_shard_dir`).
    shards_ready: [std::sync::atomic::AtomicBool; 256],
    /// Free bytes below which object data is refused ([`DISK_RESERVE`], changed only by tests).
    disk_reserve: AtomicU64,
    /// The last free-space reading, so that not every body chunk costs a `statvfs`.
    room: Mutex<Option<Room>>,
    commit: GroupCommit,
    /// The write-ahead log of small PUTs (see [`wal`]).
    wal: Arc<wal::Wal>,
    /// How many readers stream each segment right now. A plain mutex: it is held only for a metadata
    /// lookup or a counter change, never across I/O of object data or an await.
    readers: Mutex<HashMap<u64, u32>>,
    /// Object writes take it shared, DeleteBucket exclusively, so no object lands in a bucket
    /// between DeleteBucket's emptiness check and the bucket's removal.
    bucket_guard: RwLock<()>,
    /// Whether some bucket has had lifecycle rules that expire objects since the store opened
    /// (see [`Store::object_expiry`]); never cleared, which costs only a lookup.
    expiring_rules_seen: std::sync::atomic::AtomicBool,
}

impl Store {
    /// Opens (or creates) the store in `dir` with a page cache of `cache_bytes`, and frees whatever
    /// an earlier crash left half-written.
    pub fn open(dir: &Path, cache_bytes: u64) -> StorageResult<Store> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_bytes)
            .segment_size(SEGMENT_SIZE)
            .open()?;
        let wal = Arc::new(wal::Wal::open(dir)?);
        let durable = DurableDb::new(db.clone(), dir, wal.clone())?;
        let commit = GroupCommit::start(durable.clone())?;
        let segments_dir = dir.join("segments");
        data::prepare_segment_dirs(&segments_dir)?;
        let store = Store {
            inner: Arc::new(Inner {
                buckets: db.open_tree("buckets")?,
                objects: db.open_tree("objects")?,
                chunks: db.open_tree("chunks")?,
                uploads: db.open_tree("uploads")?,
                parts: db.open_tree("parts")?,
                incomplete: db.open_tree("incomplete")?,
                garbage: db.open_tree("garbage")?,
                access: db.open_tree("access")?,
                segments_dir,
                shards_ready: std::array::from_fn(|_| std::sync::atomic::AtomicBool::new(false)),
                disk_reserve: AtomicU64::new(DISK_RESERVE),
                room: Mutex::new(None),
                db,
                durable,
                commit,
                wal,
                readers: Mutex::new(HashMap::new()),
                bucket_guard: RwLock::new(()),
                expiring_rules_seen: std::sync::atomic::AtomicBool::new(false),
            }),
        };
        store.replay_log()?;
        store.recover()?;
        for (_, meta) in store.list_buckets()? {
            store.note_lifecycle(meta.lifecycle.as_ref());
        }
        Ok(store)
    }

    /// Waits until every write made before the call is durable (shared among concurrent callers).
    pub async fn sync(&self) -> StorageResult<()> {
        self.sync_for(Durability::Full).await
    }

    /// Waits until a write that needed `durability` (and every write of that kind before it) is
    /// durable.
    pub async fn sync_for(&self, durability: Durability) -> StorageResult<()> {
        self.inner.commit.sync(durability).await
    }

    /// Installs the small PUTs (and bucket creations) the write-ahead log holds past sled's
    /// marker, begins this process's run of entry numbers, and makes both durable in sled (which
    /// lets the log start a new lap) before anything else happens: `recover` may then unlink files
    /// whose records replay replaced.
    fn replay_log(&self) -> StorageResult<()> {
        let marker = match self.inner.db.get(wal::MARKER_KEY)? {
            Some(bytes) => u64_from(&bytes, "log marker")?,
            None => 0,
        };
        let mut replayed = 0usize;
        self.inner.wal.replay(marker, |tree, tree_key, record| {
            match tree {
                wal::Tree::Objects => self.install_replayed(tree_key, record)?,
                wal::Tree::Buckets => {
                    records::decode::<BucketMeta>(record)?;
                    self.inner.buckets.insert(tree_key, record)?;
                }
            }
            replayed += 1;
            Ok(())
        })?;
        if replayed > 0 {
            tracing::info!(
                entries = replayed,
                "installed small PUTs from the write-ahead log"
            );
        }
        self.inner.wal.start_run()?;
        self.inner.durable.flush()
    }

    /// Makes `record` (from the write-ahead log) the object at `tree_key`, whatever is there now:
    /// data the replaced record kept apart becomes garbage, freed by [`Self::recover`]. An entry
    /// for a bucket deleted since is skipped (deleting it needed its objects gone first).
    fn install_replayed(&self, tree_key: &[u8], record: &[u8]) -> StorageResult<()> {
        records::decode_object(record)?;
        let bucket_end = tree_key
            .iter()
            .position(|b| *b == 0)
            .ok_or_else(|| StorageError::Corrupt("log entry names no bucket".into()))?;
        if !self.inner.buckets.contains_key(&tree_key[..bucket_end])? {
            return Ok(());
        }
        (&self.inner.objects, &self.inner.garbage)
            .transaction(|(objects, garbage)| {
                if let Some(old) = objects.insert(tree_key, record)? {
                    mark_garbage(garbage, &old)?;
                }
                Ok(())
            })
            .map_err(StorageError::from)
    }

    /// `DiskFull` when the file system is down to the space kept for sled's log. Called before
    /// anything that adds data (object and part bodies as they stream in, new uploads and buckets,
    /// changed records), never before what frees it (deletes, aborts) or a completion.
    pub(super) fn ensure_room(&self) -> StorageResult<()> {
        self.ensure_room_for(0)
    }

    /// [`Self::ensure_room`] before writing `bytes` more. A reading of the free space is reused
    /// for [`ROOM_READING_TTL`] while what this process wrote since, counted
    /// [`WRITE_AMPLIFICATION`] times over, stays within the margin it showed above the reserve;
    /// other processes' writes are what the time limit is for. Near the reserve, every call
    /// reads the free space again.
    pub(super) fn ensure_room_for(&self, bytes: u64) -> StorageResult<()> {
        let bytes = bytes.saturating_mul(WRITE_AMPLIFICATION);
        let mut room = self
            .inner
            .room
            .lock()
            .map_err(|_| StorageError::Corrupt("free-space reading lock poisoned".into()))?;
        if let Some(reading) = room.as_mut() {
            if reading.taken.elapsed() < ROOM_READING_TTL && reading.margin >= bytes {
                reading.margin -= bytes;
                return Ok(());
            }
        }
        *room = None;
        let available = fs2::available_space(&self.inner.segments_dir)?;
        let reserve = self.inner.disk_reserve.load(Ordering::Relaxed);
        if available < reserve {
            return Err(StorageError::DiskFull);
        }
        *room = Some(Room {
            taken: std::time::Instant::now(),
            margin: (available - reserve).saturating_sub(bytes),
        });
        Ok(())
    }

    #[cfg(test)]
    fn set_disk_reserve(&self, bytes: u64) {
        self.inner.disk_reserve.store(bytes, Ordering::Relaxed);
        if let Ok(mut room) = self.inner.room.lock() {
            *room = None;
        }
    }

    /// Flushes everything synchronously (shutdown).
    pub fn flush_blocking(&self) -> StorageResult<()> {
        self.inner.durable.flush()?;
        Ok(())
    }

    fn recover(&self) -> StorageResult<()> {
        let mut freed = 0usize;
        for tree in [&self.inner.incomplete, &self.inner.garbage] {
            for entry in tree.iter() {
                let (id_bytes, _) = entry?;
                let id = u64_from(&id_bytes, "segment id")?;
                self.remove_segment_data(id)?;
                tree.remove(&id_bytes)?;
                freed += 1;
            }
        }
        if freed > 0 {
            tracing::info!(
                segments = freed,
                "freed data left by an interrupted write or delete"
            );
            self.inner.durable.flush()?;
        }
        Ok(())
    }

    // ---- buckets ----

    pub fn list_buckets(&self) -> StorageResult<Vec<(String, BucketMeta)>> {
        let mut out = Vec::new();
        for entry in self.inner.buckets.iter() {
            let (name, value) = entry?;
            let name = String::from_utf8(name.to_vec())
                .map_err(|_| StorageError::Corrupt("bucket name is not UTF-8".into()))?;
            out.push((name, records::decode(&value)?));
        }
        Ok(out)
    }

    pub fn bucket(&self, name: &str) -> StorageResult<Option<BucketMeta>> {
        match self.inner.buckets.get(name.as_bytes())? {
            Some(v) => Ok(Some(records::decode(&v)?)),
            None => Ok(None),
        }
    }

    /// Creates a bucket; `BucketAlreadyExists` when the name is taken. Logged in the write-ahead
    /// log as well (see [`wal`]): a small PUT into the bucket may be acknowledged before the
    /// flush that makes the bucket durable.
    pub fn create_bucket(&self, name: &str, meta: &BucketMeta) -> StorageResult<()> {
        self.ensure_room()?;
        let value = records::encode(meta)?;
        let mut pending = self.inner.wal.lock_pending()?;
        match self.inner.buckets.compare_and_swap(
            name.as_bytes(),
            None as Option<&[u8]>,
            Some(value.as_slice()),
        )? {
            Ok(()) => {
                // A new bucket's record is far below an entry's limit; were it not, only a PUT
                // racing the creation's own full flush would depend on it.
                pending.append(wal::Tree::Buckets, name.as_bytes(), &value);
                Ok(())
            }
            Err(_) => Err(StorageError::BucketAlreadyExists),
        }
    }

    /// Changes a bucket's record in place (compare-and-swap, so concurrent changes to different
    /// settings both land); `NoSuchBucket` when it does not exist. Durable once [`Store::sync`]
    /// returns.
    pub fn update_bucket(&self, name: &str, change: impl Fn(&mut BucketMeta)) -> StorageResult<()> {
        self.update_bucket_if(name, |meta| {
            change(meta);
            true
        })
        .map(|_| ())
    }

    /// [`Store::update_bucket`] with a change that may refuse, judging the record as it is at
    /// the moment of the write (so a precondition on another setting cannot be raced): `false`
    /// from `change` writes nothing and is returned.
    pub fn update_bucket_if(
        &self,
        name: &str,
        change: impl Fn(&mut BucketMeta) -> bool,
    ) -> StorageResult<bool> {
        self.ensure_room()?;
        let noting = |meta: &mut BucketMeta| {
            let changed = change(meta);
            if changed {
                self.note_lifecycle(meta.lifecycle.as_ref());
            }
            changed
        };
        update_record(&self.inner.buckets, name.as_bytes(), noting)?
            .ok_or(StorageError::NoSuchBucket)
    }

    /// Deletes an empty bucket, aborting its unfinished multipart uploads.
    pub fn delete_bucket(&self, name: &str) -> StorageResult<()> {
        let unfinished: Vec<(String, String)> = self
            .list_uploads(
                name,
                &ListQuery {
                    max_keys: usize::MAX,
                    ..Default::default()
                },
                None,
            )?
            .entries
            .into_iter()
            .filter_map(|e| match e {
                UploadListEntry::Upload(u) => Some((u.key, u.upload_id)),
                UploadListEntry::CommonPrefix(_) => None,
            })
            .collect();
        if !unfinished.is_empty() && self.has_objects(name)? {
            return Err(StorageError::BucketNotEmpty);
        }
        for (key, upload_id) in unfinished {
            match self.abort_upload(name, &key, &upload_id) {
                Ok(()) | Err(StorageError::NoSuchUpload) => {}
                Err(e) => return Err(e),
            }
        }
        let _exclusive = self
            .inner
            .bucket_guard
            .write()
            .map_err(|_| StorageError::Corrupt("bucket lock poisoned".into()))?;
        if self.inner.buckets.get(name.as_bytes())?.is_none() {
            return Err(StorageError::NoSuchBucket);
        }
        if self.has_objects(name)? {
            return Err(StorageError::BucketNotEmpty);
        }
        self.inner.buckets.remove(name.as_bytes())?;
        Ok(())
    }

    fn has_objects(&self, bucket: &str) -> StorageResult<bool> {
        match self
            .inner
            .objects
            .scan_prefix(records::bucket_prefix(bucket))
            .next()
        {
            Some(entry) => entry.map(|_| true).map_err(StorageError::from),
            None => Ok(false),
        }
    }

    fn bucket_guard_shared(&self) -> StorageResult<std::sync::RwLockReadGuard<'_, ()>> {
        self.inner
            .bucket_guard
            .read()
            .map_err(|_| StorageError::Corrupt("bucket lock poisoned".into()))
    }

    fn require_bucket(&self, name: &str) -> StorageResult<()> {
        if self.inner.buckets.contains_key(name.as_bytes())? {
            Ok(())
        } else {
            Err(StorageError::NoSuchBucket)
        }
    }

    // ---- objects ----

    /// An object's metadata, if it exists (the bucket is looked up only when it does not, as in
    /// [`Store::open_read`]).
    pub fn object(&self, bucket: &str, key: &str) -> StorageResult<Option<ObjectMeta>> {
        let tree_key = records::object_tree_key(bucket, key.as_bytes());
        match self.inner.objects.get(tree_key)? {
            Some(v) => Ok(Some(records::decode_object(&v)?.0)),
            None => self.require_bucket(bucket).map(|()| None),
        }
    }

    /// Deletes an object; returns whether it existed. Its data is freed once no reader needs it.
    pub fn delete_object(&self, bucket: &str, key: &str) -> StorageResult<bool> {
        self.delete_object_where(bucket, key, None)
    }

    /// Moves the object under `key` to `class` if `condition` holds for its record as it is at
    /// the moment of the change (a lifecycle transition judges the object it changes, not one
    /// read earlier); returns whether it did.
    pub fn set_storage_class_if(
        &self,
        bucket: &str,
        key: &str,
        class: StorageClass,
        condition: impl Fn(&ObjectMeta) -> bool,
    ) -> StorageResult<bool> {
        let moved = self.try_update_object(bucket, key, |meta| {
            if !condition(meta) {
                return Err(StorageError::ObjectReplaced);
            }
            meta.storage_class = class;
            Ok(())
        });
        match moved {
            Ok(()) => Ok(true),
            Err(StorageError::ObjectReplaced | StorageError::NoSuchKey) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Deletes the object under `key` if `condition` holds for its record, judged in the
    /// transaction that removes it (a lifecycle expiry judges the object it deletes, not one
    /// read earlier); returns whether one was deleted.
    pub fn delete_object_if(
        &self,
        bucket: &str,
        key: &str,
        condition: impl Fn(&ObjectMeta) -> bool,
    ) -> StorageResult<bool> {
        self.delete_object_where(bucket, key, Some(&condition))
    }

    /// Deletes the object under `key`, if `condition` (when there is one) holds for its record;
    /// a plain delete reads nothing before removing.
    fn delete_object_where(
        &self,
        bucket: &str,
        key: &str,
        condition: Option<&dyn Fn(&ObjectMeta) -> bool>,
    ) -> StorageResult<bool> {
        self.require_bucket(bucket)?;
        let tree_key = records::object_tree_key(bucket, key.as_bytes());
        let old = (&self.inner.objects, &self.inner.garbage).transaction(|(objects, garbage)| {
            if let Some(condition) = condition {
                let Some(current) = objects.get(tree_key.as_slice())? else {
                    return Ok(None);
                };
                let keep = match records::decode_object(&current) {
                    Ok((meta, _)) => !condition(&meta),
                    Err(e) => return Err(ConflictableTransactionError::Abort(e)),
                };
                if keep {
                    return Ok(None);
                }
            }
            let old = objects.remove(tree_key.as_slice())?;
            if let Some(old) = &old {
                mark_garbage(garbage, old)?;
            }
            Ok(old)
        });
        let old = old.map_err(StorageError::from)?;
        match old {
            Some(old) => {
                let (meta, _) = records::decode_object(&old)?;
                self.free_unread(&meta.segments)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Replaces an object's tag set.
    pub fn set_object_tags(
        &self,
        bucket: &str,
        key: &str,
        tags: Vec<(String, String)>,
    ) -> StorageResult<()> {
        self.update_object(bucket, key, |meta| meta.tags = tags.clone())
    }

    /// Replaces an object's ACL.
    pub fn set_object_acl(&self, bucket: &str, key: &str, acl: CannedAcl) -> StorageResult<()> {
        self.update_object(bucket, key, |meta| meta.acl = acl)
    }

    /// Makes the restored copy of the archived object `restored` (as read before) readable until
    /// `expiry_ms` (RestoreObject); `ObjectReplaced` if another object took its key meanwhile.
    pub fn set_restore_expiry(
        &self,
        bucket: &str,
        key: &str,
        restored: &ObjectMeta,
        expiry_ms: i64,
    ) -> StorageResult<()> {
        self.try_update_object(bucket, key, |meta| {
            let same = is_same_object(meta, restored) && meta.storage_class.is_archived();
            if !same {
                return Err(StorageError::ObjectReplaced);
            }
            meta.restore_expiry_ms = Some(expiry_ms);
            Ok(())
        })
    }

    /// Changes an object's record in place (compare-and-swap, so a concurrent overwrite is not
    /// undone); `NoSuchKey` when it does not exist. Durable once [`Store::sync`] returns.
    fn update_object(
        &self,
        bucket: &str,
        key: &str,
        change: impl Fn(&mut ObjectMeta),
    ) -> StorageResult<()> {
        self.try_update_object(bucket, key, |meta| {
            change(meta);
            Ok(())
        })
    }

    /// [`Store::update_object`] with a change that may refuse (nothing is written then).
    fn try_update_object(
        &self,
        bucket: &str,
        key: &str,
        change: impl Fn(&mut ObjectMeta) -> StorageResult<()>,
    ) -> StorageResult<()> {
        self.require_bucket(bucket)?;
        self.ensure_room()?;
        let tree_key = records::object_tree_key(bucket, key.as_bytes());
        let objects = &self.inner.objects;
        loop {
            let Some(current) = objects.get(&tree_key)? else {
                return Err(StorageError::NoSuchKey);
            };
            let (mut meta, data) = records::decode_object(&current)?;
            change(&mut meta)?;
            let updated = records::encode_object(&meta, &current[data])?;
            if objects
                .compare_and_swap(&tree_key, Some(current), Some(updated))?
                .is_ok()
            {
                return Ok(());
            }
        }
    }

    /// Starts writing a new object's data; nothing is visible until [`ObjectWriter::commit`].
    pub fn begin_write(&self) -> StorageResult<ObjectWriter> {
        ObjectWriter::begin(self.clone())
    }

    /// Opens an object for streaming `range` (start inclusive, end exclusive, within the object),
    /// pinning its data until the reader is dropped.
    pub fn open_read(
        &self,
        bucket: &str,
        key: &str,
    ) -> StorageResult<Option<(ObjectMeta, ObjectReader)>> {
        let tree_key = records::object_tree_key(bucket, key.as_bytes());
        // The bucket is looked up only when the object is missing (NoSuchBucket or NoSuchKey): an
        // object found is in a bucket that exists, since only an empty bucket is ever deleted.
        let Some(mut value) = self.inner.objects.get(&tree_key)? else {
            return self.require_bucket(bucket).map(|()| None);
        };
        let (mut meta, mut data) = records::decode_object(&value)?;
        if meta.segments.iter().any(Segment::stored_apart) {
            // Data stored apart is pinned under the lock the freeing side also takes, and only if
            // the record still names it then: a segment is garbage only once its record has
            // changed, so one seen here cannot be freed before it is pinned. Objects without such
            // data (small ones, the common GET) take no lock at all: two workers serialised on it.
            let mut readers = self.lock_readers()?;
            let current = self.inner.objects.get(&tree_key)?;
            if current.as_ref() != Some(&value) {
                // Replaced or deleted since the lookup: read what is there now, still locked.
                let Some(current) = current else {
                    return Ok(None);
                };
                (meta, data) = records::decode_object(&current)?;
                value = current;
            }
            for segment in meta.segments.iter().filter(|s| s.stored_apart()) {
                *readers.entry(segment.id).or_insert(0) += 1;
            }
        }
        let record_data = bytes::Bytes::from_owner(value).slice(data);
        let reader = ObjectReader::new(self.clone(), meta.segments.clone(), meta.size, record_data);
        Ok(Some((meta, reader)))
    }

    fn lock_readers(&self) -> StorageResult<std::sync::MutexGuard<'_, HashMap<u64, u32>>> {
        self.inner
            .readers
            .lock()
            .map_err(|_| StorageError::Corrupt("reader table lock poisoned".into()))
    }

    /// Called when a reader is done with its segments: frees those that became garbage meanwhile.
    fn unpin(&self, segments: &[Segment]) -> StorageResult<()> {
        if !segments.iter().any(Segment::stored_apart) {
            return Ok(());
        }
        let mut to_free = Vec::new();
        {
            let mut readers = self.lock_readers()?;
            for segment in segments.iter().filter(|s| s.stored_apart()) {
                if let Some(count) = readers.get_mut(&segment.id) {
                    *count -= 1;
                    if *count == 0 {
                        readers.remove(&segment.id);
                        if self.inner.garbage.contains_key(segment.id.to_be_bytes())? {
                            to_free.push(segment.id);
                        }
                    }
                }
            }
        }
        self.free_segments(&to_free)
    }

    /// Frees the given garbage segments that no reader holds; the others are freed by the last reader.
    pub(super) fn free_unread(&self, segments: &[Segment]) -> StorageResult<()> {
        let unread: Vec<u64> = {
            let readers = self.lock_readers()?;
            segments
                .iter()
                .filter(|s| s.stored_apart())
                .map(|s| s.id)
                .filter(|id| !readers.contains_key(id))
                .collect()
        };
        self.free_segments(&unread)
    }

    /// Frees garbage segments. Inline chunks can go at once: sled's log is ordered, so their
    /// removal never survives a crash without the change that made them garbage. A file is
    /// outside that order, so it is unlinked only once that change is durable; otherwise a crash
    /// could bring back a record naming a deleted file.
    fn free_segments(&self, ids: &[u64]) -> StorageResult<()> {
        let has_file = ids
            .iter()
            .any(|id| data::segment_path(&self.inner.segments_dir, *id).exists());
        if has_file {
            self.inner.durable.flush()?;
        }
        for id in ids {
            self.remove_segment_data(*id)?;
            self.inner.garbage.remove(id.to_be_bytes())?;
        }
        Ok(())
    }

    /// Deletes a segment's bytes, wherever they are (inline chunks or file).
    fn remove_segment_data(&self, id: u64) -> StorageResult<()> {
        for entry in self.inner.chunks.scan_prefix(id.to_be_bytes()) {
            let (k, _) = entry?;
            self.inner.chunks.remove(k)?;
        }
        match std::fs::remove_file(data::segment_path(&self.inner.segments_dir, id)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Makes `meta` the object at `bucket/key`, with its new bytes either in the record
    /// (`record_data`) or as an inline `chunk`: the segments stop being incomplete, and whatever
    /// object was there before becomes garbage, all in one atomic step, taken only if that object
    /// meets `condition`. Returns what the caller must wait for before acknowledging.
    fn install_object(
        &self,
        bucket: &str,
        key: &str,
        meta: &ObjectMeta,
        written: u64,
        (record_data, chunk): (&[u8], Option<data::InlineChunk<'_>>),
        condition: &WriteCondition,
    ) -> StorageResult<Durability> {
        let tree_key = records::object_tree_key(bucket, key.as_bytes());
        let value = records::encode_object(meta, record_data)?;
        // Held from the bucket check to the install: DeleteBucket waits for it.
        let _shared = self.bucket_guard_shared()?;
        let inner = &self.inner;
        if !meta.segments.iter().any(Segment::stored_apart) {
            // Nothing outside the record to announce, and while the record being replaced (if
            // any) holds its data too, nothing becomes garbage: one compare-and-swap does it.
            self.require_bucket(bucket)?;
            // Held across the swap and the log append, so the log's order is sled's order.
            let mut pending = inner.wal.lock_pending()?;
            // Most PUTs make a new key: try that first, which also fetches the record if not. A
            // write that must replace an existing object reads it first instead.
            let mut current: Option<sled::IVec> = match condition.existing {
                Some(_) => inner.objects.get(&tree_key)?,
                None => None,
            };
            loop {
                // Checked against what the swap below expects to replace: if that is not what
                // is there, the swap fails and the loop checks again against what is.
                let old = checked_current(condition, current.as_deref())?;
                if old.is_some_and(|old| old.segments.iter().any(Segment::stored_apart)) {
                    break;
                }
                match inner
                    .objects
                    .compare_and_swap(&tree_key, current, Some(value.as_slice()))?
                {
                    Ok(()) if pending.append(wal::Tree::Objects, &tree_key, &value) => {
                        drop(pending);
                        release_sled_garbage();
                        return Ok(Durability::Log);
                    }
                    Ok(()) => return Ok(Durability::Full),
                    Err(conflict) => current = conflict.current,
                }
            }
        }
        let old = (
            &inner.buckets,
            &inner.objects,
            &inner.chunks,
            &inner.incomplete,
            &inner.garbage,
        )
            .transaction(|(buckets, objects, chunks, incomplete, garbage)| {
                if buckets.get(bucket.as_bytes())?.is_none() {
                    return Err(ConflictableTransactionError::Abort(
                        StorageError::NoSuchBucket,
                    ));
                }
                if let Some(chunk) = &chunk {
                    chunks.insert(&chunk.key[..], chunk.bytes)?;
                }
                incomplete.remove(&written.to_be_bytes())?;
                if !condition.is_unconditional() {
                    let current = objects.get(tree_key.as_slice())?;
                    checked_current(condition, current.as_deref())
                        .map_err(ConflictableTransactionError::Abort)?;
                }
                let old = objects.insert(tree_key.as_slice(), value.as_slice())?;
                if let Some(old) = &old {
                    mark_garbage(garbage, old)?;
                }
                Ok(old)
            });
        let old = old.map_err(StorageError::from)?;
        if let Some(old) = old {
            let (old, _) = records::decode_object(&old)?;
            self.free_unread(&old.segments)?;
        }
        Ok(Durability::Full)
    }

    /// Lists a bucket's objects (see [`ListQuery`]).
    pub fn list_objects(&self, bucket: &str, query: &ListQuery) -> StorageResult<ListPage> {
        self.require_bucket(bucket)?;
        list::list(&self.inner.objects, bucket, query)
    }

    /// Segments holding data: inline chunks plus segment files.
    #[cfg(test)]
    fn chunk_count(&self) -> usize {
        let files: usize = std::fs::read_dir(&self.inner.segments_dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|shard| {
                std::fs::read_dir(shard.path())
                    .into_iter()
                    .flatten()
                    .count()
            })
            .sum();
        self.inner.chunks.len() + files
    }
}

/// Hands this thread's deferred frees in sled's epoch-based reclamation (crossbeam-epoch, which
/// sled re-exports) to the global collector and lets it run. sled frees each filled 8 MiB log
/// buffer that way, and a thread's frees wait until 64 have gathered: once sled was no longer
/// flushed for every PUT (see [`wal`]), the threads sealing those buffers gathered few other
/// frees, and the server held 13 of them (massif) and up to 150 MiB resident under small PUTs.
pub(super) fn release_sled_garbage() {
    sled::crossbeam_pin().flush();
}

/// Decodes the object record `current` (`None`: no object at the key) and checks `condition`
/// against it; the decoded object when it holds.
pub(super) fn checked_current(
    condition: &WriteCondition,
    current: Option<&[u8]>,
) -> StorageResult<Option<ObjectMeta>> {
    let old = current
        .map(records::decode_object)
        .transpose()?
        .map(|(old, _)| old);
    condition.check(old.as_ref().map(|old| old.etag.as_str()))?;
    Ok(old)
}

/// Inside a transaction: records the segments of a replaced or deleted object as garbage.
pub(super) fn mark_garbage(
    garbage: &TransactionalTree,
    old_value: &[u8],
) -> Result<(), ConflictableTransactionError<StorageError>> {
    let (old, _) =
        records::decode_object(old_value).map_err(ConflictableTransactionError::Abort)?;
    for segment in old.segments.iter().filter(|s| s.stored_apart()) {
        garbage.insert(&segment.id.to_be_bytes(), &[])?;
    }
    Ok(())
}

/// A big-endian u64 stored in sled (a segment id, the log's marker); `what` names it in the error.
fn u64_from(bytes: &[u8], what: &str) -> StorageResult<u64> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StorageError::Corrupt(format!("{what} is not 8 bytes")))?;
    Ok(u64::from_be_bytes(arr))
}

#[cfg(test)]
mod tests;

/// Applies `change` to the record at `key` with compare-and-swap, retrying when another writer got
/// there first; `None` when there is no record.
fn update_record<T: serde::Serialize + serde::de::DeserializeOwned>(
    tree: &sled::Tree,
    key: &[u8],
    change: impl Fn(&mut T) -> bool,
) -> StorageResult<Option<bool>> {
    loop {
        let Some(current) = tree.get(key)? else {
            return Ok(None);
        };
        let mut record: T = records::decode(&current)?;
        if !change(&mut record) {
            return Ok(Some(false));
        }
        let updated = records::encode(&record)?;
        if tree
            .compare_and_swap(key, Some(current), Some(updated))?
            .is_ok()
        {
            return Ok(Some(true));
        }
    }
}

/// Whether `current` is the object `seen` was read as (not a newer write under its key).
fn is_same_object(current: &ObjectMeta, seen: &ObjectMeta) -> bool {
    current.etag == seen.etag
        && current.last_modified_ms == seen.last_modified_ms
        && current.segments == seen.segments
}
