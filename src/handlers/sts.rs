//! STS on the S3 port: `GetSessionToken` and `AssumeRole` as AWS STS speaks them (query protocol:
//! `Action=...&Version=2011-06-15&...` in a form body or the query string, SigV4 for service
//! `sts`, XML answers), issuing session keys that expire and may be narrowed by a policy.
//!
//! STS clients sign the body's hash without sending `x-amz-content-sha256`, so this handler
//! reads the (small, bounded) body first and authenticates the request itself, as PostObject
//! does with its form.

mod policy;

use crate::auth::keys::{MAX_SESSION_SECS, MIN_SESSION_SECS};
use crate::auth::sigv4::{self, format_iso8601};
use crate::auth::{AuthConfig, Identity, PayloadMode, RequestParts};
use crate::error::S3Error;
use crate::s3_error;
use crate::storage::access::Scope;
use crate::timefmt::{system_time, unix_secs};
use crate::xml::{self, AssumedRoleUser, StsCredentials};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

/// The largest STS request body read (a policy is at most 2048 characters; 64 KiB is plenty).
const MAX_BODY: usize = 64 * 1024;
/// Default session lengths, as AWS has them.
const GET_SESSION_TOKEN_DEFAULT_SECS: i64 = 43_200;
const ASSUME_ROLE_DEFAULT_SECS: i64 = 3_600;
/// A session started from a session ("role chaining") lasts at most an hour, as on AWS.
const ROLE_CHAINING_MAX_SECS: i64 = 3_600;
/// AWS's limit on an inline session policy.
const MAX_POLICY_CHARS: usize = 2_048;
/// The account shown in assumed-role ARNs when the role ARN names none.
const DEFAULT_ACCOUNT: &str = "000000000000";

