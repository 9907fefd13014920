//! Bucket policies: Put/Get/DeleteBucketPolicy, GetBucketPolicyStatus, and what a bucket's
//! policy lets an anonymous request do.
//!
//! minis3 has one account and its keys; IAM users and roles do not exist here. So a policy
//! decides what requests without a signature may do (Principal `"*"`), which is how S3 buckets
//! are made public since ACLs were disabled by default. Requests signed with minis3's keys are
//! governed by those keys' scopes, not by the policy: a Deny of `"*"` that S3 would also apply
//! to the account's own users is not applied to them.

mod catalogue;
mod condition;
mod document;

use super::{require_bucket, xml_response, RequestContext};
use crate::auth::body::RequestBody;
use crate::error::S3Error;
use crate::router::{Endpoint, ListParams};
use crate::s3_error;
use crate::storage::BucketMeta;
use crate::timefmt;
use crate::xml;
use actix_web::{HttpRequest, HttpResponse};
pub use document::Verdict;
use document::{Policy, Request};
use std::borrow::Cow;

/// The most read of a PutBucketPolicy body: past S3's 20 KB, so that a policy over it is
/// refused as too large rather than as an unreadable body.
const MAX_BODY_BYTES: usize = 64 * 1024;

pub async fn handle_put_bucket_policy(
    ctx: &RequestContext<'_>,
    bucket: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let document = super::read_document(ctx, &mut body, MAX_BODY_BYTES).await?;
    if document.len() > document::MAX_POLICY_BYTES {
        return Err(document::malformed(format!(
            "Policies must not exceed {} bytes",
            document::MAX_POLICY_BYTES
        )));
    }
    let policy = Policy::parse(&document, bucket)?;
    // Read again now that the body is in: Block Public Access may have changed meanwhile.
    let meta = require_bucket(ctx, bucket)?;
    let blocks_public = meta
        .public_access_block
        .is_some_and(|b| b.block_public_policy);
    if blocks_public && policy.is_public() {
        return Err(s3_error!(
            AccessDenied,
            "The bucket's Block Public Access settings (BlockPublicPolicy) refuse public policies."
        ));
    }
    let stored = document::stored_form(&document, policy.names_version);
    ctx.store
        .update_bucket(bucket, |meta| meta.policy = Some(stored.clone()))?;
    ctx.store.sync().await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn handle_get_bucket_policy(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    let policy = meta.policy.ok_or_else(|| no_policy(bucket))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(policy))
}

pub async fn handle_delete_bucket_policy(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    super::remove_bucket_setting(ctx, bucket, |meta| meta.policy = None).await
}

pub fn handle_get_bucket_policy_status(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    let policy = stored_policy(&meta, bucket)?.ok_or_else(|| no_policy(bucket))?;
    Ok(xml_response(xml::policy_status(policy.is_public())))
}

fn no_policy(bucket: &str) -> S3Error {
    s3_error!(NoSuchBucketPolicy).detail("BucketName", bucket)
}

/// The bucket's policy, parsed. It was validated when put, so failing now means the record
/// was damaged.
fn stored_policy(meta: &BucketMeta, bucket: &str) -> Result<Option<Policy>, S3Error> {
    let Some(text) = &meta.policy else {
        return Ok(None);
    };
    Policy::parse(text.as_bytes(), bucket)
        .map(Some)
        .map_err(|e| {
            tracing::error!(bucket, error = %e.message, "stored bucket policy no longer parses");
            s3_error!(InternalError)
        })
}

/// What `bucket`'s policy says of an anonymous request for `action` (`s3:` left off) on the
/// bucket (`key` None) or one of its objects.
pub fn decide_anonymous(
    meta: &BucketMeta,
    bucket: &str,
    action: &'static str,
    key: Option<&str>,
    facts: &AnonymousFacts<'_>,
) -> Result<Verdict, S3Error> {
    let Some(policy) = stored_policy(meta, bucket)? else {
        return Ok(Verdict::Silent);
    };
    let restricted = meta
        .public_access_block
        .is_some_and(|b| b.restrict_public_buckets);
    let resource = match key {
        Some(key) => format!("arn:aws:s3:::{bucket}/{key}"),
        None => format!("arn:aws:s3:::{bucket}"),
    };
    let request = Request {
        action,
        resource: &resource,
        facts,
    };
    Ok(policy.decide_anonymous(&request, !(restricted && policy.is_public())))
}

