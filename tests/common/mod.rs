//! Shared harness of the tests: an in-process minis3 on a temp store and a signing client here;
//! the real binary as a child process (with an SDK client) in `process`.

#![allow(dead_code)]

pub mod process;

use actix_http::Request;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{self, TestRequest};
use actix_web::{web, App};
use bytes::Bytes;
use clap::Parser;
use minis3::auth::sigv4::{self, SigningParams};
use minis3::config::{Cli, ServeConfig};
use minis3::server::{configure, AppState};
use minis3::storage::Store;
use std::time::{Duration, SystemTime};

pub const ACCESS_KEY: &str = "minis3admin";
pub const SECRET_KEY: &str = "minis3admin";
pub const HOST: &str = "127.0.0.1:9000";

/// A response, fully read.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `<Code>` of an S3 error body.
    pub fn error_code(&self) -> String {
        element(&self.text(), "Code").unwrap_or_default()
    }
}

/// The text of the first `<name>` element in a document.
pub fn element(doc: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = doc.find(&open)? + open.len();
    let end = doc[start..].find(&format!("</{name}>"))? + start;
    Some(doc[start..end].to_string())
}

/// Every `<name>` element's text, in order.
pub fn elements(doc: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(after[..end].to_string());
        rest = &after[end + close.len()..];
    }
    out
}

pub fn default_config(data_dir: &std::path::Path) -> ServeConfig {
    let mut config = Cli::parse_from(["minis3"]).serve;
    config.data_dir = data_dir.to_path_buf();
    config
}

/// An in-process server on a fresh temp store.
pub struct TestServer<S> {
    pub service: S,
    pub dir: tempfile::TempDir,
}

pub async fn start(
) -> TestServer<impl Service<Request, Response = ServiceResponse, Error = actix_web::Error>> {
    start_with(|_| {}).await
}

/// Opens the store in `dir`, waiting up to 5 s for the directory's lock when an earlier store on
/// it was just dropped: sled 0.34 does not wait for its thread pool's last log writes when the
/// last handle goes, so in one process the lock can outlive the drop by a moment.
pub fn open_store(dir: &std::path::Path) -> Store {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match Store::open(dir, 16 << 20) {
            Ok(store) => return store,
            Err(e)
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("store opens: {e}"),
        }
    }
}

/// An in-process server whose settings `adjust` changes first.
pub async fn start_with(
    adjust: impl FnOnce(&mut ServeConfig),
) -> TestServer<impl Service<Request, Response = ServiceResponse, Error = actix_web::Error>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = default_config(dir.path());
    adjust(&mut config);
    let store = Store::open(dir.path(), 16 << 20).expect("store opens");
    let state = web::Data::new(AppState::new(store, config).expect("app state"));
    let service = test::init_service(App::new().configure(configure(state))).await;
    TestServer { service, dir }
}

/// A request about to be signed.
pub struct Req {
    pub method: &'static str,
    /// Percent-encoded path, as on the request line.
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub host: String,
    pub time: SystemTime,
    pub secret: String,
    pub access_key: String,
    /// Whether a configuration body gets the Content-MD5 S3 requires (as every SDK adds it).
    pub content_md5: bool,
}

/// Requests whose body S3 wants a Content-MD5 (or checksum) for: DeleteObjects and the
/// configuration PUTs minis3 implements.
fn needs_content_md5(method: &str, query: &str) -> bool {
    let names: Vec<&str> = query
        .split('&')
        .map(|pair| pair.split('=').next().unwrap_or(""))
        .collect();
    let has = |name: &str| names.contains(&name);
    match method {
        "POST" => has("delete"),
        "PUT" => [
            "tagging",
            "cors",
            "encryption",
            "publicAccessBlock",
            "ownershipControls",
            "policy",
            "lifecycle",
        ]
        .into_iter()
        .any(has),
        _ => false,
    }
}

impl Req {
    pub fn new(method: &'static str, path: &str) -> Self {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        Req {
            method,
            path: path.to_string(),
            query: query.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
            host: HOST.to_string(),
            time: SystemTime::now(),
            secret: SECRET_KEY.to_string(),
            access_key: ACCESS_KEY.to_string(),
            content_md5: true,
        }
    }

    /// Leaves out the Content-MD5 a configuration body would otherwise get.
    pub fn without_content_md5(mut self) -> Self {
        self.content_md5 = false;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    fn params(&self) -> SigningParams<'_> {
        SigningParams {
            access_key: &self.access_key,
            secret_key: &self.secret,
            region: "us-east-1",
            service: "s3",
            time: self.time,
            session_token: None,
        }
    }

    fn target(&self, query: &str) -> String {
        if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, query)
        }
    }

    fn build(&self, query: &str, extra: &[(String, String)], body: Vec<u8>) -> TestRequest {
        let method = actix_web::http::Method::from_bytes(self.method.as_bytes()).expect("method");
        let mut req = TestRequest::default()
            .method(method)
            .uri(&self.target(query));
        req = req.insert_header(("host", self.host.as_str()));
        for (name, value) in self.headers.iter().chain(extra) {
            req = req.append_header((name.as_str(), value.as_str()));
        }
        let has_md5 = self.headers.iter().any(|(name, _)| name == "content-md5");
        if self.content_md5 && !has_md5 && needs_content_md5(self.method, &self.query) {
            use base64::Engine;
            use md5::Digest;
            let digest = md5::Md5::digest(&body);
            let value = base64::engine::general_purpose::STANDARD.encode(digest);
            req = req.insert_header(("content-md5", value));
        }
        if !body.is_empty() || self.method == "PUT" || self.method == "POST" {
            req = req.insert_header(("content-length", body.len().to_string()));
        }
        req.set_payload(body)
    }

    /// Signed in the Authorization header with the body's SHA-256.
    pub fn signed(self) -> TestRequest {
        let hash = sigv4::sha256_hex(&self.body);
        self.signed_with_payload_hash(&hash)
    }

    pub fn signed_with_payload_hash(self, payload_hash: &str) -> TestRequest {
        let mut to_sign = vec![("host".to_string(), self.host.clone())];
        to_sign.extend(self.headers.iter().cloned());
        let signed = sigv4::sign_request_headers(
            &self.params(),
            self.method,
            &self.path,
            &self.query,
            &to_sign,
            payload_hash,
        );
        self.build(&self.query, &signed.headers, self.body.clone())
    }

    /// A presigned URL for this request (signing `host` and the request's own headers).
    pub fn presigned(self, expires: u64) -> TestRequest {
        let mut to_sign = vec![("host".to_string(), self.host.clone())];
        to_sign.extend(self.headers.iter().cloned());
        let query = sigv4::presign_query(
            &self.params(),
            self.method,
            &self.path,
            &self.query,
            &to_sign,
            expires,
        );
        self.build(&query, &[], self.body.clone())
    }

    /// Not signed at all.
    pub fn anonymous(self) -> TestRequest {
        self.build(&self.query, &[], self.body.clone())
    }

    pub fn at(mut self, time: SystemTime) -> Self {
        self.time = time;
        self
    }

    pub fn minutes_ago(self, minutes: u64) -> Self {
        let t = SystemTime::now() - Duration::from_secs(minutes * 60);
        self.at(t)
    }
}

pub async fn call<S>(service: &S, req: TestRequest) -> Reply
where
    S: Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let response = test::call_service(service, req.to_request()).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = test::read_body(response).await;
    Reply {
        status,
        headers,
        body,
    }
}
