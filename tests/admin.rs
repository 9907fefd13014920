//! HTTP-level tests of the admin API (`/_minis3/admin/`): who may call it, its JSON answers and
//! errors, and that what it changes holds on the very next request.

mod common;

use common::{call, start, Req};
use serde_json::Value;

fn json(reply: &common::Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.text()))
}

fn admin(method: &'static str, path: &str, body: &str) -> Req {
    let req = Req::new(method, &format!("/_minis3/admin/{path}"));
    if body.is_empty() {
        req
    } else {
        req.header("content-type", "application/json").body(body)
    }
}

fn as_key(req: Req, key: &Value) -> Req {
    Req {
        access_key: key["AccessKeyId"].as_str().expect("id").to_string(),
        secret: key["SecretAccessKey"].as_str().expect("secret").to_string(),
        ..req
    }
}

#[actix_web::test]
async fn keys_are_issued_listed_used_and_deleted() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/shared").signed()).await;
    call(app, Req::new("PUT", "/shared/in/a").body("a").signed()).await;

    let created = call(
        app,
        admin(
            "POST",
            "keys",
            r#"{"allow":["read"],"buckets":["shared/in/"]}"#,
        )
        .signed(),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text());
    assert_eq!(created.header("content-type"), Some("application/json"));
    let key = json(&created);
    assert_eq!(key["Allow"], serde_json::json!(["read"]));
    assert_eq!(key["AccessKeyId"].as_str().map(str::len), Some(20));

    let read = call(app, as_key(Req::new("GET", "/shared/in/a"), &key).signed()).await;
    assert_eq!((read.status, read.text().as_str()), (200, "a"));
    let write = call(
        app,
        as_key(Req::new("PUT", "/shared/in/b").body("b"), &key).signed(),
    )
    .await;
    assert_eq!(
        (write.status, write.error_code().as_str()),
        (403, "AccessDenied")
    );
    let absent = call(app, Req::new("GET", "/shared/in/b").signed()).await;
    assert_eq!(absent.status, 404, "a refused write stores nothing");

    let listed = json(&call(app, admin("GET", "keys", "").signed()).await);
    assert_eq!(listed["Keys"][0]["AccessKeyId"], key["AccessKeyId"]);
    assert_eq!(listed["Keys"][0]["SecretIds"][0], key["SecretId"]);
    assert!(!listed
        .to_string()
        .contains(key["SecretAccessKey"].as_str().expect("s")));

    let id = key["AccessKeyId"].as_str().expect("id");
    let deleted = call(app, admin("DELETE", &format!("keys/{id}"), "").signed()).await;
    assert_eq!(deleted.status, 200);
    let after = call(app, as_key(Req::new("GET", "/shared/in/a"), &key).signed()).await;
    assert_eq!(
        (after.status, after.error_code().as_str()),
        (403, "AccessDenied")
    );
    assert!(after.text().contains("revoked"), "{}", after.text());
}

#[actix_web::test]
async fn only_the_root_key_gets_in() {
    let s = start().await;
    let app = &s.service;
    let key = json(&call(app, admin("POST", "keys", "{}").signed()).await);
    assert_eq!(
        key["Allow"],
        serde_json::json!(["read", "write", "list", "delete"])
    );
    let by_issued = call(app, as_key(admin("GET", "keys", ""), &key).signed()).await;
    assert_eq!(
        (by_issued.status, by_issued.error_code().as_str()),
        (403, "AccessDenied")
    );
    let anonymous = call(app, admin("GET", "keys", "").anonymous()).await;
    assert_eq!(
        (anonymous.status, anonymous.error_code().as_str()),
        (403, "AccessDenied")
    );
    let created_by_issued = call(app, as_key(admin("POST", "keys", "{}"), &key).signed()).await;
    assert_eq!(created_by_issued.status, 403);
    let listed = json(&call(app, admin("GET", "keys", "").signed()).await);
    assert_eq!(
        listed["Keys"].as_array().map(Vec::len),
        Some(1),
        "nothing created"
    );
}

