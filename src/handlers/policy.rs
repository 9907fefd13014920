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
mod template;

use super::{require_bucket, xml_response, RequestContext};
use crate::auth::body::RequestBody;
use crate::error::S3Error;
use crate::router::{Endpoint, ListParams};
use crate::s3_error;
use crate::storage::BucketMeta;
use crate::timefmt;
use crate::xml;
use actix_web::{HttpRequest, HttpResponse};
use condition::Fact;
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
    let public = policy.is_public();
    let stored = document::stored_form(&document, policy.names_version);
    // Block Public Access judged in the same compare-and-swap that stores the policy.
    let stored_it = ctx.store.update_bucket_if(bucket, |meta| {
        let blocks_public = meta
            .public_access_block
            .is_some_and(|b| b.block_public_policy);
        if blocks_public && public {
            return false;
        }
        meta.policy = Some(stored.clone());
        true
    })?;
    if !stored_it {
        return Err(s3_error!(
            AccessDenied,
            "The bucket's Block Public Access settings (BlockPublicPolicy) refuse public policies."
        ));
    }
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

/// A bucket's policy as anonymous requests meet it, parsed once per request.
pub struct AnonymousPolicy<'a> {
    bucket: &'a str,
    policy: Option<Policy>,
    /// Block Public Access' RestrictPublicBuckets on a bucket whose policy is public: only the
    /// owner's account may use the bucket, so anonymous requests get nothing at all.
    restricted: bool,
}

