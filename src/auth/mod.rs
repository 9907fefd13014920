//! Who sent a request and what its signature promises about the body.
//!
//! - `sigv4`: SigV4 in the Authorization header and presigned queries, plus a signer (tests, CLIs);
//! - `sigv2`: the older SigV2 header and presigned queries (AWS CLI v1's `s3 presign`);
//! - `chunked`: aws-chunked framing, chunk and trailer signatures;
//! - `body`: the request body as handlers read it, decoded and verified per [`PayloadMode`];
//! - `post_policy`: browser-form uploads, signed in the form itself (policy document and signature);
//! - `keys`: issued keys (scoped, two secrets, STS sessions) and revocations;
//! - `tempurl`: Swift-style temporary URLs on `/v1/<account>/<bucket>/<key>`, keyed per account.
//!
//! Every signature check ends the same way ([`AuthConfig::grant`], then [`Grant::check_revocation`]):
//! the key must exist (and its session token match and be live), one of its secrets must produce
//! the signature, and neither the signature nor the time it was made may have been revoked.

pub mod body;
pub mod chunked;
pub mod keys;
pub mod post_policy;
pub mod sigv2;
pub mod sigv4;
pub mod tempurl;
#[cfg(test)]
pub(crate) mod testutil;

use crate::error::S3Error;
use crate::s3_error;
use crate::storage::access::Scope;
use crate::timefmt::unix_secs;
use keys::KeyRing;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

/// The keys the server accepts and how strictly it checks the credential scope.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub access_key: String,
    pub secret_key: String,
    /// The server's region; only enforced when `strict_region` is set.
    pub region: String,
    pub strict_region: bool,
    /// Other names the server is reached by (`--host-alias`, `name[:port]`): a SigV4 signature
    /// over one of them in place of the request's `Host` is accepted too.
    pub host_aliases: Vec<String>,
    /// Issued keys and revocations.
    pub keys: Arc<KeyRing>,
    /// Added to the system clock wherever a signature, token or form expiry is checked
    /// (`--clock-offset-secs`, for tests of expiry); 0 in real use.
    pub clock_offset_secs: i64,
}

impl AuthConfig {
    /// The root key alone, no issued keys, no aliases.
    pub fn root(access_key: &str, secret_key: &str, region: &str) -> AuthConfig {
        AuthConfig {
            access_key: access_key.to_string(),
            secret_key: secret_key.to_string(),
            region: region.to_string(),
            strict_region: false,
            host_aliases: Vec::new(),
            keys: Arc::default(),
            clock_offset_secs: 0,
        }
    }

    /// The time authentication runs at: the system clock shifted by `clock_offset_secs`. Every
    /// check of a request's signature, session or form expiry takes its `now` from here.
    pub fn now(&self) -> SystemTime {
        let now = SystemTime::now();
        let shift = std::time::Duration::from_secs(self.clock_offset_secs.unsigned_abs());
        let shifted = if self.clock_offset_secs >= 0 {
            now.checked_add(shift)
        } else {
            now.checked_sub(shift)
        };
        shifted.unwrap_or(now)
    }

