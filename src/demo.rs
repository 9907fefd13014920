//! The browser-upload demo: the page, its presign endpoint (`serve --demo`), the demo bucket's
//! set-up at start, and the `minis3 demo` server that serves the page from another origin.
//!
//! The presign endpoint plays the part of a web app's backend: it holds the credentials and hands
//! the browser a presigned PUT URL, a presigned POST form or a presigned GET link for one key of
//! the demo bucket. It needs no authentication, which is why it exists only with `--demo`.

use crate::auth::sigv4::{
    calculate_signature, credential_scope, derive_signing_key, format_amz_date, format_iso8601,
    presign_query, uri_encode, SigningParams, ALGORITHM,
};
use crate::config::{DemoPageConfig, ServeConfig};
use crate::storage::{BucketMeta, CorsRule, Store};
use crate::timefmt;
use actix_web::http::header::HeaderValue;
use actix_web::http::Method;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

/// The page; `{{MINIS3_ENDPOINT}}` becomes the store's URL (empty: the page's own origin).
const PAGE: &str = include_str!("demo/index.html");
const ENDPOINT_PLACEHOLDER: &str = "{{MINIS3_ENDPOINT}}";
/// Where the store serves the page and the presign endpoint.
pub const DEMO_PATH: &str = "/_minis3/demo";
/// How long presigned URLs and POST policies stay valid.
pub const PRESIGN_EXPIRES_SECS: u64 = 15 * 60;
/// The POST policy's upper bound on a file: S3's limit for a single upload.
pub const MAX_POST_BYTES: u64 = 5 * 1024 * 1024 * 1024;
/// S3's limit on a key's length in bytes.
const MAX_KEY_BYTES: usize = 1024;
/// What an upload is labelled when the browser knows no type for the file.
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

/// The page with the store's endpoint filled in (escaped for an HTML attribute).
pub fn page_html(endpoint: &str) -> String {
    let mut escaped = String::with_capacity(endpoint.len());
    for c in endpoint.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            c => escaped.push(c),
        }
    }
    PAGE.replace(ENDPOINT_PLACEHOLDER, &escaped)
}

fn page_response(endpoint: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(page_html(endpoint))
}

// ---------------------------------------------------------------------------------------------
// Presigning
// ---------------------------------------------------------------------------------------------

/// The presign endpoint's query: `method=PUT|POST|GET&key=K[&content-type=T]`.
#[derive(Debug, Deserialize)]
pub struct PresignQuery {
    pub method: Option<String>,
    pub key: Option<String>,
    #[serde(rename = "content-type")]
    pub content_type: Option<String>,
}

/// A checked presign request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresignRequest {
    Put { key: String, content_type: String },
    Post { key: String, content_type: String },
    Get { key: String },
}

impl PresignRequest {
    /// Checks the query; the error is a sentence for the page to show.
    pub fn from_query(query: PresignQuery) -> Result<PresignRequest, String> {
        let key = query.key.unwrap_or_default();
        if key.is_empty() {
            return Err("the query needs a non-empty key".into());
        }
        if key.len() > MAX_KEY_BYTES {
            return Err(format!("the key is longer than {MAX_KEY_BYTES} bytes"));
        }
        // Browsers resolve `.` and `..` path segments before sending, so such a key's signed
        // path would never arrive as signed.
        if key
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            return Err("the key has a '.' or '..' segment, which browsers rewrite".into());
        }
        let content_type = query
            .content_type
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_string());
        // The browser must be able to send it back as a header exactly as signed.
        if HeaderValue::from_str(&content_type).is_err()
            || content_type.chars().any(char::is_control)
        {
            return Err("the content-type is not a valid header value".into());
        }
        match query
            .method
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("PUT") => Ok(PresignRequest::Put { key, content_type }),
            Some("POST") => Ok(PresignRequest::Post { key, content_type }),
            Some("GET") => Ok(PresignRequest::Get { key }),
            _ => Err("method must be PUT, POST or GET".into()),
        }
    }
}

