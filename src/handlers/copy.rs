//! CopyObject, and the data copy it shares with UploadPartCopy.

use super::get::{check_preconditions, Conditions};
use super::put::{content_headers, user_metadata};
use super::{require_bucket, tagging, RequestContext};
use crate::checksum::{ChecksumAlgorithm, ChecksumHasher};
use crate::error::S3Error;
use crate::router::CopySource;
use crate::s3_error;
use crate::storage::{
    Encryption, NewObject, ObjectMeta, ObjectReader, ObjectWriter, StoredChecksum,
};
use crate::timefmt;
use crate::xml;
use actix_web::HttpResponse;
use md5::{Digest, Md5};

pub async fn handle_copy_object(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    source: &CopySource,
) -> Result<HttpResponse, S3Error> {
    let bucket_meta = require_bucket(ctx, bucket)?;
    let condition = super::put::write_condition(ctx)?;
    let (src, reader) = open_source(ctx, source)?;
    let replace_metadata = directive(ctx, "x-amz-metadata-directive")?;
    let replace_tags = directive(ctx, "x-amz-tagging-directive")?;
    // ACLs are not copied: the copy gets what this request asks for, private by default.
    let acl = super::acl::acl_for_write(&bucket_meta, super::acl::named_acl(ctx)?)?;
    // Neither is copied either: the copy gets what the request names, else STANDARD and the
    // destination bucket's default encryption.
    let storage_class = super::put::requested_storage_class(ctx)?;
    let encryption = super::encryption::requested_by_headers(ctx, &bucket_meta)?;
    // S3 lets a copy onto itself through when anything about the object changes, encryption
    // included: a bucket with a default of its own, or a source that is not SSE-S3, re-encrypts.
    let re_encrypts = bucket_meta
        .encryption
        .as_ref()
        .is_some_and(|e| *e != Encryption::default())
        || src.encryption != Encryption::default();
    if source.bucket == bucket
        && source.key == key
        && !replace_metadata
        && !re_encrypts
        && ctx.req.headers().get(super::names::STORAGE_CLASS).is_none()
        && ctx.req.headers().get(super::names::SSE).is_none()
    {
        return Err(s3_error!(
            InvalidRequest,
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."
        ));
    }
    let (headers, user_metadata) = if replace_metadata {
        (content_headers(ctx), user_metadata(ctx)?)
    } else {
        (src.headers.clone(), src.user_metadata.clone())
    };
    let tags = if replace_tags {
        tagging::tags_from_header(ctx)?
    } else {
        src.tags.clone()
    };
    // The copy keeps a checksum of the source's algorithm unless the request names another.
    let algorithm = match ctx.header(super::names::CHECKSUM_ALGORITHM) {
        Some(name) => Some(ChecksumAlgorithm::from_name(name).ok_or_else(|| {
            s3_error!(
                InvalidRequest,
                "Checksum algorithm provided is unsupported."
            )
        })?),
        None => src
            .checksum
            .as_ref()
            .and_then(|c| ChecksumAlgorithm::from_name(&c.algorithm)),
    };
    let mut writer = ctx.store.begin_write()?;
    writer.require(condition);
    let copied = copy_data(reader, writer, (0, src.size), algorithm).await?;
    let checksum = copied.checksum.clone();
    let acl = super::acl::recheck_acl(ctx, bucket, acl)?;
    let object = NewObject {
        headers,
        user_metadata,
        checksum: checksum.clone(),
        etag: hex::encode(copied.md5),
        tags,
        acl,
        storage_class,
        encryption,
    };
    let meta = copied
        .writer
        .commit_durably(bucket, key, object, timefmt::now_ms())
        .await
        .map_err(super::put::commit_error(key))?;
    let checksum = checksum
        .as_ref()
        .map(|c| (c.algorithm.as_str(), c.value.as_str()));
    let body = xml::copy_result(
        "CopyObjectResult",
        &meta.etag,
        &timefmt::iso8601_ms(meta.last_modified_ms),
        checksum,
    );
    super::encryption::xml_response_for_object(ctx, body, bucket, key, &meta)
}

/// Opens the object named by `x-amz-copy-source` and checks the `x-amz-copy-source-if-*` conditions.
pub(super) fn open_source(
    ctx: &RequestContext<'_>,
    source: &CopySource,
) -> Result<(ObjectMeta, ObjectReader), S3Error> {
    require_bucket(ctx, &source.bucket)?;
    let (meta, reader) = ctx
        .store
        .open_read(&source.bucket, &source.key)?
        .ok_or_else(|| s3_error!(NoSuchKey).detail("Key", source.key.as_str()))?;
    check_preconditions(ctx, &meta, Conditions::CopySource)?;
    super::restore::check_readable(&meta, true)?;
    super::encryption::refuse_customer_key(ctx, &super::names::COPY_SOURCE_SSE_CUSTOMER)?;
    Ok((meta, reader))
}

/// `COPY` (the default) or `REPLACE`; true for `REPLACE`.
fn directive(ctx: &RequestContext<'_>, header: &str) -> Result<bool, S3Error> {
    match ctx.header(header).map(str::trim) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("COPY") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("REPLACE") => Ok(true),
        Some(v) => Err(s3_error!(InvalidArgument, "Unknown {header}: {v}")
            .detail("ArgumentName", header)
            .detail("ArgumentValue", v)),
    }
}

/// The result of [`copy_data`]: the writer holding the bytes, their MD5 and checksum.
pub(super) struct Copied {
    pub writer: ObjectWriter,
    pub md5: [u8; 16],
    pub checksum: Option<StoredChecksum>,
}

/// Copies bytes `range` (end exclusive) of an open source into `writer`, a chunk at a time, on a
/// blocking thread: it is all disk work, and a large copy must not stall the HTTP workers.
pub(super) async fn copy_data(
    mut reader: ObjectReader,
    mut writer: ObjectWriter,
    range: (u64, u64),
    algorithm: Option<ChecksumAlgorithm>,
) -> Result<Copied, S3Error> {
    actix_web::rt::task::spawn_blocking(move || {
        reader.set_range(range.0, range.1);
        let mut md5 = Md5::new();
        let mut hasher = algorithm.map(ChecksumHasher::new);
        while let Some(chunk) = reader.next_chunk()? {
            // Handed to the writer first, so the bytes are written while they are hashed.
            writer.write(chunk.clone())?;
            md5.update(&chunk);
            if let Some(h) = hasher.as_mut() {
                h.update(&chunk);
            }
        }
        let checksum = hasher.map(|h| StoredChecksum {
            algorithm: h.algorithm().name().to_string(),
            value: h.finish(),
            composite: false,
        });
        Ok(Copied {
            writer,
            md5: md5.finalize().into(),
            checksum,
        })
    })
    .await
    .map_err(S3Error::internal)?
}
