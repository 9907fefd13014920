//! Which S3 operation a request is: a pure parse of method, bucket, key and query into [`Endpoint`].

use crate::error::S3Error;
use crate::s3_error;
use std::borrow::Cow;

/// The decoded query string, in order, repeats kept; parts without escapes borrow from the raw
/// query (a presigned URL has seven parameters: no copies for most of them).
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// The same parameters as sent, for the signature's canonical query.
    raw: Vec<RawParam<'a>>,
    /// Some part decoded to bytes that are not UTF-8 (replaced with U+FFFD in `pairs`).
    not_utf8: bool,
}

impl<'a> Query<'a> {
    /// Parses a raw query string (percent-decoded; `+` stays a literal plus, as the AWS SDKs encode a
    /// space as `%20`); a part that does not decode to UTF-8 is an `InvalidArgument`.
    pub fn parse(raw: &'a str) -> Result<Query<'a>, S3Error> {
        let query = Query::parse_lossy(raw);
        query.require_utf8()?;
        Ok(query)
    }

    /// [`Query::parse`] that replaces what is not UTF-8 and remembers it: the server parses the
    /// query once, for the signature check (which must see every request's parameters), and
    /// refuses such a query with [`Query::require_utf8`] only where an operation reads it.
    pub fn parse_lossy(raw: &'a str) -> Query<'a> {
        let count = parameter_count(raw);
        let mut query = Query {
            pairs: Vec::with_capacity(count),
            raw: Vec::with_capacity(count),
            not_utf8: false,
        };
        for param in RawParams::new(raw) {
            query.raw.push(param);
            let pair = if param.escaped {
                (
                    query.decode_lossy(param.key),
                    query.decode_lossy(param.value),
                )
            } else {
                (Cow::Borrowed(param.key), Cow::Borrowed(param.value))
            };
            query.pairs.push(pair);
        }
        query
    }

    fn decode_lossy(&mut self, s: &'a str) -> Cow<'a, str> {
        decode(s).unwrap_or_else(|_| {
            self.not_utf8 = true;
            percent_encoding::percent_decode_str(s).decode_utf8_lossy()
        })
    }

    pub fn require_utf8(&self) -> Result<(), S3Error> {
        if self.not_utf8 {
            return Err(not_utf8());
        }
        Ok(())
    }

    /// Every parameter, decoded, in order.
    pub fn pairs(&self) -> &[(Cow<'a, str>, Cow<'a, str>)] {
        &self.pairs
    }

    /// Every parameter as sent (still percent-encoded), in order.
    pub fn raw_params(&self) -> &[RawParam<'a>] {
        &self.raw
    }

    pub fn into_pairs(self) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
        self.pairs
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref())
    }

    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    fn owned(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }
}

/// At most how many parameters `raw_query` holds, so that the vectors collecting them are sized
/// once (a presigned URL has seven; growing from empty costs three reallocations).
pub fn parameter_count(raw_query: &str) -> usize {
    // A sum rather than `filter().count()`, which stayed a byte-at-a-time loop.
    raw_query
        .as_bytes()
        .iter()
        .fold(1, |count, &b| count + usize::from(b == b'&'))
}

/// One parameter of a raw query string, as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawParam<'a> {
    pub key: &'a str,
    /// Empty when the parameter has no `=`.
    pub value: &'a str,
    /// Whether the key or the value holds a `%` (and may need decoding).
    pub escaped: bool,
}

/// The parameters of a raw query string in order: split on `&`, each on its first `=`, empty parts
/// skipped. One vectorised search for the three bytes that matter (`str::split` and a search for
/// `%` per part took three passes, each search set up per part); the server splits each query
/// once, for the router and the signature both ([`Query::raw_params`]).
pub struct RawParams<'a> {
    rest: &'a str,
}

impl<'a> RawParams<'a> {
    pub fn new(raw_query: &'a str) -> RawParams<'a> {
        RawParams { rest: raw_query }
    }
}

impl<'a> Iterator for RawParams<'a> {
    type Item = RawParam<'a>;

    fn next(&mut self) -> Option<RawParam<'a>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let bytes = self.rest.as_bytes();
            let (mut equals, mut escaped, mut end) = (None, false, bytes.len());
            for i in memchr::memchr3_iter(b'&', b'=', b'%', bytes) {
                match bytes.get(i) {
                    Some(b'&') => {
                        end = i;
                        break;
                    }
                    Some(b'=') if equals.is_none() => equals = Some(i),
                    Some(b'%') => escaped = true,
                    _ => {}
                }
            }
            // `&`, `=` and `%` are ASCII, so every index here is a character boundary.
            let part = self.rest.get(..end).unwrap_or_default();
            self.rest = self.rest.get(end + 1..).unwrap_or_default();
            if part.is_empty() {
                continue;
            }
            let (key, value) = match equals {
                Some(i) => (
                    part.get(..i).unwrap_or_default(),
                    part.get(i + 1..).unwrap_or_default(),
                ),
                None => (part, ""),
            };
            return Some(RawParam {
                key,
                value,
                escaped,
            });
        }
    }
}

fn decode(s: &str) -> Result<Cow<'_, str>, S3Error> {
    // Most keys and values (`X-Amz-*` ones included) have no escapes: borrowed, no decoder.
    if !s.contains('%') {
        return Ok(Cow::Borrowed(s));
    }
    // Sized once: the crate's own conversion grows its buffer byte by byte (two reallocations
    // for a presigned URL's credential).
    let mut decoded = Vec::with_capacity(s.len());
    decoded.extend(percent_encoding::percent_decode_str(s));
    String::from_utf8(decoded)
        .map(Cow::Owned)
        .map_err(|_| not_utf8())
}

fn not_utf8() -> S3Error {
    s3_error!(InvalidArgument, "The query string is not valid UTF-8.")
}

/// The `response-*` query parameters of GetObject that override stored headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseOverrides {
    pub content_type: Option<String>,
    pub content_language: Option<String>,
    pub expires: Option<String>,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
}