/// The presign endpoint's answer; field order is the JSON's order.
#[derive(Debug, Serialize)]
#[serde(tag = "method")]
pub enum Presigned {
    #[serde(rename = "PUT")]
    Put {
        url: String,
        /// Headers the upload must carry exactly as signed.
        headers: PutHeaders,
        bucket: String,
        key: String,
    },
    #[serde(rename = "POST")]
    Post {
        url: String,
        /// The form fields, in the order they must be sent (the file goes after them).
        fields: PostFields,
        bucket: String,
        key: String,
    },
    #[serde(rename = "GET")]
    Get {
        url: String,
        bucket: String,
        key: String,
    },
}

#[derive(Debug, Serialize)]
pub struct PutHeaders {
    #[serde(rename = "Content-Type")]
    pub content_type: String,
}

/// A presigned POST form's fields, in form order.
#[derive(Debug, Serialize)]
pub struct PostFields {
    pub key: String,
    #[serde(rename = "Content-Type")]
    pub content_type: String,
    /// Base64 of the policy JSON.
    pub policy: String,
    #[serde(rename = "x-amz-algorithm")]
    pub algorithm: String,
    #[serde(rename = "x-amz-credential")]
    pub credential: String,
    #[serde(rename = "x-amz-date")]
    pub date: String,
    #[serde(rename = "x-amz-signature")]
    pub signature: String,
}

/// Who signs presigned URLs and forms for one bucket (the demo's, or `minis3 presign`'s).
#[derive(Debug, Clone, Copy)]
pub struct UrlSigner<'a> {
    pub access_key: &'a str,
    pub secret_key: &'a str,
    pub region: &'a str,
    pub bucket: &'a str,
}

impl<'a> UrlSigner<'a> {
    pub fn from_config(config: &'a ServeConfig) -> Self {
        UrlSigner {
            access_key: &config.keys.access_key,
            secret_key: &config.keys.secret_key,
            region: &config.keys.region,
            bucket: &config.demo_bucket,
        }
    }

    fn params(&self, time: SystemTime) -> SigningParams<'a> {
        SigningParams {
            access_key: self.access_key,
            secret_key: self.secret_key,
            region: self.region,
            service: "s3",
            time,
            session_token: None,
        }
    }

    /// Presigns `request` for a store reached at `base_url` (`http://host:port`, as the browser
    /// addresses it: the host is signed), at `time`.
    pub fn presign(&self, request: PresignRequest, base_url: &str, time: SystemTime) -> Presigned {
        let bucket = self.bucket.to_string();
        let host = base_url
            .split_once("://")
            .map_or(base_url, |(_, rest)| rest)
            .to_string();
        let object_path = |key: &str| {
            format!(
                "/{}/{}",
                uri_encode(self.bucket.as_bytes(), false),
                uri_encode(key.as_bytes(), true)
            )
        };
        let signed_url = |method: &str, path: &str, headers: &[(String, String)]| {
            let query = presign_query(
                &self.params(time),
                method,
                path,
                "",
                headers,
                PRESIGN_EXPIRES_SECS,
            );
            format!("{base_url}{path}?{query}")
        };
        match request {
            PresignRequest::Put { key, content_type } => {
                let headers = [
                    ("host".to_string(), host),
                    ("content-type".to_string(), content_type.clone()),
                ];
                Presigned::Put {
                    url: signed_url("PUT", &object_path(&key), &headers),
                    headers: PutHeaders { content_type },
                    bucket,
                    key,
                }
            }
            PresignRequest::Get { key } => Presigned::Get {
                url: signed_url("GET", &object_path(&key), &[("host".to_string(), host)]),
                bucket,
                key,
            },
            PresignRequest::Post { key, content_type } => {
                let url = format!("{base_url}/{}", uri_encode(self.bucket.as_bytes(), false));
                let fields =
                    self.post_fields(key.clone(), content_type, time, PRESIGN_EXPIRES_SECS);
                Presigned::Post {
                    url,
                    fields,
                    bucket,
                    key,
                }
            }
        }
    }

    /// The fields of a POST form for exactly `key`: a policy valid for `expires_secs`, signed
    /// with SigV4 (the signature is over the policy's base64 text). Also `minis3 presign --post`.
    pub fn post_fields(
        &self,
        key: String,
        content_type: String,
        time: SystemTime,
        expires_secs: u64,
    ) -> PostFields {
        let amz_date = format_amz_date(time);
        let day = amz_date.get(..8).unwrap_or_default();
        let credential = format!(
            "{}/{}",
            self.access_key,
            credential_scope(day, self.region, "s3")
        );
        let expiration = format_iso8601(time + Duration::from_secs(expires_secs));
        let policy = serde_json::json!({
            "expiration": expiration,
            "conditions": [
                {"bucket": self.bucket},
                ["eq", "$key", key],
                {"x-amz-algorithm": ALGORITHM},
                {"x-amz-credential": credential},
                {"x-amz-date": amz_date},
                ["starts-with", "$Content-Type", ""],
                ["content-length-range", 0, MAX_POST_BYTES],
            ],
        });
        let policy = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
        let signing_key = derive_signing_key(self.secret_key, day, self.region, "s3");
        let signature = calculate_signature(&signing_key, &policy);
        PostFields {
            key,
            content_type,
            policy,
            algorithm: ALGORITHM.to_string(),
            credential,
            date: amz_date,
            signature,
        }
    }
}

