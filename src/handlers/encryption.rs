//! Server-side encryption as S3 reports it: the request headers that choose it for a new object,
//! the response headers that report an object's, and a bucket's default for new objects
//! (PutBucketEncryption, GetBucketEncryption, DeleteBucketEncryption). minis3 stores bytes as
//! they came; what is kept is the choice, so that clients see what S3 would tell them.

use super::{names, require_bucket, xml_response, RequestContext};
use crate::auth::body::RequestBody;
use crate::error::S3Error;
use crate::s3_error;
use crate::storage::{BucketMeta, Encryption, SseAlgorithm};
use crate::xml;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::HttpResponse;
use actix_web::HttpResponseBuilder;

/// A configuration is one rule of a few short elements; S3 takes no large documents here.
const MAX_CONFIGURATION_BYTES: usize = 16 * 1024;

/// The encryption a PutObject, CopyObject (for its destination), CreateMultipartUpload or form
/// upload asks for: `x-amz-server-side-encryption` with, for KMS, the key and the bucket-key
/// flag; without it, the bucket's default. `field` looks a header (or form field) up by name.
pub(super) fn requested_encryption(
    bucket: &BucketMeta,
    field: impl Fn(&HeaderName) -> Option<Result<String, ()>>,
) -> Result<Encryption, S3Error> {
    let text = |name: &HeaderName| -> Result<Option<String>, S3Error> {
        match field(name) {
            None => Ok(None),
            Some(Ok(value)) => Ok(Some(value)),
            Some(Err(())) => Err(s3_error!(
                InvalidArgument,
                "The {name} header is not valid text."
            )
            .detail("ArgumentName", name.as_str())),
        }
    };
    let algorithm = match text(&names::SSE)? {
        None => None,
        Some(value) => Some(SseAlgorithm::from_name(&value).ok_or_else(|| {
            s3_error!(
                InvalidArgument,
                "The encryption method specified is not supported"
            )
            .detail("ArgumentName", names::SSE.as_str())
            .detail("ArgumentValue", value)
        })?),
    };
    if names::SSE_CUSTOMER.iter().any(|name| field(name).is_some()) {
        if algorithm.is_some() {
            return Err(s3_error!(
                InvalidArgument,
                "Server Side Encryption with Customer provided key is incompatible with the encryption method specified"
            )
            .detail("ArgumentName", names::SSE.as_str()));
        }
        // S3 refuses SSE-C writes to every bucket that has not unblocked it (all new buckets
        // since April 2026); minis3 keeps no customer keys, so it cannot honour them either.
        return Err(if bucket.sse_c_allowed {
            s3_error!(
                NotImplemented,
                "minis3 does not implement server-side encryption with customer-provided keys (SSE-C); S3 itself takes SSE-C requests over HTTPS only."
            )
        } else {
            s3_error!(
                AccessDenied,
                "SSE-C is blocked for this bucket (its BlockedEncryptionTypes, as for every new S3 bucket since April 2026)."
            )
        });
    }
    let kms_key_id = text(&names::SSE_KMS_KEY_ID)?.filter(|id| !id.is_empty());
    if let Some(id) = &kms_key_id {
        check_kms_key_id(id)?;
    }
    if kms_key_id.is_some() && !algorithm.is_some_and(SseAlgorithm::uses_kms) {
        return Err(s3_error!(
            InvalidArgument,
            "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms"
        )
        .detail("ArgumentName", names::SSE_KMS_KEY_ID.as_str()));
    }
    let bucket_key_enabled = match text(&names::SSE_BUCKET_KEY_ENABLED)? {
        None => None,
        Some(value) if value.eq_ignore_ascii_case("true") => Some(true),
        Some(value) if value.eq_ignore_ascii_case("false") => Some(false),
        Some(value) => {
            return Err(s3_error!(
                InvalidArgument,
                "The value of the x-amz-server-side-encryption-bucket-key-enabled header must be true or false"
            )
            .detail("ArgumentName", names::SSE_BUCKET_KEY_ENABLED.as_str())
            .detail("ArgumentValue", value))
        }
    };
    Ok(match algorithm {
        // Named by the request: a KMS algorithm without a key means the account's default key.
        Some(algorithm) => Encryption {
            algorithm,
            kms_key_id,
            // Unless the request says otherwise, KMS uses the bucket key its bucket enabled.
            bucket_key_enabled: algorithm.uses_kms()
                && bucket_key_enabled.unwrap_or_else(|| {
                    bucket
                        .encryption
                        .as_ref()
                        .is_some_and(|e| e.bucket_key_enabled)
                }),
        },
        None => {
            let mut default = bucket.encryption.clone().unwrap_or_default();
            if let Some(enabled) = bucket_key_enabled {
                default.bucket_key_enabled = default.algorithm.uses_kms() && enabled;
            }
            default
        }
    })
}

