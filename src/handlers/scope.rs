//! What a scoped key (`minis3 admin key create --allow ... --bucket ...`, or an STS session
//! narrowed by a policy) may do: each operation needs one action on one bucket, key or prefix.
//!
//! - read: GetObject, HeadObject, object tagging/ACL reads, ListParts, bucket CORS/ACL reads;
//! - write: PutObject, CopyObject (plus read on the source), multipart uploads, tagging and ACL
//!   changes, RestoreObject, form POST (checked in `post.rs` once the key is known),
//!   CreateBucket and bucket settings (whole-bucket scope only; lifecycle rules, which delete
//!   objects, also need delete on the whole bucket);
//! - list: the listings (their `prefix` must lie inside the scope) and ListBuckets (filtered);
//! - delete: DeleteObject, DeleteObjects (per key, in `delete.rs`), DeleteBucket (whole bucket).
//!
//! HeadBucket, GetBucketLocation and GetBucketVersioning need any action on the bucket, so SDKs
//! that look a bucket's region up first still work.

use crate::error::S3Error;
use crate::router::Endpoint;
use crate::s3_error;
use crate::storage::access::{Action, Scope};

/// What `endpoint` needs of the key's scope.
enum Need<'a> {
    /// An action on an object, or on the keys under a listing prefix.
    Key(Action, &'a str, &'a str),
    /// An action on the whole bucket.
    Bucket(Action, &'a str),
    /// Any action on the bucket.
    Reach(&'a str),
    /// Several at once (a copy reads one object and writes another).
    All(Vec<Need<'a>>),
    /// Decided by the handler (ListBuckets filters, DeleteObjects checks per key, form POST checks
    /// its key), given the action its caller needs at least.
    Handler(Action),
}

fn need(endpoint: &Endpoint) -> Need<'_> {
    use Action::{Delete, List, Read, Write};
    use Endpoint as E;
    match endpoint {
        E::ListBuckets { .. } => Need::Handler(List),
        E::CreateBucket { bucket }
        | E::PutBucketCors { bucket }
        | E::PutBucketAcl { bucket }
        | E::PutBucketEncryption { bucket }
        | E::PutBucketTagging { bucket }
        | E::PutPublicAccessBlock { bucket }
        | E::PutBucketOwnershipControls { bucket }
        | E::PutBucketPolicy { bucket } => Need::Bucket(Write, bucket),
        // Lifecycle rules delete objects: they need the whole bucket's delete besides write.
        E::PutBucketLifecycle { bucket } | E::DeleteBucketLifecycle { bucket } => Need::All(vec![
            Need::Bucket(Write, bucket),
            Need::Bucket(Delete, bucket),
        ]),
        E::DeleteBucketCors { bucket }
        | E::DeleteBucketEncryption { bucket }
        | E::DeleteBucketTagging { bucket }
        | E::DeletePublicAccessBlock { bucket }
        | E::DeleteBucketOwnershipControls { bucket }
        | E::DeleteBucketPolicy { bucket } => Need::Bucket(Write, bucket),
        E::DeleteBucket { bucket } => Need::Bucket(Delete, bucket),
        E::GetBucketCors { bucket }
        | E::GetBucketAcl { bucket }
        | E::GetBucketEncryption { bucket }
        | E::GetBucketTagging { bucket }
        | E::GetPublicAccessBlock { bucket }
        | E::GetBucketOwnershipControls { bucket }
        | E::GetBucketSetting { bucket, .. }
        | E::GetBucketPolicy { bucket }
        | E::GetBucketPolicyStatus { bucket }
        | E::GetBucketLifecycle { bucket } => Need::Bucket(Read, bucket),
        E::HeadBucket { bucket }
        | E::GetBucketLocation { bucket }
        | E::GetBucketVersioning { bucket } => Need::Reach(bucket),
        E::ListObjects { bucket, params, .. }
        | E::ListObjectsV2 { bucket, params, .. }
        | E::ListObjectVersions { bucket, params, .. }
        | E::ListMultipartUploads { bucket, params, .. } => Need::Key(List, bucket, &params.prefix),
        E::GetObject { bucket, key, .. }
        | E::HeadObject { bucket, key, .. }
        | E::GetObjectTagging { bucket, key }
        | E::GetObjectAttributes { bucket, key }
        | E::GetObjectAcl { bucket, key }
        | E::ListParts { bucket, key, .. } => Need::Key(Read, bucket, key),
        E::PutObject { bucket, key }
        | E::RestoreObject { bucket, key }
        | E::PutObjectTagging { bucket, key }
        | E::DeleteObjectTagging { bucket, key }
        | E::PutObjectAcl { bucket, key }
        | E::CreateMultipartUpload { bucket, key }
        | E::UploadPart { bucket, key, .. }
        | E::CompleteMultipartUpload { bucket, key, .. }
        | E::AbortMultipartUpload { bucket, key, .. } => Need::Key(Write, bucket, key),
        E::CopyObject {
            bucket,
            key,
            source,
        }
        | E::UploadPartCopy {
            bucket,
            key,
            source,
            ..
        } => Need::All(vec![
            Need::Key(Read, &source.bucket, &source.key),
            Need::Key(Write, bucket, key),
        ]),
        E::DeleteObject { bucket, key } => Need::Key(Delete, bucket, key),
        E::DeleteObjects { .. } => Need::Handler(Delete),
        E::PostObject { .. } => Need::Handler(Write),
    }
}

fn satisfied(scope: &Scope, need: &Need<'_>) -> bool {
    match need {
        Need::Key(action, bucket, key) => scope.allows(*action, bucket, key),
        Need::Bucket(action, bucket) => scope.allows_bucket(*action, bucket),
        Need::Reach(bucket) => scope.reaches(bucket),
        Need::All(needs) => needs.iter().all(|n| satisfied(scope, n)),
        Need::Handler(action) => scope.permits(*action),
    }
}

/// `AccessDenied` unless `scope` covers the operation (as far as it can be told before its body).
pub fn authorize(scope: &Scope, endpoint: &Endpoint) -> Result<(), S3Error> {
    if satisfied(scope, &need(endpoint)) {
        Ok(())
    } else {
        Err(s3_error!(AccessDenied))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::{CopySource, ListParams, ResponseOverrides};
    use crate::storage::access::BucketScope;

    fn scope(read: bool, write: bool, list: bool, delete: bool, b: &str, p: &str) -> Scope {
        Scope {
            read,
            write,
            list,
            delete,
            buckets: vec![BucketScope {
                bucket: b.into(),
                prefix: p.into(),
            }],
        }
    }

    fn get(bucket: &str, key: &str) -> Endpoint {
        Endpoint::GetObject {
            bucket: bucket.into(),
            key: key.into(),
            overrides: ResponseOverrides::default(),
            part_number: None,
        }
    }

    fn list(bucket: &str, prefix: &str) -> Endpoint {
        Endpoint::ListObjectsV2 {
            bucket: bucket.into(),
            params: ListParams {
                prefix: prefix.into(),
                ..ListParams::default()
            },
            continuation_token: None,
            start_after: None,
            fetch_owner: false,
        }
    }

    #[test]
    fn read_only_prefix_scope() {
        let s = scope(true, false, true, false, "b", "team/");
        assert!(authorize(&s, &get("b", "team/x")).is_ok());
        assert!(authorize(&s, &get("b", "other/x")).is_err());
        assert!(authorize(&s, &get("c", "team/x")).is_err());
        assert!(authorize(&s, &list("b", "team/sub/")).is_ok());
        assert!(
            authorize(&s, &list("b", "")).is_err(),
            "listing outside the prefix"
        );
        let put = Endpoint::PutObject {
            bucket: "b".into(),
            key: "team/x".into(),
        };
        assert_eq!(
            authorize(&s, &put).unwrap_err().code.as_str(),
            "AccessDenied"
        );
        let attributes = |key: &str| Endpoint::GetObjectAttributes {
            bucket: "b".into(),
            key: key.into(),
        };
        assert!(authorize(&s, &attributes("team/x")).is_ok());
        assert!(authorize(&s, &attributes("other/x")).is_err());
        let writer = scope(false, true, false, false, "b", "team/");
        assert!(authorize(&writer, &attributes("team/x")).is_err(), "a read");
        let head = Endpoint::HeadBucket { bucket: "b".into() };
        assert!(authorize(&s, &head).is_ok(), "region lookups work");
        let cors = Endpoint::GetBucketCors { bucket: "b".into() };
        assert!(
            authorize(&s, &cors).is_err(),
            "bucket settings need the whole bucket"
        );
    }

    #[test]
    fn copies_need_read_on_the_source_and_write_on_the_target() {
        let copy = |from: &str| Endpoint::CopyObject {
            bucket: "b".into(),
            key: "dst".into(),
            source: CopySource {
                bucket: from.into(),
                key: "src".into(),
            },
        };
        let writer = scope(false, true, false, false, "b", "");
        assert!(authorize(&writer, &copy("b")).is_err(), "no read");
        let both = scope(true, true, false, false, "b", "");
        assert!(authorize(&both, &copy("b")).is_ok());
        assert!(authorize(&both, &copy("elsewhere")).is_err());
    }

    #[test]
    fn batch_and_bucket_listing_are_left_to_their_handlers_given_the_action() {
        let deleter = scope(false, false, false, true, "b", "p/");
        let batch = Endpoint::DeleteObjects { bucket: "b".into() };
        assert!(authorize(&deleter, &batch).is_ok());
        assert!(authorize(&scope(true, true, true, false, "b", ""), &batch).is_err());
        let buckets = Endpoint::ListBuckets {
            prefix: None,
            max_buckets: None,
            continuation_token: None,
        };
        assert!(authorize(&deleter, &buckets).is_err());
        let delete_bucket = Endpoint::DeleteBucket { bucket: "b".into() };
        assert!(authorize(&deleter, &delete_bucket).is_err(), "prefix scope");
    }

    #[test]
    fn lifecycle_rules_need_delete_on_the_whole_bucket_besides_write() {
        let put = Endpoint::PutBucketLifecycle { bucket: "b".into() };
        let remove = Endpoint::DeleteBucketLifecycle { bucket: "b".into() };
        for endpoint in [&put, &remove] {
            assert!(authorize(&scope(true, true, true, false, "b", ""), endpoint).is_err());
            assert!(authorize(&scope(false, true, false, true, "b", "p/"), endpoint).is_err());
            assert!(authorize(&scope(false, true, false, true, "b", ""), endpoint).is_ok());
        }
    }
}
