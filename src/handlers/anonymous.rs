//! What a request without any signature may do: S3 decides it from the bucket's and the
//! object's ACLs and the bucket's policy together. An operation needs S3's action for it on
//! S3's resource (`s3:GetObject` on `arn:aws:s3:::bucket/key`), granted by an ACL or allowed by
//! the policy, and denied by nothing in the policy.

use super::acl::{effective_acl, grants_public_read, grants_public_write};
use super::policy::{self, AnonymousFacts, AnonymousPolicy, Verdict};
use crate::error::S3Error;
use crate::router::{Endpoint, Query, ResponseOverrides};
use crate::s3_error;
use crate::storage::{BucketMeta, Store};
use actix_web::HttpRequest;

/// Whether an anonymous request may perform `endpoint`. Reading a missing key also needs the
/// listing (else the answer would reveal that the key does not exist). A form POST checks its
/// own signature, or [`authorize_form`], itself.
pub fn authorize(store: &Store, endpoint: &Endpoint, req: &HttpRequest) -> Result<(), S3Error> {
    let Some(bucket) = endpoint.bucket() else {
        return Err(s3_error!(AccessDenied));
    };
    let meta = store
        .bucket(bucket)?
        .ok_or_else(|| s3_error!(NoSuchBucket).detail("BucketName", bucket))?;
    if let Endpoint::GetObject { overrides, .. } = endpoint {
        if *overrides != ResponseOverrides::default() {
            return Err(s3_error!(
                InvalidRequest,
                "Request specific response headers cannot be used for anonymous GET requests."
            ));
        }
    }
    if matches!(endpoint, Endpoint::PostObject { .. }) {
        return Ok(());
    }
    let policy = AnonymousPolicy::of(&meta, bucket)?;
    if policy.restricted() {
        return Err(s3_error!(AccessDenied));
    }
    // The object the request reads or changes: its ACL and tags decide (S3 leaves existing
    // tags out of writes and deletes of the whole object).
    let object = match endpoint {
        Endpoint::GetObject { key, .. }
        | Endpoint::HeadObject { key, .. }
        | Endpoint::GetObjectTagging { key, .. }
        | Endpoint::PutObjectTagging { key, .. }
        | Endpoint::DeleteObjectTagging { key, .. }
        | Endpoint::GetObjectAcl { key, .. } => store.object(bucket, key)?,
        _ => None,
    };
    let no_tags = Vec::new();
    let facts = AnonymousFacts::new(req, endpoint)
        .with_object_tags(object.as_ref().map_or(&no_tags, |o| &o.tags));
    // `?versionId=null` reads or deletes a version: S3's version actions.
    let versioned = Query::parse_lossy(req.query_string()).has("versionId");
    let decide = |action, key| policy.decide(action, key, &facts);
    let bucket_readable = grants_public_read(effective_acl(&meta, meta.acl));
    let bucket_writable = grants_public_write(effective_acl(&meta, meta.acl));
    let allowed = match endpoint {
        Endpoint::GetObject { key, .. } | Endpoint::HeadObject { key, .. } => {
            let action = if versioned {
                "GetObjectVersion"
            } else {
                "GetObject"
            };
            match &object {
                Some(object) => decide(action, Some(key))
                    .permits(grants_public_read(effective_acl(&meta, object.acl))),
                // A missing key: the read must be allowed (by the policy, or by the bucket's
                // READ grant standing in for an object ACL that does not exist) and the
                // listing too, else 403 hides whether the key exists.
                None => match decide(action, Some(key)) {
                    Verdict::Denied => false,
                    Verdict::Allowed => decide("ListBucket", None).permits(bucket_readable),
                    Verdict::Silent => {
                        bucket_readable && decide("ListBucket", None) != Verdict::Denied
                    }
                },
            }
        }
        Endpoint::ListObjects { .. }
        | Endpoint::ListObjectsV2 { .. }
        | Endpoint::HeadBucket { .. } => decide("ListBucket", None).permits(bucket_readable),
        Endpoint::ListObjectVersions { .. } => {
            decide("ListBucketVersions", None).permits(bucket_readable)
        }
        Endpoint::ListMultipartUploads { .. } => {
            decide("ListBucketMultipartUploads", None).permits(bucket_readable)
        }
        Endpoint::PutObject { key, .. } | Endpoint::CreateMultipartUpload { key, .. } => {
            may_write(&policy, &facts, key, bucket_writable)
        }
        Endpoint::UploadPart { key, .. } | Endpoint::CompleteMultipartUpload { key, .. } => {
            decide("PutObject", Some(key)).permits(bucket_writable)
        }
        Endpoint::DeleteObject { key, .. } => {
            let action = if versioned {
                "DeleteObjectVersion"
            } else {
                "DeleteObject"
            };
            decide(action, Some(key)).permits(bucket_writable)
        }
        // Even an allowed caller gets 405 here unless it belongs to the owner's account.
        Endpoint::GetBucketPolicy { .. } if decide("GetBucketPolicy", None) == Verdict::Allowed => {
            return Err(s3_error!(MethodNotAllowed))
        }
        other => match policy::policy_only_action(other) {
            Some((action, key)) => decide(action, key).permits(false),
            None => false,
        },
    };
    if allowed {
        Ok(())
    } else {
        Err(s3_error!(AccessDenied))
    }
}

/// Whether an unsigned form upload may store `key` with the ACL and tags its fields name.
pub fn authorize_form(
    meta: &BucketMeta,
    bucket: &str,
    key: &str,
    facts: &AnonymousFacts<'_>,
) -> Result<(), S3Error> {
    let policy = AnonymousPolicy::of(meta, bucket)?;
    let bucket_writable = grants_public_write(effective_acl(meta, meta.acl));
    if !policy.restricted() && may_write(&policy, facts, key, bucket_writable) {
        Ok(())
    } else {
        Err(s3_error!(AccessDenied))
    }
}

/// A new object's write: `s3:PutObject`, and `s3:PutObjectAcl` / `s3:PutObjectTagging` when the
/// request also sets tags or an ACL granting others (S3's own cross-account example lets
/// `s3:PutObject` alone name `bucket-owner-full-control`).
fn may_write(
    policy: &AnonymousPolicy<'_>,
    facts: &AnonymousFacts<'_>,
    key: &str,
    bucket_writable: bool,
) -> bool {
    let permits = |action| {
        policy
            .decide(action, Some(key), facts)
            .permits(bucket_writable)
    };
    permits("PutObject")
        && (!facts.names_granting_acl() || permits("PutObjectAcl"))
        && (!facts.sets_tags() || permits("PutObjectTagging"))
}
