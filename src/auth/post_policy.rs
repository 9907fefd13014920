//! Browser-form uploads (POST Object): the form's SigV4 or SigV2 signature and the base64 JSON policy
//! it signs (expiration and conditions), checked against the form's fields. Pure: no HTTP types.
//!
//! The policy is what the key holder granted: every field of the form must satisfy it, and every field
//! (but the file, the policy, the signature and `x-ignore-*`) must be named by one of its conditions
//! (S3 API reference, "POST Policy" and "Authenticating Requests: Browser-Based Uploads Using POST").

use super::sigv4::{derive_signing_key, parse_amz_date, signatures_match, signed_with};
use super::{sigv2, AuthConfig, Grant, SignedAt};
use crate::error::S3Error;
use crate::s3_error;
use crate::storage::access::Scope as KeyScope;
use crate::timefmt::unix_secs;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::Value;
use std::time::{Duration, SystemTime};

const SIGV4_ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SCOPE_TERMINATOR: &str = "aws4_request";

/// Fields no condition needs to name: the file itself and what authenticates the form.
const UNCONDITIONED_FIELDS: &[&str] = &[
    "file",
    "policy",
    "x-amz-signature",
    "signature",
    "awsaccesskeyid",
];
/// Fields with this prefix are ignored by S3 and need no condition either.
const IGNORED_FIELD_PREFIX: &str = "x-ignore-";

/// The fields whose presence says the form is signed with SigV4 / SigV2.
const SIGV4_FIELDS: &[&str] = &["x-amz-signature", "x-amz-credential", "x-amz-algorithm"];
const SIGV2_FIELDS: &[&str] = &["awsaccesskeyid", "signature"];

/// The form's fields in the order sent, names as sent; looked up case-insensitively, values exact.
#[derive(Debug, Clone, Default)]
pub struct FormFields {
    entries: Vec<(String, String)>,
}

impl FormFields {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field. A repeated name is refused: which of two values a condition checked and which
    /// one the upload used must never differ.
    pub fn insert(&mut self, name: &str, value: String) -> Result<(), S3Error> {
        if self.get(name).is_some() {
            return Err(s3_error!(
                InvalidArgument,
                "Bucket POST may contain the field '{name}' only once."
            )
            .detail("ArgumentName", name));
        }
        self.entries.push((name.to_string(), value));
        Ok(())
    }

    /// The value of a field, its name compared case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets a field's value (the key once `${filename}` is substituted), adding it if absent.
    pub fn set(&mut self, name: &str, value: String) {
        match self
            .entries
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name.to_string(), value)),
        }
    }

    /// `(name as sent, value)` in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn has_any(&self, names: &[&str]) -> bool {
        names.iter().any(|name| self.get(name).is_some())
    }
}

/// Who the form says signed it.
#[derive(Debug)]
pub enum FormSigner {
    /// No policy and no signature: allowed only where anyone may write.
    Anonymous,
    /// A valid signature over `policy` by this access key.
    Signed {
        access_key: String,
        policy: PostPolicy,
        /// What the key may do (`None`: the root key, everything).
        scope: Option<KeyScope>,
    },
}

/// Checks the form's signature over its policy and decodes the policy. The policy's expiration and
/// conditions are left to the caller ([`PostPolicy::check_expiration`], [`PostPolicy::check_fields`]).
pub fn authenticate_form(
    fields: &FormFields,
    cfg: &AuthConfig,
    now: SystemTime,
) -> Result<FormSigner, S3Error> {
    let signed_v4 = fields.has_any(SIGV4_FIELDS);
    let signed_v2 = fields.has_any(SIGV2_FIELDS);
    let Some(policy_text) = fields.get("policy") else {
        if signed_v4 || signed_v2 {
            return Err(missing_field("policy"));
        }
        return Ok(FormSigner::Anonymous);
    };
    let token = fields.get("x-amz-security-token");
    let (grant, signature, signed_at) = if signed_v4 {
        verify_v4(fields, cfg, policy_text, token, now)?
    } else if signed_v2 {
        verify_v2(fields, cfg, policy_text, token, now)?
    } else {
        return Err(missing_field("AWSAccessKeyId"));
    };
    let policy = PostPolicy::decode(policy_text)?;
    let signed_at = signed_at
        .map(SignedAt::Known)
        .unwrap_or(SignedAt::ExpiresOnly(unix_secs(policy.expiration)));
    grant.check_revocation(&cfg.keys, Some(signature), signed_at)?;
    Ok(FormSigner::Signed {
        access_key: grant.access_key,
        policy,
        scope: grant.scope,
    })
}

