//! HTTP-level tests of STS on the S3 port: `GetSessionToken` and `AssumeRole` signed as botocore
//! signs them (form body, service `sts`, no `x-amz-content-sha256` header), the credentials they
//! issue used on S3 requests, and expiry with the clock moved forward over the same data.

mod common;

use actix_web::test::TestRequest;
use actix_web::{test, web, App};
use common::{call, default_config, element, Reply, ACCESS_KEY, HOST, SECRET_KEY};
use minis3::auth::sigv4::{self, SigningParams};
use minis3::server::{configure, AppState};
use std::time::SystemTime;

/// Form parameters of an STS call.
type Params<'a> = &'a [(&'a str, &'a str)];

/// Who signs: a key, its secret, maybe a session token.
#[derive(Clone)]
struct Creds {
    access_key: String,
    secret: String,
    token: Option<String>,
}

fn root() -> Creds {
    Creds {
        access_key: ACCESS_KEY.into(),
        secret: SECRET_KEY.into(),
        token: None,
    }
}

/// An STS call as botocore sends it: `POST /`, form body, SigV4 over host, content-type,
/// x-amz-date (and the token), payload hash = SHA-256 of the body, not sent as a header.
fn sts_request(creds: &Creds, service: &str, body: &str, signed_body: &str) -> TestRequest {
    let amz_date = sigv4::format_amz_date(SystemTime::now());
    let day = &amz_date[..8];
    let mut headers = vec![
        (
            "content-type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        ),
        ("host".to_string(), HOST.to_string()),
        ("x-amz-date".to_string(), amz_date.clone()),
    ];
    if let Some(token) = &creds.token {
        headers.push(("x-amz-security-token".to_string(), token.clone()));
    }
    let names: Vec<String> = headers.iter().map(|(n, _)| n.clone()).collect();
    let creq = sigv4::create_canonical_request(
        "POST",
        "/",
        "",
        &sigv4::canonical_headers(&headers, &names),
        &names.join(";"),
        &sigv4::sha256_hex(signed_body.as_bytes()),
    );
    let scope = sigv4::credential_scope(day, "us-east-1", service);
    let string_to_sign = sigv4::create_string_to_sign(&amz_date, &scope, &creq);
    let key = sigv4::derive_signing_key(&creds.secret, day, "us-east-1", service);
    let signature = sigv4::calculate_signature(&key, &string_to_sign);
    let mut req = TestRequest::post().uri("/");
    for (name, value) in &headers {
        req = req.insert_header((name.as_str(), value.as_str()));
    }
    req.insert_header((
        "authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
            creds.access_key,
            names.join(";")
        ),
    ))
    .insert_header(("content-length", body.len().to_string()))
    .set_payload(body.to_string())
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                sigv4::uri_encode(k.as_bytes(), false),
                sigv4::uri_encode(v.as_bytes(), false)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn signed_sts(creds: &Creds, pairs: &[(&str, &str)]) -> TestRequest {
    let body = form(pairs);
    sts_request(creds, "sts", &body, &body)
}

/// The credentials in a successful STS answer.
fn issued(reply: &Reply) -> Creds {
    assert_eq!(reply.status, 200, "{}", reply.text());
    let doc = reply.text();
    Creds {
        access_key: element(&doc, "AccessKeyId").expect("AccessKeyId"),
        secret: element(&doc, "SecretAccessKey").expect("SecretAccessKey"),
        token: Some(element(&doc, "SessionToken").expect("SessionToken")),
    }
}

/// An S3 request signed in the Authorization header (with the token when there is one).
fn s3_request(creds: &Creds, method: &str, path: &str, body: &[u8]) -> TestRequest {
    let params = SigningParams {
        access_key: &creds.access_key,
        secret_key: &creds.secret,
        region: "us-east-1",
        service: "s3",
        time: SystemTime::now(),
        session_token: creds.token.as_deref(),
    };
    let signed = sigv4::sign_request_headers(
        &params,
        method,
        path,
        "",
        &[("host".to_string(), HOST.to_string())],
        &sigv4::sha256_hex(body),
    );
    let mut req = TestRequest::default()
        .method(actix_web::http::Method::from_bytes(method.as_bytes()).expect("method"))
        .uri(path)
        .insert_header(("host", HOST));
    for (name, value) in &signed.headers {
        req = req.insert_header((name.as_str(), value.as_str()));
    }
    req.insert_header(("content-length", body.len().to_string()))
        .set_payload(body.to_vec())
}

/// A presigned GET URL (X-Amz-Security-Token included with a session).
fn presigned_get(creds: &Creds, path: &str, expires: u64) -> TestRequest {
    let params = SigningParams {
        access_key: &creds.access_key,
        secret_key: &creds.secret,
        region: "us-east-1",
        service: "s3",
        time: SystemTime::now(),
        session_token: creds.token.as_deref(),
    };
    let query = sigv4::presign_query(
        &params,
        "GET",
        path,
        "",
        &[("host".to_string(), HOST.to_string())],
        expires,
    );
    assert!(creds.token.is_none() || query.contains("X-Amz-Security-Token="));
    TestRequest::get()
        .uri(&format!("{path}?{query}"))
        .insert_header(("host", HOST))
}

/// The `<Code>` and `<Type>` of an STS `<ErrorResponse>`.
fn sts_error(reply: &Reply) -> (String, String) {
    let doc = reply.text();
    assert!(
        doc.contains("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"),
        "{doc}"
    );
    assert!(element(&doc, "RequestId").is_some_and(|id| !id.is_empty()));
    (
        element(&doc, "Code").unwrap_or_default(),
        element(&doc, "Type").unwrap_or_default(),
    )
}

macro_rules! app_on {
    ($dir:expr, $offset:expr) => {{
        let mut config = default_config($dir);
        config.clock_offset_secs = $offset;
        // Opened twice on one directory by the expiry test.
        let store = common::open_store($dir);
        let state = web::Data::new(AppState::new(store, config).expect("app state"));
        test::init_service(App::new().configure(configure(state))).await
    }};
}

#[actix_web::test]
async fn session_tokens_work_on_s3_only_with_their_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_on!(dir.path(), 0);
    assert_eq!(
        call(&app, s3_request(&root(), "PUT", "/bkt", b""))
            .await
            .status,
        200
    );

    let reply = call(
        &app,
        signed_sts(
            &root(),
            &[
                ("Action", "GetSessionToken"),
                ("Version", "2011-06-15"),
                ("DurationSeconds", "900"),
            ],
        ),
    )
    .await;
    assert_eq!(reply.header("content-type"), Some("text/xml"));
    let doc = reply.text();
    assert!(doc.contains("<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetSessionTokenResult><Credentials>"), "{doc}");
    let session = issued(&reply);
    assert!(session.access_key.starts_with("ASIA"));
    let expiration = element(&doc, "Expiration").expect("Expiration");
    let expected = sigv4::format_iso8601(SystemTime::now() + std::time::Duration::from_secs(900));
    // Same minute as now + 900 s (the request took well under a minute).
    assert_eq!(
        expiration[..16],
        expected[..16],
        "{expiration} vs {expected}"
    );

    let put = call(&app, s3_request(&session, "PUT", "/bkt/k", b"data")).await;
    assert_eq!(put.status, 200, "{}", put.text());
    let get = call(&app, presigned_get(&session, "/bkt/k", 300)).await;
    assert_eq!(get.status, 200, "{}", get.text());
    assert_eq!(&get.body[..], b"data");

    let without = Creds {
        token: None,
        ..session.clone()
    };
    let reply = call(&app, s3_request(&without, "GET", "/bkt/k", b"")).await;
    assert_eq!(reply.error_code(), "InvalidToken", "{}", reply.text());
    let wrong = Creds {
        token: Some("not-the-token".into()),
        ..session.clone()
    };
    let reply = call(&app, s3_request(&wrong, "GET", "/bkt/k", b"")).await;
    assert_eq!(reply.error_code(), "InvalidToken", "{}", reply.text());
    let reply = call(&app, presigned_get(&wrong, "/bkt/k", 300)).await;
    assert_eq!(reply.error_code(), "InvalidToken", "{}", reply.text());

    // Session credentials cannot get another session token (AWS's rule).
    let reply = call(&app, signed_sts(&session, &[("Action", "GetSessionToken")])).await;
    assert_eq!(reply.status, 403);
    assert_eq!(sts_error(&reply), ("AccessDenied".into(), "Sender".into()));
}

