//! HTTP-level tests of browser access: bucket CORS (configuration, preflight, headers on answers)
//! and canned ACLs (what anonymous requests may do).

mod common;

use common::{call, element, elements, start, start_with, Req};

const CORS: &str = r#"<CORSConfiguration>
  <CORSRule><ID>uploads</ID><AllowedOrigin>http://*.app.example</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-amz-*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>
  <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>
</CORSConfiguration>"#;

fn preflight(path: &str, origin: &str, method: &str, headers: Option<&str>) -> Req {
    let mut req = Req::new("OPTIONS", path)
        .header("origin", origin)
        .header("access-control-request-method", method);
    if let Some(h) = headers {
        req = req.header("access-control-request-headers", h);
    }
    req
}

#[actix_web::test]
async fn cors_configuration_is_stored_validated_and_removed() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/site").signed()).await;

    let none = call(app, Req::new("GET", "/site?cors").signed()).await;
    assert_eq!(
        (none.status, none.error_code().as_str()),
        (404, "NoSuchCORSConfiguration")
    );
    let put = call(app, Req::new("PUT", "/site?cors").body(CORS).signed()).await;
    assert_eq!(put.status, 200, "{}", put.text());
    let got = call(app, Req::new("GET", "/site?cors").signed()).await;
    assert_eq!(got.status, 200);
    let doc = got.text();
    assert_eq!(elements(&doc, "AllowedMethod"), ["PUT", "POST", "GET"]);
    assert_eq!(element(&doc, "ID").as_deref(), Some("uploads"));
    assert_eq!(element(&doc, "MaxAgeSeconds").as_deref(), Some("600"));

    for (body, code) in [
        ("<CORSConfiguration/>", "MalformedXML"),
        ("<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>", "MalformedXML"),
        ("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>", "InvalidRequest"),
        ("<CORSConfiguration><CORSRule><AllowedOrigin>*.*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>", "InvalidRequest"),
        ("not xml", "MalformedXML"),
    ] {
        let bad = call(app, Req::new("PUT", "/site?cors").body(body).signed()).await;
        assert_eq!((bad.status, bad.error_code()), (400, code.to_string()), "{body}");
    }
    // A rejected configuration changes nothing.
    let still = call(app, Req::new("GET", "/site?cors").signed()).await;
    assert_eq!(still.text(), doc);

    let deleted = call(app, Req::new("DELETE", "/site?cors").signed()).await;
    assert_eq!(deleted.status, 204);
    let gone = call(app, Req::new("GET", "/site?cors").signed()).await;
    assert_eq!(gone.error_code(), "NoSuchCORSConfiguration");
    let missing = call(app, Req::new("PUT", "/nobucket?cors").body(CORS).signed()).await;
    assert_eq!(missing.error_code(), "NoSuchBucket");
}

