//! The HTTP front: actix-web setup, bucket addressing (path-style and virtual-hosted), request ids,
//! access logs, and the one pipeline every request goes through.

use crate::access_log::{AccessLog, AccessRecord};
use crate::auth::body::RequestBody;
use crate::auth::keys::KeyRing;
use crate::auth::tempurl::TempUrl;
use crate::auth::{self, AuthConfig, Identity, PayloadMode, RequestParts};
use crate::config::ServeConfig;
use crate::cors;
use crate::error::S3Error;
use crate::handlers::{self, Dispatched, RequestContext};
use crate::router::{Endpoint, Query};
use crate::s3_error;
use crate::storage::{CorsRule, StorageError, Store};
use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::future::LocalBoxFuture;
use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// Shared by every worker.
pub struct AppState {
    pub store: Store,
    pub config: ServeConfig,
    pub auth: AuthConfig,
    /// The CORS rule `--cors-allow-origin` stands for, used by buckets without their own.
    pub default_cors: Option<CorsRule>,
    /// `None` when the log filter turns access lines off.
    pub access_log: Option<AccessLog>,
}

impl AppState {
    /// Loads the issued keys and revocations from the store.
    pub fn new(store: Store, config: ServeConfig) -> Result<Self, StorageError> {
        let keys = Arc::new(KeyRing::open(store.clone(), crate::timefmt::now_secs())?);
        let auth = AuthConfig {
            strict_region: config.strict_region,
            host_aliases: config.host_aliases.clone(),
            keys,
            clock_offset_secs: config.clock_offset_secs,
            ..AuthConfig::root(
                &config.keys.access_key,
                &config.keys.secret_key,
                &config.keys.region,
            )
        };
        let default_cors = (!config.cors_allow_origins.is_empty())
            .then(|| cors::default_rule(&config.cors_allow_origins));
        Ok(AppState {
            store,
            config,
            auth,
            default_cors,
            access_log: AccessLog::start(),
        })
    }
}

/// Registers minis3 on an actix `App`: every path and method goes to [`handle`].
pub fn configure(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(state).default_service(web::to(handle));
    }
}

/// Binds the listener and returns the server (not yet running) with the address actually bound.
pub fn bind(state: AppState) -> std::io::Result<(actix_web::dev::Server, Vec<SocketAddr>)> {
    let workers = state.config.workers;
    let address = state.config.address.clone();
    let state = web::Data::new(state);
    let mut server = HttpServer::new(move || App::new().configure(configure(state.clone())))
        .shutdown_timeout(10);
    if let Some(n) = workers {
        server = server.workers(n.max(1));
    }
    let server = server.bind(&address)?;
    let addrs = server.addrs();
    Ok((server.run(), addrs))
}

/// Threads that have made request ids; each counts its own requests from `index << 40`.
static REQUEST_ID_THREADS: AtomicU64 = AtomicU64::new(0);

/// Request ids: unique per process start (time-seeded), per thread and per request. One counter
/// shared by the workers was written by both cores for every request.
fn next_request_id() -> RequestId {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    thread_local! {
        static NEXT: std::cell::Cell<u64> =
            std::cell::Cell::new(REQUEST_ID_THREADS.fetch_add(1, Ordering::Relaxed) << 40);
    }
    let seed = *SEED.get_or_init(|| {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    });
    let n = NEXT.with(|next| next.replace(next.get().wrapping_add(1)));
    RequestId::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n)
}

/// A request id: sixteen upper-case hex digits, kept inline (every request has one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct RequestId([u8; 16]);

impl RequestId {
    /// `format!("{:016X}", n)` without an allocation or the formatting machinery.
    fn new(n: u64) -> RequestId {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        let mut id = [0u8; 16];
        for (i, digit) in id.iter_mut().enumerate() {
            *digit = DIGITS[(n >> ((15 - i) * 4)) as usize & 0xF];
        }
        RequestId(id)
    }