impl ResponseOverrides {
    fn from_query(q: &Query<'_>) -> Self {
        ResponseOverrides {
            content_type: q.owned("response-content-type"),
            content_language: q.owned("response-content-language"),
            expires: q.owned("response-expires"),
            cache_control: q.owned("response-cache-control"),
            content_disposition: q.owned("response-content-disposition"),
            content_encoding: q.owned("response-content-encoding"),
        }
    }
}

/// Parameters shared by the three listing operations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListParams {
    pub prefix: String,
    pub delimiter: Option<String>,
    pub max_keys: usize,
    /// `encoding-type=url`: keys and prefixes in the answer are URL-encoded.
    pub url_encoding: bool,
}

/// One variant per S3 operation, named as the S3 API reference names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    ListBuckets {
        prefix: Option<String>,
        max_buckets: Option<usize>,
        continuation_token: Option<String>,
    },
    CreateBucket {
        bucket: String,
    },
    HeadBucket {
        bucket: String,
    },
    DeleteBucket {
        bucket: String,
    },
    GetBucketLocation {
        bucket: String,
    },
    GetBucketVersioning {
        bucket: String,
    },
    ListObjects {
        bucket: String,
        params: ListParams,
        marker: Option<String>,
    },
    ListObjectsV2 {
        bucket: String,
        params: ListParams,
        continuation_token: Option<String>,
        start_after: Option<String>,
        fetch_owner: bool,
    },
    ListObjectVersions {
        bucket: String,
        params: ListParams,
        key_marker: Option<String>,
        version_id_marker: Option<String>,
    },
    DeleteObjects {
        bucket: String,
    },
    PutObject {
        bucket: String,
        key: String,
    },
    GetObject {
        bucket: String,
        key: String,
        overrides: ResponseOverrides,
        part_number: Option<u32>,
    },
    HeadObject {
        bucket: String,
        key: String,
        part_number: Option<u32>,
    },
    DeleteObject {
        bucket: String,
        key: String,
    },
    CopyObject {
        bucket: String,
        key: String,
        source: CopySource,
    },
    PutObjectTagging {
        bucket: String,
        key: String,
    },
    GetObjectTagging {
        bucket: String,
        key: String,
    },
    RestoreObject {
        bucket: String,
        key: String,
    },
    GetObjectAttributes {
        bucket: String,
        key: String,
    },
    DeleteObjectTagging {
        bucket: String,
        key: String,
    },
    CreateMultipartUpload {
        bucket: String,
        key: String,
    },
    UploadPart {
        bucket: String,
        key: String,
        upload_id: String,
        part_number: u32,
    },
    UploadPartCopy {
        bucket: String,
        key: String,
        upload_id: String,
        part_number: u32,
        source: CopySource,
    },
    CompleteMultipartUpload {
        bucket: String,
        key: String,
        upload_id: String,
    },
    AbortMultipartUpload {
        bucket: String,
        key: String,
        upload_id: String,
    },
    ListParts {
        bucket: String,
        key: String,
        upload_id: String,
        max_parts: usize,
        part_number_marker: u32,
    },
    ListMultipartUploads {
        bucket: String,
        params: ListParams,
        key_marker: Option<String>,
        upload_id_marker: Option<String>,
    },
    /// An HTML form upload (`POST /bucket`, multipart/form-data); it carries its own signature.
    PostObject {
        bucket: String,
    },
    GetBucketCors {
        bucket: String,
    },
    PutBucketCors {
        bucket: String,
    },
    DeleteBucketCors {
        bucket: String,
    },
    GetBucketEncryption {
        bucket: String,
    },
    PutBucketEncryption {
        bucket: String,
    },
    DeleteBucketEncryption {
        bucket: String,
    },
    GetBucketTagging {
        bucket: String,
    },
    PutBucketTagging {
        bucket: String,
    },
    DeleteBucketTagging {
        bucket: String,
    },
    GetPublicAccessBlock {
        bucket: String,
    },
    GetBucketOwnershipControls {
        bucket: String,
    },
    PutBucketOwnershipControls {
        bucket: String,
    },
    DeleteBucketOwnershipControls {
        bucket: String,
    },
    PutPublicAccessBlock {
        bucket: String,
    },
    DeletePublicAccessBlock {
        bucket: String,
    },
    PutBucketLifecycle {
        bucket: String,
    },
    GetBucketLifecycle {
        bucket: String,
    },
    DeleteBucketLifecycle {
        bucket: String,
    },
    PutBucketPolicy {
        bucket: String,
    },
    GetBucketPolicy {
        bucket: String,
    },
    DeleteBucketPolicy {
        bucket: String,
    },
    GetBucketPolicyStatus {
        bucket: String,
    },
    /// Reading a bucket configuration minis3 does not keep (lifecycle, website, ...).
    GetBucketSetting {
        bucket: String,
        setting: BucketSetting,
    },
    GetBucketAcl {
        bucket: String,
    },
    PutBucketAcl {
        bucket: String,
    },
    GetObjectAcl {
        bucket: String,
        key: String,
    },
    PutObjectAcl {
        bucket: String,
        key: String,
    },
}

/// The object named by `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, with an
/// optional `?versionId=` (only `null` exists here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySource {
    pub bucket: String,
    pub key: String,
}

impl CopySource {
    pub fn parse(header: &str) -> Result<CopySource, S3Error> {
        let invalid = || {
            s3_error!(
                InvalidArgument,
                "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"
            )
            .detail("ArgumentName", "x-amz-copy-source")
            .detail("ArgumentValue", header)
        };
        let trimmed = header.trim();
        let (path, version) = match trimmed.split_once('?') {
            Some((path, query)) => (path, Query::parse(query)?.owned("versionId")),
            None => (trimmed, None),
        };
        if version.is_some_and(|v| v != "null") {
            return Err(s3_error!(InvalidArgument, "Invalid version id specified")
                .detail("ArgumentName", "versionId"));
        }
        let path = path.strip_prefix('/').unwrap_or(path);
        let (bucket, key) = path.split_once('/').ok_or_else(invalid)?;
        let bucket = decode(bucket)?.into_owned();
        let key = decode(key)?.into_owned();
        if bucket.is_empty() || key.is_empty() {
            return Err(invalid());
        }
        if key.len() > 1024 {
            return Err(s3_error!(KeyTooLongError));
        }
        Ok(CopySource { bucket, key })
    }
}