/// S3's words for a form that lacks a field (or sent it after the file, where it is not read).
fn missing_field(name: &str) -> S3Error {
    s3_error!(
        InvalidArgument,
        "Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields."
    )
    .detail("ArgumentName", name)
    .detail("ArgumentValue", "null")
}

fn required<'a>(fields: &'a FormFields, name: &str) -> Result<&'a str, S3Error> {
    fields.get(name).ok_or_else(|| missing_field(name))
}

fn invalid_form_field(name: &str, value: &str, message: &str) -> S3Error {
    s3_error!(InvalidArgument, "{message}")
        .detail("ArgumentName", name)
        .detail("ArgumentValue", value)
}

/// SigV4: hex HMAC-SHA256 of the policy's base64 text under the credential scope's signing key.
/// A form's verified signer: the key's grant, the signature as sent, and the signing time when
/// the form states it (SigV4's `x-amz-date`).
type VerifiedForm<'a, 'c> = (Grant<'c>, &'a str, Option<i64>);

fn verify_v4<'a, 'c>(
    fields: &'a FormFields,
    cfg: &'c AuthConfig,
    policy_text: &str,
    token: Option<&str>,
    now: SystemTime,
) -> Result<VerifiedForm<'a, 'c>, S3Error> {
    let algorithm = required(fields, "x-amz-algorithm")?;
    let credential = required(fields, "x-amz-credential")?;
    let amz_date = required(fields, "x-amz-date")?;
    let signature = required(fields, "x-amz-signature")?;
    if algorithm != SIGV4_ALGORITHM {
        return Err(invalid_form_field(
            "x-amz-algorithm",
            algorithm,
            &format!(
                "Only {SIGV4_ALGORITHM} is supported for Bucket POST signed with x-amz-signature."
            ),
        ));
    }
    let scope = parse_credential(credential, cfg)?;
    let Some(signed_at) = parse_amz_date(amz_date) else {
        return Err(invalid_form_field(
            "x-amz-date",
            amz_date,
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        ));
    };
    if amz_date.get(..8) != Some(scope.date) {
        return Err(invalid_form_field(
            "x-amz-credential",
            credential,
            &format!(
                "Invalid credential date \"{}\". This date is not the same as X-Amz-Date: \"{}\".",
                scope.date,
                amz_date.get(..8).unwrap_or(amz_date)
            ),
        ));
    }
    let grant = cfg.grant(scope.access_key, token, now)?;
    let signed = grant.find_secret(|secret| {
        let signing_key = derive_signing_key(secret, scope.date, scope.region, scope.service);
        signed_with(&signing_key, policy_text, signature)
    });
    if signed.is_none() {
        return Err(signature_mismatch(scope.access_key, policy_text, signature));
    }
    Ok((grant, signature, Some(unix_secs(signed_at))))
}

/// SigV2: base64 HMAC-SHA1 of the policy's base64 text under the secret key.
fn verify_v2<'a, 'c>(
    fields: &'a FormFields,
    cfg: &'c AuthConfig,
    policy_text: &str,
    token: Option<&str>,
    now: SystemTime,
) -> Result<VerifiedForm<'a, 'c>, S3Error> {
    let access_key = required(fields, "AWSAccessKeyId")?;
    let signature = required(fields, "signature")?;
    let grant = cfg.grant(access_key, token, now)?;
    let signed = grant.find_secret(|secret| {
        signatures_match(&sigv2::calculate_signature(secret, policy_text), signature)
    });
    if signed.is_none() {
        return Err(signature_mismatch(access_key, policy_text, signature));
    }
    Ok((grant, signature, None))
}

fn signature_mismatch(access_key: &str, policy_text: &str, provided: &str) -> S3Error {
    s3_error!(SignatureDoesNotMatch)
        .detail("AWSAccessKeyId", access_key)
        .detail("StringToSign", policy_text)
        .detail("SignatureProvided", provided)
}

/// `AKID/YYYYMMDD/REGION/SERVICE/aws4_request`.
struct Scope<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

