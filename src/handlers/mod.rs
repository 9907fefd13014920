//! S3 operations: one file per API family, each `handle_<operation>` turning an `Endpoint` into a response.

pub mod acl;
pub mod admin;
pub mod anonymous;
mod bucket;
mod copy;
mod cors;
mod delete;
mod encryption;
mod get;
mod lifecycle;
mod list;
mod multipart;
pub mod names;
pub mod policy;
mod post;
mod put;
mod restore;
pub mod scope;
pub mod sts;
mod tagging;

pub use bucket::validate_bucket_name;

use crate::auth::body::RequestBody;
use crate::auth::AuthConfig;
use crate::config::ServeConfig;
use crate::error::S3Error;
use crate::router::Endpoint;
use crate::s3_error;
use crate::storage::access::Scope;
use crate::storage::Store;
use actix_web::http::header::AsHeaderName;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use std::future::Future;

/// What every handler may use besides its parameters and the body.
pub struct RequestContext<'a> {
    pub req: &'a HttpRequest,
    pub store: &'a Store,
    pub config: &'a ServeConfig,
    /// The keys requests are signed with (PostObject checks its form's signature itself).
    pub auth: &'a AuthConfig,
    /// What the signing key may do; `None` for the root key and anonymous requests.
    pub scope: Option<Scope>,
}

impl RequestContext<'_> {
    /// A request header as text, if present and valid. A `HeaderName` constant is looked up as it
    /// is; a `&str` is parsed (and, unless standard, allocated) on every call.
    pub fn header(&self, name: impl AsHeaderName) -> Option<&str> {
        self.req.headers().get(name).and_then(|v| v.to_str().ok())
    }
}

/// Every value of header `name` over all its lines, split at commas and trimmed (empty ones
/// dropped), as HTTP combines repeated list headers; `None` when the header is absent. A value
/// that is not text is kept as read (lossily), never dropped: callers refuse what they cannot
/// match rather than act as if it were not sent.
fn header_values(ctx: &RequestContext<'_>, name: impl AsHeaderName) -> Option<Vec<String>> {
    let mut lines = ctx.req.headers().get_all(name).peekable();
    lines.peek()?;
    Some(
        lines
            .flat_map(|line| {
                String::from_utf8_lossy(line.as_bytes())
                    .split(',')
                    .map(|value| value.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|value| !value.is_empty())
            .collect(),
    )
}

/// An operation's answer, or the future of one.
///
/// As one `async fn`, dispatching made every request's future as large as the largest handler's
/// (6 KiB, a PUT's), which actix allocates and copies for each request: a GET paid for it too,
/// and glibc consolidates its free lists before every allocation that size.
pub enum Dispatched<'a> {
    Ready(Result<HttpResponse, S3Error>),
    Pending(LocalBoxFuture<'a, Result<HttpResponse, S3Error>>),
}

/// An asynchronous operation, boxed: the one allocation of its own size.
fn later<'a>(
    operation: impl Future<Output = Result<HttpResponse, S3Error>> + 'a,
) -> Dispatched<'a> {
    Dispatched::Pending(Box::pin(operation))
}

