//! Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation, GetBucketVersioning.

use super::{owner, require_bucket, xml_response, RequestContext};
use crate::auth::body::RequestBody;
use crate::error::S3Error;
use crate::router::BucketSetting;
use crate::s3_error;
use crate::storage::{BucketMeta, ObjectOwnership};
use crate::timefmt;
use crate::xml;
use actix_web::HttpResponse;

/// The largest CreateBucketConfiguration body read.
const MAX_CONFIGURATION_BYTES: usize = 64 * 1024;

pub fn handle_list_buckets(
    ctx: &RequestContext<'_>,
    prefix: Option<String>,
    max_buckets: Option<usize>,
    continuation_token: Option<String>,
) -> Result<HttpResponse, S3Error> {
    // The token is the last bucket name of the previous page (bucket names are plain ASCII).
    let mut buckets: Vec<_> = ctx
        .store
        .list_buckets()?
        .into_iter()
        .filter(|(name, _)| prefix.as_deref().is_none_or(|p| name.starts_with(p)))
        .filter(|(name, _)| ctx.scope.as_ref().is_none_or(|s| s.reaches(name)))
        .filter(|(name, _)| {
            continuation_token
                .as_deref()
                .is_none_or(|t| name.as_str() > t)
        })
        .collect();
    let mut next_token = None;
    if let Some(max) = max_buckets {
        if buckets.len() > max {
            buckets.truncate(max);
            next_token = buckets.last().map(|(name, _)| name.clone());
        }
    }
    let dates: Vec<String> = buckets
        .iter()
        .map(|(_, m)| timefmt::iso8601(m.created))
        .collect();
    let entries: Vec<xml::BucketEntry<'_>> = buckets
        .iter()
        .zip(&dates)
        .map(|((name, meta), date)| xml::BucketEntry {
            name,
            creation_date: date,
            region: region_of(ctx, meta),
        })
        .collect();
    Ok(xml_response(xml::list_all_my_buckets_result(
        &owner(),
        &entries,
        prefix.as_deref(),
        next_token.as_deref(),
    )))
}

fn region_of<'a>(ctx: &'a RequestContext<'_>, meta: &'a BucketMeta) -> &'a str {
    if meta.location.is_empty() {
        &ctx.config.keys.region
    } else {
        &meta.location
    }
}

pub async fn handle_create_bucket(
    ctx: &RequestContext<'_>,
    bucket: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    validate_bucket_name(bucket)?;
    let acl = super::acl::requested_acl(ctx)?;
    let object_ownership = match ctx.req.headers().get(super::names::OBJECT_OWNERSHIP) {
        None => None,
        Some(value) => {
            let name = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let ownership = ObjectOwnership::from_name(&name).ok_or_else(|| {
                s3_error!(
                    InvalidArgument,
                    "Invalid x-amz-object-ownership header: {name}"
                )
                .detail("ArgumentName", "x-amz-object-ownership")
            })?;
            super::acl::check_ownership_allows(ownership, acl)?;
            Some(ownership)
        }
    };
    let config_xml = body.read_to_end(MAX_CONFIGURATION_BYTES).await?;
    let location = if config_xml.iter().all(u8::is_ascii_whitespace) {
        String::new()
    } else {
        let cfg: xml::CreateBucketConfiguration = xml::parse(&config_xml)?;
        cfg.location_constraint.unwrap_or_default()
    };
    let meta = BucketMeta {
        created: timefmt::now_secs(),
        location,
        acl,
        cors: None,
        encryption: None,
        sse_c_allowed: false,
        tags: Vec::new(),
        public_access_block: None,
        object_ownership,
        policy: None,
        lifecycle: None,
    };
    ctx.store.create_bucket(bucket, &meta)?;
    ctx.store.sync().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Location", format!("/{bucket}")))
        .finish())
}

pub fn handle_head_bucket(ctx: &RequestContext<'_>, bucket: &str) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    Ok(HttpResponse::Ok()
        .insert_header(("x-amz-bucket-region", region_of(ctx, &meta)))
        .finish())
}

pub async fn handle_delete_bucket(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    ctx.store
        .delete_bucket(bucket)
        .map_err(|e| S3Error::from(e).detail("BucketName", bucket))?;
    ctx.store.sync().await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn handle_get_bucket_location(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    Ok(xml_response(xml::location_constraint(region_of(
        ctx, &meta,
    ))))
}

pub fn handle_get_bucket_versioning(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    Ok(xml_response(xml::versioning_configuration()))
}

/// A bucket configuration minis3 does not keep, read: no bucket has one, so the answer is S3's
/// for a bucket never given it.
pub fn handle_get_bucket_setting(
    ctx: &RequestContext<'_>,
    bucket: &str,
    setting: BucketSetting,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let missing = |e: S3Error| Err(e.detail("BucketName", bucket));
    let document = match setting {
        BucketSetting::Website => return missing(s3_error!(NoSuchWebsiteConfiguration)),
        BucketSetting::Replication => {
            return missing(s3_error!(ReplicationConfigurationNotFoundError))
        }
        BucketSetting::ObjectLock => {
            return missing(s3_error!(ObjectLockConfigurationNotFoundError))
        }
        BucketSetting::Accelerate => "AccelerateConfiguration",
        BucketSetting::RequestPayment => "RequestPaymentConfiguration",
        BucketSetting::Logging => "BucketLoggingStatus",
        BucketSetting::Notification => "NotificationConfiguration",
    };
    Ok(xml_response(xml::default_bucket_setting(document)))
}

/// S3's general-purpose bucket naming rules (S3 User Guide, "Bucket naming rules").
pub fn validate_bucket_name(name: &str) -> Result<(), S3Error> {
    let invalid = |why: &str| {
        Err(s3_error!(
            InvalidBucketName,
            "The specified bucket is not valid: {why}."
        )
        .detail("BucketName", name))
    };
    if !(3..=63).contains(&name.len()) {
        return invalid("names must be between 3 and 63 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return invalid("names may contain only lowercase letters, numbers, dots and hyphens");
    }
    let first_last_ok =
        |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !first_last_ok(name.bytes().next()) || !first_last_ok(name.bytes().last()) {
        return invalid("names must begin and end with a letter or number");
    }
    if name.contains("..") {
        return invalid("names must not contain two adjacent periods");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return invalid("names must not be formatted as an IP address");
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return invalid(&format!("names must not start with '{prefix}'"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return invalid(&format!("names must not end with '{suffix}'"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate_bucket_name;

    #[test]
    fn bucket_names_follow_s3_rules() {
        for ok in ["abc", "my-bucket.1", "a1b", &"a".repeat(63), "1bucket"] {
            assert!(validate_bucket_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "UPPER",
            "under_score",
            "-start",
            "end-",
            ".dot",
            "a..b",
            "192.168.0.1",
            "xn--abc",
            "sthree-x",
            "x-s3alias",
            "x--ol-s3",
            "sp ace",
        ] {
            let err = validate_bucket_name(bad).expect_err(bad);
            assert_eq!(err.code.as_str(), "InvalidBucketName", "{bad}");
        }
    }
}
