//! Multipart uploads: Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts, ListMultipartUploads.

use super::copy::{copy_data, open_source};
use super::list::encode_if;
use super::put::{
    check_declared_size, content_headers, content_md5, receive_body, requested_checksum,
    user_metadata, RequestedChecksum,
};
use super::{encryption, owner, require_bucket, tagging, xml_response, RequestContext};
use crate::auth::body::RequestBody;
use crate::checksum::ChecksumAlgorithm;
use crate::error::S3Error;
use crate::router::{CopySource, ListParams};
use crate::s3_error;
use crate::storage::{
    Completion, ListQuery, NewPart, PartMeta, StoredChecksum, UploadListEntry, UploadMeta,
};
use crate::timefmt;
use crate::xml::{self, ListPartsResult, ListUploadsResult, PartEntry, UploadListing};
use actix_web::HttpResponse;
use md5::{Digest, Md5};

/// Every part but the last must be at least this large (S3's limit).
const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// Room for 10,000 `<Part>` entries with checksums.
const MAX_COMPLETE_BODY: usize = 8 * 1024 * 1024;

pub async fn handle_create_multipart_upload(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
) -> Result<HttpResponse, S3Error> {
    let bucket_meta = require_bucket(ctx, bucket)?;
    let algorithm = match ctx.header(super::names::CHECKSUM_ALGORITHM) {
        None => None,
        Some(name) => Some(ChecksumAlgorithm::from_name(name).ok_or_else(|| {
            s3_error!(
                InvalidRequest,
                "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
            )
        })?),
    };
    // CRC64NVME only exists as a whole-object checksum; the others default to COMPOSITE.
    let full_object = match ctx.header(super::names::CHECKSUM_TYPE).map(str::trim) {
        None => algorithm == Some(ChecksumAlgorithm::Crc64Nvme),
        Some(t) if t.eq_ignore_ascii_case("FULL_OBJECT") => true,
        Some(t) if t.eq_ignore_ascii_case("COMPOSITE") => false,
        Some(t) => {
            return Err(s3_error!(
                InvalidRequest,
                "Value for x-amz-checksum-type header is invalid: {t}"
            ))
        }
    };
    match algorithm {
        Some(alg) if full_object && !alg.supports_full_object() => {
            return Err(s3_error!(
                InvalidRequest,
                "The FULL_OBJECT checksum type cannot be used with the {} checksum algorithm.",
                alg.name()
            ))
        }
        Some(ChecksumAlgorithm::Crc64Nvme) if !full_object => {
            return Err(s3_error!(
                InvalidRequest,
                "The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm."
            ))
        }
        None if ctx.header(super::names::CHECKSUM_TYPE).is_some() => {
            return Err(s3_error!(
                InvalidRequest,
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."
            ))
        }
        _ => {}
    }
    let meta = UploadMeta {
        initiated_ms: timefmt::now_ms(),
        headers: content_headers(ctx),
        user_metadata: user_metadata(ctx)?,
        checksum_algorithm: algorithm.map(|a| a.name().to_string()),
        checksum_full_object: full_object && algorithm.is_some(),
        tags: tagging::tags_from_header(ctx)?,
        acl: super::acl::acl_for_write(&bucket_meta, super::acl::named_acl(ctx)?)?,
        storage_class: super::put::requested_storage_class(ctx)?,
        encryption: encryption::requested_by_headers(ctx, &bucket_meta)?,
    };
    let upload_id = ctx.store.create_upload(bucket, key, &meta)?;
    ctx.store.sync().await?;
    let mut response = HttpResponse::Ok();
    encryption::encryption_headers(&mut response, &meta.encryption);
    if let Some(alg) = algorithm {
        response.insert_header(("x-amz-checksum-algorithm", alg.name()));
        response.insert_header(("x-amz-checksum-type", checksum_type(full_object)));
    }
    Ok(response
        .content_type("application/xml")
        .body(xml::initiate_multipart_upload_result(
            bucket, key, &upload_id,
        )))
}

/// `x-amz-checksum-type` / `ChecksumType` of a checksum over the whole object or of its parts'.
pub(super) fn checksum_type(full_object: bool) -> &'static str {
    if full_object {
        "FULL_OBJECT"
    } else {
        "COMPOSITE"
    }
}