fn json_response(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

fn presign_response(req: &HttpRequest, config: &ServeConfig) -> HttpResponse {
    use actix_web::http::StatusCode;
    let error = |message: String| {
        let body = serde_json::json!({ "error": message }).to_string();
        json_response(StatusCode::BAD_REQUEST, body)
    };
    let query = match web::Query::<PresignQuery>::from_query(req.query_string()) {
        Ok(query) => query.into_inner(),
        Err(e) => return error(format!("unreadable query: {e}")),
    };
    let request = match PresignRequest::from_query(query) {
        Ok(request) => request,
        Err(message) => return error(message),
    };
    // Sign for the host the browser used to reach us: that is the Host header it will send.
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| req.connection_info().host().to_string());
    let base_url = format!("http://{host}");
    let presigned = UrlSigner::from_config(config).presign(request, &base_url, SystemTime::now());
    match serde_json::to_string(&presigned) {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(e) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({ "error": e.to_string() }).to_string(),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Routing on the store
// ---------------------------------------------------------------------------------------------

/// Answers the store's `/_minis3/demo*` paths; `None` for any other path. Without `--demo`
/// they are 404, so a store not started for demos exposes no unauthenticated presigning.
pub fn respond(req: &HttpRequest, config: &ServeConfig) -> Option<HttpResponse> {
    let rest = req.path().strip_prefix(DEMO_PATH)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    if !config.demo {
        return Some(
            HttpResponse::NotFound()
                .content_type("text/plain; charset=utf-8")
                .body("The demo is off: start minis3 with --demo.\n"),
        );
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Some(
            HttpResponse::MethodNotAllowed()
                .insert_header(("Allow", "GET, HEAD"))
                .finish(),
        );
    }
    Some(match rest {
        "" => HttpResponse::Found()
            .insert_header(("Location", format!("{DEMO_PATH}/")))
            .finish(),
        "/" | "/index.html" => page_response(""),
        "/presign" => presign_response(req, config),
        _ => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("No such demo path.\n"),
    })
}

// ---------------------------------------------------------------------------------------------
// The demo bucket
// ---------------------------------------------------------------------------------------------

/// The CORS rule a demo bucket without its own configuration gets: any origin may GET, PUT, POST
/// and HEAD with any headers, and read the ETag.
pub fn demo_cors_rule() -> CorsRule {
    CorsRule {
        id: Some("minis3-demo".to_string()),
        allowed_origins: vec!["*".to_string()],
        allowed_methods: ["GET", "PUT", "POST", "HEAD"].map(str::to_string).to_vec(),
        allowed_headers: vec!["*".to_string()],
        expose_headers: vec!["ETag".to_string()],
        max_age_seconds: Some(3000),
    }
}

/// Creates the demo bucket when it is missing and gives it [`demo_cors_rule`] when it has no CORS
/// configuration, so the page works from any origin on a fresh store. A configuration the user
/// set is kept.
pub fn prepare_bucket(store: &Store, bucket: &str) -> Result<(), String> {
    crate::handlers::validate_bucket_name(bucket)
        .map_err(|e| format!("--demo-bucket {bucket}: {}", e.message))?;
    let existing = store
        .bucket(bucket)
        .map_err(|e| format!("cannot read bucket {bucket}: {e}"))?;
    match existing {
        None => {
            let meta = BucketMeta {
                created: timefmt::now_secs(),
                cors: Some(vec![demo_cors_rule()]),
                ..BucketMeta::default()
            };
            store
                .create_bucket(bucket, &meta)
                .map_err(|e| format!("cannot create the demo bucket {bucket}: {e}"))?;
            tracing::info!(
                bucket,
                "created the demo bucket, open to any origin by CORS"
            );
        }
        Some(meta) if meta.cors.is_none() => {
            store
                .update_bucket(bucket, |meta| {
                    if meta.cors.is_none() {
                        meta.cors = Some(vec![demo_cors_rule()]);
                    }
                })
                .map_err(|e| format!("cannot set the demo bucket's CORS rule: {e}"))?;
            tracing::info!(
                bucket,
                "gave the demo bucket a CORS rule open to any origin"
            );
        }
        Some(_) => {}
    }
    store
        .flush_blocking()
        .map_err(|e| format!("cannot flush the store: {e}"))
}

// ---------------------------------------------------------------------------------------------
// `minis3 demo`: the page from another origin
// ---------------------------------------------------------------------------------------------

/// The store URL the page talks to: `http(s)://host[:port]`, no trailing slash.
pub fn normalize_endpoint(endpoint: &str) -> Result<String, String> {
    let endpoint = endpoint.trim().trim_end_matches('/');
    let authority = endpoint
        .strip_prefix("http://")
        .or_else(|| endpoint.strip_prefix("https://"))
        .ok_or_else(|| format!("--endpoint {endpoint}: must start with http:// or https://"))?;
    if authority.is_empty() || authority.contains(['/', '?', '#']) {
        return Err(format!(
            "--endpoint {endpoint}: must be scheme://host[:port] without a path"
        ));
    }
    Ok(endpoint.to_string())
}

/// Binds the page server: `/` is the page, everything else 404.
pub fn bind_page_server(
    config: &DemoPageConfig,
) -> Result<(actix_web::dev::Server, Vec<SocketAddr>), String> {
    let endpoint = normalize_endpoint(&config.endpoint)?;
    let page = web::Data::new(page_html(&endpoint));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(page.clone())
            .default_service(web::to(serve_page))
    })
    .workers(1)
    .shutdown_timeout(2)
    .bind(&config.address)
    .map_err(|e| format!("cannot listen on {}: {e}", config.address))?;
    let addrs = server.addrs();
    Ok((server.run(), addrs))
}

async fn serve_page(req: HttpRequest, page: web::Data<String>) -> HttpResponse {
    match (req.method(), req.path()) {
        (&Method::GET | &Method::HEAD, "/" | "/index.html") => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(page.get_ref().clone()),
        _ => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Only the demo page is here: /\n"),
    }
}

#[cfg(test)]
mod tests;
