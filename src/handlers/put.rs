//! PutObject: streams the body into storage while computing its MD5 and any requested checksum.

use super::{acl, encryption, names, require_bucket, tagging, RequestContext};
use crate::auth::body::RequestBody;
use crate::checksum::{ChecksumAlgorithm, ChecksumHasher};
use crate::digest::{BodyDigests, BodyHasher};
use crate::error::S3Error;
use crate::s3_error;
use crate::storage::{
    ContentHeaders, Existing, NewObject, ObjectWriter, StorageClass, StorageError, StoredChecksum,
    WriteCondition,
};
use crate::timefmt;
use actix_web::http::header::{self, HeaderName};
use actix_web::HttpResponse;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

/// The largest object a single PUT (or form POST) may create (S3's limit).
pub(super) const MAX_PUT_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// S3 limits user-defined metadata to 2 KB (names and values, UTF-8 bytes).
const MAX_USER_METADATA: usize = 2048;

pub async fn handle_put_object(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    let bucket_meta = require_bucket(ctx, bucket)?;
    check_declared_size(ctx)?;
    let content_md5 = content_md5(ctx)?;
    let checksum = requested_checksum(ctx)?;
    let headers = content_headers(ctx);
    let user_metadata = user_metadata(ctx)?;
    let tags = tagging::tags_from_header(ctx)?;
    let acl = acl::acl_for_write(&bucket_meta, acl::named_acl(ctx)?)?;
    let storage_class = requested_storage_class(ctx)?;
    let encryption = encryption::requested_by_headers(ctx, &bucket_meta)?;
    let condition = write_condition(ctx)?;

    let mut writer = ctx.store.begin_write()?;
    writer.require(condition);
    let received = receive_body(&mut body, &mut writer, content_md5, checksum).await?;
    let acl = acl::recheck_acl(ctx, bucket, acl)?;
    let stored_checksum = received.checksum;

    let object = NewObject {
        headers,
        user_metadata,
        checksum: stored_checksum.clone(),
        etag: hex::encode(received.md5),
        tags,
        acl,
        storage_class,
        encryption,
    };
    let meta = writer
        .commit_durably(bucket, key, object, timefmt::now_ms())
        .await
        .map_err(commit_error(key))?;

    let mut response = HttpResponse::Ok();
    response.insert_header((header::ETAG, super::quoted_etag(&meta.etag)));
    if let Some(c) = &stored_checksum {
        super::get::checksum_headers(&mut response, c);
    }
    encryption::encryption_headers(&mut response, &meta.encryption);
    super::lifecycle::expiration_header(ctx, &mut response, bucket, key, &meta)?;
    Ok(response.finish())
}

/// `x-amz-storage-class` of a PutObject, CopyObject or CreateMultipartUpload: STANDARD when
/// absent; a class S3 does not offer for a general-purpose bucket is refused.
pub(super) fn requested_storage_class(ctx: &RequestContext<'_>) -> Result<StorageClass, S3Error> {
    match ctx.req.headers().get(names::STORAGE_CLASS) {
        None => Ok(StorageClass::Standard),
        Some(value) => storage_class_named(value.to_str().unwrap_or("")),
    }
}

/// The storage class S3 calls `name`, or InvalidStorageClass.
pub(super) fn storage_class_named(name: &str) -> Result<StorageClass, S3Error> {
    StorageClass::from_name(name).ok_or_else(|| {
        s3_error!(InvalidStorageClass).detail("StorageClassRequested", name.to_string())
    })
}

/// The conditional-write headers of a PutObject, CopyObject (for its destination) or
/// CompleteMultipartUpload: `If-None-Match: *` (no object may exist; S3 takes no other value) and
/// `If-Match` (an object with one of the listed ETags, or any object for `*`, must exist). Every
/// line of a header counts, as one comma-separated list, and a value that is not text is kept
/// (and so matches nothing) rather than dropped: a condition the server cannot read must never
/// turn into an unconditional write.
pub(super) fn write_condition(ctx: &RequestContext<'_>) -> Result<WriteCondition, S3Error> {
    let mut condition = WriteCondition::default();
    if let Some(list) = super::header_values(ctx, header::IF_NONE_MATCH) {
        if list.is_empty() || list.iter().any(|value| value != "*") {
            return Err(s3_error!(NotImplemented).detail("Header", "If-None-Match"));
        }
        condition.absent = true;
    }
    if let Some(list) = super::header_values(ctx, header::IF_MATCH) {
        condition.existing = Some(if list.iter().any(|value| value == "*") {
            Existing::Any
        } else {
            // Strong comparison (RFC 9110): a weak tag matches nothing, as S3's ETags are strong.
            Existing::OneOf(
                list.iter()
                    .filter(|value| !value.starts_with("W/"))
                    .map(|value| value.trim_matches('"').to_string())
                    .collect(),
            )
        });
    }
    Ok(condition)
}