/// Runs the operation: a synchronous one (reads, listings, lookups) to its answer, any other into
/// the future that will give it.
pub fn dispatch<'a>(
    endpoint: Endpoint,
    ctx: RequestContext<'a>,
    body: RequestBody,
) -> Dispatched<'a> {
    use Dispatched::Ready;
    match endpoint {
        Endpoint::ListBuckets {
            prefix,
            max_buckets,
            continuation_token,
        } => Ready(bucket::handle_list_buckets(
            &ctx,
            prefix,
            max_buckets,
            continuation_token,
        )),
        Endpoint::CreateBucket { bucket } => {
            later(async move { bucket::handle_create_bucket(&ctx, &bucket, body).await })
        }
        Endpoint::HeadBucket { bucket } => Ready(bucket::handle_head_bucket(&ctx, &bucket)),
        Endpoint::DeleteBucket { bucket } => {
            later(async move { bucket::handle_delete_bucket(&ctx, &bucket).await })
        }
        Endpoint::GetBucketLocation { bucket } => {
            Ready(bucket::handle_get_bucket_location(&ctx, &bucket))
        }
        Endpoint::GetBucketVersioning { bucket } => {
            Ready(bucket::handle_get_bucket_versioning(&ctx, &bucket))
        }
        Endpoint::ListObjects {
            bucket,
            params,
            marker,
        } => Ready(list::handle_list_objects(&ctx, &bucket, &params, marker)),
        Endpoint::ListObjectsV2 {
            bucket,
            params,
            continuation_token,
            start_after,
            fetch_owner,
        } => Ready(list::handle_list_objects_v2(
            &ctx,
            &bucket,
            &params,
            continuation_token,
            start_after,
            fetch_owner,
        )),
        Endpoint::ListObjectVersions {
            bucket,
            params,
            key_marker,
            version_id_marker,
        } => Ready(list::handle_list_object_versions(
            &ctx,
            &bucket,
            &params,
            key_marker,
            version_id_marker,
        )),
        Endpoint::DeleteObjects { bucket } => {
            later(async move { delete::handle_delete_objects(&ctx, &bucket, body).await })
        }
        Endpoint::PutObject { bucket, key } => {
            later(async move { put::handle_put_object(&ctx, &bucket, &key, body).await })
        }
        Endpoint::GetObject {
            bucket,
            key,
            overrides,
            part_number,
        } => Ready(get::handle_get_object(
            &ctx,
            &bucket,
            &key,
            Some(&overrides),
            part_number,
        )),
        Endpoint::HeadObject {
            bucket,
            key,
            part_number,
        } => Ready(get::handle_get_object(
            &ctx,
            &bucket,
            &key,
            None,
            part_number,
        )),
        Endpoint::DeleteObject { bucket, key } => {
            later(async move { delete::handle_delete_object(&ctx, &bucket, &key).await })
        }
        Endpoint::CopyObject {
            bucket,
            key,
            source,
        } => later(async move { copy::handle_copy_object(&ctx, &bucket, &key, &source).await }),
        Endpoint::PutObjectTagging { bucket, key } => {
            later(
                async move { tagging::handle_put_object_tagging(&ctx, &bucket, &key, body).await },
            )
        }
        Endpoint::GetObjectTagging { bucket, key } => {
            Ready(tagging::handle_get_object_tagging(&ctx, &bucket, &key))
        }
        Endpoint::RestoreObject { bucket, key } => {
            later(async move { restore::handle_restore_object(&ctx, &bucket, &key, body).await })
        }
        Endpoint::GetObjectAttributes { bucket, key } => {
            Ready(get::handle_get_object_attributes(&ctx, &bucket, &key))
        }
        Endpoint::DeleteObjectTagging { bucket, key } => {
            later(async move { tagging::handle_delete_object_tagging(&ctx, &bucket, &key).await })
        }
        Endpoint::CreateMultipartUpload { bucket, key } => {
            later(
                async move { multipart::handle_create_multipart_upload(&ctx, &bucket, &key).await },
            )
        }
        Endpoint::UploadPart {
            bucket,
            key,
            upload_id,
            part_number,
        } => later(async move {
            multipart::handle_upload_part(&ctx, &bucket, &key, &upload_id, part_number, body).await
        }),
        Endpoint::UploadPartCopy {
            bucket,
            key,
            upload_id,
            part_number,
            source,
        } => later(async move {
            multipart::handle_upload_part_copy(
                &ctx,
                &bucket,
                &key,
                &upload_id,
                part_number,
                &source,
            )
            .await
        }),
        Endpoint::CompleteMultipartUpload {
            bucket,
            key,
            upload_id,
        } => later(async move {
            multipart::handle_complete_multipart_upload(&ctx, &bucket, &key, &upload_id, body).await
        }),
        Endpoint::AbortMultipartUpload {
            bucket,
            key,
            upload_id,
        } => later(async move {
            multipart::handle_abort_multipart_upload(&ctx, &bucket, &key, &upload_id).await
        }),
        Endpoint::ListParts {
            bucket,
            key,
            upload_id,
            max_parts,
            part_number_marker,
        } => Ready(multipart::handle_list_parts(
            &ctx,
            &bucket,
            &key,
            &upload_id,
            max_parts,
            part_number_marker,
        )),
        Endpoint::ListMultipartUploads {
            bucket,
            params,
            key_marker,
            upload_id_marker,
        } => Ready(multipart::handle_list_multipart_uploads(
            &ctx,
            &bucket,
            &params,
            key_marker,
            upload_id_marker,
        )),
        Endpoint::GetBucketAcl { bucket } => Ready(acl::handle_get_bucket_acl(&ctx, &bucket)),
        Endpoint::PutBucketAcl { bucket } => {
            later(async move { acl::handle_put_bucket_acl(&ctx, &bucket, body).await })
        }
        Endpoint::GetObjectAcl { bucket, key } => {
            Ready(acl::handle_get_object_acl(&ctx, &bucket, &key))
        }
        Endpoint::PutObjectAcl { bucket, key } => {
            later(async move { acl::handle_put_object_acl(&ctx, &bucket, &key, body).await })
        }
        Endpoint::GetBucketCors { bucket } => Ready(cors::handle_get_bucket_cors(&ctx, &bucket)),
        Endpoint::PutBucketCors { bucket } => {
            later(async move { cors::handle_put_bucket_cors(&ctx, &bucket, body).await })
        }
        Endpoint::DeleteBucketCors { bucket } => {
            later(async move { cors::handle_delete_bucket_cors(&ctx, &bucket).await })
        }
        Endpoint::GetBucketEncryption { bucket } => {
            Ready(encryption::handle_get_bucket_encryption(&ctx, &bucket))
        }
        Endpoint::PutBucketEncryption { bucket } => {
            later(
                async move { encryption::handle_put_bucket_encryption(&ctx, &bucket, body).await },
            )
        }
        Endpoint::DeleteBucketEncryption { bucket } => {
            later(async move { encryption::handle_delete_bucket_encryption(&ctx, &bucket).await })
        }
        Endpoint::GetBucketTagging { bucket } => {
            Ready(tagging::handle_get_bucket_tagging(&ctx, &bucket))
        }
        Endpoint::PutBucketTagging { bucket } => {
            later(async move { tagging::handle_put_bucket_tagging(&ctx, &bucket, body).await })
        }
        Endpoint::DeleteBucketTagging { bucket } => {
            later(async move { tagging::handle_delete_bucket_tagging(&ctx, &bucket).await })
        }
        Endpoint::GetPublicAccessBlock { bucket } => {
            Ready(acl::handle_get_public_access_block(&ctx, &bucket))
        }
        Endpoint::PutPublicAccessBlock { bucket } => {
            later(async move { acl::handle_put_public_access_block(&ctx, &bucket, body).await })
        }
        Endpoint::DeletePublicAccessBlock { bucket } => {
            later(async move { acl::handle_delete_public_access_block(&ctx, &bucket).await })
        }
        Endpoint::GetBucketOwnershipControls { bucket } => {
            Ready(acl::handle_get_ownership_controls(&ctx, &bucket))
        }
        Endpoint::PutBucketOwnershipControls { bucket } => {
            later(async move { acl::handle_put_ownership_controls(&ctx, &bucket, body).await })
        }
        Endpoint::DeleteBucketOwnershipControls { bucket } => {
            later(async move { acl::handle_delete_ownership_controls(&ctx, &bucket).await })
        }
        Endpoint::PutBucketLifecycle { bucket } => {
            later(async move { lifecycle::handle_put_lifecycle(&ctx, &bucket, body).await })
        }
        Endpoint::GetBucketLifecycle { bucket } => {
            Ready(lifecycle::handle_get_lifecycle(&ctx, &bucket))
        }
        Endpoint::DeleteBucketLifecycle { bucket } => {
            later(async move { lifecycle::handle_delete_lifecycle(&ctx, &bucket).await })
        }
        Endpoint::PutBucketPolicy { bucket } => {
            later(async move { policy::handle_put_bucket_policy(&ctx, &bucket, body).await })
        }
        Endpoint::GetBucketPolicy { bucket } => {
            Ready(policy::handle_get_bucket_policy(&ctx, &bucket))
        }
        Endpoint::DeleteBucketPolicy { bucket } => {
            later(async move { policy::handle_delete_bucket_policy(&ctx, &bucket).await })
        }
        Endpoint::GetBucketPolicyStatus { bucket } => {
            Ready(policy::handle_get_bucket_policy_status(&ctx, &bucket))
        }
        Endpoint::GetBucketSetting { bucket, setting } => {
            Ready(bucket::handle_get_bucket_setting(&ctx, &bucket, setting))
        }
        Endpoint::PostObject { bucket } => {
            later(async move { post::handle_post_object(&ctx, &bucket, body).await })
        }
    }
}

