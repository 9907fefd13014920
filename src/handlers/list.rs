//! Listing operations: ListObjectsV2, ListObjects (v1, marker paging) and ListObjectVersions.

use super::{owner, xml_response, RequestContext};
use crate::error::S3Error;
use crate::router::ListParams;
use crate::s3_error;
use crate::storage::{ListEntry, ListPage, ListQuery};
use crate::timefmt;
use crate::xml::{self, ListCommon, ListFlavour, ObjectEntry, Owner};
use actix_web::HttpResponse;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

pub fn handle_list_objects_v2(
    ctx: &RequestContext<'_>,
    bucket: &str,
    params: &ListParams,
    continuation_token: Option<String>,
    start_after: Option<String>,
    fetch_owner: bool,
) -> Result<HttpResponse, S3Error> {
    // With both, the token wins: it already lies after StartAfter.
    let resume_after = match &continuation_token {
        Some(token) => Some(decode_token(token)?),
        None => start_after.clone(),
    };
    let restore_status = wants_restore_status(ctx)?;
    let page = list_page(ctx, bucket, params, resume_after)?;
    let next_continuation_token = next_name(&page).map(encode_token);
    let the_owner = owner();
    let owner = fetch_owner.then_some(&the_owner);
    let list = list_common(bucket, params, &page, owner, restore_status);
    let flavour = ListFlavour::V2 {
        continuation_token,
        next_continuation_token,
        start_after: start_after.map(|s| encode_if(params.url_encoding, &s)),
    };
    Ok(xml_response(xml::list_bucket_result(&list, &flavour)))
}

pub fn handle_list_objects(
    ctx: &RequestContext<'_>,
    bucket: &str,
    params: &ListParams,
    marker: Option<String>,
) -> Result<HttpResponse, S3Error> {
    let restore_status = wants_restore_status(ctx)?;
    let page = list_page(ctx, bucket, params, marker.clone())?;
    // S3 returns NextMarker only when a delimiter was given; otherwise clients use the last key.
    let next_marker = next_name(&page)
        .filter(|_| params.delimiter.is_some())
        .map(|name| encode_if(params.url_encoding, name));
    let the_owner = owner();
    let list = list_common(bucket, params, &page, Some(&the_owner), restore_status);
    let flavour = ListFlavour::V1 {
        marker: encode_if(params.url_encoding, marker.as_deref().unwrap_or_default()),
        next_marker,
    };
    Ok(xml_response(xml::list_bucket_result(&list, &flavour)))
}

pub fn handle_list_object_versions(
    ctx: &RequestContext<'_>,
    bucket: &str,
    params: &ListParams,
    key_marker: Option<String>,
    version_id_marker: Option<String>,
) -> Result<HttpResponse, S3Error> {
    if version_id_marker.is_some() && key_marker.is_none() {
        return Err(s3_error!(
            InvalidArgument,
            "A version-id marker cannot be specified without a key marker."
        )
        .detail("ArgumentName", "version-id-marker"));
    }
    if let Some(v) = version_id_marker.as_deref().filter(|v| *v != "null") {
        return Err(s3_error!(InvalidArgument, "Invalid version id specified")
            .detail("ArgumentName", "version-id-marker")
            .detail("ArgumentValue", v));
    }
    // Every key has exactly one version (`null`), so paging by key alone is exact.
    let page = list_page(ctx, bucket, params, key_marker.clone())?;
    let next_key_marker = next_name(&page).map(|name| encode_if(params.url_encoding, name));
    let the_owner = owner();
    let list = list_common(
        bucket,
        params,
        &page,
        Some(&the_owner),
        wants_restore_status(ctx)?,
    );
    Ok(xml_response(xml::list_versions_result(
        &list,
        &encode_if(
            params.url_encoding,
            key_marker.as_deref().unwrap_or_default(),
        ),
        version_id_marker.as_deref().unwrap_or_default(),
        next_key_marker.as_deref(),
    )))
}

fn list_page(
    ctx: &RequestContext<'_>,
    bucket: &str,
    params: &ListParams,
    start_after: Option<String>,
) -> Result<ListPage, S3Error> {
    let query = ListQuery {
        prefix: params.prefix.clone(),
        delimiter: params.delimiter.clone(),
        start_after,
        max_keys: params.max_keys,
    };
    Ok(ctx.store.list_objects(bucket, &query)?)
}