/// Whether a request is an STS call rather than S3: `POST /` with a form body, or `GET`/`POST /`
/// with an `Action` parameter in the query (no S3 operation looks like either).
pub fn is_sts_request(method: &str, path: &str, query: &str, content_type: Option<&str>) -> bool {
    if path != "/" {
        return false;
    }
    let has_action = form_params(query.as_bytes())
        .iter()
        .any(|(k, _)| k == "Action");
    let form = content_type.is_some_and(|ct| {
        ct.trim_start()
            .get(..33)
            .is_some_and(|t| t.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
    });
    match method {
        "POST" => has_action || form,
        "GET" => has_action,
        _ => false,
    }
}

/// Answers an STS request: the result document, or STS's `<ErrorResponse>`.
pub async fn serve(
    req: &HttpRequest,
    payload: web::Payload,
    auth: &AuthConfig,
    request_id: &str,
) -> HttpResponse {
    match run(req, payload, auth, request_id).await {
        Ok(document) => HttpResponse::Ok().content_type("text/xml").body(document),
        Err(err) => {
            let status =
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status.is_server_error() {
                tracing::warn!(code = err.code.as_str(), message = %err.message, request_id, "server error");
            }
            HttpResponse::build(status)
                .content_type("text/xml")
                .body(err.to_sts_xml(request_id))
        }
    }
}

async fn run(
    req: &HttpRequest,
    mut payload: web::Payload,
    auth: &AuthConfig,
    request_id: &str,
) -> Result<String, S3Error> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| s3_error!(IncompleteBody))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(s3_error!(
                ValidationError,
                "The request body is larger than {MAX_BODY} bytes."
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let body_sha256 = hex::encode(Sha256::digest(&body));

    let headers = crate::server::request_headers(req);
    let parts = RequestParts {
        method: req.method().as_str(),
        raw_path: req.path(),
        raw_query: req.query_string(),
        raw_params: None,
        headers: &headers,
        virtual_bucket: None,
    };
    let now = auth.now();
    let authenticated = sigv4::authenticate_with_body_hash(&parts, auth, now, &body_sha256)?;
    let Identity::AccessKey(access_key) = &authenticated.identity else {
        return Err(s3_error!(MissingAuthenticationToken));
    };
    if authenticated.service != "sts" {
        return Err(s3_error!(
            SignatureDoesNotMatch,
            "Credential should be scoped to correct service: 'sts'."
        ));
    }
    match &authenticated.payload {
        PayloadMode::Sha256(hash) if *hash == body_sha256 => {}
        PayloadMode::Unsigned if body.is_empty() => {}
        PayloadMode::Sha256(_) => return Err(s3_error!(XAmzContentSHA256Mismatch)),
        // The parameters are the body: they must be signed.
        _ => {
            return Err(s3_error!(
                InvalidRequest,
                "STS requests must sign their body (its SHA-256 as the payload hash)."
            ))
        }
    }

    let mut params = form_params(req.query_string().as_bytes());
    params.extend(form_params(&body));
    let caller = Caller {
        session_parent: auth
            .keys
            .issued(access_key)
            .and_then(|k| k.session)
            .map(|s| s.parent),
        parent: access_key.clone(),
        scope: authenticated.scope.clone().unwrap_or_else(Scope::full),
    };
    let call = Call {
        params: &params,
        caller: &caller,
        auth,
        now: unix_secs(now),
        request_id,
    };
    match call.param("Action") {
        Some("GetSessionToken") => call.get_session_token(),
        Some("AssumeRole") => call.assume_role(),
        Some(other) => Err(s3_error!(
            InvalidAction,
            "Could not find operation {other} for version {}",
            call.param("Version").unwrap_or("NO_VERSION_SPECIFIED")
        )),
        None => Err(s3_error!(InvalidAction, "Missing Action")),
    }
}

/// `application/x-www-form-urlencoded` pairs (`+` is a space), decoded lossily as UTF-8.
fn form_params(raw: &[u8]) -> Vec<(String, String)> {
    let decode = |part: &[u8]| {
        let spaced: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    raw.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// Who asks for credentials.
struct Caller {
    /// The signing key.
    parent: String,
    /// Set when the caller itself uses session credentials: the key that started that session.
    session_parent: Option<String>,
    /// What the caller may do (everything for the root key).
    scope: Scope,
}

/// One STS call, ready to run.
struct Call<'a> {
    params: &'a [(String, String)],
    caller: &'a Caller,
    auth: &'a AuthConfig,
    /// Seconds since the epoch, on the authentication clock.
    now: i64,
    request_id: &'a str,
}

fn validation(message: String) -> S3Error {
    s3_error!(ValidationError, "{message}")
}

/// `DurationSeconds` (absent: `default`), within 900..=43200 as AWS checks it.
fn duration_secs(value: Option<&str>, default: i64) -> Result<i64, S3Error> {
    let Some(value) = value else {
        return Ok(default);
    };
    let secs: i64 = value.trim().parse().map_err(|_| {
        validation(format!(
            "1 validation error detected: Value '{value}' at 'durationSeconds' failed to satisfy \
             constraint: Member must be a number"
        ))
    })?;
    if secs < MIN_SESSION_SECS {
        return Err(validation(format!(
            "1 validation error detected: Value '{secs}' at 'durationSeconds' failed to satisfy \
             constraint: Member must have value greater than or equal to {MIN_SESSION_SECS}"
        )));
    }
    if secs > MAX_SESSION_SECS {
        return Err(validation(format!(
            "1 validation error detected: Value '{secs}' at 'durationSeconds' failed to satisfy \
             constraint: Member must have value less than or equal to {MAX_SESSION_SECS}"
        )));
    }
    Ok(secs)
}

/// A required parameter's "must not be null" error, worded as AWS words it.
fn missing(name: &str) -> S3Error {
    validation(format!(
        "1 validation error detected: Value null at '{name}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

/// `RoleSessionName`: 2 to 64 of `[A-Za-z0-9_+=,.@-]`.
fn check_session_name(name: &str) -> Result<(), S3Error> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if !(2..=64).contains(&name.len()) || !name.chars().all(allowed) {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy \
             constraint: Member must have length between 2 and 64 and match pattern [\\w+=,.@-]*"
        )));
    }
    Ok(())
}

/// The role's name and account, best effort from `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`
/// (any ARN-like text is accepted, as local stand-ins of STS usually do).
fn role_parts(role_arn: &str) -> (&str, &str, &str) {
    let fields: Vec<&str> = role_arn.splitn(6, ':').collect();
    let partition = fields
        .get(1)
        .copied()
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    let account = fields
        .get(4)
        .copied()
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(DEFAULT_ACCOUNT);
    let name = role_arn
        .rsplit(['/', ':'])
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("role");
    (partition, account, name)
}

/// A stable role id in AWS's shape (`AROA` and 17 characters), derived from the role ARN.
fn role_id(role_arn: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(role_arn.as_bytes());
    let mut id = String::from("AROA");
    id.extend(
        digest
            .iter()
            .take(17)
            .map(|b| char::from(ALPHABET[usize::from(b % 32)])),
    );
    id
}

impl Call<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The key that owns new sessions: the caller's own key, or, for a session, the key that
    /// started it (so deleting that key ends every session descended from it).
    fn owner(&self) -> &str {
        self.caller
            .session_parent
            .as_deref()
            .unwrap_or(&self.caller.parent)
    }

    fn issue(
        &self,
        scope: Scope,
        secs: i64,
        role: Option<(String, String)>,
    ) -> Result<(crate::storage::access::KeyRecord, String), S3Error> {
        let expires = self.now.saturating_add(secs);
        let record = self
            .auth
            .keys
            .create_session(self.owner(), scope, expires, role, self.now)?;
        Ok((record, format_iso8601(system_time(expires))))
    }

    fn get_session_token(&self) -> Result<String, S3Error> {
        if self.caller.session_parent.is_some() {
            return Err(s3_error!(
                AccessDenied,
                "Cannot call GetSessionToken with session credentials"
            ));
        }
        let secs = duration_secs(
            self.param("DurationSeconds"),
            GET_SESSION_TOKEN_DEFAULT_SECS,
        )?;
        let (record, expiration) = self.issue(self.caller.scope.clone(), secs, None)?;
        let (secret, token) = credentials_of(&record)?;
        Ok(xml::get_session_token_response(
            &StsCredentials {
                access_key_id: &record.access_key,
                secret_access_key: secret,
                session_token: token,
                expiration: &expiration,
            },
            self.request_id,
        ))
    }

    fn assume_role(&self) -> Result<String, S3Error> {
        let role_arn = self.param("RoleArn").ok_or_else(|| missing("roleArn"))?;
        if !(20..=2048).contains(&role_arn.len()) {
            return Err(validation(format!(
                "1 validation error detected: Value '{role_arn}' at 'roleArn' failed to satisfy \
                 constraint: Member must have length between 20 and 2048"
            )));
        }
        let session_name = self
            .param("RoleSessionName")
            .ok_or_else(|| missing("roleSessionName"))?;
        check_session_name(session_name)?;
        if self
            .params
            .iter()
            .any(|(k, _)| k.starts_with("PolicyArns."))
        {
            return Err(validation(
                "minis3 does not support managed session policies (PolicyArns): pass an inline \
                 Policy instead."
                    .to_string(),
            ));
        }
        let secs = duration_secs(self.param("DurationSeconds"), ASSUME_ROLE_DEFAULT_SECS)?;
        if self.caller.session_parent.is_some() && secs > ROLE_CHAINING_MAX_SECS {
            return Err(validation(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed \
                 by role chaining."
                    .to_string(),
            ));
        }
        let scope = match self.param("Policy") {
            Some(text) if text.chars().count() > MAX_POLICY_CHARS => {
                return Err(validation(format!(
                    "1 validation error detected: Value at 'policy' failed to satisfy constraint: \
                     Member must have length less than or equal to {MAX_POLICY_CHARS}"
                )))
            }
            Some(text) => self
                .caller
                .scope
                .intersect(&policy::parse_session_policy(text)?),
            None => self.caller.scope.clone(),
        };
        let role = (role_arn.to_string(), session_name.to_string());
        let (record, expiration) = self.issue(scope, secs, Some(role))?;
        let (secret, token) = credentials_of(&record)?;
        let (partition, account, role_name) = role_parts(role_arn);
        let assumed_role_id = format!("{}:{session_name}", role_id(role_arn));
        let arn = format!("arn:{partition}:sts::{account}:assumed-role/{role_name}/{session_name}");
        Ok(xml::assume_role_response(
            &StsCredentials {
                access_key_id: &record.access_key,
                secret_access_key: secret,
                session_token: token,
                expiration: &expiration,
            },
            &AssumedRoleUser {
                assumed_role_id: &assumed_role_id,
                arn: &arn,
            },
            self.request_id,
        ))
    }
}