    fn as_str(&self) -> &str {
        // Hex digits only, so always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Every request: run the pipeline, turn an error into S3's XML, stamp the request id, log a line.
/// The state is borrowed from the app rather than extracted: extracting clones its `Arc`, a
/// count both workers' cores would write for every request.
pub async fn handle(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let started = Instant::now();
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        tracing::error!("the app has no state registered");
        return HttpResponse::InternalServerError().finish();
    };
    let request_id = next_request_id();
    let request_id = request_id.as_str();
    let outcome = match serve(&req, payload, state, request_id) {
        Ok(Served::Now(response)) => Ok(response),
        Ok(Served::Later(operation)) => operation.await,
        Err(err) => Err(err),
    };
    let mut response = match outcome {
        Ok(response) => response,
        Err(err) => error_response(&req, &err, request_id),
    };
    if req.method() != Method::OPTIONS {
        add_cors_headers(&req, state, &mut response);
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(HeaderName::from_static("x-amz-request-id"), value.clone());
        headers.insert(HeaderName::from_static("x-amz-id-2"), value);
    }
    headers.insert(
        HeaderName::from_static("server"),
        HeaderValue::from_static("minis3"),
    );
    let bytes_out = match response.body().size() {
        BodySize::Sized(n) if req.method() != Method::HEAD => n,
        _ => 0,
    };
    if let Some(log) = &state.access_log {
        let record = AccessRecord {
            method: req.method().as_str(),
            path: req.path(),
            status: response.status().as_u16(),
            bytes_in: req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("0"),
            bytes_out,
            elapsed: started.elapsed(),
            request_id,
        };
        log.record(&record, crate::timefmt::now_ms());
    }
    response
}

/// What [`serve`] gives: the answer, or the operation that will give it (one that reads a body or
/// waits for a flush). Only the latter allocates a future, the size of its own operation's.
enum Served<'a> {
    Now(HttpResponse),
    Later(LocalBoxFuture<'a, Result<HttpResponse, S3Error>>),
}

/// The pipeline: server endpoints (STS among them), addressing, signature, operation, body,
/// handler.
fn serve<'a>(
    req: &'a HttpRequest,
    payload: web::Payload,
    state: &'a AppState,
    request_id: &'a str,
) -> Result<Served<'a>, S3Error> {
    let host = request_host(req);
    let (addressed, temp_url) = resolve_request(req, host, &state.config.domain)?;
    if !addressed.virtual_hosted {
        if let Some(response) = server_endpoint(req, &state.config) {
            return Ok(Served::Now(response));
        }
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let (method, path, query) = (req.method().as_str(), req.path(), req.query_string());
        if handlers::sts::is_sts_request(method, path, query, content_type) {
            return Ok(Served::Later(Box::pin(async move {
                Ok(handlers::sts::serve(req, payload, &state.auth, request_id).await)
            })));
        }
    }
    // `<Resource>` of an error; built only when one is answered.
    let resource = || addressed.resource();
    if req.method() == Method::OPTIONS {
        return preflight(req, state, &addressed)
            .map(Served::Now)
            .map_err(|e| e.or_resource(&resource()));
    }

    let headers = request_headers(req);
    let query = Query::parse_lossy(req.query_string());
    let parts = RequestParts {
        method: req.method().as_str(),
        raw_path: req.path(),
        raw_query: req.query_string(),
        raw_params: Some(query.raw_params()),
        headers: &headers,
        virtual_bucket: addressed
            .bucket
            .as_deref()
            .filter(|_| addressed.virtual_hosted),
    };
    let authenticated = match &temp_url {
        Some(t) => t.authenticate(parts.method, &state.auth, state.auth.now()),
        None => auth::authenticate_with_query(&parts, query.pairs(), &state.auth, state.auth.now()),
    }
    .map_err(|e| e.or_resource(&resource()))?;
    let anonymous = authenticated.identity == Identity::Anonymous;
    if !anonymous && authenticated.service != "s3" {
        return Err(s3_error!(
            AuthorizationHeaderMalformed,
            "Credential should be scoped to correct service: 's3'."
        ));
    }

    if !addressed.virtual_hosted && req.path().starts_with(handlers::admin::ADMIN_PREFIX) {
        let decoded_length = decoded_length(req, &authenticated.payload)?;
        let body = RequestBody::new(
            Box::pin(payload.into_inner()),
            authenticated.payload,
            decoded_length,
        );
        let identity = authenticated.identity;
        return Ok(Served::Later(Box::pin(async move {
            let method = req.method().as_str();
            handlers::admin::handle(
                method,
                req.path(),
                &identity,
                &state.auth,
                &state.store,
                body,
            )
            .await
        })));
    }

    query.require_utf8()?;
    let copy_source = req
        .headers()
        .get(handlers::names::COPY_SOURCE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let endpoint = Endpoint::parse(
        req.method().as_str(),
        addressed.bucket.as_deref(),
        addressed.key.as_deref(),
        &query,
        copy_source.as_deref(),
    )
    .map_err(|e| e.or_resource(&resource()))?;
    if let Some(t) = temp_url
        .as_ref()
        .filter(|_| !is_plain_object_operation(&endpoint))
    {
        // A temp URL reads or writes its object; sub-resources (ACLs, tags, copies) are not its.
        return Err(t.unauthorized().or_resource(&resource()));
    }
    if anonymous {
        handlers::anonymous::authorize(&state.store, &endpoint, req)
            .map_err(|e| e.or_resource(&resource()))?;
    }
    if let Some(scope) = &authenticated.scope {
        handlers::scope::authorize(scope, &endpoint).map_err(|e| e.or_resource(&resource()))?;
    }

    let decoded_length = decoded_length(req, &authenticated.payload)?;
    let body = RequestBody::new(
        Box::pin(payload.into_inner()),
        authenticated.payload,
        decoded_length,
    );
    let ctx = RequestContext {
        req,
        store: &state.store,
        config: &state.config,
        auth: &state.auth,
        scope: authenticated.scope,
    };
    let swift_put = temp_url.is_some() && req.method() == Method::PUT;
    let finish = move |result: Result<HttpResponse, S3Error>| {
        let mut response = result.map_err(|e| {
            e.or_resource(&addressed.resource())
                .or_bucket_name(addressed.bucket.as_deref())
        })?;
        if swift_put && response.status() == StatusCode::OK {
            // Swift answers an object PUT with 201 Created.
            *response.status_mut() = StatusCode::CREATED;
        }
        Ok(response)
    };
    match handlers::dispatch(endpoint, ctx, body) {
        Dispatched::Ready(result) => finish(result).map(Served::Now),
        Dispatched::Pending(operation) => {
            Ok(Served::Later(Box::pin(
                async move { finish(operation.await) },
            )))
        }
    }
}

