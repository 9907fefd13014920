//! Tests of the demo's pure parts: the page's endpoint substitution, presign query checking, the
//! presigned URLs (verified by the server's own SigV4 check), the POST form and its policy, and
//! the routing of `/_minis3/demo*`.

use super::*;
use crate::auth::{self, AuthConfig, Identity, RequestParts};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use clap::Parser;
use futures_util::FutureExt as _;
use serde_json::{json, Value};

const HOST: &str = "127.0.0.1:9000";
const BASE_URL: &str = "http://127.0.0.1:9000";

fn signer() -> UrlSigner<'static> {
    UrlSigner {
        access_key: "AKIDEMO",
        secret_key: "demo-secret",
        region: "eu-west-3",
        bucket: "demo",
    }
}

fn auth_config() -> AuthConfig {
    AuthConfig {
        strict_region: true,
        ..AuthConfig::root("AKIDEMO", "demo-secret", "eu-west-3")
    }
}

/// 2026-03-04T05:06:07Z.
fn at() -> SystemTime {
    timefmt::system_time(1_772_600_767)
}

fn presign_json(request: PresignRequest) -> Value {
    let presigned = signer().presign(request, BASE_URL, at());
    serde_json::to_value(&presigned).expect("serializes")
}

fn put(key: &str, content_type: &str) -> PresignRequest {
    PresignRequest::Put {
        key: key.into(),
        content_type: content_type.into(),
    }
}

/// Splits a presigned URL into path and query and asks the server's verifier about it.
fn verify(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    now: SystemTime,
) -> Result<Identity, String> {
    let rest = url.strip_prefix(BASE_URL).expect("URL on the base");
    let (path, query) = rest.split_once('?').expect("URL has a query");
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let borrowed = auth::borrow_headers(&headers);
    let parts = RequestParts {
        method,
        raw_path: path,
        raw_query: query,
        raw_params: None,
        headers: &borrowed,
        virtual_bucket: None,
    };
    auth::authenticate(&parts, &auth_config(), now)
        .map(|a| a.identity)
        .map_err(|e| e.code.as_str().to_string())
}

