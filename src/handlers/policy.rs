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

/// The value of the tag whose key is `lower_key` when lower-cased. Condition keys are compared
/// case-insensitively, which reaches into the tag key they carry.
fn tag_value<'t>(tags: &'t [(String, String)], lower_key: &str) -> Option<&'t str> {
    tags.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(lower_key))
        .map(|(_, v)| v.as_str())
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
    /// The tags of the object the request reads or changes (`s3:ExistingObjectTag/KEY`).
    object_tags: &'a [(String, String)],
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
            object_tags: &[],
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
            object_tags: &[],
            form_fields,
            now: timefmt::now_secs(),
        }
    }

    /// The same facts, knowing the tags of the object the request acts on.
    pub fn with_object_tags(self, tags: &'a [(String, String)]) -> Self {
        AnonymousFacts {
            object_tags: tags,
            ..self
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
            _ => {
                // Tag keys compare exactly, but the condition key arrives lower-cased.
                if let Some(tag) = key.strip_prefix("s3:existingobjecttag/") {
                    return tag_value(self.object_tags, tag).map(Cow::Borrowed);
                }
                let tag = key.strip_prefix("s3:requestobjecttag/")?;
                let header = self.header(super::names::TAGGING.as_str())?;
                let tags = super::tagging::parse_tagging_header(&header).ok()?;
                tag_value(&tags, tag).map(|v| Cow::Owned(v.to_owned()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::condition::Facts;
    use super::*;
    use actix_web::test::TestRequest;

    fn listing(prefix: &str, delimiter: Option<&str>) -> Endpoint {
        Endpoint::ListObjectsV2 {
            bucket: "b".into(),
            params: ListParams {
                prefix: prefix.into(),
                delimiter: delimiter.map(str::to_owned),
                max_keys: 50,
                url_encoding: false,
            },
            continuation_token: None,
            start_after: None,
            fetch_owner: false,
        }
    }

    #[test]
    fn facts_come_from_the_connection_headers_and_listing() {
        let req = TestRequest::get()
            .peer_addr("10.1.2.3:4567".parse().expect("address"))
            .insert_header(("Referer", "http://example.com/page"))
            .insert_header(("User-Agent", "curl/8"))
            .insert_header(("x-amz-acl", "public-read"))
            .insert_header(("x-amz-tagging", "team=web&Stage=prod"))
            .to_http_request();
        let endpoint = listing("photos/", None);
        let facts = AnonymousFacts::new(&req, &endpoint);
        let value = |key: &str| facts.value(key).map(|v| v.into_owned());
        assert_eq!(value("aws:sourceip").as_deref(), Some("10.1.2.3"));
        assert_eq!(value("aws:securetransport").as_deref(), Some("false"));
        assert_eq!(
            value("aws:referer").as_deref(),
            Some("http://example.com/page")
        );
        assert_eq!(value("aws:useragent").as_deref(), Some("curl/8"));
        assert_eq!(value("aws:principaltype").as_deref(), Some("Anonymous"));
        assert_eq!(value("s3:prefix").as_deref(), Some("photos/"));
        assert_eq!(value("s3:delimiter"), None);
        assert_eq!(value("s3:max-keys").as_deref(), Some("50"));
        assert_eq!(value("s3:x-amz-acl").as_deref(), Some("public-read"));
        assert_eq!(value("s3:requestobjecttag/team").as_deref(), Some("web"));
        assert_eq!(value("s3:requestobjecttag/stage").as_deref(), Some("prod"));
        assert_eq!(value("s3:requestobjecttag/owner"), None);
        assert_eq!(value("aws:sourcevpc"), None);
        let now: i64 = value("aws:epochtime")
            .and_then(|v| v.parse().ok())
            .expect("epoch");
        assert!((now - timefmt::now_secs()).abs() <= 1);
        assert!(value("aws:currenttime").is_some_and(|t| t.ends_with('Z')));
    }

    #[test]
    fn object_tags_and_form_fields_are_facts_too() {
        let req = TestRequest::post()
            .insert_header(("x-amz-acl", "private"))
            .to_http_request();
        let tags = vec![("Public".to_owned(), "yes".to_owned())];
        let endpoint = listing("", Some("/"));
        let facts = AnonymousFacts::new(&req, &endpoint).with_object_tags(&tags);
        assert_eq!(
            facts.value("s3:existingobjecttag/public").as_deref(),
            Some("yes")
        );
        assert_eq!(facts.value("s3:prefix").as_deref(), Some(""));
        assert_eq!(facts.value("s3:delimiter").as_deref(), Some("/"));
        // A form's `acl` field is what its upload asks for, whatever the headers say.
        let form = AnonymousFacts::form(&req, |name| (name == "acl").then_some("public-read"));
        assert_eq!(form.value("s3:x-amz-acl").as_deref(), Some("public-read"));
        assert_eq!(form.value("s3:prefix"), None);
    }

    #[test]
    fn operations_only_a_policy_opens_name_s3s_actions() {
        use crate::router::Query;
        let table = [
            (
                "GET",
                Some("k"),
                "tagging",
                Some(("GetObjectTagging", Some("k"))),
            ),
            (
                "PUT",
                Some("k"),
                "tagging",
                Some(("PutObjectTagging", Some("k"))),
            ),
            (
                "DELETE",
                Some("k"),
                "tagging",
                Some(("DeleteObjectTagging", Some("k"))),
            ),
            ("GET", Some("k"), "acl", Some(("GetObjectAcl", Some("k")))),
            ("POST", Some("k"), "uploads", Some(("PutObject", Some("k")))),
            (
                "PUT",
                Some("k"),
                "partNumber=1&uploadId=u",
                Some(("PutObject", Some("k"))),
            ),
            (
                "POST",
                Some("k"),
                "uploadId=u",
                Some(("PutObject", Some("k"))),
            ),
            (
                "DELETE",
                Some("k"),
                "uploadId=u",
                Some(("AbortMultipartUpload", Some("k"))),
            ),
            (
                "GET",
                Some("k"),
                "uploadId=u",
                Some(("ListMultipartUploadParts", Some("k"))),
            ),
            (
                "GET",
                None,
                "uploads",
                Some(("ListBucketMultipartUploads", None)),
            ),
            ("GET", None, "acl", Some(("GetBucketAcl", None))),
            ("GET", None, "location", Some(("GetBucketLocation", None))),
            ("GET", None, "policy", Some(("GetBucketPolicy", None))),
            ("GET", None, "cors", Some(("GetBucketCORS", None))),
            ("POST", None, "delete", None),
            ("PUT", None, "policy", None),
            ("PUT", Some("k"), "acl", None),
            ("POST", Some("k"), "restore", None),
        ];
        for (method, key, query, expected) in table {
            let query = Query::parse(query).expect("query");
            let endpoint = Endpoint::parse(method, Some("b"), key, &query, None).expect("route");
            let got = policy_only_action(&endpoint);
            assert_eq!(got, expected, "{method} {key:?} {endpoint:?}");
            if let Some((action, _)) = got {
                assert!(catalogue::ACTIONS.iter().any(|(name, _)| *name == action));
            }
        }
    }
}
