//! AWS Signature Version 4 as S3 uses it: the canonicalisation steps, header and presigned-query
//! verification, and a small signer for tests and command-line tools.
//!
//! The step functions are named after the SigV4 specification ("Create a canonical request",
//! "Create a string to sign", "Derive a signing key", "Calculate the signature"). S3 differs from
//! the generic algorithm in one way that matters here: the path is URI-encoded once and never
//! normalised (no dot-segment removal, `//` kept), because object keys may contain both.

use super::{
    borrow_headers, AuthConfig, Authenticated, ChunkSigning, Grant, HeaderPair, Identity,
    PayloadMode, RequestParts, SignedAt,
};
use crate::error::S3Error;
use crate::s3_error;
use crate::timefmt::{civil_from_days, days_from_civil, system_time, unix_secs};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::time::SystemTime;
use subtle::ConstantTimeEq;

mod verified;

type HmacSha256 = Hmac<Sha256>;

/// The only algorithm S3 accepts for SigV4.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Payload hash for bodies the signature does not cover.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// aws-chunked body, every chunk signed.
pub const STREAMING_PAYLOAD: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
/// aws-chunked body, every chunk and the trailer signed.
pub const STREAMING_PAYLOAD_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
/// aws-chunked body with an unsigned trailer (usually a checksum).
pub const STREAMING_UNSIGNED_PAYLOAD_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
/// SHA-256 of the empty string, hex.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// How far a header-signed request's time may be from the server's (S3: 15 minutes).
pub const MAX_SKEW_SECS: i64 = 15 * 60;
/// The longest a presigned URL may be valid (S3: one week).
pub const MAX_PRESIGNED_EXPIRES: i64 = 604_800;

const TERMINATOR: &str = "aws4_request";

// ---------------------------------------------------------------------------------------------
// Canonicalisation (spec step 1)
// ---------------------------------------------------------------------------------------------

/// The unreserved bytes SigV4 never encodes (`/` aside, which paths keep).
fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// [`is_unreserved`] by byte value: every byte of every query parameter and path is checked per
/// request, and a lookup is cheaper than the range tests it replaces.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < table.len() {
        table[b] =
            matches!(b as u8, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends the SigV4 URI-encoding of `bytes` to `out` (see [`uri_encode`]).
fn uri_encode_into(out: &mut String, bytes: &[u8], keep_slash: bool) {
    for &b in bytes {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(UPPER_HEX[usize::from(b >> 4)]));
            out.push(char::from(UPPER_HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// URI-encodes bytes as SigV4 requires: every byte except the unreserved `A-Za-z0-9-._~` becomes
/// `%XX` with upper-case hex; `/` is kept only when `keep_slash` (paths) and encoded otherwise
/// (query keys and values). Use it on an object key to build the path a client sends.
pub fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    uri_encode_into(&mut out, bytes, keep_slash);
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes to raw bytes. No `+`-to-space: SigV4 treats `+` as a literal character, and a
/// stray `%` not followed by two hex digits stays as it is.
fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = match (b, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) => hex_value(hi).zip(hex_value(lo)),
            _ => None,
        };
        match escaped {
            Some((hi, lo)) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Whether `s` is already in the form `uri_encode(percent_decode(s), keep_slash)` would give it:
/// only bytes that stay as they are, and `%XX` escapes with upper-case hex of bytes that must be
/// escaped. Such components (what every SDK sends) are used as they are, without a round trip.
fn is_canonical_component(s: &str, keep_slash: bool) -> bool {
    let kept = |b: u8| is_unreserved(b) || (keep_slash && b == b'/');
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if kept(b) {
            i += 1;
            continue;
        }
        let upper_hex = |c: Option<&u8>| {
            c.filter(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(*c))
                .and_then(|&c| hex_value(c))
        };
        match (b, upper_hex(bytes.get(i + 1)), upper_hex(bytes.get(i + 2))) {
            (b'%', Some(hi), Some(lo)) if !kept(hi << 4 | lo) => i += 3,
            _ => return false,
        }
    }
    true
}

/// One query key or value in canonical form, borrowed when it already is.
fn canonical_component(s: &str) -> std::borrow::Cow<'_, str> {
    if is_canonical_component(s, false) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(uri_encode(&percent_decode(s), false))
    }
}

/// CanonicalURI for S3: the raw request-line path percent-decoded to bytes, then URI-encoded once
/// with `/` kept. No normalisation: `a//b`, `./` and a trailing `/` are part of an S3 key.
pub fn canonical_uri(raw_path: &str) -> String {
    let mut out = String::with_capacity(raw_path.len() + 1);
    push_canonical_uri(&mut out, raw_path);
    out
}

fn push_canonical_uri(out: &mut String, raw_path: &str) {
    if raw_path.is_empty() {
        out.push('/');
    } else if is_canonical_component(raw_path, true) {
        out.push_str(raw_path);
    } else {
        uri_encode_into(out, &percent_decode(raw_path), true);
    }
}

/// CanonicalQueryString: the raw query split on `&` and each parameter on its first `=` (no `=`
/// means an empty value), keys and values decoded and re-encoded (with `/` encoded), sorted by
/// encoded key then encoded value, joined as `k=v&...`. With `presigned`, `X-Amz-Signature` is
/// left out, since it cannot sign itself.
pub fn canonical_query(raw_query: &str, presigned: bool) -> String {
    let mut out = String::with_capacity(raw_query.len());
    push_canonical_query(&mut out, raw_query, presigned);
    out
}

fn push_canonical_query(out: &mut String, raw_query: &str, presigned: bool) {
    push_canonical_params(
        out,
        crate::router::RawParams::new(raw_query),
        crate::router::parameter_count(raw_query),
        presigned,
    );
}

/// [`push_canonical_query`] of parameters already split (at most `count` of them).
fn push_canonical_params<'a>(
    out: &mut String,
    params: impl Iterator<Item = crate::router::RawParam<'a>>,
    count: usize,
    presigned: bool,
) {
    let mut pairs = Vec::with_capacity(count);
    for param in params {
        let (k, v) = (param.key, param.value);
        let k = canonical_component(k);
        // Encoding is one-to-one and leaves `X-Amz-Signature` as it is, so comparing the encoded
        // key is comparing the decoded one.
        if !(presigned && k == "X-Amz-Signature") {
            pairs.push((k, canonical_component(v)));
        }
    }
    pairs.sort_unstable();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
}