/// A KMS key id (key id, key ARN, alias name or alias ARN) is printable ASCII of at most 2048
/// characters; anything else could never be sent back in a response header.
fn check_kms_key_id(id: &str) -> Result<(), S3Error> {
    let printable = id.bytes().all(|b| b.is_ascii_graphic());
    if printable && (1..=2048).contains(&id.len()) {
        return Ok(());
    }
    Err(s3_error!(InvalidArgument, "Invalid keyId")
        .detail("ArgumentName", names::SSE_KMS_KEY_ID.as_str()))
}

/// [`requested_encryption`] from a request's headers.
pub(super) fn requested_by_headers(
    ctx: &RequestContext<'_>,
    bucket: &BucketMeta,
) -> Result<Encryption, S3Error> {
    requested_encryption(bucket, |name| {
        ctx.req
            .headers()
            .get(name)
            .map(|v| v.to_str().map(str::to_string).map_err(|_| ()))
    })
}

/// A read, a copy's source or a part that gives an SSE-C key (any of `headers`) for an object
/// stored without one, which every object here is: S3 refuses the request rather than ignore
/// the key. GET and HEAD pass the algorithm header alone: S3 takes no key without it, and
/// reads are the hot path.
pub(super) fn refuse_customer_key(
    ctx: &RequestContext<'_>,
    headers: &[HeaderName],
) -> Result<(), S3Error> {
    if headers
        .iter()
        .any(|name| ctx.req.headers().contains_key(name))
    {
        return Err(s3_error!(
            InvalidRequest,
            "The encryption parameters are not applicable to this object."
        ));
    }
    Ok(())
}

/// `x-amz-server-side-encryption` on a request that cannot choose an encryption (a read, a part
/// or the completion of an upload, whose encryption CreateMultipartUpload chose): S3 refuses it.
pub(super) fn refuse_sse_header(ctx: &RequestContext<'_>) -> Result<(), S3Error> {
    match ctx.req.headers().get(names::SSE) {
        None => Ok(()),
        Some(value) => Err(s3_error!(
            InvalidArgument,
            "x-amz-server-side-encryption header is not supported for this operation."
        )
        .detail("ArgumentName", names::SSE.as_str())
        .detail(
            "ArgumentValue",
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        )),
    }
}

/// The response headers that report an object's (or an upload's) encryption.
pub(super) fn encryption_headers(response: &mut HttpResponseBuilder, encryption: &Encryption) {
    response.insert_header((
        names::SSE,
        HeaderValue::from_static(encryption.algorithm.name()),
    ));
    if !encryption.algorithm.uses_kms() {
        return;
    }
    // Checked when stored; a value that is no header value still must not fail the answer.
    if let Some(id) = encryption
        .kms_key_id
        .as_deref()
        .and_then(|id| HeaderValue::from_str(id).ok())
    {
        response.insert_header((names::SSE_KMS_KEY_ID, id));
    }
    if encryption.bucket_key_enabled {
        response.insert_header((
            names::SSE_BUCKET_KEY_ENABLED,
            HeaderValue::from_static("true"),
        ));
    }
}

/// A 200 with an XML document and the encryption headers (UploadPartCopy).
pub(super) fn xml_response_reporting(body: String, encryption: &Encryption) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    encryption_headers(&mut response, encryption);
    response.content_type("application/xml").body(body)
}

/// [`xml_response_reporting`] for a write that made `object` under `bucket`/`key`
/// (CopyObject, CompleteMultipartUpload), with its expiration as S3 reports it.
pub(super) fn xml_response_for_object(
    ctx: &RequestContext<'_>,
    body: String,
    bucket: &str,
    key: &str,
    object: &crate::storage::ObjectMeta,
) -> Result<HttpResponse, S3Error> {
    let mut response = HttpResponse::Ok();
    encryption_headers(&mut response, &object.encryption);
    super::lifecycle::expiration_header(ctx, &mut response, bucket, key, object)?;
    Ok(response.content_type("application/xml").body(body))
}