/// Bucket configurations minis3 does not keep. No bucket here has one, so reading one answers as
/// S3 does for a bucket never given it: the "not found" error SDKs and infrastructure tools
/// expect, or the empty document S3 sends where every bucket has the setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketSetting {
    Website,
    Replication,
    ObjectLock,
    Accelerate,
    RequestPayment,
    Logging,
    Notification,
}

impl BucketSetting {
    /// Each setting by the sub-resource that names it.
    const NAMED: [(&'static str, BucketSetting); 7] = [
        ("website", BucketSetting::Website),
        ("replication", BucketSetting::Replication),
        ("object-lock", BucketSetting::ObjectLock),
        ("accelerate", BucketSetting::Accelerate),
        ("requestPayment", BucketSetting::RequestPayment),
        ("logging", BucketSetting::Logging),
        ("notification", BucketSetting::Notification),
    ];

    /// The setting a bucket request's query names (with its name), if any.
    fn named_in(q: &Query<'_>) -> Option<(&'static str, BucketSetting)> {
        BucketSetting::NAMED
            .iter()
            .find(|(name, _)| q.has(name))
            .copied()
    }
}

/// Sub-resources S3 knows but minis3 does not implement yet: named so the answer says which.
const UNSUPPORTED_SUBRESOURCES: &[&str] = &[
    "accelerate",
    "acl",
    "analytics",
    "partNumber",
    "tagging",
    "uploadId",
    "uploads",
    "cors",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "torrent",
    "website",
    "attributes",
];

impl Endpoint {
    /// Parses an operation from the request's method, addressing and query.
    /// `copy_source` is the `x-amz-copy-source` header, which turns a PUT into a copy.
    pub fn parse(
        method: &str,
        bucket: Option<&str>,
        key: Option<&str>,
        query: &Query<'_>,
        copy_source: Option<&str>,
    ) -> Result<Endpoint, S3Error> {
        let Some(bucket) = bucket else {
            return match method {
                "GET" => Ok(Endpoint::ListBuckets {
                    prefix: query.owned("prefix").filter(|p| !p.is_empty()),
                    max_buckets: parse_max_buckets(query)?,
                    continuation_token: query.owned("continuation-token").filter(|t| !t.is_empty()),
                }),
                _ => Err(method_not_allowed(method)),
            };
        };
        let bucket = bucket.to_string();
        match key {
            None => Self::parse_bucket(method, bucket, query),
            Some(key) => Self::parse_object(method, bucket, key.to_string(), query, copy_source),
        }
    }

    fn parse_bucket(method: &str, bucket: String, q: &Query<'_>) -> Result<Endpoint, S3Error> {
        match method {
            "GET" if q.has("location") => Ok(Endpoint::GetBucketLocation { bucket }),
            "GET" if q.has("versioning") => Ok(Endpoint::GetBucketVersioning { bucket }),
            "GET" if q.has("versions") => Ok(Endpoint::ListObjectVersions {
                bucket,
                params: list_params(q)?,
                key_marker: q.owned("key-marker").filter(|m| !m.is_empty()),
                version_id_marker: q.owned("version-id-marker").filter(|m| !m.is_empty()),
            }),
            "POST" if q.has("delete") => Ok(Endpoint::DeleteObjects { bucket }),
            "GET" if q.has("cors") => Ok(Endpoint::GetBucketCors { bucket }),
            "PUT" if q.has("cors") => Ok(Endpoint::PutBucketCors { bucket }),
            "DELETE" if q.has("cors") => Ok(Endpoint::DeleteBucketCors { bucket }),
            "GET" if q.has("encryption") => Ok(Endpoint::GetBucketEncryption { bucket }),
            "PUT" if q.has("encryption") => Ok(Endpoint::PutBucketEncryption { bucket }),
            "DELETE" if q.has("encryption") => Ok(Endpoint::DeleteBucketEncryption { bucket }),
            "GET" if q.has("tagging") => Ok(Endpoint::GetBucketTagging { bucket }),
            "PUT" if q.has("tagging") => Ok(Endpoint::PutBucketTagging { bucket }),
            "DELETE" if q.has("tagging") => Ok(Endpoint::DeleteBucketTagging { bucket }),
            "GET" if q.has("ownershipControls") => {
                Ok(Endpoint::GetBucketOwnershipControls { bucket })
            }
            "PUT" if q.has("ownershipControls") => {
                Ok(Endpoint::PutBucketOwnershipControls { bucket })
            }
            "DELETE" if q.has("ownershipControls") => {
                Ok(Endpoint::DeleteBucketOwnershipControls { bucket })
            }
            "GET" if q.has("publicAccessBlock") => Ok(Endpoint::GetPublicAccessBlock { bucket }),
            "PUT" if q.has("publicAccessBlock") => Ok(Endpoint::PutPublicAccessBlock { bucket }),
            "DELETE" if q.has("publicAccessBlock") => {
                Ok(Endpoint::DeletePublicAccessBlock { bucket })
            }
            "GET" if q.has("lifecycle") => Ok(Endpoint::GetBucketLifecycle { bucket }),
            "PUT" if q.has("lifecycle") => Ok(Endpoint::PutBucketLifecycle { bucket }),
            "DELETE" if q.has("lifecycle") => Ok(Endpoint::DeleteBucketLifecycle { bucket }),
            "GET" if q.has("policy") => Ok(Endpoint::GetBucketPolicy { bucket }),
            "PUT" if q.has("policy") => Ok(Endpoint::PutBucketPolicy { bucket }),
            "DELETE" if q.has("policy") => Ok(Endpoint::DeleteBucketPolicy { bucket }),
            "GET" if q.has("policyStatus") => Ok(Endpoint::GetBucketPolicyStatus { bucket }),
            "GET" if q.has("acl") => Ok(Endpoint::GetBucketAcl { bucket }),
            "PUT" if q.has("acl") => Ok(Endpoint::PutBucketAcl { bucket }),
            // Reading versioning is implemented (above); changing it is not, and must not fall
            // through to CreateBucket (PutBucketVersioning once answered BucketAlreadyOwnedByYou).
            _ if q.has("versioning") => Err(unsupported_subresource("versioning")),
            _ if q.has("versions") => Err(unsupported_subresource("versions")),
            "GET" if q.has("uploads") => Ok(Endpoint::ListMultipartUploads {
                bucket,
                params: list_params_named(q, "max-uploads")?,
                key_marker: q.owned("key-marker").filter(|m| !m.is_empty()),
                upload_id_marker: q.owned("upload-id-marker").filter(|m| !m.is_empty()),
            }),
            _ => {
                if let Some((name, setting)) =
                    BucketSetting::named_in(q).filter(|_| method == "GET")
                {
                    // Another sub-resource minis3 lacks, named beside it, is still refused.
                    reject_unsupported(q, Some(name))?;
                    return Ok(Endpoint::GetBucketSetting { bucket, setting });
                }
                reject_unsupported(q, None)?;
                match method {
                    "GET" if q.get("list-type") == Some("2") => Ok(Endpoint::ListObjectsV2 {
                        bucket,
                        params: list_params(q)?,
                        continuation_token: q.owned("continuation-token"),
                        start_after: q.owned("start-after").filter(|s| !s.is_empty()),
                        fetch_owner: q.get("fetch-owner") == Some("true"),
                    }),
                    "GET" if q.has("list-type") => Err(s3_error!(
                        InvalidArgument,
                        "Invalid List Type specified: {}",
                        q.get("list-type").unwrap_or_default()
                    )),
                    "GET" => Ok(Endpoint::ListObjects {
                        bucket,
                        params: list_params(q)?,
                        marker: q.owned("marker").filter(|m| !m.is_empty()),
                    }),
                    "PUT" => Ok(Endpoint::CreateBucket { bucket }),
                    "POST" => Ok(Endpoint::PostObject { bucket }),
                    "HEAD" => Ok(Endpoint::HeadBucket { bucket }),
                    "DELETE" => Ok(Endpoint::DeleteBucket { bucket }),
                    _ => Err(method_not_allowed(method)),
                }
            }
        }
    }