/// Where the next page starts: after the last key or common prefix of a truncated page.
fn next_name(page: &ListPage) -> Option<&str> {
    page.entries
        .last()
        .filter(|_| page.is_truncated)
        .map(ListEntry::name)
}

/// `x-amz-optional-object-attributes`: whether the listing should give each restored object's
/// `RestoreStatus` (the one attribute S3 defines there).
fn wants_restore_status(ctx: &RequestContext<'_>) -> Result<bool, S3Error> {
    let Some(names) = super::header_values(ctx, super::names::OPTIONAL_OBJECT_ATTRIBUTES) else {
        return Ok(false);
    };
    if names.iter().any(|name| name != "RestoreStatus") {
        return Err(
            s3_error!(InvalidArgument, "Invalid attribute name specified.").detail(
                "ArgumentName",
                super::names::OPTIONAL_OBJECT_ATTRIBUTES.as_str(),
            ),
        );
    }
    Ok(true)
}

fn list_common<'a>(
    bucket: &'a str,
    params: &ListParams,
    page: &'a ListPage,
    owner: Option<&'a Owner<'a>>,
    restore_status: bool,
) -> ListCommon<'a> {
    let url = params.url_encoding;
    let now = timefmt::now_ms();
    let mut objects = Vec::new();
    let mut common_prefixes = Vec::new();
    for entry in &page.entries {
        match entry {
            ListEntry::Object { key, meta } => objects.push(ObjectEntry {
                key: encode_if(url, key),
                last_modified: timefmt::iso8601_ms(meta.last_modified_ms),
                etag: &meta.etag,
                size: meta.size,
                checksum: meta
                    .checksum
                    .as_ref()
                    .map(|c| (c.algorithm.as_str(), c.composite)),
                owner,
                storage_class: meta.storage_class.name(),
                restored_until: meta
                    .restored_until(now)
                    .filter(|_| restore_status)
                    .map(timefmt::iso8601_ms),
            }),
            ListEntry::CommonPrefix(prefix) => common_prefixes.push(encode_if(url, prefix)),
        }
    }
    ListCommon {
        bucket,
        prefix: encode_if(url, &params.prefix),
        delimiter: params.delimiter.as_deref().map(|d| encode_if(url, d)),
        max_keys: params.max_keys,
        encoding_type: url.then_some("url"),
        is_truncated: page.is_truncated,
        objects,
        common_prefixes,
    }
}

/// Everything but RFC 3986 unreserved characters and `/` is escaped (`+` too: SDKs decode the
/// answer with a form decoder, which would turn a bare `+` into a space).
const KEY_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

pub(super) fn encode_if(url_encoding: bool, s: &str) -> String {
    if url_encoding {
        utf8_percent_encode(s, KEY_ENCODE_SET).to_string()
    } else {
        s.to_string()
    }
}

/// Continuation tokens are opaque to clients: the name the next page starts after, versioned.
fn encode_token(name: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("1:{name}"))
}

fn decode_token(token: &str) -> Result<String, S3Error> {
    let invalid = || {
        s3_error!(
            InvalidArgument,
            "The continuation token provided is incorrect"
        )
        .detail("ArgumentName", "continuation-token")
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("1:")
        .map(str::to_string)
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        for name in ["", "a/b c", "\u{e9}t\u{e9}/+%"] {
            assert_eq!(decode_token(&encode_token(name)).unwrap(), name);
        }
        assert_eq!(
            decode_token("!!!").unwrap_err().code.as_str(),
            "InvalidArgument"
        );
        assert_eq!(
            decode_token(&URL_SAFE_NO_PAD.encode("2:x"))
                .unwrap_err()
                .code
                .as_str(),
            "InvalidArgument"
        );
    }

    #[test]
    fn url_encoding_escapes_what_form_decoders_would_mangle() {
        assert_eq!(encode_if(true, "a b+c/d\u{e9}"), "a%20b%2Bc/d%C3%A9");
        assert_eq!(encode_if(false, "a b"), "a b");
    }
}
