//! The records kept in sled: bucket and object metadata, their encodings and the tree keys.

use super::error::{StorageError, StorageResult};
use serde::{Deserialize, Serialize};

/// A bucket's record in the `buckets` tree (key: the bucket name).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BucketMeta {
    /// Creation time, seconds since the Unix epoch.
    pub created: i64,
    /// The `LocationConstraint` the bucket was created with (empty = the server's region).
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub acl: CannedAcl,
    /// The bucket's CORS rules, in order; `None` when it has no CORS configuration.
    #[serde(default)]
    pub cors: Option<Vec<CorsRule>>,
    /// The encryption new objects get when their request names none (PutBucketEncryption);
    /// `None` is S3's default for every bucket, SSE-S3 (`AES256`).
    #[serde(default)]
    pub encryption: Option<Encryption>,
    /// Whether writes may ask for SSE-C (`BlockedEncryptionTypes` NONE). S3 blocks it on every
    /// bucket created since April 2026 unless PutBucketEncryption unblocks it.
    #[serde(default)]
    pub sse_c_allowed: bool,
    /// The bucket's tag set (PutBucketTagging); empty when it has none.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// PutPublicAccessBlock's switches; `None` when the bucket has no such configuration.
    #[serde(default)]
    pub public_access_block: Option<PublicAccessBlock>,
    /// PutBucketOwnershipControls' rule; `None` when the bucket has none (ACLs in force).
    #[serde(default)]
    pub object_ownership: Option<ObjectOwnership>,
    /// PutBucketPolicy's document as GetBucketPolicy answers it; `None` when it has none.
    #[serde(default)]
    pub policy: Option<String>,
    /// PutBucketLifecycleConfiguration's rules; `None` when it has none.
    #[serde(default)]
    pub lifecycle: Option<super::lifecycle::Lifecycle>,
}

/// S3 Object Ownership. minis3 has one owner, so only whether ACLs are disabled matters:
/// `BucketOwnerEnforced` disables them; the other two leave them as they are.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ObjectOwnership {
    BucketOwnerEnforced,
    BucketOwnerPreferred,
    ObjectWriter,
}

impl ObjectOwnership {
    pub fn name(self) -> &'static str {
        match self {
            ObjectOwnership::BucketOwnerEnforced => "BucketOwnerEnforced",
            ObjectOwnership::BucketOwnerPreferred => "BucketOwnerPreferred",
            ObjectOwnership::ObjectWriter => "ObjectWriter",
        }
    }

    pub fn from_name(name: &str) -> Option<ObjectOwnership> {
        [
            ObjectOwnership::BucketOwnerEnforced,
            ObjectOwnership::BucketOwnerPreferred,
            ObjectOwnership::ObjectWriter,
        ]
        .into_iter()
        .find(|o| o.name() == name)
    }
}

/// A bucket's Block Public Access settings, as PutPublicAccessBlock names them. minis3 has no
/// bucket policies, so the two about policies are kept and reported but have nothing to act on.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicAccessBlock {
    /// Refuse requests that would set a public ACL.
    pub block_public_acls: bool,
    /// Treat public ACLs on the bucket and its objects as private.
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

/// A canned ACL as S3 names them. minis3 has one owner, so a canned ACL is the whole access list.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum CannedAcl {
    #[default]
    Private,
    PublicRead,
    PublicReadWrite,
    AuthenticatedRead,
    AwsExecRead,
    BucketOwnerRead,
    BucketOwnerFullControl,
    LogDeliveryWrite,
}

/// An object's storage class, as S3 names them for a general-purpose bucket. minis3 keeps every
/// class alike; the class is stored to be reported where S3 reports it.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum StorageClass {
    #[default]
    Standard,
    ReducedRedundancy,
    StandardIa,
    OnezoneIa,
    IntelligentTiering,
    Glacier,
    DeepArchive,
    GlacierIr,
}

impl StorageClass {
    const ALL: [StorageClass; 8] = [
        StorageClass::Standard,
        StorageClass::ReducedRedundancy,
        StorageClass::StandardIa,
        StorageClass::OnezoneIa,
        StorageClass::IntelligentTiering,
        StorageClass::Glacier,
        StorageClass::DeepArchive,
        StorageClass::GlacierIr,
    ];