    fn parse_object(
        method: &str,
        bucket: String,
        key: String,
        q: &Query<'_>,
        copy_source: Option<&str>,
    ) -> Result<Endpoint, S3Error> {
        if key.len() > 1024 {
            return Err(s3_error!(KeyTooLongError));
        }
        check_version_id(q)?;
        if let Some(upload_id) = q.owned("uploadId") {
            return Self::parse_upload(method, bucket, key, upload_id, q, copy_source);
        }
        match method {
            "POST" if q.has("uploads") => {
                return Ok(Endpoint::CreateMultipartUpload { bucket, key })
            }
            "POST" if q.has("restore") => return Ok(Endpoint::RestoreObject { bucket, key }),
            "PUT" if q.has("tagging") => return Ok(Endpoint::PutObjectTagging { bucket, key }),
            "GET" if q.has("acl") => return Ok(Endpoint::GetObjectAcl { bucket, key }),
            "PUT" if q.has("acl") => return Ok(Endpoint::PutObjectAcl { bucket, key }),
            "GET" if q.has("tagging") => return Ok(Endpoint::GetObjectTagging { bucket, key }),
            "GET" if q.has("attributes") => {
                return Ok(Endpoint::GetObjectAttributes { bucket, key })
            }
            "DELETE" if q.has("tagging") => {
                return Ok(Endpoint::DeleteObjectTagging { bucket, key })
            }
            _ => {}
        }
        let part_number = match q.get("partNumber") {
            None => None,
            Some(n) => Some(parse_part_number(n)?),
        };
        // partNumber on GET/HEAD addresses a part of the object; anywhere else it is unsupported.
        let allowed = matches!(method, "GET" | "HEAD").then_some("partNumber");
        reject_unsupported(q, allowed)?;
        match method {
            "PUT" => match copy_source {
                Some(source) => Ok(Endpoint::CopyObject {
                    bucket,
                    key,
                    source: CopySource::parse(source)?,
                }),
                None => Ok(Endpoint::PutObject { bucket, key }),
            },
            "GET" => Ok(Endpoint::GetObject {
                bucket,
                key,
                overrides: ResponseOverrides::from_query(q),
                part_number,
            }),
            "HEAD" => Ok(Endpoint::HeadObject {
                bucket,
                key,
                part_number,
            }),
            "DELETE" => Ok(Endpoint::DeleteObject { bucket, key }),
            _ => Err(method_not_allowed(method)),
        }
    }