#[actix_web::test]
async fn assume_role_narrows_with_its_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_on!(dir.path(), 0);
    for path in ["/bkt", "/other"] {
        assert_eq!(
            call(&app, s3_request(&root(), "PUT", path, b""))
                .await
                .status,
            200
        );
    }
    assert_eq!(
        call(&app, s3_request(&root(), "PUT", "/bkt/k", b"v"))
            .await
            .status,
        200
    );
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::bkt"},
        {"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::bkt/*"}]}"#;
    let reply = call(
        &app,
        signed_sts(
            &root(),
            &[
                ("Action", "AssumeRole"),
                ("Version", "2011-06-15"),
                ("RoleArn", "arn:aws:iam::123456789012:role/reader"),
                ("RoleSessionName", "tests"),
                ("Policy", policy),
            ],
        ),
    )
    .await;
    let doc = reply.text();
    assert_eq!(
        element(&doc, "Arn").as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/reader/tests")
    );
    assert!(element(&doc, "AssumedRoleId")
        .is_some_and(|id| id.starts_with("AROA") && id.ends_with(":tests")));
    let reader = issued(&reply);

    let get = call(&app, s3_request(&reader, "GET", "/bkt/k", b"")).await;
    assert_eq!(get.status, 200, "{}", get.text());
    let list = call(&app, s3_request(&reader, "GET", "/bkt", b"")).await;
    assert_eq!(list.status, 200, "{}", list.text());
    for (method, path) in [("PUT", "/bkt/new"), ("DELETE", "/bkt/k"), ("GET", "/other")] {
        let reply = call(&app, s3_request(&reader, method, path, b"x")).await;
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.text());
        assert_eq!(reply.error_code(), "AccessDenied");
    }
    let gone = call(&app, s3_request(&root(), "GET", "/bkt/new", b"")).await;
    assert_eq!(gone.status, 404, "the denied PUT stored nothing");
}

