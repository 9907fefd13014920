//! HTTP-level tests of bucket policies: Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus
//! (storage, compaction, validation with S3's MalformedPolicy messages, the integrity header and
//! size limit, Block Public Access), and what a policy lets an anonymous request do: the action
//! each operation needs, wildcards, IAM condition rules with the connection's address as
//! aws:SourceIp, Deny over Allow and ACLs, RestrictPublicBuckets, and signed requests untouched.

mod common;

use actix_web::test::TestRequest;
use base64::Engine;
use common::{call, element, elements, start, Reply, Req};
use md5::{Digest, Md5};
use serde_json::{json, Value};

/// The address anonymous requests come from unless a test says otherwise.
const LOCAL: &str = "127.0.0.1:50123";
const ACCOUNT: &str = "123456789012";
const BOUNDARY: &str = "----minis3PolicyFormBoundary";

/// A request from `addr` with no signature.
fn from(req: Req, addr: &str) -> TestRequest {
    req.anonymous()
        .peer_addr(addr.parse().expect("socket address"))
}

/// A request from the loopback address with no signature.
fn anon(req: Req) -> TestRequest {
    from(req, LOCAL)
}

fn get(path: &str) -> Req {
    Req::new("GET", path)
}

fn arn(resource: &str) -> String {
    format!("arn:aws:s3:::{resource}")
}

fn allow(action: Value, resource: Value) -> Value {
    json!({"Effect": "Allow", "Principal": "*", "Action": action, "Resource": resource})
}

fn deny(action: Value, resource: Value) -> Value {
    json!({"Effect": "Deny", "Principal": "*", "Action": action, "Resource": resource})
}

fn with_condition(mut statement: Value, condition: Value) -> Value {
    statement["Condition"] = condition;
    statement
}

fn document(statements: &[Value]) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn public_read(bucket: &str) -> Value {
    document(&[allow(
        json!("s3:GetObject"),
        json!(arn(&format!("{bucket}/*"))),
    )])
}

fn put_policy(bucket: &str, body: &str) -> TestRequest {
    Req::new("PUT", &format!("/{bucket}?policy"))
        .body(body.to_string())
        .signed()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn crc32_b64(data: &[u8]) -> String {
    let crc = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32IsoHdlc, data) as u32;
    b64(&crc.to_be_bytes())
}

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(
        (reply.status, reply.error_code().as_str()),
        (status, code),
        "{}",
        reply.text()
    );
}

/// The `<Message>` of an S3 error body, its XML escapes undone.
fn message_of(reply: &Reply) -> String {
    element(&reply.text(), "Message")
        .unwrap_or_default()
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn assert_denied(reply: &Reply) {
    assert_error(reply, 403, "AccessDenied");
}

/// Stores `doc` as the bucket's policy, which must be accepted.
async fn set_policy<S>(app: &S, bucket: &str, doc: &Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let r = call(app, put_policy(bucket, &doc.to_string())).await;
    assert_eq!(r.status, 204, "{doc}: {}", r.text());
}

/// The stored policy, parsed (it must exist).
async fn policy_of<S>(app: &S, bucket: &str) -> Value
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let r = call(app, get(&format!("/{bucket}?policy")).signed()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    serde_json::from_slice(&r.body).expect("the stored policy is JSON")
}

async fn keys_in<S>(app: &S, bucket: &str) -> Vec<String>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let list = call(app, get(&format!("/{bucket}?list-type=2")).signed()).await;
    assert_eq!(list.status, 200, "{}", list.text());
    elements(&list.text(), "Key")
}

/// Creates `bucket` with the objects `(key, body)`, all private.
async fn bucket_with<S>(app: &S, bucket: &str, objects: &[(&str, &str)])
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let r = call(app, Req::new("PUT", &format!("/{bucket}")).signed()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    for (key, body) in objects {
        let r = call(
            app,
            Req::new("PUT", &format!("/{bucket}/{key}"))
                .body(body.to_string())
                .signed(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
}

/// The status of an anonymous GET of `path` from the loopback address with `headers`.
async fn anon_status<S>(app: &S, path: &str, headers: &[(&str, &str)]) -> u16
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let mut req = get(path);
    for (name, value) in headers {
        req = req.header(name, value);
    }
    let r = call(app, anon(req)).await;
    if r.status == 403 {
        assert_eq!(r.error_code(), "AccessDenied", "{}", r.text());
    }
    r.status
}

// -- storing, reading, deleting -------------------------------------------------------------------

#[actix_web::test]
async fn policies_are_stored_compacted_read_back_and_deleted() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "site", &[]).await;
    let none = call(app, get("/site?policy").signed()).await;
    assert_error(&none, 404, "NoSuchBucketPolicy");
    assert_eq!(element(&none.text(), "BucketName").as_deref(), Some("site"));

    // Whitespace outside strings goes; inside them, and escapes, stay as written.
    let text = "\r\n {\n  \"Version\" : \"2012-10-17\",\n\t\"Statement\": [ {\n    \"Sid\": \"Read by referer\",\n    \
                \"Effect\": \"Allow\", \"Principal\": \"*\",\n    \"Action\": [ \"s3:GetObject\" ],\n    \
                \"Resource\": \"arn:aws:s3:::site/a dir/*\",\n    \
                \"Condition\": { \"StringLike\": { \"aws:Referer\": \"http://example.com/ \\\"q\\\" /*\" } }\n  } ]\n}\n";
    let compact = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Read by referer\",\
                   \"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[\"s3:GetObject\"],\
                   \"Resource\":\"arn:aws:s3:::site/a dir/*\",\
                   \"Condition\":{\"StringLike\":{\"aws:Referer\":\"http://example.com/ \\\"q\\\" /*\"}}}]}";
    let put = call(app, put_policy("site", text)).await;
    assert_eq!(put.status, 204, "{}", put.text());
    assert!(put.body.is_empty());
    let got = call(app, get("/site?policy").signed()).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.header("content-type")
            .map(|v| v.split(';').next().unwrap().trim()),
        Some("application/json")
    );
    assert_eq!(got.text(), compact);

    // A second document replaces the first whole.
    let second = document(&[allow(json!("s3:ListBucket"), json!(arn("site")))]);
    set_policy(app, "site", &second).await;
    assert_eq!(policy_of(app, "site").await, second);

    // A document without a Version gets S3's default one.
    let statement = allow(json!("s3:GetObject"), json!(arn("site/*")));
    set_policy(app, "site", &json!({"Statement": [statement.clone()]})).await;
    assert_eq!(
        policy_of(app, "site").await,
        json!({"Version": "2008-10-17", "Statement": [statement]})
    );

    let deleted = call(app, Req::new("DELETE", "/site?policy").signed()).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    assert_error(
        &call(app, get("/site?policy").signed()).await,
        404,
        "NoSuchBucketPolicy",
    );
    let again = call(app, Req::new("DELETE", "/site?policy").signed()).await;
    assert_eq!(again.status, 204, "{}", again.text());
    assert_error(
        &call(app, get("/site?policyStatus").signed()).await,
        404,
        "NoSuchBucketPolicy",
    );
}

#[actix_web::test]
async fn policy_calls_on_a_missing_bucket() {
    let s = start().await;
    let app = &s.service;
    let doc = public_read("nobucket").to_string();
    assert_error(
        &call(app, put_policy("nobucket", &doc)).await,
        404,
        "NoSuchBucket",
    );
    for target in ["/nobucket?policy", "/nobucket?policyStatus"] {
        assert_error(&call(app, get(target).signed()).await, 404, "NoSuchBucket");
    }
    assert_error(
        &call(app, Req::new("DELETE", "/nobucket?policy").signed()).await,
        404,
        "NoSuchBucket",
    );
    assert_eq!(
        call(app, Req::new("HEAD", "/nobucket").signed())
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn put_policy_needs_content_md5_or_a_checksum() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    let kept = public_read("bkt");
    set_policy(app, "bkt", &kept).await;
    let new = document(&[allow(json!("s3:ListBucket"), json!(arn("bkt")))]).to_string();

    let bare = call(
        app,
        Req::new("PUT", "/bkt?policy")
            .body(new.clone())
            .without_content_md5()
            .signed(),
    )
    .await;
    assert_error(&bare, 400, "InvalidRequest");
    assert!(bare.text().contains("Content-MD5"), "{}", bare.text());
    assert_eq!(policy_of(app, "bkt").await, kept);

    let wrong_md5 = call(
        app,
        Req::new("PUT", "/bkt?policy")
            .header("content-md5", &b64(&Md5::digest(b"something else")))
            .body(new.clone())
            .signed(),
    )
    .await;
    assert_error(&wrong_md5, 400, "BadDigest");
    assert_eq!(policy_of(app, "bkt").await, kept);

    let wrong_crc = call(
        app,
        Req::new("PUT", "/bkt?policy")
            .header("x-amz-checksum-crc32", "AAAAAA==")
            .body(new.clone())
            .without_content_md5()
            .signed(),
    )
    .await;
    assert_error(&wrong_crc, 400, "BadDigest");
    assert_eq!(policy_of(app, "bkt").await, kept);

    let crc = call(
        app,
        Req::new("PUT", "/bkt?policy")
            .header("x-amz-checksum-crc32", &crc32_b64(new.as_bytes()))
            .body(new.clone())
            .without_content_md5()
            .signed(),
    )
    .await;
    assert_eq!(crc.status, 204, "{}", crc.text());
    assert_eq!(policy_of(app, "bkt").await.to_string(), new);
}

/// The good statement of the malformed cases with `changes` applied (Null removes a field).
fn statement_with(changes: Value) -> String {
    let mut statement = allow(json!("s3:GetObject"), json!(arn("bkt/*")));
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            statement.as_object_mut().unwrap().remove(name);
        } else {
            statement[name] = value.clone();
        }
    }
    document(&[statement]).to_string()
}

#[actix_web::test]
async fn malformed_policies_are_refused_with_s3s_messages_and_change_nothing() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "private")]).await;
    let first_byte = "Policies must be valid JSON and the first byte must be '{'";
    let invalid_json = "This policy contains invalid Json";
    let principal = "Invalid principal in policy";
    let action = "Policy has invalid action";
    let resource = "Policy has invalid resource";
    let not_applicable = "Action does not apply to any resource(s) in statement";
    let good = statement_with(json!({}));
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), first_byte),
        ("<Policy/>".into(), first_byte),
        (" \n [1, 2]".into(), first_byte),
        ("{\"Version\": \"2012-10-17\", \"Statement\": [".into(), invalid_json),
        ("{'Version': '2012-10-17'}".into(), invalid_json),
        (format!("{good}}}"), invalid_json),
        (
            json!({"Version": "2012-10-18", "Statement": [allow(json!("s3:GetObject"), json!(arn("bkt/*")))]})
                .to_string(),
            "The policy must contain a valid version string",
        ),
        (
            json!({"Version": "2012-10-17"}).to_string(),
            "Missing required field Statement",
        ),
        (
            json!({"Version": "2012-10-17", "Statement": []}).to_string(),
            "Missing required field Statement",
        ),
        (
            json!({"Version": "2012-10-17", "Foo": 1, "Statement": [allow(json!("s3:GetObject"), json!(arn("bkt/*")))]})
                .to_string(),
            "Unknown field Foo",
        ),
        (statement_with(json!({"Foo": "bar"})), "Unknown field Foo"),
        (
            statement_with(json!({"Effect": null})),
            "Missing required field Effect",
        ),
        (
            statement_with(json!({"Effect": "Permit"})),
            "Invalid effect: Permit",
        ),
        (
            statement_with(json!({"Principal": null})),
            "Missing required field Principal",
        ),
        (
            statement_with(json!({"Principal": {"AWS": "not-an-arn"}})),
            principal,
        ),
        (statement_with(json!({"Principal": {"Foo": "x"}})), principal),
        (statement_with(json!({"Principal": "someone"})), principal),
        (
            statement_with(json!({"Action": null})),
            "Missing required field Action",
        ),
        (statement_with(json!({"Action": "ec2:RunInstances"})), action),
        (statement_with(json!({"Action": "s3:NoSuchThing"})), action),
        (statement_with(json!({"Action": "invalid_action"})), action),
        (
            statement_with(json!({"Action": ["s3:GetObject", "s3:GetObjectz"]})),
            action,
        ),
        (
            statement_with(json!({"Resource": null})),
            "Missing required field Resource",
        ),
        (
            statement_with(json!({"Resource": "arn:aws:s3:::other/*"})),
            resource,
        ),
        (
            statement_with(json!({"Resource": "arn:aws:s3:::bkt2/*"})),
            resource,
        ),
        (statement_with(json!({"Resource": "*"})), resource),
        (statement_with(json!({"Resource": "not-an-arn"})), resource),
        (
            statement_with(json!({"Resource": [arn("bkt/*"), arn("other/*")]})),
            resource,
        ),
        (
            statement_with(json!({"Resource": arn("bkt")})),
            not_applicable,
        ),
        (
            statement_with(json!({"Action": "s3:ListBucket", "Resource": arn("bkt/*")})),
            not_applicable,
        ),
        (
            statement_with(json!({"Condition": {"StringEqualz": {"aws:Referer": "x"}}})),
            "Invalid Condition type : StringEqualz",
        ),
        (
            statement_with(json!({"Condition": {"StringEquals": {"s3:nosuchkey": "x"}}})),
            "Policy has an invalid condition key",
        ),
    ];

    // Refused on a bucket without a policy: nothing is stored, nothing opened.
    for (body, message) in &cases {
        let r = call(app, put_policy("bkt", body)).await;
        assert_error(&r, 400, "MalformedPolicy");
        assert_eq!(message_of(&r), *message, "{body}");
    }
    assert_error(
        &call(app, get("/bkt?policy").signed()).await,
        404,
        "NoSuchBucketPolicy",
    );
    assert_denied(&call(app, anon(get("/bkt/k"))).await);

    // Refused on a bucket with one: it stays.
    let kept = document(&[allow(json!("s3:ListBucket"), json!(arn("bkt")))]);
    set_policy(app, "bkt", &kept).await;
    for (body, _) in &cases {
        let r = call(app, put_policy("bkt", body)).await;
        assert_error(&r, 400, "MalformedPolicy");
        assert_eq!(policy_of(app, "bkt").await, kept, "{body}");
    }
    assert_denied(&call(app, anon(get("/bkt/k"))).await);
}