    /// What `access_key` may sign with and do, checking the session token that came with the
    /// request (header or query `X-Amz-Security-Token`, form field `x-amz-security-token`).
    pub fn grant(
        &self,
        access_key: &str,
        session_token: Option<&str>,
        now: SystemTime,
    ) -> Result<Grant<'_>, S3Error> {
        let not_before = self.keys.not_before(access_key);
        // A session token sent with a long-term key is ignored (it is signed, so it was not added
        // in transit): a stray AWS_SESSION_TOKEN in a developer's shell should not break requests.
        if access_key == self.access_key {
            return Ok(Grant {
                access_key: access_key.to_string(),
                secrets: Cow::Borrowed(std::slice::from_ref(&self.secret_key)),
                scope: None,
                not_before,
            });
        }
        let unknown = |id: &str| match self.keys.deleted_at(id) {
            Some(at) => s3_error!(
                AccessDenied,
                "The access key {id} has been revoked (deleted at {}).",
                sigv4::format_iso8601(crate::timefmt::system_time(at))
            ),
            None => s3_error!(InvalidAccessKeyId).detail("AWSAccessKeyId", access_key),
        };
        let record = self
            .keys
            .issued(access_key)
            .ok_or_else(|| unknown(access_key))?;
        match (&record.session, session_token) {
            (None, _) => {}
            (Some(_), None) => {
                return Err(s3_error!(
                    InvalidToken,
                    "Temporary credentials need their session token: send X-Amz-Security-Token."
                ))
            }
            (Some(session), Some(token)) => {
                if !sigv4::signatures_match(&session.token, token) {
                    return Err(invalid_token());
                }
                if session.expires <= unix_secs(now) {
                    return Err(s3_error!(ExpiredToken).detail("Token-0", token));
                }
                // Deleting the key that started a session ends it.
                if session.parent != self.access_key && self.keys.issued(&session.parent).is_none()
                {
                    return Err(unknown(&session.parent));
                }
            }
        }
        let parent_not_before = record
            .session
            .as_ref()
            .and_then(|s| self.keys.not_before(&s.parent));
        Ok(Grant {
            access_key: access_key.to_string(),
            secrets: Cow::Owned(record.secrets.into_iter().map(|s| s.secret).collect()),
            scope: Some(record.scope),
            not_before: not_before.max(parent_not_before),
        })
    }
}

fn invalid_token() -> S3Error {
    s3_error!(InvalidToken)
}

/// A key's secrets and scope, for one request.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub access_key: String,
    /// One or two (during a rotation); a signature by either is the key's. Borrowed for the root
    /// key, whose one secret the configuration holds.
    pub secrets: Cow<'a, [String]>,
    /// `None`: everything (the root key).
    pub scope: Option<Scope>,
    /// Signatures made before this (seconds since the epoch) are revoked.
    pub not_before: Option<i64>,
}

/// When a signature was made, as far as the request shows it.
#[derive(Debug, Clone, Copy)]
pub enum SignedAt {
    /// `X-Amz-Date`, `Date`, a form's `x-amz-date` (seconds since the epoch).
    Known(i64),
    /// Only the expiry is signed (SigV2 presigned URLs and forms, temp URLs). Such a URL counts as
    /// signed before a "not before" time unless it expires more than the longest presigned
    /// lifetime after it: it may have been signed before, and no signature may be trusted longer.
    ExpiresOnly(i64),
}

impl Grant<'_> {
    /// After the signature matched: refuses revoked signatures and signatures made before the
    /// key's "not before" time. `signature` is the one a URL or form carries (not a header's:
    /// those are single-use within the clock-skew window anyway).
    pub fn check_revocation(
        &self,
        keys: &KeyRing,
        signature: Option<&str>,
        signed_at: SignedAt,
    ) -> Result<(), S3Error> {
        if let Some(signature) = signature {
            if keys.is_revoked(signature) {
                return Err(s3_error!(
                    AccessDenied,
                    "This presigned URL or form has been revoked."
                ));
            }
        }
        if let Some(not_before) = self.not_before {
            let revoked = match signed_at {
                SignedAt::Known(secs) => secs < not_before,
                SignedAt::ExpiresOnly(expires) => {
                    expires <= not_before.saturating_add(sigv4::MAX_PRESIGNED_EXPIRES)
                }
            };
            if revoked {
                return Err(s3_error!(
                    AccessDenied,
                    "Signatures made by {} before {} have been revoked.",
                    self.access_key,
                    sigv4::format_iso8601(crate::timefmt::system_time(not_before))
                ));
            }
        }
        Ok(())
    }

    /// The first secret that makes `matches` true.
    pub fn find_secret(&self, mut matches: impl FnMut(&str) -> bool) -> Option<&str> {
        self.secrets.iter().map(String::as_str).find(|s| matches(s))
    }
}

/// Signatures as revocations store them: hex ones lower-cased (clients vary in case), others as
/// they are (base64 is case-sensitive). Borrowed when nothing changes (lower-case hex, as SDKs
/// sign): this runs for every presigned request.
pub fn normalize_signature(signature: &str) -> std::borrow::Cow<'_, str> {
    let signature = signature.trim();
    let hex = signature.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && signature.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(signature.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(signature)
    }
}

/// A request header as the signature sees it: the name lower-cased, the value as sent (copied,
/// with replacement characters, only when it is not UTF-8). Borrowed from the request: copying
/// every header into owned strings cost two allocations per header.
pub type HeaderPair<'a> = (&'a str, Cow<'a, str>);