/// A header value as SigV4 canonicalises it: trimmed, inner whitespace runs (including those left
/// by obs-fold line continuations) collapsed to one space, quotes not special.
fn push_canonical_header_value(out: &mut String, value: &str) {
    for (i, word) in value.split_ascii_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// CanonicalHeaders: one `name:value\n` line per signed header, in the order of `signed_headers`
/// (which the caller has lower-cased), the values of repeated headers joined with `,` in order of
/// appearance. A signed header the request lacks yields `name:` so the signature simply fails.
pub fn canonical_headers(
    headers: &[(impl AsRef<str>, impl AsRef<str>)],
    signed_headers: &[impl AsRef<str>],
) -> String {
    let mut out = String::new();
    push_canonical_headers(&mut out, headers, signed_headers);
    out
}

fn push_canonical_headers(
    out: &mut String,
    headers: &[(impl AsRef<str>, impl AsRef<str>)],
    signed: &[impl AsRef<str>],
) {
    for name in signed {
        let name = name.as_ref();
        out.push_str(name);
        out.push(':');
        let values = headers
            .iter()
            .filter(|(n, _)| n.as_ref().eq_ignore_ascii_case(name));
        for (i, (_, value)) in values.enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_canonical_header_value(out, value.as_ref());
        }
        out.push('\n');
    }
}

/// Step 1, "Create a canonical request". `canonical_headers` already ends in `\n`, so the blank
/// line the specification shows before SignedHeaders comes out naturally.
pub fn create_canonical_request(
    method: &str,
    canonical_uri: &str,
    canonical_query: &str,
    canonical_headers: &str,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    format!("{method}\n{canonical_uri}\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}")
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Step 2, "Create a string to sign": algorithm, request time, credential scope and the hash of
/// the canonical request, one per line (no trailing newline).
pub fn create_string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    string_to_sign(amz_date, &[scope], canonical_request)
}

/// [`create_string_to_sign`] with the scope in pieces, joined as they are written: a request's
/// check then builds no scope string of its own.
fn string_to_sign(amz_date: &str, scope: &[&str], canonical_request: &str) -> String {
    let mut hash = [0u8; 64];
    let hashed = hex::encode_to_slice(Sha256::digest(canonical_request), &mut hash);
    let scope_len: usize = scope.iter().map(|part| part.len()).sum();
    let mut out = String::with_capacity(ALGORITHM.len() + amz_date.len() + scope_len + 67);
    for part in [ALGORITHM, amz_date] {
        out.push_str(part);
        out.push('\n');
    }
    scope.iter().for_each(|part| out.push_str(part));
    out.push('\n');
    // Hex digits are ASCII, so the conversion cannot fail once the encoding succeeded.
    if let (Ok(()), Ok(hex)) = (hashed, std::str::from_utf8(&hash)) {
        out.push_str(hex);
    }
    out
}