#[actix_web::test]
async fn valid_principals_actions_resources_and_conditions_are_accepted() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    let objects = json!(arn("bkt/*"));
    let principals = [
        json!("*"),
        json!({"AWS": "*"}),
        json!({"AWS": ACCOUNT}),
        json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}),
        json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:user/x")}),
        json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:role/x")}),
        json!({"Service": "cloudtrail.amazonaws.com"}),
        json!({"CanonicalUser": "ab".repeat(32)}),
        json!({"AWS": [ACCOUNT, "*"], "Service": ["cloudtrail.amazonaws.com"]}),
    ];
    for principal in principals {
        let mut statement = allow(json!("s3:GetObject"), objects.clone());
        statement["Principal"] = principal;
        let doc = document(&[statement]);
        set_policy(app, "bkt", &doc).await;
        assert_eq!(policy_of(app, "bkt").await, doc);
    }
    let both = json!([arn("bkt"), arn("bkt/*")]);
    for doc in [
        document(&[allow(json!("s3:*"), both.clone())]),
        document(&[allow(json!("*"), both.clone())]),
        document(&[allow(json!("s3:Get*"), objects.clone())]),
        document(&[allow(
            json!(["s3:ListBucket", "s3:GetObject"]),
            both.clone(),
        )]),
        json!({"Version": "2012-10-17", "Statement": allow(json!("s3:GetObject"), objects.clone())}),
        json!({"Version": "2008-10-17", "Id": "x", "Statement": [allow(json!("s3:GetObject"), objects.clone())]}),
        document(&[
            json!({"Effect": "Deny", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "s3:GetObject", "Resource": objects.clone()}),
        ]),
        document(&[
            json!({"Effect": "Allow", "Principal": "*", "NotAction": "s3:DeleteObject", "Resource": objects.clone()}),
        ]),
        document(&[
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "NotResource": arn("bkt/secret/*")}),
        ]),
        document(&[with_condition(
            allow(json!("s3:ListBucket"), json!(arn("bkt"))),
            json!({"StringLike": {"s3:prefix": ["home/*"]}, "NumericLessThanEquals": {"s3:max-keys": "100"},
                   "StringEquals": {"s3:delimiter": "/"}}),
        )]),
        document(&[with_condition(
            allow(json!("s3:PutObject"), objects.clone()),
            json!({"StringEqualsIfExists": {"s3:x-amz-server-side-encryption": "AES256"},
                   "Null": {"s3:x-amz-acl": "true"}, "StringNotEquals": {"s3:x-amz-storage-class": "GLACIER"}}),
        )]),
        document(&[with_condition(
            allow(json!("s3:GetObject"), objects.clone()),
            json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
                   "NotIpAddress": {"aws:SourceIp": "10.1.0.0/16"},
                   "Bool": {"aws:SecureTransport": "false"},
                   "DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"},
                   "NumericGreaterThan": {"aws:EpochTime": "0"},
                   "StringLike": {"aws:Referer": "http://example.com/*", "aws:UserAgent": "*"},
                   "StringEquals": {"aws:PrincipalType": "Anonymous"}}),
        )]),
    ] {
        set_policy(app, "bkt", &doc).await;
        assert_eq!(policy_of(app, "bkt").await, doc);
    }
}

/// A compact, valid public-read policy on bucket `b` of exactly `size` bytes.
fn policy_of_size(size: usize) -> String {
    let text = |pad: usize| {
        let mut statement = allow(json!("s3:GetObject"), json!(arn("bkt/*")));
        statement["Sid"] = json!(format!("S{}", "a".repeat(pad)));
        document(&[statement]).to_string()
    };
    let out = text(size - text(0).len());
    assert_eq!(out.len(), size);
    out
}

#[actix_web::test]
async fn policies_are_limited_to_20_kib() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    let largest = policy_of_size(20 * 1024);
    let r = call(app, put_policy("bkt", &largest)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let too_large = policy_of_size(20 * 1024 + 1);
    assert_error(
        &call(app, put_policy("bkt", &too_large)).await,
        400,
        "MalformedPolicy",
    );
    let got = call(app, get("/bkt?policy").signed()).await;
    assert_eq!(got.text(), largest);
}

// -- public or not --------------------------------------------------------------------------------

fn non_public_policies() -> Vec<Value> {
    let objects = json!(arn("bkt/*"));
    vec![
        document(&[with_condition(
            allow(json!("s3:GetObject"), objects.clone()),
            json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        )]),
        document(&[
            json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                          "Action": "s3:GetObject", "Resource": objects.clone()}),
        ]),
        document(&[deny(json!("s3:*"), json!([arn("bkt"), arn("bkt/*")]))]),
    ]
}

fn public_policies() -> Vec<Value> {
    let objects = json!(arn("bkt/*"));
    vec![
        public_read("bkt"),
        document(&[
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:ListBucket",
                          "Resource": arn("bkt")}),
        ]),
        // A Referer is anyone's to send: it does not make a policy non-public.
        document(&[with_condition(
            allow(json!("s3:GetObject"), objects.clone()),
            json!({"StringLike": {"aws:Referer": "http://example.com/*"}}),
        )]),
        document(&[
            deny(json!("s3:DeleteObject"), objects.clone()),
            allow(json!("s3:PutObject"), json!(arn("bkt/uploads/*"))),
        ]),
    ]
}

#[actix_web::test]
async fn policy_status_says_whether_the_policy_is_public() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    let status = || get("/bkt?policyStatus").signed();
    for (docs, expected) in [
        (public_policies(), "true"),
        (non_public_policies(), "false"),
    ] {
        for doc in docs {
            set_policy(app, "bkt", &doc).await;
            let r = call(app, status()).await;
            assert_eq!(r.status, 200, "{}", r.text());
            let text = r.text();
            assert!(text.contains("<PolicyStatus"), "{text}");
            assert_eq!(
                element(&text, "IsPublic").as_deref(),
                Some(expected),
                "{doc}"
            );
        }
    }
}

#[actix_web::test]
async fn block_public_policy_refuses_only_public_policies() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "data")]).await;
    // A public policy in place before the setting stays, and keeps working.
    set_policy(app, "bkt", &public_read("bkt")).await;
    let block = Req::new("PUT", "/bkt?publicAccessBlock")
        .body(
            "<PublicAccessBlockConfiguration><BlockPublicPolicy>true</BlockPublicPolicy>\
             </PublicAccessBlockConfiguration>",
        )
        .signed();
    assert_eq!(call(app, block).await.status, 200);
    assert_eq!(policy_of(app, "bkt").await, public_read("bkt"));
    assert_eq!(call(app, anon(get("/bkt/k"))).await.status, 200);

    for doc in public_policies() {
        let r = call(app, put_policy("bkt", &doc.to_string())).await;
        assert_denied(&r);
        assert_eq!(policy_of(app, "bkt").await, public_read("bkt"), "{doc}");
    }
    for doc in non_public_policies() {
        set_policy(app, "bkt", &doc).await;
        assert_eq!(policy_of(app, "bkt").await, doc);
    }
    call(app, Req::new("DELETE", "/bkt?policy").signed()).await;
    assert_denied(&call(app, put_policy("bkt", &public_read("bkt").to_string())).await);
    assert_error(
        &call(app, get("/bkt?policy").signed()).await,
        404,
        "NoSuchBucketPolicy",
    );
    assert_denied(&call(app, anon(get("/bkt/k"))).await);
}

#[actix_web::test]
async fn restrict_public_buckets_voids_public_allows_but_not_denies() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("open/k", "open"), ("secret/k", "secret")]).await;
    set_policy(app, "bkt", &public_read("bkt")).await;
    assert_eq!(anon_status(app, "/bkt/open/k", &[]).await, 200);
    let restrict = |on: bool| {
        Req::new("PUT", "/bkt?publicAccessBlock")
            .body(format!(
                "<PublicAccessBlockConfiguration><RestrictPublicBuckets>{on}</RestrictPublicBuckets>\
                 </PublicAccessBlockConfiguration>"
            ))
            .signed()
    };
    assert_eq!(call(app, restrict(true)).await.status, 200);
    assert_eq!(anon_status(app, "/bkt/open/k", &[]).await, 403);
    // Limited to an address range, the policy is not public: its Allow counts, and its Deny.
    set_policy(
        app,
        "bkt",
        &document(&[
            with_condition(
                allow(json!("s3:GetObject"), json!(arn("bkt/*"))),
                json!({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
            ),
            deny(json!("s3:GetObject"), json!(arn("bkt/secret/*"))),
        ]),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/open/k", &[]).await, 200);
    assert_eq!(anon_status(app, "/bkt/secret/k", &[]).await, 403);
    assert_eq!(
        call(app, from(get("/bkt/open/k"), "10.1.2.3:4000"))
            .await
            .status,
        403
    );
    set_policy(app, "bkt", &public_read("bkt")).await;
    assert_eq!(anon_status(app, "/bkt/open/k", &[]).await, 403);
    assert_eq!(call(app, restrict(false)).await.status, 200);
    assert_eq!(anon_status(app, "/bkt/open/k", &[]).await, 200);
}

// -- what anonymous requests may do ----------------------------------------------------------------

#[actix_web::test]
async fn anonymous_reads_follow_the_policy() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "by policy"), ("dir/x", "x")]).await;
    assert_denied(&call(app, anon(get("/bkt/k"))).await);
    set_policy(app, "bkt", &public_read("bkt")).await;
    let got = call(app, anon(get("/bkt/k"))).await;
    assert_eq!((got.status, got.text().as_str()), (200, "by policy"));
    assert_eq!(
        call(app, anon(Req::new("HEAD", "/bkt/k"))).await.status,
        200
    );
    // Reading objects is not listing them, nor learning which keys are missing.
    for target in ["/bkt?list-type=2", "/bkt", "/bkt?versions"] {
        assert_denied(&call(app, anon(get(target))).await);
    }
    assert_eq!(call(app, anon(Req::new("HEAD", "/bkt"))).await.status, 403);
    assert_denied(&call(app, anon(get("/bkt/missing"))).await);
    assert_eq!(
        call(app, anon(Req::new("HEAD", "/bkt/missing")))
            .await
            .status,
        403
    );
    // Nor writing or deleting.
    assert_denied(&call(app, anon(Req::new("PUT", "/bkt/new").body("x"))).await);
    assert_denied(&call(app, anon(Req::new("DELETE", "/bkt/k"))).await);
    assert_eq!(keys_in(app, "bkt").await, ["dir/x", "k"]);

    let mut doc = public_read("bkt");
    doc["Statement"]
        .as_array_mut()
        .unwrap()
        .push(allow(json!("s3:ListBucket"), json!(arn("bkt"))));
    set_policy(app, "bkt", &doc).await;
    let list = call(app, anon(get("/bkt?list-type=2"))).await;
    assert_eq!(list.status, 200, "{}", list.text());
    assert_eq!(elements(&list.text(), "Key"), ["dir/x", "k"]);
    assert_eq!(call(app, anon(get("/bkt"))).await.status, 200);
    assert_eq!(call(app, anon(Req::new("HEAD", "/bkt"))).await.status, 200);
    assert_error(
        &call(app, anon(get("/bkt/missing"))).await,
        404,
        "NoSuchKey",
    );
    assert_eq!(
        call(app, anon(Req::new("HEAD", "/bkt/missing")))
            .await
            .status,
        404
    );
    // Versions need their own action.
    assert_denied(&call(app, anon(get("/bkt?versions"))).await);
    // Listing alone makes no missing key a 404: the read itself is not allowed.
    let list_only = json!({"Statement": [allow(json!("s3:ListBucket"), json!(arn("bkt")))]});
    set_policy(app, "bkt", &list_only).await;
    assert_eq!(call(app, anon(get("/bkt?list-type=2"))).await.status, 200);
    assert_denied(&call(app, anon(get("/bkt/missing"))).await);
    // Nothing changes for a bucket the policy does not belong to.
    bucket_with(app, "other", &[("k", "x")]).await;
    assert_denied(&call(app, anon(get("/other/k"))).await);
    assert_denied(&call(app, anon(get("/other?list-type=2"))).await);
}

