//! Multipart uploads: upload records, their parts, and completing them into an object without
//! copying a byte (the object's segments are the parts' segments).

use super::error::{StorageError, StorageResult};
use super::list::{Scan, Scanned};
use super::records::{self, part_tree_key, upload_tree_key, ObjectMeta, PartMeta, UploadMeta};
use super::{mark_garbage, ListQuery, Store};
use sha2::{Digest, Sha256};
use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

/// Upload ids are this many hex characters, so an id is a fixed-length prefix of its part keys.
pub const UPLOAD_ID_LEN: usize = 32;

/// One upload in a listing.
#[derive(Debug, Clone)]
pub struct UploadEntry {
    pub key: String,
    pub upload_id: String,
    pub meta: UploadMeta,
}

#[derive(Debug, Clone, Default)]
pub struct UploadPage {
    /// Uploads and common prefixes, in key then upload-id order.
    pub entries: Vec<UploadListEntry>,
    pub is_truncated: bool,
}

#[derive(Debug, Clone)]
pub enum UploadListEntry {
    Upload(Box<UploadEntry>),
    CommonPrefix(String),
}

/// How to complete an upload: the parts chosen (ascending, validated by the caller against a
/// snapshot) with the ETags the client named, and the final object's ETag and checksum.
pub struct Completion<'a> {
    pub parts: &'a [(u32, String)],
    pub etag: String,
    pub checksum: Option<records::StoredChecksum>,
    pub last_modified_ms: i64,
    /// What the object the upload replaces must be (conditional writes).
    pub condition: super::WriteCondition,
}