#[actix_web::test]
async fn sts_errors_come_in_sts_envelopes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_on!(dir.path(), 0);
    let cases: Vec<(Params, u16, &str)> = vec![
        (
            &[("Action", "GetSessionToken"), ("DurationSeconds", "899")],
            400,
            "ValidationError",
        ),
        (
            &[("Action", "GetSessionToken"), ("DurationSeconds", "43201")],
            400,
            "ValidationError",
        ),
        (
            &[
                ("Action", "AssumeRole"),
                ("RoleArn", "arn:aws:iam::123456789012:role/r"),
            ],
            400,
            "ValidationError",
        ),
        (
            &[("Action", "AssumeRole"), ("RoleSessionName", "s1")],
            400,
            "ValidationError",
        ),
        (
            &[
                ("Action", "AssumeRole"),
                ("RoleArn", "arn:aws:iam::123456789012:role/r"),
                ("RoleSessionName", "s1"),
                (
                    "Policy",
                    r#"{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}"#,
                ),
            ],
            400,
            "MalformedPolicyDocument",
        ),
        (&[("Action", "GetCallerIdentity")], 400, "InvalidAction"),
    ];
    for (pairs, status, code) in cases {
        let reply = call(&app, signed_sts(&root(), pairs)).await;
        assert_eq!(reply.status, status, "{pairs:?}: {}", reply.text());
        assert_eq!(
            sts_error(&reply),
            (code.to_string(), "Sender".to_string()),
            "{pairs:?}"
        );
    }

    let body = form(&[("Action", "GetSessionToken")]);
    let anonymous = TestRequest::post()
        .uri("/")
        .insert_header(("host", HOST))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body.clone());
    let reply = call(&app, anonymous).await;
    assert_eq!(reply.status, 403);
    assert_eq!(sts_error(&reply).0, "MissingAuthenticationToken");

    // The body is signed: a changed DurationSeconds breaks the signature.
    let tampered = form(&[("Action", "GetSessionToken"), ("DurationSeconds", "43200")]);
    let reply = call(&app, sts_request(&root(), "sts", &tampered, &body)).await;
    assert_eq!(reply.status, 403);
    assert_eq!(sts_error(&reply).0, "SignatureDoesNotMatch");
    // Signed for S3 instead of STS.
    let reply = call(&app, sts_request(&root(), "s3", &body, &body)).await;
    assert_eq!(sts_error(&reply).0, "SignatureDoesNotMatch");
    assert!(
        reply.text().contains("scoped to correct service"),
        "{}",
        reply.text()
    );
    // An unknown key is InvalidClientTokenId, as STS names it.
    let stranger = Creds {
        access_key: "AKIANOBODY".into(),
        ..root()
    };
    let reply = call(
        &app,
        signed_sts(&stranger, &[("Action", "GetSessionToken")]),
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(sts_error(&reply).0, "InvalidClientTokenId");
}

#[actix_web::test]
async fn sessions_expire_when_the_clock_passes_their_expiration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = {
        let app = app_on!(dir.path(), 0);
        assert_eq!(
            call(&app, s3_request(&root(), "PUT", "/bkt", b""))
                .await
                .status,
            200
        );
        assert_eq!(
            call(&app, s3_request(&root(), "PUT", "/bkt/k", b"v"))
                .await
                .status,
            200
        );
        let reply = call(
            &app,
            signed_sts(
                &root(),
                &[("Action", "GetSessionToken"), ("DurationSeconds", "900")],
            ),
        )
        .await;
        issued(&reply)
    };
    // Same data, the authentication clock 1000 s ahead: the 900 s session is over, while a
    // presigned URL valid for an hour would still be within its own expiry.
    let later = app_on!(dir.path(), 1000);
    let reply = call(&later, presigned_get(&session, "/bkt/k", 3600)).await;
    assert_eq!(reply.status, 403, "{}", reply.text());
    assert_eq!(reply.error_code(), "ExpiredToken");
    let root_url = call(&later, presigned_get(&root(), "/bkt/k", 3600)).await;
    assert_eq!(root_url.status, 200, "the root key's URL is still good");
}