fn parse_credential<'a>(credential: &'a str, cfg: &AuthConfig) -> Result<Scope<'a>, S3Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let malformed = || {
        invalid_form_field(
            "x-amz-credential",
            credential,
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        )
    };
    let [access_key, date, region, service, terminator] = parts.as_slice() else {
        return Err(malformed());
    };
    if access_key.is_empty() || date.is_empty() || *terminator != SCOPE_TERMINATOR {
        return Err(malformed());
    }
    if *service != "s3" {
        return Err(s3_error!(
            AuthorizationHeaderMalformed,
            "Credential should be scoped to correct service: 's3'."
        ));
    }
    // As for header and query signatures: the region is signed, and only enforced on request.
    if cfg.strict_region && *region != cfg.region {
        return Err(s3_error!(
            AuthorizationHeaderMalformed,
            "The authorization header is malformed; the region '{region}' is wrong; expecting '{}'",
            cfg.region
        )
        .detail("Region", cfg.region.clone()));
    }
    Ok(Scope {
        access_key,
        date,
        region,
        service,
    })
}

/// One condition of a policy. Field names are kept as the policy wrote them (without `$`) for error
/// messages, and compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `{"field": "value"}` or `["eq", "$field", "value"]`.
    Equals { field: String, value: String },
    /// `["starts-with", "$field", "prefix"]`; an empty prefix allows any value.
    StartsWith { field: String, prefix: String },
    /// `["content-length-range", min, max]`: the file's size in bytes, both ends included.
    ContentLengthRange { min: u64, max: u64 },
}

impl Condition {
    fn field(&self) -> Option<&str> {
        match self {
            Condition::Equals { field, .. } | Condition::StartsWith { field, .. } => Some(field),
            Condition::ContentLengthRange { .. } => None,
        }
    }

    /// The condition as S3 quotes it when it fails: `["eq", "$key", "x"]`.
    fn describe(&self) -> String {
        let quote = |s: &str| Value::String(s.to_string()).to_string();
        match self {
            Condition::Equals { field, value } => {
                format!(
                    "[\"eq\", {}, {}]",
                    quote(&format!("${field}")),
                    quote(value)
                )
            }
            Condition::StartsWith { field, prefix } => format!(
                "[\"starts-with\", {}, {}]",
                quote(&format!("${field}")),
                quote(prefix)
            ),
            Condition::ContentLengthRange { min, max } => {
                format!("[\"content-length-range\", {min}, {max}]")
            }
        }
    }

    fn holds(&self, actual: &str) -> bool {
        match self {
            Condition::Equals { value, .. } => actual == value,
            // A Content-Type may list several types; each must start with the prefix.
            Condition::StartsWith { field, prefix }
                if field.eq_ignore_ascii_case("content-type") =>
            {
                actual
                    .split(',')
                    .all(|content_type| content_type.trim().starts_with(prefix.as_str()))
            }
            Condition::StartsWith { prefix, .. } => actual.starts_with(prefix.as_str()),
            Condition::ContentLengthRange { .. } => true,
        }
    }
}

/// A decoded policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostPolicy {
    pub expiration: SystemTime,
    pub conditions: Vec<Condition>,
}

fn invalid_policy(message: impl std::fmt::Display) -> S3Error {
    s3_error!(InvalidPolicyDocument, "Invalid Policy: {message}")
}

fn policy_violation(what: impl std::fmt::Display) -> S3Error {
    s3_error!(AccessDenied, "Invalid according to Policy: {what}")
}

impl PostPolicy {
    /// Decodes the `policy` field: base64 (line breaks tolerated, as some SDKs wrap it) of a JSON
    /// object with `expiration` and `conditions`.
    pub fn decode(policy_text: &str) -> Result<Self, S3Error> {
        let compact: String = policy_text
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let json = BASE64
            .decode(compact.as_bytes())
            .map_err(|_| invalid_policy("Invalid Base64 Encoding."))?;
        let document: Value = serde_json::from_slice(&json)
            .map_err(|e| invalid_policy(format!("Invalid JSON: {e}.")))?;
        let Value::Object(document) = document else {
            return Err(invalid_policy("Policy must be a JSON object."));
        };
        let expiration = match document.get("expiration") {
            None => return Err(invalid_policy("Policy missing expiration.")),
            Some(Value::String(text)) => parse_expiration(text)
                .ok_or_else(|| invalid_policy(format!("Invalid 'expiration' value: '{text}'")))?,
            Some(other) => {
                return Err(invalid_policy(format!(
                    "Invalid 'expiration' value: '{other}'"
                )))
            }
        };
        let conditions = match document.get("conditions") {
            None => return Err(invalid_policy("Policy missing conditions.")),
            Some(Value::Array(list)) => {
                let mut conditions = Vec::with_capacity(list.len());
                for entry in list {
                    parse_condition(entry, &mut conditions)?;
                }
                conditions
            }
            Some(_) => return Err(invalid_policy("'conditions' must be a list.")),
        };
        Ok(PostPolicy {
            expiration,
            conditions,
        })
    }

