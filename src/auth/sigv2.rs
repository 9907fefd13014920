//! AWS Signature Version 2 as S3 defines it: `Authorization: AWS key:signature` and presigned
//! `AWSAccessKeyId`/`Expires`/`Signature` query URLs (what AWS CLI v1's `s3 presign` emits).
//!
//! StringToSign = VERB \n Content-MD5 \n Content-Type \n Date-or-Expires \n
//! CanonicalizedAmzHeaders CanonicalizedResource, signed with HMAC-SHA1 and base64
//! (S3 Developer Guide, "Signing and authenticating REST requests").

use super::sigv4::{format_iso8601, QueryParam, MAX_PRESIGNED_EXPIRES, MAX_SKEW_SECS};
use super::{AuthConfig, Authenticated, Grant, Identity, PayloadMode, RequestParts, SignedAt};
use crate::error::S3Error;
use crate::s3_error;
use crate::timefmt::{system_time, unix_secs};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use std::time::SystemTime;

/// Query parameters that are part of the signed resource (the S3 sub-resources and the
/// `response-*` overrides), in the order they are signed.
const SIGNED_SUBRESOURCES: &[&str] = &[
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
];

/// True when the query carries a V2 presigned signature.
pub fn is_presigned(params: &[QueryParam<'_>]) -> bool {
    param(params, "AWSAccessKeyId").is_some() && param(params, "Signature").is_some()
}

/// Checks `Authorization: AWS AKID:signature`.
pub fn authenticate_header(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    now: SystemTime,
    authorization: &str,
) -> Result<Authenticated, S3Error> {
    let credentials = authorization
        .strip_prefix("AWS ")
        .unwrap_or_default()
        .trim();
    let (access_key, signature) = credentials.rsplit_once(':').ok_or_else(|| {
        s3_error!(
            InvalidArgument,
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"
        )
        .detail("ArgumentName", "Authorization")
        .detail("ArgumentValue", authorization)
    })?;
    // With x-amz-date the Date line is empty: the time is signed among the x-amz-* headers.
    let amz_date = header(req, "x-amz-date");
    let raw_date = amz_date.or_else(|| header(req, "date")).ok_or_else(|| {
        s3_error!(
            AccessDenied,
            "AWS authentication requires a valid Date or x-amz-date header"
        )
    })?;
    let request_secs = parse_date(raw_date).ok_or_else(|| {
        s3_error!(
            AccessDenied,
            "AWS authentication requires a valid Date or x-amz-date header"
        )
    })?;
    let grant = cfg.grant(access_key, header(req, "x-amz-security-token"), now)?;
    if request_secs.abs_diff(unix_secs(now)) > MAX_SKEW_SECS.unsigned_abs() {
        return Err(s3_error!(RequestTimeTooSkewed)
            .detail("RequestTime", raw_date)
            .detail("ServerTime", format_iso8601(now))
            .detail(
                "MaxAllowedSkewMilliseconds",
                (MAX_SKEW_SECS * 1000).to_string(),
            ));
    }
    let date_line = if amz_date.is_some() { "" } else { raw_date };
    verify(req, &grant, signature, date_line)?;
    grant.check_revocation(&cfg.keys, None, SignedAt::Known(request_secs))?;
    Ok(authenticated(grant))
}

/// An HTTP date (`GMT`), or the RFC 2822 form with a numeric zone that s3cmd sends
/// (`Mon, 23 Nov 2026 15:50:39 +0000`), as S3 accepts both; seconds since the epoch.
fn parse_date(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if let Ok(t) = httpdate::parse_http_date(raw) {
        return Some(unix_secs(t));
    }
    let (date, zone) = raw.rsplit_once(' ')?;
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = digits[2..].parse().ok()?;
    let local = httpdate::parse_http_date(&format!("{date} GMT")).ok()?;
    Some(unix_secs(local) - sign * (hours * 3600 + minutes * 60))
}

/// Checks a presigned `?AWSAccessKeyId=..&Expires=..&Signature=..` URL.
pub fn authenticate_presigned(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    now: SystemTime,
    params: &[QueryParam<'_>],
) -> Result<Authenticated, S3Error> {
    let access_key = param(params, "AWSAccessKeyId").unwrap_or_default();
    let signature = param(params, "Signature").unwrap_or_default();
    let expires_raw = param(params, "Expires").ok_or_else(|| {
        s3_error!(AccessDenied, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
    })?;
    let expires: i64 = expires_raw.trim().parse().map_err(|_| {
        s3_error!(
            AccessDenied,
            "Invalid date (should be seconds since epoch): {expires_raw}"
        )
    })?;
    let token =
        param(params, "x-amz-security-token").or_else(|| header(req, "x-amz-security-token"));
    let grant = cfg.grant(access_key, token, now)?;
    if unix_secs(now) > expires {
        let expired_at = system_time(expires.max(0));
        return Err(s3_error!(AccessDenied, "Request has expired")
            .detail("Expires", format_iso8601(expired_at))
            .detail("ServerTime", format_iso8601(now)));
    }
    // SigV4's one-week limit: a V2 URL carries no signing time, so its expiry alone bounds it.
    if expires - unix_secs(now) > MAX_PRESIGNED_EXPIRES {
        return Err(s3_error!(
            AccessDenied,
            "Expires must be less than a week (604800 seconds) in the future."
        )
        .detail("Expires", format_iso8601(system_time(expires)))
        .detail("ServerTime", format_iso8601(now)));
    }
    verify(req, &grant, signature, expires_raw.trim())?;
    grant.check_revocation(&cfg.keys, Some(signature), SignedAt::ExpiresOnly(expires))?;
    Ok(authenticated(grant))
}

fn authenticated(grant: Grant<'_>) -> Authenticated {
    Authenticated {
        identity: Identity::AccessKey(grant.access_key),
        service: "s3".into(),
        payload: PayloadMode::Unsigned,
        scope: grant.scope,
    }
}

/// A request on a bucket itself is signed as `/bucket/` by some clients (botocore) and `/bucket`
/// by others; both name the same resource, so both forms are accepted.
fn verify(
    req: &RequestParts<'_>,
    grant: &Grant<'_>,
    provided: &str,
    date_line: &str,
) -> Result<(), S3Error> {
    let signed_by = |string_to_sign: &str| {
        grant
            .find_secret(|secret| {
                super::sigv4::signatures_match(
                    &calculate_signature(secret, string_to_sign),
                    provided,
                )
            })
            .is_some()
    };
    let string_to_sign = create_string_to_sign(req, date_line);
    let mut matched = signed_by(&string_to_sign);
    let path = req.raw_path.trim_start_matches('/');
    let bucket_only = if req.virtual_bucket.is_some() {
        path.is_empty()
    } else {
        !path.is_empty() && !path.contains('/')
    };
    if !matched && bucket_only {
        let toggled = match req.raw_path.strip_suffix('/') {
            Some(without) => without.to_string(),
            None => format!("{}/", req.raw_path),
        };
        let alternate = RequestParts {
            raw_path: &toggled,
            ..req.clone()
        };
        matched = signed_by(&create_string_to_sign(&alternate, date_line));
    }
    if !matched {
        return Err(s3_error!(SignatureDoesNotMatch)
            .detail("AWSAccessKeyId", grant.access_key.as_str())
            .detail("StringToSign", string_to_sign.as_str())
            .detail("SignatureProvided", provided)
            .detail("StringToSignBytes", hex_bytes(string_to_sign.as_bytes())));
    }
    Ok(())
}

/// Base64 of HMAC-SHA1(secret, string to sign).
pub fn calculate_signature(secret: &str, string_to_sign: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret.as_bytes()) else {
        // HMAC takes keys of any length; this branch cannot be reached.
        return String::new();
    };
    mac.update(string_to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// The V2 string to sign; `date_line` is the Date header, the Expires value, or empty.
pub fn create_string_to_sign(req: &RequestParts<'_>, date_line: &str) -> String {
    let mut out = String::new();
    out.push_str(req.method);
    out.push('\n');
    out.push_str(header(req, "content-md5").unwrap_or_default().trim());
    out.push('\n');
    out.push_str(header(req, "content-type").unwrap_or_default().trim());
    out.push('\n');
    out.push_str(date_line);
    out.push('\n');
    out.push_str(&canonicalized_amz_headers(req));
    out.push_str(&canonicalized_resource(req));
    out
}

/// `x-amz-*` headers, lower-cased and sorted, repeated ones joined with `,`, one `name:value\n` each.
fn canonicalized_amz_headers(req: &RequestParts<'_>) -> String {
    let mut names: Vec<&str> = req
        .headers
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with("x-amz-"))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut out = String::new();
    for name in names {
        let values: Vec<&str> = req
            .headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.trim())
            .collect();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out
}

/// `/bucket/key` as sent (still percent-encoded; the bucket prepended for virtual-hosted
/// requests), then the signed sub-resources sorted, with decoded values.
fn canonicalized_resource(req: &RequestParts<'_>) -> String {
    let mut out = String::new();
    if let Some(bucket) = req.virtual_bucket {
        out.push('/');
        out.push_str(bucket);
    }
    out.push_str(req.raw_path);
    let mut subresources: Vec<(String, Option<String>)> = req
        .raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = match p.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (p, None),
            };
            SIGNED_SUBRESOURCES.contains(&k).then(|| {
                let v = v.map(|v| {
                    String::from_utf8_lossy(
                        &percent_encoding::percent_decode_str(v).collect::<Vec<u8>>(),
                    )
                    .into_owned()
                });
                (k.to_string(), v)
            })
        })
        .collect();
    subresources.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, (k, v)) in subresources.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        if let Some(v) = v {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

fn header<'a>(req: &RequestParts<'a>, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_ref())
}