    /// Operations on one multipart upload (`?uploadId=`).
    fn parse_upload(
        method: &str,
        bucket: String,
        key: String,
        upload_id: String,
        q: &Query<'_>,
        copy_source: Option<&str>,
    ) -> Result<Endpoint, S3Error> {
        let part_number = || {
            q.get("partNumber")
                .ok_or_else(|| {
                    s3_error!(InvalidArgument, "Part number must be specified")
                        .detail("ArgumentName", "partNumber")
                })
                .and_then(parse_part_number)
        };
        match method {
            "PUT" => match copy_source {
                Some(source) => Ok(Endpoint::UploadPartCopy {
                    bucket,
                    key,
                    upload_id,
                    part_number: part_number()?,
                    source: CopySource::parse(source)?,
                }),
                None => Ok(Endpoint::UploadPart {
                    bucket,
                    key,
                    upload_id,
                    part_number: part_number()?,
                }),
            },
            "POST" => Ok(Endpoint::CompleteMultipartUpload {
                bucket,
                key,
                upload_id,
            }),
            "DELETE" => Ok(Endpoint::AbortMultipartUpload {
                bucket,
                key,
                upload_id,
            }),
            "GET" => Ok(Endpoint::ListParts {
                bucket,
                key,
                upload_id,
                max_parts: bounded_count(q, "max-parts")?,
                part_number_marker: match q.get("part-number-marker").filter(|m| !m.is_empty()) {
                    None => 0,
                    Some(m) => m.parse().map_err(|_| {
                        s3_error!(
                            InvalidArgument,
                            "Provided part-number-marker not an integer or within integer range"
                        )
                        .detail("ArgumentName", "part-number-marker")
                    })?,
                },
            }),
            _ => Err(method_not_allowed(method)),
        }
    }

    /// The bucket the operation acts on, if any (for `<Resource>` and logs).
    pub fn bucket(&self) -> Option<&str> {
        match self {
            Endpoint::ListBuckets { .. } => None,
            Endpoint::CreateBucket { bucket }
            | Endpoint::HeadBucket { bucket }
            | Endpoint::DeleteBucket { bucket }
            | Endpoint::GetBucketLocation { bucket }
            | Endpoint::GetBucketVersioning { bucket }
            | Endpoint::ListObjects { bucket, .. }
            | Endpoint::ListObjectsV2 { bucket, .. }
            | Endpoint::ListObjectVersions { bucket, .. }
            | Endpoint::DeleteObjects { bucket }
            | Endpoint::PutObject { bucket, .. }
            | Endpoint::GetObject { bucket, .. }
            | Endpoint::HeadObject { bucket, .. }
            | Endpoint::DeleteObject { bucket, .. }
            | Endpoint::CopyObject { bucket, .. }
            | Endpoint::PutObjectTagging { bucket, .. }
            | Endpoint::GetObjectTagging { bucket, .. }
            | Endpoint::GetObjectAttributes { bucket, .. }
            | Endpoint::RestoreObject { bucket, .. }
            | Endpoint::DeleteObjectTagging { bucket, .. }
            | Endpoint::CreateMultipartUpload { bucket, .. }
            | Endpoint::UploadPart { bucket, .. }
            | Endpoint::UploadPartCopy { bucket, .. }
            | Endpoint::CompleteMultipartUpload { bucket, .. }
            | Endpoint::AbortMultipartUpload { bucket, .. }
            | Endpoint::ListParts { bucket, .. }
            | Endpoint::ListMultipartUploads { bucket, .. }
            | Endpoint::PostObject { bucket }
            | Endpoint::GetBucketCors { bucket }
            | Endpoint::PutBucketCors { bucket }
            | Endpoint::DeleteBucketCors { bucket }
            | Endpoint::GetBucketEncryption { bucket }
            | Endpoint::PutBucketEncryption { bucket }
            | Endpoint::DeleteBucketEncryption { bucket }
            | Endpoint::GetBucketTagging { bucket }
            | Endpoint::PutBucketTagging { bucket }
            | Endpoint::DeleteBucketTagging { bucket }
            | Endpoint::GetBucketSetting { bucket, .. }
            | Endpoint::PutBucketLifecycle { bucket }
            | Endpoint::GetBucketLifecycle { bucket }
            | Endpoint::DeleteBucketLifecycle { bucket }
            | Endpoint::PutBucketPolicy { bucket }
            | Endpoint::GetBucketPolicy { bucket }
            | Endpoint::DeleteBucketPolicy { bucket }
            | Endpoint::GetBucketPolicyStatus { bucket }
            | Endpoint::GetPublicAccessBlock { bucket }
            | Endpoint::GetBucketOwnershipControls { bucket }
            | Endpoint::PutBucketOwnershipControls { bucket }
            | Endpoint::DeleteBucketOwnershipControls { bucket }
            | Endpoint::PutPublicAccessBlock { bucket }
            | Endpoint::DeletePublicAccessBlock { bucket }
            | Endpoint::GetBucketAcl { bucket }
            | Endpoint::PutBucketAcl { bucket }
            | Endpoint::GetObjectAcl { bucket, .. }
            | Endpoint::PutObjectAcl { bucket, .. } => Some(bucket),
        }
    }
}

/// The NotImplemented answer naming a sub-resource minis3 lacks.
fn unsupported_subresource(name: &str) -> S3Error {
    s3_error!(
        NotImplemented,
        "minis3 does not implement the '{name}' sub-resource yet."
    )
}

/// NotImplemented for the first sub-resource minis3 lacks (but `allowed`) that `q` names.
fn reject_unsupported(q: &Query<'_>, allowed: Option<&str>) -> Result<(), S3Error> {
    let unsupported =
        |name: &str| Some(name) != allowed && UNSUPPORTED_SUBRESOURCES.contains(&name);
    // Signature parameters, most of a presigned URL's query, are never sub-resources.
    let any = q
        .pairs
        .iter()
        .any(|(k, _)| !k.starts_with("X-Amz-") && unsupported(k));
    if !any {
        return Ok(());
    }
    match UNSUPPORTED_SUBRESOURCES
        .iter()
        .find(|name| unsupported(name) && q.has(name))
    {
        Some(name) => Err(unsupported_subresource(name)),
        None => Ok(()),
    }
}

/// Buckets are unversioned: the only version that exists is `null`.
fn check_version_id(q: &Query<'_>) -> Result<(), S3Error> {
    match q.get("versionId") {
        None | Some("null") => Ok(()),
        Some(_) => Err(s3_error!(InvalidArgument, "Invalid version id specified")
            .detail("ArgumentName", "versionId")),
    }
}

fn parse_part_number(value: &str) -> Result<u32, S3Error> {
    match value.parse::<u32>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(n),
        _ => Err(s3_error!(
            InvalidArgument,
            "Part number must be an integer between 1 and 10000, inclusive"
        )
        .detail("ArgumentName", "partNumber")
        .detail("ArgumentValue", value)),
    }
}