/// A configuration request's XML document (DeleteObjects, and PUTs of bucket CORS, encryption,
/// tagging, public access block, ownership controls and object tagging), at most `limit` bytes.
/// S3 requires these to carry `Content-MD5` or an `x-amz-checksum-*` value (current SDKs send a
/// CRC instead of Content-MD5; every SDK sends one) and verifies whichever came (BadDigest).
async fn read_document(
    ctx: &RequestContext<'_>,
    body: &mut RequestBody,
    limit: usize,
) -> Result<bytes::Bytes, S3Error> {
    use md5::{Digest, Md5};
    let expected_md5 = put::content_md5(ctx)?;
    let checksum = put::requested_checksum(ctx)?;
    let checksum_sent = checksum
        .as_ref()
        .is_some_and(|c| c.header_value.is_some() || c.trailer_declared);
    if expected_md5.is_none() && !checksum_sent {
        return Err(s3_error!(
            InvalidRequest,
            "Missing required header for this request: Content-MD5 OR x-amz-checksum-*"
        ));
    }
    let document = body.read_to_end(limit).await?;
    if let Some(expected) = expected_md5 {
        if expected.as_slice() != Md5::digest(&document).as_slice() {
            return Err(s3_error!(BadDigest));
        }
    }
    if let Some(requested) = checksum {
        let mut hasher = crate::checksum::ChecksumHasher::new(requested.algorithm);
        hasher.update(&document);
        put::verify_checksum(requested, hasher, body.trailers())?;
    }
    Ok(document)
}