/// Owned header pairs (a signer's, a test's) as [`RequestParts`] takes them.
pub fn borrow_headers(headers: &[(String, String)]) -> Vec<HeaderPair<'_>> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str(), Cow::Borrowed(v.as_str())))
        .collect()
}

/// An HTTP request as the signature sees it: nothing decoded yet.
#[derive(Debug, Clone)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// The path exactly as sent on the request line, still percent-encoded.
    pub raw_path: &'a str,
    /// The query string exactly as sent (no leading `?`), still percent-encoded.
    pub raw_query: &'a str,
    /// `raw_query` split into parameters, when the caller has split it already (the server does,
    /// for the router); `None` has the signature split it itself.
    pub raw_params: Option<&'a [crate::router::RawParam<'a>]>,
    /// Header names lower-cased, values as sent, in order of appearance (repeats kept).
    pub headers: &'a [HeaderPair<'a>],
    /// The bucket named by the Host header of a virtual-hosted request (SigV2 signs it).
    pub virtual_bucket: Option<&'a str>,
}

/// Who made the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No signature at all.
    Anonymous,
    /// A valid signature by this access key id.
    AccessKey(String),
}

impl Identity {
    /// True for the root key from the command line (admin API, STS on its behalf).
    pub fn is_root(&self, cfg: &AuthConfig) -> bool {
        matches!(self, Identity::AccessKey(k) if *k == cfg.access_key)
    }
}

/// What the request's signature says about the body.
#[derive(Debug, Clone)]
pub enum PayloadMode {
    /// Body hash not covered (`UNSIGNED-PAYLOAD`, presigned URLs, anonymous).
    Unsigned,
    /// The lower-case hex SHA-256 the body must have.
    Sha256(String),
    /// `Content-Encoding: aws-chunked` body; `signing` is set for the signed variants.
    Chunked {
        signing: Option<ChunkSigning>,
        trailer: bool,
    },
}

/// What is needed to verify each aws-chunked chunk signature in turn.
#[derive(Debug, Clone)]
pub struct ChunkSigning {
    pub signing_key: Vec<u8>,
    pub amz_date: String,
    pub scope: String,
    pub seed_signature: String,
}

/// The outcome of checking a request's signature.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub identity: Identity,
    /// The service named in the credential scope (`s3`), empty when anonymous; the usual ones
    /// are not copied per request.
    pub service: std::borrow::Cow<'static, str>,
    pub payload: PayloadMode,
    /// What the key may do; `None` for the root key (everything) and anonymous requests (decided
    /// by ACLs instead).
    pub scope: Option<Scope>,
}

/// Checks the request's signature, presigned query first (a browser may add an Authorization header
/// of its own to a presigned URL), then the Authorization header, else anonymous. SigV4 and the
/// older SigV2 (still AWS CLI v1's `s3 presign`) are both accepted.
pub fn authenticate(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    now: SystemTime,
) -> Result<Authenticated, S3Error> {
    authenticate_with_query(req, &sigv4::query_params(req.raw_query), cfg, now)
}

/// [`authenticate`] with `req.raw_query` already decoded ([`crate::router::Query::parse_lossy`]):
/// the server decodes each query once, for this and for routing.
pub fn authenticate_with_query(
    req: &RequestParts<'_>,
    params: &[sigv4::QueryParam<'_>],
    cfg: &AuthConfig,
    now: SystemTime,
) -> Result<Authenticated, S3Error> {
    let has_v4_query = params.iter().any(|(k, _)| k == "X-Amz-Algorithm");
    if !has_v4_query && sigv2::is_presigned(params) {
        return sigv2::authenticate_presigned(req, cfg, now, params);
    }
    let authorization = req
        .headers
        .iter()
        .find(|(n, _)| *n == "authorization")
        .map(|(_, v)| v.as_ref());
    match authorization {
        Some(v2) if !has_v4_query && v2.starts_with("AWS ") => {
            sigv2::authenticate_header(req, cfg, now, v2)
        }
        _ => sigv4::authenticate_parsed(req, cfg, now, params),
    }
}

#[cfg(test)]
mod tests;
