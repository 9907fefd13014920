//! Canned ACLs: the `x-amz-acl` header, Get/Put Bucket/Object ACL, and what each ACL grants
//! anonymous requests (decided with the bucket's policy in `anonymous.rs`).
//!
//! minis3 has one owner, so an access list is always "owner FULL_CONTROL" plus the grants a canned
//! ACL adds for S3's predefined groups. Grants to other accounts cannot be expressed and are refused
//! as `NotImplemented` rather than silently dropped.

use super::{names, owner, require_bucket, require_object, xml_response, RequestContext};
use crate::auth::body::RequestBody;
use crate::error::S3Error;
use crate::s3_error;
use crate::storage::{BucketMeta, CannedAcl, ObjectOwnership};
use crate::xml::{self, Grant, Grantee};
use actix_web::HttpResponse;

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";
/// The account `aws-exec-read` lets read AMI bundles, as S3 shows it.
const EC2: xml::Owner<'static> = xml::Owner {
    id: "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c",
    display_name: "za-team",
};

/// The largest AccessControlPolicy body read.
const MAX_POLICY_BYTES: usize = 64 * 1024;

/// A canned ACL by its S3 name.
pub fn parse_canned_acl(name: &str) -> Result<CannedAcl, S3Error> {
    Ok(match name.trim() {
        "private" => CannedAcl::Private,
        "public-read" => CannedAcl::PublicRead,
        "public-read-write" => CannedAcl::PublicReadWrite,
        "authenticated-read" => CannedAcl::AuthenticatedRead,
        "bucket-owner-read" => CannedAcl::BucketOwnerRead,
        "bucket-owner-full-control" => CannedAcl::BucketOwnerFullControl,
        "log-delivery-write" => CannedAcl::LogDeliveryWrite,
        "aws-exec-read" => CannedAcl::AwsExecRead,
        other => {
            return Err(s3_error!(InvalidArgument)
                .detail("ArgumentName", "x-amz-acl")
                .detail("ArgumentValue", other))
        }
    })
}

/// The ACL a request asks for with `x-amz-acl` or `x-amz-grant-*` headers (private when
/// neither).
pub fn requested_acl(ctx: &RequestContext<'_>) -> Result<CannedAcl, S3Error> {
    Ok(named_acl(ctx)?.unwrap_or(CannedAcl::Private))
}

/// The canned ACL a request names: by `x-amz-acl`, or by `x-amz-grant-*` headers whose grants
/// are exactly one canned ACL's (the owner's full control implied: minis3 has one owner, who
/// always has it). Grants no canned ACL makes are refused as `NotImplemented` rather than
/// dropped, which would leave the object less open (or more) than the client believes.
pub fn named_acl(ctx: &RequestContext<'_>) -> Result<Option<CannedAcl>, S3Error> {
    let canned = ctx.header(names::ACL);
    let mut grants: Vec<(Party<'_>, &str)> = Vec::new();
    let mut any_grant = false;
    for (header, permission) in names::GRANTS.iter().zip(GRANT_PERMISSIONS) {
        for value in ctx.req.headers().get_all(header) {
            any_grant = true;
            let text = value.to_str().map_err(|_| bad_grant(header.as_str(), ""))?;
            grants.extend(
                grantees(header.as_str(), text)?
                    .into_iter()
                    .map(|g| (g, permission)),
            );
        }
    }
    match (canned, any_grant) {
        (Some(_), true) => Err(s3_error!(
            InvalidRequest,
            "Specifying both Canned ACLs and Header Grants is not allowed"
        )),
        (Some(name), false) => parse_canned_acl(name).map(Some),
        (None, true) => {
            // The owner's own grants say nothing a canned ACL does not.
            let owner_id = owner().id;
            grants.retain(|(party, _)| *party != Party::Account(owner_id));
            Ok(Some(match canned_from_grants(grants)? {
                CannedAcl::Private => CannedAcl::BucketOwnerFullControl,
                acl => acl,
            }))
        }
        (None, false) => Ok(None),
    }
}

/// The permission each of [`names::GRANTS`] gives, in its order.
const GRANT_PERMISSIONS: [&str; 5] = ["READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"];

/// The grantees of an `x-amz-grant-*` header: `id="..."`, `uri="..."` (or `emailAddress`, which
/// no canned ACL names), comma-separated.
fn grantees<'a>(header: &str, text: &'a str) -> Result<Vec<Party<'a>>, S3Error> {
    text.split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(|grantee| {
            let (kind, value) = grantee
                .split_once('=')
                .ok_or_else(|| bad_grant(header, grantee))?;
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            match kind.trim() {
                "id" => Ok(Party::Account(value)),
                "uri" => Ok(Party::Group(value)),
                "emailAddress" => Err(not_canned()),
                _ => Err(bad_grant(header, grantee)),
            }
        })
        .collect()
}

