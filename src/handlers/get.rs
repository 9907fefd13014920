//! GetObject and HeadObject: conditional requests, byte ranges, header overrides, streamed bodies.

use super::{names, quoted_etag, RequestContext};
use crate::checksum::ChecksumAlgorithm;
use crate::error::S3Error;
use crate::router::ResponseOverrides;
use crate::s3_error;
use crate::storage::{ObjectMeta, ObjectReader, ReadAhead, StorageClass, StoredChecksum};
use crate::timefmt;
use actix_web::body::{BodySize, MessageBody, SizedStream};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use futures_util::stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `overrides` is `Some` for GetObject (which sends a body) and `None` for HeadObject.
pub fn handle_get_object(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    overrides: Option<&ResponseOverrides>,
    part_number: Option<u32>,
) -> Result<HttpResponse, S3Error> {
    let no_such_key = || s3_error!(NoSuchKey).detail("Key", key);
    // HEAD needs only the record; GET pins the data it is about to stream.
    let (meta, reader) = if overrides.is_some() {
        let (meta, reader) = ctx.store.open_read(bucket, key)?.ok_or_else(no_such_key)?;
        (meta, Some(reader))
    } else {
        (
            ctx.store.object(bucket, key)?.ok_or_else(no_such_key)?,
            None,
        )
    };
    // Before the preconditions: a request S3 refuses is refused even where a 304 would do.
    super::encryption::refuse_sse_header(ctx)?;
    super::encryption::refuse_customer_key(ctx, &names::SSE_CUSTOMER[..1])?;
    if reader.is_some() {
        super::restore::check_readable(&meta, false)?;
    }
    check_preconditions(ctx, &meta, Conditions::Read)?;

    let range = match (part_number, ctx.header(header::RANGE)) {
        // A plain object is a single part: part 1 is all of it.
        (Some(1), _) if meta.parts_count == 0 => None,
        (Some(part), _) => Some(meta.part_range(part).ok_or_else(|| {
            s3_error!(InvalidPartNumber)
                .detail("PartNumberRequested", part.to_string())
                .detail("ActualPartCount", meta.parts_count.max(1).to_string())
        })?),
        (None, Some(spec)) => parse_range(spec, meta.size)?,
        (None, None) => None,
    };

    let mut response = HttpResponse::build(if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    });
    object_headers(&mut response, &meta, overrides);
    super::lifecycle::expiration_header(ctx, &mut response, bucket, key, &meta)?;
    if part_number.is_some() && meta.parts_count > 0 {
        response.insert_header(("x-amz-mp-parts-count", meta.parts_count.to_string()));
    }
    if !meta.tags.is_empty() {
        response.insert_header(("x-amz-tagging-count", meta.tags.len().to_string()));
    }
    let want_checksum = ctx
        .header(super::names::CHECKSUM_MODE)
        .is_some_and(|m| m.eq_ignore_ascii_case("ENABLED"));
    // A stored checksum covers the whole object, so a range never carries it.
    if want_checksum && range.is_none() {
        if let Some(c) = &meta.checksum {
            checksum_headers(&mut response, c);
        }
    }
    let (start, end) = range.unwrap_or((0, meta.size));
    if range.is_some() {
        response.insert_header((
            "Content-Range",
            format!("bytes {}-{}/{}", start, end.saturating_sub(1), meta.size),
        ));
    }
    match reader {
        Some(mut reader) => {
            reader.set_range(start, end);
            if let Some(bytes) = reader.in_memory() {
                return Ok(response.body(bytes));
            }
            if end - start <= READ_ON_WORKER_LIMIT {
                return Ok(response.body(SizedStream::new(end - start, body_stream(reader))));
            }
            let chunks = reader.read_ahead()?;
            Ok(response.body(SizedStream::new(end - start, read_ahead_stream(chunks))))
        }
        None => Ok(response.body(HeadBody(end - start))),
    }
}

/// The most parts GetObjectAttributes lists at once (and its default), as ListParts.
const MAX_ATTRIBUTE_PARTS: u32 = 1000;