fn is_plain_object_operation(endpoint: &Endpoint) -> bool {
    matches!(
        endpoint,
        Endpoint::GetObject { .. }
            | Endpoint::HeadObject { .. }
            | Endpoint::PutObject { .. }
            | Endpoint::DeleteObject { .. }
    )
}

/// The CORS rules that apply to `bucket`: its own configuration, else the server-wide default.
/// `Ok(None)` when neither exists; `NoSuchBucket` only when no default covers the missing bucket.
fn cors_rules(state: &AppState, bucket: Option<&str>) -> Result<Option<Vec<CorsRule>>, S3Error> {
    let meta = match bucket {
        Some(name) => state.store.bucket(name)?,
        None => None,
    };
    if let Some(rules) = meta.as_ref().and_then(|m| m.cors.clone()) {
        return Ok(Some(rules));
    }
    if let Some(rule) = &state.default_cors {
        return Ok(Some(vec![rule.clone()]));
    }
    match (bucket, meta) {
        (Some(name), None) => Err(s3_error!(NoSuchBucket).detail("BucketName", name)),
        _ => Ok(None),
    }
}

/// A browser's CORS preflight (`OPTIONS`): answered from the bucket's rules, without a signature.
fn preflight(
    req: &HttpRequest,
    state: &AppState,
    addressed: &Addressed<'_>,
) -> Result<HttpResponse, S3Error> {
    let value_of = |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    let origin = value_of(header::ORIGIN).ok_or_else(|| {
        s3_error!(
            BadRequest,
            "Insufficient information. Origin request header needed."
        )
    })?;
    let method = value_of(header::ACCESS_CONTROL_REQUEST_METHOD)
        .ok_or_else(|| s3_error!(BadRequest, "Invalid Access-Control-Request-Method: null"))?;
    let requested =
        cors::split_header_list(value_of(header::ACCESS_CONTROL_REQUEST_HEADERS).unwrap_or(""));
    let resource_type = if addressed.key.is_some() {
        "OBJECT"
    } else {
        "BUCKET"
    };
    let forbidden = |err: S3Error| {
        err.detail("Method", method)
            .detail("ResourceType", resource_type)
    };
    let Some(rules) = cors_rules(state, addressed.bucket.as_deref())? else {
        return Err(forbidden(s3_error!(
            AccessForbidden,
            "CORSResponse: CORS is not enabled for this bucket."
        )));
    };
    let rule = cors::match_preflight(&rules, origin, method, &requested)
        .ok_or_else(|| forbidden(s3_error!(AccessForbidden)))?;
    let mut response = HttpResponse::Ok();
    for (name, value) in cors::response_headers(rule, origin, &requested) {
        response.insert_header((name, value));
    }
    Ok(response.finish())
}