    /// The name in `x-amz-storage-class` and listings.
    pub fn name(self) -> &'static str {
        match self {
            StorageClass::Standard => "STANDARD",
            StorageClass::ReducedRedundancy => "REDUCED_REDUNDANCY",
            StorageClass::StandardIa => "STANDARD_IA",
            StorageClass::OnezoneIa => "ONEZONE_IA",
            StorageClass::IntelligentTiering => "INTELLIGENT_TIERING",
            StorageClass::Glacier => "GLACIER",
            StorageClass::DeepArchive => "DEEP_ARCHIVE",
            StorageClass::GlacierIr => "GLACIER_IR",
        }
    }

    /// Whether S3 serves the object's bytes only from a restored copy (RestoreObject).
    pub fn is_archived(self) -> bool {
        matches!(self, StorageClass::Glacier | StorageClass::DeepArchive)
    }

    /// The class an S3 name stands for (exact, case-sensitive, as S3 compares it).
    pub fn from_name(name: &str) -> Option<StorageClass> {
        StorageClass::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Server-side encryption as S3 reports it for an object (or a bucket's default for new
/// objects). minis3 stores bytes as they came; this is what requests asked for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Encryption {
    pub algorithm: SseAlgorithm,
    /// The KMS key named by the request or the bucket's default, when one was.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// `x-amz-server-side-encryption-bucket-key-enabled` (meaningful with KMS only).
    #[serde(default)]
    pub bucket_key_enabled: bool,
}

/// The values of `x-amz-server-side-encryption` a general-purpose S3 bucket takes.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum SseAlgorithm {
    /// SSE-S3, every bucket's default.
    #[default]
    Aes256,
    AwsKms,
    AwsKmsDsse,
}

impl SseAlgorithm {
    const ALL: [SseAlgorithm; 3] = [
        SseAlgorithm::Aes256,
        SseAlgorithm::AwsKms,
        SseAlgorithm::AwsKmsDsse,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SseAlgorithm::Aes256 => "AES256",
            SseAlgorithm::AwsKms => "aws:kms",
            SseAlgorithm::AwsKmsDsse => "aws:kms:dsse",
        }
    }

    pub fn from_name(name: &str) -> Option<SseAlgorithm> {
        SseAlgorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether the algorithm uses a KMS key (and so may name one).
    pub fn uses_kms(self) -> bool {
        self != SseAlgorithm::Aes256
    }
}

/// One rule of a bucket's CORS configuration, as PutBucketCors gave it (validated there).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CorsRule {
    pub id: Option<String>,
    pub allowed_origins: Vec<String>,
    pub allowed_methods: Vec<String>,
    #[serde(default)]
    pub allowed_headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    #[serde(default)]
    pub max_age_seconds: Option<u32>,
}

/// The headers S3 stores with an object and returns on GET/HEAD.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ContentHeaders {
    pub content_type: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    pub cache_control: Option<String>,
    pub expires: Option<String>,
}

/// An additional checksum stored with an object (`x-amz-checksum-<algorithm>`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredChecksum {
    /// Upper-case algorithm name as S3 spells it: `CRC32`, `CRC32C`, `CRC64NVME`, `SHA1`, `SHA256`.
    pub algorithm: String,
    /// Base64 of the digest (`...-N` for a composite multipart checksum).
    pub value: String,
    /// A checksum of the part checksums (`COMPOSITE`) rather than of the bytes (`FULL_OBJECT`).
    #[serde(default)]
    pub composite: bool,
}

/// One run of object bytes: inline as chunk `(id, 0)` of the `chunks` tree, the file
/// `segments/xx/<id>`, or (a small single PUT) after the metadata in the object's own record. A
/// plain PUT writes one segment; a multipart object is a list of them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Segment {
    pub id: u64,
    pub len: u64,
    #[serde(default)]
    pub in_file: bool,
    /// The bytes live in the object's record (see [`encode_object`]): they come and go with it,
    /// so nothing else ever pins or frees them.
    #[serde(default)]
    pub in_record: bool,
}