/// GetObjectAttributes: the attributes `x-amz-object-attributes` names, from the object's record.
/// A multipart object's parts are listed (number and size, from `x-amz-part-number-marker`, at
/// most `x-amz-max-parts`) only when it has an additional checksum, as S3 does; S3 would give
/// each part's checksum too, which minis3 does not keep once the upload is complete.
pub fn handle_get_object_attributes(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
) -> Result<HttpResponse, S3Error> {
    super::require_bucket(ctx, bucket)?;
    let wanted = requested_attributes(ctx)?;
    let max_parts = attribute_number(ctx, "x-amz-max-parts")?
        .unwrap_or(MAX_ATTRIBUTE_PARTS)
        .min(MAX_ATTRIBUTE_PARTS);
    let marker = attribute_number(ctx, "x-amz-part-number-marker")?.unwrap_or(0);
    let meta = super::require_object(ctx, bucket, key)?;
    super::encryption::refuse_customer_key(ctx, &names::SSE_CUSTOMER)?;
    let wants = |name: &str| wanted.iter().any(|w| w == name);
    let checksum = meta.checksum.as_ref().filter(|_| wants("Checksum"));
    let parts = (wants("ObjectParts") && meta.parts_count > 0).then(|| {
        let mut listed: Vec<(u32, u64)> = if meta.checksum.is_some() {
            (marker.saturating_add(1)..=meta.parts_count)
                .filter_map(|n| meta.part_range(n).map(|(start, end)| (n, end - start)))
                .take(max_parts as usize + 1)
                .collect()
        } else {
            Vec::new()
        };
        let is_truncated = listed.len() > max_parts as usize;
        listed.truncate(max_parts as usize);
        crate::xml::AttributeParts {
            count: meta.parts_count,
            listed: meta.checksum.is_some(),
            part_number_marker: marker,
            next_part_number_marker: listed.last().map(|(n, _)| *n),
            max_parts,
            is_truncated,
            parts: listed,
        }
    });
    let body = crate::xml::object_attributes(&crate::xml::ObjectAttributes {
        etag: wants("ETag").then_some(meta.etag.as_str()),
        checksum: checksum.map(|c| {
            let kind = super::multipart::checksum_type(!c.composite);
            // A composite value carries `-<parts>` in headers; this answer gives the count in
            // `ObjectParts` and the bare value here (base64 has no '-').
            let value = c.value.split('-').next().unwrap_or_default();
            (c.algorithm.as_str(), value, kind)
        }),
        parts,
        storage_class: wants("StorageClass").then_some(meta.storage_class.name()),
        size: wants("ObjectSize").then_some(meta.size),
    });
    let modified = meta.last_modified_ms.div_euclid(1000);
    Ok(HttpResponse::Ok()
        .content_type("application/xml")
        .insert_header((header::LAST_MODIFIED, timefmt::http_date(modified)))
        .body(body))
}

/// The attributes `x-amz-object-attributes` names (over all its lines): S3 requires at least one,
/// each among ETag, Checksum, ObjectParts, StorageClass and ObjectSize.
fn requested_attributes(ctx: &RequestContext<'_>) -> Result<Vec<String>, S3Error> {
    const KNOWN: [&str; 5] = [
        "ETag",
        "Checksum",
        "ObjectParts",
        "StorageClass",
        "ObjectSize",
    ];
    let wanted = super::header_values(ctx, "x-amz-object-attributes").unwrap_or_default();
    if wanted.is_empty() {
        return Err(s3_error!(
            InvalidArgument,
            "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty"
        )
        .detail("ArgumentName", "x-amz-object-attributes"));
    }
    match wanted.iter().find(|name| !KNOWN.contains(&name.as_str())) {
        Some(unknown) => Err(
            s3_error!(InvalidArgument, "Invalid attribute name specified.")
                .detail("ArgumentName", "x-amz-object-attributes")
                .detail("ArgumentValue", unknown.as_str()),
        ),
        None => Ok(wanted),
    }
}

/// A non-negative integer header of GetObjectAttributes, if sent.
fn attribute_number(ctx: &RequestContext<'_>, name: &str) -> Result<Option<u32>, S3Error> {
    let Some(value) = ctx.req.headers().get(name) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map(Some)
        .ok_or_else(|| {
            s3_error!(
                InvalidArgument,
                "Provided {name} not an integer or within integer range"
            )
            .detail("ArgumentName", name)
        })
}

/// HEAD's body: the length GET would send, and no bytes (actix writes no body for HEAD anyway).
struct HeadBody(u64);

impl MessageBody for HeadBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.0)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<bytes::Bytes, Self::Error>>> {
        Poll::Ready(None)
    }
}

/// Ranges up to this size are read on the request's worker as the client consumes them (a few
/// reads, mostly from the page cache; a thread would cost more than it saves); larger ones by a
/// reader thread of their own ([`ObjectReader::read_ahead`]).
const READ_ON_WORKER_LIMIT: u64 = 1024 * 1024;