/// Adds the `Access-Control-*` headers to the answer (success or error) of a request whose
/// `Origin` a CORS rule allows, so a page can read it, an error's XML included.
fn add_cors_headers(req: &HttpRequest, state: &AppState, response: &mut HttpResponse) {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let bucket = resolve_request(req, request_host(req), &state.config.domain)
        .ok()
        .and_then(|(a, _)| a.bucket);
    let Ok(Some(rules)) = cors_rules(state, bucket.as_deref()) else {
        return;
    };
    let Some(rule) = cors::match_request(&rules, origin, req.method().as_str()) else {
        return;
    };
    let headers = response.headers_mut();
    for (name, value) in cors::response_headers(rule, origin, &[]) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}

/// The body length the client promised: `x-amz-decoded-content-length` for aws-chunked bodies
/// (required there, as S3 requires it), else `Content-Length`.
fn decoded_length(req: &HttpRequest, mode: &PayloadMode) -> Result<Option<u64>, S3Error> {
    let header = |name: HeaderName| {
        req.headers()
            .get(&name)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| s3_error!(InvalidArgument, "{name} is not a number."))
            })
            .transpose()
    };
    match mode {
        PayloadMode::Chunked { .. } => match header(handlers::names::DECODED_CONTENT_LENGTH)? {
            Some(n) => Ok(Some(n)),
            None => Err(s3_error!(MissingContentLength)),
        },
        _ => header(header::CONTENT_LENGTH),
    }
}

/// minis3's own endpoints under `/_minis3/` (an underscore never starts a bucket name).
fn server_endpoint(req: &HttpRequest, config: &ServeConfig) -> Option<HttpResponse> {
    if let Some(response) = crate::demo::respond(req, config) {
        return Some(response);
    }
    match (req.method(), req.path()) {
        (&Method::GET | &Method::HEAD, "/_minis3/health") => Some(
            HttpResponse::Ok()
                .content_type("application/json")
                .body("{\"status\":\"ok\"}"),
        ),
        _ => None,
    }
}