#[test]
fn page_gets_the_endpoint_escaped_in_its_meta_tag() {
    let page = page_html("http://127.0.0.1:9000");
    assert!(page.contains(r#"<meta name="minis3-endpoint" content="http://127.0.0.1:9000">"#));
    assert!(!page.contains(ENDPOINT_PLACEHOLDER));

    let same_origin = page_html("");
    assert!(same_origin.contains(r#"<meta name="minis3-endpoint" content="">"#));

    let hostile = page_html(r#"x"><script>alert(1)</script>&'"#);
    assert!(hostile
        .contains(r#"content="x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#39;">"#));
    assert!(!hostile.contains("<script>alert"));
}

#[test]
fn page_has_the_elements_the_tests_drive() {
    let page = page_html("");
    for needle in [
        r#"id="files""#,
        r#"type="file" id="files" multiple"#,
        r#"id="mode""#,
        r#"<option value="put">"#,
        r#"<option value="post">"#,
        r#"id="upload""#,
        r#"id="uploads""#,
        "data-status",
    ] {
        assert!(page.contains(needle), "page lacks {needle}");
    }
    // Self-contained: nothing is loaded from anywhere else.
    for external in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!page.contains(external), "page loads {external}");
    }
}

fn query(method: Option<&str>, key: Option<&str>, content_type: Option<&str>) -> PresignQuery {
    PresignQuery {
        method: method.map(str::to_string),
        key: key.map(str::to_string),
        content_type: content_type.map(str::to_string),
    }
}

#[test]
fn presign_queries_are_checked() {
    assert_eq!(
        PresignRequest::from_query(query(Some("put"), Some("a.txt"), Some("text/plain"))),
        Ok(put("a.txt", "text/plain"))
    );
    assert_eq!(
        PresignRequest::from_query(query(Some("POST"), Some("a"), None)),
        Ok(PresignRequest::Post {
            key: "a".into(),
            content_type: "application/octet-stream".into()
        })
    );
    assert_eq!(
        PresignRequest::from_query(query(Some("GET"), Some("a/..b/.c."), None)),
        Ok(PresignRequest::Get {
            key: "a/..b/.c.".into()
        })
    );
    assert_eq!(
        PresignRequest::from_query(query(Some("GET"), Some("a"), Some(""))),
        Ok(PresignRequest::Get { key: "a".into() })
    );
    for bad in [
        query(Some("DELETE"), Some("a"), None),
        query(None, Some("a"), None),
        query(Some("PUT"), None, None),
        query(Some("PUT"), Some(""), None),
        query(Some("PUT"), Some(&"k".repeat(1025)), None),
        query(Some("PUT"), Some("uploads/../etc"), None),
        query(Some("GET"), Some("./a"), None),
        query(Some("PUT"), Some("a"), Some("text/plain\r\nx-evil: 1")),
    ] {
        let described = format!("{bad:?}");
        assert!(PresignRequest::from_query(bad).is_err(), "{described}");
    }
}

#[test]
fn presigned_put_signs_host_and_content_type() {
    let v = presign_json(put("uploads/a b+c.txt", "text/plain"));
    assert_eq!(v["method"], "PUT");
    assert_eq!(v["bucket"], "demo");
    assert_eq!(v["key"], "uploads/a b+c.txt");
    assert_eq!(v["headers"], json!({"Content-Type": "text/plain"}));
    let url = v["url"].as_str().expect("url");
    assert!(
        url.starts_with("http://127.0.0.1:9000/demo/uploads/a%20b%2Bc.txt?X-Amz-Algorithm="),
        "{url}"
    );
    assert!(url.contains("X-Amz-Expires=900&"), "{url}");
    assert!(
        url.contains("X-Amz-SignedHeaders=content-type%3Bhost&"),
        "{url}"
    );
    assert!(
        url.contains("X-Amz-Credential=AKIDEMO%2F20260304%2Feu-west-3%2Fs3%2Faws4_request"),
        "{url}"
    );

    let sent = [("host", HOST), ("content-type", "text/plain")];
    assert_eq!(
        verify("PUT", url, &sent, at()),
        Ok(Identity::AccessKey("AKIDEMO".into()))
    );
    // Another Content-Type, another method or an expired URL is refused.
    let other_type = [("host", HOST), ("content-type", "image/png")];
    assert_eq!(
        verify("PUT", url, &other_type, at()),
        Err("SignatureDoesNotMatch".into())
    );
    assert_eq!(
        verify("GET", url, &sent, at()),
        Err("SignatureDoesNotMatch".into())
    );
    let later = at() + Duration::from_secs(PRESIGN_EXPIRES_SECS + 1);
    assert_eq!(verify("PUT", url, &sent, later), Err("AccessDenied".into()));
}

#[test]
fn presigned_get_signs_only_the_host() {
    let v = presign_json(PresignRequest::Get {
        key: "uploads/é.bin".into(),
    });
    assert_eq!(
        v.as_object().expect("object").keys().collect::<Vec<_>>(),
        ["bucket", "key", "method", "url"]
    );
    assert_eq!(v["method"], "GET");
    let url = v["url"].as_str().expect("url");
    assert!(url.starts_with("http://127.0.0.1:9000/demo/uploads/%C3%A9.bin?"));
    assert!(url.contains("X-Amz-SignedHeaders=host&"), "{url}");
    assert_eq!(
        verify("GET", url, &[("host", HOST)], at()),
        Ok(Identity::AccessKey("AKIDEMO".into()))
    );
    assert_eq!(
        verify("GET", url, &[("host", "localhost:9000")], at()),
        Err("SignatureDoesNotMatch".into())
    );
}

#[test]
fn presigned_post_lists_the_form_fields_in_order() {
    let presigned = signer().presign(
        PresignRequest::Post {
            key: "uploads/photo.jpg".into(),
            content_type: "image/jpeg".into(),
        },
        BASE_URL,
        at(),
    );
    let text = serde_json::to_string(&presigned).expect("serializes");
    // serde_json's Value sorts keys: the order is checked on the text the browser receives.
    let order = [
        r#""method":"POST""#,
        r#""url":"http://127.0.0.1:9000/demo""#,
        r#""fields":{"key":"uploads/photo.jpg""#,
        r#""Content-Type":"image/jpeg""#,
        r#""policy":"#,
        r#""x-amz-algorithm":"AWS4-HMAC-SHA256""#,
        r#""x-amz-credential":"AKIDEMO/20260304/eu-west-3/s3/aws4_request""#,
        r#""x-amz-date":"20260304T050607Z""#,
        r#""x-amz-signature":"#,
        r#""bucket":"demo""#,
        r#""key":"uploads/photo.jpg"}"#,
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|needle| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle} in {text}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn post_policy_states_the_intended_conditions_and_is_signed_over_its_base64() {
    let v = presign_json(PresignRequest::Post {
        key: "uploads/${weird}.txt".into(),
        content_type: "text/plain".into(),
    });
    let fields = &v["fields"];
    let policy_b64 = fields["policy"].as_str().expect("policy");
    let policy_json = base64::engine::general_purpose::STANDARD
        .decode(policy_b64)
        .expect("base64");
    let policy: Value = serde_json::from_slice(&policy_json).expect("JSON");
    assert_eq!(
        policy,
        json!({
            "expiration": "2026-03-04T05:21:07Z",
            "conditions": [
                {"bucket": "demo"},
                ["eq", "$key", "uploads/${weird}.txt"],
                {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
                {"x-amz-credential": "AKIDEMO/20260304/eu-west-3/s3/aws4_request"},
                {"x-amz-date": "20260304T050607Z"},
                ["starts-with", "$Content-Type", ""],
                ["content-length-range", 0, 5_368_709_120u64],
            ]
        })
    );
    // Every field but the signature and the policy itself is named by a condition, with the value
    // the form carries.
    for (name, value) in fields.as_object().expect("fields") {
        if name == "policy" || name == "x-amz-signature" {
            continue;
        }
        let named = policy["conditions"]
            .as_array()
            .expect("conditions")
            .iter()
            .any(|c| {
                c.get(name) == Some(value)
                    || (c[1] == format!("${name}") && (c[0] == "starts-with" || c[2] == *value))
            });
        assert!(named, "no condition for field {name}");
    }
    let key = derive_signing_key("demo-secret", "20260304", "eu-west-3", "s3");
    assert_eq!(
        fields["x-amz-signature"],
        calculate_signature(&key, policy_b64)
    );
    assert_eq!(fields["x-amz-signature"].as_str().map(str::len), Some(64));
}

fn config(demo: bool) -> ServeConfig {
    let mut config = crate::config::Cli::parse_from(["minis3"]).serve;
    config.demo = demo;
    config.demo_bucket = "photos".into();
    config
}

fn body_text(response: HttpResponse) -> String {
    let bytes = actix_web::body::to_bytes(response.into_body())
        .now_or_never()
        .expect("body ready")
        .unwrap_or_default();
    String::from_utf8(bytes.to_vec()).expect("UTF-8 body")
}

fn header<'a>(response: &'a HttpResponse, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn get(uri: &str) -> HttpRequest {
    TestRequest::get()
        .uri(uri)
        .insert_header(("host", HOST))
        .to_http_request()
}

#[test]
fn demo_paths_are_404_without_demo() {
    let off = config(false);
    for path in [
        "/_minis3/demo",
        "/_minis3/demo/",
        "/_minis3/demo/presign?method=GET&key=a",
    ] {
        let response = respond(&get(path), &off).expect("answered");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert!(respond(&get("/_minis3/health"), &off).is_none());
    assert!(respond(&get("/_minis3/demonstration/x"), &config(true)).is_none());
}

#[test]
fn demo_paths_with_demo() {
    let on = config(true);
    let redirect = respond(&get("/_minis3/demo"), &on).expect("answered");
    assert_eq!(redirect.status(), StatusCode::FOUND);
    assert_eq!(header(&redirect, "location"), "/_minis3/demo/");

    let page = respond(&get("/_minis3/demo/"), &on).expect("answered");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(header(&page, "content-type").starts_with("text/html"));
    assert!(body_text(page).contains(r#"<meta name="minis3-endpoint" content="">"#));

    let presign = respond(
        &get("/_minis3/demo/presign?method=PUT&key=uploads%2Fa+b.txt&content-type=text%2Fplain"),
        &on,
    )
    .expect("answered");
    assert_eq!(presign.status(), StatusCode::OK);
    assert_eq!(header(&presign, "access-control-allow-origin"), "*");
    let v: Value = serde_json::from_str(&body_text(presign)).expect("JSON");
    assert_eq!(v["bucket"], "photos");
    assert_eq!(v["key"], "uploads/a b.txt");
    assert!(v["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("http://127.0.0.1:9000/photos/uploads/a%20b.txt?")));

    let bad = respond(&get("/_minis3/demo/presign?method=PATCH&key=a"), &on).expect("answered");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header(&bad, "access-control-allow-origin"), "*");
    let v: Value = serde_json::from_str(&body_text(bad)).expect("JSON");
    assert_eq!(v["error"], "method must be PUT, POST or GET");

    let post = TestRequest::post()
        .uri("/_minis3/demo/presign")
        .to_http_request();
    assert_eq!(
        respond(&post, &on).expect("answered").status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        respond(&get("/_minis3/demo/nothing"), &on)
            .expect("answered")
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[test]
fn endpoints_are_scheme_and_authority() {
    assert_eq!(
        normalize_endpoint("http://127.0.0.1:9000/"),
        Ok("http://127.0.0.1:9000".into())
    );
    assert_eq!(
        normalize_endpoint("https://s3.example"),
        Ok("https://s3.example".into())
    );
    for bad in ["127.0.0.1:9000", "http://", "http://h/path", "ftp://h"] {
        assert!(normalize_endpoint(bad).is_err(), "{bad}");
    }
}

#[test]
fn demo_bucket_is_created_open_by_cors_and_a_users_configuration_is_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path(), 4 << 20).expect("store opens");

    prepare_bucket(&store, "demo").expect("prepares a fresh store");
    let meta = store.bucket("demo").expect("reads").expect("created");
    assert_eq!(meta.cors, Some(vec![demo_cors_rule()]));
    let rule = demo_cors_rule();
    assert_eq!(rule.allowed_origins, ["*"]);
    assert_eq!(rule.allowed_methods, ["GET", "PUT", "POST", "HEAD"]);
    assert_eq!(rule.allowed_headers, ["*"]);
    assert_eq!(rule.expose_headers, ["ETag"]);
    assert_eq!(rule.max_age_seconds, Some(3000));

    // An existing bucket without CORS gets the rule; its other settings stay.
    let created = BucketMeta {
        created: 1_000,
        location: "eu-west-3".into(),
        ..BucketMeta::default()
    };
    store.create_bucket("photos", &created).expect("creates");
    prepare_bucket(&store, "photos").expect("prepares an existing bucket");
    let meta = store.bucket("photos").expect("reads").expect("exists");
    assert_eq!(meta.cors, Some(vec![demo_cors_rule()]));
    assert_eq!((meta.created, meta.location.as_str()), (1_000, "eu-west-3"));

    // A configuration of the user's own is never replaced.
    let own = vec![CorsRule {
        allowed_origins: vec!["http://app.example".into()],
        allowed_methods: vec!["PUT".into()],
        ..CorsRule::default()
    }];
    store
        .update_bucket("photos", |m| m.cors = Some(own.clone()))
        .expect("updates");
    prepare_bucket(&store, "photos").expect("prepares again");
    let meta = store.bucket("photos").expect("reads").expect("exists");
    assert_eq!(meta.cors, Some(own));

    let err = prepare_bucket(&store, "Not_A_Bucket").expect_err("invalid name");
    assert!(err.contains("--demo-bucket Not_A_Bucket"), "{err}");
    assert!(store.bucket("Not_A_Bucket").expect("reads").is_none());
}

#[test]
fn post_form_passes_the_servers_own_policy_checks() {
    use crate::auth::post_policy::{authenticate_form, FormFields, FormSigner};
    let presigned = signer().presign(
        PresignRequest::Post {
            key: "uploads/photo.jpg".into(),
            content_type: "image/jpeg".into(),
        },
        BASE_URL,
        at(),
    );
    let Presigned::Post { fields, .. } = presigned else {
        panic!("not a POST: {presigned:?}");
    };
    let form_of = |fields: &PostFields, key: &str| {
        let mut form = FormFields::new();
        let value = serde_json::to_value(fields).expect("serializes");
        for (name, value) in value.as_object().expect("object") {
            let value = value.as_str().expect("string").to_string();
            let value = if name == "key" {
                key.to_string()
            } else {
                value
            };
            form.insert(name, value).expect("unique field");
        }
        form
    };
    let form = form_of(&fields, "uploads/photo.jpg");
    let FormSigner::Signed {
        access_key, policy, ..
    } = authenticate_form(&form, &auth_config(), SystemTime::now()).expect("signature verifies")
    else {
        panic!("the form is not signed");
    };
    assert_eq!(access_key, "AKIDEMO");
    policy
        .check_expiration(at() + Duration::from_secs(PRESIGN_EXPIRES_SECS))
        .expect("valid for fifteen minutes");
    assert!(policy
        .check_expiration(at() + Duration::from_secs(PRESIGN_EXPIRES_SECS + 1))
        .is_err());
    policy.check_fields(&form, "demo").expect("conditions hold");
    assert!(policy.check_fields(&form, "other").is_err());
    assert!(policy
        .check_fields(&form_of(&fields, "uploads/other.jpg"), "demo")
        .is_err());
    let limits = policy.size_limits(u64::MAX);
    assert_eq!((limits.min, limits.max), (0, MAX_POST_BYTES));
}