/// The bytes of a large range, as the reader thread delivers them.
fn read_ahead_stream(
    chunks: ReadAhead,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, S3Error>> + 'static {
    stream::unfold(chunks, |mut chunks| async move {
        let item = chunks.next_chunk().await?;
        Some((item.map_err(S3Error::from), chunks))
    })
}

/// The object's bytes, read one stored chunk at a time as the client consumes them.
fn body_stream(
    reader: ObjectReader,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, S3Error>> + 'static {
    stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        match reader.next_chunk() {
            Ok(Some(bytes)) => Some((Ok(bytes), Some(reader))),
            Ok(None) => None,
            Err(e) => Some((Err(S3Error::from(e)), None)),
        }
    })
}

/// `x-amz-checksum-<alg>` and `x-amz-checksum-type` for a stored checksum.
pub(super) fn checksum_headers(response: &mut HttpResponseBuilder, checksum: &StoredChecksum) {
    if let Some(alg) = ChecksumAlgorithm::from_name(&checksum.algorithm) {
        response.insert_header((alg.header_name(), checksum.value.clone()));
        let kind = super::multipart::checksum_type(!checksum.composite);
        response.insert_header(("x-amz-checksum-type", kind));
    }
}

fn object_headers(
    response: &mut HttpResponseBuilder,
    meta: &ObjectMeta,
    overrides: Option<&ResponseOverrides>,
) {
    let empty = ResponseOverrides::default();
    let o = overrides.unwrap_or(&empty);
    let h = &meta.headers;
    // Header names as constants: a name given as text is parsed and checked on every insert.
    match o.content_type.as_deref().or(h.content_type.as_deref()) {
        Some(content_type) => response.insert_header((header::CONTENT_TYPE, content_type)),
        // S3's default for an object stored without one; static, so not copied per request.
        None => response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("binary/octet-stream"),
        )),
    };
    let optional = [
        (
            header::CONTENT_DISPOSITION,
            &o.content_disposition,
            &h.content_disposition,
        ),
        (
            header::CONTENT_ENCODING,
            &o.content_encoding,
            &h.content_encoding,
        ),
        (
            header::CONTENT_LANGUAGE,
            &o.content_language,
            &h.content_language,
        ),
        (header::CACHE_CONTROL, &o.cache_control, &h.cache_control),
        (header::EXPIRES, &o.expires, &h.expires),
    ];
    for (name, over, stored) in optional {
        if let Some(value) = over.as_deref().or(stored.as_deref()) {
            response.insert_header((name, value));
        }
    }
    response.insert_header((header::ETAG, quoted_etag(&meta.etag)));
    response.insert_header((
        header::LAST_MODIFIED,
        timefmt::http_date(meta.last_modified_ms.div_euclid(1000)),
    ));
    // A static value is not copied into a new buffer as a `&str` one is.
    response.insert_header((header::ACCEPT_RANGES, HeaderValue::from_static("bytes")));
    super::encryption::encryption_headers(response, &meta.encryption);
    // S3 names the class of every object but a STANDARD one.
    if meta.storage_class != StorageClass::Standard {
        response.insert_header((
            super::names::STORAGE_CLASS,
            HeaderValue::from_static(meta.storage_class.name()),
        ));
        super::restore::restore_header(response, meta);
    }
    for (name, value) in &meta.user_metadata {
        response.append_header((format!("x-amz-meta-{name}"), value.as_str()));
    }
}

/// Whose conditional headers to evaluate: a read's own, or a copy's about its source.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Conditions {
    /// `If-Match` etc. on GetObject / HeadObject: a matching If-None-Match is a 304.
    Read,
    /// `x-amz-copy-source-if-match` etc. on copies: every failure is a 412.
    CopySource,
}