fn parse_max_buckets(q: &Query<'_>) -> Result<Option<usize>, S3Error> {
    match q.get("max-buckets") {
        None => Ok(None),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=10_000).contains(&n) => Ok(Some(n)),
            _ => Err(s3_error!(
                InvalidArgument,
                "Argument max-buckets must be an integer between 1 and 10000."
            )
            .detail("ArgumentName", "max-buckets")
            .detail("ArgumentValue", raw)),
        },
    }
}

/// A `max-keys`-style count: default and cap 1000.
fn bounded_count(q: &Query<'_>, name: &str) -> Result<usize, S3Error> {
    match q.get(name) {
        None => Ok(1000),
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(n.min(1000) as usize),
            _ => Err(s3_error!(
                InvalidArgument,
                "Provided {name} not an integer or within integer range"
            )
            .detail("ArgumentName", name)
            .detail("ArgumentValue", raw)),
        },
    }
}

fn list_params(q: &Query<'_>) -> Result<ListParams, S3Error> {
    list_params_named(q, "max-keys")
}

fn list_params_named(q: &Query<'_>, max_name: &str) -> Result<ListParams, S3Error> {
    let max_keys = bounded_count(q, max_name)?;
    let url_encoding = match q.get("encoding-type") {
        None => false,
        Some(t) if t.eq_ignore_ascii_case("url") => true,
        Some(other) => {
            return Err(s3_error!(
                InvalidArgument,
                "Invalid Encoding Method specified in Request"
            )
            .detail("ArgumentName", "encoding-type")
            .detail("ArgumentValue", other))
        }
    };
    Ok(ListParams {
        prefix: q.owned("prefix").unwrap_or_default(),
        delimiter: q.owned("delimiter").filter(|d| !d.is_empty()),
        max_keys,
        url_encoding,
    })
}