#[actix_web::test]
async fn wildcards_in_actions_and_resources() {
    let s = start().await;
    let app = &s.service;
    bucket_with(
        app,
        "bkt",
        &[
            ("file1.txt", "1"),
            ("file10.txt", "10"),
            ("public/a", "a"),
            ("Public/b", "b"),
            ("publicity", "p"),
            ("logs/2024/app.log", "log"),
            ("logs/2024/app.txt", "txt"),
        ],
    )
    .await;
    set_policy(
        app,
        "bkt",
        &document(&[allow(
            json!("s3:get*"),
            json!([
                arn("bkt/file?.txt"),
                arn("bkt/public/*"),
                arn("bkt/logs/*.log")
            ]),
        )]),
    )
    .await;
    for (path, expected) in [
        ("/bkt/file1.txt", 200),
        ("/bkt/file10.txt", 403),
        ("/bkt/public/a", 200),
        ("/bkt/Public/b", 403),
        ("/bkt/publicity", 403),
        ("/bkt/logs/2024/app.log", 200),
        ("/bkt/logs/2024/app.txt", 403),
    ] {
        assert_eq!(anon_status(app, path, &[]).await, expected, "{path}");
    }
    // "s3:get*" takes in GetObjectTagging as well, whatever the case.
    assert_eq!(anon_status(app, "/bkt/public/a?tagging", &[]).await, 200);
    assert_eq!(anon_status(app, "/bkt/file1.txt?tagging", &[]).await, 200);
    // ...but not what does not start with Get.
    assert_denied(&call(app, anon(Req::new("DELETE", "/bkt/public/a"))).await);

    set_policy(
        app,
        "bkt",
        &document(&[allow(json!("S3:GETOBJECT"), json!(arn("bkt/*")))]),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/Public/b", &[]).await, 200);
    assert_eq!(anon_status(app, "/bkt/public/a?tagging", &[]).await, 403);
}

#[actix_web::test]
async fn source_ip_is_the_connections_address() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "v")]).await;
    let only_from = |cidr: Value| {
        document(&[with_condition(
            allow(json!("s3:GetObject"), json!(arn("bkt/*"))),
            json!({"IpAddress": {"aws:SourceIp": cidr}}),
        )])
    };
    let status_from =
        |addr: &'static str| async move { call(app, from(get("/bkt/k"), addr)).await.status };

    set_policy(app, "bkt", &only_from(json!("10.0.0.0/8"))).await;
    assert_eq!(status_from("10.1.2.3:4000").await, 200);
    assert_eq!(status_from("127.0.0.1:4000").await, 403);
    assert_eq!(status_from("11.0.0.1:4000").await, 403);
    // A forwarding header is the client's own say, not its address.
    let spoofed = call(
        app,
        from(
            get("/bkt/k")
                .header("x-forwarded-for", "10.1.2.3")
                .header("forwarded", "for=10.1.2.3"),
            "127.0.0.1:4000",
        ),
    )
    .await;
    assert_denied(&spoofed);

    set_policy(app, "bkt", &only_from(json!("127.0.0.0/8"))).await;
    assert_eq!(status_from("127.0.0.1:4000").await, 200);
    assert_eq!(status_from("10.1.2.3:4000").await, 403);

    set_policy(
        app,
        "bkt",
        &only_from(json!(["192.168.0.0/16", "10.1.2.3/32"])),
    )
    .await;
    assert_eq!(status_from("10.1.2.3:4000").await, 200);
    assert_eq!(status_from("192.168.7.7:4000").await, 200);
    assert_eq!(status_from("10.1.2.4:4000").await, 403);

    set_policy(app, "bkt", &only_from(json!("::1/128"))).await;
    assert_eq!(status_from("[::1]:4000").await, 200);
    assert_eq!(status_from("127.0.0.1:4000").await, 403);

    // NotIpAddress Deny: everything from outside the range is refused.
    set_policy(
        app,
        "bkt",
        &document(&[
            allow(json!("s3:GetObject"), json!(arn("bkt/*"))),
            with_condition(
                deny(json!("s3:*"), json!([arn("bkt"), arn("bkt/*")])),
                json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
            ),
        ]),
    )
    .await;
    assert_eq!(status_from("10.9.9.9:4000").await, 200);
    assert_eq!(status_from("127.0.0.1:4000").await, 403);
}

#[actix_web::test]
async fn conditions_follow_iams_rules() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "v")]).await;
    let objects = json!(arn("bkt/*"));
    let get_allowed_if = |condition: Value| {
        document(&[with_condition(
            allow(json!("s3:GetObject"), objects.clone()),
            condition,
        )])
    };
    let ok_ref: &[(&str, &str)] = &[("referer", "http://example.com/page")];
    let other_ref: &[(&str, &str)] = &[("referer", "http://other.example/page")];
    let no_ref: &[(&str, &str)] = &[];

    // Plain operator, absent key: false.
    set_policy(
        app,
        "bkt",
        &get_allowed_if(json!({"StringLike": {"aws:Referer": "http://example.com/*"}})),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/k", ok_ref).await, 200);
    assert_eq!(anon_status(app, "/bkt/k", other_ref).await, 403);
    assert_eq!(anon_status(app, "/bkt/k", no_ref).await, 403);
    // ...IfExists: true when absent.
    set_policy(
        app,
        "bkt",
        &get_allowed_if(json!({"StringLikeIfExists": {"aws:Referer": "http://example.com/*"}})),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/k", ok_ref).await, 200);
    assert_eq!(anon_status(app, "/bkt/k", other_ref).await, 403);
    assert_eq!(anon_status(app, "/bkt/k", no_ref).await, 200);
    // Negated operator, absent key: true (so this Deny refuses requests without a Referer).
    set_policy(
        app,
        "bkt",
        &document(&[
            allow(json!("s3:GetObject"), objects.clone()),
            with_condition(
                deny(json!("s3:GetObject"), objects.clone()),
                json!({"StringNotLike": {"aws:Referer": "http://example.com/*"}}),
            ),
        ]),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/k", ok_ref).await, 200);
    assert_eq!(anon_status(app, "/bkt/k", other_ref).await, 403);
    assert_eq!(anon_status(app, "/bkt/k", no_ref).await, 403);
    // Null.
    set_policy(
        app,
        "bkt",
        &get_allowed_if(json!({"Null": {"aws:Referer": "true"}})),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/k", no_ref).await, 200);
    assert_eq!(anon_status(app, "/bkt/k", ok_ref).await, 403);
    set_policy(
        app,
        "bkt",
        &get_allowed_if(json!({"Null": {"aws:Referer": "false"}})),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/k", no_ref).await, 403);
    assert_eq!(anon_status(app, "/bkt/k", other_ref).await, 200);

    // Several values: any of them; negated: none of them.
    let ua = |agent: &'static str| -> [(&'static str, &'static str); 1] { [("user-agent", agent)] };
    set_policy(
        app,
        "bkt",
        &get_allowed_if(json!({"StringEquals": {"aws:UserAgent": ["ua-one", "ua-two"]}})),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/k", &ua("ua-one")).await, 200);
    assert_eq!(anon_status(app, "/bkt/k", &ua("ua-two")).await, 200);
    assert_eq!(anon_status(app, "/bkt/k", &ua("ua-three")).await, 403);
    assert_eq!(anon_status(app, "/bkt/k", &ua("UA-ONE")).await, 403);
    set_policy(
        app,
        "bkt",
        &get_allowed_if(json!({"StringEqualsIgnoreCase": {"aws:UserAgent": "ua-one"}})),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/k", &ua("UA-ONE")).await, 200);
    set_policy(
        app,
        "bkt",
        &get_allowed_if(json!({"StringNotEquals": {"aws:UserAgent": ["ua-one", "ua-two"]}})),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/k", &ua("ua-one")).await, 403);
    assert_eq!(anon_status(app, "/bkt/k", &ua("ua-two")).await, 403);
    assert_eq!(anon_status(app, "/bkt/k", &ua("ua-three")).await, 200);
    // Several keys and operators: all of them.
    set_policy(
        app,
        "bkt",
        &get_allowed_if(json!({
            "StringEquals": {"aws:UserAgent": "ua-one"},
            "StringLike": {"aws:Referer": "http://example.com/*"}
        })),
    )
    .await;
    let both = [
        ("user-agent", "ua-one"),
        ("referer", "http://example.com/x"),
    ];
    assert_eq!(anon_status(app, "/bkt/k", &both).await, 200);
    assert_eq!(anon_status(app, "/bkt/k", &both[..1]).await, 403);
    assert_eq!(anon_status(app, "/bkt/k", &both[1..]).await, 403);

    // The global keys minis3 knows of a request.
    for (condition, expected) in [
        (json!({"Bool": {"aws:SecureTransport": "false"}}), 200),
        (json!({"Bool": {"aws:SecureTransport": "true"}}), 403),
        (
            json!({"StringEquals": {"aws:PrincipalType": "Anonymous"}}),
            200,
        ),
        (
            json!({"StringEquals": {"aws:PrincipalType": "AWSAccount"}}),
            403,
        ),
        (
            json!({"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}),
            200,
        ),
        (
            json!({"DateGreaterThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}),
            403,
        ),
        (
            json!({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
            200,
        ),
        (
            json!({"NumericLessThan": {"aws:EpochTime": "4102444800"}}),
            200,
        ),
        (
            json!({"NumericGreaterThan": {"aws:EpochTime": "4102444800"}}),
            403,
        ),
        (json!({"NumericLessThan": {"aws:EpochTime": "1000"}}), 403),
    ] {
        set_policy(app, "bkt", &get_allowed_if(condition.clone())).await;
        assert_eq!(
            anon_status(app, "/bkt/k", &[]).await,
            expected,
            "{condition}"
        );
    }
}

#[actix_web::test]
async fn listing_condition_keys() {
    let s = start().await;
    let app = &s.service;
    bucket_with(
        app,
        "bkt",
        &[("home/a", "a"), ("home/b", "b"), ("root", "r")],
    )
    .await;
    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(json!("s3:ListBucket"), json!(arn("bkt"))),
            json!({"StringEquals": {"s3:prefix": "home/"}}),
        )]),
    )
    .await;
    let ok = call(app, anon(get("/bkt?list-type=2&prefix=home%2F"))).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(elements(&ok.text(), "Key"), ["home/a", "home/b"]);
    assert_eq!(anon_status(app, "/bkt?prefix=home/", &[]).await, 200);
    for target in [
        "/bkt?list-type=2",
        "/bkt?list-type=2&prefix=home",
        "/bkt?list-type=2&prefix=root",
        "/bkt",
    ] {
        assert_eq!(anon_status(app, target, &[]).await, 403, "{target}");
    }

    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(json!("s3:ListBucket"), json!(arn("bkt"))),
            json!({"StringEquals": {"s3:delimiter": "/"}, "NumericLessThanEquals": {"s3:max-keys": "10"}}),
        )]),
    )
    .await;
    for (target, expected) in [
        ("/bkt?list-type=2&delimiter=%2F&max-keys=10", 200),
        ("/bkt?delimiter=/&max-keys=2", 200),
        ("/bkt?list-type=2&delimiter=%2F&max-keys=11", 403),
        ("/bkt?list-type=2&delimiter=%2F", 403),
        ("/bkt?list-type=2&max-keys=5", 403),
        ("/bkt?list-type=2&delimiter=-&max-keys=5", 403),
    ] {
        assert_eq!(anon_status(app, target, &[]).await, expected, "{target}");
    }
}

#[actix_web::test]
async fn put_object_condition_keys() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    let put = |key: &str, headers: &[(&str, &str)]| {
        let mut req = Req::new("PUT", &format!("/bkt/{key}")).body("x");
        for (name, value) in headers {
            req = req.header(name, value);
        }
        anon(req)
    };
    let objects = json!(arn("bkt/*"));

    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(json!("s3:PutObject"), objects.clone()),
            json!({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}),
        )]),
    )
    .await;
    assert_eq!(
        call(
            app,
            put("acl-ok", &[("x-amz-acl", "bucket-owner-full-control")])
        )
        .await
        .status,
        200
    );
    assert_denied(&call(app, put("acl-none", &[])).await);
    assert_denied(&call(app, put("acl-public", &[("x-amz-acl", "public-read")])).await);

    set_policy(
        app,
        "bkt",
        &document(&[
            allow(json!("s3:PutObject"), objects.clone()),
            with_condition(
                deny(json!("s3:PutObject"), objects.clone()),
                json!({"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}),
            ),
        ]),
    )
    .await;
    assert_eq!(
        call(
            app,
            put("sse-ok", &[("x-amz-server-side-encryption", "AES256")])
        )
        .await
        .status,
        200
    );
    assert_denied(&call(app, put("sse-none", &[])).await);

    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(json!("s3:PutObject"), objects.clone()),
            json!({"StringEquals": {"s3:x-amz-storage-class": "STANDARD_IA"}}),
        )]),
    )
    .await;
    assert_eq!(
        call(
            app,
            put("class-ok", &[("x-amz-storage-class", "STANDARD_IA")])
        )
        .await
        .status,
        200
    );
    assert_denied(&call(app, put("class-none", &[])).await);
    assert_denied(
        &call(
            app,
            put("class-other", &[("x-amz-storage-class", "ONEZONE_IA")]),
        )
        .await,
    );

    assert_eq!(keys_in(app, "bkt").await, ["acl-ok", "class-ok", "sse-ok"]);
    let head = call(app, Req::new("HEAD", "/bkt/class-ok").signed()).await;
    assert_eq!(head.header("x-amz-storage-class"), Some("STANDARD_IA"));
}