impl Segment {
    /// Whether the bytes are stored apart from the record naming them (chunks tree or file), so
    /// that readers pin them and replacing the record makes them garbage.
    pub fn stored_apart(&self) -> bool {
        !self.in_record
    }
}

/// What the caller supplies for a new object; the store adds size and data.
#[derive(Debug, Clone, Default)]
pub struct NewObject {
    pub headers: ContentHeaders,
    /// `x-amz-meta-*` pairs, names lower-case without the prefix.
    pub user_metadata: Vec<(String, String)>,
    pub checksum: Option<StoredChecksum>,
    /// ETag without quotes (hex MD5, or `hex-N` for multipart).
    pub etag: String,
    pub tags: Vec<(String, String)>,
    pub acl: CannedAcl,
    pub storage_class: StorageClass,
    pub encryption: Encryption,
}

/// An object's record in the `objects` tree. Encoded by position (see [`encode_object`]): a
/// field added, removed or reordered here (or in the types it holds, `CannedAcl`'s variants
/// included) needs a new record tag, with the old layout still decoded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ObjectMeta {
    pub size: u64,
    /// ETag without quotes.
    pub etag: String,
    /// Milliseconds since the Unix epoch. Listings report milliseconds (so `aws s3 sync` never
    /// sees an object as older than the file it was uploaded from); HTTP headers whole seconds.
    pub last_modified_ms: i64,
    #[serde(default)]
    pub headers: ContentHeaders,
    #[serde(default)]
    pub user_metadata: Vec<(String, String)>,
    #[serde(default)]
    pub checksum: Option<StoredChecksum>,
    /// The object's bytes in order. For a multipart object, segment N-1 is part N.
    pub segments: Vec<Segment>,
    /// Number of parts of a multipart object; 0 for a single PUT.
    #[serde(default)]
    pub parts_count: u32,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    #[serde(default)]
    pub acl: CannedAcl,
    #[serde(default)]
    pub storage_class: StorageClass,
    #[serde(default)]
    pub encryption: Encryption,
    /// Until when (ms since the epoch) the restored copy of a GLACIER / DEEP_ARCHIVE object may
    /// be read (RestoreObject); `None` when it was never restored. An overwrite starts afresh.
    #[serde(default)]
    pub restore_expiry_ms: Option<i64>,
}

impl ObjectMeta {
    /// The expiry of an archived object's restored copy that may still be read at `now_ms`
    /// (only GLACIER / DEEP_ARCHIVE objects have restored copies).
    pub fn restored_until(&self, now_ms: i64) -> Option<i64> {
        self.restore_expiry_ms
            .filter(|expiry| *expiry > now_ms && self.storage_class.is_archived())
    }

    /// The byte range (end exclusive) of part `part_number` (1-based) of a multipart object.
    pub fn part_range(&self, part_number: u32) -> Option<(u64, u64)> {
        if part_number == 0 || part_number > self.parts_count {
            return None;
        }
        let index = usize::try_from(part_number - 1).ok()?;
        let start: u64 = self.segments.iter().take(index).map(|s| s.len).sum();
        let segment = self.segments.get(index)?;
        Some((start, start + segment.len))
    }
}

/// A multipart upload in progress, in the `uploads` tree (key: bucket, 0, object key, 0, upload id),
/// holding what CreateMultipartUpload said the final object should carry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct UploadMeta {
    pub initiated_ms: i64,
    #[serde(default)]
    pub headers: ContentHeaders,
    #[serde(default)]
    pub user_metadata: Vec<(String, String)>,
    /// `CRC32`, `SHA256`, ... when the client asked for checksums.
    #[serde(default)]
    pub checksum_algorithm: Option<String>,
    /// The final checksum is of the whole object rather than of the part checksums.
    #[serde(default)]
    pub checksum_full_object: bool,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// The ACL the completed object gets.
    #[serde(default)]
    pub acl: CannedAcl,
    #[serde(default)]
    pub storage_class: StorageClass,
    #[serde(default)]
    pub encryption: Encryption,
}

/// What the caller supplies for a new part; the store adds size and data.
#[derive(Debug, Clone, Default)]
pub struct NewPart {
    /// Hex MD5 of the part.
    pub etag: String,
    /// Base64 checksum under the upload's algorithm, if it has one.
    pub checksum: Option<String>,
    pub last_modified_ms: i64,
}