fn method_not_allowed(method: &str) -> S3Error {
    s3_error!(MethodNotAllowed).detail("Method", method)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(method: &str, path: &str, query: &str) -> Result<Endpoint, S3Error> {
        let mut parts = path.trim_start_matches('/').splitn(2, '/');
        let bucket = parts.next().filter(|b| !b.is_empty());
        let key = parts.next().filter(|k| !k.is_empty());
        Endpoint::parse(method, bucket, key, &Query::parse(query)?, None)
    }

    fn name(e: &Endpoint) -> String {
        format!("{e:?}")
            .split([' ', '{'])
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// Operation table from the S3 API reference: method + path + query => operation.
    #[test]
    fn routes_follow_the_s3_api_reference() {
        let table = [
            ("GET", "/", "", "ListBuckets"),
            ("GET", "/", "max-buckets=10&prefix=a", "ListBuckets"),
            ("PUT", "/b", "", "CreateBucket"),
            ("HEAD", "/b", "", "HeadBucket"),
            ("DELETE", "/b", "", "DeleteBucket"),
            ("GET", "/b", "location", "GetBucketLocation"),
            ("GET", "/b", "versioning", "GetBucketVersioning"),
            ("GET", "/b", "versions&prefix=a", "ListObjectVersions"),
            ("GET", "/b", "list-type=2", "ListObjectsV2"),
            (
                "GET",
                "/b",
                "list-type=2&prefix=a&delimiter=%2F",
                "ListObjectsV2",
            ),
            ("GET", "/b", "", "ListObjects"),
            ("GET", "/b", "marker=x", "ListObjects"),
            ("POST", "/b", "delete", "DeleteObjects"),
            ("PUT", "/b/k", "", "PutObject"),
            ("GET", "/b/k", "", "GetObject"),
            ("GET", "/b/k", "versionId=null", "GetObject"),
            ("GET", "/b/k", "partNumber=1", "GetObject"),
            ("GET", "/b/k", "attributes", "GetObjectAttributes"),
            ("HEAD", "/b/k", "", "HeadObject"),
            ("DELETE", "/b/k", "", "DeleteObject"),
            ("DELETE", "/b/k", "versionId=null", "DeleteObject"),
            ("POST", "/b/k", "uploads", "CreateMultipartUpload"),
            ("POST", "/b/k", "restore", "RestoreObject"),
            ("PUT", "/b/k", "partNumber=2&uploadId=u", "UploadPart"),
            ("POST", "/b/k", "uploadId=u", "CompleteMultipartUpload"),
            ("DELETE", "/b/k", "uploadId=u", "AbortMultipartUpload"),
            (
                "GET",
                "/b/k",
                "uploadId=u&max-parts=2&part-number-marker=1",
                "ListParts",
            ),
            (
                "GET",
                "/b",
                "uploads&prefix=a&key-marker=k",
                "ListMultipartUploads",
            ),
            ("PUT", "/b/k", "tagging", "PutObjectTagging"),
            ("GET", "/b/k", "tagging", "GetObjectTagging"),
            ("DELETE", "/b/k", "tagging", "DeleteObjectTagging"),
            ("POST", "/b", "", "PostObject"),
            ("GET", "/b", "cors", "GetBucketCors"),
            ("PUT", "/b", "cors", "PutBucketCors"),
            ("DELETE", "/b", "cors", "DeleteBucketCors"),
            ("GET", "/b", "encryption", "GetBucketEncryption"),
            ("PUT", "/b", "encryption", "PutBucketEncryption"),
            ("DELETE", "/b", "encryption", "DeleteBucketEncryption"),
            ("GET", "/b", "tagging", "GetBucketTagging"),
            ("PUT", "/b", "tagging", "PutBucketTagging"),
            ("DELETE", "/b", "tagging", "DeleteBucketTagging"),
            ("GET", "/b", "lifecycle", "GetBucketLifecycle"),
            ("PUT", "/b", "lifecycle", "PutBucketLifecycle"),
            ("DELETE", "/b", "lifecycle", "DeleteBucketLifecycle"),
            ("GET", "/b", "website", "GetBucketSetting"),
            ("GET", "/b", "publicAccessBlock", "GetPublicAccessBlock"),
            (
                "GET",
                "/b",
                "ownershipControls",
                "GetBucketOwnershipControls",
            ),
            (
                "PUT",
                "/b",
                "ownershipControls",
                "PutBucketOwnershipControls",
            ),
            (
                "DELETE",
                "/b",
                "ownershipControls",
                "DeleteBucketOwnershipControls",
            ),
            ("PUT", "/b", "publicAccessBlock", "PutPublicAccessBlock"),
            (
                "DELETE",
                "/b",
                "publicAccessBlock",
                "DeletePublicAccessBlock",
            ),
            ("GET", "/b", "policy&X-Amz-Expires=60", "GetBucketPolicy"),
            ("PUT", "/b", "policy", "PutBucketPolicy"),
            ("DELETE", "/b", "policy", "DeleteBucketPolicy"),
            ("GET", "/b", "policyStatus", "GetBucketPolicyStatus"),
            ("GET", "/b", "acl", "GetBucketAcl"),
            ("PUT", "/b", "acl", "PutBucketAcl"),
            ("GET", "/b/k", "acl", "GetObjectAcl"),
            ("PUT", "/b/k", "acl", "PutObjectAcl"),
        ];
        for (method, path, query, expected) in table {
            let endpoint = parse(method, path, query)
                .unwrap_or_else(|e| panic!("{method} {path}?{query}: {e}"));
            assert_eq!(name(&endpoint), expected, "{method} {path}?{query}");
        }
    }

    #[test]
    fn unknown_methods_and_subresources_are_refused_clearly() {
        assert_eq!(
            parse("POST", "/", "").unwrap_err().code.as_str(),
            "MethodNotAllowed"
        );
        assert_eq!(
            parse("PATCH", "/b/k", "").unwrap_err().code.as_str(),
            "MethodNotAllowed"
        );
        // Reading an unkept bucket setting is answered; changing one is not implemented.
        for (query, setting) in BucketSetting::NAMED {
            match parse("GET", "/b", query) {
                Ok(Endpoint::GetBucketSetting { setting: got, .. }) => assert_eq!(got, setting),
                other => panic!("GET ?{query}: {other:?}"),
            }
            for method in ["PUT", "DELETE"] {
                let err = parse(method, "/b", query).unwrap_err();
                assert_eq!(err.code.as_str(), "NotImplemented", "{method} ?{query}");
                assert!(err.message.contains(query), "{}", err.message);
            }
        }
        assert_eq!(
            parse("DELETE", "/b", "acl").unwrap_err().code.as_str(),
            "NotImplemented"
        );
        assert_eq!(
            parse("GET", "/b/k", "cors").unwrap_err().code.as_str(),
            "NotImplemented"
        );
        assert_eq!(
            parse("GET", "/b", "inventory").unwrap_err().code.as_str(),
            "NotImplemented"
        );
        let err = parse("GET", "/b", "inventory&website").unwrap_err();
        assert!(err.message.contains("'inventory'"), "{}", err.message);
        // Buckets are unversioned: versioning can be read, not turned on.
        assert_eq!(
            name(&parse("GET", "/b", "versioning").unwrap()),
            "GetBucketVersioning"
        );
        for (method, query) in [
            ("PUT", "versioning"),
            ("DELETE", "versions"),
            ("POST", "versioning"),
        ] {
            let err = parse(method, "/b", query).unwrap_err();
            assert_eq!(err.code.as_str(), "NotImplemented", "{method} ?{query}");
            assert!(err.message.contains(query), "{}", err.message);
        }
        // On an object the names mean nothing to S3 and change nothing here.
        assert_eq!(
            name(&parse("GET", "/b/k", "versions").unwrap()),
            "GetObject"
        );
        assert_eq!(
            name(&parse("PUT", "/b/k", "versioning").unwrap()),
            "PutObject"
        );
        assert_eq!(
            parse("GET", "/b", "list-type=3").unwrap_err().code.as_str(),
            "InvalidArgument"
        );
        // partNumber addresses a part on GET and HEAD only; the first unsupported name (in the
        // list's order) is the one reported, whatever else the query holds.
        assert!(parse("GET", "/b/k", "partNumber=2&X-Amz-Expires=60").is_ok());
        assert!(parse("HEAD", "/b/k", "partNumber=2").is_ok());
        let err = parse("DELETE", "/b/k", "X-Amz-Date=1&partNumber=2").unwrap_err();
        assert!(err.message.contains("'partNumber'"), "{}", err.message);
        let err = parse(
            "GET",
            "/b/k",
            "partNumber=2&website&X-Amz-Signature=0&logging",
        )
        .unwrap_err();
        assert!(err.message.contains("'logging'"), "{}", err.message);
    }

    #[test]
    fn copy_sources_are_decoded_and_turn_puts_into_copies() {
        let q = Query::parse("").unwrap();
        let e = Endpoint::parse(
            "PUT",
            Some("b"),
            Some("k"),
            &q,
            Some("/src/a%20b%2Bc?versionId=null"),
        )
        .unwrap();
        let Endpoint::CopyObject { source, .. } = e else {
            panic!("not CopyObject")
        };
        assert_eq!(
            (source.bucket.as_str(), source.key.as_str()),
            ("src", "a b+c")
        );
        let q = Query::parse("partNumber=3&uploadId=u").unwrap();
        let e = Endpoint::parse("PUT", Some("b"), Some("k"), &q, Some("src/k2")).unwrap();
        assert!(matches!(e, Endpoint::UploadPartCopy { part_number: 3, .. }));
        for bad in ["nokey", "/b/", "b/k?versionId=xyz"] {
            assert_eq!(
                CopySource::parse(bad).unwrap_err().code.as_str(),
                "InvalidArgument",
                "{bad}"
            );
        }
    }

    #[test]
    fn list_buckets_takes_s3_paging_parameters() {
        let e = parse("GET", "/", "prefix=ab&max-buckets=2&continuation-token=abc").unwrap();
        assert_eq!(
            e,
            Endpoint::ListBuckets {
                prefix: Some("ab".into()),
                max_buckets: Some(2),
                continuation_token: Some("abc".into()),
            }
        );
        for bad in ["max-buckets=0", "max-buckets=10001", "max-buckets=x"] {
            assert_eq!(
                parse("GET", "/", bad).unwrap_err().code.as_str(),
                "InvalidArgument"
            );
        }
    }

    #[test]
    fn list_parameters_are_parsed_and_capped() {
        let e = parse(
            "GET",
            "/b",
            "list-type=2&max-keys=5000&prefix=a%20b&delimiter=%2F&encoding-type=url&start-after=x&fetch-owner=true",
        )
        .unwrap();
        let Endpoint::ListObjectsV2 {
            params,
            start_after,
            fetch_owner,
            ..
        } = e
        else {
            panic!("not ListObjectsV2");
        };
        assert_eq!(params.max_keys, 1000);
        assert_eq!(params.prefix, "a b");
        assert_eq!(params.delimiter.as_deref(), Some("/"));
        assert!(params.url_encoding);
        assert_eq!(start_after.as_deref(), Some("x"));
        assert!(fetch_owner);
        for bad in ["max-keys=-1", "max-keys=abc", "encoding-type=base64"] {
            let err = parse("GET", "/b", &format!("list-type=2&{bad}")).unwrap_err();
            assert_eq!(err.code.as_str(), "InvalidArgument", "{bad}");
        }
    }

    #[test]
    fn object_keys_and_versions_are_checked() {
        let long = format!("/b/{}", "k".repeat(1025));
        assert_eq!(
            parse("PUT", &long, "").unwrap_err().code.as_str(),
            "KeyTooLongError"
        );
        assert!(parse("PUT", &format!("/b/{}", "k".repeat(1024)), "").is_ok());
        assert_eq!(
            parse("GET", "/b/k", "versionId=abc")
                .unwrap_err()
                .code
                .as_str(),
            "InvalidArgument"
        );
        assert_eq!(
            parse("GET", "/b/k", "partNumber=0")
                .unwrap_err()
                .code
                .as_str(),
            "InvalidArgument"
        );
        let e = parse("GET", "/b/k", "response-content-type=text%2Fplain").unwrap();
        let Endpoint::GetObject { overrides, .. } = e else {
            panic!("not GetObject")
        };
        assert_eq!(overrides.content_type.as_deref(), Some("text/plain"));
    }

    #[test]
    fn query_keeps_plus_literal_and_decodes_percent() {
        let q = Query::parse("prefix=a+b%2Bc%20d&flag").unwrap();
        assert_eq!(q.get("prefix"), Some("a+b+c d"));
        assert!(q.has("flag"));
        assert_eq!(q.get("flag"), Some(""));
    }

    #[test]
    fn raw_params_split_on_ampersands_and_the_first_equals_sign() {
        let params: Vec<_> = RawParams::new("a=1&&b&c=x=y&%41=%2F&=v&d=&é=ü")
            .map(|p| (p.key, p.value, p.escaped))
            .collect();
        assert_eq!(
            params,
            [
                ("a", "1", false),
                ("b", "", false),
                ("c", "x=y", false),
                ("%41", "%2F", true),
                ("", "v", false),
                ("d", "", false),
                ("é", "ü", false),
            ]
        );
        assert_eq!(RawParams::new("").count(), 0);
        assert_eq!(RawParams::new("&&&").count(), 0);
        let escaped_key: Vec<_> = RawParams::new("k%=v&x=%").map(|p| p.escaped).collect();
        assert_eq!(escaped_key, [true, true]);
    }

    #[test]
    fn raw_params_agree_with_splitting_by_str_on_any_query() {
        // Queries of up to 96 characters (long enough for the vectorised search) drawn from the
        // ones that matter and a multi-byte one, from a fixed-seed generator: the same parts, in
        // order, as `split` / `split_once` give.
        let alphabet = ['&', '=', '%', 'a', 'Z', '2', '\u{e9}'];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..5000 {
            let mut query = String::new();
            // Mostly letters in every other round, so that parts are long too.
            let len = next() % 97;
            for _ in 0..len {
                let pick = next();
                let c = if round % 2 == 0 && pick % 8 != 0 {
                    'a'
                } else {
                    alphabet[(pick % 7) as usize]
                };
                query.push(c);
            }
            let expected: Vec<(&str, &str, bool)> = query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (k, v, p.contains('%'))
                })
                .collect();
            let got: Vec<_> = RawParams::new(&query)
                .map(|p| (p.key, p.value, p.escaped))
                .collect();
            assert_eq!(got, expected, "query {query:?}");
        }
    }

    #[test]
    fn a_query_that_is_not_utf8_is_kept_lossy_and_refused_only_when_required() {
        let q = Query::parse_lossy("X-Amz-Algorithm=A&k=%FFx&%41=%2Fy");
        assert!(q.require_utf8().is_err());
        let pairs: Vec<(&str, &str)> = q.pairs().iter().map(|(k, v)| (&**k, &**v)).collect();
        assert_eq!(
            pairs,
            [("X-Amz-Algorithm", "A"), ("k", "\u{FFFD}x"), ("A", "/y")]
        );
        let err = Query::parse("k=%FFx").unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::InvalidArgument);
        let valid = Query::parse_lossy("k=%E2%82%AC&stray=%zz");
        assert!(valid.require_utf8().is_ok());
        assert_eq!(valid.get("k"), Some("\u{20AC}"));
        assert_eq!(valid.get("stray"), Some("%zz"));
    }
}