#[actix_web::test]
async fn deny_beats_acl_grants_and_allows() {
    let s = start().await;
    let app = &s.service;
    call(
        app,
        Req::new("PUT", "/pub")
            .header("x-amz-acl", "public-read-write")
            .signed(),
    )
    .await;
    call(
        app,
        Req::new("PUT", "/pub/k")
            .header("x-amz-acl", "public-read")
            .body("acl")
            .signed(),
    )
    .await;
    assert_eq!(anon_status(app, "/pub/k", &[]).await, 200);
    assert_eq!(anon_status(app, "/pub?list-type=2", &[]).await, 200);
    assert_error(
        &call(app, anon(get("/pub/missing"))).await,
        404,
        "NoSuchKey",
    );

    set_policy(
        app,
        "pub",
        &document(&[deny(json!("s3:GetObject"), json!(arn("pub/*")))]),
    )
    .await;
    assert_eq!(anon_status(app, "/pub/k", &[]).await, 403);
    assert_eq!(
        call(app, anon(Req::new("HEAD", "/pub/k"))).await.status,
        403
    );
    assert_eq!(anon_status(app, "/pub?list-type=2", &[]).await, 200);

    // Denying the listing hides missing keys again.
    set_policy(
        app,
        "pub",
        &document(&[deny(json!("s3:ListBucket"), json!(arn("pub")))]),
    )
    .await;
    assert_eq!(anon_status(app, "/pub?list-type=2", &[]).await, 403);
    assert_denied(&call(app, anon(get("/pub/missing"))).await);
    assert_eq!(anon_status(app, "/pub/k", &[]).await, 200);

    // Writes the ACL opens, the policy closes.
    set_policy(
        app,
        "pub",
        &document(&[deny(
            json!(["s3:PutObject", "s3:DeleteObject"]),
            json!(arn("pub/*")),
        )]),
    )
    .await;
    assert_denied(&call(app, anon(Req::new("PUT", "/pub/new").body("x"))).await);
    assert_denied(&call(app, anon(Req::new("DELETE", "/pub/k"))).await);
    let form = Form::new("new-by-form").post("pub");
    assert_denied(&call(app, anon(form)).await);
    assert_eq!(keys_in(app, "pub").await, ["k"]);

    // Within one policy too.
    set_policy(
        app,
        "pub",
        &document(&[
            allow(json!("s3:GetObject"), json!(arn("pub/*"))),
            deny(json!("s3:GetObject"), json!(arn("pub/k"))),
        ]),
    )
    .await;
    assert_eq!(anon_status(app, "/pub/k", &[]).await, 403);
    // NotPrincipal naming someone else applies to anonymous requests.
    set_policy(
        app,
        "pub",
        &document(&[json!({"Effect": "Deny", "NotPrincipal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                           "Action": "s3:GetObject", "Resource": arn("pub/*")})]),
    )
    .await;
    assert_eq!(anon_status(app, "/pub/k", &[]).await, 403);
    // A Deny for someone else does not.
    set_policy(
        app,
        "pub",
        &document(&[json!({"Effect": "Deny", "Principal": {"AWS": ACCOUNT},
                           "Action": "s3:GetObject", "Resource": arn("pub/*")})]),
    )
    .await;
    assert_eq!(anon_status(app, "/pub/k", &[]).await, 200);
}

#[actix_web::test]
async fn not_action_and_not_resource() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("open/k", "o"), ("secret/k", "s")]).await;
    set_policy(
        app,
        "bkt",
        &document(&[
            json!({"Effect": "Allow", "Principal": "*", "NotAction": "s3:DeleteObject",
                           "Resource": arn("bkt/*")}),
        ]),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/secret/k", &[]).await, 200);
    assert_denied(&call(app, anon(Req::new("DELETE", "/bkt/secret/k"))).await);
    set_policy(
        app,
        "bkt",
        &document(&[
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                           "NotResource": arn("bkt/secret/*")}),
        ]),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/open/k", &[]).await, 200);
    assert_eq!(anon_status(app, "/bkt/secret/k", &[]).await, 403);
    assert_eq!(keys_in(app, "bkt").await, ["open/k", "secret/k"]);
}

#[actix_web::test]
async fn signed_requests_ignore_the_policy() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "mine")]).await;
    set_policy(
        app,
        "bkt",
        &document(&[deny(json!("s3:*"), json!([arn("bkt"), arn("bkt/*")]))]),
    )
    .await;
    let got = call(app, get("/bkt/k").signed()).await;
    assert_eq!((got.status, got.text().as_str()), (200, "mine"));
    assert_eq!(
        call(app, Req::new("PUT", "/bkt/k2").body("x").signed())
            .await
            .status,
        200
    );
    assert_eq!(keys_in(app, "bkt").await, ["k", "k2"]);
    assert_eq!(
        call(app, Req::new("DELETE", "/bkt/k2").signed())
            .await
            .status,
        204
    );
    assert_eq!(
        policy_of(app, "bkt").await["Statement"][0]["Effect"],
        "Deny"
    );
    // A presigned URL is signed too.
    let presigned = call(app, get("/bkt/k").presigned(300)).await;
    assert_eq!((presigned.status, presigned.text().as_str()), (200, "mine"));
    assert_denied(&call(app, anon(get("/bkt/k"))).await);
    assert_eq!(
        call(app, Req::new("DELETE", "/bkt?policy").signed())
            .await
            .status,
        204
    );
}

#[actix_web::test]
async fn resources_name_keys_decoded_and_documents_keep_their_text() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    for key in [
        "dir%20with%20space/a",
        "%C3%BCber/a",
        "caf%C3%A9/a",
        "plain/a",
    ] {
        let r = call(
            app,
            Req::new("PUT", &format!("/bkt/{key}")).body("x").signed(),
        )
        .await;
        assert_eq!(r.status, 200, "{key}");
    }
    // Raw UTF-8 and a \u escape in the document: both name the decoded key.
    let text =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\
                \"Action\":\"s3:GetObject\",\"Resource\":[\"arn:aws:s3:::bkt/dir with space/*\",\
                \"arn:aws:s3:::bkt/\u{fc}ber/*\",\"arn:aws:s3:::bkt/caf\\u00e9/*\"]}]}";
    let put = call(app, put_policy("bkt", text)).await;
    assert_eq!(put.status, 204, "{}", put.text());
    // Kept as written: the UTF-8 bytes and the escape alike.
    assert_eq!(call(app, get("/bkt?policy").signed()).await.text(), text);
    for (path, expected) in [
        ("/bkt/dir%20with%20space/a", 200),
        ("/bkt/%C3%BCber/a", 200),
        ("/bkt/caf%C3%A9/a", 200),
        ("/bkt/plain/a", 403),
    ] {
        assert_eq!(anon_status(app, path, &[]).await, expected, "{path}");
    }
}

#[actix_web::test]
async fn object_tag_condition_keys() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("untagged", "u")]).await;
    for (key, tagging) in [
        ("public", "visibility=public"),
        ("internal", "visibility=internal"),
    ] {
        let r = call(
            app,
            Req::new("PUT", &format!("/bkt/{key}"))
                .header("x-amz-tagging", tagging)
                .body("x")
                .signed(),
        )
        .await;
        assert_eq!(r.status, 200);
    }
    // Reading: the tags the object has.
    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(json!("s3:GetObject"), json!(arn("bkt/*"))),
            json!({"StringEquals": {"s3:ExistingObjectTag/visibility": "public"}}),
        )]),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/public", &[]).await, 200);
    assert_eq!(anon_status(app, "/bkt/internal", &[]).await, 403);
    assert_eq!(anon_status(app, "/bkt/untagged", &[]).await, 403);
    // Writing: the tags the request gives (x-amz-tagging).
    set_policy(
        app,
        "bkt",
        // Setting tags takes s3:PutObjectTagging besides s3:PutObject, as on S3.
        &document(&[with_condition(
            allow(
                json!(["s3:PutObject", "s3:PutObjectTagging"]),
                json!(arn("bkt/*")),
            ),
            json!({"StringEquals": {"s3:RequestObjectTag/source": "anonymous"}}),
        )]),
    )
    .await;
    let put = |key: &str, tagging: Option<&str>| {
        let mut req = Req::new("PUT", &format!("/bkt/{key}")).body("x");
        if let Some(tagging) = tagging {
            req = req.header("x-amz-tagging", tagging);
        }
        anon(req)
    };
    assert_eq!(
        call(app, put("tagged", Some("source=anonymous&x=y")))
            .await
            .status,
        200
    );
    assert_denied(&call(app, put("other-tag", Some("source=someone"))).await);
    assert_denied(&call(app, put("no-tags", None)).await);
    assert_eq!(
        keys_in(app, "bkt").await,
        ["internal", "public", "tagged", "untagged"]
    );
}

#[actix_web::test]
async fn deleting_the_policy_or_the_bucket_takes_the_grants_away() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "v")]).await;
    set_policy(app, "bkt", &public_read("bkt")).await;
    assert_eq!(anon_status(app, "/bkt/k", &[]).await, 200);
    call(app, Req::new("DELETE", "/bkt?policy").signed()).await;
    assert_eq!(anon_status(app, "/bkt/k", &[]).await, 403);

    set_policy(app, "bkt", &public_read("bkt")).await;
    call(app, Req::new("DELETE", "/bkt/k").signed()).await;
    assert_eq!(
        call(app, Req::new("DELETE", "/bkt").signed()).await.status,
        204
    );
    bucket_with(app, "bkt", &[("k", "new")]).await;
    assert_error(
        &call(app, get("/bkt?policy").signed()).await,
        404,
        "NoSuchBucketPolicy",
    );
    assert_eq!(anon_status(app, "/bkt/k", &[]).await, 403);
}

// -- which action each operation needs ------------------------------------------------------------

const OBJECT_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:GetObjectTagging",
    "s3:PutObjectTagging",
    "s3:DeleteObjectTagging",
    "s3:GetObjectAcl",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
];
const BUCKET_ACTIONS: &[&str] = &[
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:GetBucketAcl",
    "s3:GetBucketLocation",
    "s3:GetBucketPolicy",
    "s3:GetBucketCORS",
    "s3:ListBucketMultipartUploads",
];

/// Anonymous may do `actions`: the object ones on every key, the bucket ones on the bucket.
fn granting(actions: &[&str]) -> Value {
    let objects: Vec<&str> = actions
        .iter()
        .copied()
        .filter(|a| OBJECT_ACTIONS.contains(a))
        .collect();
    let buckets: Vec<&str> = actions
        .iter()
        .copied()
        .filter(|a| BUCKET_ACTIONS.contains(a))
        .collect();
    let mut statements = Vec::new();
    if !objects.is_empty() {
        statements.push(allow(json!(objects), json!(arn("bkt/*"))));
    }
    if !buckets.is_empty() {
        statements.push(allow(json!(buckets), json!(arn("bkt"))));
    }
    document(&statements)
}

/// An unsigned browser form uploading `key` into a bucket, with any other fields before the file.
struct Form {
    key: String,
    fields: Vec<(String, String)>,
}

impl Form {
    fn new(key: &str) -> Self {
        Form {
            key: key.into(),
            fields: Vec::new(),
        }
    }

    fn field(mut self, name: &str, value: &str) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    fn post(&self, bucket: &str) -> Req {
        let mut body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n{}\r\n",
            self.key
        );
        for (name, value) in &self.fields {
            body.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\n\
             Content-Type: text/plain\r\n\r\nform bytes\r\n--{BOUNDARY}--\r\n"
        ));
        Req::new("POST", &format!("/{bucket}"))
            .header(
                "content-type",
                &format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
    }
}

type Build = fn(&str, &str) -> Req;

/// (operation, action it needs, the anonymous request given the upload id and its part's ETag,
/// the status it answers when allowed). GetBucketPolicy is not among them: allowed, it answers
/// 405 (`anonymous_get_bucket_policy_is_refused_then_not_allowed`).
fn operations() -> Vec<(&'static str, &'static str, Build, u16)> {
    vec![
        ("GetObject", "s3:GetObject", |_, _| get("/bkt/k"), 200),
        (
            "HeadObject",
            "s3:GetObject",
            |_, _| Req::new("HEAD", "/bkt/k"),
            200,
        ),
        (
            "ListObjectsV2",
            "s3:ListBucket",
            |_, _| get("/bkt?list-type=2"),
            200,
        ),
        ("ListObjects", "s3:ListBucket", |_, _| get("/bkt"), 200),
        (
            "HeadBucket",
            "s3:ListBucket",
            |_, _| Req::new("HEAD", "/bkt"),
            200,
        ),
        (
            "ListObjectVersions",
            "s3:ListBucketVersions",
            |_, _| get("/bkt?versions"),
            200,
        ),
        (
            "PutObject",
            "s3:PutObject",
            |_, _| Req::new("PUT", "/bkt/new").body("x"),
            200,
        ),
        (
            "DeleteObject",
            "s3:DeleteObject",
            |_, _| Req::new("DELETE", "/bkt/k"),
            204,
        ),
        (
            "GetObjectTagging",
            "s3:GetObjectTagging",
            |_, _| get("/bkt/k?tagging"),
            200,
        ),
        (
            "PutObjectTagging",
            "s3:PutObjectTagging",
            |_, _| {
                Req::new("PUT", "/bkt/k?tagging").body(
                    "<Tagging><TagSet><Tag><Key>by</Key><Value>anon</Value></Tag></TagSet></Tagging>",
                )
            },
            200,
        ),
        (
            "DeleteObjectTagging",
            "s3:DeleteObjectTagging",
            |_, _| Req::new("DELETE", "/bkt/k?tagging"),
            204,
        ),
        (
            "GetObjectAcl",
            "s3:GetObjectAcl",
            |_, _| get("/bkt/k?acl"),
            200,
        ),
        (
            "GetBucketAcl",
            "s3:GetBucketAcl",
            |_, _| get("/bkt?acl"),
            200,
        ),
        (
            "GetBucketLocation",
            "s3:GetBucketLocation",
            |_, _| get("/bkt?location"),
            200,
        ),
        (
            "GetBucketCors",
            "s3:GetBucketCORS",
            |_, _| get("/bkt?cors"),
            200,
        ),
        (
            "ListMultipartUploads",
            "s3:ListBucketMultipartUploads",
            |_, _| get("/bkt?uploads"),
            200,
        ),
        (
            "ListParts",
            "s3:ListMultipartUploadParts",
            |id, _| get(&format!("/bkt/mp?uploadId={id}")),
            200,
        ),
        (
            "AbortMultipartUpload",
            "s3:AbortMultipartUpload",
            |id, _| Req::new("DELETE", &format!("/bkt/mp?uploadId={id}")),
            204,
        ),
        (
            "CreateMultipartUpload",
            "s3:PutObject",
            |_, _| Req::new("POST", "/bkt/new?uploads"),
            200,
        ),
        (
            "UploadPart",
            "s3:PutObject",
            |id, _| Req::new("PUT", &format!("/bkt/mp?partNumber=2&uploadId={id}")).body("second"),
            200,
        ),
        (
            "CompleteMultipartUpload",
            "s3:PutObject",
            |id, etag| {
                Req::new("POST", &format!("/bkt/mp?uploadId={id}")).body(format!(
                    "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>\
                     </CompleteMultipartUpload>"
                ))
            },
            200,
        ),
        (
            "PostObject",
            "s3:PutObject",
            |_, _| Form::new("form/${filename}").post("bkt"),
            204,
        ),
    ]
}

#[actix_web::test]
async fn each_operation_needs_its_own_action() {
    for (operation, action, build, ok) in operations() {
        let s = start().await;
        let app = &s.service;
        bucket_with(app, "bkt", &[]).await;
        let r = call(
            app,
            Req::new("PUT", "/bkt/k")
                .header("x-amz-tagging", "t=1")
                .body("data")
                .signed(),
        )
        .await;
        assert_eq!(r.status, 200);
        let cors = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
                    <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
        assert_eq!(
            call(app, Req::new("PUT", "/bkt?cors").body(cors).signed())
                .await
                .status,
            200
        );
        let created = call(app, Req::new("POST", "/bkt/mp?uploads").signed()).await;
        let id = element(&created.text(), "UploadId").expect("an upload id");
        let part = call(
            app,
            Req::new("PUT", &format!("/bkt/mp?partNumber=1&uploadId={id}"))
                .body("first")
                .signed(),
        )
        .await;
        let etag = part.header("etag").expect("a part ETag").to_string();

        let denied = call(app, anon(build(&id, &etag))).await;
        assert_eq!(
            denied.status,
            403,
            "{operation} without a policy: {}",
            denied.text()
        );
        let others: Vec<&str> = OBJECT_ACTIONS
            .iter()
            .chain(BUCKET_ACTIONS)
            .copied()
            .filter(|a| *a != action)
            .collect();
        set_policy(app, "bkt", &granting(&others)).await;
        let denied = call(app, anon(build(&id, &etag))).await;
        assert_eq!(
            denied.status,
            403,
            "{operation} with every action but {action}: {}",
            denied.text()
        );
        if denied.status == 403 && !denied.body.is_empty() {
            assert_eq!(denied.error_code(), "AccessDenied", "{operation}");
        }
        set_policy(app, "bkt", &granting(&[action])).await;
        let allowed = call(app, anon(build(&id, &etag))).await;
        assert_eq!(
            allowed.status,
            ok,
            "{operation} with {action}: {}",
            allowed.text()
        );
        // What the writes did, seen by the owner.
        match operation {
            "PutObject" => assert!(keys_in(app, "bkt").await.contains(&"new".to_string())),
            "DeleteObject" => assert!(!keys_in(app, "bkt").await.contains(&"k".to_string())),
            "PutObjectTagging" => {
                let tags = call(app, get("/bkt/k?tagging").signed()).await.text();
                assert_eq!(elements(&tags, "Value"), ["anon"]);
            }
            "DeleteObjectTagging" => {
                let tags = call(app, get("/bkt/k?tagging").signed()).await.text();
                assert!(elements(&tags, "Key").is_empty(), "{tags}");
            }
            "CompleteMultipartUpload" => {
                let got = call(app, get("/bkt/mp").signed()).await;
                assert_eq!(got.text(), "first");
            }
            "PostObject" => {
                let got = call(app, get("/bkt/form/f.txt").signed()).await;
                assert_eq!(got.text(), "form bytes");
            }
            "GetObject" => assert_eq!(allowed.text(), "data"),
            _ => {}
        }
    }
}

#[actix_web::test]
async fn s3_star_leaves_copies_batch_deletes_and_settings_to_the_owner() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "data")]).await;
    let doc = document(&[allow(json!("s3:*"), json!([arn("bkt"), arn("bkt/*")]))]);
    set_policy(app, "bkt", &doc).await;
    assert_eq!(anon_status(app, "/bkt/k", &[]).await, 200);

    let delete_body = "<Delete><Object><Key>k</Key></Object></Delete>";
    let attempts = [
        Req::new("PUT", "/bkt/copy").header("x-amz-copy-source", "/bkt/k"),
        Req::new("POST", "/bkt?delete").body(delete_body),
        Req::new("PUT", "/bkt?policy").body(public_read("bkt").to_string()),
        Req::new("DELETE", "/bkt?policy"),
        Req::new("PUT", "/bkt?acl").header("x-amz-acl", "public-read-write"),
        Req::new("PUT", "/bkt/k?acl").header("x-amz-acl", "public-read"),
        Req::new("PUT", "/bkt?tagging")
            .body("<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"),
        Req::new("PUT", "/bkt?publicAccessBlock").body(
            "<PublicAccessBlockConfiguration><IgnorePublicAcls>true</IgnorePublicAcls>\
             </PublicAccessBlockConfiguration>",
        ),
        Req::new("DELETE", "/bkt"),
    ];
    for req in attempts {
        let what = format!("{} {}?{}", req.method, req.path, req.query);
        let r = call(app, anon(req)).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (403, "AccessDenied"),
            "{what}: {}",
            r.text()
        );
    }
    assert_eq!(keys_in(app, "bkt").await, ["k"]);
    assert_eq!(policy_of(app, "bkt").await, doc);
    let acl = call(app, get("/bkt?acl").signed()).await.text();
    assert!(!acl.contains("AllUsers"), "{acl}");
    let k_acl = call(app, get("/bkt/k?acl").signed()).await.text();
    assert!(!k_acl.contains("AllUsers"), "{k_acl}");
    assert_eq!(call(app, get("/bkt?tagging").signed()).await.status, 404);
    assert_eq!(
        call(app, get("/bkt?publicAccessBlock").signed())
            .await
            .status,
        404
    );
    // Nor may anonymous requests create buckets (refused one way or another).
    let create = call(app, anon(Req::new("PUT", "/bkt2"))).await;
    assert!(matches!(create.status, 403 | 404), "{}", create.text());
    assert_eq!(
        call(app, Req::new("HEAD", "/bkt2").signed()).await.status,
        404
    );
}

#[actix_web::test]
async fn anonymous_form_posts_follow_the_policy() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    assert_denied(&call(app, anon(Form::new("uploads/${filename}").post("bkt"))).await);
    // Checked against the key with the file's name in place.
    set_policy(
        app,
        "bkt",
        &document(&[allow(
            json!("s3:PutObject"),
            json!(arn("bkt/uploads/f.txt")),
        )]),
    )
    .await;
    let r = call(app, anon(Form::new("uploads/${filename}").post("bkt"))).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_denied(&call(app, anon(Form::new("uploads/other.txt").post("bkt"))).await);
    assert_denied(&call(app, anon(Form::new("elsewhere/${filename}").post("bkt"))).await);
    assert_eq!(keys_in(app, "bkt").await, ["uploads/f.txt"]);
    let got = call(app, get("/bkt/uploads/f.txt").signed()).await;
    assert_eq!(got.text(), "form bytes");
}

// -- the rules tightened after review ---------------------------------------------------------------

/// The canned ACLs that grant someone besides the owner something.
const GRANTING_ACLS: &[&str] = &[
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "log-delivery-write",
];

/// A `<Tagging>` document of `tags`, as PutObjectTagging's body or a form's `tagging` field.
fn tagging_xml(tags: &[(&str, &str)]) -> String {
    let tags: String = tags
        .iter()
        .map(|(k, v)| format!("<Tag><Key>{k}</Key><Value>{v}</Value></Tag>"))
        .collect();
    format!("<Tagging><TagSet>{tags}</TagSet></Tagging>")
}

/// `req` with `headers` added.
fn with_headers(mut req: Req, headers: &[(&str, &str)]) -> Req {
    for (name, value) in headers {
        req = req.header(name, value);
    }
    req
}

/// The tags of the object at `path` (`/bucket/key`), as the owner reads them.
async fn tags_of<S>(app: &S, path: &str) -> Vec<(String, String)>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let r = call(app, get(&format!("{path}?tagging")).signed()).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    let text = r.text();
    elements(&text, "Key")
        .into_iter()
        .zip(elements(&text, "Value"))
        .collect()
}

fn pairs(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    tags.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The ids of the bucket's multipart uploads in progress, as the owner lists them.
async fn uploads_in<S>(app: &S, bucket: &str) -> Vec<String>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let r = call(app, get(&format!("/{bucket}?uploads")).signed()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    elements(&r.text(), "UploadId")
}

/// Whether GetBucketPolicyStatus calls the bucket's policy public.
async fn is_public<S>(app: &S, bucket: &str) -> bool
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let r = call(app, get(&format!("/{bucket}?policyStatus")).signed()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    match element(&r.text(), "IsPublic").as_deref() {
        Some("true") => true,
        Some("false") => false,
        other => panic!("IsPublic {other:?}: {}", r.text()),
    }
}

fn block_public_access(setting: &str, on: bool) -> TestRequest {
    Req::new("PUT", "/bkt?publicAccessBlock")
        .body(format!(
            "<PublicAccessBlockConfiguration><{setting}>{on}</{setting}>\
             </PublicAccessBlockConfiguration>"
        ))
        .signed()
}

#[actix_web::test]
async fn anonymous_get_bucket_policy_is_refused_then_not_allowed() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    let read_policy = || anon(get("/bkt?policy"));
    // Without a policy: 403, not NoSuchBucketPolicy.
    assert_denied(&call(app, read_policy()).await);
    // Every other action allowed: still 403.
    let others: Vec<&str> = OBJECT_ACTIONS
        .iter()
        .chain(BUCKET_ACTIONS)
        .copied()
        .filter(|a| *a != "s3:GetBucketPolicy")
        .collect();
    set_policy(app, "bkt", &granting(&others)).await;
    assert_denied(&call(app, read_policy()).await);
    // Allowed: 405, as S3 answers callers outside the owner's account, and no document.
    for doc in [
        granting(&["s3:GetBucketPolicy"]),
        document(&[allow(json!("s3:*"), json!([arn("bkt"), arn("bkt/*")]))]),
    ] {
        set_policy(app, "bkt", &doc).await;
        let r = call(app, read_policy()).await;
        assert_error(&r, 405, "MethodNotAllowed");
        assert!(!r.text().contains("Statement"), "{}", r.text());
    }
    // An Allow whose condition does not hold allows nothing: 403 again.
    let from_10 = document(&[with_condition(
        allow(json!("s3:GetBucketPolicy"), json!(arn("bkt"))),
        json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    )]);
    set_policy(app, "bkt", &from_10).await;
    assert_denied(&call(app, read_policy()).await);
    assert_error(
        &call(app, from(get("/bkt?policy"), "10.1.2.3:4000")).await,
        405,
        "MethodNotAllowed",
    );
    // A Deny beats the Allow: 403.
    let denied = document(&[
        allow(json!("s3:GetBucketPolicy"), json!(arn("bkt"))),
        deny(json!("s3:GetBucketPolicy"), json!(arn("bkt"))),
    ]);
    set_policy(app, "bkt", &denied).await;
    assert_denied(&call(app, read_policy()).await);
    // The owner reads it as ever.
    assert_eq!(policy_of(app, "bkt").await, denied);
}

#[actix_web::test]
async fn writes_that_set_tags_or_a_granting_acl_need_those_actions_too() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    let put = |key: &str, headers: &[(&str, &str)]| {
        anon(with_headers(
            Req::new("PUT", &format!("/bkt/{key}")).body("x"),
            headers,
        ))
    };
    let create = |key: &str, headers: &[(&str, &str)]| {
        anon(with_headers(
            Req::new("POST", &format!("/bkt/{key}?uploads")),
            headers,
        ))
    };
    let objects = json!(arn("bkt/*"));
    let tag_field = tagging_xml(&[("by", "form")]);

    // s3:PutObject alone: no ACL, or one granting only the owner.
    set_policy(
        app,
        "bkt",
        &document(&[allow(json!("s3:PutObject"), objects.clone())]),
    )
    .await;
    for (key, acl) in [
        ("plain", None),
        ("private", Some("private")),
        ("owner-read", Some("bucket-owner-read")),
        ("owner-full", Some("bucket-owner-full-control")),
    ] {
        let headers: Vec<(&str, &str)> = acl.map(|a| ("x-amz-acl", a)).into_iter().collect();
        let r = call(app, put(key, &headers)).await;
        assert_eq!(r.status, 200, "{key}: {}", r.text());
    }
    // ...but not an ACL granting others, nor tags: refused, and nothing stored or begun.
    for acl in GRANTING_ACLS {
        let r = call(app, put(&format!("acl-{acl}"), &[("x-amz-acl", acl)])).await;
        assert_denied(&r);
        let r = call(app, create(&format!("mp-{acl}"), &[("x-amz-acl", acl)])).await;
        assert_denied(&r);
        let form = Form::new(&format!("form-{acl}")).field("acl", acl);
        assert_denied(&call(app, anon(form.post("bkt"))).await);
    }
    assert_denied(&call(app, put("tagged", &[("x-amz-tagging", "a=b")])).await);
    assert_denied(&call(app, create("tagged-mp", &[("x-amz-tagging", "a=b")])).await);
    let form = Form::new("form-tagged").field("tagging", &tag_field);
    assert_denied(&call(app, anon(form.post("bkt"))).await);
    let form = Form::new("form-owner").field("acl", "bucket-owner-full-control");
    assert_eq!(call(app, anon(form.post("bkt"))).await.status, 204);
    assert_eq!(
        keys_in(app, "bkt").await,
        ["form-owner", "owner-full", "owner-read", "plain", "private"]
    );
    assert!(uploads_in(app, "bkt").await.is_empty());
    // The policy does not let anonymous requests read: what they stored stays private.
    assert_denied(&call(app, anon(get("/bkt/plain"))).await);

    // With s3:PutObjectAcl too, a public-read object can be written, and is then readable by
    // anyone through its ACL; tags are still refused.
    set_policy(
        app,
        "bkt",
        &document(&[allow(
            json!(["s3:PutObject", "s3:PutObjectAcl"]),
            objects.clone(),
        )]),
    )
    .await;
    let r = call(app, put("shared", &[("x-amz-acl", "public-read")])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let got = call(app, anon(get("/bkt/shared"))).await;
    assert_eq!((got.status, got.text().as_str()), (200, "x"));
    let r = call(app, create("shared-mp", &[("x-amz-acl", "public-read")])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let form = Form::new("form-shared").field("acl", "public-read");
    assert_eq!(call(app, anon(form.post("bkt"))).await.status, 204);
    assert_eq!(
        call(app, anon(get("/bkt/form-shared"))).await.text(),
        "form bytes"
    );
    assert_denied(&call(app, put("tagged", &[("x-amz-tagging", "a=b")])).await);

    // With s3:PutObjectTagging instead, tags go through and ACLs granting others do not.
    set_policy(
        app,
        "bkt",
        &document(&[allow(
            json!(["s3:PutObject", "s3:PutObjectTagging"]),
            objects.clone(),
        )]),
    )
    .await;
    let r = call(app, put("tagged", &[("x-amz-tagging", "a=b")])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(tags_of(app, "/bkt/tagged").await, pairs(&[("a", "b")]));
    let r = call(app, create("tagged-mp", &[("x-amz-tagging", "a=b")])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let form = Form::new("form-tagged").field("tagging", &tag_field);
    assert_eq!(call(app, anon(form.post("bkt"))).await.status, 204);
    assert_eq!(
        tags_of(app, "/bkt/form-tagged").await,
        pairs(&[("by", "form")])
    );
    assert_denied(&call(app, put("shared2", &[("x-amz-acl", "public-read")])).await);
    assert_eq!(
        keys_in(app, "bkt").await,
        [
            "form-owner",
            "form-shared",
            "form-tagged",
            "owner-full",
            "owner-read",
            "plain",
            "private",
            "shared",
            "tagged"
        ]
    );
    assert_eq!(uploads_in(app, "bkt").await.len(), 2);
}

#[actix_web::test]
async fn existing_object_tags_decide_reads_acls_and_tag_changes() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("plain", "p")]).await;
    for (key, tagging) in [
        ("secret", "secret=true"),
        ("editable", "editable=yes&n=1"),
        ("fixed", "editable=no"),
    ] {
        let r = call(
            app,
            Req::new("PUT", &format!("/bkt/{key}"))
                .header("x-amz-tagging", tagging)
                .body("x")
                .signed(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    // Reads of the object, its tags and its ACL all see its tags.
    set_policy(
        app,
        "bkt",
        &document(&[
            allow(json!("s3:GetObject*"), json!(arn("bkt/*"))),
            with_condition(
                deny(json!("s3:GetObject*"), json!(arn("bkt/*"))),
                json!({"StringEquals": {"s3:ExistingObjectTag/secret": "true"}}),
            ),
        ]),
    )
    .await;
    for query in ["", "?tagging", "?acl"] {
        let plain = call(app, anon(get(&format!("/bkt/plain{query}")))).await;
        assert_eq!(plain.status, 200, "plain{query}: {}", plain.text());
        assert_denied(&call(app, anon(get(&format!("/bkt/secret{query}")))).await);
    }
    assert_eq!(
        call(app, anon(Req::new("HEAD", "/bkt/plain"))).await.status,
        200
    );
    assert_eq!(
        call(app, anon(Req::new("HEAD", "/bkt/secret")))
            .await
            .status,
        403
    );

    // Changing or removing tags sees the tags there now.
    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(
                json!(["s3:PutObjectTagging", "s3:DeleteObjectTagging"]),
                json!(arn("bkt/*")),
            ),
            json!({"StringEquals": {"s3:ExistingObjectTag/editable": "yes"}}),
        )]),
    )
    .await;
    let put_tags = |key: &str, tags: &[(&str, &str)]| {
        anon(Req::new("PUT", &format!("/bkt/{key}?tagging")).body(tagging_xml(tags)))
    };
    let delete_tags = |key: &str| anon(Req::new("DELETE", &format!("/bkt/{key}?tagging")));
    assert_denied(&call(app, put_tags("fixed", &[("editable", "yes")])).await);
    assert_denied(&call(app, delete_tags("fixed")).await);
    assert_denied(&call(app, put_tags("plain", &[("editable", "yes")])).await);
    assert_eq!(
        tags_of(app, "/bkt/fixed").await,
        pairs(&[("editable", "no")])
    );
    assert!(tags_of(app, "/bkt/plain").await.is_empty());

    let r = call(
        app,
        put_tags("editable", &[("editable", "yes"), ("n", "2")]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        tags_of(app, "/bkt/editable").await,
        pairs(&[("editable", "yes"), ("n", "2")])
    );
    let r = call(app, delete_tags("editable")).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(tags_of(app, "/bkt/editable").await.is_empty());
    // Its tag gone, the object is no longer the policy's to change.
    assert_denied(&call(app, put_tags("editable", &[("editable", "yes")])).await);
    assert!(tags_of(app, "/bkt/editable").await.is_empty());
}

#[actix_web::test]
async fn request_tag_keys_take_every_key_the_request_sets() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    let put = |key: &str, tagging: Option<&str>| {
        let mut req = Req::new("PUT", &format!("/bkt/{key}")).body("x");
        if let Some(tagging) = tagging {
            req = req.header("x-amz-tagging", tagging);
        }
        anon(req)
    };
    let create = |key: &str, tagging: &str| {
        anon(Req::new("POST", &format!("/bkt/{key}?uploads")).header("x-amz-tagging", tagging))
    };
    let writes = json!(["s3:PutObject", "s3:PutObjectTagging"]);
    let with_keys = |operator: &str| {
        document(&[with_condition(
            allow(writes.clone(), json!(arn("bkt/*"))),
            json!({operator: {"s3:RequestObjectTagKeys": ["project"]}}),
        )])
    };

    // Every key must be among the listed ones.
    set_policy(app, "bkt", &with_keys("ForAllValues:StringEquals")).await;
    assert_eq!(
        call(app, put("all-ok", Some("project=a"))).await.status,
        200
    );
    assert_denied(&call(app, put("all-extra", Some("project=a&secret=1"))).await);
    assert_denied(&call(app, create("all-extra-mp", "project=a&secret=1")).await);
    let r = call(app, create("all-ok-mp", "project=a")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // No tags at all: nothing outside the list (IAM's ForAllValues on an empty set).
    assert_eq!(call(app, put("all-none", None)).await.status, 200);

    // Some key must be among them.
    set_policy(app, "bkt", &with_keys("ForAnyValue:StringEquals")).await;
    assert_eq!(
        call(app, put("any-ok", Some("project=a&secret=1")))
            .await
            .status,
        200
    );
    assert_denied(&call(app, put("any-other", Some("secret=1"))).await);
    assert_denied(&call(app, put("any-none", None)).await);
    assert_denied(&call(app, create("any-other-mp", "secret=1")).await);

    // s3:RequestObjectTag/KEY on CreateMultipartUpload: its x-amz-tagging.
    set_policy(
        app,
        "bkt",
        &document(&[
            allow(writes.clone(), json!(arn("bkt/*"))),
            with_condition(
                deny(json!("s3:PutObject"), json!(arn("bkt/*"))),
                json!({"StringEquals": {"s3:RequestObjectTag/secret": "1"}}),
            ),
        ]),
    )
    .await;
    assert_denied(&call(app, create("tag-secret-mp", "project=a&secret=1")).await);
    assert_denied(&call(app, put("tag-secret", Some("secret=1"))).await);
    assert_eq!(call(app, create("tag-ok-mp", "secret=0")).await.status, 200);

    assert_eq!(keys_in(app, "bkt").await, ["all-none", "all-ok", "any-ok"]);
    assert_eq!(
        tags_of(app, "/bkt/any-ok").await,
        pairs(&[("project", "a"), ("secret", "1")])
    );
    let uploads = call(app, get("/bkt?uploads").signed()).await.text();
    assert_eq!(elements(&uploads, "Key"), ["all-ok-mp", "tag-ok-mp"]);
}

#[actix_web::test]
async fn tags_in_a_put_object_tagging_body_are_unknown_when_authorizing() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    let r = call(
        app,
        Req::new("PUT", "/bkt/k")
            .header("x-amz-tagging", "t=1")
            .body("x")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200);
    let put_tags =
        || anon(Req::new("PUT", "/bkt/k?tagging").body(tagging_xml(&[("project", "a")])));
    let tagging = json!("s3:PutObjectTagging");
    let objects = json!(arn("bkt/*"));
    // A Deny on the new tags may apply: it does, though these tags would not match it.
    for condition in [
        json!({"StringEquals": {"s3:RequestObjectTag/secret": "1"}}),
        json!({"ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": "secret"}}),
    ] {
        set_policy(
            app,
            "bkt",
            &document(&[
                allow(tagging.clone(), objects.clone()),
                with_condition(deny(tagging.clone(), objects.clone()), condition.clone()),
            ]),
        )
        .await;
        assert_denied(&call(app, put_tags()).await);
        assert_eq!(
            tags_of(app, "/bkt/k").await,
            pairs(&[("t", "1")]),
            "{condition}"
        );
    }
    // An Allow on them does not allow, though these tags would match it.
    for condition in [
        json!({"StringEquals": {"s3:RequestObjectTag/project": "a"}}),
        json!({"ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": "project"}}),
    ] {
        set_policy(
            app,
            "bkt",
            &document(&[with_condition(
                allow(tagging.clone(), objects.clone()),
                condition.clone(),
            )]),
        )
        .await;
        assert_denied(&call(app, put_tags()).await);
        assert_eq!(
            tags_of(app, "/bkt/k").await,
            pairs(&[("t", "1")]),
            "{condition}"
        );
    }
    // A Deny on a fact known beforehand that does not hold leaves the Allow standing.
    set_policy(
        app,
        "bkt",
        &document(&[
            allow(tagging.clone(), objects.clone()),
            with_condition(
                deny(tagging.clone(), objects.clone()),
                json!({"StringEquals": {"s3:ExistingObjectTag/t": "2"}}),
            ),
        ]),
    )
    .await;
    let r = call(app, put_tags()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(tags_of(app, "/bkt/k").await, pairs(&[("project", "a")]));
}

#[actix_web::test]
async fn form_posts_are_judged_by_their_fields_not_their_headers() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[]).await;
    let post = |form: Form, headers: &[(&str, &str)]| anon(with_headers(form.post("bkt"), headers));
    let objects = json!(arn("bkt/*"));
    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(
                json!(["s3:PutObject", "s3:PutObjectTagging"]),
                objects.clone(),
            ),
            json!({"StringEquals": {"s3:RequestObjectTag/source": "form"}}),
        )]),
    )
    .await;
    let from_form = tagging_xml(&[("source", "form")]);
    let other = tagging_xml(&[("source", "other")]);
    let r = call(
        app,
        post(Form::new("tag-field").field("tagging", &from_form), &[]),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        tags_of(app, "/bkt/tag-field").await,
        pairs(&[("source", "form")])
    );
    // The request's own x-amz-tagging header is not what the form uploads with.
    let header = [("x-amz-tagging", "source=form")];
    assert_denied(&call(app, post(Form::new("tag-header"), &header)).await);
    assert_denied(
        &call(
            app,
            post(Form::new("tag-both").field("tagging", &other), &header),
        )
        .await,
    );

    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(json!(["s3:PutObject", "s3:PutObjectAcl"]), objects.clone()),
            json!({"StringEquals": {"s3:x-amz-acl": "public-read"}}),
        )]),
    )
    .await;
    let r = call(
        app,
        post(Form::new("acl-field").field("acl", "public-read"), &[]),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        call(app, anon(get("/bkt/acl-field"))).await.text(),
        "form bytes"
    );
    let header = [("x-amz-acl", "public-read")];
    assert_denied(&call(app, post(Form::new("acl-header"), &header)).await);
    assert_denied(
        &call(
            app,
            post(Form::new("acl-both").field("acl", "private"), &header),
        )
        .await,
    );
    assert_eq!(keys_in(app, "bkt").await, ["acl-field", "tag-field"]);
}

#[actix_web::test]
async fn restrict_public_buckets_closes_acl_grants_too_while_the_policy_is_public() {
    let s = start().await;
    let app = &s.service;
    let r = call(
        app,
        Req::new("PUT", "/bkt")
            .header("x-amz-acl", "public-read-write")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200);
    for (key, acl) in [("acl/k", "public-read"), ("pol/k", "private")] {
        let r = call(
            app,
            Req::new("PUT", &format!("/bkt/{key}"))
                .header("x-amz-acl", acl)
                .body(key)
                .signed(),
        )
        .await;
        assert_eq!(r.status, 200);
    }
    set_policy(app, "bkt", &public_read("bkt")).await;
    let status = |req: Req| async move { call(app, anon(req)).await.status };
    assert_eq!(status(get("/bkt/acl/k")).await, 200);
    assert_eq!(status(get("/bkt/pol/k")).await, 200);
    assert_eq!(status(get("/bkt?list-type=2")).await, 200);

    assert_eq!(
        call(app, block_public_access("RestrictPublicBuckets", true))
            .await
            .status,
        200
    );
    // A public policy in force: nothing for anonymous requests, whatever the ACLs grant.
    assert_denied(&call(app, anon(get("/bkt/acl/k"))).await);
    assert_denied(&call(app, anon(get("/bkt/pol/k"))).await);
    assert_denied(&call(app, anon(get("/bkt?list-type=2"))).await);
    assert_denied(&call(app, anon(get("/bkt?uploads"))).await);
    assert_eq!(status(Req::new("HEAD", "/bkt/acl/k")).await, 403);
    assert_denied(&call(app, anon(Req::new("PUT", "/bkt/new").body("x"))).await);
    assert_denied(&call(app, anon(Req::new("DELETE", "/bkt/acl/k"))).await);
    assert_denied(&call(app, anon(Req::new("POST", "/bkt/mp?uploads"))).await);
    assert_denied(&call(app, anon(Form::new("by-form").post("bkt"))).await);
    assert_eq!(keys_in(app, "bkt").await, ["acl/k", "pol/k"]);
    assert!(uploads_in(app, "bkt").await.is_empty());

    // A policy that is not public: it and the ACLs work as usual.
    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(json!("s3:GetObject"), json!(arn("bkt/pol/*"))),
            json!({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
        )]),
    )
    .await;
    assert!(!is_public(app, "bkt").await);
    assert_eq!(status(get("/bkt/pol/k")).await, 200);
    assert_eq!(status(get("/bkt/acl/k")).await, 200);
    assert_eq!(status(get("/bkt?list-type=2")).await, 200);
    let elsewhere = |path: &str| from(get(path), "10.1.2.3:4000");
    assert_denied(&call(app, elsewhere("/bkt/pol/k")).await);
    assert_eq!(call(app, elsewhere("/bkt/acl/k")).await.status, 200);
    let r = call(app, anon(Req::new("PUT", "/bkt/new").body("x"))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        call(app, anon(Form::new("by-form").post("bkt")))
            .await
            .status,
        204
    );
    assert_eq!(
        keys_in(app, "bkt").await,
        ["acl/k", "by-form", "new", "pol/k"]
    );
}

#[actix_web::test]
async fn wide_address_blocks_set_operators_and_if_exists_leave_a_policy_public() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "v")]).await;
    let kms_key =
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let public = [
        json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/00"}}),
        json!({"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}),
        json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/7"}}),
        json!({"ForAnyValue:IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        json!({"ForAllValues:StringEquals": {"aws:SourceAccount": ACCOUNT}}),
        json!({"ForAnyValue:StringEquals": {"aws:SourceAccount": ACCOUNT}}),
        json!({"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}),
        json!({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}),
    ];
    let private = [
        json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        json!({"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": kms_key}}),
    ];
    let put_if = |condition: &Value| {
        document(&[with_condition(
            allow(json!(["s3:GetObject", "s3:PutObject"]), json!(arn("bkt/*"))),
            condition.clone(),
        )])
    };
    for condition in &public {
        set_policy(app, "bkt", &put_if(condition)).await;
        assert!(is_public(app, "bkt").await, "{condition}");
    }
    for condition in &private {
        set_policy(app, "bkt", &put_if(condition)).await;
        assert!(!is_public(app, "bkt").await, "{condition}");
    }
    // The two halves of the address space do let anyone in.
    set_policy(app, "bkt", &put_if(&public[1])).await;
    assert_eq!(anon_status(app, "/bkt/k", &[]).await, 200);
    assert_eq!(
        call(app, from(get("/bkt/k"), "203.0.113.9:4000"))
            .await
            .status,
        200
    );

    let kept = put_if(&private[0]);
    set_policy(app, "bkt", &kept).await;
    assert_eq!(
        call(app, block_public_access("BlockPublicPolicy", true))
            .await
            .status,
        200
    );
    for condition in &public {
        assert_denied(&call(app, put_policy("bkt", &put_if(condition).to_string())).await);
        assert_eq!(policy_of(app, "bkt").await, kept, "{condition}");
    }
    let kms = put_if(&private[1]);
    set_policy(app, "bkt", &kms).await;
    assert_eq!(policy_of(app, "bkt").await, kms);
}

#[actix_web::test]
async fn version_id_null_needs_the_version_actions() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "data")]).await;
    let objects = json!(arn("bkt/*"));
    let allowing = |action: &str| document(&[allow(json!(action), objects.clone())]);

    set_policy(app, "bkt", &allowing("s3:GetObject")).await;
    assert_eq!(anon_status(app, "/bkt/k", &[]).await, 200);
    assert_eq!(anon_status(app, "/bkt/k?versionId=null", &[]).await, 403);
    assert_eq!(
        call(app, anon(Req::new("HEAD", "/bkt/k?versionId=null")))
            .await
            .status,
        403
    );
    set_policy(app, "bkt", &allowing("s3:GetObjectVersion")).await;
    let got = call(app, anon(get("/bkt/k?versionId=null"))).await;
    assert_eq!((got.status, got.text().as_str()), (200, "data"));
    assert_eq!(
        call(app, anon(Req::new("HEAD", "/bkt/k?versionId=null")))
            .await
            .status,
        200
    );
    assert_eq!(anon_status(app, "/bkt/k", &[]).await, 403);

    let delete = |query: &str| anon(Req::new("DELETE", &format!("/bkt/k{query}")));
    set_policy(app, "bkt", &allowing("s3:DeleteObject")).await;
    assert_denied(&call(app, delete("?versionId=null")).await);
    assert_eq!(keys_in(app, "bkt").await, ["k"]);
    set_policy(app, "bkt", &allowing("s3:DeleteObjectVersion")).await;
    assert_denied(&call(app, delete("")).await);
    assert_eq!(keys_in(app, "bkt").await, ["k"]);
    let r = call(app, delete("?versionId=null")).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(keys_in(app, "bkt").await.is_empty());
}

#[actix_web::test]
async fn multipart_uploads_into_a_public_read_write_bucket() {
    let s = start().await;
    let app = &s.service;
    let r = call(
        app,
        Req::new("PUT", "/bkt")
            .header("x-amz-acl", "public-read-write")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200);
    // The bucket's WRITE grant: begin, upload a part, complete.
    let created = call(app, anon(Req::new("POST", "/bkt/mp?uploads"))).await;
    assert_eq!(created.status, 200, "{}", created.text());
    let id = element(&created.text(), "UploadId").expect("an upload id");
    let part = call(
        app,
        anon(Req::new("PUT", &format!("/bkt/mp?partNumber=1&uploadId={id}")).body("anon part")),
    )
    .await;
    assert_eq!(part.status, 200, "{}", part.text());
    let etag = part.header("etag").expect("a part ETag").to_string();
    // Its READ grant: listing the uploads.
    let listed = call(app, anon(get("/bkt?uploads"))).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert_eq!(elements(&listed.text(), "UploadId"), vec![id.clone()]);
    // Listing the parts and aborting take a policy.
    let list_parts = || anon(get(&format!("/bkt/mp?uploadId={id}")));
    let abort = || anon(Req::new("DELETE", &format!("/bkt/mp?uploadId={id}")));
    assert_denied(&call(app, list_parts()).await);
    assert_denied(&call(app, abort()).await);
    assert_eq!(uploads_in(app, "bkt").await, vec![id.clone()]);
    let complete = call(
        app,
        anon(
            Req::new("POST", &format!("/bkt/mp?uploadId={id}")).body(format!(
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>\
             </CompleteMultipartUpload>"
        )),
        ),
    )
    .await;
    assert_eq!(complete.status, 200, "{}", complete.text());
    assert_eq!(call(app, get("/bkt/mp").signed()).await.text(), "anon part");
    assert!(uploads_in(app, "bkt").await.is_empty());

    // With a policy allowing them, the two others work.
    let second = call(app, anon(Req::new("POST", "/bkt/mp2?uploads"))).await;
    let id = element(&second.text(), "UploadId").expect("an upload id");
    set_policy(
        app,
        "bkt",
        &document(&[allow(
            json!(["s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]),
            json!(arn("bkt/*")),
        )]),
    )
    .await;
    let parts = call(app, anon(get(&format!("/bkt/mp2?uploadId={id}")))).await;
    assert_eq!(parts.status, 200, "{}", parts.text());
    let aborted = call(
        app,
        anon(Req::new("DELETE", &format!("/bkt/mp2?uploadId={id}"))),
    )
    .await;
    assert_eq!(aborted.status, 204, "{}", aborted.text());
    assert!(uploads_in(app, "bkt").await.is_empty());
}

#[actix_web::test]
async fn policy_variables_resolve_from_the_request_in_2012_documents() {
    let s = start().await;
    let app = &s.service;
    bucket_with(
        app,
        "bkt",
        &[
            ("127.0.0.1/f", "mine"),
            ("10.1.2.3/f", "theirs"),
            ("ref/x", "x"),
            ("ref/%2A", "star"),
            ("%2A/x", "star dir"),
            ("a/x", "a dir"),
            ("%3F%24/x", "escapes"),
            ("home/%24%7Baws%3Ausername%7D/f", "literal"),
            ("home/guest/f", "guest"),
        ],
    )
    .await;
    let at = |addr: &str, path: &str| from(get(path), addr);
    let status = |req: TestRequest| async move { call(app, req).await.status };

    // ${aws:SourceIp} in a resource: each address reads its own folder.
    set_policy(
        app,
        "bkt",
        &document(&[allow(
            json!("s3:GetObject"),
            json!(arn("bkt/${aws:SourceIp}/*")),
        )]),
    )
    .await;
    assert_eq!(status(at(LOCAL, "/bkt/127.0.0.1/f")).await, 200);
    assert_eq!(status(at(LOCAL, "/bkt/10.1.2.3/f")).await, 403);
    assert_eq!(status(at("10.1.2.3:4000", "/bkt/10.1.2.3/f")).await, 200);
    assert_eq!(status(at("10.1.2.3:4000", "/bkt/127.0.0.1/f")).await, 403);

    // ${aws:Referer} in a resource: its value matches literally, wildcards and all.
    set_policy(
        app,
        "bkt",
        &document(&[allow(
            json!("s3:GetObject"),
            json!(arn("bkt/ref/${aws:Referer}")),
        )]),
    )
    .await;
    assert_eq!(
        anon_status(app, "/bkt/ref/x", &[("referer", "x")]).await,
        200
    );
    assert_eq!(
        anon_status(app, "/bkt/ref/x", &[("referer", "*")]).await,
        403
    );
    assert_eq!(
        anon_status(app, "/bkt/ref/%2A", &[("referer", "*")]).await,
        200
    );
    assert_eq!(anon_status(app, "/bkt/ref/x", &[]).await, 403);

    // ...and in condition values.
    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(json!("s3:GetObject"), json!(arn("bkt/*"))),
            json!({"StringEquals": {"aws:UserAgent": "agent-of-${aws:Referer}"}}),
        )]),
    )
    .await;
    let same = [("referer", "r1"), ("user-agent", "agent-of-r1")];
    let differ = [("referer", "r2"), ("user-agent", "agent-of-r1")];
    assert_eq!(anon_status(app, "/bkt/a/x", &same).await, 200);
    assert_eq!(anon_status(app, "/bkt/a/x", &differ).await, 403);
    assert_eq!(anon_status(app, "/bkt/a/x", &same[1..]).await, 403);
    set_policy(
        app,
        "bkt",
        &document(&[with_condition(
            allow(json!("s3:ListBucket"), json!(arn("bkt"))),
            json!({"StringEquals": {"s3:prefix": "${aws:SourceIp}/"}}),
        )]),
    )
    .await;
    assert_eq!(
        status(at(LOCAL, "/bkt?list-type=2&prefix=127.0.0.1%2F")).await,
        200
    );
    assert_eq!(
        status(at(LOCAL, "/bkt?list-type=2&prefix=10.1.2.3%2F")).await,
        403
    );

    // ${*}, ${?} and ${$} are the characters themselves.
    set_policy(
        app,
        "bkt",
        &document(&[
            allow(json!("s3:GetObject"), json!(arn("bkt/*"))),
            deny(
                json!("s3:GetObject"),
                json!([arn("bkt/${*}/*"), arn("bkt/${?}${$}/*")]),
            ),
        ]),
    )
    .await;
    assert_eq!(anon_status(app, "/bkt/%2A/x", &[]).await, 403);
    assert_eq!(anon_status(app, "/bkt/a/x", &[]).await, 200);
    assert_eq!(anon_status(app, "/bkt/%3F%24/x", &[]).await, 403);
    assert_eq!(anon_status(app, "/bkt/ref/x", &[]).await, 200);

    // A variable the request lacks matches nothing, not its own text; a default stands in.
    let home = |resource: &str| document(&[allow(json!("s3:GetObject"), json!(arn(resource)))]);
    set_policy(app, "bkt", &home("bkt/home/${aws:username}/*")).await;
    assert_eq!(
        anon_status(app, "/bkt/home/%24%7Baws%3Ausername%7D/f", &[]).await,
        403
    );
    assert_eq!(anon_status(app, "/bkt/home/guest/f", &[]).await, 403);
    set_policy(app, "bkt", &home("bkt/home/${aws:username, 'guest'}/*")).await;
    assert_eq!(anon_status(app, "/bkt/home/guest/f", &[]).await, 200);
    assert_eq!(
        anon_status(app, "/bkt/home/%24%7Baws%3Ausername%7D/f", &[]).await,
        403
    );

    // In a 2008-10-17 document `${...}` is text.
    let old = |resource: &str| {
        json!({"Version": "2008-10-17",
               "Statement": [allow(json!("s3:GetObject"), json!(arn(resource)))]})
    };
    set_policy(app, "bkt", &old("bkt/home/${aws:username}/*")).await;
    assert_eq!(
        anon_status(app, "/bkt/home/%24%7Baws%3Ausername%7D/f", &[]).await,
        200
    );
    assert_eq!(anon_status(app, "/bkt/home/guest/f", &[]).await, 403);
    set_policy(app, "bkt", &old("bkt/ref/${aws:Referer}")).await;
    assert_eq!(
        anon_status(app, "/bkt/ref/x", &[("referer", "x")]).await,
        403
    );
}

#[actix_web::test]
async fn dates_past_four_digit_years_are_malformed_in_policies_and_false_in_requests() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "v")]).await;
    let huge = "9223372036854775807-01-01";
    for (operator, key) in [
        ("DateGreaterThan", "aws:Referer"),
        ("DateLessThan", "aws:CurrentTime"),
        ("DateEquals", "aws:CurrentTime"),
    ] {
        let doc = document(&[with_condition(
            allow(json!("s3:GetObject"), json!(arn("bkt/*"))),
            json!({operator: {key: huge}}),
        )]);
        let r = call(app, put_policy("bkt", &doc.to_string())).await;
        assert_error(&r, 400, "MalformedPolicy");
    }
    assert_error(
        &call(app, get("/bkt?policy").signed()).await,
        404,
        "NoSuchBucketPolicy",
    );

    for operator in ["DateGreaterThan", "DateLessThan"] {
        set_policy(
            app,
            "bkt",
            &document(&[with_condition(
                allow(json!("s3:GetObject"), json!(arn("bkt/*"))),
                json!({operator: {"aws:Referer": "2020-01-01T00:00:00Z"}}),
            )]),
        )
        .await;
        let (ok, not) = if operator == "DateGreaterThan" {
            ("2021-06-01T00:00:00Z", "2019-06-01")
        } else {
            ("2019-06-01", "2021-06-01T00:00:00Z")
        };
        assert_eq!(anon_status(app, "/bkt/k", &[("referer", ok)]).await, 200);
        assert_eq!(anon_status(app, "/bkt/k", &[("referer", not)]).await, 403);
        for referer in [
            huge,
            "9223372036854775807-12-31T23:59:59Z",
            "-9223372036854775808-01-01",
            "99999999999999999999-01-01",
            "2021-13-45",
        ] {
            assert_eq!(
                anon_status(app, "/bkt/k", &[("referer", referer)]).await,
                403,
                "{operator} {referer}"
            );
        }
        // Still answering.
        assert_eq!(anon_status(app, "/bkt/k", &[("referer", ok)]).await, 200);
    }
}

#[actix_web::test]
async fn cloudfront_identities_and_newer_condition_keys_and_actions_are_accepted() {
    let s = start().await;
    let app = &s.service;
    bucket_with(app, "bkt", &[("k", "v")]).await;
    let oai = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL";
    let mut statement = allow(json!("s3:GetObject"), json!(arn("bkt/*")));
    statement["Principal"] = json!({"AWS": oai});
    let doc = document(&[statement]);
    set_policy(app, "bkt", &doc).await;
    assert_eq!(policy_of(app, "bkt").await, doc);
    // CloudFront's identity is not everyone.
    assert!(!is_public(app, "bkt").await);
    assert_denied(&call(app, anon(get("/bkt/k"))).await);

    for doc in [
        document(&[with_condition(
            allow(json!("s3:PutObject"), json!(arn("bkt/*"))),
            json!({"StringEquals": {"s3:if-none-match": "*"}}),
        )]),
        document(&[with_condition(
            allow(json!("s3:PutObject"), json!(arn("bkt/*"))),
            json!({"Null": {"s3:if-match": "false"}}),
        )]),
        document(&[with_condition(
            allow(json!("s3:PutObject"), json!(arn("bkt/*"))),
            json!({"StringEquals": {"s3:ObjectCreationOperation": "PutObject"}}),
        )]),
        document(&[allow(json!("s3:InitiateReplication"), json!(arn("bkt/*")))]),
    ] {
        set_policy(app, "bkt", &doc).await;
        assert_eq!(policy_of(app, "bkt").await, doc);
    }
    // InitiateReplication is an object action.
    let r = call(
        app,
        put_policy(
            "bkt",
            &document(&[allow(json!("s3:InitiateReplication"), json!(arn("bkt")))]).to_string(),
        ),
    )
    .await;
    assert_error(&r, 400, "MalformedPolicy");
}