/// The new session's secret and token.
fn credentials_of(record: &crate::storage::access::KeyRecord) -> Result<(&str, &str), S3Error> {
    match (record.secrets.first(), &record.session) {
        (Some(secret), Some(session)) => Ok((&secret.secret, &session.token)),
        _ => Err(S3Error::internal(
            "a new session key lacks its secret or token",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::keys::KeyRing;
    use std::sync::Arc;

    #[test]
    fn sts_requests_are_told_apart_from_s3() {
        let form = Some("application/x-www-form-urlencoded; charset=utf-8");
        assert!(is_sts_request("POST", "/", "", form));
        assert!(is_sts_request(
            "POST",
            "/",
            "",
            Some("Application/X-WWW-Form-Urlencoded")
        ));
        assert!(is_sts_request(
            "GET",
            "/",
            "Action=GetSessionToken&Version=2011-06-15",
            None
        ));
        assert!(is_sts_request("POST", "/", "Action=AssumeRole", None));
        // S3: ListBuckets, a form POST to a bucket, a multipart form.
        assert!(!is_sts_request("GET", "/", "", None));
        assert!(!is_sts_request("GET", "/", "x-id=ListBuckets", None));
        assert!(!is_sts_request("POST", "/bucket", "", form));
        assert!(!is_sts_request(
            "POST",
            "/",
            "",
            Some("multipart/form-data; boundary=x")
        ));
        assert!(!is_sts_request("PUT", "/", "Action=AssumeRole", form));
    }

    #[test]
    fn form_bodies_decode_plus_and_percent() {
        let params = form_params(b"Action=AssumeRole&Policy=%7B%22a%22%3A+1%7D&Empty&Name=a%2Bb");
        assert_eq!(
            params,
            vec![
                ("Action".to_string(), "AssumeRole".to_string()),
                ("Policy".to_string(), "{\"a\": 1}".to_string()),
                ("Empty".to_string(), String::new()),
                ("Name".to_string(), "a+b".to_string()),
            ]
        );
    }

    #[test]
    fn durations_are_bounded_as_aws_bounds_them() {
        assert_eq!(duration_secs(None, 3600).expect("default"), 3600);
        assert_eq!(duration_secs(Some("900"), 3600).expect("min"), 900);
        assert_eq!(duration_secs(Some("43200"), 3600).expect("max"), 43_200);
        for bad in ["899", "43201", "-1", "ten", ""] {
            let err = duration_secs(Some(bad), 3600).expect_err(bad);
            assert_eq!(err.code.as_str(), "ValidationError", "{bad}");
        }
    }

    #[test]
    fn role_arns_give_names_accounts_and_stable_ids() {
        assert_eq!(
            role_parts("arn:aws:iam::123456789012:role/team/reader"),
            ("aws", "123456789012", "reader")
        );
        assert_eq!(
            role_parts("arn:xxx:xxx:xxx:xxxx"),
            ("xxx", DEFAULT_ACCOUNT, "xxxx")
        );
        let id = role_id("arn:aws:iam::123456789012:role/reader");
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AROA"));
        assert_eq!(id, role_id("arn:aws:iam::123456789012:role/reader"));
        assert_ne!(id, role_id("arn:aws:iam::123456789012:role/writer"));
        assert!(check_session_name("app-1@x.y").is_ok());
        assert!(check_session_name("a").is_err());
        assert!(check_session_name("has space").is_err());
    }

    fn call<'a>(
        params: &'a [(String, String)],
        caller: &'a Caller,
        auth: &'a AuthConfig,
    ) -> Call<'a> {
        Call {
            params,
            caller,
            auth,
            now: 1_000_000,
            request_id: "REQ",
        }
    }

    fn element(doc: &str, name: &str) -> String {
        let open = format!("<{name}>");
        let start = doc.find(&open).expect("element") + open.len();
        let end = doc[start..].find('<').expect("closed") + start;
        doc[start..end].to_string()
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn sessions_get_the_callers_scope_narrowed_by_the_policy_and_expire_on_time() {
        let auth = AuthConfig {
            keys: Arc::new(KeyRing::default()),
            ..AuthConfig::root("ROOT", "secret", "us-east-1")
        };
        let root = Caller {
            parent: "ROOT".into(),
            session_parent: None,
            scope: Scope::full(),
        };
        let policy = r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
        let p = params(&[
            ("RoleArn", "arn:aws:iam::123456789012:role/reader"),
            ("RoleSessionName", "app"),
            ("DurationSeconds", "900"),
            ("Policy", policy),
        ]);
        let doc = call(&p, &root, &auth).assume_role().expect("assumes");
        let akid = element(&doc, "AccessKeyId");
        let record = auth.keys.issued(&akid).expect("session stored");
        let session = record.session.expect("a session");
        assert_eq!(session.expires, 1_000_900);
        assert_eq!(session.parent, "ROOT");
        assert_eq!(
            session.role,
            Some(("arn:aws:iam::123456789012:role/reader".into(), "app".into()))
        );
        assert!(record.scope.read && !record.scope.write && !record.scope.list);
        assert_eq!(record.scope.buckets.len(), 1);
        assert_eq!(element(&doc, "Expiration"), "1970-01-12T14:01:40Z");
        assert!(doc.contains("<Arn>arn:aws:sts::123456789012:assumed-role/reader/app</Arn>"));

        // The session may not call GetSessionToken; chaining is capped at an hour and keeps the
        // narrowed scope and the original owner.
        let chained = Caller {
            parent: akid.clone(),
            session_parent: Some("ROOT".into()),
            scope: record.scope.clone(),
        };
        let gst = call(&params(&[]), &chained, &auth)
            .get_session_token()
            .expect_err("no GetSessionToken from a session");
        assert_eq!(gst.code.as_str(), "AccessDenied");
        let long = params(&[
            ("RoleArn", "arn:aws:iam::123456789012:role/reader"),
            ("RoleSessionName", "again"),
            ("DurationSeconds", "7200"),
        ]);
        let err = call(&long, &chained, &auth)
            .assume_role()
            .expect_err("capped");
        assert_eq!(err.code.as_str(), "ValidationError");
        let wider = params(&[
            ("RoleArn", "arn:aws:iam::123456789012:role/reader"),
            ("RoleSessionName", "again"),
            (
                "Policy",
                r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            ),
        ]);
        let doc = call(&wider, &chained, &auth).assume_role().expect("chains");
        let again = auth
            .keys
            .issued(&element(&doc, "AccessKeyId"))
            .expect("stored");
        assert_eq!(again.scope, record.scope, "a policy never widens");
        assert_eq!(again.session.expect("session").parent, "ROOT");

        let missing_name = params(&[("RoleArn", "arn:aws:iam::123456789012:role/reader")]);
        let err = call(&missing_name, &root, &auth)
            .assume_role()
            .expect_err("name");
        assert_eq!(err.code.as_str(), "ValidationError");
        assert!(err.message.contains("roleSessionName"));
        let gst = call(&params(&[]), &root, &auth)
            .get_session_token()
            .expect("root may");
        let akid = element(&gst, "AccessKeyId");
        let session = auth.keys.issued(&akid).expect("stored").session.expect("s");
        assert_eq!(session.expires, 1_000_000 + 43_200);
    }
}
