//! Helpers shared by the auth unit tests: vector files, raw HTTP parsing, body streams.

use super::body::RawBody;
use super::sigv4;
use super::{AuthConfig, RequestParts};
use bytes::Bytes;
use futures_util::StreamExt;
use std::path::PathBuf;
use std::time::SystemTime;

pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/auth/testdata")
        .join(rel)
}

/// A vector file as its conventions say to read it: `\r` stripped.
pub fn read_vector(path: &std::path::Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .replace('\r', "")
}

pub fn s3_examples() -> serde_json::Value {
    serde_json::from_str(&read_vector(&testdata("s3-examples.json"))).expect("s3-examples.json")
}

/// A request as a vector file spells it.
#[derive(Debug, Clone)]
pub struct HttpText {
    pub method: String,
    /// Request-line target, as written in the file (may be unencoded).
    pub target: String,
    /// Names lower-cased, values as written (obs-fold continuations joined with a space).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpText {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path and query an HTTP client would put on the wire for this target.
    pub fn wire(&self) -> (String, String) {
        let encoded = wire_encode(&self.target);
        match encoded.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (encoded, String::new()),
        }
    }
}

/// Encodes what cannot appear literally in a request target (non-ASCII, space, controls), keeping
/// existing `%XX` escapes, as an HTTP client does with a URL typed by hand.
pub fn wire_encode(target: &str) -> String {
    let mut out = String::new();
    for b in target.bytes() {
        if b <= 0x20 || b >= 0x7f {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

pub fn parse_http(text: &str) -> HttpText {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.split('\n');
    let first = lines.next().expect("request line");
    let (method, rest) = first.split_once(' ').expect("method");
    let target = rest.rsplit_once(" HTTP/").expect("HTTP version").0;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().expect("continuation after a header");
            last.1.push(' ');
            last.1.push_str(line);
        } else {
            let (n, v) = line.split_once(':').expect("header line");
            headers.push((n.to_ascii_lowercase(), v.to_string()));
        }
    }
    HttpText {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

pub fn time(amz_date: &str) -> SystemTime {
    sigv4::parse_amz_date(amz_date).expect("valid amz date")
}

pub fn cfg(access_key: &str, secret_key: &str) -> AuthConfig {
    AuthConfig::root(access_key, secret_key, "us-east-1")
}

pub fn parts<'a>(
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: &'a [(String, String)],
) -> RequestParts<'a> {
    RequestParts {
        method,
        raw_path: path,
        raw_query: query,
        raw_params: None,
        // Leaked: a test's few bytes, so that tests can keep passing owned pairs.
        headers: Box::leak(super::borrow_headers(headers).into_boxed_slice()),
        virtual_bucket: None,
    }
}

pub fn hdrs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// A raw body delivering `data` in pieces of the given sizes, cycling through them.
pub fn stream_in(data: &[u8], sizes: &[usize]) -> RawBody {
    let mut pieces = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].max(1).min(rest.len());
        pieces.push(Ok(Bytes::copy_from_slice(&rest[..n])));
        rest = &rest[n..];
        i += 1;
    }
    futures_util::stream::iter(pieces).boxed_local()
}

/// A raw body that delivers `data` then fails as a dropped connection does.
pub fn stream_then_error(data: &[u8]) -> RawBody {
    let items = vec![
        Ok(Bytes::copy_from_slice(data)),
        Err(actix_web::error::PayloadError::Incomplete(None)),
    ];
    futures_util::stream::iter(items).boxed_local()
}