pub async fn handle_put_bucket_encryption(
    ctx: &RequestContext<'_>,
    bucket: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let document = super::read_document(ctx, &mut body, MAX_CONFIGURATION_BYTES)
        .await
        .map_err(|e| match e.code.as_str() {
            "EntityTooLarge" => s3_error!(MalformedXML),
            _ => e,
        })?;
    let parsed: xml::EncryptionConfigurationBody = xml::parse(&document)?;
    let (encryption, sse_c_allowed) = configured_encryption(parsed)?;
    ctx.store.update_bucket(bucket, |meta| {
        meta.encryption = Some(encryption.clone());
        meta.sse_c_allowed = sse_c_allowed;
    })?;
    ctx.store.sync().await?;
    Ok(HttpResponse::Ok().finish())
}

/// The default a PutBucketEncryption document sets: exactly one rule, whose algorithm is one S3
/// takes (anything else does not validate against S3's schema), with a KMS key only for KMS;
/// and whether it unblocks SSE-C (`BlockedEncryptionTypes` NONE; blocked when not named, as on
/// a new bucket).
fn configured_encryption(
    parsed: xml::EncryptionConfigurationBody,
) -> Result<(Encryption, bool), S3Error> {
    let mut rules = parsed.rules.into_iter();
    let (Some(rule), None) = (rules.next(), rules.next()) else {
        return Err(s3_error!(MalformedXML));
    };
    let blocked = rule
        .blocked_encryption_types
        .map(|b| b.encryption_types)
        .unwrap_or_default();
    if blocked.iter().any(|t| t != "NONE" && t != "SSE-C") {
        return Err(s3_error!(MalformedXML));
    }
    let names = |t: &str| blocked.iter().any(|b| b == t);
    if names("NONE") && names("SSE-C") {
        return Err(s3_error!(
            InvalidArgument,
            "BlockedEncryptionTypes cannot name NONE together with an encryption type."
        ));
    }
    let sse_c_allowed = names("NONE");
    let (algorithm, kms_key_id) = match rule.apply_by_default {
        None => (SseAlgorithm::Aes256, None),
        Some(by_default) => (
            SseAlgorithm::from_name(&by_default.sse_algorithm)
                .ok_or_else(|| s3_error!(MalformedXML))?,
            by_default.kms_master_key_id.filter(|id| !id.is_empty()),
        ),
    };
    if let Some(id) = &kms_key_id {
        check_kms_key_id(id)?;
    }
    if kms_key_id.is_some() && !algorithm.uses_kms() {
        return Err(s3_error!(
            InvalidArgument,
            "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse"
        ));
    }
    let encryption = Encryption {
        algorithm,
        kms_key_id,
        bucket_key_enabled: rule.bucket_key_enabled.unwrap_or(false),
    };
    Ok((encryption, sse_c_allowed))
}

/// A bucket that was never given a configuration has S3's: SSE-S3 without a bucket key.
pub fn handle_get_bucket_encryption(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    let encryption = meta.encryption.unwrap_or_default();
    Ok(xml_response(xml::encryption_configuration(
        &encryption,
        meta.sse_c_allowed,
    )))
}