#[actix_web::test]
async fn preflights_follow_the_first_matching_rule() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/site").signed()).await;

    let disabled = call(
        app,
        preflight("/site/k", "http://a.app.example", "PUT", None).anonymous(),
    )
    .await;
    assert_eq!(
        (disabled.status, disabled.error_code().as_str()),
        (403, "AccessForbidden")
    );
    assert!(disabled
        .text()
        .contains("CORS is not enabled for this bucket"));

    call(app, Req::new("PUT", "/site?cors").body(CORS).signed()).await;
    let ok = call(
        app,
        preflight(
            "/site/photo.jpg",
            "http://www.app.example",
            "PUT",
            Some("Content-Type, X-Amz-Date"),
        )
        .anonymous(),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(ok.body.is_empty());
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("http://www.app.example")
    );
    assert_eq!(ok.header("access-control-allow-methods"), Some("PUT, POST"));
    assert_eq!(
        ok.header("access-control-allow-headers"),
        Some("content-type, x-amz-date")
    );
    assert_eq!(ok.header("access-control-expose-headers"), Some("ETag"));
    assert_eq!(ok.header("access-control-max-age"), Some("600"));
    assert_eq!(ok.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(
        ok.header("vary"),
        Some("Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
    );

    let any = call(
        app,
        preflight("/site/k", "http://elsewhere", "GET", None).anonymous(),
    )
    .await;
    assert_eq!(any.status, 200);
    assert_eq!(any.header("access-control-allow-origin"), Some("*"));
    assert_eq!(any.header("access-control-allow-credentials"), None);

    for (origin, method, headers) in [
        ("http://elsewhere", "PUT", None),
        ("http://www.app.example", "DELETE", None),
        ("http://www.app.example", "PUT", Some("authorization")),
        ("https://www.app.example", "PUT", None),
    ] {
        let denied = call(
            app,
            preflight("/site/k", origin, method, headers).anonymous(),
        )
        .await;
        assert_eq!(
            (denied.status, denied.error_code().as_str()),
            (403, "AccessForbidden"),
            "{origin} {method}"
        );
        assert!(denied.text().contains("This CORS request is not allowed"));
        assert_eq!(denied.header("access-control-allow-origin"), None);
    }

    let no_origin = call(
        app,
        Req::new("OPTIONS", "/site/k")
            .header("access-control-request-method", "GET")
            .anonymous(),
    )
    .await;
    assert_eq!(
        (no_origin.status, no_origin.error_code().as_str()),
        (400, "BadRequest")
    );
    let no_method = call(
        app,
        Req::new("OPTIONS", "/site/k")
            .header("origin", "http://x")
            .anonymous(),
    )
    .await;
    assert_eq!(
        (no_method.status, no_method.error_code().as_str()),
        (400, "BadRequest")
    );
    let no_bucket = call(
        app,
        preflight("/nobucket/k", "http://x", "GET", None).anonymous(),
    )
    .await;
    assert_eq!(
        (no_bucket.status, no_bucket.error_code().as_str()),
        (404, "NoSuchBucket")
    );
}

#[actix_web::test]
async fn answers_to_allowed_origins_carry_cors_headers_even_when_they_fail() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/site").signed()).await;
    call(app, Req::new("PUT", "/site?cors").body(CORS).signed()).await;

    let put = call(
        app,
        Req::new("PUT", "/site/a.txt")
            .header("origin", "http://x.app.example")
            .body("hi")
            .signed(),
    )
    .await;
    assert_eq!(put.status, 200);
    assert_eq!(
        put.header("access-control-allow-origin"),
        Some("http://x.app.example")
    );
    assert_eq!(put.header("access-control-expose-headers"), Some("ETag"));

    // A private object read anonymously: 403, and the page may read why.
    let denied = call(
        app,
        Req::new("GET", "/site/a.txt")
            .header("origin", "http://x.app.example")
            .anonymous(),
    )
    .await;
    assert_eq!(
        (denied.status, denied.error_code().as_str()),
        (403, "AccessDenied")
    );
    assert_eq!(denied.header("access-control-allow-origin"), Some("*"));

    let bad_sig = call(
        app,
        Req::new("PUT", "/site/b.txt")
            .header("origin", "http://x.app.example")
            .body("x")
            .signed_with_payload_hash(&"0".repeat(64)),
    )
    .await;
    assert_eq!(bad_sig.status, 400);
    assert_eq!(
        bad_sig.header("access-control-allow-origin"),
        Some("http://x.app.example")
    );

    let other = call(
        app,
        Req::new("DELETE", "/site/a.txt")
            .header("origin", "http://x.app.example")
            .signed(),
    )
    .await;
    assert_eq!(other.status, 204);
    assert_eq!(
        other.header("access-control-allow-origin"),
        None,
        "DELETE is in no rule"
    );
    let no_origin = call(app, Req::new("GET", "/site?list-type=2").signed()).await;
    assert_eq!(no_origin.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn the_server_wide_default_opens_buckets_without_their_own_rules() {
    let s = start_with(|c| c.cors_allow_origins = vec!["http://dev.local:3000".into()]).await;
    let app = &s.service;
    call(app, Req::new("PUT", "/open").signed()).await;
    call(app, Req::new("PUT", "/own").signed()).await;
    call(app, Req::new("PUT", "/own?cors").body(CORS).signed()).await;

    let ok = call(
        app,
        preflight(
            "/open/k",
            "http://dev.local:3000",
            "DELETE",
            Some("authorization, x-amz-date"),
        )
        .anonymous(),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("http://dev.local:3000")
    );
    let other = call(
        app,
        preflight("/open/k", "http://dev.local:3001", "GET", None).anonymous(),
    )
    .await;
    assert_eq!(other.status, 403);
    // A bucket's own configuration wins over the default.
    let own = call(
        app,
        preflight("/own/k", "http://dev.local:3000", "PUT", None).anonymous(),
    )
    .await;
    assert_eq!(own.status, 403);
    let list = call(
        app,
        Req::new("GET", "/")
            .header("origin", "http://dev.local:3000")
            .signed(),
    )
    .await;
    assert_eq!(
        list.header("access-control-allow-origin"),
        Some("http://dev.local:3000")
    );
}

#[actix_web::test]
async fn anonymous_requests_get_exactly_what_canned_acls_grant() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/private").signed()).await;
    let created = call(
        app,
        Req::new("PUT", "/public")
            .header("x-amz-acl", "public-read")
            .signed(),
    )
    .await;
    assert_eq!(created.status, 200);
    call(app, Req::new("PUT", "/private/secret").body("s").signed()).await;
    call(
        app,
        Req::new("PUT", "/private/shared")
            .header("x-amz-acl", "public-read")
            .body("p")
            .signed(),
    )
    .await;
    call(app, Req::new("PUT", "/public/listed").body("l").signed()).await;

    let status = |r: &common::Reply| (r.status, r.error_code());
    let shared = call(app, Req::new("GET", "/private/shared").anonymous()).await;
    assert_eq!((shared.status, shared.text().as_str()), (200, "p"));
    assert_eq!(
        call(app, Req::new("HEAD", "/private/shared").anonymous())
            .await
            .status,
        200
    );
    let secret = call(app, Req::new("GET", "/private/secret").anonymous()).await;
    assert_eq!(status(&secret), (403, "AccessDenied".into()));
    // A public bucket does not make its objects public...
    let listed = call(app, Req::new("GET", "/public/listed").anonymous()).await;
    assert_eq!(status(&listed), (403, "AccessDenied".into()));
    // ...but lets anyone list it, and learn that a key is missing.
    let list = call(app, Req::new("GET", "/public?list-type=2").anonymous()).await;
    assert_eq!(list.status, 200);
    assert_eq!(elements(&list.text(), "Key"), ["listed"]);
    let missing_public = call(app, Req::new("GET", "/public/nope").anonymous()).await;
    assert_eq!(status(&missing_public), (404, "NoSuchKey".into()));
    let missing_private = call(app, Req::new("GET", "/private/nope").anonymous()).await;
    assert_eq!(status(&missing_private), (403, "AccessDenied".into()));
    let private_list = call(app, Req::new("GET", "/private").anonymous()).await;
    assert_eq!(status(&private_list), (403, "AccessDenied".into()));
    let no_bucket = call(app, Req::new("GET", "/nobucket/k").anonymous()).await;
    assert_eq!(status(&no_bucket), (404, "NoSuchBucket".into()));
    let acl = call(app, Req::new("GET", "/private/shared?acl").anonymous()).await;
    assert_eq!(status(&acl), (403, "AccessDenied".into()));

    // Writes need public-read-write on the bucket.
    let put = call(app, Req::new("PUT", "/public/anon").body("a").anonymous()).await;
    assert_eq!(status(&put), (403, "AccessDenied".into()));
    let set = call(
        app,
        Req::new("PUT", "/public?acl")
            .header("x-amz-acl", "public-read-write")
            .signed(),
    )
    .await;
    assert_eq!(set.status, 200);
    let put = call(app, Req::new("PUT", "/public/anon").body("a").anonymous()).await;
    assert_eq!(put.status, 200);
    let got = call(app, Req::new("GET", "/public/anon").signed()).await;
    assert_eq!(got.text(), "a");
    assert_eq!(
        call(app, Req::new("DELETE", "/public/anon").anonymous())
            .await
            .status,
        204
    );

    // Making an object private again, and an overwrite without x-amz-acl, both close it.
    call(
        app,
        Req::new("PUT", "/private/shared?acl")
            .header("x-amz-acl", "private")
            .signed(),
    )
    .await;
    assert_eq!(
        call(app, Req::new("GET", "/private/shared").anonymous())
            .await
            .status,
        403
    );
    call(
        app,
        Req::new("PUT", "/private/shared?acl")
            .header("x-amz-acl", "public-read")
            .signed(),
    )
    .await;
    assert_eq!(
        call(app, Req::new("GET", "/private/shared").anonymous())
            .await
            .status,
        200
    );
    call(app, Req::new("PUT", "/private/shared").body("new").signed()).await;
    assert_eq!(
        call(app, Req::new("GET", "/private/shared").anonymous())
            .await
            .status,
        403
    );
}

#[actix_web::test]
async fn acl_documents_and_refusals() {
    let s = start().await;
    let app = &s.service;
    call(
        app,
        Req::new("PUT", "/acls")
            .header("x-amz-acl", "authenticated-read")
            .signed(),
    )
    .await;
    let doc = call(app, Req::new("GET", "/acls?acl").signed())
        .await
        .text();
    assert_eq!(
        elements(&doc, "Permission"),
        ["FULL_CONTROL", "READ"],
        "{doc}"
    );
    assert_eq!(
        element(&doc, "URI").as_deref(),
        Some("http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
    );
    assert!(doc.contains("xsi:type=\"CanonicalUser\""));

    call(
        app,
        Req::new("PUT", "/acls/k")
            .header("x-amz-acl", "public-read-write")
            .body("x")
            .signed(),
    )
    .await;
    let doc = call(app, Req::new("GET", "/acls/k?acl").signed())
        .await
        .text();
    assert_eq!(
        elements(&doc, "Permission"),
        ["FULL_CONTROL", "READ", "WRITE"]
    );

    // A canned-shaped body is accepted; anything else is refused and changes nothing.
    let private_doc = doc
        .split("<Grant>")
        .take(2)
        .collect::<Vec<_>>()
        .join("<Grant>")
        + "</AccessControlList></AccessControlPolicy>";
    let put = call(
        app,
        Req::new("PUT", "/acls/k?acl")
            .body(private_doc.clone())
            .signed(),
    )
    .await;
    assert_eq!(put.status, 200, "{private_doc}\n{}", put.text());
    let doc = call(app, Req::new("GET", "/acls/k?acl").signed())
        .await
        .text();
    assert_eq!(elements(&doc, "Permission"), ["FULL_CONTROL"]);
    let foreign = private_doc.replace("6d696e6973330000", "0123456789abcdef");
    let refused = call(app, Req::new("PUT", "/acls/k?acl").body(foreign).signed()).await;
    assert_eq!(
        (refused.status, refused.error_code().as_str()),
        (501, "NotImplemented")
    );

    // Grant headers are taken where they make a canned ACL's grants, refused otherwise.
    let grant = |key: &str, header: &str, value: &str| {
        Req::new("PUT", &format!("/acls/{key}"))
            .header(header, value)
            .body("x")
    };
    let all_users = "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"";
    let public = call(app, grant("g", "x-amz-grant-read", all_users).signed()).await;
    assert_eq!(public.status, 200, "{}", public.text());
    assert_eq!(
        call(app, Req::new("GET", "/acls/g").anonymous())
            .await
            .status,
        200
    );
    let doc = call(app, Req::new("GET", "/acls/g?acl").signed())
        .await
        .text();
    assert_eq!(elements(&doc, "Permission"), ["FULL_CONTROL", "READ"]);
    let other = call(
        app,
        grant("h", "x-amz-grant-read", "id=\"0123456789abcdef\"").signed(),
    )
    .await;
    assert_eq!(
        (other.status, other.error_code().as_str()),
        (501, "NotImplemented")
    );
    let both = grant("h", "x-amz-grant-read", all_users).header("x-amz-acl", "public-read");
    let both = call(app, both.signed()).await;
    assert_eq!(
        (both.status, both.error_code().as_str()),
        (400, "InvalidRequest")
    );
    let bad = call(app, grant("h", "x-amz-grant-write", "nonsense").signed()).await;
    assert_eq!(
        (bad.status, bad.error_code().as_str()),
        (400, "InvalidArgument")
    );
    let head = call(app, Req::new("HEAD", "/acls/h").signed()).await;
    assert_eq!(head.status, 404, "a refused PUT stores nothing");
    let bad = call(
        app,
        Req::new("PUT", "/acls/k?acl")
            .header("x-amz-acl", "world-readable")
            .signed(),
    )
    .await;
    assert_eq!(
        (bad.status, bad.error_code().as_str()),
        (400, "InvalidArgument")
    );
    let none = call(app, Req::new("PUT", "/acls/k?acl").signed()).await;
    assert_eq!(none.status, 400);
    let missing = call(app, Req::new("GET", "/acls/nope?acl").signed()).await;
    assert_eq!(missing.error_code(), "NoSuchKey");
}

/// Block Public Access: public ACLs refused where they are blocked, worth nothing to anonymous
/// requests where they are ignored, and everything as before once the configuration is gone.
#[actix_web::test]
async fn public_access_block_refuses_and_ignores_public_acls() {
    let s = start().await;
    let app = &s.service;
    call(
        app,
        Req::new("PUT", "/bpa")
            .header("x-amz-acl", "public-read-write")
            .signed(),
    )
    .await;
    let put = |key: &str, acl: &str| {
        Req::new("PUT", &format!("/bpa/{key}"))
            .header("x-amz-acl", acl)
            .body("data")
            .signed()
    };
    assert_eq!(call(app, put("open", "public-read")).await.status, 200);
    // An upload begun before public ACLs are blocked.
    let (early_id, part_etag) = public_upload_with_a_part(app, "/bpa/early").await;
    let anonymous_get = || Req::new("GET", "/bpa/open").anonymous();
    assert_eq!(call(app, anonymous_get()).await.status, 200);
    let config = || Req::new("GET", "/bpa?publicAccessBlock").signed();
    let r = call(app, config()).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (404, "NoSuchPublicAccessBlockConfiguration")
    );

    let settings = |block: bool, ignore: bool| {
        Req::new("PUT", "/bpa?publicAccessBlock")
            .body(format!(
                "<PublicAccessBlockConfiguration><BlockPublicAcls>{block}</BlockPublicAcls>\
                 <IgnorePublicAcls>{ignore}</IgnorePublicAcls></PublicAccessBlockConfiguration>"
            ))
            .signed()
    };
    assert_eq!(call(app, settings(true, false)).await.status, 200);
    let doc = call(app, config()).await.text();
    assert_eq!(
        (
            element(&doc, "BlockPublicAcls"),
            element(&doc, "IgnorePublicAcls"),
            element(&doc, "BlockPublicPolicy")
        ),
        (
            Some("true".into()),
            Some("false".into()),
            Some("false".into())
        )
    );
    // Blocked: every way of setting a public ACL is refused and changes nothing.
    for acl in ["public-read", "public-read-write", "authenticated-read"] {
        let r = call(app, put("new", acl)).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (403, "AccessDenied"),
            "{acl}"
        );
    }
    assert_eq!(
        call(app, Req::new("HEAD", "/bpa/new").signed())
            .await
            .status,
        404
    );
    let r = call(
        app,
        Req::new("PUT", "/bpa/open?acl")
            .header("x-amz-acl", "public-read-write")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = call(
        app,
        Req::new("POST", "/bpa/mp?uploads")
            .header("x-amz-acl", "public-read")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = call(
        app,
        Req::new("PUT", "/bpa?acl")
            .header("x-amz-acl", "public-read")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 403);
    // Written in an ACL document rather than a header, the same.
    let document = call(app, Req::new("GET", "/bpa/open?acl").signed())
        .await
        .text();
    assert_eq!(call(app, put("closed0", "private")).await.status, 200);
    let r = call(
        app,
        Req::new("PUT", "/bpa/closed0?acl").body(document).signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (403, "AccessDenied"));
    // None of the refusals changed an ACL.
    let acl = call(app, Req::new("GET", "/bpa/closed0?acl").signed())
        .await
        .text();
    assert!(!acl.contains("AllUsers"), "{acl}");
    let acl = call(app, Req::new("GET", "/bpa/open?acl").signed())
        .await
        .text();
    assert!(!acl.contains("WRITE"), "{acl}");
    let acl = call(app, Req::new("GET", "/bpa?acl").signed()).await.text();
    assert!(acl.contains("WRITE"), "still public-read-write: {acl}");
    assert!(call(app, Req::new("GET", "/bpa?uploads").signed())
        .await
        .text()
        .contains("<Key>early</Key>"));
    assert!(!call(app, Req::new("GET", "/bpa?uploads").signed())
        .await
        .text()
        .contains("<Key>mp</Key>"));
    // The upload begun before the block cannot make its public object now; it stays open.
    let complete = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part_etag}</ETag>\
         </Part></CompleteMultipartUpload>"
    );
    let r = call(
        app,
        Req::new("POST", &format!("/bpa/early?uploadId={early_id}"))
            .body(complete)
            .signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (403, "AccessDenied"));
    assert_eq!(
        call(app, Req::new("HEAD", "/bpa/early").signed())
            .await
            .status,
        404
    );
    // Private ACLs are still fine, and existing public ACLs still count (not ignored).
    assert_eq!(call(app, put("closed", "private")).await.status, 200);
    assert_eq!(call(app, anonymous_get()).await.status, 200);

    // Ignored: the public object and the public-read-write bucket are private to anonymous users.
    assert_eq!(call(app, settings(false, true)).await.status, 200);
    assert_eq!(call(app, anonymous_get()).await.status, 403);
    let r = call(app, Req::new("PUT", "/bpa/anon").body("x").anonymous()).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        call(app, Req::new("GET", "/bpa").anonymous()).await.status,
        403
    );
    // ...while setting one is allowed again, and the ACL itself is kept as it was.
    assert_eq!(call(app, put("new", "public-read")).await.status, 200);
    let acl = call(app, Req::new("GET", "/bpa/open?acl").signed())
        .await
        .text();
    assert!(acl.contains("AllUsers"), "{acl}");

    let r = call(
        app,
        Req::new("PUT", "/bpa?publicAccessBlock")
            .body("<PublicAccessBlockConfiguration><BlockPublicAcls>maybe</BlockPublicAcls></PublicAccessBlockConfiguration>")
            .signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "MalformedXML"));
    for (body, code) in [
        ("<PublicAccessBlockConfiguration/>", "InvalidRequest"),
        (
            "<Tagging><BlockPublicAcls>true</BlockPublicAcls></Tagging>",
            "MalformedXML",
        ),
    ] {
        let r = call(
            app,
            Req::new("PUT", "/bpa?publicAccessBlock")
                .body(body)
                .signed(),
        )
        .await;
        assert_eq!((r.status, r.error_code().as_str()), (400, code), "{body}");
    }
    assert!(call(app, config())
        .await
        .text()
        .contains("<IgnorePublicAcls>true"));
    let r = call(app, Req::new("DELETE", "/bpa?publicAccessBlock").signed()).await;
    assert_eq!(r.status, 204);
    assert_eq!(call(app, anonymous_get()).await.status, 200);
    assert_eq!(call(app, config()).await.status, 404);
}