/// If-Match / If-Unmodified-Since (412) and If-None-Match / If-Modified-Since (304, or 412 for a
/// copy), combined as RFC 7232 section 6 and the S3 GetObject and CopyObject references describe:
/// a holding If-Match overrides If-Unmodified-Since, a present If-None-Match overrides
/// If-Modified-Since.
pub(super) fn check_preconditions(
    ctx: &RequestContext<'_>,
    meta: &ObjectMeta,
    conditions: Conditions,
) -> Result<(), S3Error> {
    let prefix = match conditions {
        Conditions::Read => "",
        Conditions::CopySource => "x-amz-copy-source-",
    };
    // Most reads carry no conditions: one pass over the request's few header names instead of
    // four lookups by hash.
    let conditional = |name: &HeaderName| {
        name.as_str()
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with("if-"))
    };
    if !ctx.req.headers().keys().any(conditional) {
        return Ok(());
    }
    let header = |name: HeaderName| match conditions {
        Conditions::Read => ctx.header(name),
        Conditions::CopySource => ctx.header(format!("{prefix}{}", name.as_str()).as_str()),
    };
    // HTTP dates have whole seconds, so the comparison does too.
    let modified = meta.last_modified_ms.div_euclid(1000);
    let failed = |condition: &str| {
        s3_error!(PreconditionFailed).detail("Condition", format!("{prefix}{condition}"))
    };
    if let Some(if_match) = header(header::IF_MATCH) {
        if !etag_matches(if_match, &meta.etag) {
            return Err(failed("If-Match"));
        }
    } else if let Some(since) =
        header(header::IF_UNMODIFIED_SINCE).and_then(timefmt::parse_http_date)
    {
        if modified > since {
            return Err(failed("If-Unmodified-Since"));
        }
    }
    let not_modified = |condition: &str| match conditions {
        Conditions::Read => s3_error!(NotModified)
            .header("ETag", quoted_etag(&meta.etag))
            .header("Last-Modified", timefmt::http_date(modified)),
        Conditions::CopySource => failed(condition),
    };
    if let Some(if_none_match) = header(header::IF_NONE_MATCH) {
        if etag_matches(if_none_match, &meta.etag) {
            return Err(not_modified("If-None-Match"));
        }
    } else if let Some(since) = header(header::IF_MODIFIED_SINCE).and_then(timefmt::parse_http_date)
    {
        if modified <= since {
            return Err(not_modified("If-Modified-Since"));
        }
    }
    Ok(())
}

/// Whether an `If-Match` / `If-None-Match` list names this ETag (or is `*`).
fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.trim_start_matches("W/").trim_matches('"') == etag
    })
}

/// Parses a single `bytes=` range into `(start, end_exclusive)`. Syntax S3 ignores (several ranges,
/// other units, garbage) yields `None`, i.e. the whole object; an unsatisfiable range is a 416.
fn parse_range(spec: &str, size: u64) -> Result<Option<(u64, u64)>, S3Error> {
    let Some(set) = spec.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if set.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = set.trim().split_once('-') else {
        return Ok(None);
    };
    let unsatisfiable = || {
        s3_error!(InvalidRange)
            .detail("RangeRequested", spec)
            .detail("ActualObjectSize", size.to_string())
            .header("Content-Range", format!("bytes */{size}"))
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // Suffix range: the last N bytes.
        let Ok(n) = last.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 || size == 0 {
            return Err(unsatisfiable());
        }
        return Ok(Some((size.saturating_sub(n), size)));
    }
    let Ok(start) = first.parse::<u64>() else {
        return Ok(None);
    };
    let end = if last.is_empty() {
        size
    } else {
        match last.parse::<u64>() {
            Ok(l) if l >= start => l.saturating_add(1).min(size),
            _ => return Ok(None),
        }
    };
    if start >= size {
        return Err(unsatisfiable());
    }
    Ok(Some((start, end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_in_all_three_forms() {
        assert_eq!(parse_range("bytes=0-9", 100).unwrap(), Some((0, 10)));
        assert_eq!(parse_range("bytes=90-200", 100).unwrap(), Some((90, 100)));
        assert_eq!(parse_range("bytes=10-", 100).unwrap(), Some((10, 100)));
        assert_eq!(parse_range("bytes=-10", 100).unwrap(), Some((90, 100)));
        assert_eq!(parse_range("bytes=-500", 100).unwrap(), Some((0, 100)));
    }

    #[test]
    fn unsatisfiable_ranges_are_416_and_odd_ones_are_ignored() {
        let err = parse_range("bytes=100-", 100).unwrap_err();
        assert_eq!(err.status(), 416);
        assert!(err
            .headers
            .iter()
            .any(|(n, v)| *n == "Content-Range" && v == "bytes */100"));
        assert_eq!(parse_range("bytes=-0", 100).unwrap_err().status(), 416);
        assert_eq!(parse_range("bytes=0-0", 0).unwrap_err().status(), 416);
        assert_eq!(parse_range("bytes=5-1", 100).unwrap(), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 100).unwrap(), None);
        assert_eq!(parse_range("items=0-1", 100).unwrap(), None);
        assert_eq!(parse_range("bytes=x-1", 100).unwrap(), None);
    }

    #[test]
    fn etag_lists_and_wildcards_match() {
        assert!(etag_matches("\"abc\"", "abc"));
        assert!(etag_matches("\"x\", \"abc\"", "abc"));
        assert!(etag_matches("*", "abc"));
        assert!(etag_matches("W/\"abc\"", "abc"));
        assert!(!etag_matches("\"abd\"", "abc"));
    }
}
