//! Who sent a request and what its signature promises about the body.
//!
//! - `sigv4`: SigV4 in the Authorization header and presigned queries, plus a signer (tests, CLIs);
//! - `sigv2`: the older SigV2 header and presigned queries (AWS CLI v1's `s3 presign`);
//! - `chunked`: aws-chunked framing, chunk and trailer signatures;
//! - `body`: the request body as handlers read it, decoded and verified per [`PayloadMode`];
//! - `post_policy`: browser-form uploads, signed in the form itself (policy document and signature).

pub mod body;
pub mod chunked;
pub mod post_policy;
pub mod sigv2;
pub mod sigv4;
#[cfg(test)]
pub(crate) mod testutil;

use crate::error::S3Error;
use std::time::SystemTime;

/// The keys the server accepts and how strictly it checks the credential scope.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub access_key: String,
    pub secret_key: String,
    /// The server's region; only enforced when `strict_region` is set.
    pub region: String,
    pub strict_region: bool,
}

impl AuthConfig {
    /// The secret for an access key id, if the key exists.
    pub fn secret_for(&self, access_key: &str) -> Option<&str> {
        (access_key == self.access_key).then_some(self.secret_key.as_str())
    }
}

/// An HTTP request as the signature sees it: nothing decoded yet.
#[derive(Debug, Clone)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// The path exactly as sent on the request line, still percent-encoded.
    pub raw_path: &'a str,
    /// The query string exactly as sent (no leading `?`), still percent-encoded.
    pub raw_query: &'a str,
    /// Header names lower-cased, values as sent, in order of appearance (repeats kept).
    pub headers: &'a [(String, String)],
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
    /// The service named in the credential scope (`s3`), empty when anonymous.
    pub service: String,
    pub payload: PayloadMode,
}

/// Checks the request's signature, presigned query first (a browser may add an Authorization header
/// of its own to a presigned URL), then the Authorization header, else anonymous. SigV4 and the
/// older SigV2 (still AWS CLI v1's `s3 presign`) are both accepted.
pub fn authenticate(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    now: SystemTime,
) -> Result<Authenticated, S3Error> {
    let params = sigv4::query_params(req.raw_query);
    let has_v4_query = params.iter().any(|(k, _)| k == "X-Amz-Algorithm");
    if !has_v4_query && sigv2::is_presigned(&params) {
        return sigv2::authenticate_presigned(req, cfg, now, &params);
    }
    let authorization = req
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .map(|(_, v)| v.as_str());
    match authorization {
        Some(v2) if !has_v4_query && v2.starts_with("AWS ") => {
            sigv2::authenticate_header(req, cfg, now, v2)
        }
        _ => sigv4::authenticate(req, cfg, now),
    }
}