fn bad_grant(header: &str, grantee: &str) -> S3Error {
    s3_error!(InvalidArgument, "Invalid grantee in {header}: {grantee}")
        .detail("ArgumentName", header.to_string())
        .detail("ArgumentValue", grantee.to_string())
}

/// Whether a canned ACL grants anyone but the owner something.
pub fn grants_others(acl: CannedAcl) -> bool {
    !extra_grants(acl).is_empty()
}

/// Whether S3 counts an ACL as public: it grants AllUsers or AuthenticatedUsers something.
pub fn is_public(acl: CannedAcl) -> bool {
    matches!(
        acl,
        CannedAcl::PublicRead | CannedAcl::PublicReadWrite | CannedAcl::AuthenticatedRead
    )
}

/// Whether the bucket's Object Ownership is `BucketOwnerEnforced`: ACLs disabled.
fn acls_disabled(bucket: &BucketMeta) -> bool {
    bucket.object_ownership == Some(ObjectOwnership::BucketOwnerEnforced)
}

/// An ACL as access checks must see it: nothing but the owner's where ACLs are disabled, and a
/// public one counts for nothing in a bucket whose Block Public Access settings ignore them.
pub fn effective_acl(bucket: &BucketMeta, acl: CannedAcl) -> CannedAcl {
    let ignored = bucket
        .public_access_block
        .is_some_and(|b| b.ignore_public_acls);
    if acls_disabled(bucket) || (ignored && is_public(acl)) {
        CannedAcl::Private
    } else {
        acl
    }
}

/// The ACL a request that sets one on `bucket` or one of its objects gets, `named` being what it
/// asked for (`None`: nothing). Where ACLs are disabled only `bucket-owner-full-control` may be
/// named (400 AccessControlListNotSupported otherwise) and nothing is granted; where the bucket
/// blocks public ACLs a public one is refused with 403, as S3 refuses both.
pub fn acl_for_write(bucket: &BucketMeta, named: Option<CannedAcl>) -> Result<CannedAcl, S3Error> {
    if acls_disabled(bucket) {
        return match named {
            None | Some(CannedAcl::BucketOwnerFullControl) => Ok(CannedAcl::Private),
            Some(_) => Err(s3_error!(AccessControlListNotSupported)),
        };
    }
    let acl = named.unwrap_or(CannedAcl::Private);
    check_public_block(bucket, acl)?;
    Ok(acl)
}

/// A public `acl` is refused with 403 where the bucket blocks public ACLs.
pub fn check_public_block(bucket: &BucketMeta, acl: CannedAcl) -> Result<(), S3Error> {
    let blocked = bucket
        .public_access_block
        .is_some_and(|b| b.block_public_acls);
    if blocked && is_public(acl) {
        return Err(s3_error!(
            AccessDenied,
            "The bucket's Block Public Access settings (BlockPublicAcls) refuse public ACLs."
        ));
    }
    Ok(())
}