/// The request's headers as the signature checks see them: lower-case names, values as sent.
pub(crate) fn request_headers(req: &HttpRequest) -> Vec<auth::HeaderPair<'_>> {
    let mut headers: Vec<auth::HeaderPair<'_>> = Vec::with_capacity(req.headers().len());
    headers.extend(
        req.headers()
            .iter()
            .map(|(name, value)| (name.as_str(), String::from_utf8_lossy(value.as_bytes()))),
    );
    headers
}

fn request_host(req: &HttpRequest) -> &str {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("")
}

/// The bucket and key a request addresses, decoded.
#[derive(Debug, PartialEq, Eq)]
pub struct Addressed<'a> {
    /// Borrowed from the path when it has no escapes (most requests): no copy per request.
    pub bucket: Option<Cow<'a, str>>,
    pub key: Option<Cow<'a, str>>,
    /// The bucket came from the Host header.
    pub virtual_hosted: bool,
}

impl Addressed<'_> {
    /// `/bucket/key` for `<Resource>` in errors.
    fn resource(&self) -> String {
        match (&self.bucket, &self.key) {
            (Some(b), Some(k)) => format!("/{b}/{k}"),
            (Some(b), None) => format!("/{b}"),
            _ => "/".to_string(),
        }
    }
}

/// The request's bucket and key, and its temp URL when it is a Swift one
/// (`/v1/<account>/<bucket>/<key>?temp_url_sig=..`, naming the same object as `/<bucket>/<key>`).
fn resolve_request<'a>(
    req: &'a HttpRequest,
    host: &str,
    domain: &str,
) -> Result<(Addressed<'a>, Option<TempUrl>), S3Error> {
    let addressed = resolve_addressing(host, req.path(), domain)?;
    if addressed.virtual_hosted {
        return Ok((addressed, None));
    }
    match TempUrl::from_request(req.path(), req.query_string())? {
        Some(t) => Ok((
            Addressed {
                bucket: Some(Cow::Owned(t.bucket.clone())),
                key: Some(Cow::Owned(t.key.clone())),
                virtual_hosted: false,
            },
            Some(t),
        )),
        None => Ok((addressed, None)),
    }
}

/// Virtual-hosted (`bucket.<domain>[:port]`) when the host is a subdomain of `domain`, else
/// path-style (`/bucket/key`). The key is everything after the bucket's slash, byte for byte once
/// percent-decoded: `a//b` and a trailing `/` are part of it.
pub fn resolve_addressing<'a>(
    host: &str,
    raw_path: &'a str,
    domain: &str,
) -> Result<Addressed<'a>, S3Error> {
    let hostname = strip_port(host);
    // `<bucket>.<domain>`, compared without case and without copying the host (every request).
    let virtual_bucket = hostname
        .len()
        .checked_sub(domain.len())
        .filter(|&cut| {
            !domain.is_empty()
                && cut > 1
                && hostname.is_char_boundary(cut)
                && hostname[cut..].eq_ignore_ascii_case(domain)
                && hostname.as_bytes()[cut - 1] == b'.'
        })
        .map(|cut| Cow::Owned(hostname[..cut - 1].to_ascii_lowercase()));
    let path = raw_path.strip_prefix('/').unwrap_or(raw_path);
    let virtual_hosted = virtual_bucket.is_some();
    let (bucket, raw_key) = match virtual_bucket {
        Some(bucket) => (Some(bucket), Some(path)),
        None => {
            let (bucket, raw_key) = match crate::ascii::split_once_byte(path, b'/') {
                Some((bucket, key)) => (bucket, Some(key)),
                None => (path, None),
            };
            let bucket = match bucket {
                "" => None,
                bucket => Some(percent_decode(bucket)?),
            };
            (bucket, raw_key)
        }
    };
    let key = match raw_key.filter(|k| !k.is_empty()) {
        Some(k) if bucket.is_some() => Some(percent_decode(k)?),
        _ => None,
    };
    Ok(Addressed {
        bucket,
        key,
        virtual_hosted,
    })
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // IPv6 literal: `[::1]:9000`.
        return host
            .split(']')
            .next()
            .map_or(host, |h| &host[..h.len() + 1]);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