/// The credential scope string `DATE/REGION/SERVICE/aws4_request`.
pub fn credential_scope(date: &str, region: &str, service: &str) -> String {
    format!("{date}/{region}/{service}/{TERMINATOR}")
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = keyed_mac(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Step 3, "Derive a signing key": HMAC chain over date (YYYYMMDD), region, service, `aws4_request`
/// starting from `"AWS4" + secret`.
pub fn derive_signing_key(secret_key: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    signing_key(secret_key, date, region, service).to_vec()
}

fn signing_key(secret_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(format!("AWS4{secret_key}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, TERMINATOR.as_bytes())
}

/// Step 4, "Calculate the signature": lower-case hex HMAC-SHA256 of the string to sign.
pub fn calculate_signature(signing_key: &[u8], string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// Constant-time comparison of a provided signature with the expected one, so that timing does not
/// reveal how many leading characters were right.
pub fn signatures_match(expected: &str, provided: &str) -> bool {
    expected.as_bytes().ct_eq(provided.as_bytes()).into()
}

/// Whether `provided` is the signature of `string_to_sign` under `signing_key` (step 4, compared in
/// constant time), computed without allocating.
pub fn signed_with(signing_key: &[u8], string_to_sign: &str, provided: &str) -> bool {
    signed_by(keyed_mac(signing_key), string_to_sign, provided)
}

fn keyed_mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; `new_from_slice` only fails for fixed-key MACs.
    HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// Whether `provided` is the lower-case hex signature of `string_to_sign` under the key `mac` was
/// keyed with, compared in constant time.
fn signed_by(mut mac: HmacSha256, string_to_sign: &str, provided: &str) -> bool {
    mac.update(string_to_sign.as_bytes());
    let mut expected = [0u8; 64];
    if hex::encode_to_slice(mac.finalize().into_bytes(), &mut expected).is_err() {
        return false;
    }
    hex_signatures_match(&expected, provided.as_bytes())
}

/// A signing key with its HMAC already keyed: keying hashes the key's inner and outer blocks, two
/// of the six SHA-256 blocks a signature over a typical string to sign takes, so keys kept
/// between requests keep it keyed.
#[derive(Clone)]
struct SigningKey {
    key: [u8; 32],
    mac: HmacSha256,
}

impl SigningKey {
    fn new(key: [u8; 32]) -> SigningKey {
        SigningKey {
            key,
            mac: keyed_mac(&key),
        }
    }

    fn signed(&self, string_to_sign: &str, provided: &str) -> bool {
        signed_by(self.mac.clone(), string_to_sign, provided)
    }
}

/// Constant-time equality of two 64-character hex signatures, eight bytes at a time (byte by byte,
/// `subtle` hides each of the 64 comparisons from the optimiser separately).
fn hex_signatures_match(expected: &[u8; 64], provided: &[u8]) -> bool {
    let Ok(provided) = <&[u8; 64]>::try_from(provided) else {
        return false;
    };
    let word = |bytes: &[u8]| {
        let mut word = [0u8; 8];
        word.copy_from_slice(bytes);
        u64::from_ne_bytes(word)
    };
    let same = expected
        .chunks_exact(8)
        .zip(provided.chunks_exact(8))
        .fold(subtle::Choice::from(1), |same, (e, p)| {
            same & word(e).ct_eq(&word(p))
        });
    same.into()
}

/// The canonical request of `req` for the given signed headers and payload-hash line, built in
/// one buffer (the steps' own functions above each return a `String`; this runs per request).
pub(crate) fn canonical_request_for(
    req: &RequestParts<'_>,
    signed_headers: &[impl AsRef<str>],
    payload_hash: &str,
    presigned: bool,
) -> String {
    let mut out = String::with_capacity(
        256 + req.method.len() + 2 * (req.raw_path.len() + req.raw_query.len()),
    );
    out.push_str(req.method);
    out.push('\n');
    push_canonical_uri(&mut out, req.raw_path);
    out.push('\n');
    match req.raw_params {
        Some(params) => {
            push_canonical_params(&mut out, params.iter().copied(), params.len(), presigned)
        }
        None => push_canonical_query(&mut out, req.raw_query, presigned),
    }
    out.push('\n');
    push_canonical_headers(&mut out, req.headers, signed_headers);
    out.push('\n');
    for (i, name) in signed_headers.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name.as_ref());
    }
    out.push('\n');
    out.push_str(payload_hash);
    out
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

fn split_secs(secs: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let (m, d) = (i64::from(m), i64::from(d));
    let rem = secs.rem_euclid(86_400);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// ISO 8601 basic format, as in `X-Amz-Date`: `20150830T123600Z`.
pub fn format_amz_date(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = split_secs(unix_secs(t));
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// ISO 8601 extended format, as S3 writes `ServerTime` and `Expires`: `2015-08-30T12:36:00Z`.
pub fn format_iso8601(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = split_secs(unix_secs(t));
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Parses `YYYYMMDDTHHMMSSZ` strictly; `None` for anything else, including impossible dates.
pub fn parse_amz_date(s: &str) -> Option<SystemTime> {
    parse_amz_date_secs(s).map(system_time)
}

fn parse_amz_date_secs(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, sec) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || d < 1 || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let days_in_month = days_from_civil(if mo == 12 { y + 1 } else { y }, mo % 12 + 1, 1)
        - days_from_civil(y, mo, 1);
    if d > days_in_month {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/// Checks a request's signature, presigned query first, then the Authorization header, else the
/// request is anonymous (the server decides what anonymous may do).
pub fn authenticate(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    now: SystemTime,
) -> Result<Authenticated, S3Error> {
    authenticate_parsed(req, cfg, now, &query_params(req.raw_query))
}

/// [`authenticate`] with the request's query already decoded by [`query_params`] (the caller
/// looked at it to choose between SigV4 and SigV2; decoding it again was 2% of a GET).
pub(super) fn authenticate_parsed(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    now: SystemTime,
    params: &[QueryParam<'_>],
) -> Result<Authenticated, S3Error> {
    // The presigned query goes first: a browser following a presigned URL may attach an
    // Authorization header of its own (e.g. credentials for the page it came from), and the URL's
    // signature is what its issuer granted.
    if param(params, "X-Amz-Algorithm").is_some() {
        return authenticate_presigned(req, cfg, now, params);
    }
    if let Some(authz) = header(req, "authorization") {
        return authenticate_header(req, cfg, now, authz, None);
    }
    if param(params, "AWSAccessKeyId").is_some() && param(params, "Signature").is_some() {
        return Err(unsupported_mechanism());
    }
    Ok(Authenticated {
        identity: Identity::Anonymous,
        service: Cow::Borrowed(""),
        payload: PayloadMode::Unsigned,
        scope: None,
    })
}

/// Like [`authenticate`], for services whose clients sign the body's hash without sending it in
/// `x-amz-content-sha256` (STS, and the other query-protocol services): the caller has read the
/// (small) body and supplies its hex SHA-256, which is then the canonical request's payload hash.
/// A `x-amz-content-sha256` header, when sent, still wins, and the caller checks it against the
/// body through the returned [`PayloadMode`]. Presigned queries are verified as usual
/// (`UNSIGNED-PAYLOAD`).
pub fn authenticate_with_body_hash(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    now: SystemTime,
    body_sha256: &str,
) -> Result<Authenticated, S3Error> {
    let params = query_params(req.raw_query);
    if param(&params, "X-Amz-Algorithm").is_some() {
        return authenticate_presigned(req, cfg, now, &params);
    }
    if let Some(authz) = header(req, "authorization") {
        return authenticate_header(req, cfg, now, authz, Some(body_sha256));
    }
    authenticate(req, cfg, now)
}

/// One decoded query parameter; borrowed from the raw query when it has no escapes.
pub(crate) type QueryParam<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Decoded query parameters in order (lossy UTF-8: only the X-Amz-* ones are looked at), decoded
/// as the router decodes them.
pub(super) fn query_params(raw_query: &str) -> Vec<QueryParam<'_>> {
    crate::router::Query::parse_lossy(raw_query).into_pairs()
}

fn param<'a>(params: &'a [QueryParam<'_>], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_ref())
}

fn header<'a>(req: &RequestParts<'a>, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

fn unsupported_mechanism() -> S3Error {
    s3_error!(
        InvalidRequest,
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
    )
}

/// Which form of SigV4 an error is about; S3 words the two differently.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Header,
    Query,
}

impl Form {
    fn malformed(self, what: &str) -> S3Error {
        match self {
            Form::Header => s3_error!(
                AuthorizationHeaderMalformed,
                "The authorization header is malformed; {what}"
            ),
            Form::Query => s3_error!(
                AuthorizationQueryParametersError,
                "Error parsing the X-Amz-Credential parameter; {what}"
            ),
        }
    }
}

/// The parsed `Credential` (`AKID/DATE/REGION/SERVICE/aws4_request`).
struct Credential<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

impl<'a> Credential<'a> {
    /// `DATE/REGION/SERVICE/aws4_request` in pieces, for writing without building it first.
    fn scope_parts(&self) -> [&'a str; 7] {
        [
            self.date,
            "/",
            self.region,
            "/",
            self.service,
            "/",
            TERMINATOR,
        ]
    }

    fn scope(&self) -> String {
        self.scope_parts().concat()
    }
}

fn parse_credential<'a>(
    credential: &'a str,
    cfg: &AuthConfig,
    form: Form,
) -> Result<Credential<'a>, S3Error> {
    let mut parts = crate::ascii::split_byte(credential, b'/');
    // Evaluated left to right: the five parts in order, then nothing after them.
    let (Some(access_key), Some(date), Some(region), Some(service), Some(terminator), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(form.malformed(
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ));
    };
    if access_key.is_empty() || date.is_empty() || service.is_empty() {
        return Err(form.malformed(
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ));
    }
    if terminator != TERMINATOR {
        return Err(form.malformed(&format!(
            "incorrect terminal \"{terminator}\". This endpoint uses \"{TERMINATOR}\"."
        )));
    }
    // Hand-built presigned URLs often carry an empty or made-up region; the signature covers it
    // anyway, so it is only enforced when the operator asks for it.
    if cfg.strict_region && region != cfg.region {
        return Err(form
            .malformed(&format!(
                "the region '{region}' is wrong; expecting '{}'",
                cfg.region
            ))
            .detail("Region", cfg.region.clone()));
    }
    Ok(Credential {
        access_key,
        date,
        region,
        service,
    })
}

fn check_scope_date(cred: &Credential<'_>, amz_date: &str, form: Form) -> Result<(), S3Error> {
    if amz_date.get(..8) == Some(cred.date) {
        Ok(())
    } else {
        Err(form.malformed(&format!(
            "Invalid credential date \"{}\". This date is not the same as X-Amz-Date: \"{}\".",
            cred.date,
            amz_date.get(..8).unwrap_or(amz_date)
        )))
    }
}

/// Signed header names lower-cased, in the order given (the signer's canonical request used it).
fn parse_signed_headers(list: &str) -> Option<Vec<Cow<'_, str>>> {
    // Signers send them lower-case already: borrowed unless they did not.
    let names: Vec<Cow<'_, str>> = crate::ascii::split_byte(list, b';')
        .map(|n| {
            let n = n.trim();
            if n.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(n.to_ascii_lowercase())
            } else {
                Cow::Borrowed(n)
            }
        })
        .collect();
    if names.iter().any(|n| n.is_empty()) {
        return None;
    }
    Some(names)
}

/// What `x-amz-content-sha256` (or a presigned URL's payload line) says about the body, before
/// the signing key is known.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PayloadKind {
    Unsigned,
    Sha256(String),
    Chunked { signed: bool, trailer: bool },
}

fn payload_kind(value: &str) -> Result<PayloadKind, S3Error> {
    Ok(match value {
        UNSIGNED_PAYLOAD => PayloadKind::Unsigned,
        STREAMING_PAYLOAD => PayloadKind::Chunked {
            signed: true,
            trailer: false,
        },
        STREAMING_PAYLOAD_TRAILER => PayloadKind::Chunked {
            signed: true,
            trailer: true,
        },
        STREAMING_UNSIGNED_PAYLOAD_TRAILER => PayloadKind::Chunked {
            signed: false,
            trailer: true,
        },
        v if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
            PayloadKind::Sha256(v.to_ascii_lowercase())
        }
        _ => {
            return Err(s3_error!(
            InvalidArgument,
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, \
                 STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, \
                 or a valid sha256 value."
        )
            .detail("ArgumentName", "x-amz-content-sha256")
            .detail("ArgumentValue", value))
        }
    })
}

/// Space-separated lower-case hex bytes, as S3 shows `StringToSignBytes`.
fn spaced_hex(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for (i, b) in s.bytes().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Everything both forms have once parsed.
struct Claim<'a> {
    cred: Credential<'a>,
    amz_date: Cow<'a, str>,
    signed_headers: Vec<Cow<'a, str>>,
    signature: &'a str,
    /// The payload-hash line of the canonical request.
    payload_hash: &'a str,
    payload: PayloadKind,
    presigned: bool,
    /// The request time (`X-Amz-Date` or `Date`), seconds since the epoch.
    signed_at: i64,
}

/// The first of the grant's secrets that signed `string_to_sign` as claimed, and its signing key.
fn matching_key<'g>(
    grant: &'g Grant<'_>,
    claim: &Claim<'_>,
    string_to_sign: &str,
) -> Option<(&'g str, [u8; 32])> {
    let (date, region, service) = (claim.cred.date, claim.cred.region, claim.cred.service);
    grant.secrets.iter().find_map(|secret| {
        let cached = SIGNING_KEYS.with_borrow(|keys| {
            keys.iter()
                .find(|(scope, _)| scope.is(secret, date, region, service))
                .map(|(_, key)| {
                    key.signed(string_to_sign, claim.signature)
                        .then_some(key.key)
                })
        });
        let key = match cached {
            Some(matched) => matched,
            None => {
                let key = SigningKey::new(signing_key(secret, date, region, service));
                key.signed(string_to_sign, claim.signature).then(|| {
                    let bytes = key.key;
                    remember_signing_key(secret, date, region, service, key);
                    bytes
                })
            }
        };
        key.map(|key| (secret.as_str(), key))
    })
}