/// Object Ownership: `BucketOwnerEnforced` disables ACLs (only bucket-owner-full-control may be
/// named, reads report the owner's control alone, anonymous requests get nothing), can be set
/// only on a bucket whose ACL is the owner's alone, and lifting it brings the ACLs back.
#[actix_web::test]
async fn bucket_owner_enforced_disables_acls() {
    let s = start().await;
    let app = &s.service;
    call(
        app,
        Req::new("PUT", "/own")
            .header("x-amz-acl", "public-read")
            .signed(),
    )
    .await;
    let put = |key: &str, acl: Option<&str>| {
        let mut req = Req::new("PUT", &format!("/own/{key}")).body("data");
        if let Some(acl) = acl {
            req = req.header("x-amz-acl", acl);
        }
        req.signed()
    };
    assert_eq!(
        call(app, put("open", Some("public-read"))).await.status,
        200
    );
    let controls = |ownership: &str| {
        Req::new("PUT", "/own?ownershipControls")
            .body(format!(
                "<OwnershipControls><Rule><ObjectOwnership>{ownership}</ObjectOwnership></Rule>\
                 </OwnershipControls>"
            ))
            .signed()
    };
    let get_controls = || Req::new("GET", "/own?ownershipControls").signed();
    let r = call(app, get_controls()).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (404, "OwnershipControlsNotFoundError")
    );
    // The bucket's own ACL is public: ACLs cannot be disabled yet.
    let r = call(app, controls("BucketOwnerEnforced")).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "InvalidBucketAclWithObjectOwnership")
    );
    assert_eq!(call(app, get_controls()).await.status, 404);
    let r = call(app, controls("Nobody")).await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "MalformedXML"));
    let r = call(
        app,
        Req::new("PUT", "/own?acl")
            .header("x-amz-acl", "private")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200);
    // An upload with a public ACL begun while ACLs are still in force.
    let (early_id, part_etag) = public_upload_with_a_part(app, "/own/early").await;
    assert_eq!(call(app, controls("BucketOwnerEnforced")).await.status, 200);
    let r = call(app, get_controls()).await;
    assert_eq!(
        element(&r.text(), "ObjectOwnership").as_deref(),
        Some("BucketOwnerEnforced")
    );

    // ACLs disabled: the public object reads as private, to anonymous users and in its ACL.
    assert_eq!(
        call(app, Req::new("GET", "/own/open").anonymous())
            .await
            .status,
        403
    );
    let acl = call(app, Req::new("GET", "/own/open?acl").signed())
        .await
        .text();
    assert!(!acl.contains("AllUsers"), "{acl}");
    // Naming any ACL but bucket-owner-full-control is refused, and stores nothing.
    for acl in ["private", "public-read", "authenticated-read"] {
        let r = call(app, put("new", Some(acl))).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (400, "AccessControlListNotSupported"),
            "{acl}"
        );
        let r = call(
            app,
            Req::new("PUT", "/own/open?acl")
                .header("x-amz-acl", acl)
                .signed(),
        )
        .await;
        assert_eq!(r.status, 400, "{acl}");
    }
    assert_eq!(
        call(app, Req::new("HEAD", "/own/new").signed())
            .await
            .status,
        404
    );
    assert_eq!(call(app, put("new", None)).await.status, 200);
    assert_eq!(
        call(app, put("full", Some("bucket-owner-full-control")))
            .await
            .status,
        200
    );
    let r = call(
        app,
        Req::new("POST", "/own/mp?uploads")
            .header("x-amz-acl", "public-read")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 400);

    // The upload begun before cannot complete with its public ACL now.
    let r = call(
        app,
        Req::new("POST", &format!("/own/early?uploadId={early_id}"))
            .body(format!(
                "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part_etag}</ETag>\
                 </Part></CompleteMultipartUpload>"
            ))
            .signed(),
    )
    .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "AccessControlListNotSupported")
    );
    // An ACL document granting the owner alone is bucket-owner-full-control, and is taken.
    let owner_only = call(app, Req::new("GET", "/own/new?acl").signed())
        .await
        .text();
    let r = call(
        app,
        Req::new("PUT", "/own/new?acl")
            .body(owner_only.clone())
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = call(app, Req::new("PUT", "/own?acl").body(owner_only).signed()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Back to ACLs: the object's public-read counts again.
    assert_eq!(call(app, controls("ObjectWriter")).await.status, 200);
    assert_eq!(
        call(app, Req::new("GET", "/own/open").anonymous())
            .await
            .status,
        200
    );
    assert_eq!(
        call(app, put("new2", Some("public-read"))).await.status,
        200
    );
    let r = call(app, Req::new("DELETE", "/own?ownershipControls").signed()).await;
    assert_eq!(r.status, 204);
    assert_eq!(call(app, get_controls()).await.status, 404);

    // CreateBucket may set it, under the same rule about the bucket's ACL.
    let r = call(
        app,
        Req::new("PUT", "/own2")
            .header("x-amz-object-ownership", "BucketOwnerEnforced")
            .header("x-amz-acl", "public-read")
            .signed(),
    )
    .await;
    assert_eq!(r.error_code(), "InvalidBucketAclWithObjectOwnership");
    assert_eq!(
        call(app, Req::new("HEAD", "/own2").signed()).await.status,
        404
    );
    let r = call(
        app,
        Req::new("PUT", "/own2")
            .header("x-amz-object-ownership", "BucketOwnerWhatever")
            .signed(),
    )
    .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "InvalidArgument")
    );
    let r = call(
        app,
        Req::new("PUT", "/own2")
            .header("x-amz-object-ownership", "BucketOwnerEnforced")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = call(app, Req::new("GET", "/own2?ownershipControls").signed()).await;
    assert_eq!(
        element(&r.text(), "ObjectOwnership").as_deref(),
        Some("BucketOwnerEnforced")
    );
}

/// An upload to `path` begun with a public-read ACL, with one part: its id and the part's ETag.
async fn public_upload_with_a_part<S>(app: &S, path: &str) -> (String, String)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let created = call(
        app,
        Req::new("POST", &format!("{path}?uploads"))
            .header("x-amz-acl", "public-read")
            .signed(),
    )
    .await;
    let upload_id = element(&created.text(), "UploadId").expect("upload id");
    let part = call(
        app,
        Req::new("PUT", &format!("{path}?partNumber=1&uploadId={upload_id}"))
            .body("part")
            .signed(),
    )
    .await;
    let etag = part.header("etag").expect("etag").to_string();
    (upload_id, etag)
}