/// A storage error of a conditional commit as S3 words it: a key that had to exist is named.
pub(super) fn commit_error(key: &str) -> impl Fn(StorageError) -> S3Error + '_ {
    move |err| match err {
        StorageError::NoSuchKey => s3_error!(NoSuchKey).detail("Key", key),
        other => other.into(),
    }
}

/// What streaming a request body into storage established about it.
pub(super) struct Received {
    pub md5: [u8; 16],
    /// The verified (or, when only the algorithm was named, computed) additional checksum.
    pub checksum: Option<StoredChecksum>,
}

/// Streams the body into `writer`, computing its MD5 and requested checksum as it flows, and
/// checks both against what the client sent. Nothing is committed here.
pub(super) async fn receive_body(
    body: &mut RequestBody,
    writer: &mut ObjectWriter,
    content_md5: Option<Vec<u8>>,
    checksum: Option<RequestedChecksum>,
) -> Result<Received, S3Error> {
    let mut hasher = BodyHasher::new(checksum.as_ref().map(|c| c.algorithm));
    while let Some(chunk) = body.next().await? {
        // Handed to the writer first, so the bytes are written while they are hashed.
        writer.write(chunk.clone())?;
        hasher.update(chunk).await;
        if writer.len() > MAX_PUT_SIZE {
            return Err(
                s3_error!(EntityTooLarge).detail("MaxSizeAllowed", MAX_PUT_SIZE.to_string())
            );
        }
    }
    // The file's final sync first: the hashing thread finishes its queue meanwhile.
    writer.sync_data()?;
    let BodyDigests {
        md5,
        checksum: hasher,
    } = hasher
        .finish()
        .await
        .ok_or_else(|| S3Error::internal("the body's hashing thread stopped"))?;
    if let Some(expected) = content_md5 {
        if expected.as_slice() != md5.as_slice() {
            return Err(s3_error!(BadDigest)
                .detail("ExpectedDigest", BASE64.encode(expected))
                .detail("CalculatedDigest", BASE64.encode(md5)));
        }
    }
    let checksum = match (checksum, hasher) {
        (Some(requested), Some(hasher)) => {
            Some(verify_checksum(requested, hasher, body.trailers())?)
        }
        _ => None,
    };
    Ok(Received { md5, checksum })
}

/// Refuses, before reading a byte, a body the client already says is too large or has no length.
pub(super) fn check_declared_size(ctx: &RequestContext<'_>) -> Result<(), S3Error> {
    let declared = ctx
        .header(names::DECODED_CONTENT_LENGTH)
        .or_else(|| ctx.header(header::CONTENT_LENGTH));
    match declared {
        Some(len) => {
            let len: u64 = len
                .trim()
                .parse()
                .map_err(|_| s3_error!(InvalidArgument, "The Content-Length is not a number."))?;
            if len > MAX_PUT_SIZE {
                return Err(s3_error!(EntityTooLarge)
                    .detail("ProposedSize", len.to_string())
                    .detail("MaxSizeAllowed", MAX_PUT_SIZE.to_string()));
            }
            Ok(())
        }
        None if ctx.header(header::TRANSFER_ENCODING).is_some() => {
            Err(s3_error!(MissingContentLength))
        }
        None => Ok(()),
    }
}

/// Not among `http`'s constants.
const CONTENT_MD5: HeaderName = HeaderName::from_static("content-md5");

/// The decoded `Content-MD5`, if sent; `InvalidDigest` when it is not base64 of 16 bytes.
pub(super) fn content_md5(ctx: &RequestContext<'_>) -> Result<Option<Vec<u8>>, S3Error> {
    let Some(value) = ctx.header(CONTENT_MD5) else {
        return Ok(None);
    };
    match BASE64.decode(value.trim()) {
        Ok(bytes) if bytes.len() == 16 => Ok(Some(bytes)),
        _ => Err(s3_error!(InvalidDigest).detail("Content-MD5", value)),
    }
}

/// A checksum the client asked for: its algorithm, and its value when sent as a header (otherwise
/// it arrives as an aws-chunked trailer).
#[derive(Debug)]
pub(super) struct RequestedChecksum {
    pub(super) algorithm: ChecksumAlgorithm,
    pub(super) header_value: Option<String>,
    /// Announced by `x-amz-trailer`: the body must end with it.
    pub(super) trailer_declared: bool,
}

impl RequestedChecksum {
    /// A checksum the server computes itself (the client sent none).
    pub(super) fn computed(algorithm: ChecksumAlgorithm) -> Self {
        RequestedChecksum {
            algorithm,
            header_value: None,
            trailer_declared: false,
        }
    }
}