impl Store {
    /// Starts a multipart upload and returns its id.
    pub fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        meta: &UploadMeta,
    ) -> StorageResult<String> {
        self.require_bucket(bucket)?;
        self.ensure_room()?;
        let seed = self.inner.db.generate_id()?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let digest = Sha256::digest(format!("{seed}:{nanos}:{bucket}:{key}"));
        let upload_id = hex::encode(&digest[..UPLOAD_ID_LEN / 2]);
        self.inner.uploads.insert(
            upload_tree_key(bucket, key, &upload_id),
            records::encode(meta)?,
        )?;
        Ok(upload_id)
    }

    /// An upload's record, if it is in progress.
    pub fn upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> StorageResult<Option<UploadMeta>> {
        self.require_bucket(bucket)?;
        match self
            .inner
            .uploads
            .get(upload_tree_key(bucket, key, upload_id))?
        {
            Some(v) => Ok(Some(records::decode(&v)?)),
            None => Ok(None),
        }
    }

    /// Records a written part (called by `ObjectWriter::commit_part`).
    pub(super) fn install_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        part: &PartMeta,
        inline: Option<super::data::InlineChunk<'_>>,
    ) -> StorageResult<()> {
        let upload_key = upload_tree_key(bucket, key, upload_id);
        let part_key = part_tree_key(upload_id, part_number);
        let value = records::encode(part)?;
        let inner = &self.inner;
        let replaced = (
            &inner.uploads,
            &inner.parts,
            &inner.chunks,
            &inner.incomplete,
            &inner.garbage,
        )
            .transaction(|(uploads, parts, chunks, incomplete, garbage)| {
                if uploads.get(upload_key.as_slice())?.is_none() {
                    return Err(ConflictableTransactionError::Abort(
                        StorageError::NoSuchUpload,
                    ));
                }
                if let Some(chunk) = &inline {
                    chunks.insert(&chunk.key[..], chunk.bytes)?;
                }
                incomplete.remove(&part.segment.id.to_be_bytes())?;
                let old = parts.insert(part_key.as_slice(), value.as_slice())?;
                if let Some(old) = &old {
                    let old: PartMeta =
                        records::decode(old).map_err(ConflictableTransactionError::Abort)?;
                    garbage.insert(&old.segment.id.to_be_bytes(), &[])?;
                    return Ok(Some(old));
                }
                Ok(None)
            });
        if let Some(old) = replaced.map_err(StorageError::from)? {
            self.free_unread(&[old.segment])?;
        }
        Ok(())
    }

    /// Up to `max` parts of an upload after `marker`, in part-number order, and whether more follow.
    pub fn list_parts(
        &self,
        upload_id: &str,
        marker: u32,
        max: usize,
    ) -> StorageResult<(Vec<(u32, PartMeta)>, bool)> {
        let start = part_tree_key(upload_id, marker.saturating_add(1));
        let end = part_tree_key(upload_id, u32::MAX);
        let mut parts = Vec::new();
        if marker == u32::MAX {
            return Ok((parts, false));
        }
        for entry in self.inner.parts.range(start..=end) {
            let (k, v) = entry?;
            if parts.len() == max {
                return Ok((parts, true));
            }
            parts.push((part_number_of(&k)?, records::decode(&v)?));
        }
        Ok((parts, false))
    }

    /// Every part of an upload.
    pub fn all_parts(&self, upload_id: &str) -> StorageResult<Vec<(u32, PartMeta)>> {
        Ok(self.list_parts(upload_id, 0, usize::MAX)?.0)
    }

    /// Turns an upload into the object at `bucket/key`: one transaction removes the upload and its
    /// parts, installs the object made of the chosen parts' segments, and makes unchosen parts and
    /// any replaced object garbage. `InvalidPart` when a chosen part changed since the snapshot.
    pub fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        completion: Completion<'_>,
    ) -> StorageResult<ObjectMeta> {
        let upload_key = upload_tree_key(bucket, key, upload_id);
        let object_key = records::object_tree_key(bucket, key.as_bytes());
        let part_numbers: Vec<u32> = self
            .all_parts(upload_id)?
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let _shared = self.bucket_guard_shared()?;
        let inner = &self.inner;
        let result = (
            &inner.buckets,
            &inner.uploads,
            &inner.parts,
            &inner.objects,
            &inner.garbage,
        )
            .transaction(|(buckets, uploads, parts, objects, garbage)| {
                let abort = ConflictableTransactionError::Abort;
                if buckets.get(bucket.as_bytes())?.is_none() {
                    return Err(abort(StorageError::NoSuchBucket));
                }
                let Some(upload) = uploads.remove(upload_key.as_slice())? else {
                    return Err(abort(StorageError::NoSuchUpload));
                };
                let upload: UploadMeta = records::decode(&upload).map_err(abort)?;
                let mut taken = std::collections::HashMap::new();
                for number in &part_numbers {
                    if let Some(v) = parts.remove(part_tree_key(upload_id, *number))? {
                        let part: PartMeta = records::decode(&v).map_err(abort)?;
                        taken.insert(*number, part);
                    }
                }
                let mut segments = Vec::with_capacity(completion.parts.len());
                for (number, etag) in completion.parts {
                    match taken.remove(number) {
                        Some(part) if part.etag == *etag => segments.push(part.segment),
                        _ => return Err(abort(StorageError::InvalidPart(*number))),
                    }
                }
                for unused in taken.values() {
                    garbage.insert(&unused.segment.id.to_be_bytes(), &[])?;
                }
                let meta = ObjectMeta {
                    size: segments.iter().map(|s| s.len).sum(),
                    etag: completion.etag.clone(),
                    last_modified_ms: completion.last_modified_ms,
                    headers: upload.headers,
                    user_metadata: upload.user_metadata,
                    checksum: completion.checksum.clone(),
                    parts_count: u32::try_from(segments.len()).unwrap_or(u32::MAX),
                    segments,
                    tags: upload.tags,
                    acl: upload.acl,
                    storage_class: upload.storage_class,
                    encryption: upload.encryption,
                    restore_expiry_ms: None,
                };
                let value = records::encode(&meta).map_err(abort)?;
                if !completion.condition.is_unconditional() {
                    let current = objects.get(object_key.as_slice())?;
                    super::checked_current(&completion.condition, current.as_deref())
                        .map_err(abort)?;
                }
                let mut unused: Vec<_> = taken.into_values().map(|p| p.segment).collect();
                if let Some(old) = objects.insert(object_key.as_slice(), value)? {
                    mark_garbage(garbage, &old)?;
                    let (old, _) = records::decode_object(&old).map_err(abort)?;
                    unused.extend(
                        old.segments
                            .into_iter()
                            .filter(super::Segment::stored_apart),
                    );
                }
                Ok((meta, unused))
            });
        let (meta, unused) = result.map_err(StorageError::from)?;
        self.sweep_stray_parts(upload_id)?;
        self.free_unread(&unused)?;
        Ok(meta)
    }

    /// Abandons an upload, freeing every part.
    pub fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> StorageResult<()> {
        self.require_bucket(bucket)?;
        let upload_key = upload_tree_key(bucket, key, upload_id);
        let parts = self.all_parts(upload_id)?;
        let inner = &self.inner;
        let result = (&inner.uploads, &inner.parts, &inner.garbage).transaction(
            |(uploads, tree, garbage)| {
                if uploads.remove(upload_key.as_slice())?.is_none() {
                    return Err(ConflictableTransactionError::Abort(
                        StorageError::NoSuchUpload,
                    ));
                }
                for (number, part) in &parts {
                    tree.remove(part_tree_key(upload_id, *number))?;
                    garbage.insert(&part.segment.id.to_be_bytes(), &[])?;
                }
                Ok(())
            },
        );
        result.map_err(StorageError::from)?;
        self.sweep_stray_parts(upload_id)?;
        let segments: Vec<_> = parts.into_iter().map(|(_, p)| p.segment).collect();
        self.free_unread(&segments)
    }

    /// A part committed while its upload was being completed or aborted outlives the upload's
    /// record: free it too.
    fn sweep_stray_parts(&self, upload_id: &str) -> StorageResult<()> {
        for (number, part) in self.all_parts(upload_id)? {
            self.inner.parts.remove(part_tree_key(upload_id, number))?;
            self.inner
                .garbage
                .insert(part.segment.id.to_be_bytes(), &[])?;
            self.free_unread(&[part.segment])?;
        }
        Ok(())
    }

    /// Lists uploads in progress: by key, then upload id; `key_marker` / `upload_id_marker` as in
    /// ListMultipartUploads.
    pub fn list_uploads(
        &self,
        bucket: &str,
        query: &ListQuery,
        upload_id_marker: Option<&str>,
    ) -> StorageResult<UploadPage> {
        self.require_bucket(bucket)?;
        let key_marker = query.start_after.as_deref().map(str::as_bytes);
        // Without an upload-id marker every upload of the marker key is skipped; with one, only
        // those up to it. A suffix is `key, 0, upload id`.
        let start_after_entry = key_marker.map(|k| {
            let mut after = k.to_vec();
            after.push(0);
            match upload_id_marker {
                Some(id) => after.extend_from_slice(id.as_bytes()),
                None => after.extend_from_slice(&[0xFF; UPLOAD_ID_LEN]),
            }
            after
        });
        let scan = Scan {
            bucket,
            query,
            start_after_entry,
            start_after_name: key_marker,
        };
        let (entries, is_truncated) = scan.run(&self.inner.uploads, key_of, |suffix, value| {
            let split = suffix.len().saturating_sub(UPLOAD_ID_LEN);
            Ok(UploadEntry {
                key: super::list::utf8(key_of(suffix))?,
                upload_id: super::list::utf8(&suffix[split..])?,
                meta: records::decode(value)?,
            })
        })?;
        let entries = entries
            .into_iter()
            .map(|e| match e {
                Scanned::Item(upload) => UploadListEntry::Upload(Box::new(upload)),
                Scanned::Prefix(p) => UploadListEntry::CommonPrefix(p),
            })
            .collect();
        Ok(UploadPage {
            entries,
            is_truncated,
        })
    }
}

/// The object key of an `uploads` suffix `key, 0, upload id`.
fn key_of(suffix: &[u8]) -> &[u8] {
    &suffix[..suffix.len().saturating_sub(UPLOAD_ID_LEN + 1)]
}

fn part_number_of(part_key: &[u8]) -> StorageResult<u32> {
    let bytes: [u8; 4] = part_key
        .get(part_key.len().saturating_sub(4)..)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| StorageError::Corrupt("part key too short".into()))?;
    Ok(u32::from_be_bytes(bytes))
}
