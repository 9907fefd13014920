//! Streaming object data in and out of the `chunks` tree with bounded memory.

use super::error::{StorageError, StorageResult};
use super::records::{chunk_key, NewObject, NewPart, ObjectMeta, PartMeta, Segment};
use super::{Store, CHUNK_SIZE};
use bytes::Bytes;

/// Writes one object's bytes as they arrive, a chunk at a time. Dropping it without `commit` frees
/// everything it wrote; a crash instead leaves an `incomplete` entry that start-up frees.
pub struct ObjectWriter {
    store: Store,
    id: u64,
    buffer: Vec<u8>,
    next_index: u32,
    len: u64,
    committed: bool,
}

impl ObjectWriter {
    pub(super) fn begin(store: Store) -> StorageResult<Self> {
        let id = store.inner.db.generate_id()?;
        store.inner.incomplete.insert(id.to_be_bytes(), &[])?;
        Ok(ObjectWriter {
            store,
            id,
            buffer: Vec::with_capacity(CHUNK_SIZE),
            next_index: 0,
            len: 0,
            committed: false,
        })
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends bytes, storing each chunk as soon as it is full.
    pub fn write(&mut self, mut data: &[u8]) -> StorageResult<()> {
        self.len += data.len() as u64;
        while !data.is_empty() {
            let room = CHUNK_SIZE - self.buffer.len();
            let take = room.min(data.len());
            self.buffer.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buffer.len() == CHUNK_SIZE {
                self.store_chunk()?;
            }
        }
        Ok(())
    }

    fn store_chunk(&mut self) -> StorageResult<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let key = chunk_key(self.id, self.next_index);
        self.store
            .inner
            .chunks
            .insert(key, self.buffer.as_slice())?;
        self.buffer.clear();
        self.next_index = self
            .next_index
            .checked_add(1)
            .ok_or_else(|| StorageError::Corrupt("too many chunks in one segment".into()))?;
        Ok(())
    }

    /// Makes the written bytes the object `bucket/key`, replacing any previous one atomically.
    /// The caller still has to `Store::sync` before acknowledging.
    pub fn commit(
        mut self,
        bucket: &str,
        key: &str,
        object: NewObject,
        last_modified_ms: i64,
    ) -> StorageResult<ObjectMeta> {
        let segment = self.finish()?;
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
        };
        self.store.install_object(bucket, key, &meta, &[self.id])?;
        self.committed = true;
        Ok(meta)
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
        self.store
            .install_part(bucket, key, upload_id, part_number, &part)?;
        self.committed = true;
        Ok(part)
    }

    /// Stores the last, partial chunk and describes what was written.
    fn finish(&mut self) -> StorageResult<Segment> {
        self.store_chunk()?;
        Ok(Segment {
            id: self.id,
            len: self.len,
            chunk_size: CHUNK_SIZE as u32,
        })
    }
}

#[cfg(test)]
impl ObjectWriter {
    /// Drops the writer as a crash would: without its cleanup.
    pub(super) fn crash(mut self) {
        self.committed = true;
    }
}

impl Drop for ObjectWriter {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let cleanup = self
            .store
            .remove_chunks(self.id)
            .and_then(|_| Ok(self.store.inner.incomplete.remove(self.id.to_be_bytes())?));
        if let Err(e) = cleanup {
            tracing::warn!(segment = self.id, error = %e, "could not free an abandoned upload; start-up will");
        }
    }
}

/// Streams a byte range of one object, a chunk at a time, keeping its data pinned until dropped.
pub struct ObjectReader {
    store: Store,
    segments: Vec<Segment>,
    /// Index into `segments` of the segment holding `pos`, and that segment's first byte.
    segment_index: usize,
    segment_start: u64,
    pos: u64,
    end: u64,
}

impl ObjectReader {
    pub(super) fn new(store: Store, segments: Vec<Segment>, size: u64) -> Self {
        ObjectReader {
            store,
            segments,
            segment_index: 0,
            segment_start: 0,
            pos: 0,
            end: size,
        }
    }

    /// Restricts the reader to bytes `start..end` of the object (end exclusive, already validated).
    pub fn set_range(&mut self, start: u64, end: u64) {
        self.pos = start;
        self.end = end;
        self.segment_index = 0;
        self.segment_start = 0;
    }

    /// The next piece of the range, or `None` at its end. Reads exactly one stored chunk.
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
        let chunk_size = u64::from(segment.chunk_size.max(1));
        let index = u32::try_from(offset / chunk_size)
            .map_err(|_| StorageError::Corrupt("chunk index out of range".into()))?;
        let chunk = self
            .store
            .inner
            .chunks
            .get(chunk_key(segment.id, index))?
            .ok_or_else(|| {
                StorageError::Corrupt(format!("missing chunk {index} of {}", segment.id))
            })?;
        let within = usize::try_from(offset % chunk_size)
            .map_err(|_| StorageError::Corrupt("chunk offset out of range".into()))?;
        if within >= chunk.len() {
            return Err(StorageError::Corrupt(format!(
                "chunk {index} of {} is shorter than expected",
                segment.id
            )));
        }
        let wanted = usize::try_from(self.end - self.pos).unwrap_or(usize::MAX);
        let take = (chunk.len() - within).min(wanted);
        let bytes = Bytes::from_owner(chunk).slice(within..within + take);
        self.pos += take as u64;
        Ok(Some(bytes))
    }
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        if let Err(e) = self.store.unpin(&self.segments) {
            tracing::warn!(error = %e, "could not release an object's data after reading");
        }
    }
}