/// One uploaded part, in the `parts` tree (key: upload id, part number).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PartMeta {
    /// Hex MD5 of the part, without quotes.
    pub etag: String,
    pub size: u64,
    pub last_modified_ms: i64,
    pub segment: Segment,
    #[serde(default)]
    pub checksum: Option<String>,
}

/// The key of an upload in the `uploads` tree.
pub fn upload_tree_key(bucket: &str, key: &str, upload_id: &str) -> Vec<u8> {
    let mut k = object_tree_key(bucket, key.as_bytes());
    k.push(0);
    k.extend_from_slice(upload_id.as_bytes());
    k
}

/// The key of a part in the `parts` tree: upload id (fixed length) then big-endian part number.
pub fn part_tree_key(upload_id: &str, part_number: u32) -> Vec<u8> {
    let mut k = upload_id.as_bytes().to_vec();
    k.extend_from_slice(&part_number.to_be_bytes());
    k
}

/// The key of an object in the `objects` tree: bucket name, a 0 byte, object key. A bucket name never
/// holds a 0 byte, so one bucket's objects are a contiguous range ordered by key bytes.
pub fn object_tree_key(bucket: &str, key: &[u8]) -> Vec<u8> {
    let mut k = bucket_prefix(bucket);
    k.extend_from_slice(key);
    k
}

/// The prefix all of a bucket's object keys share.
pub fn bucket_prefix(bucket: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(bucket.len() + 64);
    k.extend_from_slice(bucket.as_bytes());
    k.push(0);
    k
}

/// The key of one chunk in the `chunks` tree: segment id then chunk index, big-endian so a segment's
/// chunks are contiguous and in order.
pub fn chunk_key(segment: u64, index: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&segment.to_be_bytes());
    k[8..].copy_from_slice(&index.to_be_bytes());
    k
}

/// First byte of an object record written before session 6 that carries the object's bytes:
/// `[0][metadata length, u32 big-endian][metadata JSON][data]`. Older records still are the bare
/// JSON of [`ObjectMeta`], which starts with `{`. Both are read, neither is written any more.
const RECORD_JSON_WITH_DATA: u8 = 0;

/// First byte of an object record written before storage classes and encryption were kept:
/// `[1][metadata in `ObjectMetaV1`'s layout, postcard][data]`. Read, no longer written.
const RECORD_BINARY_V1: u8 = 1;

/// First byte of an object record written before restores were kept: `[2][ObjectMetaV1's
/// fields, storage class, encryption][data]`. Read, no longer written.
const RECORD_BINARY_V2: u8 = 2;

/// First byte of an object record as written now: `[3][metadata, postcard][data]`. Decoding JSON
/// was a twentieth of the server's CPU for a small GET and is most of a listing's. Each layout
/// extends the one before at its end (postcard writes a struct's fields one after another), so
/// an older record is its older fields followed by the newer ones' defaults.
const RECORD_BINARY: u8 = 3;

/// [`ObjectMeta`]'s first fields, as tag-1 records hold them: postcard has no field names, so
/// this layout stays frozen for as long as such records may exist.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct ObjectMetaV1 {
    size: u64,
    etag: String,
    last_modified_ms: i64,
    headers: ContentHeaders,
    user_metadata: Vec<(String, String)>,
    checksum: Option<StoredChecksum>,
    segments: Vec<Segment>,
    parts_count: u32,
    tags: Vec<(String, String)>,
    acl: CannedAcl,
}

impl ObjectMetaV1 {
    /// The full metadata, with what later layouts added.
    fn extended(self, storage_class: StorageClass, encryption: Encryption) -> ObjectMeta {
        let v1 = self;
        ObjectMeta {
            size: v1.size,
            etag: v1.etag,
            last_modified_ms: v1.last_modified_ms,
            headers: v1.headers,
            user_metadata: v1.user_metadata,
            checksum: v1.checksum,
            segments: v1.segments,
            parts_count: v1.parts_count,
            tags: v1.tags,
            acl: v1.acl,
            storage_class,
            encryption,
            restore_expiry_ms: None,
        }
    }
}