    /// A policy is valid up to and including its expiration instant.
    pub fn check_expiration(&self, now: SystemTime) -> Result<(), S3Error> {
        if now > self.expiration {
            return Err(policy_violation("Policy expired."));
        }
        Ok(())
    }

    /// Checks the form's fields (the key already with `${filename}` substituted) and the addressed
    /// bucket against every condition, then that every field is named by some condition.
    pub fn check_fields(&self, fields: &FormFields, bucket: &str) -> Result<(), S3Error> {
        for condition in &self.conditions {
            let Some(field) = condition.field() else {
                continue;
            };
            // The bucket is the one the request addresses, whatever a form field claims.
            let actual = if field.eq_ignore_ascii_case("bucket") {
                bucket
            } else {
                fields.get(field).unwrap_or("")
            };
            if !condition.holds(actual) {
                return Err(policy_violation(format!(
                    "Policy Condition failed: {}",
                    condition.describe()
                )));
            }
        }
        for (name, _) in fields.iter() {
            let lower = name.to_ascii_lowercase();
            if UNCONDITIONED_FIELDS.contains(&lower.as_str())
                || lower.starts_with(IGNORED_FIELD_PREFIX)
            {
                continue;
            }
            let named = self
                .conditions
                .iter()
                .filter_map(Condition::field)
                .any(|field| field.eq_ignore_ascii_case(name));
            if !named {
                return Err(policy_violation(format!("Extra input fields: {name}")));
            }
        }
        Ok(())
    }

    /// The file sizes the policy allows (every `content-length-range` at once), capped at `hard_max`.
    pub fn size_limits(&self, hard_max: u64) -> SizeLimits {
        let mut limits = SizeLimits::up_to(hard_max);
        for condition in &self.conditions {
            if let Condition::ContentLengthRange { min, max } = condition {
                limits.min = limits.min.max(*min);
                limits.max = limits.max.min(*max);
            }
        }
        limits
    }
}

/// How large the uploaded file may be, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimits {
    pub min: u64,
    pub max: u64,
}

impl SizeLimits {
    pub fn up_to(max: u64) -> Self {
        SizeLimits { min: 0, max }
    }

    /// While the file streams in: more than `max` bytes fails at once.
    pub fn check_received(&self, received: u64) -> Result<(), S3Error> {
        if received > self.max {
            return Err(s3_error!(EntityTooLarge).detail("MaxSizeAllowed", self.max.to_string()));
        }
        Ok(())
    }

    /// Once the whole file is in.
    pub fn check_complete(&self, size: u64) -> Result<(), S3Error> {
        self.check_received(size)?;
        if size < self.min {
            return Err(s3_error!(EntityTooSmall)
                .detail("ProposedSize", size.to_string())
                .detail("MinSizeAllowed", self.min.to_string()));
        }
        Ok(())
    }
}

/// One entry of `conditions`: an object of exact matches, or an `[operator, ...]` list.
fn parse_condition(entry: &Value, out: &mut Vec<Condition>) -> Result<(), S3Error> {
    let invalid = || invalid_policy(format!("Invalid Condition: {entry}"));
    match entry {
        Value::Object(matches) => {
            for (field, value) in matches {
                let Value::String(value) = value else {
                    return Err(invalid());
                };
                out.push(Condition::Equals {
                    field: field.clone(),
                    value: value.clone(),
                });
            }
        }
        Value::Array(items) => {
            let [Value::String(operator), first, second] = items.as_slice() else {
                return Err(invalid());
            };
            let field = || match first {
                Value::String(name) => name
                    .strip_prefix('$')
                    .map(str::to_string)
                    .ok_or_else(invalid),
                _ => Err(invalid()),
            };
            let text = || match second {
                Value::String(text) => Ok(text.clone()),
                _ => Err(invalid()),
            };
            let condition = match operator.to_ascii_lowercase().as_str() {
                "eq" => Condition::Equals {
                    field: field()?,
                    value: text()?,
                },
                "starts-with" => Condition::StartsWith {
                    field: field()?,
                    prefix: text()?,
                },
                "content-length-range" => Condition::ContentLengthRange {
                    min: byte_count(first).ok_or_else(invalid)?,
                    max: byte_count(second).ok_or_else(invalid)?,
                },
                other => {
                    return Err(invalid_policy(format!(
                        "Invalid Condition: unknown operator \"{other}\"."
                    )))
                }
            };
            out.push(condition);
        }
        _ => return Err(invalid()),
    }
    Ok(())
}