/// A write's ACL decided again once its body has arrived, against the bucket's settings as
/// they are then: Block Public Access turned on, or ACLs disabled, while the body streamed (or
/// since CreateMultipartUpload) still apply. A private ACL passes every setting, so the usual
/// write skips the extra read.
pub fn recheck_acl(
    ctx: &RequestContext<'_>,
    bucket: &str,
    acl: CannedAcl,
) -> Result<CannedAcl, S3Error> {
    if acl == CannedAcl::Private {
        return Ok(acl);
    }
    acl_for_write(&require_bucket(ctx, bucket)?, Some(acl))
}

/// Whether everyone, signed or not, may read (objects: GET/HEAD; buckets: list).
pub fn grants_public_read(acl: CannedAcl) -> bool {
    matches!(acl, CannedAcl::PublicRead | CannedAcl::PublicReadWrite)
}

/// Whether everyone may write objects into the bucket (PUT, DELETE, form POST).
pub fn grants_public_write(acl: CannedAcl) -> bool {
    acl == CannedAcl::PublicReadWrite
}

/// Who a canned ACL grants something besides the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Party<'a> {
    /// A predefined group, by URI.
    Group(&'a str),
    /// Another account, by canonical ID.
    Account(&'a str),
}

/// The grants besides the owner's FULL_CONTROL.
fn extra_grants(acl: CannedAcl) -> &'static [(Party<'static>, &'static str)] {
    use Party::{Account, Group};
    match acl {
        CannedAcl::Private | CannedAcl::BucketOwnerRead | CannedAcl::BucketOwnerFullControl => &[],
        CannedAcl::PublicRead => &[(Group(ALL_USERS), "READ")],
        CannedAcl::PublicReadWrite => &[(Group(ALL_USERS), "READ"), (Group(ALL_USERS), "WRITE")],
        CannedAcl::AuthenticatedRead => &[(Group(AUTHENTICATED_USERS), "READ")],
        CannedAcl::AwsExecRead => &[(Account(EC2.id), "READ")],
        CannedAcl::LogDeliveryWrite => &[
            (Group(LOG_DELIVERY), "WRITE"),
            (Group(LOG_DELIVERY), "READ_ACP"),
        ],
    }
}

fn policy_document(acl: CannedAcl) -> String {
    let owner = owner();
    let mut grants = vec![Grant {
        grantee: Grantee::CanonicalUser(&owner),
        permission: "FULL_CONTROL",
    }];
    grants.extend(extra_grants(acl).iter().map(|(party, permission)| Grant {
        grantee: match party {
            Party::Group(uri) => Grantee::Group(uri),
            // EC2 is the only other account a canned ACL names.
            Party::Account(_) => Grantee::CanonicalUser(&EC2),
        },
        permission,
    }));
    xml::access_control_policy(&owner, &grants)
}

