//! The S3 wire format for bodies: a small XML writer for responses and serde shapes for request bodies.
//!
//! Element names are AWS's own (S3 API reference); golden tests compare exact strings.

use crate::error::S3Error;
use crate::s3_error;
use quick_xml::escape::escape;
use serde::Deserialize;

/// The namespace S3 puts on every result document.
pub const S3_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// The namespace of STS answers (API version 2011-06-15).
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Builds an XML document into a string, escaping all text.
pub struct XmlWriter {
    out: String,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlWriter {
    pub fn new() -> Self {
        XmlWriter {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        }
    }

    /// Opens the root element of a result document with S3's namespace.
    pub fn open_root(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        self.out.push_str(S3_NAMESPACE);
        self.out.push_str("\">");
    }

    /// Opens a root element in another namespace than S3's (STS answers).
    pub fn open_namespaced(&mut self, name: &str, namespace: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        self.out.push_str(namespace);
        self.out.push_str("\">");
    }

    /// A root element with S3's namespace and no content: `<name xmlns="..."/>`.
    pub fn empty_root(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        self.out.push_str(S3_NAMESPACE);
        self.out.push_str("\"/>");
    }

    pub fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name>text</name>`, text escaped.
    pub fn text_element(&mut self, name: &str, text: &str) {
        self.open(name);
        self.out.push_str(&escape(text));
        self.close(name);
    }

    /// `<name>text</name>` only when there is a value.
    pub fn optional_element(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text_element(name, text);
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A document shape `parse` reads, named by its root element.
pub trait Document: for<'de> Deserialize<'de> {
    const ROOT: &'static str;
}

/// Parses a request body into one of the serde shapes below, answering `MalformedXML` on failure,
/// a root element other than the shape's included (serde alone would take any root).
pub fn parse<T: Document>(body: &[u8]) -> Result<T, S3Error> {
    let text = std::str::from_utf8(body).map_err(|_| s3_error!(MalformedXML))?;
    if root_element(text).as_deref() != Some(T::ROOT) {
        return Err(s3_error!(MalformedXML));
    }
    quick_xml::de::from_str(text).map_err(|e| {
        tracing::debug!(error = %e, "malformed XML body");
        s3_error!(MalformedXML)
    })
}

/// The local name of a document's first element, if it has one.
fn root_element(text: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => {
                return std::str::from_utf8(e.local_name().as_ref())
                    .ok()
                    .map(str::to_string)
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// An S3 `<Error>` document as a client reads it (`minis3 admin` reporting a refusal).
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorDocument {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

impl Document for ErrorDocument {
    const ROOT: &'static str = "Error";
}

/// `CreateBucketConfiguration` body of CreateBucket.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct CreateBucketConfiguration {
    pub location_constraint: Option<String>,
}

impl Document for CreateBucketConfiguration {
    const ROOT: &'static str = "CreateBucketConfiguration";
}

/// `Delete` body of DeleteObjects.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Delete {
    #[serde(default)]
    pub quiet: Option<bool>,
    #[serde(default, rename = "Object")]
    pub objects: Vec<ObjectIdentifier>,
}

impl Document for Delete {
    const ROOT: &'static str = "Delete";
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ObjectIdentifier {
    pub key: String,
    pub version_id: Option<String>,
}

/// `Tagging` body of PutObjectTagging / PutBucketTagging.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tagging {
    pub tag_set: TagSet,
}

impl Document for Tagging {
    const ROOT: &'static str = "Tagging";
}

#[derive(Debug, Deserialize)]
pub struct TagSet {
    #[serde(default, rename = "Tag")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// `LifecycleConfiguration` body of PutBucketLifecycleConfiguration. Numbers are read as text
/// so that a negative or non-integer one is S3's InvalidArgument, not MalformedXML.
#[derive(Debug, Deserialize)]
pub struct LifecycleConfigurationBody {
    #[serde(default, rename = "Rule")]
    pub rules: Vec<LifecycleRuleBody>,
}

impl Document for LifecycleConfigurationBody {
    const ROOT: &'static str = "LifecycleConfiguration";
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRuleBody {
    #[serde(rename = "ID")]
    pub id: Option<String>,
    pub status: Option<String>,
    /// The legacy filter, directly in the rule.
    pub prefix: Option<String>,
    pub filter: Option<LifecycleFilterBody>,
    pub expiration: Option<LifecycleExpirationBody>,
    #[serde(default, rename = "Transition")]
    pub transitions: Vec<LifecycleTransitionBody>,
    pub noncurrent_version_expiration: Option<NoncurrentExpirationBody>,
    #[serde(default, rename = "NoncurrentVersionTransition")]
    pub noncurrent_version_transitions: Vec<NoncurrentTransitionBody>,
    pub abort_incomplete_multipart_upload: Option<AbortIncompleteBody>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleFilterBody {
    pub prefix: Option<String>,
    pub tag: Option<LifecycleTagBody>,
    pub object_size_greater_than: Option<String>,
    pub object_size_less_than: Option<String>,
    pub and: Option<LifecycleAndBody>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleAndBody {
    pub prefix: Option<String>,
    #[serde(default, rename = "Tag")]
    pub tags: Vec<LifecycleTagBody>,
    pub object_size_greater_than: Option<String>,
    pub object_size_less_than: Option<String>,
}

/// A filter's tag: S3 takes one without a Value.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleTagBody {
    pub key: String,
    pub value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleExpirationBody {
    pub days: Option<String>,
    pub date: Option<String>,
    pub expired_object_delete_marker: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleTransitionBody {
    pub days: Option<String>,
    pub date: Option<String>,
    pub storage_class: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoncurrentExpirationBody {
    pub noncurrent_days: Option<String>,
    pub newer_noncurrent_versions: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoncurrentTransitionBody {
    pub noncurrent_days: Option<String>,
    pub newer_noncurrent_versions: Option<String>,
    pub storage_class: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortIncompleteBody {
    pub days_after_initiation: Option<String>,
}

// ---- response documents ----

/// The bucket owner as S3 shows it.
pub struct Owner<'a> {
    pub id: &'a str,
    pub display_name: &'a str,
}

impl XmlWriter {
    fn owner(&mut self, element: &str, owner: &Owner<'_>) {
        self.open(element);
        self.text_element("ID", owner.id);
        self.text_element("DisplayName", owner.display_name);
        self.close(element);
    }
}

pub struct BucketEntry<'a> {
    pub name: &'a str,
    pub creation_date: &'a str,
    pub region: &'a str,
}

/// ListBuckets.
pub fn list_all_my_buckets_result(
    owner: &Owner<'_>,
    buckets: &[BucketEntry<'_>],
    prefix: Option<&str>,
    continuation_token: Option<&str>,
) -> String {
    let mut w = XmlWriter::new();
    w.open_root("ListAllMyBucketsResult");
    w.owner("Owner", owner);
    w.open("Buckets");
    for b in buckets {
        w.open("Bucket");
        w.text_element("Name", b.name);
        w.text_element("CreationDate", b.creation_date);
        w.text_element("BucketRegion", b.region);
        w.close("Bucket");
    }
    w.close("Buckets");
    w.optional_element("ContinuationToken", continuation_token);
    w.optional_element("Prefix", prefix);
    w.close("ListAllMyBucketsResult");
    w.finish()
}

/// GetBucketLocation: empty for us-east-1, as S3 answers.
pub fn location_constraint(region: &str) -> String {
    let mut w = XmlWriter::new();
    if region.is_empty() || region == "us-east-1" {
        w.empty_root("LocationConstraint");
    } else {
        w.open_root("LocationConstraint");
        w.out.push_str(&escape(region));
        w.close("LocationConstraint");
    }
    w.finish()
}

/// GetBucketVersioning of a bucket that never had versioning: an empty configuration.
pub fn versioning_configuration() -> String {
    let mut w = XmlWriter::new();
    w.empty_root("VersioningConfiguration");
    w.finish()
}

/// GetBucketLifecycleConfiguration: the rules as they were put (IDs S3 made up included).
pub fn lifecycle_configuration(lifecycle: &crate::storage::lifecycle::Lifecycle) -> String {
    use crate::storage::lifecycle::{Expiration, RuleFilter, When};
    let mut w = XmlWriter::new();
    w.open_root("LifecycleConfiguration");
    let when = |w: &mut XmlWriter, when: When| match when {
        When::Days(days) => w.text_element("Days", &days.to_string()),
        When::Date(secs) => w.text_element("Date", &crate::timefmt::iso8601_ms(secs * 1000)),
    };
    let tag = |w: &mut XmlWriter, (key, value): &(String, String)| {
        w.open("Tag");
        w.text_element("Key", key);
        w.text_element("Value", value);
        w.close("Tag");
    };
    for rule in &lifecycle.rules {
        w.open("Rule");
        w.text_element("ID", &rule.id);
        match &rule.filter {
            RuleFilter::LegacyPrefix(prefix) => w.text_element("Prefix", prefix),
            filter => {
                w.open("Filter");
                match filter {
                    RuleFilter::Prefix(prefix) => w.text_element("Prefix", prefix),
                    RuleFilter::Tag(pair) => tag(&mut w, pair),
                    RuleFilter::SizeGreaterThan(n) => {
                        w.text_element("ObjectSizeGreaterThan", &n.to_string())
                    }
                    RuleFilter::SizeLessThan(n) => {
                        w.text_element("ObjectSizeLessThan", &n.to_string())
                    }
                    RuleFilter::And {
                        prefix,
                        tags,
                        size_greater_than,
                        size_less_than,
                    } => {
                        w.open("And");
                        w.optional_element("Prefix", prefix.as_deref());
                        for pair in tags {
                            tag(&mut w, pair);
                        }
                        let greater = size_greater_than.map(|n| n.to_string());
                        w.optional_element("ObjectSizeGreaterThan", greater.as_deref());
                        let less = size_less_than.map(|n| n.to_string());
                        w.optional_element("ObjectSizeLessThan", less.as_deref());
                        w.close("And");
                    }
                    RuleFilter::Everything | RuleFilter::LegacyPrefix(_) => {}
                }
                w.close("Filter");
            }
        }
        w.text_element("Status", if rule.enabled { "Enabled" } else { "Disabled" });
        for t in &rule.transitions {
            w.open("Transition");
            when(&mut w, t.when);
            w.text_element("StorageClass", t.storage_class.name());
            w.close("Transition");
        }
        match rule.expiration {
            Some(Expiration::At(at)) => {
                w.open("Expiration");
                when(&mut w, at);
                w.close("Expiration");
            }
            Some(Expiration::ExpiredObjectDeleteMarker(marker)) => {
                w.open("Expiration");
                w.bool_element("ExpiredObjectDeleteMarker", marker);
                w.close("Expiration");
            }
            None => {}
        }
        for t in &rule.noncurrent_transitions {
            w.open("NoncurrentVersionTransition");
            w.text_element("NoncurrentDays", &t.noncurrent_days.to_string());
            let newer = t.newer_noncurrent_versions.map(|n| n.to_string());
            w.optional_element("NewerNoncurrentVersions", newer.as_deref());
            w.text_element("StorageClass", t.storage_class.name());
            w.close("NoncurrentVersionTransition");
        }
        if let Some(e) = rule.noncurrent_expiration {
            w.open("NoncurrentVersionExpiration");
            w.text_element("NoncurrentDays", &e.noncurrent_days.to_string());
            let newer = e.newer_noncurrent_versions.map(|n| n.to_string());
            w.optional_element("NewerNoncurrentVersions", newer.as_deref());
            w.close("NoncurrentVersionExpiration");
        }
        if let Some(days) = rule.abort_incomplete_after_days {
            w.open("AbortIncompleteMultipartUpload");
            w.text_element("DaysAfterInitiation", &days.to_string());
            w.close("AbortIncompleteMultipartUpload");
        }
        w.close("Rule");
    }
    w.close("LifecycleConfiguration");
    w.finish()
}

/// GetBucketPolicyStatus.
pub fn policy_status(is_public: bool) -> String {
    let mut w = XmlWriter::new();
    w.open_root("PolicyStatus");
    w.bool_element("IsPublic", is_public);
    w.close("PolicyStatus");
    w.finish()
}

/// The document S3 sends for a bucket setting every bucket has, left as it starts: transfer
/// acceleration never enabled, the owner paying for requests, no access logging, no
/// notifications.
pub fn default_bucket_setting(root: &str) -> String {
    let mut w = XmlWriter::new();
    if root == "RequestPaymentConfiguration" {
        w.open_root(root);
        w.text_element("Payer", "BucketOwner");
        w.close(root);
    } else {
        w.empty_root(root);
    }
    w.finish()
}

/// One object in a listing. `key` is already URL-encoded when the request asked for it.
pub struct ObjectEntry<'a> {
    pub key: String,
    pub last_modified: String,
    /// ETag without quotes.
    pub etag: &'a str,
    pub size: u64,
    /// The checksum algorithm, and whether the checksum is COMPOSITE rather than FULL_OBJECT.
    pub checksum: Option<(&'a str, bool)>,
    pub owner: Option<&'a Owner<'a>>,
    pub storage_class: &'static str,
    /// When the listing asked for `RestoreStatus`: the expiry (ISO 8601) of a restored copy.
    pub restored_until: Option<String>,
}

impl XmlWriter {
    /// `RestoreStatus` of a listed object whose restored copy can be read (minis3 restores at
    /// once, so none is ever in progress).
    fn restore_status(&mut self, restored_until: Option<&str>) {
        if let Some(expiry) = restored_until {
            self.open("RestoreStatus");
            self.bool_element("IsRestoreInProgress", false);
            self.text_element("RestoreExpiryDate", expiry);
            self.close("RestoreStatus");
        }
    }

    /// The fields of `Contents` (or, as a version, of `Version`, which adds its id after the key).
    fn object_fields(&mut self, o: &ObjectEntry<'_>, as_version: bool) {
        self.text_element("Key", &o.key);
        if as_version {
            self.text_element("VersionId", "null");
            self.text_element("IsLatest", "true");
        }
        self.text_element("LastModified", &o.last_modified);
        self.text_element("ETag", &format!("\"{}\"", o.etag));
        if let Some((alg, composite)) = o.checksum {
            self.text_element("ChecksumAlgorithm", alg);
            self.text_element(
                "ChecksumType",
                if composite {
                    "COMPOSITE"
                } else {
                    "FULL_OBJECT"
                },
            );
        }
        self.text_element("Size", &o.size.to_string());
    }

    /// `<name>true</name>` or `<name>false</name>`.
    fn bool_element(&mut self, name: &str, value: bool) {
        self.text_element(name, if value { "true" } else { "false" });
    }

    /// The paging fields every object listing shares, in S3's order.
    fn list_paging(&mut self, list: &ListCommon<'_>) {
        self.text_element("MaxKeys", &list.max_keys.to_string());
        self.optional_element("Delimiter", list.delimiter.as_deref());
        self.optional_element("EncodingType", list.encoding_type);
        self.bool_element("IsTruncated", list.is_truncated);
    }

    fn common_prefixes(&mut self, prefixes: &[String]) {
        for p in prefixes {
            self.open("CommonPrefixes");
            self.text_element("Prefix", p);
            self.close("CommonPrefixes");
        }
    }
}

/// The parts of a listing answer common to ListObjects, ListObjectsV2 and ListObjectVersions.
/// Strings are already URL-encoded when `encoding_type` is set.
pub struct ListCommon<'a> {
    pub bucket: &'a str,
    pub prefix: String,
    pub delimiter: Option<String>,
    pub max_keys: usize,
    pub encoding_type: Option<&'a str>,
    pub is_truncated: bool,
    pub objects: Vec<ObjectEntry<'a>>,
    pub common_prefixes: Vec<String>,
}

/// Which listing flavour, with its own paging fields.
pub enum ListFlavour {
    V1 {
        marker: String,
        next_marker: Option<String>,
    },
    V2 {
        continuation_token: Option<String>,
        next_continuation_token: Option<String>,
        start_after: Option<String>,
    },
}

/// ListObjects (V1) and ListObjectsV2: `ListBucketResult`.
pub fn list_bucket_result(list: &ListCommon<'_>, flavour: &ListFlavour) -> String {
    let mut w = XmlWriter::new();
    w.open_root("ListBucketResult");
    w.text_element("Name", list.bucket);
    w.text_element("Prefix", &list.prefix);
    match flavour {
        ListFlavour::V1 {
            marker,
            next_marker,
        } => {
            w.text_element("Marker", marker);
            w.optional_element("NextMarker", next_marker.as_deref());
        }
        ListFlavour::V2 {
            continuation_token,
            next_continuation_token,
            start_after,
        } => {
            w.optional_element("ContinuationToken", continuation_token.as_deref());
            w.optional_element("NextContinuationToken", next_continuation_token.as_deref());
            w.optional_element("StartAfter", start_after.as_deref());
            let count = list.objects.len() + list.common_prefixes.len();
            w.text_element("KeyCount", &count.to_string());
        }
    }
    w.list_paging(list);
    for o in &list.objects {
        w.open("Contents");
        w.object_fields(o, false);
        if let Some(owner) = o.owner {
            w.owner("Owner", owner);
        }
        w.text_element("StorageClass", o.storage_class);
        w.restore_status(o.restored_until.as_deref());
        w.close("Contents");
    }
    w.common_prefixes(&list.common_prefixes);
    w.close("ListBucketResult");
    w.finish()
}

/// ListObjectVersions of an unversioned bucket: every object is its own `null` version.
pub fn list_versions_result(
    list: &ListCommon<'_>,
    key_marker: &str,
    version_id_marker: &str,
    next_key_marker: Option<&str>,
) -> String {
    let mut w = XmlWriter::new();
    w.open_root("ListVersionsResult");
    w.text_element("Name", list.bucket);
    w.text_element("Prefix", &list.prefix);
    w.text_element("KeyMarker", key_marker);
    w.text_element("VersionIdMarker", version_id_marker);
    if let Some(next) = next_key_marker {
        w.text_element("NextKeyMarker", next);
        w.text_element("NextVersionIdMarker", "null");
    }
    w.list_paging(list);
    for o in &list.objects {
        w.open("Version");
        w.object_fields(o, true);
        w.text_element("StorageClass", o.storage_class);
        w.restore_status(o.restored_until.as_deref());
        if let Some(owner) = o.owner {
            w.owner("Owner", owner);
        }
        w.close("Version");
    }
    w.common_prefixes(&list.common_prefixes);
    w.close("ListVersionsResult");
    w.finish()
}

/// The outcome of one key in DeleteObjects.
pub enum DeleteOutcome {
    Deleted {
        key: String,
        version_id: Option<String>,
    },
    Failed {
        key: String,
        version_id: Option<String>,
        code: &'static str,
        message: String,
    },
}

/// DeleteObjects: `DeleteResult`; in quiet mode only the failures.
pub fn delete_result(outcomes: &[DeleteOutcome], quiet: bool) -> String {
    let mut w = XmlWriter::new();
    w.open_root("DeleteResult");
    for outcome in outcomes {
        match outcome {
            DeleteOutcome::Deleted { key, version_id } => {
                if quiet {
                    continue;
                }
                w.open("Deleted");
                w.text_element("Key", key);
                w.optional_element("VersionId", version_id.as_deref());
                w.close("Deleted");
            }
            DeleteOutcome::Failed {
                key,
                version_id,
                code,
                message,
            } => {
                w.open("Error");
                w.text_element("Key", key);
                w.optional_element("VersionId", version_id.as_deref());
                w.text_element("Code", code);
                w.text_element("Message", message);
                w.close("Error");
            }
        }
    }
    w.close("DeleteResult");
    w.finish()
}

/// GetObjectTagging.
pub fn tagging(tags: &[(String, String)]) -> String {
    let mut w = XmlWriter::new();
    w.open_root("Tagging");
    w.open("TagSet");
    for (key, value) in tags {
        w.open("Tag");
        w.text_element("Key", key);
        w.text_element("Value", value);
        w.close("Tag");
    }
    w.close("TagSet");
    w.close("Tagging");
    w.finish()
}

/// What GetObjectAttributes answers: only the attributes asked for are `Some` / `true`.
pub struct ObjectAttributes<'a> {
    /// Unquoted: S3 sends this ETag bare, unlike every header and listing.
    pub etag: Option<&'a str>,
    /// Algorithm (upper case), base64 value, and `COMPOSITE` or `FULL_OBJECT`.
    pub checksum: Option<(&'a str, &'a str, &'a str)>,
    pub parts: Option<AttributeParts>,
    pub storage_class: Option<&'static str>,
    pub size: Option<u64>,
}

/// GetObjectAttributes' `ObjectParts` of a multipart object.
pub struct AttributeParts {
    pub count: u32,
    /// Whether parts are listed at all (S3 lists them only for objects with a checksum).
    pub listed: bool,
    pub part_number_marker: u32,
    pub next_part_number_marker: Option<u32>,
    pub max_parts: u32,
    pub is_truncated: bool,
    /// Part number and size of each part listed.
    pub parts: Vec<(u32, u64)>,
}

/// GetObjectAttributes.
pub fn object_attributes(a: &ObjectAttributes<'_>) -> String {
    let mut w = XmlWriter::new();
    w.open_root("GetObjectAttributesResponse");
    w.optional_element("ETag", a.etag);
    if let Some((algorithm, value, kind)) = a.checksum {
        w.open("Checksum");
        w.text_element(&format!("Checksum{algorithm}"), value);
        w.text_element("ChecksumType", kind);
        w.close("Checksum");
    }
    if let Some(p) = &a.parts {
        w.open("ObjectParts");
        if p.listed {
            w.bool_element("IsTruncated", p.is_truncated);
            w.text_element("MaxParts", &p.max_parts.to_string());
            if let Some(next) = p.next_part_number_marker {
                w.text_element("NextPartNumberMarker", &next.to_string());
            }
            w.text_element("PartNumberMarker", &p.part_number_marker.to_string());
            for (number, size) in &p.parts {
                w.open("Part");
                w.text_element("PartNumber", &number.to_string());
                w.text_element("Size", &size.to_string());
                w.close("Part");
            }
        }
        w.text_element("PartsCount", &p.count.to_string());
        w.close("ObjectParts");
    }
    w.optional_element("StorageClass", a.storage_class);
    if let Some(size) = a.size {
        w.text_element("ObjectSize", &size.to_string());
    }
    w.close("GetObjectAttributesResponse");
    w.finish()
}

/// CopyObject (`CopyObjectResult`) and UploadPartCopy (`CopyPartResult`).
pub fn copy_result(
    root: &str,
    etag: &str,
    last_modified: &str,
    checksum: Option<(&str, &str)>,
) -> String {
    let mut w = XmlWriter::new();
    w.open_root(root);
    w.text_element("ETag", &format!("\"{etag}\""));
    w.text_element("LastModified", last_modified);
    if let Some((algorithm, value)) = checksum {
        w.text_element(&format!("Checksum{algorithm}"), value);
    }
    w.close(root);
    w.finish()
}

/// CreateMultipartUpload.
pub fn initiate_multipart_upload_result(bucket: &str, key: &str, upload_id: &str) -> String {
    let mut w = XmlWriter::new();
    w.open_root("InitiateMultipartUploadResult");
    w.text_element("Bucket", bucket);
    w.text_element("Key", key);
    w.text_element("UploadId", upload_id);
    w.close("InitiateMultipartUploadResult");
    w.finish()
}

/// CompleteMultipartUpload.
pub fn complete_multipart_upload_result(
    location: &str,
    bucket: &str,
    key: &str,
    etag: &str,
    checksum: Option<(&str, &str, &str)>,
) -> String {
    let mut w = XmlWriter::new();
    w.open_root("CompleteMultipartUploadResult");
    w.text_element("Location", location);
    w.text_element("Bucket", bucket);
    w.text_element("Key", key);
    w.text_element("ETag", &format!("\"{etag}\""));
    if let Some((algorithm, value, kind)) = checksum {
        w.text_element(&format!("Checksum{algorithm}"), value);
        w.text_element("ChecksumType", kind);
    }
    w.close("CompleteMultipartUploadResult");
    w.finish()
}

/// PostObject with `success_action_status` 201 (S3 writes this document without a namespace).
pub fn post_response(location: &str, bucket: &str, key: &str, etag: &str) -> String {
    let mut w = XmlWriter::new();
    w.open("PostResponse");
    w.text_element("Location", location);
    w.text_element("Bucket", bucket);
    w.text_element("Key", key);
    w.text_element("ETag", &format!("\"{etag}\""));
    w.close("PostResponse");
    w.finish()
}

/// One part in ListParts.
pub struct PartEntry<'a> {
    pub part_number: u32,
    pub last_modified: String,
    pub etag: &'a str,
    pub size: u64,
    pub checksum: Option<(&'a str, &'a str)>,
}

/// ListParts.
pub struct ListPartsResult<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub upload_id: &'a str,
    pub owner: &'a Owner<'a>,
    pub storage_class: &'static str,
    pub checksum_algorithm: Option<&'a str>,
    pub part_number_marker: u32,
    pub next_part_number_marker: Option<u32>,
    pub max_parts: usize,
    pub is_truncated: bool,
    pub parts: Vec<PartEntry<'a>>,
}

pub fn list_parts_result(r: &ListPartsResult<'_>) -> String {
    let mut w = XmlWriter::new();
    w.open_root("ListPartsResult");
    w.text_element("Bucket", r.bucket);
    w.text_element("Key", r.key);
    w.text_element("UploadId", r.upload_id);
    w.owner("Initiator", r.owner);
    w.owner("Owner", r.owner);
    w.text_element("StorageClass", r.storage_class);
    w.text_element("PartNumberMarker", &r.part_number_marker.to_string());
    if let Some(next) = r.next_part_number_marker {
        w.text_element("NextPartNumberMarker", &next.to_string());
    }
    w.text_element("MaxParts", &r.max_parts.to_string());
    w.bool_element("IsTruncated", r.is_truncated);
    w.optional_element("ChecksumAlgorithm", r.checksum_algorithm);
    for p in &r.parts {
        w.open("Part");
        w.text_element("PartNumber", &p.part_number.to_string());
        w.text_element("LastModified", &p.last_modified);
        w.text_element("ETag", &format!("\"{}\"", p.etag));
        w.text_element("Size", &p.size.to_string());
        if let Some((algorithm, value)) = p.checksum {
            w.text_element(&format!("Checksum{algorithm}"), value);
        }
        w.close("Part");
    }
    w.close("ListPartsResult");
    w.finish()
}

/// One upload in ListMultipartUploads; strings already URL-encoded when asked.
pub struct UploadListing {
    pub key: String,
    pub upload_id: String,
    pub initiated: String,
    pub checksum_algorithm: Option<String>,
    pub storage_class: &'static str,
}

/// ListMultipartUploads.
pub struct ListUploadsResult<'a> {
    pub bucket: &'a str,
    pub key_marker: String,
    pub upload_id_marker: String,
    pub next_key_marker: Option<String>,
    pub next_upload_id_marker: Option<String>,
    pub prefix: String,
    pub delimiter: Option<String>,
    pub max_uploads: usize,
    pub encoding_type: Option<&'a str>,
    pub is_truncated: bool,
    pub owner: &'a Owner<'a>,
    pub uploads: Vec<UploadListing>,
    pub common_prefixes: Vec<String>,
}

pub fn list_multipart_uploads_result(r: &ListUploadsResult<'_>) -> String {
    let mut w = XmlWriter::new();
    w.open_root("ListMultipartUploadsResult");
    w.text_element("Bucket", r.bucket);
    w.text_element("KeyMarker", &r.key_marker);
    w.text_element("UploadIdMarker", &r.upload_id_marker);
    w.optional_element("NextKeyMarker", r.next_key_marker.as_deref());
    w.optional_element("NextUploadIdMarker", r.next_upload_id_marker.as_deref());
    w.text_element("Prefix", &r.prefix);
    w.optional_element("Delimiter", r.delimiter.as_deref());
    w.text_element("MaxUploads", &r.max_uploads.to_string());
    w.optional_element("EncodingType", r.encoding_type);
    w.bool_element("IsTruncated", r.is_truncated);
    for u in &r.uploads {
        w.open("Upload");
        w.text_element("Key", &u.key);
        w.text_element("UploadId", &u.upload_id);
        w.owner("Initiator", r.owner);
        w.owner("Owner", r.owner);
        w.text_element("StorageClass", u.storage_class);
        w.text_element("Initiated", &u.initiated);
        w.optional_element("ChecksumAlgorithm", u.checksum_algorithm.as_deref());
        w.close("Upload");
    }
    w.common_prefixes(&r.common_prefixes);
    w.close("ListMultipartUploadsResult");
    w.finish()
}

/// `CORSConfiguration` body of PutBucketCors.
#[derive(Debug, Deserialize)]
pub struct CorsConfigurationBody {
    #[serde(default, rename = "CORSRule")]
    pub rules: Vec<CorsRuleBody>,
}

impl Document for CorsConfigurationBody {
    const ROOT: &'static str = "CORSConfiguration";
}

#[derive(Debug, Deserialize)]
pub struct CorsRuleBody {
    #[serde(rename = "ID")]
    pub id: Option<String>,
    #[serde(default, rename = "AllowedOrigin")]
    pub allowed_origins: Vec<String>,
    #[serde(default, rename = "AllowedMethod")]
    pub allowed_methods: Vec<String>,
    #[serde(default, rename = "AllowedHeader")]
    pub allowed_headers: Vec<String>,
    #[serde(default, rename = "ExposeHeader")]
    pub expose_headers: Vec<String>,
    #[serde(rename = "MaxAgeSeconds")]
    pub max_age_seconds: Option<u32>,
}

impl CorsConfigurationBody {
    pub fn into_rules(self) -> Vec<crate::storage::CorsRule> {
        self.rules
            .into_iter()
            .map(|r| crate::storage::CorsRule {
                id: r.id,
                allowed_origins: r.allowed_origins,
                allowed_methods: r.allowed_methods,
                allowed_headers: r.allowed_headers,
                expose_headers: r.expose_headers,
                max_age_seconds: r.max_age_seconds,
            })
            .collect()
    }
}

/// `ServerSideEncryptionConfiguration` body of PutBucketEncryption.
#[derive(Debug, Deserialize)]
pub struct EncryptionConfigurationBody {
    #[serde(default, rename = "Rule")]
    pub rules: Vec<EncryptionRuleBody>,
}

impl Document for EncryptionConfigurationBody {
    const ROOT: &'static str = "ServerSideEncryptionConfiguration";
}

#[derive(Debug, Deserialize)]
pub struct EncryptionRuleBody {
    #[serde(rename = "ApplyServerSideEncryptionByDefault")]
    pub apply_by_default: Option<EncryptionByDefaultBody>,
    #[serde(rename = "BucketKeyEnabled")]
    pub bucket_key_enabled: Option<bool>,
    #[serde(rename = "BlockedEncryptionTypes")]
    pub blocked_encryption_types: Option<BlockedEncryptionTypesBody>,
}

#[derive(Debug, Deserialize)]
pub struct BlockedEncryptionTypesBody {
    /// `SSE-C` or `NONE`.
    #[serde(default, rename = "EncryptionType")]
    pub encryption_types: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct EncryptionByDefaultBody {
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: String,
    #[serde(rename = "KMSMasterKeyID")]
    pub kms_master_key_id: Option<String>,
}

/// `PublicAccessBlockConfiguration` body of PutPublicAccessBlock; an element left out is false.
#[derive(Debug, Deserialize)]
pub struct PublicAccessBlockBody {
    #[serde(rename = "BlockPublicAcls")]
    pub block_public_acls: Option<bool>,
    #[serde(rename = "IgnorePublicAcls")]
    pub ignore_public_acls: Option<bool>,
    #[serde(rename = "BlockPublicPolicy")]
    pub block_public_policy: Option<bool>,
    #[serde(rename = "RestrictPublicBuckets")]
    pub restrict_public_buckets: Option<bool>,
}

impl Document for PublicAccessBlockBody {
    const ROOT: &'static str = "PublicAccessBlockConfiguration";
}

impl PublicAccessBlockBody {
    /// Whether the document names none of the four settings.
    pub fn is_empty(&self) -> bool {
        self.block_public_acls.is_none()
            && self.ignore_public_acls.is_none()
            && self.block_public_policy.is_none()
            && self.restrict_public_buckets.is_none()
    }

    pub fn into_settings(self) -> crate::storage::PublicAccessBlock {
        crate::storage::PublicAccessBlock {
            block_public_acls: self.block_public_acls.unwrap_or(false),
            ignore_public_acls: self.ignore_public_acls.unwrap_or(false),
            block_public_policy: self.block_public_policy.unwrap_or(false),
            restrict_public_buckets: self.restrict_public_buckets.unwrap_or(false),
        }
    }
}

/// `RestoreRequest` body of RestoreObject.
#[derive(Debug, Deserialize)]
pub struct RestoreRequestBody {
    #[serde(rename = "Days")]
    pub days: Option<u32>,
    #[serde(rename = "GlacierJobParameters")]
    pub job: Option<GlacierJobParametersBody>,
    /// `SELECT` asks for a query over the archive, which minis3 does not run.
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    /// The tier of a `SELECT` request; beside `Days` S3 finds the document malformed.
    #[serde(rename = "Tier")]
    pub select_tier: Option<String>,
}

impl Document for RestoreRequestBody {
    const ROOT: &'static str = "RestoreRequest";
}

#[derive(Debug, Deserialize)]
pub struct GlacierJobParametersBody {
    #[serde(rename = "Tier")]
    pub tier: String,
}

/// `OwnershipControls` body of PutBucketOwnershipControls.
#[derive(Debug, Deserialize)]
pub struct OwnershipControlsBody {
    #[serde(default, rename = "Rule")]
    pub rules: Vec<OwnershipRuleBody>,
}

impl Document for OwnershipControlsBody {
    const ROOT: &'static str = "OwnershipControls";
}

#[derive(Debug, Deserialize)]
pub struct OwnershipRuleBody {
    #[serde(rename = "ObjectOwnership")]
    pub object_ownership: String,
}

/// GetBucketOwnershipControls: the bucket's one rule.
pub fn ownership_controls(object_ownership: &str) -> String {
    let mut w = XmlWriter::new();
    w.open_root("OwnershipControls");
    w.open("Rule");
    w.text_element("ObjectOwnership", object_ownership);
    w.close("Rule");
    w.close("OwnershipControls");
    w.finish()
}

/// GetPublicAccessBlock.
pub fn public_access_block(settings: &crate::storage::PublicAccessBlock) -> String {
    let mut w = XmlWriter::new();
    w.open_root("PublicAccessBlockConfiguration");
    w.bool_element("BlockPublicAcls", settings.block_public_acls);
    w.bool_element("IgnorePublicAcls", settings.ignore_public_acls);
    w.bool_element("BlockPublicPolicy", settings.block_public_policy);
    w.bool_element("RestrictPublicBuckets", settings.restrict_public_buckets);
    w.close("PublicAccessBlockConfiguration");
    w.finish()
}

/// GetBucketEncryption: the bucket's one rule, with whether SSE-C writes are blocked.
pub fn encryption_configuration(
    encryption: &crate::storage::Encryption,
    sse_c_allowed: bool,
) -> String {
    let mut w = XmlWriter::new();
    w.open_root("ServerSideEncryptionConfiguration");
    w.open("Rule");
    w.open("ApplyServerSideEncryptionByDefault");
    w.text_element("SSEAlgorithm", encryption.algorithm.name());
    w.optional_element("KMSMasterKeyID", encryption.kms_key_id.as_deref());
    w.close("ApplyServerSideEncryptionByDefault");
    w.bool_element("BucketKeyEnabled", encryption.bucket_key_enabled);
    w.open("BlockedEncryptionTypes");
    w.text_element(
        "EncryptionType",
        if sse_c_allowed { "NONE" } else { "SSE-C" },
    );
    w.close("BlockedEncryptionTypes");
    w.close("Rule");
    w.close("ServerSideEncryptionConfiguration");
    w.finish()
}

/// GetBucketCors: the rules as they were put.
pub fn cors_configuration(rules: &[crate::storage::CorsRule]) -> String {
    let mut w = XmlWriter::new();
    w.open_root("CORSConfiguration");
    for rule in rules {
        w.open("CORSRule");
        w.optional_element("ID", rule.id.as_deref());
        for (name, values) in [
            ("AllowedHeader", &rule.allowed_headers),
            ("AllowedMethod", &rule.allowed_methods),
            ("AllowedOrigin", &rule.allowed_origins),
            ("ExposeHeader", &rule.expose_headers),
        ] {
            for value in values {
                w.text_element(name, value);
            }
        }
        if let Some(age) = rule.max_age_seconds {
            w.text_element("MaxAgeSeconds", &age.to_string());
        }
        w.close("CORSRule");
    }
    w.close("CORSConfiguration");
    w.finish()
}

/// Who a grant is for.
pub enum Grantee<'a> {
    CanonicalUser(&'a Owner<'a>),
    /// A predefined group, by URI.
    Group(&'a str),
}

pub struct Grant<'a> {
    pub grantee: Grantee<'a>,
    /// `FULL_CONTROL`, `READ`, `WRITE`, `READ_ACP` or `WRITE_ACP`.
    pub permission: &'a str,
}

/// GetBucketAcl / GetObjectAcl.
pub fn access_control_policy(owner: &Owner<'_>, grants: &[Grant<'_>]) -> String {
    let mut w = XmlWriter::new();
    w.open_root("AccessControlPolicy");
    w.owner("Owner", owner);
    w.open("AccessControlList");
    for grant in grants {
        w.open("Grant");
        match &grant.grantee {
            Grantee::CanonicalUser(user) => {
                w.out.push_str(
                    "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                     xsi:type=\"CanonicalUser\">",
                );
                w.text_element("ID", user.id);
                w.text_element("DisplayName", user.display_name);
            }
            Grantee::Group(uri) => {
                w.out.push_str(
                    "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                     xsi:type=\"Group\">",
                );
                w.text_element("URI", uri);
            }
        }
        w.close("Grantee");
        w.text_element("Permission", grant.permission);
        w.close("Grant");
    }
    w.close("AccessControlList");
    w.close("AccessControlPolicy");
    w.finish()
}

/// `AccessControlPolicy` body of PutBucketAcl / PutObjectAcl.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessControlPolicyBody {
    pub access_control_list: AccessControlListBody,
}

impl Document for AccessControlPolicyBody {
    const ROOT: &'static str = "AccessControlPolicy";
}

#[derive(Debug, Deserialize)]
pub struct AccessControlListBody {
    #[serde(default, rename = "Grant")]
    pub grants: Vec<GrantBody>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GrantBody {
    pub grantee: GranteeBody,
    pub permission: String,
}

/// A grantee as sent: a canonical user (`ID`), a group (`URI`) or an e-mail address.
#[derive(Debug, Deserialize)]
pub struct GranteeBody {
    #[serde(rename = "ID")]
    pub id: Option<String>,
    #[serde(rename = "URI")]
    pub uri: Option<String>,
    #[serde(rename = "EmailAddress")]
    pub email_address: Option<String>,
}

/// `CompleteMultipartUpload` body.
#[derive(Debug, Deserialize)]
pub struct CompleteMultipartUpload {
    #[serde(default, rename = "Part")]
    pub parts: Vec<CompletedPart>,
}

impl Document for CompleteMultipartUpload {
    const ROOT: &'static str = "CompleteMultipartUpload";
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompletedPart {
    pub part_number: u32,
    #[serde(rename = "ETag")]
    pub etag: String,
    #[serde(rename = "ChecksumCRC32")]
    pub checksum_crc32: Option<String>,
    #[serde(rename = "ChecksumCRC32C")]
    pub checksum_crc32c: Option<String>,
    #[serde(rename = "ChecksumCRC64NVME")]
    pub checksum_crc64nvme: Option<String>,
    #[serde(rename = "ChecksumSHA1")]
    pub checksum_sha1: Option<String>,
    #[serde(rename = "ChecksumSHA256")]
    pub checksum_sha256: Option<String>,
}

impl CompletedPart {
    /// The checksum the client states for this part under `algorithm` (`CRC32`, ...).
    pub fn checksum(&self, algorithm: &str) -> Option<&str> {
        match algorithm {
            "CRC32" => self.checksum_crc32.as_deref(),
            "CRC32C" => self.checksum_crc32c.as_deref(),
            "CRC64NVME" => self.checksum_crc64nvme.as_deref(),
            "SHA1" => self.checksum_sha1.as_deref(),
            "SHA256" => self.checksum_sha256.as_deref(),
            _ => None,
        }
    }
}

/// Temporary credentials as STS returns them.
pub struct StsCredentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: &'a str,
    /// ISO 8601, e.g. `2026-03-04T17:06:07Z`.
    pub expiration: &'a str,
}

/// Who an `AssumeRole` session acts as: `AROA...:session` and the assumed-role ARN.
pub struct AssumedRoleUser<'a> {
    pub assumed_role_id: &'a str,
    pub arn: &'a str,
}

impl XmlWriter {
    fn sts_credentials(&mut self, c: &StsCredentials<'_>) {
        self.open("Credentials");
        self.text_element("AccessKeyId", c.access_key_id);
        self.text_element("SecretAccessKey", c.secret_access_key);
        self.text_element("SessionToken", c.session_token);
        self.text_element("Expiration", c.expiration);
        self.close("Credentials");
    }

    fn sts_response_metadata(&mut self, request_id: &str) {
        self.open("ResponseMetadata");
        self.text_element("RequestId", request_id);
        self.close("ResponseMetadata");
    }
}

/// `GetSessionTokenResponse` (STS API reference, GetSessionToken).
pub fn get_session_token_response(credentials: &StsCredentials<'_>, request_id: &str) -> String {
    let mut w = XmlWriter::new();
    w.open_namespaced("GetSessionTokenResponse", STS_NAMESPACE);
    w.open("GetSessionTokenResult");
    w.sts_credentials(credentials);
    w.close("GetSessionTokenResult");
    w.sts_response_metadata(request_id);
    w.close("GetSessionTokenResponse");
    w.finish()
}

/// `AssumeRoleResponse` (STS API reference, AssumeRole).
pub fn assume_role_response(
    credentials: &StsCredentials<'_>,
    user: &AssumedRoleUser<'_>,
    request_id: &str,
) -> String {
    let mut w = XmlWriter::new();
    w.open_namespaced("AssumeRoleResponse", STS_NAMESPACE);
    w.open("AssumeRoleResult");
    w.sts_credentials(credentials);
    w.open("AssumedRoleUser");
    w.text_element("AssumedRoleId", user.assumed_role_id);
    w.text_element("Arn", user.arn);
    w.close("AssumedRoleUser");
    w.close("AssumeRoleResult");
    w.sts_response_metadata(request_id);
    w.close("AssumeRoleResponse");
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_escapes_text_and_adds_namespace() {
        let mut w = XmlWriter::new();
        w.open_root("ListBucketResult");
        w.text_element("Name", "a<b>&\"c\"");
        w.optional_element("Prefix", None);
        w.close("ListBucketResult");
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult \
             xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>a&lt;b&gt;&amp;&quot;c&quot;</Name>\
             </ListBucketResult>"
        );
    }

    #[test]
    fn cors_configurations_round_trip() {
        let body = br#"<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
            <CORSRule><ID>upload</ID><AllowedOrigin>http://*.example.com</AllowedOrigin>
            <AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod>
            <AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>
            <MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>
            <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>
            </CORSConfiguration>"#;
        let parsed: CorsConfigurationBody = parse(body).expect("parses");
        let rules = parsed.into_rules();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].allowed_methods, ["PUT", "POST"]);
        assert_eq!(rules[0].max_age_seconds, Some(3000));
        assert_eq!(rules[1].id, None);
        assert!(rules[1].allowed_headers.is_empty());
        assert_eq!(
            cors_configuration(&rules),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CORSConfiguration \
             xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><CORSRule><ID>upload</ID>\
             <AllowedHeader>*</AllowedHeader><AllowedMethod>PUT</AllowedMethod>\
             <AllowedMethod>POST</AllowedMethod><AllowedOrigin>http://*.example.com</AllowedOrigin>\
             <ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>\
             <CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>\
             </CORSRule></CORSConfiguration>"
        );
        let bad_age = b"<CORSConfiguration><CORSRule><MaxAgeSeconds>x</MaxAgeSeconds></CORSRule></CORSConfiguration>";
        assert!(parse::<CorsConfigurationBody>(bad_age).is_err());
    }

    #[test]
    fn encryption_configuration_reads_and_writes() {
        let body =
            br#"<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
            <Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>
            <KMSMasterKeyID>arn:aws:kms:us-east-1:1:key/k</KMSMasterKeyID>
            </ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule>
            </ServerSideEncryptionConfiguration>"#;
        let parsed: EncryptionConfigurationBody = parse(body).expect("parses");
        let [rule] = &parsed.rules[..] else {
            panic!("one rule: {parsed:?}")
        };
        let by_default = rule.apply_by_default.as_ref().expect("default");
        assert_eq!(by_default.sse_algorithm, "aws:kms");
        assert_eq!(
            by_default.kms_master_key_id.as_deref(),
            Some("arn:aws:kms:us-east-1:1:key/k")
        );
        assert_eq!(rule.bucket_key_enabled, Some(true));
        assert!(rule.blocked_encryption_types.is_none());
        let blocked = b"<ServerSideEncryptionConfiguration><Rule><BlockedEncryptionTypes>\
            <EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule>\
            </ServerSideEncryptionConfiguration>";
        let parsed: EncryptionConfigurationBody = parse(blocked).expect("parses");
        let types = &parsed.rules[0]
            .blocked_encryption_types
            .as_ref()
            .expect("some");
        assert_eq!(types.encryption_types, ["SSE-C"]);
        let bad_flag = b"<ServerSideEncryptionConfiguration><Rule><BucketKeyEnabled>yes\
            </BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>";
        assert!(parse::<EncryptionConfigurationBody>(bad_flag).is_err());

        let encryption = crate::storage::Encryption {
            algorithm: crate::storage::SseAlgorithm::AwsKms,
            kms_key_id: Some("k&1".into()),
            bucket_key_enabled: true,
        };
        assert_eq!(
            encryption_configuration(&encryption, true),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServerSideEncryptionConfiguration \
             xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>\
             <ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>\
             <KMSMasterKeyID>k&amp;1</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>\
             <BucketKeyEnabled>true</BucketKeyEnabled><BlockedEncryptionTypes>\
             <EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes></Rule>\
             </ServerSideEncryptionConfiguration>"
        );
        assert!(
            encryption_configuration(&Default::default(), false).contains(
                "<BucketKeyEnabled>false</BucketKeyEnabled><BlockedEncryptionTypes>\
             <EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes>"
            )
        );
    }

    #[test]
    fn object_attributes_carry_only_what_was_asked() {
        let only_size = ObjectAttributes {
            etag: None,
            checksum: None,
            parts: None,
            storage_class: None,
            size: Some(5),
        };
        assert_eq!(
            object_attributes(&only_size),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GetObjectAttributesResponse \
             xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><ObjectSize>5</ObjectSize>\
             </GetObjectAttributesResponse>"
        );
        let parts = |listed: bool| AttributeParts {
            count: 3,
            listed,
            part_number_marker: 1,
            next_part_number_marker: Some(2),
            max_parts: 1,
            is_truncated: true,
            parts: vec![(2, 7)],
        };
        let everything = ObjectAttributes {
            etag: Some("abc-3"),
            checksum: Some(("CRC32", "AAAAAA==", "COMPOSITE")),
            parts: Some(parts(true)),
            storage_class: Some("STANDARD"),
            size: Some(12),
        };
        let doc = object_attributes(&everything);
        assert!(
            doc.contains(
                "<ETag>abc-3</ETag><Checksum><ChecksumCRC32>AAAAAA==</ChecksumCRC32>\
                 <ChecksumType>COMPOSITE</ChecksumType></Checksum><ObjectParts>\
                 <IsTruncated>true</IsTruncated><MaxParts>1</MaxParts>\
                 <NextPartNumberMarker>2</NextPartNumberMarker><PartNumberMarker>1</PartNumberMarker>\
                 <Part><PartNumber>2</PartNumber><Size>7</Size></Part><PartsCount>3</PartsCount>\
                 </ObjectParts><StorageClass>STANDARD</StorageClass><ObjectSize>12</ObjectSize>"
            ),
            "{doc}"
        );
        let unlisted = ObjectAttributes {
            parts: Some(parts(false)),
            ..everything
        };
        assert!(object_attributes(&unlisted)
            .contains("<ObjectParts><PartsCount>3</PartsCount></ObjectParts>"));
    }

    #[test]
    fn post_response_names_the_stored_object() {
        assert_eq!(
            post_response("http://h/b/a%20b", "b", "a b&c", "0123"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse>\
             <Location>http://h/b/a%20b</Location><Bucket>b</Bucket><Key>a b&amp;c</Key>\
             <ETag>&quot;0123&quot;</ETag></PostResponse>"
        );
    }

    #[test]
    fn parses_delete_with_namespace_and_quiet() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a &amp; b</Key></Object>
<Object><Key>c</Key><VersionId>null</VersionId></Object><Quiet>true</Quiet></Delete>"#;
        let delete: Delete = parse(body).expect("parses");
        assert_eq!(delete.quiet, Some(true));
        assert_eq!(delete.objects.len(), 2);
        assert_eq!(delete.objects[0].key, "a & b");
        assert_eq!(delete.objects[1].version_id.as_deref(), Some("null"));
    }

    #[test]
    fn delete_keys_keep_their_whitespace() {
        let body = b"<Delete><Object><Key> spaced </Key></Object></Delete>";
        let delete: Delete = parse(body).expect("parses");
        assert_eq!(delete.objects[0].key, " spaced ");
    }

    #[test]
    fn parses_create_bucket_configuration() {
        let body = b"<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                     <LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>";
        let cfg: CreateBucketConfiguration = parse(body).expect("parses");
        assert_eq!(cfg.location_constraint.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn rejects_garbage_as_malformed_xml() {
        // Any other root is refused, not read as if it were the expected one.
        for body in [
            &b"<Tagging><Object><Key>a</Key></Object></Tagging>"[..],
            b"<?xml version=\"1.0\"?><!-- c --><s3:Remove xmlns:s3=\"x\"><Object><Key>a</Key></Object></s3:Remove>",
            b"",
            b"just text",
        ] {
            assert!(parse::<Delete>(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
        let prefixed = b"<?xml version=\"1.0\"?><s3:Delete xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:Object><s3:Key>a</s3:Key></s3:Object></s3:Delete>";
        assert!(parse::<Delete>(prefixed).is_ok());
        let err = parse::<Delete>(b"<Delete><Object>").unwrap_err();
        assert_eq!(err.code.as_str(), "MalformedXML");
    }

    #[test]
    fn golden_list_bucket_result_v2() {
        let owner = Owner {
            id: "id1",
            display_name: "me",
        };
        let list = ListCommon {
            bucket: "b",
            prefix: "p/".into(),
            delimiter: Some("/".into()),
            max_keys: 2,
            encoding_type: None,
            is_truncated: true,
            objects: vec![ObjectEntry {
                key: "p/a&b".into(),
                last_modified: "2009-10-12T17:50:30.000Z".into(),
                etag: "abc",
                size: 5,
                checksum: None,
                owner: Some(&owner),
                storage_class: "STANDARD_IA",
                restored_until: None,
            }],
            common_prefixes: vec!["p/d/".into()],
        };
        let flavour = ListFlavour::V2 {
            continuation_token: None,
            next_continuation_token: Some("tok".into()),
            start_after: None,
        };
        assert_eq!(
            list_bucket_result(&list, &flavour),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Name>b</Name><Prefix>p/</Prefix><NextContinuationToken>tok</NextContinuationToken>\
             <KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter>\
             <IsTruncated>true</IsTruncated><Contents><Key>p/a&amp;b</Key>\
             <LastModified>2009-10-12T17:50:30.000Z</LastModified><ETag>&quot;abc&quot;</ETag>\
             <Size>5</Size><Owner><ID>id1</ID><DisplayName>me</DisplayName></Owner>\
             <StorageClass>STANDARD_IA</StorageClass></Contents>\
             <CommonPrefixes><Prefix>p/d/</Prefix></CommonPrefixes></ListBucketResult>"
        );
    }

    #[test]
    fn golden_location_and_versioning() {
        assert_eq!(
            location_constraint("us-east-1"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>"
        );
        assert_eq!(
            location_constraint("eu-west-1"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">eu-west-1</LocationConstraint>"
        );
        assert_eq!(
            versioning_configuration(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>"
        );
    }

    #[test]
    fn golden_delete_result_quiet_keeps_only_errors() {
        let outcomes = vec![
            DeleteOutcome::Deleted {
                key: "a".into(),
                version_id: None,
            },
            DeleteOutcome::Failed {
                key: "b".into(),
                version_id: Some("v".into()),
                code: "InvalidArgument",
                message: "Invalid version id specified".into(),
            },
        ];
        let expected_error =
            "<Error><Key>b</Key><VersionId>v</VersionId><Code>InvalidArgument</Code>\
                              <Message>Invalid version id specified</Message></Error>";
        let loud = delete_result(&outcomes, false);
        assert!(loud.contains("<Deleted><Key>a</Key></Deleted>"));
        assert!(loud.contains(expected_error));
        let quiet = delete_result(&outcomes, true);
        assert!(!quiet.contains("Deleted"));
        assert!(quiet.contains(expected_error));
    }

    #[test]
    fn parses_complete_multipart_upload() {
        let body = br#"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
            <Part><ETag>"a1"</ETag><PartNumber>1</PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>
            <Part><PartNumber>2</PartNumber><ETag>b2</ETag></Part></CompleteMultipartUpload>"#;
        let c: CompleteMultipartUpload = parse(body).expect("parses");
        assert_eq!(c.parts.len(), 2);
        assert_eq!(
            (c.parts[0].part_number, c.parts[0].etag.as_str()),
            (1, "\"a1\"")
        );
        assert_eq!(c.parts[0].checksum("CRC32"), Some("AAAAAA=="));
        assert_eq!(c.parts[1].checksum("CRC32"), None);
    }

    #[test]
    fn golden_tagging_and_initiate() {
        assert_eq!(
            tagging(&[("k".into(), "v&".into())]),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <TagSet><Tag><Key>k</Key><Value>v&amp;</Value></Tag></TagSet></Tagging>"
        );
        assert_eq!(
            initiate_multipart_upload_result("b", "k", "u1"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult \
             xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>b</Bucket><Key>k</Key>\
             <UploadId>u1</UploadId></InitiateMultipartUploadResult>"
        );
    }

    #[test]
    fn versions_carry_null_ids_and_composite_checksum_types() {
        let list = ListCommon {
            bucket: "b",
            prefix: String::new(),
            delimiter: None,
            max_keys: 1000,
            encoding_type: None,
            is_truncated: false,
            objects: vec![ObjectEntry {
                key: "k".into(),
                last_modified: "2009-10-12T17:50:30.000Z".into(),
                etag: "e-2",
                size: 1,
                checksum: Some(("CRC32", true)),
                owner: None,
                storage_class: "GLACIER",
                restored_until: Some("2026-12-09T00:00:00.000Z".into()),
            }],
            common_prefixes: vec![],
        };
        let doc = list_versions_result(&list, "", "", None);
        assert!(doc.contains(
            "<Version><Key>k</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>\
             <LastModified>2009-10-12T17:50:30.000Z</LastModified><ETag>&quot;e-2&quot;</ETag>\
             <ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>COMPOSITE</ChecksumType>\
             <Size>1</Size><StorageClass>GLACIER</StorageClass><RestoreStatus>\
             <IsRestoreInProgress>false</IsRestoreInProgress>\
             <RestoreExpiryDate>2026-12-09T00:00:00.000Z</RestoreExpiryDate></RestoreStatus>\
             </Version>"
        ));
    }

    /// AWS's documented shapes, read back the way an SDK reads them.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct CredentialsShape {
        access_key_id: String,
        secret_access_key: String,
        session_token: String,
        expiration: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct RoleUserShape {
        assumed_role_id: String,
        arn: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct ResultShape {
        credentials: CredentialsShape,
        assumed_role_user: Option<RoleUserShape>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct MetadataShape {
        request_id: String,
    }

    #[derive(Debug, Deserialize)]
    struct ResponseShape {
        #[serde(rename = "@xmlns")]
        xmlns: String,
        #[serde(rename = "GetSessionTokenResult", alias = "AssumeRoleResult")]
        result: ResultShape,
        #[serde(rename = "ResponseMetadata")]
        metadata: MetadataShape,
    }

    fn creds() -> StsCredentials<'static> {
        StsCredentials {
            access_key_id: "ASIAEXAMPLE",
            secret_access_key: "se<cr>et",
            session_token: "to&ken",
            expiration: "2026-03-04T17:06:07Z",
        }
    }

    #[test]
    fn sts_answers_round_trip_through_their_documented_shapes() {
        let doc = get_session_token_response(&creds(), "REQ");
        assert!(doc.contains("<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetSessionTokenResult><Credentials><AccessKeyId>"), "{doc}");
        let parsed: ResponseShape = quick_xml::de::from_str(&doc).expect("parses");
        assert_eq!(parsed.xmlns, STS_NAMESPACE);
        assert_eq!(parsed.result.credentials.access_key_id, "ASIAEXAMPLE");
        assert_eq!(parsed.result.credentials.secret_access_key, "se<cr>et");
        assert_eq!(parsed.result.credentials.session_token, "to&ken");
        assert_eq!(parsed.result.credentials.expiration, "2026-03-04T17:06:07Z");
        assert!(parsed.result.assumed_role_user.is_none());
        assert_eq!(parsed.metadata.request_id, "REQ");

        let user = AssumedRoleUser {
            assumed_role_id: "AROAEXAMPLE:app",
            arn: "arn:aws:sts::000000000000:assumed-role/reader/app",
        };
        let doc = assume_role_response(&creds(), &user, "REQ2");
        assert!(
            doc.starts_with(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AssumeRoleResponse xmlns="
            ),
            "{doc}"
        );
        let parsed: ResponseShape = quick_xml::de::from_str(&doc).expect("parses");
        let role = parsed.result.assumed_role_user.expect("AssumedRoleUser");
        assert_eq!(role.assumed_role_id, "AROAEXAMPLE:app");
        assert_eq!(
            role.arn,
            "arn:aws:sts::000000000000:assumed-role/reader/app"
        );
        assert_eq!(parsed.result.credentials.session_token, "to&ken");
        assert_eq!(parsed.metadata.request_id, "REQ2");
    }
}