/// Back to S3's default (every bucket is encrypted with SSE-S3 at least).
pub async fn handle_delete_bucket_encryption(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    super::remove_bucket_setting(ctx, bucket, |meta| {
        meta.encryption = None;
        meta.sse_c_allowed = false;
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requested(
        bucket: &BucketMeta,
        headers: &[(&HeaderName, &str)],
    ) -> Result<Encryption, S3Error> {
        requested_encryption(bucket, |name| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| Ok(v.to_string()))
        })
    }

    fn kms_bucket() -> BucketMeta {
        BucketMeta {
            encryption: Some(Encryption {
                algorithm: SseAlgorithm::AwsKms,
                kms_key_id: Some("bucket-key".into()),
                bucket_key_enabled: false,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn without_headers_the_bucket_default_applies() {
        let plain = BucketMeta::default();
        assert_eq!(requested(&plain, &[]).expect("ok"), Encryption::default());
        let bucket = kms_bucket();
        assert_eq!(
            requested(&bucket, &[]).expect("ok"),
            bucket.encryption.clone().expect("set")
        );
        // The bucket-key flag alone adjusts the default (meaningful for KMS only).
        let flagged = requested(&bucket, &[(&names::SSE_BUCKET_KEY_ENABLED, "TRUE")]);
        assert!(flagged.expect("ok").bucket_key_enabled);
        let flagged = requested(&plain, &[(&names::SSE_BUCKET_KEY_ENABLED, "true")]);
        assert!(!flagged.expect("ok").bucket_key_enabled);
    }

    #[test]
    fn a_named_algorithm_overrides_the_default_key_included() {
        let bucket = kms_bucket();
        let named = requested(&bucket, &[(&names::SSE, "aws:kms:dsse")]).expect("ok");
        assert_eq!(
            named,
            Encryption {
                algorithm: SseAlgorithm::AwsKmsDsse,
                kms_key_id: None,
                bucket_key_enabled: false,
            }
        );
        let aes = requested(
            &bucket,
            &[
                (&names::SSE, "AES256"),
                (&names::SSE_BUCKET_KEY_ENABLED, "true"),
            ],
        );
        assert_eq!(aes.expect("ok"), Encryption::default());
    }

    #[test]
    fn a_named_kms_algorithm_keeps_the_buckets_bucket_key_unless_told_otherwise() {
        let mut bucket = kms_bucket();
        if let Some(e) = bucket.encryption.as_mut() {
            e.bucket_key_enabled = true;
        }
        let named = requested(&bucket, &[(&names::SSE, "aws:kms")]).expect("ok");
        assert!(named.bucket_key_enabled);
        let disabled = requested(
            &bucket,
            &[
                (&names::SSE, "aws:kms"),
                (&names::SSE_BUCKET_KEY_ENABLED, "false"),
            ],
        );
        assert!(!disabled.expect("ok").bucket_key_enabled);
    }

    #[test]
    fn bad_values_are_refused() {
        let bucket = BucketMeta::default();
        let code = |headers: &[(&HeaderName, &str)]| {
            requested(&bucket, headers)
                .map(|_| String::new())
                .unwrap_or_else(|e| e.code.as_str().to_string())
        };
        assert_eq!(code(&[(&names::SSE, "AES-256")]), "InvalidArgument");
        assert_eq!(code(&[(&names::SSE_KMS_KEY_ID, "k")]), "InvalidArgument");
        assert_eq!(
            code(&[
                (&names::SSE, "aws:kms"),
                (&names::SSE_BUCKET_KEY_ENABLED, "1")
            ]),
            "InvalidArgument"
        );
        assert_eq!(
            code(&[
                (&names::SSE, "AES256"),
                (&names::SSE_CUSTOMER_ALGORITHM, "AES256")
            ]),
            "InvalidArgument"
        );
        // SSE-C alone: blocked as S3 blocks it on new buckets, and not implemented when not.
        for name in &names::SSE_CUSTOMER {
            assert_eq!(code(&[(name, "x")]), "AccessDenied", "{name}");
        }
        let unblocked = BucketMeta {
            sse_c_allowed: true,
            ..Default::default()
        };
        let r = requested(&unblocked, &[(&names::SSE_CUSTOMER[0], "AES256")]);
        assert_eq!(r.map_err(|e| e.code.as_str()), Err("NotImplemented"));
        // A value that is not text is refused, not taken as absent.
        let unreadable =
            requested_encryption(&bucket, |name| (*name == names::SSE).then_some(Err(())));
        assert!(unreadable.is_err());
        // A key id that could not be sent back in a header is refused, not stored.
        for id in ["a\r\nb", "key id", "k\u{e9}y", &"k".repeat(2049)] {
            assert_eq!(
                code(&[(&names::SSE, "aws:kms"), (&names::SSE_KMS_KEY_ID, id)]),
                "InvalidArgument",
                "{id:?}"
            );
        }
        assert_eq!(
            code(&[
                (&names::SSE, "aws:kms"),
                (
                    &names::SSE_KMS_KEY_ID,
                    "arn:aws:kms:us-east-1:1:alias/my-key"
                )
            ]),
            ""
        );
        // An empty key id is no key id.
        assert_eq!(
            code(&[(&names::SSE, "aws:kms"), (&names::SSE_KMS_KEY_ID, "")]),
            ""
        );
    }
}