/// DeleteBucketCors, -Encryption, -Tagging, -OwnershipControls, DeletePublicAccessBlock: the
/// setting is taken off the bucket record (durably), and S3 answers 204 whether or not it was
/// there.
async fn remove_bucket_setting(
    ctx: &RequestContext<'_>,
    bucket: &str,
    remove: impl Fn(&mut crate::storage::BucketMeta),
) -> Result<HttpResponse, S3Error> {
    ctx.store.update_bucket(bucket, remove)?;
    ctx.store.sync().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A 200 with an XML document.
fn xml_response(body: String) -> HttpResponse {
    HttpResponse::build(StatusCode::OK)
        .content_type("application/xml")
        .body(body)
}

/// The owner every bucket and object has: minis3 has one tenant.
fn owner() -> crate::xml::Owner<'static> {
    crate::xml::Owner {
        id: "6d696e6973330000000000000000000000000000000000000000000000000000",
        display_name: "minis3",
    }
}

/// Fails with `NoSuchBucket` unless the bucket exists.
fn require_bucket(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<crate::storage::BucketMeta, S3Error> {
    ctx.store
        .bucket(bucket)?
        .ok_or_else(|| s3_error!(NoSuchBucket).detail("BucketName", bucket))
}

/// An object's metadata; `NoSuchKey` (naming the key) unless it exists.
fn require_object(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
) -> Result<crate::storage::ObjectMeta, S3Error> {
    ctx.store
        .object(bucket, key)?
        .ok_or_else(|| s3_error!(NoSuchKey).detail("Key", key))
}

/// `"<etag>"`, the form ETag headers take (without `format!`: every GET, HEAD and PUT).
pub(crate) fn quoted_etag(etag: &str) -> String {
    let mut quoted = String::with_capacity(etag.len() + 2);
    quoted.push('"');
    quoted.push_str(etag);
    quoted.push('"');
    quoted
}