fn param<'a>(params: &'a [QueryParam<'_>], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_ref())
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn parts<'a>(
        method: &'a str,
        path: &'a str,
        query: &'a str,
        headers: &'a [(String, String)],
        virtual_bucket: Option<&'a str>,
    ) -> RequestParts<'a> {
        RequestParts {
            method,
            raw_path: path,
            raw_query: query,
            raw_params: None,
            headers: Box::leak(crate::auth::borrow_headers(headers).into_boxed_slice()),
            virtual_bucket,
        }
    }

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn dates_with_a_numeric_zone_as_s3cmd_sends_them() {
        let gmt = parse_date("Mon, 23 Nov 2026 15:50:39 GMT").expect("HTTP date");
        assert_eq!(parse_date("Mon, 23 Nov 2026 15:50:39 +0000"), Some(gmt));
        assert_eq!(parse_date(" Mon, 23 Nov 2026 17:50:39 +0200 "), Some(gmt));
        assert_eq!(parse_date("Mon, 23 Nov 2026 10:20:39 -0530"), Some(gmt));
        assert_eq!(parse_date("Mon, 23 Nov 2026 15:50:39 +00"), None);
        assert_eq!(parse_date("Mon, 23 Nov 2026 15:50:39 CET"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    /// The worked examples of the S3 Developer Guide, "Signing and authenticating REST requests"
    /// (keys AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY).
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn object_get_example() {
        let headers = h(&[
            ("host", "awsexamplebucket1.us-west-1.s3.amazonaws.com"),
            ("date", "Tue, 27 Mar 2007 19:36:42 +0000"),
        ]);
        let req = parts(
            "GET",
            "/photos/puppy.jpg",
            "",
            &headers,
            Some("awsexamplebucket1"),
        );
        let sts = create_string_to_sign(&req, "Tue, 27 Mar 2007 19:36:42 +0000");
        assert_eq!(
            sts,
            "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg"
        );
        assert_eq!(
            calculate_signature(SECRET, &sts),
            "qgk2+6Sv9/oM7G3qLEjTH1a1l1g="
        );
    }

    #[test]
    fn object_put_example() {
        let headers = h(&[
            ("content-type", "image/jpeg"),
            ("content-length", "94328"),
            ("date", "Tue, 27 Mar 2007 21:15:45 +0000"),
        ]);
        let req = parts(
            "PUT",
            "/photos/puppy.jpg",
            "",
            &headers,
            Some("awsexamplebucket1"),
        );
        let sts = create_string_to_sign(&req, "Tue, 27 Mar 2007 21:15:45 +0000");
        assert_eq!(sts, "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/awsexamplebucket1/photos/puppy.jpg");
        assert_eq!(
            calculate_signature(SECRET, &sts),
            "iqRzw+ileNPu1fhspnRs8nOjjIA="
        );
    }

    #[test]
    fn list_example_signs_no_ordinary_query_parameters() {
        let headers = h(&[("date", "Tue, 27 Mar 2007 19:42:41 +0000")]);
        let req = parts(
            "GET",
            "/",
            "prefix=photos&max-keys=50&marker=puppy",
            &headers,
            Some("awsexamplebucket1"),
        );
        let sts = create_string_to_sign(&req, "Tue, 27 Mar 2007 19:42:41 +0000");
        assert_eq!(
            sts,
            "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/awsexamplebucket1/"
        );
        assert_eq!(
            calculate_signature(SECRET, &sts),
            "m0WP8eCtspQl5Ahe6L1SozdX9YA="
        );
    }

    #[test]
    fn acl_example_signs_the_subresource() {
        let headers = h(&[("date", "Tue, 27 Mar 2007 19:44:46 +0000")]);
        let req = parts("GET", "/", "acl", &headers, Some("awsexamplebucket1"));
        let sts = create_string_to_sign(&req, "Tue, 27 Mar 2007 19:44:46 +0000");
        assert_eq!(
            sts,
            "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/awsexamplebucket1/?acl"
        );
        assert_eq!(
            calculate_signature(SECRET, &sts),
            "82ZHiFIjc+WbcwFKGUVEQspPn+0="
        );
    }

    #[test]
    fn amz_headers_are_sorted_joined_and_replace_the_date() {
        let headers = h(&[
            ("x-amz-meta-b", " two "),
            ("x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"),
            ("x-amz-meta-b", "three"),
            ("x-amz-acl", "public-read"),
            ("content-md5", "4gJE4saaMU4BqNR0kLY+lw=="),
        ]);
        let req = parts(
            "PUT",
            "/b/k%20x",
            "versionId=null&response-content-type=text%2Fplain&x=1",
            &headers,
            None,
        );
        let sts = create_string_to_sign(&req, "");
        assert_eq!(
            sts,
            "PUT\n4gJE4saaMU4BqNR0kLY+lw==\n\n\nx-amz-acl:public-read\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n\
             x-amz-meta-b:two,three\n/b/k%20x?response-content-type=text/plain&versionId=null"
        );
    }

    fn cfg() -> AuthConfig {
        AuthConfig::root("AKID", "secret", "us-east-1")
    }

    #[test]
    fn presigned_urls_expire_and_must_match() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let headers = h(&[("host", "localhost")]);
        let expires = "1700000600";
        let req = parts("GET", "/b/k", "", &headers, None);
        let signature = calculate_signature("secret", &create_string_to_sign(&req, expires));
        let params = vec![
            ("AWSAccessKeyId".into(), "AKID".into()),
            ("Expires".into(), expires.into()),
            ("Signature".into(), signature.as_str().into()),
        ];
        assert!(authenticate_presigned(&req, &cfg(), now, &params).is_ok());
        let later = now + Duration::from_secs(601);
        let err = authenticate_presigned(&req, &cfg(), later, &params).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("AccessDenied", "Request has expired")
        );
        let other = parts("DELETE", "/b/k", "", &headers, None);
        let err = authenticate_presigned(&other, &cfg(), now, &params).unwrap_err();
        assert_eq!(err.code.as_str(), "SignatureDoesNotMatch");
        let mut unknown = params.clone();
        unknown[0].1 = "NOPE".into();
        let err = authenticate_presigned(&req, &cfg(), now, &unknown).unwrap_err();
        assert_eq!(err.code.as_str(), "InvalidAccessKeyId");
    }

    #[test]
    fn header_auth_checks_skew_and_signature() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = httpdate::fmt_http_date(now);
        let headers = h(&[("date", &date)]);
        let req = parts("GET", "/b/k", "", &headers, None);
        let sig = calculate_signature("secret", &create_string_to_sign(&req, &date));
        let authz = format!("AWS AKID:{sig}");
        let ok = authenticate_header(&req, &cfg(), now, &authz).unwrap();
        assert_eq!(ok.identity, Identity::AccessKey("AKID".into()));
        let skewed = now + Duration::from_secs(16 * 60);
        let err = authenticate_header(&req, &cfg(), skewed, &authz).unwrap_err();
        assert_eq!(err.code.as_str(), "RequestTimeTooSkewed");
        let err = authenticate_header(&req, &cfg(), now, "AWS AKID:bad").unwrap_err();
        assert_eq!(err.code.as_str(), "SignatureDoesNotMatch");
        let err = authenticate_header(&req, &cfg(), now, "AWS garbage").unwrap_err();
        assert_eq!(err.code.as_str(), "InvalidArgument");
    }
}