/// A `content-length-range` bound: a non-negative integer, or one written as a string.
fn byte_count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the ISO 8601 form policies use.
fn parse_expiration(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b.last() != Some(&b'Z')
    {
        return None;
    }
    let fraction = text.get(19..text.len() - 1)?;
    let millis = match fraction.strip_prefix('.') {
        None if fraction.is_empty() => 0,
        Some(digits) if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) => {
            // Milliseconds from the first three digits ("5" is 500 ms).
            let padded = format!("{:0<3}", &digits[..digits.len().min(3)]);
            padded.parse::<u64>().ok()?
        }
        _ => return None,
    };
    let basic = format!(
        "{}{}{}T{}{}{}Z",
        text.get(0..4)?,
        text.get(5..7)?,
        text.get(8..10)?,
        text.get(11..13)?,
        text.get(14..16)?,
        text.get(17..19)?
    );
    parse_amz_date(&basic).map(|t| t + Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::timefmt::system_time;

    const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// The policy and signature of the S3 API reference's "Example: Browser-Based Upload using HTTP
    /// POST (Using AWS Signature Version 4)" (CRLF line ends inside the JSON).
    const AWS_EXAMPLE_POLICY: &str = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9";
    const AWS_EXAMPLE_SIGNATURE: &str =
        "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";

    fn config() -> AuthConfig {
        AuthConfig::root(ACCESS_KEY, SECRET_KEY, "us-east-1")
    }

    fn form(pairs: &[(&str, &str)]) -> FormFields {
        let mut fields = FormFields::new();
        for (name, value) in pairs {
            fields
                .insert(name, value.to_string())
                .expect("distinct names");
        }
        fields
    }

    fn encode(json: &str) -> String {
        BASE64.encode(json)
    }

    fn policy(conditions: &str) -> PostPolicy {
        PostPolicy::decode(&encode(&format!(
            r#"{{"expiration": "2030-01-01T00:00:00Z", "conditions": {conditions}}}"#
        )))
        .expect("policy decodes")
    }

    fn denied_message(result: Result<(), S3Error>) -> String {
        let err = result.expect_err("denied");
        assert_eq!(err.code, ErrorCode::AccessDenied);
        err.message
    }

    /// The AWS example form, as its HTML page sends it.
    fn aws_example_form() -> FormFields {
        form(&[
            ("key", "user/user1/${filename}"),
            ("acl", "public-read"),
            (
                "success_action_redirect",
                "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html",
            ),
            ("Content-Type", "image/jpeg"),
            ("x-amz-meta-uuid", "14365123651274"),
            ("x-amz-server-side-encryption", "AES256"),
            (
                "X-Amz-Credential",
                "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
            ),
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Date", "20151229T000000Z"),
            ("x-amz-meta-tag", ""),
            ("Policy", AWS_EXAMPLE_POLICY),
            ("X-Amz-Signature", AWS_EXAMPLE_SIGNATURE),
        ])
    }

    #[test]
    fn aws_example_form_verifies_and_satisfies_its_policy() {
        let mut fields = aws_example_form();
        let FormSigner::Signed {
            access_key, policy, ..
        } = authenticate_form(&fields, &config(), SystemTime::now()).expect("signature verifies")
        else {
            panic!("a signed form");
        };
        assert_eq!(access_key, ACCESS_KEY);
        assert_eq!(
            policy.expiration,
            system_time(1_451_476_800) // 2015-12-30T12:00:00Z
        );
        assert_eq!(policy.conditions.len(), 11);
        assert_eq!(
            policy.conditions[1],
            Condition::StartsWith {
                field: "key".into(),
                prefix: "user/user1/".into()
            }
        );
        fields.set("key", "user/user1/photo.jpg".into());
        policy
            .check_fields(&fields, "sigv4examplebucket")
            .expect("the example satisfies its policy");
        policy
            .check_expiration(system_time(1_451_347_200))
            .expect("valid on the day it was signed");
        let expired = policy.check_expiration(system_time(1_451_476_801));
        assert_eq!(
            denied_message(expired),
            "Invalid according to Policy: Policy expired."
        );
        assert!(policy.check_expiration(system_time(1_451_476_800)).is_ok());
    }

    #[test]
    fn the_bucket_condition_is_checked_against_the_addressed_bucket() {
        let mut fields = aws_example_form();
        fields.set("key", "user/user1/photo.jpg".into());
        let policy = PostPolicy::decode(AWS_EXAMPLE_POLICY).unwrap();
        let message = denied_message(policy.check_fields(&fields, "otherbucket"));
        assert_eq!(
            message,
            r#"Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "sigv4examplebucket"]"#
        );
        // A form field cannot claim another bucket.
        fields
            .insert("bucket", "sigv4examplebucket".into())
            .unwrap();
        assert!(policy.check_fields(&fields, "otherbucket").is_err());
    }

    #[test]
    fn v4_signature_failures() {
        let mut fields = aws_example_form();
        fields.set("X-Amz-Signature", "0".repeat(64));
        let err = authenticate_form(&fields, &config(), SystemTime::now()).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
        assert_eq!(err.status(), 403);

        // The policy text is what is signed: a changed policy no longer verifies.
        let mut fields = aws_example_form();
        let tampered = encode(r#"{"expiration": "2099-01-01T00:00:00Z", "conditions": []}"#);
        fields.set("policy", tampered);
        let err = authenticate_form(&fields, &config(), SystemTime::now()).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);

        let mut fields = aws_example_form();
        fields.set(
            "x-amz-credential",
            "AKIDUNKNOWN/20151229/us-east-1/s3/aws4_request".into(),
        );
        let err = authenticate_form(&fields, &config(), SystemTime::now()).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidAccessKeyId);
        assert_eq!(err.status(), 403);

        let mut fields = aws_example_form();
        fields.set("x-amz-algorithm", "AWS4-HMAC-SHA1".into());
        assert_eq!(
            authenticate_form(&fields, &config(), SystemTime::now())
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );

        let mut fields = aws_example_form();
        fields.set("x-amz-date", "20151230T000000Z".into());
        assert_eq!(
            authenticate_form(&fields, &config(), SystemTime::now())
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument,
            "the credential's date must be x-amz-date's"
        );

        let mut fields = aws_example_form();
        fields.set(
            "x-amz-credential",
            "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1".into(),
        );
        assert_eq!(
            authenticate_form(&fields, &config(), SystemTime::now())
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn v4_region_is_enforced_only_when_strict() {
        let fields = aws_example_form();
        let mut strict = config();
        strict.region = "eu-west-1".into();
        // The example is signed for us-east-1: without strict_region only the signature counts.
        assert!(authenticate_form(&fields, &strict, SystemTime::now()).is_ok());
        strict.strict_region = true;
        let err = authenticate_form(&fields, &strict, SystemTime::now()).unwrap_err();
        assert_eq!(err.code, ErrorCode::AuthorizationHeaderMalformed);
        assert!(err.message.contains("the region 'us-east-1' is wrong"));
    }

    #[test]
    fn v2_signature_is_base64_hmac_sha1_of_the_policy() {
        let policy_text = encode(
            r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"bucket": "b"}, {"key": "k"}]}"#,
        );
        let signature = sigv2::calculate_signature(SECRET_KEY, &policy_text);
        let fields = form(&[
            ("key", "k"),
            ("AWSAccessKeyId", ACCESS_KEY),
            ("policy", &policy_text),
            ("signature", &signature),
        ]);
        let FormSigner::Signed {
            access_key, policy, ..
        } = authenticate_form(&fields, &config(), SystemTime::now()).expect("V2 verifies")
        else {
            panic!("signed");
        };
        assert_eq!(access_key, ACCESS_KEY);
        policy
            .check_fields(&fields, "b")
            .expect("AWSAccessKeyId and signature need no condition");

        let mut bad = fields.clone();
        bad.set(
            "signature",
            sigv2::calculate_signature("wrong", &policy_text),
        );
        assert_eq!(
            authenticate_form(&bad, &config(), SystemTime::now())
                .unwrap_err()
                .code,
            ErrorCode::SignatureDoesNotMatch
        );
        let mut unknown = fields.clone();
        unknown.set("awsaccesskeyid", "NOBODY".into());
        assert_eq!(
            authenticate_form(&unknown, &config(), SystemTime::now())
                .unwrap_err()
                .code,
            ErrorCode::InvalidAccessKeyId
        );
        let without_signature = form(&[
            ("key", "k"),
            ("AWSAccessKeyId", ACCESS_KEY),
            ("policy", &policy_text),
        ]);
        let err = authenticate_form(&without_signature, &config(), SystemTime::now()).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert!(err.message.contains("field named 'signature'"));
    }

    #[test]
    fn anonymous_forms_and_missing_policy_or_signature() {
        assert!(matches!(
            authenticate_form(
                &form(&[("key", "k"), ("acl", "private")]),
                &config(),
                SystemTime::now()
            ),
            Ok(FormSigner::Anonymous)
        ));
        let err = authenticate_form(
            &form(&[("key", "k"), ("x-amz-signature", "ab")]),
            &config(),
            SystemTime::now(),
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert_eq!(
            err.message,
            "Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields."
        );
        let err = authenticate_form(
            &form(&[("AWSAccessKeyId", ACCESS_KEY)]),
            &config(),
            SystemTime::now(),
        )
        .unwrap_err();
        assert!(err.message.contains("'policy'"));
        let err = authenticate_form(&form(&[("policy", "e30=")]), &config(), SystemTime::now())
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert!(err.message.contains("'AWSAccessKeyId'"));
    }

    #[test]
    fn malformed_policies_are_invalid_policy_documents() {
        let cases = [
            "not base64 !!".to_string(),
            encode("not json"),
            encode("[]"),
            encode(r#"{"conditions": []}"#),
            encode(r#"{"expiration": "2030-01-01", "conditions": []}"#),
            encode(r#"{"expiration": "2030-13-01T00:00:00Z", "conditions": []}"#),
            encode(r#"{"expiration": 5, "conditions": []}"#),
            encode(r#"{"expiration": "2030-01-01T00:00:00Z"}"#),
            encode(r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": {}}"#),
            encode(r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "key", "x"]]}"#),
            encode(r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "$key"]]}"#),
            encode(
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["ends-with", "$key", "x"]]}"#,
            ),
            encode(
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", -1, 5]]}"#,
            ),
            encode(r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"key": 5}]}"#),
            encode(r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": ["key"]}"#),
        ];
        for text in cases {
            let err = PostPolicy::decode(&text).expect_err(&text);
            assert_eq!(err.code, ErrorCode::InvalidPolicyDocument, "{text}");
            assert_eq!(err.status(), 400);
        }
    }

    #[test]
    fn policies_decode_with_fractions_wrapped_base64_and_string_bounds() {
        let json = r#"{"expiration": "2030-01-01T00:00:00.5Z", "conditions": [["content-length-range", "1", 10], ["EQ", "$acl", "private"]]}"#;
        let mut wrapped = encode(json);
        wrapped.insert(10, '\n');
        let policy = PostPolicy::decode(&wrapped).expect("decodes");
        assert_eq!(
            policy.expiration,
            system_time(1_893_456_000) + Duration::from_millis(500)
        );
        assert_eq!(
            policy.conditions,
            vec![
                Condition::ContentLengthRange { min: 1, max: 10 },
                Condition::Equals {
                    field: "acl".into(),
                    value: "private".into()
                }
            ]
        );
    }

    #[test]
    fn exact_and_eq_conditions() {
        let p = policy(r#"[{"acl": "public-read"}, ["eq", "$success_action_status", "201"]]"#);
        let ok = form(&[("acl", "public-read"), ("success_action_status", "201")]);
        assert!(p.check_fields(&ok, "b").is_ok());
        let wrong = form(&[
            ("acl", "public-read-write"),
            ("success_action_status", "201"),
        ]);
        assert_eq!(
            denied_message(p.check_fields(&wrong, "b")),
            r#"Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "public-read"]"#
        );
        let other = form(&[("acl", "public-read"), ("success_action_status", "200")]);
        assert_eq!(
            denied_message(p.check_fields(&other, "b")),
            r#"Invalid according to Policy: Policy Condition failed: ["eq", "$success_action_status", "201"]"#
        );
        // A condition on a field the form lacks fails.
        let missing = form(&[("acl", "public-read")]);
        assert!(p.check_fields(&missing, "b").is_err());
        // Values are compared exactly.
        let case = form(&[("acl", "Public-Read"), ("success_action_status", "201")]);
        assert!(p.check_fields(&case, "b").is_err());
    }

    #[test]
    fn starts_with_conditions() {
        let p = policy(
            r#"[["starts-with", "$key", "user/eric/"], ["starts-with", "$x-amz-meta-note", ""]]"#,
        );
        let ok = form(&[("key", "user/eric/a.txt"), ("x-amz-meta-note", "anything")]);
        assert!(p.check_fields(&ok, "b").is_ok());
        let empty_value = form(&[("key", "user/eric/"), ("x-amz-meta-note", "")]);
        assert!(p.check_fields(&empty_value, "b").is_ok());
        let outside = form(&[("key", "user/bob/a.txt"), ("x-amz-meta-note", "x")]);
        assert_eq!(
            denied_message(p.check_fields(&outside, "b")),
            r#"Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/eric/"]"#
        );
    }

    #[test]
    fn content_type_starts_with_applies_to_each_listed_type() {
        let p = policy(r#"[["starts-with", "$Content-Type", "image/"]]"#);
        let ok = form(&[("content-type", "image/png, image/jpeg")]);
        assert!(p.check_fields(&ok, "b").is_ok());
        let mixed = form(&[("Content-Type", "image/png,text/plain")]);
        assert_eq!(
            denied_message(p.check_fields(&mixed, "b")),
            r#"Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]"#
        );
        // Other fields are not split on commas.
        let p = policy(r#"[["starts-with", "$key", "a"]]"#);
        assert!(p.check_fields(&form(&[("key", "a,b")]), "b").is_ok());
    }

    #[test]
    fn field_names_match_conditions_case_insensitively() {
        let p = policy(r#"[{"Content-Type": "text/plain"}, ["eq", "$X-AMZ-META-Color", "Blue"]]"#);
        let fields = form(&[("content-type", "text/plain"), ("x-amz-meta-color", "Blue")]);
        assert!(p.check_fields(&fields, "b").is_ok());
        let mut repeated = form(&[("Key", "a")]);
        assert_eq!(
            repeated.insert("KEY", "b".into()).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(repeated.get("key"), Some("a"));
    }

    #[test]
    fn every_field_must_be_named_by_a_condition() {
        let p = policy(r#"[{"key": "k"}]"#);
        let extra = form(&[("key", "k"), ("x-amz-meta-sneaky", "1")]);
        assert_eq!(
            denied_message(p.check_fields(&extra, "b")),
            "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky"
        );
        // The file, the policy, the signature fields and x-ignore-* need no condition.
        let exempt = form(&[
            ("key", "k"),
            ("Policy", "…"),
            ("X-Amz-Signature", "…"),
            ("signature", "…"),
            ("AWSAccessKeyId", "…"),
            ("x-ignore-anything", "…"),
            ("X-Ignore-Other", "…"),
            ("file", "…"),
        ]);
        assert!(p.check_fields(&exempt, "b").is_ok());
        // The other SigV4 fields are ordinary fields and need one.
        let unnamed = form(&[("key", "k"), ("x-amz-date", "20300101T000000Z")]);
        assert_eq!(
            denied_message(p.check_fields(&unnamed, "b")),
            "Invalid according to Policy: Extra input fields: x-amz-date"
        );
        // A content-length-range names no field.
        let p = policy(r#"[{"key": "k"}, ["content-length-range", 0, 10]]"#);
        assert!(p
            .check_fields(&form(&[("key", "k"), ("acl", "private")]), "b")
            .is_err());
    }

    #[test]
    fn content_length_ranges_bound_the_file() {
        let p = policy(r#"[["content-length-range", 10, 100], ["content-length-range", 20, 200]]"#);
        let limits = p.size_limits(1000);
        assert_eq!(limits, SizeLimits { min: 20, max: 100 });
        assert!(limits.check_received(100).is_ok());
        let too_large = limits.check_received(101).unwrap_err();
        assert_eq!(
            (too_large.code, too_large.status()),
            (ErrorCode::EntityTooLarge, 400)
        );
        assert!(limits.check_complete(20).is_ok());
        let too_small = limits.check_complete(19).unwrap_err();
        assert_eq!(
            (too_small.code, too_small.status()),
            (ErrorCode::EntityTooSmall, 400)
        );
        assert_eq!(
            limits.check_complete(101).unwrap_err().code,
            ErrorCode::EntityTooLarge
        );
        // Without a range, only the server's own limit applies.
        let open = policy(r#"[{"key": "k"}]"#).size_limits(1000);
        assert_eq!(open, SizeLimits { min: 0, max: 1000 });
        assert!(open.check_complete(0).is_ok());
        assert!(policy(r#"[["content-length-range", 0, 5000]]"#)
            .size_limits(1000)
            .check_received(1001)
            .is_err());
    }

    #[test]
    fn expiration_formats() {
        assert_eq!(
            parse_expiration("2007-12-01T12:00:00.000Z"),
            Some(system_time(1_196_510_400))
        );
        assert_eq!(
            parse_expiration("2007-12-01T12:00:00Z"),
            Some(system_time(1_196_510_400))
        );
        assert_eq!(
            parse_expiration("2007-12-01T12:00:00.123456Z"),
            Some(system_time(1_196_510_400) + Duration::from_millis(123))
        );
        for bad in [
            "2007-12-01T12:00:00",
            "2007-12-01 12:00:00Z",
            "2007-02-30T12:00:00Z",
            "2007-12-01T12:00:00.Z",
            "2007-12-01T12:00:00+01:00",
            "",
        ] {
            assert_eq!(parse_expiration(bad), None, "{bad}");
        }
    }
}