/// What a signing key is derived from.
struct KeyScope {
    secret: String,
    date: String,
    region: String,
    service: String,
}

impl KeyScope {
    fn is(&self, secret: &str, date: &str, region: &str, service: &str) -> bool {
        self.date == date
            && self.region == region
            && self.service == service
            && self.secret == secret
    }
}

thread_local! {
    /// Signing keys that verified a signature on this thread: a key changes once a day per
    /// secret, and deriving it is four HMACs, a quarter of a presigned GET's instructions under
    /// callgrind. Only keys that matched are kept, so requests with made-up scopes cannot churn
    /// the cache. Per thread, so that workers neither wait for each other nor allocate a lookup
    /// key (a process-wide mutex was contended at 16 connections).
    static SIGNING_KEYS: std::cell::RefCell<Vec<(KeyScope, SigningKey)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Keys kept at most per thread; past it the cache starts over (yesterday's keys go with it).
const SIGNING_KEYS_KEPT: usize = 32;

fn remember_signing_key(secret: &str, date: &str, region: &str, service: &str, key: SigningKey) {
    SIGNING_KEYS.with_borrow_mut(|keys| {
        if keys.len() >= SIGNING_KEYS_KEPT {
            keys.clear();
        }
        let scope = KeyScope {
            secret: secret.to_string(),
            date: date.to_string(),
            region: region.to_string(),
            service: service.to_string(),
        };
        keys.push((scope, key));
    });
}

/// Recomputes the signature with each of the key's secrets, over the request's own `Host` and
/// then over each `--host-alias`; on success returns the signing key (for aws-chunked bodies).
fn verify_signature(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    grant: &Grant<'_>,
    claim: &Claim<'_>,
) -> Result<[u8; 32], S3Error> {
    let memo = verified::applies(req, claim);
    if memo {
        if let Some(key) = verified::lookup(req, cfg, claim, grant) {
            return Ok(key);
        }
    }
    let creq = canonical_request_for(
        req,
        &claim.signed_headers,
        claim.payload_hash,
        claim.presigned,
    );
    let scope = claim.cred.scope_parts();
    let sts = string_to_sign(&claim.amz_date, &scope, &creq);
    if let Some((secret, key)) = matching_key(grant, claim, &sts) {
        if memo {
            verified::remember(req, cfg, claim, secret, key);
        }
        return Ok(key);
    }
    let host = header(req, "host").unwrap_or_default();
    for alias in cfg
        .host_aliases
        .iter()
        .filter(|a| !a.eq_ignore_ascii_case(host))
    {
        let headers: Vec<HeaderPair<'_>> = req
            .headers
            .iter()
            .map(|(n, v)| match *n {
                "host" => (*n, Cow::Borrowed(alias.as_str())),
                _ => (*n, v.clone()),
            })
            .collect();
        let aliased = RequestParts {
            headers: &headers,
            ..req.clone()
        };
        let creq = canonical_request_for(
            &aliased,
            &claim.signed_headers,
            claim.payload_hash,
            claim.presigned,
        );
        if let Some((secret, key)) = matching_key(
            grant,
            claim,
            &string_to_sign(&claim.amz_date, &scope, &creq),
        ) {
            tracing::info!(host, alias = %alias, access_key = claim.cred.access_key, "signature matched a --host-alias");
            if memo {
                // Keyed by the request as sent (its own Host), which is what a repeat will send.
                verified::remember(req, cfg, claim, secret, key);
            }
            return Ok(key);
        }
    }
    // The details let a client author diff their canonical request against ours, as S3 allows.
    Err(s3_error!(SignatureDoesNotMatch)
        .detail("AWSAccessKeyId", claim.cred.access_key)
        .detail("StringToSign", sts.as_str())
        .detail("SignatureProvided", claim.signature)
        .detail("StringToSignBytes", spaced_hex(&sts))
        .detail("CanonicalRequest", creq.as_str())
        .detail("CanonicalRequestBytes", spaced_hex(&creq)))
}

fn finish(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    claim: Claim<'_>,
    grant: Grant<'_>,
) -> Result<Authenticated, S3Error> {
    let key = verify_signature(req, cfg, &grant, &claim)?;
    grant.check_revocation(
        &cfg.keys,
        claim.presigned.then_some(claim.signature),
        SignedAt::Known(claim.signed_at),
    )?;
    let payload = match claim.payload {
        PayloadKind::Unsigned => PayloadMode::Unsigned,
        PayloadKind::Sha256(hash) => PayloadMode::Sha256(hash),
        PayloadKind::Chunked { signed, trailer } => PayloadMode::Chunked {
            signing: signed.then(|| ChunkSigning {
                signing_key: key.to_vec(),
                amz_date: claim.amz_date.to_string(),
                scope: claim.cred.scope(),
                seed_signature: claim.signature.to_string(),
            }),
            trailer,
        },
    };
    Ok(Authenticated {
        identity: Identity::AccessKey(claim.cred.access_key.to_string()),
        service: match claim.cred.service {
            "s3" => Cow::Borrowed("s3"),
            "sts" => Cow::Borrowed("sts"),
            other => Cow::Owned(other.to_string()),
        },
        payload,
        scope: grant.scope,
    })
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
struct AuthorizationHeader<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<AuthorizationHeader<'_>, S3Error> {
    let Some(rest) = value.strip_prefix(ALGORITHM) else {
        if value.starts_with("AWS ") {
            // Signature Version 2.
            return Err(unsupported_mechanism());
        }
        return Err(s3_error!(InvalidArgument, "Unsupported Authorization Type")
            .detail("ArgumentName", "Authorization")
            .detail("ArgumentValue", value));
    };
    if !rest.starts_with([' ', '\t']) {
        return Err(Form::Header.malformed(&format!(
            "the authorization component \"{value}\" is malformed."
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    // Components are separated by commas, with or without spaces after them.
    for component in rest.split(',').map(str::trim) {
        let slot = match component.split_once('=') {
            Some(("Credential", v)) => (&mut credential, v),
            Some(("SignedHeaders", v)) => (&mut signed_headers, v),
            Some(("Signature", v)) => (&mut signature, v),
            _ => {
                return Err(Form::Header.malformed(&format!(
                    "the authorization component \"{component}\" is malformed."
                )))
            }
        };
        *slot.0 = Some(slot.1.trim());
    }
    match (credential, signed_headers, signature) {
        (Some(credential), Some(signed_headers), Some(signature)) => Ok(AuthorizationHeader {
            credential,
            signed_headers,
            signature,
        }),
        _ => Err(Form::Header.malformed(
            "the authorization header requires three components: Credential, SignedHeaders, and Signature.",
        )),
    }
}

fn authenticate_header(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    now: SystemTime,
    authz: &str,
    body_sha256: Option<&str>,
) -> Result<Authenticated, S3Error> {
    let parsed = parse_authorization(authz)?;
    let cred = parse_credential(parsed.credential, cfg, Form::Header)?;
    let signed_headers = parse_signed_headers(parsed.signed_headers).ok_or_else(|| {
        Form::Header.malformed(&format!(
            "the authorization component \"SignedHeaders={}\" is malformed.",
            parsed.signed_headers
        ))
    })?;
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(Form::Header.malformed("the SignedHeaders must include 'host'."));
    }

    // The request time: x-amz-date, else the Date header (RFC 1123), converted for the string to
    // sign to the ISO 8601 basic form the signer used.
    let (raw_time, secs, amz_date) = if let Some(v) = header(req, "x-amz-date") {
        (v, parse_amz_date_secs(v), Cow::Borrowed(v))
    } else if let Some(v) = header(req, "date") {
        let secs = httpdate::parse_http_date(v).ok().map(unix_secs);
        (
            v,
            secs,
            Cow::Owned(
                secs.map(|s| format_amz_date(system_time(s)))
                    .unwrap_or_default(),
            ),
        )
    } else {
        ("", None, Cow::Borrowed(""))
    };
    let Some(request_secs) = secs else {
        return Err(s3_error!(
            AccessDenied,
            "AWS authentication requires a valid Date or x-amz-date header"
        ));
    };
    check_scope_date(&cred, &amz_date, Form::Header)?;
    let grant = cfg.grant(cred.access_key, header(req, "x-amz-security-token"), now)?;
    let now_secs = unix_secs(now);
    if request_secs.abs_diff(now_secs) > MAX_SKEW_SECS.unsigned_abs() {
        return Err(s3_error!(RequestTimeTooSkewed)
            .detail("RequestTime", raw_time)
            .detail("ServerTime", format_iso8601(now))
            .detail(
                "MaxAllowedSkewMilliseconds",
                (MAX_SKEW_SECS * 1000).to_string(),
            ));
    }
    let Some(content_sha) = header(req, "x-amz-content-sha256").or(body_sha256) else {
        return Err(s3_error!(
            InvalidRequest,
            "Missing required header for this request: x-amz-content-sha256"
        ));
    };
    let payload = payload_kind(content_sha)?;
    let claim = Claim {
        cred,
        amz_date,
        signed_headers,
        signature: parsed.signature,
        payload_hash: content_sha,
        payload,
        presigned: false,
        signed_at: request_secs,
    };
    finish(req, cfg, claim, grant)
}

fn query_error(message: &str) -> S3Error {
    s3_error!(AuthorizationQueryParametersError, "{message}")
}

fn authenticate_presigned(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    now: SystemTime,
    params: &[QueryParam<'_>],
) -> Result<Authenticated, S3Error> {
    if param(params, "X-Amz-Algorithm") != Some(ALGORITHM) {
        return Err(query_error(
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
        ));
    }
    let (Some(credential), Some(signature), Some(date), Some(signed), Some(expires)) = (
        param(params, "X-Amz-Credential"),
        param(params, "X-Amz-Signature"),
        param(params, "X-Amz-Date"),
        param(params, "X-Amz-SignedHeaders"),
        param(params, "X-Amz-Expires"),
    ) else {
        return Err(query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, \
             X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        ));
    };
    let cred = parse_credential(credential, cfg, Form::Query)?;
    let Some(date_secs) = parse_amz_date_secs(date) else {
        return Err(query_error(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        ));
    };
    let expires_secs: i64 = match expires.parse::<i64>() {
        Err(_) => return Err(query_error("X-Amz-Expires should be a number")),
        Ok(n) if n < 0 => return Err(query_error("X-Amz-Expires must be non-negative")),
        Ok(0) => return Err(query_error("X-Amz-Expires must be at least 1 (second)")),
        Ok(n) if n > MAX_PRESIGNED_EXPIRES => {
            return Err(query_error(
                "X-Amz-Expires must be less than a week (in seconds) that is 604800",
            ))
        }
        Ok(n) => n,
    };
    check_scope_date(&cred, date, Form::Query)?;
    let signed_headers = parse_signed_headers(signed).ok_or_else(|| {
        query_error("Error parsing the X-Amz-SignedHeaders parameter; it is malformed.")
    })?;
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(query_error(
            "Error parsing the X-Amz-SignedHeaders parameter; it must include 'host'.",
        ));
    }
    let token =
        param(params, "X-Amz-Security-Token").or_else(|| header(req, "x-amz-security-token"));
    let grant = cfg.grant(cred.access_key, token, now)?;
    let now_secs = unix_secs(now);
    if date_secs.saturating_sub(now_secs) > MAX_SKEW_SECS {
        return Err(s3_error!(AccessDenied, "Request is not valid yet"));
    }
    if date_secs.saturating_add(expires_secs) < now_secs {
        return Err(s3_error!(AccessDenied, "Request has expired")
            .detail("X-Amz-Expires", expires)
            .detail(
                "Expires",
                format_iso8601(system_time(date_secs.saturating_add(expires_secs))),
            )
            .detail("ServerTime", format_iso8601(now)));
    }
    // Presigned URLs normally leave the body unsigned; a signer may still have signed a hash.
    let payload_hash = header(req, "x-amz-content-sha256")
        .or_else(|| param(params, "X-Amz-Content-Sha256"))
        .unwrap_or(UNSIGNED_PAYLOAD);
    let payload = payload_kind(payload_hash)?;
    let claim = Claim {
        cred,
        amz_date: Cow::Borrowed(date),
        signed_headers,
        signature,
        payload_hash,
        payload,
        presigned: true,
        signed_at: date_secs,
    };
    finish(req, cfg, claim, grant)
}

// ---------------------------------------------------------------------------------------------
// Signer
// ---------------------------------------------------------------------------------------------

/// Who signs, for which scope, at what time.
#[derive(Debug, Clone)]
pub struct SigningParams<'a> {
    pub access_key: &'a str,
    pub secret_key: &'a str,
    pub region: &'a str,
    /// `s3` for object storage requests.
    pub service: &'a str,
    pub time: SystemTime,
    /// A session token (temporary credentials); signed as `x-amz-security-token`.
    pub session_token: Option<&'a str>,
}

impl SigningParams<'_> {
    fn date(&self) -> (String, String) {
        let amz_date = format_amz_date(self.time);
        let day = amz_date.get(..8).unwrap_or_default().to_string();
        (amz_date, day)
    }
}

/// The result of [`sign_request_headers`].
#[derive(Debug, Clone)]
pub struct SignedRequest {
    /// Headers to add to the request: `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token` (with a session token) and `authorization`.
    pub headers: Vec<(String, String)>,
    /// The request signature (the seed of an aws-chunked body's signature chain).
    pub signature: String,
    /// What an aws-chunked encoder needs to sign the chunks of this request's body.
    pub chunk_signing: ChunkSigning,
}

/// Signs a request for `Authorization`-header authentication.
///
/// - `raw_path` / `raw_query`: exactly as they will appear on the request line (percent-encoded;
///   build a path with [`uri_encode`]`(key, true)`), query without the leading `?`.
/// - `headers`: the headers to sign, names in any case; must include `host` (with the port when it
///   is not the scheme's default, as HTTP clients send it). Any `x-amz-date`,
///   `x-amz-content-sha256`, `x-amz-security-token` or `authorization` among them are replaced.
/// - `payload_hash`: hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`, or one of the `STREAMING-*`
///   values for aws-chunked bodies; sent as `x-amz-content-sha256`.
pub fn sign_request_headers(
    params: &SigningParams<'_>,
    method: &str,
    raw_path: &str,
    raw_query: &str,
    headers: &[(String, String)],
    payload_hash: &str,
) -> SignedRequest {
    let (amz_date, day) = params.date();
    let replaced = [
        "x-amz-date",
        "x-amz-content-sha256",
        "x-amz-security-token",
        "authorization",
    ];
    let mut all: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| !replaced.iter().any(|r| n.eq_ignore_ascii_case(r)))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    let mut added = vec![
        ("x-amz-date".to_string(), amz_date.clone()),
        ("x-amz-content-sha256".to_string(), payload_hash.to_string()),
    ];
    if let Some(token) = params.session_token {
        added.push(("x-amz-security-token".to_string(), token.to_string()));
    }
    all.extend(added.iter().cloned());
    let mut names: Vec<String> = all.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    names.dedup();

    let scope = credential_scope(&day, params.region, params.service);
    let borrowed = borrow_headers(&all);
    let req = RequestParts {
        method,
        raw_path,
        raw_query,
        raw_params: None,
        headers: &borrowed,
        virtual_bucket: None,
    };
    let creq = canonical_request_for(&req, &names, payload_hash, false);
    let sts = create_string_to_sign(&amz_date, &scope, &creq);
    let key = derive_signing_key(params.secret_key, &day, params.region, params.service);
    let signature = calculate_signature(&key, &sts);
    added.push((
        "authorization".to_string(),
        format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
            params.access_key,
            names.join(";")
        ),
    ));
    SignedRequest {
        headers: added,
        chunk_signing: ChunkSigning {
            signing_key: key,
            amz_date,
            scope,
            seed_signature: signature.clone(),
        },
        signature,
    }
}