impl<'a> AnonymousPolicy<'a> {
    pub fn of(meta: &BucketMeta, bucket: &'a str) -> Result<AnonymousPolicy<'a>, S3Error> {
        let policy = stored_policy(meta, bucket)?;
        let restrict = meta
            .public_access_block
            .is_some_and(|b| b.restrict_public_buckets);
        let restricted = restrict && policy.as_ref().is_some_and(Policy::is_public);
        Ok(AnonymousPolicy {
            bucket,
            policy,
            restricted,
        })
    }

    /// Whether the bucket is closed to anonymous requests whatever its ACLs grant.
    pub fn restricted(&self) -> bool {
        self.restricted
    }

    /// What the policy says of `action` (`s3:` left off) on the bucket (`key` None) or one of
    /// its objects.
    pub fn decide(
        &self,
        action: &'static str,
        key: Option<&str>,
        facts: &AnonymousFacts<'_>,
    ) -> Verdict {
        let Some(policy) = &self.policy else {
            return Verdict::Silent;
        };
        let bucket = self.bucket;
        let resource = match key {
            Some(key) => format!("arn:aws:s3:::{bucket}/{key}"),
            None => format!("arn:aws:s3:::{bucket}"),
        };
        let request = Request {
            action,
            resource: &resource,
            facts,
        };
        policy.decide_anonymous(&request)
    }
}

/// The action and object (None: the bucket) of an operation only a policy can open to
/// anonymous requests; None for operations it cannot (copies, batch deletes, bucket changes).
/// Reads, writes, deletes, multipart uploads and listings, which ACLs open too, are decided in
/// `anonymous.rs`.
pub fn policy_only_action(endpoint: &Endpoint) -> Option<(&'static str, Option<&str>)> {
    use Endpoint as E;
    Some(match endpoint {
        E::GetObjectTagging { key, .. } => ("GetObjectTagging", Some(key)),
        E::PutObjectTagging { key, .. } => ("PutObjectTagging", Some(key)),
        E::DeleteObjectTagging { key, .. } => ("DeleteObjectTagging", Some(key)),
        E::GetObjectAcl { key, .. } => ("GetObjectAcl", Some(key)),
        E::AbortMultipartUpload { key, .. } => ("AbortMultipartUpload", Some(key)),
        E::ListParts { key, .. } => ("ListMultipartUploadParts", Some(key)),
        E::GetBucketAcl { .. } => ("GetBucketAcl", None),
        E::GetBucketLocation { .. } => ("GetBucketLocation", None),
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

/// Where a request's tags (`s3:RequestObjectTag/KEY`, `s3:RequestObjectTagKeys`) come from.
enum RequestTags<'a> {
    /// `x-amz-tagging` (PutObject, CreateMultipartUpload).
    Header,
    /// Already read (a form's `tagging` field).
    Given(&'a [(String, String)]),
    /// In a body not read when the request is authorized (PutObjectTagging).
    Unread,
}

/// The facts of an anonymous request that a policy's conditions may name.
pub struct AnonymousFacts<'a> {
    req: &'a HttpRequest,
    listing: Option<&'a ListParams>,
    /// The tags of the object the request reads or changes (`s3:ExistingObjectTag/KEY`).
    object_tags: &'a [(String, String)],
    request_tags: RequestTags<'a>,
    /// A form upload's fields that stand in for request headers (`acl` for `x-amz-acl`), by
    /// header name; `None` for requests that are not form uploads.
    form_fields: Option<Vec<(&'static str, &'a str)>>,
    now: i64,
}

impl<'a> AnonymousFacts<'a> {
    pub fn new(req: &'a HttpRequest, endpoint: &'a Endpoint) -> AnonymousFacts<'a> {
        let listing = match endpoint {
            Endpoint::ListObjects { params, .. }
            | Endpoint::ListObjectsV2 { params, .. }
            | Endpoint::ListObjectVersions { params, .. }
            | Endpoint::ListMultipartUploads { params, .. } => Some(params),
            _ => None,
        };
        let request_tags = match endpoint {
            Endpoint::PutObjectTagging { .. } => RequestTags::Unread,
            _ => RequestTags::Header,
        };
        AnonymousFacts {
            req,
            listing,
            object_tags: &[],
            request_tags,
            form_fields: None,
            now: timefmt::now_secs(),
        }
    }

    /// The facts of an unsigned form upload: its fields say what headers say elsewhere
    /// (`field` gives a field's value by name), and `tags` are its `tagging` field's.
    pub fn form(
        req: &'a HttpRequest,
        field: impl Fn(&str) -> Option<&'a str>,
        tags: &'a [(String, String)],
    ) -> Self {
        let form_fields = FORM_HEADERS
            .iter()
            .filter_map(|&(header, name)| field(name).map(|value| (header, value)))
            .collect();
        AnonymousFacts {
            req,
            listing: None,
            object_tags: &[],
            request_tags: RequestTags::Given(tags),
            form_fields: Some(form_fields),
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

    /// A request header's value; for a form upload, the field standing in for it (a form's
    /// headers are not what it uploads with).
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        if let Some(fields) = &self.form_fields {
            return fields
                .iter()
                .find(|(h, _)| *h == name)
                .map(|(_, value)| Cow::Borrowed(*value));
        }
        let value = self.req.headers().get(name)?;
        Some(String::from_utf8_lossy(value.as_bytes()))
    }

    /// The tags the request would set, `Err` when they are not known yet.
    fn request_tags(&self) -> Result<Cow<'_, [(String, String)]>, ()> {
        match &self.request_tags {
            RequestTags::Given(tags) => Ok(Cow::Borrowed(tags)),
            RequestTags::Unread => Err(()),
            RequestTags::Header => match self.header(super::names::TAGGING.as_str()) {
                None => Ok(Cow::Borrowed(&[])),
                // A malformed header is refused by the handler; it grants nothing here.
                Some(raw) => super::tagging::parse_tagging_header(&raw)
                    .map(Cow::Owned)
                    .map_err(|_| ()),
            },
        }
    }

    /// Whether the ACL the request names for what it writes (`x-amz-acl`, or a form's `acl`)
    /// grants anyone but the owner something. One the handler will refuse counts as granting.
    pub fn names_granting_acl(&self) -> bool {
        // Grant headers (not a form's) count as granting: they are seldom the owner's alone.
        let grant_headers = self.form_fields.is_none()
            && super::names::GRANTS
                .iter()
                .any(|name| self.req.headers().contains_key(name));
        grant_headers
            || self.header("x-amz-acl").is_some_and(|name| {
                super::acl::parse_canned_acl(&name).map_or(true, super::acl::grants_others)
            })
    }

    /// Whether the request sets tags on what it writes.
    pub fn sets_tags(&self) -> bool {
        self.request_tags().map_or(true, |tags| !tags.is_empty())
    }
}

impl condition::Facts for AnonymousFacts<'_> {
    fn fact(&self, key: &str) -> Fact<'_> {
        fn one(value: Option<Cow<'_, str>>) -> Fact<'_> {
            value.map_or(Fact::Absent, Fact::One)
        }
        let owned = |s: String| Fact::One(Cow::Owned(s));
        match key {
            "aws:sourceip" => one(self.req.peer_addr().map(|a| Cow::Owned(a.ip().to_string()))),
            // minis3 serves plain HTTP.
            "aws:securetransport" => Fact::One(Cow::Borrowed("false")),
            "aws:currenttime" => owned(timefmt::iso8601(self.now)),
            "aws:epochtime" => owned(self.now.to_string()),
            "aws:referer" => one(self.header("referer")),
            "aws:useragent" => one(self.header("user-agent")),
            "aws:principaltype" => Fact::One(Cow::Borrowed("Anonymous")),
            // S3 names a listing's prefix even when empty (policies allow "" for the top).
            "s3:prefix" => one(self.listing.map(|l| Cow::Borrowed(l.prefix.as_str()))),
            "s3:delimiter" => one(self
                .listing
                .and_then(|l| l.delimiter.as_deref().map(Cow::Borrowed))),
            "s3:max-keys" => one(self.listing.map(|l| Cow::Owned(l.max_keys.to_string()))),
            "s3:x-amz-acl"
            | "s3:x-amz-server-side-encryption"
            | "s3:x-amz-server-side-encryption-aws-kms-key-id"
            | "s3:x-amz-storage-class"
            | "s3:x-amz-metadata-directive"
            | "s3:x-amz-content-sha256"
            | "s3:x-amz-website-redirect-location" => one(self.header(&key["s3:".len()..])),
            "s3:requestobjecttagkeys" => match self.request_tags() {
                Err(()) => Fact::Unknown,
                Ok(tags) if tags.is_empty() => Fact::Absent,
                Ok(tags) => Fact::Many(tags.iter().map(|(k, _)| k.clone()).collect()),
            },
            _ => {
                // Tag keys compare exactly, but the condition key arrives lower-cased.
                if let Some(tag) = key.strip_prefix("s3:existingobjecttag/") {
                    return one(tag_value(self.object_tags, tag).map(Cow::Borrowed));
                }
                let Some(tag) = key.strip_prefix("s3:requestobjecttag/") else {
                    return Fact::Absent;
                };
                match self.request_tags() {
                    Err(()) => Fact::Unknown,
                    Ok(tags) => one(tag_value(&tags, tag).map(|v| Cow::Owned(v.to_owned()))),
                }
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

    /// A fact with one value as text; None when absent.
    fn value(facts: &AnonymousFacts<'_>, key: &str) -> Option<String> {
        match facts.fact(key) {
            Fact::One(v) => Some(v.into_owned()),
            Fact::Absent => None,
            other => panic!("{key}: {other:?}"),
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
        let value = |key: &str| value(&facts, key);
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
        assert_eq!(
            facts.fact("s3:requestobjecttagkeys"),
            Fact::Many(vec!["team".into(), "Stage".into()])
        );
        assert_eq!(value("aws:sourcevpc"), None);
        let now: i64 = value("aws:epochtime")
            .and_then(|v| v.parse().ok())
            .expect("epoch");
        assert!((now - timefmt::now_secs()).abs() <= 1);
        assert!(value("aws:currenttime").is_some_and(|t| t.ends_with('Z')));
        assert!(facts.names_granting_acl() && facts.sets_tags());
    }

    #[test]
    fn object_tags_and_form_fields_are_facts_too() {
        let req = TestRequest::post()
            .insert_header(("x-amz-acl", "private"))
            .insert_header(("x-amz-tagging", "from=header"))
            .to_http_request();
        let tags = vec![("Public".to_owned(), "yes".to_owned())];
        let endpoint = listing("", Some("/"));
        let facts = AnonymousFacts::new(&req, &endpoint).with_object_tags(&tags);
        assert_eq!(
            value(&facts, "s3:existingobjecttag/public").as_deref(),
            Some("yes")
        );
        assert_eq!(value(&facts, "s3:prefix").as_deref(), Some(""));
        assert_eq!(value(&facts, "s3:delimiter").as_deref(), Some("/"));
        // A form's fields are what its upload asks for, whatever its headers say.
        let form_tags = vec![("class".to_owned(), "public".to_owned())];
        let form = AnonymousFacts::form(
            &req,
            |name| (name == "acl").then_some("public-read"),
            &form_tags,
        );
        assert_eq!(value(&form, "s3:x-amz-acl").as_deref(), Some("public-read"));
        assert_eq!(
            value(&form, "s3:requestobjecttag/class").as_deref(),
            Some("public")
        );
        assert_eq!(value(&form, "s3:requestobjecttag/from"), None);
        assert_eq!(value(&form, "s3:prefix"), None);
        let bare = AnonymousFacts::form(&req, |_| None, &[]);
        assert_eq!(value(&bare, "s3:x-amz-acl"), None);
        assert!(!bare.names_granting_acl() && !bare.sets_tags());
        // The owner's ACLs grant nobody else anything.
        let owners = AnonymousFacts::form(&req, |_| Some("bucket-owner-full-control"), &[]);
        assert!(!owners.names_granting_acl());
    }

    #[test]
    fn tags_in_an_unread_body_are_unknown() {
        let req = TestRequest::put().to_http_request();
        let endpoint = Endpoint::PutObjectTagging {
            bucket: "b".into(),
            key: "k".into(),
        };
        let facts = AnonymousFacts::new(&req, &endpoint);
        assert_eq!(facts.fact("s3:requestobjecttag/owner"), Fact::Unknown);
        assert_eq!(facts.fact("s3:requestobjecttagkeys"), Fact::Unknown);
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
            // ACLs open these too: decided in `anonymous.rs`.
            ("POST", Some("k"), "uploads", None),
            ("PUT", Some("k"), "partNumber=1&uploadId=u", None),
            ("POST", Some("k"), "uploadId=u", None),
            ("GET", None, "uploads", None),
            ("GET", None, "acl", Some(("GetBucketAcl", None))),
            ("GET", None, "location", Some(("GetBucketLocation", None))),
            ("GET", None, "policy", None),
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