pub(super) fn requested_checksum(
    ctx: &RequestContext<'_>,
) -> Result<Option<RequestedChecksum>, S3Error> {
    let mut found: Option<RequestedChecksum> = None;
    for (name, value) in ctx.req.headers() {
        if let Some(algorithm) = ChecksumAlgorithm::from_header_name(name.as_str()) {
            if found.is_some() {
                return Err(s3_error!(
                    InvalidRequest,
                    "Expecting a single x-amz-checksum- header"
                ));
            }
            let value = value
                .to_str()
                .map_err(|_| s3_error!(InvalidRequest, "Value for {} header is invalid.", name))?
                .trim();
            algorithm.validate_value(value)?;
            found = Some(RequestedChecksum {
                algorithm,
                header_value: Some(value.to_string()),
                trailer_declared: false,
            });
        }
    }
    if found.is_some() {
        return Ok(found);
    }
    // Declared as a trailer (`x-amz-trailer: x-amz-checksum-crc32`) or only named by the SDK.
    if let Some(trailer) = ctx.header(names::TRAILER) {
        let algorithm = ChecksumAlgorithm::from_header_name(trailer.trim()).ok_or_else(|| {
            s3_error!(
                InvalidRequest,
                "The value specified in the x-amz-trailer header is not supported"
            )
        })?;
        return Ok(Some(RequestedChecksum {
            algorithm,
            header_value: None,
            trailer_declared: true,
        }));
    }
    let named = ctx
        .header(names::SDK_CHECKSUM_ALGORITHM)
        .or_else(|| ctx.header(names::CHECKSUM_ALGORITHM));
    match named {
        None => Ok(None),
        Some(name) => {
            let algorithm = ChecksumAlgorithm::from_name(name.trim()).ok_or_else(|| {
                s3_error!(InvalidRequest, "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
            })?;
            Ok(Some(RequestedChecksum {
                algorithm,
                header_value: None,
                trailer_declared: false,
            }))
        }
    }
}

/// Compares the computed checksum with the one the client sent (header or trailer); with none sent,
/// the computed one is stored, as S3 does when only the algorithm is named.
pub(super) fn verify_checksum(
    requested: RequestedChecksum,
    hasher: ChecksumHasher,
    trailers: &[(String, String)],
) -> Result<StoredChecksum, S3Error> {
    let algorithm = requested.algorithm;
    let computed = hasher.finish();
    let sent = requested.header_value.or_else(|| {
        trailers
            .iter()
            .find(|(name, _)| name == algorithm.header_name())
            .map(|(_, v)| v.trim().to_string())
    });
    match sent {
        Some(sent) => {
            algorithm.validate_value(&sent)?;
            if sent != computed {
                return Err(algorithm.mismatch_error());
            }
        }
        None if requested.trailer_declared => {
            return Err(s3_error!(
                InvalidRequest,
                "The {} trailer was declared in x-amz-trailer but not sent.",
                algorithm.header_name()
            ))
        }
        None => {}
    }
    Ok(StoredChecksum {
        algorithm: algorithm.name().to_string(),
        value: computed,
        composite: false,
    })
}

pub(super) fn content_headers(ctx: &RequestContext<'_>) -> ContentHeaders {
    let get = |name: HeaderName| ctx.header(name).map(str::to_string);
    ContentHeaders {
        content_type: get(header::CONTENT_TYPE),
        content_disposition: get(header::CONTENT_DISPOSITION),
        content_encoding: ctx
            .header(header::CONTENT_ENCODING)
            .and_then(strip_aws_chunked),
        content_language: get(header::CONTENT_LANGUAGE),
        cache_control: get(header::CACHE_CONTROL),
        expires: get(header::EXPIRES),
    }
}

/// `aws-chunked` describes the transfer, not the object: S3 drops it from the stored encoding.
fn strip_aws_chunked(encoding: &str) -> Option<String> {
    let kept: Vec<&str> = encoding
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("aws-chunked"))
        .collect();
    (!kept.is_empty()).then(|| kept.join(","))
}

pub(super) fn user_metadata(ctx: &RequestContext<'_>) -> Result<Vec<(String, String)>, S3Error> {
    let mut pairs = Vec::new();
    for (name, value) in ctx.req.headers() {
        if let Some(meta_name) = name.as_str().strip_prefix("x-amz-meta-") {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            pairs.push((meta_name.to_string(), value));
        }
    }
    check_metadata_size(&pairs)?;
    Ok(pairs)
}

/// S3's 2 KB limit on user metadata, names and values together.
pub(super) fn check_metadata_size(pairs: &[(String, String)]) -> Result<(), S3Error> {
    let size: usize = pairs
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    if size > MAX_USER_METADATA {
        return Err(s3_error!(
            MetadataTooLarge,
            "Your metadata headers exceed the maximum allowed metadata size."
        )
        .detail("Size", size.to_string())
        .detail("MaxSizeAllowed", MAX_USER_METADATA.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::strip_aws_chunked;

    #[test]
    fn aws_chunked_is_not_stored_as_content_encoding() {
        assert_eq!(strip_aws_chunked("aws-chunked"), None);
        assert_eq!(strip_aws_chunked("aws-chunked,gzip"), Some("gzip".into()));
        assert_eq!(strip_aws_chunked("gzip, aws-chunked"), Some("gzip".into()));
        assert_eq!(strip_aws_chunked("br"), Some("br".into()));
    }
}