#[actix_web::test]
async fn bad_requests_get_clear_errors() {
    let s = start().await;
    let app = &s.service;
    for (method, path, body, status, code) in [
        ("POST", "keys", "not json", 400, "InvalidArgument"),
        (
            "POST",
            "keys",
            r#"{"allow":["fly"]}"#,
            400,
            "InvalidArgument",
        ),
        (
            "POST",
            "keys",
            r#"{"buckets":["x"]}"#,
            400,
            "InvalidBucketName",
        ),
        ("POST", "keys", r#"{"unknown":1}"#, 400, "InvalidArgument"),
        ("PUT", "keys", "", 405, "MethodNotAllowed"),
        ("GET", "nothing-here", "", 400, "InvalidRequest"),
        ("DELETE", "keys/AKIANOPE", "", 404, "NoSuchEntity"),
        ("POST", "keys/AKIANOPE/secrets", "", 404, "NoSuchEntity"),
        (
            "POST",
            "keys/AKIANOPE/revoke-before",
            "",
            404,
            "NoSuchEntity",
        ),
        (
            "POST",
            "keys/minis3admin/revoke-before",
            r#"{"time":"soon"}"#,
            400,
            "InvalidArgument",
        ),
        ("POST", "revocations", "{}", 400, "InvalidArgument"),
        (
            "POST",
            "revocations",
            r#"{"url":"http://h/b/k?a=1"}"#,
            400,
            "InvalidArgument",
        ),
        (
            "PUT",
            "tempurl-keys/acct",
            r#"{"key":""}"#,
            400,
            "InvalidArgument",
        ),
    ] {
        let reply = call(app, admin(method, path, body).signed()).await;
        assert_eq!(
            (reply.status, reply.error_code().as_str()),
            (status, code),
            "{method} {path} {body}: {}",
            reply.text()
        );
    }
    let revocations = json(&call(app, admin("GET", "revocations", "").signed()).await);
    assert_eq!(revocations["Signatures"], serde_json::json!([]));
    assert_eq!(revocations["NotBefore"], serde_json::json!([]));
}

#[actix_web::test]
async fn a_presigned_url_fails_once_its_key_is_deleted() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    call(app, Req::new("PUT", "/bkt/k").body("v").signed()).await;
    let key = json(&call(app, admin("POST", "keys", "{}").signed()).await);
    let url = as_key(Req::new("GET", "/bkt/k"), &key)
        .presigned(600)
        .to_request();
    let target = url.uri().to_string();
    // Twice: the second is the repeat a worker answers from the signatures it has verified.
    for _ in 0..2 {
        let ok = call(app, Req::new("GET", &target).anonymous()).await;
        assert_eq!((ok.status, ok.text().as_str()), (200, "v"));
    }
    let id = key["AccessKeyId"].as_str().expect("id");
    let deleted = call(app, admin("DELETE", &format!("keys/{id}"), "").signed()).await;
    assert_eq!(deleted.status, 200);
    let again = call(app, Req::new("GET", &target).anonymous()).await;
    assert_eq!(again.status, 403, "{}", again.text());
}

#[actix_web::test]
async fn a_revoked_url_fails_on_the_next_request() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    call(app, Req::new("PUT", "/bkt/k").body("v").signed()).await;
    let url = Req::new("GET", "/bkt/k").presigned(600).to_request();
    let target = url.uri().to_string();
    let ok = call(app, Req::new("GET", &target).anonymous()).await;
    assert_eq!(ok.status, 200);
    let body = serde_json::json!({ "url": format!("http://127.0.0.1:9000{target}") }).to_string();
    let revoked = call(app, admin("POST", "revocations", &body).signed()).await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    let again = call(app, Req::new("GET", &target).anonymous()).await;
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (403, "AccessDenied")
    );
    assert!(again.text().contains("revoked"), "{}", again.text());
}