/// The action and object (None: the bucket) of an operation only a policy can open to
/// anonymous requests; None for operations it cannot (copies, batch deletes, bucket changes).
/// GET, HEAD, PUT, DELETE and the listings, which ACLs open too, are decided in `acl.rs`.
pub fn policy_only_action(endpoint: &Endpoint) -> Option<(&'static str, Option<&str>)> {
    use Endpoint as E;
    Some(match endpoint {
        E::GetObjectTagging { key, .. } => ("GetObjectTagging", Some(key)),
        E::PutObjectTagging { key, .. } => ("PutObjectTagging", Some(key)),
        E::DeleteObjectTagging { key, .. } => ("DeleteObjectTagging", Some(key)),
        E::GetObjectAcl { key, .. } => ("GetObjectAcl", Some(key)),
        E::CreateMultipartUpload { key, .. }
        | E::UploadPart { key, .. }
        | E::CompleteMultipartUpload { key, .. } => ("PutObject", Some(key)),
        E::AbortMultipartUpload { key, .. } => ("AbortMultipartUpload", Some(key)),
        E::ListParts { key, .. } => ("ListMultipartUploadParts", Some(key)),
        E::ListMultipartUploads { .. } => ("ListBucketMultipartUploads", None),
        E::GetBucketAcl { .. } => ("GetBucketAcl", None),
        E::GetBucketLocation { .. } => ("GetBucketLocation", None),
        E::GetBucketPolicy { .. } => ("GetBucketPolicy", None),
        E::GetBucketCors { .. } => ("GetBucketCORS", None),
        _ => return None,
    })
}

/// Form fields that stand in for request headers: (header, field).
const FORM_HEADERS: &[(&str, &str)] = &[
    ("x-amz-acl", "acl"),
    (
        "x-amz-server-side-encryption",
        "x-amz-server-side-encryption",
    ),
    (
        "x-amz-server-side-encryption-aws-kms-key-id",
        "x-amz-server-side-encryption-aws-kms-key-id",
    ),
    ("x-amz-storage-class", "x-amz-storage-class"),
    (
        "x-amz-website-redirect-location",
        "x-amz-website-redirect-location",
    ),
];

/// The facts of an anonymous request that a policy's conditions may name.
pub struct AnonymousFacts<'a> {
    req: &'a HttpRequest,
    listing: Option<&'a ListParams>,
    /// A form upload's fields that stand in for request headers (`acl` for `x-amz-acl`), by
    /// header name.
    form_fields: Vec<(&'static str, &'a str)>,
    now: i64,
}

impl<'a> AnonymousFacts<'a> {
    pub fn new(req: &'a HttpRequest, endpoint: &'a Endpoint) -> AnonymousFacts<'a> {
        let listing = match endpoint {
            Endpoint::ListObjects { params, .. }
            | Endpoint::ListObjectsV2 { params, .. }
            | Endpoint::ListObjectVersions { params, .. } => Some(params),
            _ => None,
        };
        AnonymousFacts {
            req,
            listing,
            form_fields: Vec::new(),
            now: timefmt::now_secs(),
        }
    }

    /// The facts of an unsigned form upload, whose form fields say what headers say elsewhere:
    /// `field` gives a field's value by name.
    pub fn form(req: &'a HttpRequest, field: impl Fn(&str) -> Option<&'a str>) -> Self {
        let form_fields = FORM_HEADERS
            .iter()
            .filter_map(|&(header, name)| field(name).map(|value| (header, value)))
            .collect();
        AnonymousFacts {
            req,
            listing: None,
            form_fields,
            now: timefmt::now_secs(),
        }
    }

    /// A request header's value, or a form upload's field standing in for it.
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        if let Some((_, value)) = self.form_fields.iter().find(|(h, _)| *h == name) {
            return Some(Cow::Borrowed(value));
        }
        let value = self.req.headers().get(name)?;
        Some(String::from_utf8_lossy(value.as_bytes()))
    }
}

impl condition::Facts for AnonymousFacts<'_> {
    fn value(&self, key: &str) -> Option<Cow<'_, str>> {
        let owned = |s: String| Some(Cow::Owned(s));
        match key {
            "aws:sourceip" => self.req.peer_addr().and_then(|a| owned(a.ip().to_string())),
            // minis3 serves plain HTTP.
            "aws:securetransport" => Some(Cow::Borrowed("false")),
            "aws:currenttime" => owned(timefmt::iso8601(self.now)),
            "aws:epochtime" => owned(self.now.to_string()),
            "aws:referer" => self.header("referer"),
            "aws:useragent" => self.header("user-agent"),
            "aws:principaltype" => Some(Cow::Borrowed("Anonymous")),
            // S3 names a listing's prefix even when empty (policies allow "" for the top).
            "s3:prefix" => self.listing.map(|l| Cow::Borrowed(l.prefix.as_str())),
            "s3:delimiter" => self
                .listing
                .and_then(|l| l.delimiter.as_deref().map(Cow::Borrowed)),
            "s3:max-keys" => self.listing.and_then(|l| owned(l.max_keys.to_string())),
            "s3:x-amz-acl"
            | "s3:x-amz-server-side-encryption"
            | "s3:x-amz-server-side-encryption-aws-kms-key-id"
            | "s3:x-amz-storage-class"
            | "s3:x-amz-metadata-directive"
            | "s3:x-amz-content-sha256"
            | "s3:x-amz-website-redirect-location" => self.header(key.trim_start_matches("s3:")),
            _ => None,
        }
    }
}