fn require_upload(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<UploadMeta, S3Error> {
    require_bucket(ctx, bucket)?;
    ctx.store
        .upload(bucket, key, upload_id)?
        .ok_or_else(|| s3_error!(NoSuchUpload).detail("UploadId", upload_id))
}

/// The upload's checksum algorithm, if any.
fn upload_algorithm(upload: &UploadMeta) -> Option<ChecksumAlgorithm> {
    upload
        .checksum_algorithm
        .as_deref()
        .and_then(ChecksumAlgorithm::from_name)
}

pub async fn handle_upload_part(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    part_number: u32,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    let upload = require_upload(ctx, bucket, key, upload_id)?;
    // No upload is SSE-C (CreateMultipartUpload refuses it), so a part's key applies to nothing.
    encryption::refuse_customer_key(ctx, &super::names::SSE_CUSTOMER)?;
    encryption::refuse_sse_header(ctx)?;
    check_declared_size(ctx)?;
    let content_md5 = content_md5(ctx)?;
    let upload_alg = upload_algorithm(&upload);
    // Parts of an upload with a checksum algorithm each need that checksum: computed here when the
    // client sends none, refused when it sends another kind.
    let checksum = match (requested_checksum(ctx)?, upload_alg) {
        (Some(sent), Some(expected)) if sent.algorithm != expected => {
            return Err(s3_error!(
            InvalidRequest,
            "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
            expected.name().to_ascii_lowercase(),
            sent.algorithm.name().to_ascii_lowercase()
        ))
        }
        (None, Some(expected)) => Some(RequestedChecksum::computed(expected)),
        (sent, _) => sent,
    };
    let mut writer = ctx.store.begin_write()?;
    let received = receive_body(&mut body, &mut writer, content_md5, checksum).await?;
    let part = writer.commit_part(
        bucket,
        key,
        upload_id,
        part_number,
        NewPart {
            etag: hex::encode(received.md5),
            checksum: received.checksum.as_ref().map(|c| c.value.clone()),
            last_modified_ms: timefmt::now_ms(),
        },
    )?;
    ctx.store.sync().await?;
    let mut response = HttpResponse::Ok();
    response.insert_header((
        actix_web::http::header::ETAG,
        super::quoted_etag(&part.etag),
    ));
    if let Some(c) = &received.checksum {
        super::get::checksum_headers(&mut response, c);
    }
    encryption::encryption_headers(&mut response, &upload.encryption);
    Ok(response.finish())
}

pub async fn handle_upload_part_copy(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    part_number: u32,
    source: &CopySource,
) -> Result<HttpResponse, S3Error> {
    let upload = require_upload(ctx, bucket, key, upload_id)?;
    encryption::refuse_sse_header(ctx)?;
    encryption::refuse_customer_key(ctx, &super::names::SSE_CUSTOMER)?;
    let (src, reader) = open_source(ctx, source)?;
    let range = match ctx.header(super::names::COPY_SOURCE_RANGE) {
        None => (0, src.size),
        Some(spec) => parse_copy_range(spec, src.size)?,
    };
    let writer = ctx.store.begin_write()?;
    let copied = copy_data(reader, writer, range, upload_algorithm(&upload)).await?;
    let part = copied.writer.commit_part(
        bucket,
        key,
        upload_id,
        part_number,
        NewPart {
            etag: hex::encode(copied.md5),
            checksum: copied.checksum.as_ref().map(|c| c.value.clone()),
            last_modified_ms: timefmt::now_ms(),
        },
    )?;
    ctx.store.sync().await?;
    let checksum = copied
        .checksum
        .as_ref()
        .map(|c| (c.algorithm.as_str(), c.value.as_str()));
    Ok(encryption::xml_response_reporting(
        xml::copy_result(
            "CopyPartResult",
            &part.etag,
            &timefmt::iso8601_ms(part.last_modified_ms),
            checksum,
        ),
        &upload.encryption,
    ))
}

/// `x-amz-copy-source-range: bytes=first-last`, both inclusive and inside the source.
fn parse_copy_range(spec: &str, size: u64) -> Result<(u64, u64), S3Error> {
    let malformed = || {
        s3_error!(
            InvalidArgument,
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"
        )
        .detail("ArgumentName", "x-amz-copy-source-range")
        .detail("ArgumentValue", spec)
    };
    let (first, last) = spec
        .trim()
        .strip_prefix("bytes=")
        .and_then(|r| r.split_once('-'))
        .ok_or_else(malformed)?;
    let first: u64 = first.trim().parse().map_err(|_| malformed())?;
    let last: u64 = last.trim().parse().map_err(|_| malformed())?;
    if first > last {
        return Err(malformed());
    }
    if last >= size {
        return Err(s3_error!(
            InvalidArgument,
            "Range specified is not valid for source object of size: {size}"
        )
        .detail("ArgumentName", "x-amz-copy-source-range")
        .detail("ArgumentValue", spec));
    }
    Ok((first, last + 1))
}

pub async fn handle_complete_multipart_upload(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    let upload = require_upload(ctx, bucket, key, upload_id)?;
    encryption::refuse_sse_header(ctx)?;
    // Block Public Access turned on, or ACLs disabled, since the upload began apply to the
    // object it makes (which, with ACLs disabled, grants nothing by its ACL anyway).
    super::acl::recheck_acl(ctx, bucket, upload.acl)?;
    let condition = super::put::write_condition(ctx)?;
    let document = body.read_to_end(MAX_COMPLETE_BODY).await?;
    let request: xml::CompleteMultipartUpload = xml::parse(&document)?;
    if request.parts.is_empty() {
        return Err(s3_error!(
            MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema"
        ));
    }
    let stored: std::collections::HashMap<u32, PartMeta> =
        ctx.store.all_parts(upload_id)?.into_iter().collect();
    let alg = upload_algorithm(&upload);

    let mut chosen = Vec::with_capacity(request.parts.len());
    let mut md5_concat = Md5::new();
    let mut part_checksums = Vec::new();
    let mut previous = 0;
    let last_index = request.parts.len() - 1;
    for (i, listed) in request.parts.iter().enumerate() {
        if listed.part_number <= previous {
            return Err(s3_error!(InvalidPartOrder));
        }
        previous = listed.part_number;
        let etag = listed.etag.trim().trim_matches('"');
        let invalid_part = || {
            s3_error!(InvalidPart)
                .detail("UploadId", upload_id)
                .detail("PartNumber", listed.part_number.to_string())
                .detail("ETag", listed.etag.as_str())
        };
        let part = stored
            .get(&listed.part_number)
            .filter(|p| p.etag == etag)
            .ok_or_else(invalid_part)?;
        if i < last_index && part.size < MIN_PART_SIZE {
            return Err(s3_error!(EntityTooSmall)
                .detail("ProposedSize", part.size.to_string())
                .detail("MinSizeAllowed", MIN_PART_SIZE.to_string())
                .detail("PartNumber", listed.part_number.to_string())
                .detail("ETag", listed.etag.as_str()));
        }
        let binary_md5 = hex::decode(&part.etag).map_err(S3Error::internal)?;
        md5_concat.update(&binary_md5);
        if let Some(alg) = alg {
            let value = part.checksum.as_deref().ok_or_else(invalid_part)?;
            if listed
                .checksum(alg.name())
                .is_some_and(|sent| sent.trim() != value)
            {
                return Err(invalid_part());
            }
            let decoded = ChecksumAlgorithm::decode_value(value).ok_or_else(invalid_part)?;
            part_checksums.push((decoded, part.size));
        }
        chosen.push((listed.part_number, part.etag.clone()));
    }
    let etag = format!("{}-{}", hex::encode(md5_concat.finalize()), chosen.len());
    let checksum = alg.map(|alg| final_checksum(alg, upload.checksum_full_object, part_checksums));
    let checksum = checksum.transpose()?;
    verify_whole_object_checksum(ctx, checksum.as_ref())?;

    let meta = ctx
        .store
        .complete_upload(
            bucket,
            key,
            upload_id,
            Completion {
                parts: &chosen,
                etag,
                checksum,
                last_modified_ms: timefmt::now_ms(),
                condition,
            },
        )
        .map_err(super::put::commit_error(key))?;
    ctx.store.sync().await?;
    let host = ctx
        .header(actix_web::http::header::HOST)
        .unwrap_or("localhost");
    let location = format!(
        "http://{host}/{bucket}/{}",
        crate::auth::sigv4::uri_encode(key.as_bytes(), true)
    );
    let checksum = meta.checksum.as_ref().map(|c| {
        (
            c.algorithm.as_str(),
            c.value.as_str(),
            checksum_type(!c.composite),
        )
    });
    let body = xml::complete_multipart_upload_result(&location, bucket, key, &meta.etag, checksum);
    encryption::xml_response_for_object(ctx, body, bucket, key, &meta)
}

/// The multipart object's checksum from its parts': combined CRC for `FULL_OBJECT`, else the
/// checksum of the checksums.
fn final_checksum(
    alg: ChecksumAlgorithm,
    full_object: bool,
    parts: Vec<(Vec<u8>, u64)>,
) -> Result<StoredChecksum, S3Error> {
    let (value, composite) = if full_object {
        let combined = alg
            .combine_full_object(&parts)
            .ok_or_else(|| S3Error::internal("part checksums could not be combined"))?;
        (combined, false)
    } else {
        let values: Vec<Vec<u8>> = parts.into_iter().map(|(v, _)| v).collect();
        (alg.composite(&values), true)
    };
    Ok(StoredChecksum {
        algorithm: alg.name().to_string(),
        value,
        composite,
    })
}

/// A whole-object checksum header sent with CompleteMultipartUpload must equal the computed one.
fn verify_whole_object_checksum(
    ctx: &RequestContext<'_>,
    computed: Option<&StoredChecksum>,
) -> Result<(), S3Error> {
    for alg in ChecksumAlgorithm::ALL {
        let Some(sent) = ctx.header(alg.header_name()) else {
            continue;
        };
        let matches = computed.is_some_and(|c| c.algorithm == alg.name() && c.value == sent.trim());
        if !matches {
            return Err(alg.mismatch_error());
        }
    }
    Ok(())
}

pub async fn handle_abort_multipart_upload(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<HttpResponse, S3Error> {
    ctx.store
        .abort_upload(bucket, key, upload_id)
        .map_err(|e| S3Error::from(e).detail("UploadId", upload_id))?;
    ctx.store.sync().await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn handle_list_parts(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    max_parts: usize,
    part_number_marker: u32,
) -> Result<HttpResponse, S3Error> {
    let upload = require_upload(ctx, bucket, key, upload_id)?;
    let (parts, is_truncated) = ctx
        .store
        .list_parts(upload_id, part_number_marker, max_parts)?;
    let alg = upload.checksum_algorithm.as_deref();
    let entries: Vec<PartEntry<'_>> = parts
        .iter()
        .map(|(number, part)| PartEntry {
            part_number: *number,
            last_modified: timefmt::iso8601_ms(part.last_modified_ms),
            etag: &part.etag,
            size: part.size,
            checksum: alg.zip(part.checksum.as_deref()),
        })
        .collect();
    let the_owner = owner();
    let result = ListPartsResult {
        bucket,
        key,
        upload_id,
        owner: &the_owner,
        storage_class: upload.storage_class.name(),
        checksum_algorithm: alg,
        part_number_marker,
        next_part_number_marker: parts.last().map(|(n, _)| *n).filter(|_| is_truncated),
        max_parts,
        is_truncated,
        parts: entries,
    };
    Ok(xml_response(xml::list_parts_result(&result)))
}

pub fn handle_list_multipart_uploads(
    ctx: &RequestContext<'_>,
    bucket: &str,
    params: &ListParams,
    key_marker: Option<String>,
    upload_id_marker: Option<String>,
) -> Result<HttpResponse, S3Error> {
    let query = ListQuery {
        prefix: params.prefix.clone(),
        delimiter: params.delimiter.clone(),
        start_after: key_marker.clone(),
        max_keys: params.max_keys,
    };
    // An upload-id marker means nothing without a key marker (S3 ignores it then).
    let id_marker = upload_id_marker.as_deref().filter(|_| key_marker.is_some());
    let page = ctx.store.list_uploads(bucket, &query, id_marker)?;
    let url = params.url_encoding;
    let mut uploads = Vec::new();
    let mut common_prefixes = Vec::new();
    let (mut next_key_marker, mut next_upload_id_marker) = (None, None);
    for entry in &page.entries {
        match entry {
            UploadListEntry::Upload(u) => {
                uploads.push(UploadListing {
                    key: encode_if(url, &u.key),
                    upload_id: u.upload_id.clone(),
                    initiated: timefmt::iso8601_ms(u.meta.initiated_ms),
                    checksum_algorithm: u.meta.checksum_algorithm.clone(),
                    storage_class: u.meta.storage_class.name(),
                });
                next_key_marker = Some(encode_if(url, &u.key));
                next_upload_id_marker = Some(u.upload_id.clone());
            }
            UploadListEntry::CommonPrefix(p) => {
                common_prefixes.push(encode_if(url, p));
                next_key_marker = Some(encode_if(url, p));
                next_upload_id_marker = None;
            }
        }
    }
    if !page.is_truncated {
        next_key_marker = None;
        next_upload_id_marker = None;
    }
    let the_owner = owner();
    let result = ListUploadsResult {
        bucket,
        key_marker: encode_if(url, key_marker.as_deref().unwrap_or_default()),
        upload_id_marker: id_marker.unwrap_or_default().to_string(),
        next_key_marker,
        next_upload_id_marker,
        prefix: encode_if(url, &params.prefix),
        delimiter: params.delimiter.as_deref().map(|d| encode_if(url, d)),
        max_uploads: params.max_keys,
        encoding_type: url.then_some("url"),
        is_truncated: page.is_truncated,
        owner: &the_owner,
        uploads,
        common_prefixes,
    };
    Ok(xml_response(xml::list_multipart_uploads_result(&result)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_ranges_must_be_inside_the_source() {
        assert_eq!(parse_copy_range("bytes=0-9", 100).unwrap(), (0, 10));
        assert_eq!(parse_copy_range("bytes=99-99", 100).unwrap(), (99, 100));
        for bad in ["bytes=5-1", "bytes=0-100", "0-9", "bytes=-5", "bytes=a-b"] {
            assert_eq!(
                parse_copy_range(bad, 100).unwrap_err().code.as_str(),
                "InvalidArgument",
                "{bad}"
            );
        }
    }
}