/// An object's record: its metadata, followed by `data` when the object's bytes live in the record.
/// Storing a small object's bytes in its own record lets one single-key write install it, with no
/// multi-tree transaction.
pub fn encode_object(meta: &ObjectMeta, data: &[u8]) -> StorageResult<Vec<u8>> {
    let mut out = Vec::with_capacity(128 + meta.etag.len() + data.len());
    out.push(RECORD_BINARY);
    let mut out = postcard::to_extend(meta, out)
        .map_err(|e| StorageError::Corrupt(format!("cannot encode object metadata: {e}")))?;
    out.extend_from_slice(data);
    Ok(out)
}

/// Reads an object's record: its metadata and where in `record` its bytes are (empty when the
/// record carries none).
pub fn decode_object(record: &[u8]) -> StorageResult<(ObjectMeta, std::ops::Range<usize>)> {
    let (meta, data_start) = match record.split_first() {
        Some((&RECORD_BINARY, rest)) => {
            let (meta, data) = postcard::take_from_bytes::<ObjectMeta>(rest)
                .map_err(|e| StorageError::Corrupt(format!("object record: {e}")))?;
            (meta, record.len() - data.len())
        }
        Some((&RECORD_BINARY_V1, rest)) => {
            let (v1, data) = postcard::take_from_bytes::<ObjectMetaV1>(rest)
                .map_err(|e| StorageError::Corrupt(format!("object record: {e}")))?;
            // What S3 reports for an object stored before either was chosen.
            let meta = v1.extended(StorageClass::Standard, Encryption::default());
            (meta, record.len() - data.len())
        }
        Some((&RECORD_BINARY_V2, rest)) => {
            let corrupt = |e: postcard::Error| StorageError::Corrupt(format!("object record: {e}"));
            let (v1, rest) = postcard::take_from_bytes::<ObjectMetaV1>(rest).map_err(corrupt)?;
            let ((storage_class, encryption), data) =
                postcard::take_from_bytes::<(StorageClass, Encryption)>(rest).map_err(corrupt)?;
            (
                v1.extended(storage_class, encryption),
                record.len() - data.len(),
            )
        }
        Some((&RECORD_JSON_WITH_DATA, rest)) => {
            let corrupt = || StorageError::Corrupt("object record shorter than its header".into());
            let len_bytes: [u8; 4] = rest
                .get(..4)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(corrupt)?;
            let json_end = usize::try_from(u32::from_be_bytes(len_bytes))
                .ok()
                .and_then(|len| len.checked_add(5))
                .filter(|end| *end <= record.len())
                .ok_or_else(corrupt)?;
            (decode(&record[5..json_end])?, json_end)
        }
        _ => (decode(record)?, record.len()),
    };
    let data = data_start..record.len();
    let in_record: u64 = meta
        .segments
        .iter()
        .filter(|s| s.in_record)
        .map(|s| s.len)
        .sum();
    if in_record != data.len() as u64 {
        return Err(StorageError::Corrupt(
            "object record's data does not match its segments".into(),
        ));
    }
    Ok((meta, data))
}

pub fn encode<T: Serialize>(value: &T) -> StorageResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StorageError::Corrupt(e.to_string()))
}

pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> StorageResult<T> {
    serde_json::from_slice(bytes).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// The smallest byte string greater than every string that starts with `prefix`, or `None` when no
/// such string exists (all bytes 0xFF). Used to skip past a whole common prefix in one seek.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut next = prefix.to_vec();
    while let Some(last) = next.pop() {
        if last < 0xFF {
            next.push(last + 1);
            return Some(next);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_keys_order_by_bucket_then_key() {
        let a = object_tree_key("a", b"zzz");
        let ab = object_tree_key("a-b", b"");
        let a2 = object_tree_key("a", b"zzzz");
        assert!(a < ab, "all of bucket a sorts before bucket a-b");
        assert!(a < a2);
    }

    #[test]
    fn chunk_keys_sort_by_segment_then_index() {
        assert!(chunk_key(1, 255) < chunk_key(1, 256));
        assert!(chunk_key(1, u32::MAX) < chunk_key(2, 0));
    }

    #[test]
    fn successor_skips_the_whole_prefix() {
        assert_eq!(prefix_successor(b"dir/"), Some(b"dir0".to_vec()));
        assert_eq!(prefix_successor(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_successor(b"\xff\xff"), None);
    }

    fn full_meta() -> ObjectMeta {
        ObjectMeta {
            size: 3,
            etag: "abc".into(),
            last_modified_ms: 1_700_000_000_000,
            headers: ContentHeaders {
                content_type: Some("text/plain".into()),
                ..Default::default()
            },
            user_metadata: vec![("k".into(), "v".into())],
            checksum: Some(StoredChecksum {
                algorithm: "CRC32".into(),
                value: "AAAAAA==".into(),
                composite: false,
            }),
            segments: vec![Segment {
                id: 7,
                len: 3,
                in_file: true,
                in_record: false,
            }],
            parts_count: 0,
            tags: vec![("t".into(), "1".into())],
            acl: CannedAcl::PublicReadWrite,
            storage_class: StorageClass::GlacierIr,
            encryption: Encryption {
                algorithm: SseAlgorithm::AwsKmsDsse,
                kms_key_id: Some("arn:aws:kms:us-east-1:1:key/k".into()),
                bucket_key_enabled: true,
            },
            restore_expiry_ms: Some(1_800_000_000_000),
        }
    }

    #[test]
    fn object_meta_round_trips_through_json() {
        let meta = full_meta();
        let bytes = encode(&meta).expect("encodes");
        let back: ObjectMeta = decode(&bytes).expect("decodes");
        assert_eq!(back, meta);
    }

    fn meta_with_record_data(len: u64) -> ObjectMeta {
        ObjectMeta {
            size: len,
            etag: "e".into(),
            last_modified_ms: 1,
            headers: ContentHeaders::default(),
            user_metadata: vec![],
            checksum: None,
            segments: vec![Segment {
                id: 9,
                len,
                in_file: false,
                in_record: true,
            }],
            parts_count: 0,
            tags: vec![],
            acl: CannedAcl::Private,
            storage_class: StorageClass::Standard,
            encryption: Encryption::default(),
            restore_expiry_ms: None,
        }
    }

    #[test]
    fn an_object_record_carries_its_data_after_the_metadata() {
        let meta = meta_with_record_data(5);
        let record = encode_object(&meta, b"{body").expect("encodes");
        assert_eq!(record[0], RECORD_BINARY);
        let (back, data) = decode_object(&record).expect("decodes");
        assert_eq!(back, meta);
        assert_eq!(&record[data], b"{body");
        // Every field survives, a record without data included.
        let mut full = full_meta();
        let record = encode_object(&full, b"").expect("encodes");
        assert_eq!(
            decode_object(&record).expect("decodes"),
            (full.clone(), record.len()..record.len())
        );
        full.acl = CannedAcl::LogDeliveryWrite;
        full.checksum = None;
        let record = encode_object(&full, b"").expect("encodes");
        assert_eq!(decode_object(&record).expect("decodes").0, full);
    }

    #[test]
    fn records_written_by_earlier_versions_still_read() {
        // Bare JSON, from before data could live in records.
        let old = br#"{"size":0,"etag":"x","last_modified_ms":0,"segments":[{"id":1,"len":0,"in_file":false}]}"#;
        let (old_meta, data) = decode_object(old).expect("decodes");
        assert!(old_meta.segments[0].stored_apart());
        assert_eq!(old_meta.etag, "x");
        assert!(data.is_empty());
        // Tag 0: JSON metadata with its length, then the data.
        let meta = meta_with_record_data(4);
        let json = encode(&meta).expect("encodes");
        let mut tagged = vec![RECORD_JSON_WITH_DATA];
        tagged.extend_from_slice(&(json.len() as u32).to_be_bytes());
        tagged.extend_from_slice(&json);
        tagged.extend_from_slice(b"data");
        let (back, data) = decode_object(&tagged).expect("decodes");
        assert_eq!(back, meta);
        assert_eq!(&tagged[data], b"data");
        for cut in 0..tagged.len() {
            assert!(decode_object(&tagged[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge_len = tagged;
        huge_len[1..5].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode_object(&huge_len).is_err());
    }

    #[test]
    fn tag_one_records_read_as_standard_sse_s3_objects() {
        let mut expected = meta_with_record_data(4);
        expected.acl = CannedAcl::AuthenticatedRead;
        let v1 = ObjectMetaV1 {
            size: 4,
            etag: expected.etag.clone(),
            last_modified_ms: expected.last_modified_ms,
            headers: ContentHeaders::default(),
            user_metadata: vec![],
            checksum: None,
            segments: expected.segments.clone(),
            parts_count: 0,
            tags: vec![],
            acl: CannedAcl::AuthenticatedRead,
        };
        let mut record = vec![RECORD_BINARY_V1];
        let mut record = postcard::to_extend(&v1, std::mem::take(&mut record)).expect("encodes");
        record.extend_from_slice(b"data");
        let (back, data) = decode_object(&record).expect("decodes");
        assert_eq!(back, expected);
        assert_eq!(&record[data], b"data");
        // The same record under today's tag would take the data's bytes for the new fields.
        record[0] = RECORD_BINARY;
        assert!(decode_object(&record).is_err());
    }

    #[test]
    fn tag_two_records_keep_their_class_and_encryption_and_have_no_restore() {
        let mut expected = full_meta();
        expected.restore_expiry_ms = None;
        // A tag-2 record is tag 3's encoding without the trailing restore field.
        let current = encode_object(&expected, b"").expect("encodes");
        assert_eq!(current.last(), Some(&0), "None is one zero byte at the end");
        let mut tag_two = current[..current.len() - 1].to_vec();
        tag_two[0] = RECORD_BINARY_V2;
        let (back, data) = decode_object(&tag_two).expect("decodes");
        assert_eq!(back, expected);
        assert!(data.is_empty());
        for cut in 1..tag_two.len() {
            assert!(decode_object(&tag_two[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn a_restored_copy_is_readable_until_its_expiry_only() {
        let mut meta = full_meta();
        meta.storage_class = StorageClass::Glacier;
        meta.restore_expiry_ms = Some(1_000);
        assert_eq!(meta.restored_until(999), Some(1_000));
        assert_eq!(meta.restored_until(1_000), None, "expired at its expiry");
        meta.storage_class = StorageClass::GlacierIr;
        assert_eq!(meta.restored_until(999), None, "not an archived class");
        meta.storage_class = StorageClass::Glacier;
        meta.restore_expiry_ms = None;
        assert_eq!(meta.restored_until(0), None);
    }

    #[test]
    fn storage_class_and_sse_names_round_trip() {
        assert_eq!(StorageClass::GlacierIr.name(), "GLACIER_IR");
        assert_eq!(
            StorageClass::from_name("INTELLIGENT_TIERING"),
            Some(StorageClass::IntelligentTiering)
        );
        assert_eq!(SseAlgorithm::AwsKmsDsse.name(), "aws:kms:dsse");
        for class in StorageClass::ALL {
            assert_eq!(StorageClass::from_name(class.name()), Some(class));
        }
        for algorithm in SseAlgorithm::ALL {
            assert_eq!(SseAlgorithm::from_name(algorithm.name()), Some(algorithm));
        }
        for refused in ["standard", "OUTPOSTS", "EXPRESS_ONEZONE", "SNOW", ""] {
            assert_eq!(StorageClass::from_name(refused), None, "{refused}");
        }
        for refused in ["aes256", "aws:fsx", "AES128", ""] {
            assert_eq!(SseAlgorithm::from_name(refused), None, "{refused}");
        }
        assert!(!SseAlgorithm::Aes256.uses_kms());
        assert!(SseAlgorithm::AwsKmsDsse.uses_kms());
    }

    #[test]
    fn a_damaged_object_record_is_an_error_not_a_panic() {
        let meta = meta_with_record_data(4);
        let record = encode_object(&meta, b"data").expect("encodes");
        for cut in 0..record.len() {
            assert!(decode_object(&record[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = record.clone();
        longer.push(b'!');
        assert!(
            decode_object(&longer).is_err(),
            "data longer than its segment"
        );
        let mut unknown_tag = record;
        unknown_tag[0] = 7;
        assert!(decode_object(&unknown_tag).is_err());
    }
}
