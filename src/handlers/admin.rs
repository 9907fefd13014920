//! The admin API under `/_minis3/admin/` (what `minis3 admin` calls): issued keys, their secrets,
//! revocations and Swift temp-URL keys. JSON in and out; only the root key may call it.
//!
//! - `GET|POST /_minis3/admin/keys`, `DELETE /_minis3/admin/keys/AKID`
//! - `POST /_minis3/admin/keys/AKID/secrets`, `DELETE /_minis3/admin/keys/AKID/secrets/SECRET_ID`
//! - `POST /_minis3/admin/keys/AKID/revoke-before` (`{"time": RFC 3339}`, default now)
//! - `GET|POST /_minis3/admin/revocations` (`{"url": ...}` or `{"signature": ...}`)
//! - `PUT /_minis3/admin/tempurl-keys/ACCOUNT` (`{"key": ..., "second": bool}`)
//! - `POST /_minis3/admin/lifecycle/run` (`{"as_of": RFC 3339}`, default now): every bucket's
//!   lifecycle rules applied at once

use crate::auth::body::RequestBody;
use crate::auth::{normalize_signature, AuthConfig, Identity};
use crate::error::S3Error;
use crate::router::Query;
use crate::s3_error;
use crate::storage::access::{BucketScope, KeyRecord, RevokedSignature, Scope};
use crate::storage::Store;
use crate::timefmt;
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::{json, Value};

/// Where the admin API lives.
pub const ADMIN_PREFIX: &str = "/_minis3/admin/";
/// Admin requests are small JSON documents.
const MAX_ADMIN_BODY: usize = 64 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateKey {
    #[serde(default)]
    allow: Option<Vec<String>>,
    #[serde(default)]
    buckets: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Revoke {
    url: Option<String>,
    signature: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBefore {
    time: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LifecycleRun {
    as_of: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TempUrlKey {
    key: String,
    #[serde(default)]
    second: bool,
}

/// Answers an admin request (`path` still percent-encoded) for the key that signed it.
pub async fn handle(
    method: &str,
    path: &str,
    identity: &Identity,
    auth: &AuthConfig,
    store: &Store,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    if !identity.is_root(auth) {
        return Err(s3_error!(
            AccessDenied,
            "Only the root key may use the admin API."
        ));
    }
    let rest = path.strip_prefix(ADMIN_PREFIX).unwrap_or_default();
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| s3_error!(InvalidURI))
        })
        .collect::<Result<_, _>>()?;
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let document = body.read_to_end(MAX_ADMIN_BODY).await?;
    let now = timefmt::now_secs();
    let keys = &auth.keys;
    let answer = match (method, segments.as_slice()) {
        ("GET", ["keys"]) => json!({
            "Keys": keys.list_keys().iter().map(key_summary).collect::<Vec<_>>()
        }),
        ("POST", ["keys"]) => {
            let request: CreateKey = parse_json(&document)?;
            let scope = scope_from(request.allow.as_deref(), &request.buckets)?;
            let record = keys.create_key(scope, now)?;
            let mut out = key_summary(&record);
            let secret = &record.secrets[0];
            out["SecretAccessKey"] = json!(secret.secret);
            out["SecretId"] = json!(secret.id);
            out
        }
        ("DELETE", ["keys", access_key]) => {
            keys.delete_key(access_key, now)?;
            json!({"AccessKeyId": access_key, "Deleted": true})
        }
        ("POST", ["keys", access_key, "secrets"]) => {
            let secret = keys.add_secret(access_key, now)?;
            json!({
                "AccessKeyId": access_key,
                "SecretId": secret.id,
                "SecretAccessKey": secret.secret,
            })
        }
        ("DELETE", ["keys", access_key, "secrets", secret_id]) => {
            keys.remove_secret(access_key, secret_id)?;
            json!({"AccessKeyId": access_key, "RemovedSecretId": secret_id})
        }
        ("POST", ["keys", access_key, "revoke-before"]) => {
            let request: RevokeBefore = parse_json_or_default(&document)?;
            if *access_key != auth.access_key && keys.issued(access_key).is_none() {
                return Err(s3_error!(
                    NoSuchEntity,
                    "The access key {access_key} does not exist."
                ));
            }
            let time = match request.time.as_deref() {
                Some(t) => parse_rfc3339(t)?,
                // A URL signed earlier in this very second carries this second in its X-Amz-Date;
                // rounding up makes "revoke everything signed until now" include it.
                None => timefmt::now_ms().div_euclid(1000) + 1,
            };
            let effective = keys.revoke_before(access_key, time)?;
            json!({"AccessKeyId": access_key, "NotBefore": iso(effective)})
        }
        ("GET", ["revocations"]) => {
            let (signatures, not_before) = keys.revocations();
            json!({
                "Signatures": signatures.iter().map(revocation_summary).collect::<Vec<_>>(),
                "NotBefore": not_before
                    .iter()
                    .map(|(k, t)| json!({"AccessKeyId": k, "NotBefore": iso(*t)}))
                    .collect::<Vec<_>>(),
            })
        }
        ("POST", ["revocations"]) => {
            let request: Revoke = parse_json(&document)?;
            let record = match (request.url, request.signature) {
                (Some(url), None) => revocation_from_url(&url, now)?,
                (None, Some(signature)) if !signature.trim().is_empty() => RevokedSignature {
                    signature: normalize_signature(&signature).into_owned(),
                    access_key: None,
                    expires: None,
                    revoked_at: now,
                },
                _ => {
                    return Err(s3_error!(
                        InvalidArgument,
                        "Give exactly one of \"url\" and \"signature\"."
                    ))
                }
            };
            keys.revoke_signature(record.clone())?;
            json!({"Revoked": revocation_summary(&record)})
        }
        ("POST", ["lifecycle", "run"]) => {
            let request: LifecycleRun = parse_json_or_default(&document)?;
            let as_of = match request.as_of.as_deref() {
                Some(t) => parse_rfc3339(t)?,
                None => now,
            };
            // A sweep reads and rewrites whole buckets: off the request's worker.
            let sweeper = store.clone();
            let report = actix_web::web::block(move || {
                let report = sweeper.apply_lifecycle(as_of)?;
                sweeper.flush_blocking()?;
                Ok::<_, crate::storage::StorageError>(report)
            })
            .await
            .map_err(|_| S3Error::internal("the lifecycle sweep stopped"))??;
            json!({
                "AsOf": iso(as_of),
                "Expired": report.expired,
                "Transitioned": report.transitioned,
                "Aborted": report.aborted,
            })
        }
        ("PUT", ["tempurl-keys", account]) => {
            let request: TempUrlKey = parse_json(&document)?;
            if request.key.is_empty() {
                return Err(s3_error!(InvalidArgument, "The temp URL key is empty."));
            }
            keys.set_tempurl_key(account, &request.key, request.second)?;
            json!({
                "Account": account,
                "Slot": if request.second { "Temp-URL-Key-2" } else { "Temp-URL-Key" },
            })
        }
        (_, ["keys"] | ["keys", _] | ["keys", _, "secrets"] | ["keys", _, "secrets", _])
        | (_, ["keys", _, "revoke-before"] | ["revocations"] | ["tempurl-keys", _])
        | (_, ["lifecycle", "run"]) => {
            return Err(s3_error!(
                MethodNotAllowed,
                "The specified method is not allowed against this resource."
            ))
        }
        _ => return Err(s3_error!(InvalidRequest, "Unknown admin API path {path}.")),
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(answer.to_string()))
}

fn parse_json<'a, T: Deserialize<'a>>(document: &'a [u8]) -> Result<T, S3Error> {
    serde_json::from_slice(document)
        .map_err(|e| s3_error!(InvalidArgument, "The request body is not valid: {e}"))
}

fn parse_json_or_default<'a, T: Deserialize<'a> + Default>(
    document: &'a [u8],
) -> Result<T, S3Error> {
    if document.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_json(document)
    }
}

