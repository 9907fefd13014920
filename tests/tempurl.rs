//! Swift-style temp URLs over HTTP: the real actix app in-process, an account key set in its store,
//! URLs signed here as `swift tempurl` signs them.

mod common;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{self, TestRequest};
use actix_web::{web, App};
use common::{call, default_config, Req};
use hmac::{Hmac, Mac};
use minis3::auth::keys::KeyRing;
use minis3::server::{configure, AppState};
use minis3::storage::access::RevokedSignature;
use minis3::storage::Store;
use sha2::Sha256;
use std::sync::Arc;

const ACCOUNT: &str = "AUTH_test";
const KEY: &str = "swordfish";

struct Server<S> {
    service: S,
    keys: Arc<KeyRing>,
    _dir: tempfile::TempDir,
}

/// A server whose store already holds `ACCOUNT`'s temp-URL key, with a bucket `bkt`.
async fn start(
) -> Server<impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>>
{
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), 16 << 20).expect("store opens");
    KeyRing::open(store.clone(), 0)
        .expect("key ring")
        .set_tempurl_key(ACCOUNT, KEY, false)
        .expect("key set");
    let state = web::Data::new(AppState::new(store, default_config(dir.path())).expect("state"));
    let keys = state.auth.keys.clone();
    let service = test::init_service(App::new().configure(configure(state))).await;
    let created = call(&service, Req::new("PUT", "/bkt").signed()).await;
    assert_eq!(created.status, 200, "{}", created.text());
    Server {
        service,
        keys,
        _dir: dir,
    }
}

fn now() -> i64 {
    minis3::timefmt::now_secs()
}

/// `path?temp_url_sig=..&temp_url_expires=..`, HMAC-SHA256 in hex as `swift tempurl` makes it.
fn temp_url(method: &str, path: &str, expires: i64, key: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(format!("{method}\n{expires}\n{path}").as_bytes());
    let sig = hex::encode(mac.finalize().into_bytes());
    format!("{path}?temp_url_sig={sig}&temp_url_expires={expires}")
}

fn request(method: &str, url: &str) -> TestRequest {
    TestRequest::default()
        .method(actix_web::http::Method::from_bytes(method.as_bytes()).expect("method"))
        .uri(url)
        .insert_header(("host", common::HOST))
}

#[actix_web::test]
async fn put_then_get_and_head_through_temp_urls() {
    let server = start().await;
    let path = "/v1/AUTH_test/bkt/dir/a%20file.txt";
    let signed_path = "/v1/AUTH_test/bkt/dir/a file.txt";
    let put = temp_url("PUT", signed_path, now() + 60, KEY).replace(signed_path, path);
    let body = b"hello from swift".to_vec();
    let reply = call(
        &server.service,
        request("PUT", &put)
            .insert_header(("content-length", body.len().to_string()))
            .set_payload(body.clone()),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text());

    let stored = call(
        &server.service,
        Req::new("GET", "/bkt/dir/a%20file.txt").signed(),
    )
    .await;
    assert_eq!((stored.status, stored.body.to_vec()), (200, body.clone()));

    let get = temp_url("GET", signed_path, now() + 60, KEY).replace(signed_path, path);
    let reply = call(&server.service, request("GET", &get)).await;
    assert_eq!((reply.status, reply.body.to_vec()), (200, body.clone()));

    for url in [&get, &put] {
        let head = call(&server.service, request("HEAD", url)).await;
        assert_eq!(head.status, 200);
        assert_eq!(head.header("etag"), stored.header("etag"));
    }
}

