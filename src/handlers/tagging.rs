//! Tagging: Put/Get/DeleteObjectTagging, the `x-amz-tagging` header of writes, and
//! Put/Get/DeleteBucketTagging.

use super::{require_bucket, require_object, xml_response, RequestContext};
use crate::auth::body::RequestBody;
use crate::error::S3Error;
use crate::s3_error;
use crate::xml;
use actix_web::HttpResponse;
use std::collections::HashSet;

/// S3's limits on a tag set: an object's and a bucket's.
const MAX_TAGS: usize = 10;
const MAX_BUCKET_TAGS: usize = 50;
const MAX_KEY_CHARS: usize = 128;
const MAX_VALUE_CHARS: usize = 256;
const MAX_TAGGING_BODY: usize = 64 * 1024;

pub async fn handle_put_object_tagging(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let tags = read_tag_set(ctx, &mut body).await?;
    validate_tags(&tags)?;
    ctx.store
        .set_object_tags(bucket, key, tags)
        .map_err(|e| S3Error::from(e).detail("Key", key))?;
    ctx.store.sync().await?;
    Ok(HttpResponse::Ok().finish())
}

pub fn handle_get_object_tagging(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_object(ctx, bucket, key)?;
    Ok(xml_response(xml::tagging(&meta.tags)))
}

pub async fn handle_delete_object_tagging(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
) -> Result<HttpResponse, S3Error> {
    ctx.store
        .set_object_tags(bucket, key, Vec::new())
        .map_err(|e| S3Error::from(e).detail("Key", key))?;
    ctx.store.sync().await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn handle_put_bucket_tagging(
    ctx: &RequestContext<'_>,
    bucket: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let tags = read_tag_set(ctx, &mut body).await?;
    if tags.len() > MAX_BUCKET_TAGS {
        return Err(s3_error!(
            InvalidTag,
            "Bucket tag count cannot be greater than {MAX_BUCKET_TAGS}"
        ));
    }
    check_each_tag(&tags)?;
    ctx.store
        .update_bucket(bucket, |meta| meta.tags = tags.clone())?;
    ctx.store.sync().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A bucket without tags (never tagged, tagged with an empty set, or untagged) has no tag set.
pub fn handle_get_bucket_tagging(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    if meta.tags.is_empty() {
        return Err(s3_error!(NoSuchTagSet).detail("BucketName", bucket));
    }
    Ok(xml_response(xml::tagging(&meta.tags)))
}

pub async fn handle_delete_bucket_tagging(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    super::remove_bucket_setting(ctx, bucket, |meta| meta.tags = Vec::new()).await
}

/// The tags of a `Tagging` document body.
async fn read_tag_set(
    ctx: &RequestContext<'_>,
    body: &mut RequestBody,
) -> Result<Vec<(String, String)>, S3Error> {
    let document = super::read_document(ctx, body, MAX_TAGGING_BODY).await?;
    let tagging: xml::Tagging = xml::parse(&document)?;
    Ok(tagging
        .tag_set
        .tags
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect())
}

/// The tags of `x-amz-tagging` (URL-query form, `k1=v1&k2=v2`), validated; none when absent.
pub fn tags_from_header(ctx: &RequestContext<'_>) -> Result<Vec<(String, String)>, S3Error> {
    match ctx.header(super::names::TAGGING) {
        None => Ok(Vec::new()),
        Some(raw) => parse_tagging_header(raw),
    }
}

pub fn parse_tagging_header(raw: &str) -> Result<Vec<(String, String)>, S3Error> {
    let mut tags = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        tags.push((form_decode(k)?, form_decode(v)?));
    }
    validate_tags(&tags)?;
    Ok(tags)
}

/// Query-string decoding as browsers and SDKs encode tag headers: `+` is a space.
fn form_decode(s: &str) -> Result<String, S3Error> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| s3_error!(InvalidArgument, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."))
}

/// S3's rules for an object's tag set: at most 10 tags, each as [`check_each_tag`] wants it.
pub fn validate_tags(tags: &[(String, String)]) -> Result<(), S3Error> {
    if tags.len() > MAX_TAGS {
        return Err(s3_error!(
            InvalidTag,
            "Object tags cannot be greater than {MAX_TAGS}"
        ));
    }
    check_each_tag(tags)
}

/// Unique keys of 1..=128 characters, not starting with `aws:`, values up to 256.
pub fn check_each_tag(tags: &[(String, String)]) -> Result<(), S3Error> {
    let mut seen = HashSet::new();
    for (key, value) in tags {
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > MAX_KEY_CHARS {
            return Err(
                s3_error!(InvalidTag, "The TagKey you have provided is invalid")
                    .detail("TagKey", key),
            );
        }
        if value.chars().count() > MAX_VALUE_CHARS {
            return Err(
                s3_error!(InvalidTag, "The TagValue you have provided is invalid")
                    .detail("TagKey", key)
                    .detail("TagValue", value),
            );
        }
        if key.starts_with("aws:") {
            return Err(
                s3_error!(InvalidTag, "Your TagKey cannot be prefixed with aws:")
                    .detail("TagKey", key),
            );
        }
        if !seen.insert(key.as_str()) {
            return Err(
                s3_error!(InvalidTag, "Cannot provide multiple Tags with the same key")
                    .detail("TagKey", key),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagging_header_decodes_like_a_query_string() {
        let tags = parse_tagging_header("a=1&b%20c=d+e&empty=").unwrap();
        assert_eq!(
            tags,
            vec![
                ("a".into(), "1".into()),
                ("b c".into(), "d e".into()),
                ("empty".into(), "".into())
            ]
        );
    }

    #[test]
    fn invalid_tag_sets_are_invalid_tag() {
        let many: Vec<_> = (0..11)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        let dup = vec![
            ("k".to_string(), "1".to_string()),
            ("k".to_string(), "2".to_string()),
        ];
        let long_key = vec![("k".repeat(129), String::new())];
        let long_value = vec![("k".to_string(), "v".repeat(257))];
        let reserved = vec![("aws:x".to_string(), String::new())];
        for tags in [many, dup, long_key, long_value, reserved] {
            assert_eq!(
                validate_tags(&tags).unwrap_err().code.as_str(),
                "InvalidTag"
            );
        }
        assert!(validate_tags(&[("k".repeat(128), "v".repeat(256))]).is_ok());
    }
}