fn iso(secs: i64) -> String {
    crate::auth::sigv4::format_iso8601(timefmt::system_time(secs))
}

/// The actions and buckets a new key gets; no `allow` means every action, no bucket every bucket.
fn scope_from(allow: Option<&[String]>, buckets: &[String]) -> Result<Scope, S3Error> {
    let mut scope = match allow {
        None => Scope::full(),
        Some(_) => Scope::default(),
    };
    for action in allow.unwrap_or_default() {
        match action.trim().to_ascii_lowercase().as_str() {
            "read" => scope.read = true,
            "write" => scope.write = true,
            "list" => scope.list = true,
            "delete" => scope.delete = true,
            other => {
                return Err(s3_error!(
                    InvalidArgument,
                    "Unknown action {other:?}: expected read, write, list or delete."
                ))
            }
        }
    }
    scope.buckets = Vec::new();
    for entry in buckets {
        let (bucket, prefix) = entry.split_once('/').unwrap_or((entry, ""));
        super::validate_bucket_name(bucket)?;
        scope.buckets.push(BucketScope {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        });
    }
    Ok(scope)
}

fn scope_json(scope: &Scope) -> (Vec<&'static str>, Vec<String>) {
    let allow = [
        (scope.read, "read"),
        (scope.write, "write"),
        (scope.list, "list"),
        (scope.delete, "delete"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    let buckets = scope
        .buckets
        .iter()
        .map(|b| {
            if b.prefix.is_empty() {
                b.bucket.clone()
            } else {
                format!("{}/{}", b.bucket, b.prefix)
            }
        })
        .collect();
    (allow, buckets)
}

/// A key as `key list` shows it: scope and secret ids, never the secrets.
fn key_summary(record: &KeyRecord) -> Value {
    let (allow, buckets) = scope_json(&record.scope);
    json!({
        "AccessKeyId": record.access_key,
        "Allow": allow,
        "Buckets": buckets,
        "SecretIds": record.secrets.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        "Created": iso(record.created),
    })
}

fn revocation_summary(record: &RevokedSignature) -> Value {
    json!({
        "Signature": record.signature,
        "AccessKeyId": record.access_key,
        "Expires": record.expires.map(iso),
        "RevokedAt": iso(record.revoked_at),
    })
}

/// The signature a presigned URL carries (SigV4, SigV2 or a Swift temp URL), with who signed it
/// and when it expires when the URL says so.
fn revocation_from_url(url: &str, now: i64) -> Result<RevokedSignature, S3Error> {
    let (path, raw_query) = url.split_once('?').unwrap_or((url, ""));
    let query = Query::parse(raw_query.split('#').next().unwrap_or_default())?;
    let number = |name: &str| query.get(name).and_then(|v| v.trim().parse::<i64>().ok());
    let (signature, access_key, expires) = if let Some(sig) = query.get("X-Amz-Signature") {
        let access_key = query
            .get("X-Amz-Credential")
            .and_then(|c| c.split('/').next())
            .map(str::to_string);
        let signed_at = query
            .get("X-Amz-Date")
            .and_then(crate::auth::sigv4::parse_amz_date)
            .map(timefmt::unix_secs);
        let expires = signed_at.zip(number("X-Amz-Expires")).map(|(t, e)| t + e);
        (sig, access_key, expires)
    } else if let Some(sig) = query.get("Signature") {
        let access_key = query.get("AWSAccessKeyId").map(str::to_string);
        (sig, access_key, number("Expires"))
    } else if let Some(sig) = query.get("temp_url_sig") {
        // `/v1/AUTH_<account>/...`: the account stands for the signer.
        let account = path
            .split("/v1/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .map(str::to_string);
        let expires = query
            .get("temp_url_expires")
            .and_then(|e| crate::auth::tempurl::parse_expires(e.trim()));
        (sig, account, expires)
    } else {
        return Err(s3_error!(
            InvalidArgument,
            "The URL carries no presigned signature (X-Amz-Signature, Signature or temp_url_sig)."
        ));
    };
    if signature.trim().is_empty() {
        return Err(s3_error!(InvalidArgument, "The URL's signature is empty."));
    }
    Ok(RevokedSignature {
        signature: normalize_signature(signature).into_owned(),
        access_key,
        expires,
        revoked_at: now,
    })
}

/// `2026-11-23T12:00:00Z`, with optional fractional seconds and a `+hh:mm` offset.
fn parse_rfc3339(text: &str) -> Result<i64, S3Error> {
    timefmt::parse_rfc3339(text).ok_or_else(|| {
        s3_error!(
            InvalidArgument,
            "{text:?} is not an RFC 3339 time such as 2026-11-23T12:00:00Z."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_parse_with_offsets_and_fractions() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z").expect("epoch"), 0);
        assert_eq!(
            parse_rfc3339("2026-11-23T12:00:00Z").expect("z"),
            parse_rfc3339("2026-11-23T13:00:00.250+01:00").expect("offset")
        );
        assert_eq!(
            parse_rfc3339("2026-11-23T12:00:00Z").expect("z"),
            1_795_435_200
        );
        for bad in [
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-23",
            "2026-11-23T25:00:00Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_of_every_scheme_name_their_signature() {
        let v4 = "http://h/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20260301%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260301T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=ABCDEF";
        let r = revocation_from_url(v4, 5).expect("v4");
        assert_eq!(r.signature, "abcdef");
        assert_eq!(r.access_key.as_deref(), Some("AK"));
        assert_eq!(
            r.expires,
            Some(parse_rfc3339("2026-03-01T00:01:00Z").expect("t"))
        );
        let v2 = "http://h/b/k?AWSAccessKeyId=AK&Expires=99&Signature=a%2Bb%3D";
        let r = revocation_from_url(v2, 5).expect("v2");
        assert_eq!((r.signature.as_str(), r.expires), ("a+b=", Some(99)));
        let swift = "http://h/v1/AUTH_acct/b/k?temp_url_sig=0AbC&temp_url_expires=77";
        let r = revocation_from_url(swift, 5).expect("swift");
        assert_eq!(r.signature, "0abc");
        assert_eq!(r.access_key.as_deref(), Some("AUTH_acct"));
        assert_eq!(r.expires, Some(77));
        let iso = "http://h/v1/AUTH_acct/b/k?temp_url_sig=ab&temp_url_expires=2026-11-23T12:00:00Z";
        let r = revocation_from_url(iso, 5).expect("iso");
        assert_eq!(r.expires, Some(1_795_435_200));
        assert!(revocation_from_url("http://h/b/k?x=1", 5).is_err());
    }

    #[test]
    fn scopes_from_the_request() {
        let s = scope_from(None, &[]).expect("default");
        assert_eq!(s, Scope::full());
        let s = scope_from(
            Some(&["read".into(), "LIST".into()]),
            &["photos/2024/".into(), "docs".into()],
        )
        .expect("scoped");
        assert!(s.read && s.list && !s.write && !s.delete);
        assert_eq!(s.buckets[0].prefix, "2024/");
        assert_eq!(s.buckets[1].prefix, "");
        assert!(scope_from(Some(&["fly".into()]), &[]).is_err());
        assert!(scope_from(None, &["Bad_Bucket".into()]).is_err());
        assert_eq!(scope_json(&s).1, vec!["photos/2024/", "docs"]);
    }
}