/// The canned ACL whose grants are exactly those of an `AccessControlPolicy` body.
fn canned_from_policy(body: &[u8]) -> Result<CannedAcl, S3Error> {
    let policy: xml::AccessControlPolicyBody = xml::parse(body)?;
    let owner_id = owner().id;
    let mut owner_full_control = false;
    let mut sent: Vec<(Party<'_>, &str)> = Vec::new();
    let grants = &policy.access_control_list.grants;
    for grant in grants {
        let g = &grant.grantee;
        let permission = grant.permission.as_str();
        match (g.id.as_deref(), g.uri.as_deref(), &g.email_address) {
            (Some(id), None, None) if id == owner_id && permission == "FULL_CONTROL" => {
                owner_full_control = true
            }
            (Some(id), None, None) => sent.push((Party::Account(id), permission)),
            (None, Some(uri), None) => sent.push((Party::Group(uri), permission)),
            _ => return Err(not_canned()),
        }
    }
    if !owner_full_control {
        return Err(not_canned());
    }
    canned_from_grants(sent)
}

/// The canned ACL whose grants besides the owner's are exactly `sent`.
fn canned_from_grants(mut sent: Vec<(Party<'_>, &str)>) -> Result<CannedAcl, S3Error> {
    sent.sort();
    sent.dedup();
    let candidates = [
        CannedAcl::Private,
        CannedAcl::PublicRead,
        CannedAcl::PublicReadWrite,
        CannedAcl::AuthenticatedRead,
        CannedAcl::AwsExecRead,
        CannedAcl::LogDeliveryWrite,
    ];
    candidates
        .into_iter()
        .find(|acl| {
            let mut wanted: Vec<&(Party<'_>, &str)> = extra_grants(*acl).iter().collect();
            wanted.sort();
            wanted.into_iter().eq(sent.iter())
        })
        .ok_or_else(not_canned)
}

fn not_canned() -> S3Error {
    s3_error!(
        NotImplemented,
        "minis3 supports canned ACLs only; this access control list is not one of their shapes."
    )
}

/// The ACL a PutBucketAcl/PutObjectAcl sets: `x-amz-acl`, or a body in a canned shape.
async fn acl_to_set(
    ctx: &RequestContext<'_>,
    body: &mut RequestBody,
) -> Result<CannedAcl, S3Error> {
    let document = body.read_to_end(MAX_POLICY_BYTES).await?;
    let has_body = !document.iter().all(u8::is_ascii_whitespace);
    let has_header = ctx.header(names::ACL).is_some()
        || names::GRANTS
            .iter()
            .any(|name| ctx.req.headers().contains_key(name));
    match (has_header, has_body) {
        (true, true) => Err(s3_error!(UnexpectedContent)),
        (false, true) => {
            requested_acl(ctx)?;
            // A document granting the owner alone is what bucket-owner-full-control means here
            // (one owner), and is what S3 takes as that where ACLs are disabled.
            Ok(match canned_from_policy(&document)? {
                CannedAcl::Private => CannedAcl::BucketOwnerFullControl,
                acl => acl,
            })
        }
        (true, false) => requested_acl(ctx),
        (false, false) => {
            requested_acl(ctx)?;
            Err(s3_error!(MissingSecurityHeader).detail("MissingHeaderName", "x-amz-acl"))
        }
    }
}

pub fn handle_get_bucket_acl(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    Ok(xml_response(policy_document(shown_acl(&meta, meta.acl))))
}

/// What GetBucketAcl / GetObjectAcl report: with ACLs disabled, the owner's full control only.
fn shown_acl(bucket: &BucketMeta, acl: CannedAcl) -> CannedAcl {
    if acls_disabled(bucket) {
        CannedAcl::Private
    } else {
        acl
    }
}

pub async fn handle_put_bucket_acl(
    ctx: &RequestContext<'_>,
    bucket: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let named = acl_to_set(ctx, &mut body).await?;
    // The bucket's settings as they are once the body has arrived.
    let acl = acl_for_write(&require_bucket(ctx, bucket)?, Some(named))?;
    ctx.store.update_bucket(bucket, |meta| meta.acl = acl)?;
    ctx.store.sync().await?;
    Ok(HttpResponse::Ok().finish())
}

pub fn handle_get_object_acl(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
) -> Result<HttpResponse, S3Error> {
    let bucket_meta = require_bucket(ctx, bucket)?;
    let meta = require_object(ctx, bucket, key)?;
    Ok(xml_response(policy_document(shown_acl(
        &bucket_meta,
        meta.acl,
    ))))
}

pub async fn handle_put_object_acl(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let named = acl_to_set(ctx, &mut body).await?;
    let acl = acl_for_write(&require_bucket(ctx, bucket)?, Some(named))?;
    ctx.store
        .set_object_acl(bucket, key, acl)
        .map_err(|e| S3Error::from(e).detail("Key", key))?;
    ctx.store.sync().await?;
    Ok(HttpResponse::Ok().finish())
}

pub async fn handle_put_public_access_block(
    ctx: &RequestContext<'_>,
    bucket: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let document = super::read_document(ctx, &mut body, MAX_POLICY_BYTES).await?;
    let parsed: xml::PublicAccessBlockBody = xml::parse(&document)?;
    if parsed.is_empty() {
        return Err(s3_error!(
            InvalidRequest,
            "Must specify at least one configuration."
        ));
    }
    let settings = parsed.into_settings();
    ctx.store
        .update_bucket(bucket, |meta| meta.public_access_block = Some(settings))?;
    ctx.store.sync().await?;
    Ok(HttpResponse::Ok().finish())
}

pub fn handle_get_public_access_block(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    match meta.public_access_block {
        Some(settings) => Ok(xml_response(xml::public_access_block(&settings))),
        None => Err(s3_error!(NoSuchPublicAccessBlockConfiguration).detail("BucketName", bucket)),
    }
}

pub async fn handle_delete_public_access_block(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    super::remove_bucket_setting(ctx, bucket, |meta| meta.public_access_block = None).await
}

pub async fn handle_put_ownership_controls(
    ctx: &RequestContext<'_>,
    bucket: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let document = super::read_document(ctx, &mut body, MAX_POLICY_BYTES).await?;
    let parsed: xml::OwnershipControlsBody = xml::parse(&document)?;
    let mut rules = parsed.rules.into_iter();
    let (Some(rule), None) = (rules.next(), rules.next()) else {
        return Err(s3_error!(MalformedXML));
    };
    let ownership = ObjectOwnership::from_name(&rule.object_ownership)
        .ok_or_else(|| s3_error!(MalformedXML))?;
    // The bucket's ACL judged in the same compare-and-swap that stores the setting.
    let stored = ctx.store.update_bucket_if(bucket, |meta| {
        let allowed = check_ownership_allows(ownership, meta.acl).is_ok();
        if allowed {
            meta.object_ownership = Some(ownership);
        }
        allowed
    })?;
    if !stored {
        return Err(s3_error!(InvalidBucketAclWithObjectOwnership));
    }
    ctx.store.sync().await?;
    Ok(HttpResponse::Ok().finish())
}

/// ACLs can be disabled only on a bucket whose own ACL grants nobody but its owner anything.
pub fn check_ownership_allows(
    ownership: ObjectOwnership,
    bucket_acl: CannedAcl,
) -> Result<(), S3Error> {
    let owner_only = matches!(
        bucket_acl,
        CannedAcl::Private | CannedAcl::BucketOwnerFullControl
    );
    if ownership == ObjectOwnership::BucketOwnerEnforced && !owner_only {
        return Err(s3_error!(InvalidBucketAclWithObjectOwnership));
    }
    Ok(())
}

pub fn handle_get_ownership_controls(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    match meta.object_ownership {
        Some(ownership) => Ok(xml_response(xml::ownership_controls(ownership.name()))),
        None => Err(s3_error!(OwnershipControlsNotFoundError).detail("BucketName", bucket)),
    }
}

pub async fn handle_delete_ownership_controls(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    super::remove_bucket_setting(ctx, bucket, |meta| meta.object_ownership = None).await
}

#[cfg(test)]
mod tests {

    #[test]
    fn grant_headers_name_the_canned_acl_of_the_same_grants() {
        let parse = |header: &str, text: &'static str| grantees(header, text);
        let all_users = parse(
            "x-amz-grant-read",
            "uri=http://acs.amazonaws.com/groups/global/AllUsers",
        )
        .expect("grantee");
        assert_eq!(all_users, [Party::Group(ALL_USERS)]);
        let quoted = parse(
            "x-amz-grant-write",
            r#" uri="http://acs.amazonaws.com/groups/global/AllUsers" , id="abc""#,
        )
        .expect("grantees");
        assert_eq!(quoted, [Party::Group(ALL_USERS), Party::Account("abc")]);
        assert_eq!(
            parse("x-amz-grant-read", "nonsense")
                .expect_err("bad")
                .code
                .as_str(),
            "InvalidArgument"
        );
        assert_eq!(
            parse("x-amz-grant-read", "emailAddress=a@b.c")
                .expect_err("email")
                .code
                .as_str(),
            "NotImplemented"
        );
        let read = vec![(Party::Group(ALL_USERS), "READ")];
        assert_eq!(
            canned_from_grants(read.clone()).expect("canned"),
            CannedAcl::PublicRead
        );
        let mut read_write = read.clone();
        read_write.push((Party::Group(ALL_USERS), "WRITE"));
        read_write.push((Party::Group(ALL_USERS), "READ"));
        assert_eq!(
            canned_from_grants(read_write).expect("canned"),
            CannedAcl::PublicReadWrite
        );
        assert_eq!(
            canned_from_grants(Vec::new()).expect("canned"),
            CannedAcl::Private
        );
        let odd = vec![(Party::Account("someone-else"), "READ")];
        assert_eq!(
            canned_from_grants(odd).expect_err("odd").code.as_str(),
            "NotImplemented"
        );
    }

    use super::*;

    #[test]
    fn canned_names_parse_and_unknown_ones_are_invalid() {
        assert_eq!(
            parse_canned_acl("public-read").ok(),
            Some(CannedAcl::PublicRead)
        );
        assert_eq!(
            parse_canned_acl("bucket-owner-full-control").ok(),
            Some(CannedAcl::BucketOwnerFullControl)
        );
        assert_eq!(
            parse_canned_acl("public").unwrap_err().code.as_str(),
            "InvalidArgument"
        );
        assert_eq!(
            parse_canned_acl("aws-exec-read").ok(),
            Some(CannedAcl::AwsExecRead)
        );
    }

    #[test]
    fn only_public_acls_open_reads_and_only_public_read_write_opens_writes() {
        assert!(grants_public_read(CannedAcl::PublicRead));
        assert!(grants_public_read(CannedAcl::PublicReadWrite));
        assert!(!grants_public_read(CannedAcl::AuthenticatedRead));
        assert!(!grants_public_read(CannedAcl::Private));
        assert!(grants_public_write(CannedAcl::PublicReadWrite));
        assert!(!grants_public_write(CannedAcl::PublicRead));
    }

    #[test]
    fn policy_documents_list_the_canned_grants() {
        let doc = policy_document(CannedAcl::PublicReadWrite);
        assert!(doc.contains("<Permission>FULL_CONTROL</Permission>"));
        assert_eq!(doc.matches("<URI>").count(), 2);
        assert!(doc.contains(&format!(
            "<URI>{ALL_USERS}</URI></Grantee><Permission>WRITE"
        )));
        assert_eq!(
            policy_document(CannedAcl::Private)
                .matches("<Grant>")
                .count(),
            1
        );
    }

    #[test]
    fn policy_bodies_map_back_to_their_canned_acl() {
        for acl in [
            CannedAcl::Private,
            CannedAcl::PublicRead,
            CannedAcl::PublicReadWrite,
            CannedAcl::AuthenticatedRead,
            CannedAcl::AwsExecRead,
            CannedAcl::LogDeliveryWrite,
        ] {
            let doc = policy_document(acl);
            assert_eq!(canned_from_policy(doc.as_bytes()).ok(), Some(acl), "{doc}");
        }
        let other_account = format!(
            "<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>{}</ID></Grantee>\
             <Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee><ID>someone-else</ID>\
             </Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>",
            owner().id
        );
        assert_eq!(
            canned_from_policy(other_account.as_bytes())
                .unwrap_err()
                .code
                .as_str(),
            "NotImplemented"
        );
        let no_owner = format!(
            "<AccessControlPolicy><AccessControlList><Grant><Grantee><URI>{ALL_USERS}</URI>\
             </Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>"
        );
        assert_eq!(
            canned_from_policy(no_owner.as_bytes())
                .unwrap_err()
                .code
                .as_str(),
            "NotImplemented"
        );
    }
}