fn percent_decode(s: &str) -> Result<Cow<'_, str>, S3Error> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map_err(|_| s3_error!(InvalidURI))
}

/// S3's XML error document; HEAD and 304 answers carry no body.
fn error_response(req: &HttpRequest, err: &S3Error, request_id: &str) -> HttpResponse {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    for (name, value) in &err.headers {
        builder.insert_header((*name, value.as_str()));
    }
    if req.method() == Method::HEAD || status == StatusCode::NOT_MODIFIED {
        return builder.finish();
    }
    if status.is_server_error() {
        tracing::warn!(code = err.code.as_str(), message = %err.message, request_id, "server error");
    }
    builder
        .content_type("application/xml")
        .body(err.to_xml(request_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(host: &str, path: &str) -> (Option<String>, Option<String>) {
        let a = resolve_addressing(host, path, "localhost").expect("resolves");
        (a.bucket.map(Cow::into_owned), a.key.map(Cow::into_owned))
    }

    fn some(b: &str, k: Option<&str>) -> (Option<String>, Option<String>) {
        (Some(b.to_string()), k.map(str::to_string))
    }

    #[test]
    fn path_style_keys_keep_every_byte() {
        assert_eq!(addr("127.0.0.1:9000", "/"), (None, None));
        assert_eq!(addr("127.0.0.1:9000", "/b"), some("b", None));
        assert_eq!(addr("127.0.0.1:9000", "/b/"), some("b", None));
        assert_eq!(addr("127.0.0.1:9000", "/b/a//c/"), some("b", Some("a//c/")));
        assert_eq!(
            addr("localhost:9000", "/b/a%20b%2Bc+d"),
            some("b", Some("a b+c+d"))
        );
        assert_eq!(addr("localhost", "/b/%C3%A9"), some("b", Some("\u{e9}")));
    }

    #[test]
    fn virtual_hosted_buckets_come_from_the_host() {
        assert_eq!(
            addr("bucket.localhost:9000", "/key/x"),
            some("bucket", Some("key/x"))
        );
        assert_eq!(
            addr("my.dotted.bucket.localhost", "/"),
            some("my.dotted.bucket", None)
        );
        assert_eq!(addr("BUCKET.LOCALHOST:1", "/k"), some("bucket", Some("k")));
        assert_eq!(addr("[::1]:9000", "/b/k"), some("b", Some("k")));
        assert_eq!(addr("notlocalhost:9000", "/b/k"), some("b", Some("k")));
        assert_eq!(addr(".localhost", "/b/k"), some("b", Some("k")));
        assert_eq!(addr("localhost", "/b/k"), some("b", Some("k")));
        let a =
            resolve_addressing("Pics.S3.Example.com", "/k", "s3.EXAMPLE.com").expect("resolves");
        assert_eq!(
            (a.bucket.as_deref(), a.virtual_hosted),
            (Some("pics"), true)
        );
    }

    #[test]
    fn invalid_utf8_in_the_path_is_invalid_uri() {
        let err = resolve_addressing("localhost", "/b/%FF", "localhost").unwrap_err();
        assert_eq!(err.code.as_str(), "InvalidURI");
    }

    #[test]
    fn request_ids_are_sixteen_upper_case_hex_digits() {
        for n in [0, 1, 0xABCD, u64::MAX, 0x0123_4567_89AB_CDEF] {
            assert_eq!(RequestId::new(n).as_str(), format!("{n:016X}"));
        }
    }

    #[test]
    fn request_ids_are_unique() {
        let a = next_request_id();
        let b = next_request_id();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 16);
        let others: Vec<RequestId> = (0..4)
            .map(|_| std::thread::spawn(next_request_id))
            .filter_map(|t| t.join().ok())
            .collect();
        let mut all = vec![a, b];
        all.extend(others);
        let count = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), count, "unique across threads too");
    }
}