/// Builds the query string of a presigned URL: `raw_query` (as on the request line, may be empty)
/// followed by `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
/// `X-Amz-SignedHeaders` (`X-Amz-Security-Token` with a session token) and `X-Amz-Signature`.
/// `headers` are the headers the URL's user must send unchanged (must include `host`); the payload
/// is `UNSIGNED-PAYLOAD`. `expires_secs` should be 1..=604800 for S3 to accept it.
pub fn presign_query(
    params: &SigningParams<'_>,
    method: &str,
    raw_path: &str,
    raw_query: &str,
    headers: &[(String, String)],
    expires_secs: u64,
) -> String {
    let (amz_date, day) = params.date();
    let scope = credential_scope(&day, params.region, params.service);
    let mut names: Vec<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();

    let mut query = raw_query.to_string();
    let mut add = |k: &str, v: &str| {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(k);
        query.push('=');
        query.push_str(&uri_encode(v.as_bytes(), false));
    };
    add("X-Amz-Algorithm", ALGORITHM);
    add(
        "X-Amz-Credential",
        &format!("{}/{scope}", params.access_key),
    );
    add("X-Amz-Date", &amz_date);
    add("X-Amz-Expires", &expires_secs.to_string());
    add("X-Amz-SignedHeaders", &names.join(";"));
    if let Some(token) = params.session_token {
        add("X-Amz-Security-Token", token);
    }

    let borrowed = borrow_headers(headers);
    let req = RequestParts {
        method,
        raw_path,
        raw_query: &query,
        raw_params: None,
        headers: &borrowed,
        virtual_bucket: None,
    };
    let creq = canonical_request_for(&req, &names, UNSIGNED_PAYLOAD, true);
    let sts = create_string_to_sign(&amz_date, &scope, &creq);
    let key = derive_signing_key(params.secret_key, &day, params.region, params.service);
    let signature = calculate_signature(&key, &sts);
    query.push_str("&X-Amz-Signature=");
    query.push_str(&signature);
    query
}

/// A presigned URL for `endpoint` (`http://host:port`, no path) and `raw_path` (percent-encoded,
/// starting with `/`), signing only the `host` header, taken from the endpoint as written.
pub fn presign_url(
    params: &SigningParams<'_>,
    endpoint: &str,
    method: &str,
    raw_path: &str,
    raw_query: &str,
    expires_secs: u64,
) -> String {
    let endpoint = endpoint.trim_end_matches('/');
    let authority = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    let host = authority.split('/').next().unwrap_or(authority);
    let headers = [("host".to_string(), host.to_string())];
    let query = presign_query(params, method, raw_path, raw_query, &headers, expires_secs);
    format!("{endpoint}{raw_path}?{query}")
}

#[cfg(test)]
mod canonical_tests;

#[cfg(test)]
mod tests;