#[actix_web::test]
async fn wrong_method_object_key_or_expiry_is_unauthorized() {
    let server = start().await;
    let put = call(
        &server.service,
        Req::new("PUT", "/bkt/k").body("x").signed(),
    )
    .await;
    assert_eq!(put.status, 200);
    let get = temp_url("GET", "/v1/AUTH_test/bkt/k", now() + 60, KEY);
    let cases = [
        ("PUT", get.clone()),
        ("DELETE", get.clone()),
        ("POST", get.clone()),
        ("GET", get.replace("/bkt/k", "/bkt/other")),
        (
            "GET",
            temp_url("GET", "/v1/AUTH_test/bkt/k", now() - 1, KEY),
        ),
        (
            "GET",
            temp_url("GET", "/v1/AUTH_test/bkt/k", now() + 60, "wrong"),
        ),
        (
            "GET",
            temp_url("GET", "/v1/AUTH_other/bkt/k", now() + 60, KEY),
        ),
        ("GET", format!("{get}&acl")),
    ];
    for (method, url) in cases {
        let reply = call(&server.service, request(method, &url)).await;
        assert_eq!(reply.status, 401, "{method} {url}: {}", reply.text());
        assert_eq!(reply.error_code(), "Unauthorized");
        assert!(reply.header("www-authenticate").is_some());
    }
    let reply = call(&server.service, request("GET", &get)).await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "x"));
}

#[actix_web::test]
async fn temp_urls_delete_and_a_revoked_one_is_denied() {
    let server = start().await;
    call(
        &server.service,
        Req::new("PUT", "/bkt/gone").body("x").signed(),
    )
    .await;
    let delete = temp_url("DELETE", "/v1/AUTH_test/bkt/gone", now() + 60, KEY);
    assert_eq!(
        call(&server.service, request("DELETE", &delete))
            .await
            .status,
        204
    );
    let head = call(&server.service, Req::new("HEAD", "/bkt/gone").signed()).await;
    assert_eq!(head.status, 404);

    call(
        &server.service,
        Req::new("PUT", "/bkt/kept").body("x").signed(),
    )
    .await;
    let get = temp_url("GET", "/v1/AUTH_test/bkt/kept", now() + 60, KEY);
    assert_eq!(
        call(&server.service, request("GET", &get)).await.status,
        200
    );
    let signature = get
        .split("temp_url_sig=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("signed");
    server
        .keys
        .revoke_signature(RevokedSignature {
            signature: signature.to_string(),
            access_key: Some(ACCOUNT.to_string()),
            expires: None,
            revoked_at: now(),
        })
        .expect("revoked");
    let reply = call(&server.service, request("GET", &get)).await;
    assert_eq!(
        (reply.status, reply.error_code().as_str()),
        (403, "AccessDenied")
    );
    assert!(reply.text().contains("revoked"), "{}", reply.text());
}

#[actix_web::test]
async fn swift_paths_take_no_s3_signature() {
    let server = start().await;
    call(
        &server.service,
        Req::new("PUT", "/bkt/k").body("x").signed(),
    )
    .await;
    for url in [
        "/v1/AUTH_test/bkt/k",
        "/v1/AUTH_test/bkt/k?temp_url_expires=9999999999",
    ] {
        let reply = call(&server.service, Req::new("GET", url).signed()).await;
        assert_eq!(
            (reply.status, reply.error_code().as_str()),
            (401, "Unauthorized")
        );
    }
}

#[actix_web::test]
async fn the_buckets_cors_rules_answer_for_its_temp_urls() {
    let server = start().await;
    let cors = "<CORSConfiguration><CORSRule><AllowedOrigin>http://app.example</AllowedOrigin>\
        <AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod></CORSRule></CORSConfiguration>";
    let set = call(
        &server.service,
        Req::new("PUT", "/bkt?cors").body(cors).signed(),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.text());
    call(
        &server.service,
        Req::new("PUT", "/bkt/k").body("x").signed(),
    )
    .await;
    let get = temp_url("GET", "/v1/AUTH_test/bkt/k", now() + 60, KEY);
    let reply = call(
        &server.service,
        request("GET", &get).insert_header(("origin", "http://app.example")),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("http://app.example")
    );
    let preflight = call(
        &server.service,
        request("OPTIONS", "/v1/AUTH_test/bkt/k")
            .insert_header(("origin", "http://app.example"))
            .insert_header(("access-control-request-method", "PUT")),
    )
    .await;
    assert_eq!(preflight.status, 200, "{}", preflight.text());
}
