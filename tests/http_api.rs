//! HTTP-level tests: the real actix app in-process, spoken to with signed S3 requests.

mod common;

use base64::Engine;
use common::{call, element, elements, start, Req};
use md5::{Digest, Md5};
use minis3::auth::chunked::ChunkedEncoder;
use minis3::auth::sigv4::{self, SigningParams};
use std::time::SystemTime;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[actix_web::test]
async fn bucket_lifecycle_answers_like_s3() {
    let s = start().await;
    let app = &s.service;
    assert_eq!(
        call(app, Req::new("PUT", "/photos").signed()).await.status,
        200
    );
    let again = call(app, Req::new("PUT", "/photos").signed()).await;
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (409, "BucketAlreadyOwnedByYou")
    );
    let bad = call(app, Req::new("PUT", "/Bad_Name").signed()).await;
    assert_eq!(
        (bad.status, bad.error_code().as_str()),
        (400, "InvalidBucketName")
    );

    let head = call(app, Req::new("HEAD", "/photos").signed()).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("x-amz-bucket-region"), Some("us-east-1"));
    let missing = call(app, Req::new("HEAD", "/nothere").signed()).await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.is_empty(), "HEAD errors carry no body");
    assert!(missing.header("x-amz-request-id").is_some());

    let list = call(app, Req::new("GET", "/").signed()).await;
    assert_eq!(elements(&list.text(), "Name"), ["photos"]);

    call(app, Req::new("PUT", "/photos/a").body("x").signed()).await;
    let busy = call(app, Req::new("DELETE", "/photos").signed()).await;
    assert_eq!(
        (busy.status, busy.error_code().as_str()),
        (409, "BucketNotEmpty")
    );
    call(app, Req::new("DELETE", "/photos/a").signed()).await;
    assert_eq!(
        call(app, Req::new("DELETE", "/photos").signed())
            .await
            .status,
        204
    );
    let gone = call(app, Req::new("GET", "/photos?list-type=2").signed()).await;
    assert_eq!(
        (gone.status, gone.error_code().as_str()),
        (404, "NoSuchBucket")
    );
    assert!(gone.text().contains("<Resource>/photos</Resource>"));
    assert!(gone.text().contains("<BucketName>photos</BucketName>"));
    let gone_key = call(app, Req::new("GET", "/photos/k").signed()).await;
    assert_eq!(gone_key.error_code(), "NoSuchBucket");
    assert!(gone_key.text().contains("<BucketName>photos</BucketName>"));
}

#[actix_web::test]
async fn location_and_versioning_of_an_unversioned_bucket() {
    let s = start().await;
    let app = &s.service;
    let body = "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>";
    assert_eq!(
        call(app, Req::new("PUT", "/euro").body(body).signed())
            .await
            .status,
        200
    );
    let loc = call(app, Req::new("GET", "/euro?location").signed()).await;
    assert_eq!(element(&loc.text(), "LocationConstraint").as_deref(), None);
    assert!(loc.text().contains(">eu-west-1</LocationConstraint>"));
    let v = call(app, Req::new("GET", "/euro?versioning").signed()).await;
    assert!(v.text().contains("<VersioningConfiguration"));
    assert!(!v.text().contains("<Status>"));
    let garbage = call(app, Req::new("PUT", "/other").body("<nope").signed()).await;
    assert_eq!(garbage.error_code(), "MalformedXML");
}

#[actix_web::test]
async fn objects_keep_their_headers_and_metadata() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let put = call(
        app,
        Req::new("PUT", "/bkt/dir/a%20b%2Bc")
            .header("content-type", "text/plain")
            .header("content-disposition", "attachment; filename=\"x.txt\"")
            .header("content-language", "fr")
            .header("cache-control", "max-age=60")
            .header("expires", "Thu, 01 Dec 2094 16:00:00 GMT")
            .header("x-amz-meta-color", "blue")
            .body("hello world")
            .signed(),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text());
    let etag = format!("\"{}\"", hex::encode(Md5::digest(b"hello world")));
    assert_eq!(put.header("etag"), Some(etag.as_str()));

    let get = call(app, Req::new("GET", "/bkt/dir/a%20b%2Bc").signed()).await;
    assert_eq!(get.status, 200);
    assert_eq!(&get.body[..], b"hello world");
    assert_eq!(get.header("etag"), Some(etag.as_str()));
    assert_eq!(get.header("content-type"), Some("text/plain"));
    assert_eq!(
        get.header("content-disposition"),
        Some("attachment; filename=\"x.txt\"")
    );
    assert_eq!(get.header("content-language"), Some("fr"));
    assert_eq!(get.header("cache-control"), Some("max-age=60"));
    assert_eq!(get.header("expires"), Some("Thu, 01 Dec 2094 16:00:00 GMT"));
    assert_eq!(get.header("x-amz-meta-color"), Some("blue"));
    assert_eq!(get.header("accept-ranges"), Some("bytes"));
    assert!(get.header("last-modified").is_some());

    let head = call(app, Req::new("HEAD", "/bkt/dir/a%20b%2Bc").signed()).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("etag"), Some(etag.as_str()));
    assert!(head.body.is_empty());

    let overridden = call(
        app,
        Req::new(
            "GET",
            "/bkt/dir/a%20b%2Bc?response-content-type=image%2Fpng&response-cache-control=no-store",
        )
        .signed(),
    )
    .await;
    assert_eq!(overridden.header("content-type"), Some("image/png"));
    assert_eq!(overridden.header("cache-control"), Some("no-store"));

    // Stored without a Content-Type: S3 answers with its default.
    call(app, Req::new("PUT", "/bkt/untyped").body("x").signed()).await;
    let untyped = call(app, Req::new("GET", "/bkt/untyped").signed()).await;
    assert_eq!(untyped.header("content-type"), Some("binary/octet-stream"));

    let missing = call(app, Req::new("GET", "/bkt/nope").signed()).await;
    assert_eq!(
        (missing.status, missing.error_code().as_str()),
        (404, "NoSuchKey")
    );
    let versioned = call(
        app,
        Req::new("GET", "/bkt/dir/a%20b%2Bc?versionId=null").signed(),
    )
    .await;
    assert_eq!(versioned.status, 200);
}

#[actix_web::test]
async fn empty_objects_and_odd_keys() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    for key in [
        "empty",
        "a//b",
        "trailing/",
        "%25percent",
        "%C3%A9t%C3%A9",
        "sp%20ace",
    ] {
        let path = format!("/bkt/{key}");
        let put = call(app, Req::new("PUT", &path).signed()).await;
        assert_eq!(put.status, 200, "{key}: {}", put.text());
        let get = call(app, Req::new("GET", &path).signed()).await;
        assert_eq!(get.status, 200, "{key}");
        assert!(get.body.is_empty());
        assert_eq!(
            get.header("etag"),
            Some("\"d41d8cd98f00b204e9800998ecf8427e\"")
        );
    }
    let list = call(app, Req::new("GET", "/bkt?list-type=2").signed()).await;
    assert_eq!(
        elements(&list.text(), "Key"),
        [
            "%percent",
            "a//b",
            "empty",
            "sp ace",
            "trailing/",
            "\u{e9}t\u{e9}"
        ]
    );
}

#[actix_web::test]
async fn corrupt_uploads_store_nothing() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let wrong_md5 = b64(&Md5::digest(b"something else"));
    let r = call(
        app,
        Req::new("PUT", "/bkt/k")
            .header("content-md5", &wrong_md5)
            .body("data")
            .signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "BadDigest"));
    let r = call(
        app,
        Req::new("PUT", "/bkt/k")
            .header("content-md5", "not-base64!")
            .body("data")
            .signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "InvalidDigest"));
    let right_md5 = b64(&Md5::digest(b"data"));
    let r = call(
        app,
        Req::new("PUT", "/bkt/ok")
            .header("content-md5", &right_md5)
            .body("data")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200);

    // Signed with the hash of other bytes than those sent.
    let other_hash = sigv4::sha256_hex(b"other");
    let r = call(
        app,
        Req::new("PUT", "/bkt/k")
            .body("data")
            .signed_with_payload_hash(&other_hash),
    )
    .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "XAmzContentSHA256Mismatch")
    );

    let r = call(
        app,
        Req::new("PUT", "/bkt/k")
            .header("x-amz-checksum-crc32", "AAAAAA==")
            .body("data")
            .signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "BadDigest"));

    let head = call(app, Req::new("HEAD", "/bkt/k").signed()).await;
    assert_eq!(head.status, 404, "no failed upload left an object");
}

/// A body framed as aws-chunked, the way the AWS SDKs stream uploads.
fn chunked_put(
    path: &str,
    data: &[u8],
    signed: bool,
    trailer: Option<(&str, String)>,
) -> actix_web::test::TestRequest {
    let mode = match (signed, trailer.is_some()) {
        (true, false) => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        (true, true) => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        (false, _) => "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    };
    let mut headers = vec![
        ("host".to_string(), common::HOST.to_string()),
        ("content-encoding".to_string(), "aws-chunked".to_string()),
        (
            "x-amz-decoded-content-length".to_string(),
            data.len().to_string(),
        ),
    ];
    if let Some((name, _)) = &trailer {
        headers.push(("x-amz-trailer".to_string(), name.to_string()));
    }
    let params = SigningParams {
        access_key: common::ACCESS_KEY,
        secret_key: common::SECRET_KEY,
        region: "us-east-1",
        service: "s3",
        time: SystemTime::now(),
        session_token: None,
    };
    let signed_req = sigv4::sign_request_headers(&params, "PUT", path, "", &headers, mode);
    let mut encoder = ChunkedEncoder::new(signed.then(|| signed_req.chunk_signing.clone()));
    let mut body = Vec::new();
    for piece in data.chunks(64 * 1024) {
        body.extend(encoder.chunk(piece));
    }
    let trailers: Option<Vec<(String, String)>> = trailer.map(|(n, v)| vec![(n.to_string(), v)]);
    body.extend(encoder.finish(trailers.as_deref()));
    let mut req = actix_web::test::TestRequest::put().uri(path);
    for (name, value) in headers.iter().chain(&signed_req.headers) {
        req = req.append_header((name.as_str(), value.as_str()));
    }
    req.insert_header(("content-length", body.len().to_string()))
        .set_payload(body)
}

fn crc32_b64(data: &[u8]) -> String {
    let mut h = minis3::checksum::ChecksumHasher::new(minis3::checksum::ChecksumAlgorithm::Crc32);
    h.update(data);
    h.finish()
}

#[actix_web::test]
async fn aws_chunked_uploads_with_trailing_checksums() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();

    let r = call(app, chunked_put("/bkt/signed", &data, true, None)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = call(
        app,
        chunked_put(
            "/bkt/trailer",
            &data,
            true,
            Some(("x-amz-checksum-crc32", crc32_b64(&data))),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = call(
        app,
        chunked_put(
            "/bkt/unsigned",
            &data,
            false,
            Some(("x-amz-checksum-crc32", crc32_b64(&data))),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());

    for key in ["signed", "trailer", "unsigned"] {
        let get = call(app, Req::new("GET", &format!("/bkt/{key}")).signed()).await;
        assert_eq!(get.body.len(), data.len(), "{key}");
        assert!(get.body == data, "{key} round-trips");
        assert_eq!(
            get.header("content-encoding"),
            None,
            "aws-chunked is not stored"
        );
    }
    let with_mode = call(
        app,
        Req::new("HEAD", "/bkt/trailer")
            .header("x-amz-checksum-mode", "ENABLED")
            .signed(),
    )
    .await;
    assert_eq!(
        with_mode.header("x-amz-checksum-crc32"),
        Some(crc32_b64(&data).as_str())
    );
    let without = call(app, Req::new("HEAD", "/bkt/trailer").signed()).await;
    assert_eq!(without.header("x-amz-checksum-crc32"), None);
    let ranged = call(
        app,
        Req::new("GET", "/bkt/trailer")
            .header("x-amz-checksum-mode", "ENABLED")
            .header("range", "bytes=0-9")
            .signed(),
    )
    .await;
    assert_eq!(ranged.status, 206);
    assert_eq!(
        ranged.header("x-amz-checksum-crc32"),
        None,
        "never on a range"
    );

    let bad = call(
        app,
        chunked_put(
            "/bkt/bad",
            &data,
            false,
            Some(("x-amz-checksum-crc32", "AAAAAA==".into())),
        ),
    )
    .await;
    assert_eq!((bad.status, bad.error_code().as_str()), (400, "BadDigest"));
    assert_eq!(
        call(app, Req::new("HEAD", "/bkt/bad").signed())
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn ranges_and_conditional_requests() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let put = call(app, Req::new("PUT", "/bkt/k").body("0123456789").signed()).await;
    let etag = put.header("etag").unwrap_or_default().to_string();

    for (range, status, body, content_range) in [
        ("bytes=2-4", 206, "234", Some("bytes 2-4/10")),
        ("bytes=7-", 206, "789", Some("bytes 7-9/10")),
        ("bytes=-2", 206, "89", Some("bytes 8-9/10")),
        ("bytes=5-100", 206, "56789", Some("bytes 5-9/10")),
        ("bytes=0-1,4-5", 200, "0123456789", None),
    ] {
        let r = call(
            app,
            Req::new("GET", "/bkt/k").header("range", range).signed(),
        )
        .await;
        assert_eq!(r.status, status, "{range}");
        assert_eq!(r.text(), body, "{range}");
        assert_eq!(r.header("content-range"), content_range, "{range}");
    }
    let r = call(
        app,
        Req::new("GET", "/bkt/k")
            .header("range", "bytes=10-")
            .signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (416, "InvalidRange"));
    assert_eq!(r.header("content-range"), Some("bytes */10"));

    let r = call(
        app,
        Req::new("GET", "/bkt/k").header("if-match", &etag).signed(),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = call(
        app,
        Req::new("GET", "/bkt/k")
            .header("if-match", "\"nope\"")
            .signed(),
    )
    .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (412, "PreconditionFailed")
    );
    let r = call(
        app,
        Req::new("GET", "/bkt/k")
            .header("if-none-match", &etag)
            .signed(),
    )
    .await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let past = "Mon, 01 Jan 2001 00:00:00 GMT";
    let future = "Fri, 01 Jan 2100 00:00:00 GMT";
    let r = call(
        app,
        Req::new("GET", "/bkt/k")
            .header("if-modified-since", future)
            .signed(),
    )
    .await;
    assert_eq!(r.status, 304);
    let r = call(
        app,
        Req::new("GET", "/bkt/k")
            .header("if-modified-since", past)
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = call(
        app,
        Req::new("GET", "/bkt/k")
            .header("if-unmodified-since", past)
            .signed(),
    )
    .await;
    assert_eq!(r.status, 412);
    let r = call(
        app,
        Req::new("HEAD", "/bkt/k")
            .header("if-unmodified-since", past)
            .signed(),
    )
    .await;
    assert_eq!(r.status, 412);
    // If-Match that holds overrides a failing If-Unmodified-Since (S3's documented rule).
    let r = call(
        app,
        Req::new("GET", "/bkt/k")
            .header("if-match", &etag)
            .header("if-unmodified-since", past)
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200);
}

#[actix_web::test]
async fn listings_page_without_repeats() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let keys = ["a/1", "a/2", "b", "c/x/y", "d", "e+f", "g h"];
    for key in keys {
        let path = format!("/bkt/{}", sigv4::uri_encode(key.as_bytes(), true));
        assert_eq!(
            call(app, Req::new("PUT", &path).body("x").signed())
                .await
                .status,
            200
        );
    }
    // V2, two at a time, with a delimiter.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let mut q = "list-type=2&max-keys=2&delimiter=%2F".to_string();
        if let Some(t) = &token {
            q.push_str(&format!(
                "&continuation-token={}",
                sigv4::uri_encode(t.as_bytes(), false)
            ));
        }
        let page = call(app, Req::new("GET", &format!("/bkt?{q}")).signed()).await;
        let text = page.text();
        assert_eq!(page.status, 200, "{text}");
        let count: usize = element(&text, "KeyCount")
            .unwrap_or_default()
            .parse()
            .unwrap_or(0);
        let mut names = elements(&text, "Key");
        names.extend(
            elements(&text, "Prefix")
                .into_iter()
                .filter(|p| !p.is_empty()),
        );
        assert_eq!(names.len(), count);
        seen.extend(names);
        token = element(&text, "NextContinuationToken");
        if element(&text, "IsTruncated").as_deref() == Some("false") {
            assert!(token.is_none());
            break;
        }
    }
    seen.sort();
    assert_eq!(seen, ["a/", "b", "c/", "d", "e+f", "g h"]);

    // V1 with marker, and url encoding.
    let page = call(
        app,
        Req::new("GET", "/bkt?marker=d&encoding-type=url").signed(),
    )
    .await;
    assert_eq!(elements(&page.text(), "Key"), ["e%2Bf", "g%20h"]);
    assert_eq!(element(&page.text(), "Marker").as_deref(), Some("d"));

    // Start-after in V2.
    let page = call(
        app,
        Req::new("GET", "/bkt?list-type=2&start-after=c%2Fx%2Fy&prefix=").signed(),
    )
    .await;
    assert_eq!(elements(&page.text(), "Key"), ["d", "e+f", "g h"]);

    // Versions: every object is the null version.
    let page = call(app, Req::new("GET", "/bkt?versions&max-keys=3").signed()).await;
    let text = page.text();
    assert_eq!(elements(&text, "Key"), ["a/1", "a/2", "b"]);
    assert_eq!(elements(&text, "VersionId"), ["null", "null", "null"]);
    assert_eq!(element(&text, "NextKeyMarker").as_deref(), Some("b"));
    let page = call(
        app,
        Req::new("GET", "/bkt?versions&key-marker=b&version-id-marker=null").signed(),
    )
    .await;
    assert_eq!(elements(&page.text(), "Key"), ["c/x/y", "d", "e+f", "g h"]);

    let bad = call(
        app,
        Req::new("GET", "/bkt?list-type=2&continuation-token=garbage!").signed(),
    )
    .await;
    assert_eq!(bad.error_code(), "InvalidArgument");
}

#[actix_web::test]
async fn delete_objects_in_a_batch() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    for key in ["a", "b", "c"] {
        call(
            app,
            Req::new("PUT", &format!("/bkt/{key}")).body("x").signed(),
        )
        .await;
    }
    let doc = "<Delete><Object><Key>a</Key></Object><Object><Key>missing</Key></Object>\
               <Object><Key>b</Key><VersionId>null</VersionId></Object></Delete>";
    let r = call(app, Req::new("POST", "/bkt?delete").body(doc).signed()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(elements(&r.text(), "Key"), ["a", "missing", "b"]);

    let quiet = "<Delete><Quiet>true</Quiet><Object><Key>c</Key></Object></Delete>";
    let crc = crc32_b64(quiet.as_bytes());
    let r = call(
        app,
        Req::new("POST", "/bkt?delete")
            .header("x-amz-checksum-crc32", &crc)
            .body(quiet)
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(!r.text().contains("<Deleted>"));
    let r = call(
        app,
        Req::new("POST", "/bkt?delete")
            .header("content-md5", &b64(&[0; 16]))
            .body(quiet)
            .signed(),
    )
    .await;
    assert_eq!(r.error_code(), "BadDigest");
    let list = call(app, Req::new("GET", "/bkt?list-type=2").signed()).await;
    assert_eq!(element(&list.text(), "KeyCount").as_deref(), Some("0"));
}

#[actix_web::test]
async fn authentication_failures_have_s3_codes() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    call(app, Req::new("PUT", "/bkt/k").body("secret").signed()).await;

    let r = call(app, Req::new("GET", "/bkt/k").anonymous()).await;
    assert_eq!((r.status, r.error_code().as_str()), (403, "AccessDenied"));

    let mut wrong = Req::new("GET", "/bkt/k");
    wrong.secret = "not-the-secret".into();
    let r = call(app, wrong.signed()).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (403, "SignatureDoesNotMatch")
    );
    let text = r.text();
    assert!(element(&text, "StringToSign").is_some_and(|s| s.starts_with("AWS4-HMAC-SHA256\n")));
    assert!(element(&text, "CanonicalRequest").is_some_and(|c| c.starts_with("GET\n/bkt/k\n")));

    let mut unknown = Req::new("GET", "/bkt/k");
    unknown.access_key = "AKIDUNKNOWN".into();
    let r = call(app, unknown.signed()).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (403, "InvalidAccessKeyId")
    );

    let r = call(app, Req::new("GET", "/bkt/k").minutes_ago(20).signed()).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (403, "RequestTimeTooSkewed")
    );

    let r = call(app, Req::new("GET", "/bkt/k").presigned(60)).await;
    assert_eq!((r.status, r.text().as_str()), (200, "secret"));
    let r = call(app, Req::new("GET", "/bkt/k").minutes_ago(5).presigned(60)).await;
    assert_eq!((r.status, r.error_code().as_str()), (403, "AccessDenied"));
    assert!(r.text().contains("Request has expired"));
    let r = call(app, Req::new("GET", "/bkt/k").presigned(604_801)).await;
    assert_eq!(r.error_code(), "AuthorizationQueryParametersError");

    // A presigned PUT whose signed Content-Type is then sent differently.
    let ok = Req::new("PUT", "/bkt/up")
        .header("content-type", "image/png")
        .body("png")
        .presigned(60);
    assert_eq!(call(app, ok).await.status, 200);
    let tampered = Req::new("PUT", "/bkt/up2")
        .header("content-type", "image/png")
        .body("png");
    let signed = {
        let mut to_sign = vec![("host".to_string(), common::HOST.to_string())];
        to_sign.extend(tampered.headers.iter().cloned());
        let params = SigningParams {
            access_key: common::ACCESS_KEY,
            secret_key: common::SECRET_KEY,
            region: "us-east-1",
            service: "s3",
            time: SystemTime::now(),
            session_token: None,
        };
        sigv4::presign_query(&params, "PUT", "/bkt/up2", "", &to_sign, 60)
    };
    let req = actix_web::test::TestRequest::put()
        .uri(&format!("/bkt/up2?{signed}"))
        .insert_header(("host", common::HOST))
        .insert_header(("content-type", "text/html"))
        .set_payload("png");
    let r = call(app, req).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (403, "SignatureDoesNotMatch")
    );
    assert_eq!(
        call(app, Req::new("HEAD", "/bkt/up2").signed())
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn virtual_hosted_addressing_and_health() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/vhost").signed()).await;
    let mut put = Req::new("PUT", "/key.txt").body("via host");
    put.host = "vhost.localhost:9000".into();
    assert_eq!(call(app, put.signed()).await.status, 200);
    let get = call(app, Req::new("GET", "/vhost/key.txt").signed()).await;
    assert_eq!(get.text(), "via host");

    let health = call(
        app,
        actix_web::test::TestRequest::get().uri("/_minis3/health"),
    )
    .await;
    assert_eq!(health.status, 200);
    assert!(health.header("x-amz-request-id").is_some());
}

#[actix_web::test]
async fn unsupported_operations_say_so() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let r = call(app, Req::new("PUT", "/bkt?website").signed()).await;
    assert_eq!((r.status, r.error_code().as_str()), (501, "NotImplemented"));
    let r = call(app, Req::new("GET", "/bkt?inventory").signed()).await;
    assert_eq!((r.status, r.error_code().as_str()), (501, "NotImplemented"));
    let r = call(app, Req::new("PATCH", "/bkt/k").signed()).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (405, "MethodNotAllowed")
    );
}

/// S3's conditional writes: `If-None-Match: *` creates only, `If-Match` replaces only the object
/// it names; a refused write is a 412 naming the condition and leaves the object as it was.
#[actix_web::test]
async fn conditional_writes_refuse_without_changing_anything() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let put = |key: &str, body: &str, condition: (&str, &str)| {
        Req::new("PUT", &format!("/bkt/{key}"))
            .header(condition.0, condition.1)
            .body(body.to_string())
            .signed()
    };
    let read = |key: &str| Req::new("GET", &format!("/bkt/{key}")).signed();
    let precondition = |r: &common::Reply, header: &str| {
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (412, "PreconditionFailed"),
            "{}",
            r.text()
        );
        assert_eq!(element(&r.text(), "Condition").as_deref(), Some(header));
    };

    let created = call(app, put("k", "first", ("if-none-match", "*"))).await;
    assert_eq!(created.status, 200);
    let first_etag = created.header("etag").expect("etag").to_string();
    let again = call(app, put("k", "second", ("if-none-match", "*"))).await;
    precondition(&again, "If-None-Match");
    let wrong = call(app, put("k", "second", ("if-match", "\"0000\""))).await;
    precondition(&wrong, "If-Match");
    assert_eq!(call(app, read("k")).await.text(), "first");

    let missing = call(app, put("nothere", "x", ("if-match", &first_etag))).await;
    assert_eq!(
        (missing.status, missing.error_code().as_str()),
        (404, "NoSuchKey")
    );
    assert_eq!(element(&missing.text(), "Key").as_deref(), Some("nothere"));
    assert_eq!(call(app, read("nothere")).await.status, 404);
    let not_star = call(app, put("k", "x", ("if-none-match", &first_etag))).await;
    assert_eq!(
        (not_star.status, not_star.error_code().as_str()),
        (501, "NotImplemented")
    );

    // The header as HTTP has it: every line counts, a weak tag never matches (strong
    // comparison), and a value that is not text refuses rather than being ignored.
    let weak = format!("W/{first_etag}");
    precondition(
        &call(app, put("k", "x", ("if-match", &weak))).await,
        "If-Match",
    );
    let not_text = Req::new("PUT", "/bkt/k").body("x").signed().append_header((
        "if-match",
        actix_web::http::header::HeaderValue::from_bytes(b"\"caf\xc3\xa9\"").expect("value"),
    ));
    precondition(&call(app, not_text).await, "If-Match");
    let empty = call(app, put("k", "x", ("if-none-match", ""))).await;
    assert_eq!(empty.status, 501);
    assert_eq!(call(app, read("k")).await.text(), "first");
    let two_lines = Req::new("PUT", "/bkt/k")
        .header("if-match", "\"0000\"")
        .header("if-match", &first_etag)
        .body("second")
        .signed();
    assert_eq!(call(app, two_lines).await.status, 200);
    assert_eq!(call(app, read("k")).await.text(), "second");
    let second_etag = call(app, read("k"))
        .await
        .header("etag")
        .map(str::to_string);
    let second_etag = second_etag.expect("etag");

    let replaced = call(app, put("k", "second", ("if-match", &second_etag))).await;
    assert_eq!(replaced.status, 200);
    let any = call(app, put("k", "third", ("if-match", "*"))).await;
    assert_eq!(any.status, 200);
    assert_eq!(call(app, read("k")).await.text(), "third");

    // CopyObject: the conditions apply to the destination, and are read before the source.
    let bad_condition = Req::new("PUT", "/bkt/k")
        .header("x-amz-copy-source", "/bkt/no-such-source")
        .header("if-none-match", "\"abc\"")
        .signed();
    assert_eq!(call(app, bad_condition).await.status, 501);
    let copy = |condition: (&str, &str)| {
        Req::new("PUT", "/bkt/k")
            .header("x-amz-copy-source", "/bkt/src")
            .header(condition.0, condition.1)
            .signed()
    };
    call(app, Req::new("PUT", "/bkt/src").body("source").signed()).await;
    precondition(
        &call(app, copy(("if-none-match", "*"))).await,
        "If-None-Match",
    );
    precondition(&call(app, copy(("if-match", "\"0000\""))).await, "If-Match");
    assert_eq!(call(app, read("k")).await.text(), "third");
    let third_etag = call(app, read("k"))
        .await
        .header("etag")
        .map(str::to_string);
    let copied = call(
        app,
        copy(("if-match", third_etag.as_deref().expect("etag"))),
    )
    .await;
    assert_eq!(copied.status, 200, "{}", copied.text());
    assert_eq!(call(app, read("k")).await.text(), "source");

    // CompleteMultipartUpload: a refused completion leaves the upload to be completed later.
    let initiated = call(app, Req::new("POST", "/bkt/k?uploads").signed()).await;
    let upload_id = element(&initiated.text(), "UploadId").expect("upload id");
    let part = call(
        app,
        Req::new("PUT", &format!("/bkt/k?partNumber=1&uploadId={upload_id}"))
            .body("part one")
            .signed(),
    )
    .await;
    let part_etag = part.header("etag").expect("part etag").to_string();
    let complete = |condition: (&str, &str)| {
        Req::new("POST", &format!("/bkt/k?uploadId={upload_id}"))
            .header(condition.0, condition.1)
            .body(format!(
                "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>\
                 <ETag>{part_etag}</ETag></Part></CompleteMultipartUpload>"
            ))
            .signed()
    };
    precondition(
        &call(app, complete(("if-none-match", "*"))).await,
        "If-None-Match",
    );
    assert_eq!(call(app, read("k")).await.text(), "source");
    let done = call(app, complete(("if-match", "*"))).await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(call(app, read("k")).await.text(), "part one");
}

/// GetObjectAttributes answers what `x-amz-object-attributes` names, and refuses a missing or
/// unknown name.
#[actix_web::test]
async fn object_attributes_answer_what_was_asked() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let put = call(app, Req::new("PUT", "/bkt/k").body("hello").signed()).await;
    let etag = put
        .header("etag")
        .expect("etag")
        .trim_matches('"')
        .to_string();
    let attributes = |names: &str| {
        Req::new("GET", "/bkt/k?attributes")
            .header("x-amz-object-attributes", names)
            .signed()
    };
    let r = call(app, attributes("ETag,ObjectSize")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("last-modified").is_some());
    assert_eq!(element(&r.text(), "ETag"), Some(etag), "bare, not quoted");
    assert_eq!(element(&r.text(), "ObjectSize").as_deref(), Some("5"));
    assert_eq!(element(&r.text(), "StorageClass"), None, "not asked for");
    assert_eq!(element(&r.text(), "ObjectParts"), None, "not multipart");
    let r = call(app, attributes("StorageClass, ObjectParts")).await;
    assert_eq!(
        element(&r.text(), "StorageClass").as_deref(),
        Some("STANDARD")
    );
    assert_eq!(element(&r.text(), "ETag"), None);

    for bad in ["", "ETag,Colour"] {
        let r = call(app, attributes(bad)).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (400, "InvalidArgument"),
            "{bad:?}"
        );
    }
    let missing = Req::new("GET", "/bkt/nothere?attributes")
        .header("x-amz-object-attributes", "ETag")
        .signed();
    let r = call(app, missing).await;
    assert_eq!((r.status, r.error_code().as_str()), (404, "NoSuchKey"));
}

/// Storage classes and server-side encryption: stored with each object as its request (or its
/// bucket's default) chose, reported where S3 reports them; a bad value stores nothing.
#[actix_web::test]
async fn storage_class_and_encryption_are_kept_and_reported() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let head = |key: &str| Req::new("HEAD", &format!("/bkt/{key}")).signed();
    let sse = |r: &common::Reply| {
        (
            r.header("x-amz-server-side-encryption").map(str::to_string),
            r.header("x-amz-server-side-encryption-aws-kms-key-id")
                .map(str::to_string),
            r.header("x-amz-server-side-encryption-bucket-key-enabled")
                .map(str::to_string),
        )
    };
    let kms = |key: &str| {
        (
            Some("aws:kms".to_string()),
            Some(key.to_string()),
            Some("true".to_string()),
        )
    };
    let sse_s3 = (Some("AES256".to_string()), None, None);

    let put = call(
        app,
        Req::new("PUT", "/bkt/ia")
            .header("x-amz-storage-class", "STANDARD_IA")
            .header("x-amz-server-side-encryption", "aws:kms")
            .header("x-amz-server-side-encryption-aws-kms-key-id", "key-1")
            .header("x-amz-server-side-encryption-bucket-key-enabled", "true")
            .body("ia")
            .signed(),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(sse(&put), kms("key-1"));
    let r = call(app, head("ia")).await;
    assert_eq!(r.header("x-amz-storage-class"), Some("STANDARD_IA"));
    assert_eq!(sse(&r), kms("key-1"));
    // A plain PUT: SSE-S3, as every S3 bucket applies by default, and no class header.
    let plain = call(app, Req::new("PUT", "/bkt/plain").body("p").signed()).await;
    assert_eq!(sse(&plain), sse_s3);
    let r = call(app, head("plain")).await;
    assert_eq!(
        (r.header("x-amz-storage-class"), sse(&r)),
        (None, sse_s3.clone())
    );

    // Refusals store nothing and leave an existing object as it was.
    for (name, value, code) in [
        ("x-amz-storage-class", "standard_ia", "InvalidStorageClass"),
        (
            "x-amz-storage-class",
            "EXPRESS_ONEZONE",
            "InvalidStorageClass",
        ),
        ("x-amz-server-side-encryption", "aes256", "InvalidArgument"),
        ("x-amz-server-side-encryption", "aws:fsx", "InvalidArgument"),
        (
            "x-amz-server-side-encryption-aws-kms-key-id",
            "key-2",
            "InvalidArgument",
        ),
    ] {
        for key in ["new", "plain"] {
            let r = call(
                app,
                Req::new("PUT", &format!("/bkt/{key}"))
                    .header(name, value)
                    .body("changed")
                    .signed(),
            )
            .await;
            assert_eq!((r.status, r.error_code().as_str()), (400, code), "{name}");
        }
        assert_eq!(call(app, head("new")).await.status, 404);
        let r = call(app, Req::new("GET", "/bkt/plain").signed()).await;
        assert_eq!(r.text(), "p");
    }
    // A KMS key with SSE-S3 named is refused too.
    let r = call(
        app,
        Req::new("PUT", "/bkt/new")
            .header("x-amz-server-side-encryption", "AES256")
            .header("x-amz-server-side-encryption-aws-kms-key-id", "key-2")
            .signed(),
    )
    .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "InvalidArgument")
    );

    let listed = call(app, Req::new("GET", "/bkt?list-type=2").signed()).await;
    assert_eq!(
        elements(&listed.text(), "StorageClass"),
        ["STANDARD_IA", "STANDARD"]
    );

    // The bucket's default: S3's SSE-S3 until configured, the configuration after.
    let config = |r: &common::Reply| {
        let doc = r.text();
        (
            element(&doc, "SSEAlgorithm"),
            element(&doc, "KMSMasterKeyID"),
            element(&doc, "BucketKeyEnabled"),
        )
    };
    let get_config = || Req::new("GET", "/bkt?encryption").signed();
    let r = call(app, get_config()).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        config(&r),
        (Some("AES256".into()), None, Some("false".into()))
    );
    let put_config = |rules: &str| {
        Req::new("PUT", "/bkt?encryption")
            .body(format!(
                "<ServerSideEncryptionConfiguration>{rules}</ServerSideEncryptionConfiguration>"
            ))
            .signed()
    };
    let kms_rule = "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>\
         <KMSMasterKeyID>bucket-key</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>\
         <BucketKeyEnabled>true</BucketKeyEnabled></Rule>";
    assert_eq!(call(app, put_config(kms_rule)).await.status, 200);
    let configured = (
        Some("aws:kms".into()),
        Some("bucket-key".into()),
        Some("true".into()),
    );
    assert_eq!(config(&call(app, get_config()).await), configured);
    let aes_with_key =
        "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>\
         <KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule>";
    let unknown = "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES128</SSEAlgorithm>\
         </ApplyServerSideEncryptionByDefault></Rule>";
    let both = "<Rule><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>\
         <EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes></Rule>";
    let unknown_type = "<Rule><BlockedEncryptionTypes><EncryptionType>SSE-KMS</EncryptionType>\
         </BlockedEncryptionTypes></Rule>";
    let unprintable_key =
        "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>\
         <KMSMasterKeyID>bad&#10;key</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule>";
    for (rules, status, code) in [
        (aes_with_key, 400, "InvalidArgument"),
        (unprintable_key, 400, "InvalidArgument"),
        (unknown, 400, "MalformedXML"),
        ("", 400, "MalformedXML"),
        (&format!("{kms_rule}{kms_rule}"), 400, "MalformedXML"),
        (both, 400, "InvalidArgument"),
        (unknown_type, 400, "MalformedXML"),
    ] {
        let r = call(app, put_config(rules)).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (status, code),
            "{rules}"
        );
        assert_eq!(config(&call(app, get_config()).await), configured);
    }
    let defaulted = call(app, Req::new("PUT", "/bkt/defaulted").signed()).await;
    assert_eq!(sse(&defaulted), kms("bucket-key"));
    // A request that names its encryption overrides the default.
    let named = call(
        app,
        Req::new("PUT", "/bkt/named")
            .header("x-amz-server-side-encryption", "AES256")
            .signed(),
    )
    .await;
    assert_eq!(sse(&named), sse_s3);

    // A copy takes neither class nor encryption from its source.
    let copy = call(
        app,
        Req::new("PUT", "/bkt/copy")
            .header("x-amz-copy-source", "/bkt/plain")
            .signed(),
    )
    .await;
    assert_eq!(sse(&copy), kms("bucket-key"));
    let r = call(app, head("copy")).await;
    assert_eq!(
        (r.header("x-amz-storage-class"), sse(&r)),
        (None, kms("bucket-key"))
    );
    // Onto itself: allowed by S3 when it re-encrypts, as with this bucket's own default.
    let r = call(
        app,
        Req::new("PUT", "/bkt/plain")
            .header("x-amz-copy-source", "/bkt/plain")
            .signed(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Onto itself with only a new encryption is a change S3 allows.
    let in_place = call(
        app,
        Req::new("PUT", "/bkt/ia")
            .header("x-amz-copy-source", "/bkt/ia")
            .header("x-amz-server-side-encryption", "AES256")
            .signed(),
    )
    .await;
    assert_eq!(in_place.status, 200, "{}", in_place.text());
    let r = call(app, head("ia")).await;
    assert_eq!(
        (r.header("x-amz-storage-class"), sse(&r)),
        (None, sse_s3.clone())
    );

    // Multipart: CreateMultipartUpload's choice is the upload's and then the object's.
    let created = call(
        app,
        Req::new("POST", "/bkt/mp?uploads")
            .header("x-amz-storage-class", "GLACIER")
            .signed(),
    )
    .await;
    assert_eq!(sse(&created), kms("bucket-key"));
    let upload_id = element(&created.text(), "UploadId").expect("upload id");
    let uploads = call(app, Req::new("GET", "/bkt?uploads").signed()).await;
    assert_eq!(elements(&uploads.text(), "StorageClass"), ["GLACIER"]);
    let part = call(
        app,
        Req::new("PUT", &format!("/bkt/mp?partNumber=1&uploadId={upload_id}"))
            .body("part")
            .signed(),
    )
    .await;
    assert_eq!(sse(&part), kms("bucket-key"));
    // A part, like a read, cannot choose an encryption: S3 refuses the header there.
    for (method, path) in [
        ("PUT", format!("/bkt/mp?partNumber=2&uploadId={upload_id}")),
        ("POST", format!("/bkt/mp?uploadId={upload_id}")),
        ("GET", "/bkt/plain".to_string()),
        ("HEAD", "/bkt/plain".to_string()),
    ] {
        let r = call(
            app,
            Req::new(method, &path)
                .header("x-amz-server-side-encryption", "AES256")
                .signed(),
        )
        .await;
        assert_eq!(r.status, 400, "{method} {path}");
        if method != "HEAD" {
            assert_eq!(r.error_code(), "InvalidArgument", "{method} {path}");
        }
    }
    let parts = call(
        app,
        Req::new("GET", &format!("/bkt/mp?uploadId={upload_id}")).signed(),
    )
    .await;
    assert_eq!(
        element(&parts.text(), "StorageClass").as_deref(),
        Some("GLACIER")
    );
    let etag = part.header("etag").expect("etag").to_string();
    let completed = call(
        app,
        Req::new("POST", &format!("/bkt/mp?uploadId={upload_id}"))
            .body(format!(
                "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag>\
                 </Part></CompleteMultipartUpload>"
            ))
            .signed(),
    )
    .await;
    assert_eq!(completed.status, 200, "{}", completed.text());
    assert_eq!(sse(&completed), kms("bucket-key"));
    let r = call(app, head("mp")).await;
    assert_eq!(r.header("x-amz-storage-class"), Some("GLACIER"));

    // SSE-C: blocked, as on every S3 bucket created since April 2026; a key given for an
    // object stored without one is refused rather than ignored.
    let customer = |req: Req| {
        req.header("x-amz-server-side-encryption-customer-algorithm", "AES256")
            .header(
                "x-amz-server-side-encryption-customer-key",
                "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
            )
            .header(
                "x-amz-server-side-encryption-customer-key-MD5",
                "KYvwGXoFFJ42a2u2GDWhwQ==",
            )
            .signed()
    };
    let blocked = call(app, customer(Req::new("PUT", "/bkt/ssec").body("x"))).await;
    assert_eq!(
        (blocked.status, blocked.error_code().as_str()),
        (403, "AccessDenied")
    );
    let blocked = call(app, customer(Req::new("POST", "/bkt/ssec?uploads"))).await;
    assert_eq!(blocked.status, 403);
    assert_eq!(call(app, head("ssec")).await.status, 404);
    assert!(call(app, get_config()).await.text().contains(
        "<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes>"
    ));
    let r = call(app, customer(Req::new("GET", "/bkt/plain"))).await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "InvalidRequest"));
    let r = call(
        app,
        Req::new("PUT", "/bkt/copy2")
            .header("x-amz-copy-source", "/bkt/plain")
            .header(
                "x-amz-copy-source-server-side-encryption-customer-algorithm",
                "AES256",
            )
            .signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "InvalidRequest"));
    assert_eq!(call(app, head("copy2")).await.status, 404);
    // Unblocked, minis3 still keeps no customer keys: it says so instead of storing.
    let unblock = "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>\
         </ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes>\
         <EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes></Rule>";
    assert_eq!(call(app, put_config(unblock)).await.status, 200);
    assert!(call(app, get_config())
        .await
        .text()
        .contains("<EncryptionType>NONE</EncryptionType>"));
    let r = call(app, customer(Req::new("PUT", "/bkt/ssec").body("x"))).await;
    assert_eq!((r.status, r.error_code().as_str()), (501, "NotImplemented"));
    assert_eq!(call(app, head("ssec")).await.status, 404);

    // Deleting the configuration brings back S3's default.
    let r = call(app, Req::new("DELETE", "/bkt?encryption").signed()).await;
    assert_eq!(r.status, 204);
    let r = call(app, get_config()).await;
    assert_eq!(
        config(&r),
        (Some("AES256".into()), None, Some("false".into()))
    );
    assert!(r.text().contains("<EncryptionType>SSE-C</EncryptionType>"));
    // With S3's default back, a copy onto itself re-encrypts only a source that is not SSE-S3.
    let copy_onto = |key: &str| {
        Req::new("PUT", &format!("/bkt/{key}"))
            .header("x-amz-copy-source", &format!("/bkt/{key}"))
            .signed()
    };
    let r = call(app, copy_onto("named")).await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "InvalidRequest"));
    let r = call(app, copy_onto("defaulted")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(sse(&r), sse_s3);
    // A customer key on a part (any of its three headers), or an SSE header on a read, is
    // refused before anything else is looked at.
    let id = element(
        &call(app, Req::new("POST", "/bkt/mp2?uploads").signed())
            .await
            .text(),
        "UploadId",
    )
    .expect("upload id");
    let part = |req: Req| call(app, req.signed());
    let r = part(
        Req::new("PUT", &format!("/bkt/mp2?partNumber=1&uploadId={id}"))
            .header(
                "x-amz-server-side-encryption-customer-key",
                "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
            )
            .body("x"),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "InvalidRequest"));
    let r = part(
        Req::new("PUT", &format!("/bkt/mp2?partNumber=1&uploadId={id}"))
            .header("x-amz-copy-source", "/bkt/plain")
            .header("x-amz-server-side-encryption-customer-algorithm", "AES256"),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "InvalidRequest"));
    let parts = call(
        app,
        Req::new("GET", &format!("/bkt/mp2?uploadId={id}")).signed(),
    )
    .await;
    assert!(elements(&parts.text(), "PartNumber").is_empty());
    let etag = call(app, head("plain"))
        .await
        .header("etag")
        .expect("etag")
        .to_string();
    let r = call(
        app,
        Req::new("GET", "/bkt/plain")
            .header("if-none-match", &etag)
            .header("x-amz-server-side-encryption", "AES256")
            .signed(),
    )
    .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "InvalidArgument")
    );
    for method in ["GET", "PUT", "DELETE"] {
        let r = call(app, Req::new(method, "/nobucket?encryption").signed()).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (404, "NoSuchBucket"),
            "{method}"
        );
    }
}

/// Bucket tags, and the bucket settings minis3 does not keep: read, they answer as S3 does for a
/// bucket never given them (what SDKs and infrastructure tools check before anything else).
#[actix_web::test]
async fn bucket_tags_and_unkept_settings_answer_like_s3() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let get_tags = || Req::new("GET", "/bkt?tagging").signed();
    let r = call(app, get_tags()).await;
    assert_eq!((r.status, r.error_code().as_str()), (404, "NoSuchTagSet"));
    let tag_set = |tags: &[(String, String)]| {
        let tags: String = tags
            .iter()
            .map(|(k, v)| format!("<Tag><Key>{k}</Key><Value>{v}</Value></Tag>"))
            .collect();
        Req::new("PUT", "/bkt?tagging")
            .body(format!("<Tagging><TagSet>{tags}</TagSet></Tagging>"))
            .signed()
    };
    // Buckets take 50 tags where objects take 10.
    let fifty: Vec<_> = (0..50)
        .map(|i| (format!("k{i}"), format!("v{i}")))
        .collect();
    assert_eq!(call(app, tag_set(&fifty)).await.status, 204);
    let r = call(app, get_tags()).await;
    assert_eq!(r.status, 200);
    assert_eq!(elements(&r.text(), "Key").len(), 50);
    assert_eq!(element(&r.text(), "Value").as_deref(), Some("v0"));
    let mut too_many = fifty.clone();
    too_many.push(("k50".into(), "v".into()));
    let reserved = vec![("aws:cloudformation".to_string(), "x".to_string())];
    let duplicate = vec![
        ("k".to_string(), "1".to_string()),
        ("k".to_string(), "2".to_string()),
    ];
    for tags in [too_many, reserved, duplicate] {
        let r = call(app, tag_set(&tags)).await;
        assert_eq!((r.status, r.error_code().as_str()), (400, "InvalidTag"));
    }
    let r = call(
        app,
        Req::new("PUT", "/bkt?tagging").body("<Tagging>").signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "MalformedXML"));
    // A configuration whose Content-MD5 does not match its body is not taken (CORS and
    // encryption configurations alike).
    for query in ["tagging", "encryption", "cors"] {
        let r = call(
            app,
            Req::new("PUT", &format!("/bkt?{query}"))
                .header("content-md5", "AAAAAAAAAAAAAAAAAAAAAA==")
                .body("<Tagging><TagSet></TagSet></Tagging>")
                .signed(),
        )
        .await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (400, "BadDigest"),
            "{query}"
        );
    }
    // S3 takes none of these bodies (nor a DeleteObjects one) without Content-MD5 or a checksum.
    for (method, target) in [
        ("PUT", "/bkt?tagging"),
        ("PUT", "/bkt?encryption"),
        ("PUT", "/bkt?cors"),
        ("PUT", "/bkt?publicAccessBlock"),
        ("PUT", "/bkt?ownershipControls"),
        ("POST", "/bkt?delete"),
    ] {
        let r = call(
            app,
            Req::new(method, target)
                .body("<Tagging><TagSet></TagSet></Tagging>")
                .without_content_md5()
                .signed(),
        )
        .await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (400, "InvalidRequest"),
            "{target}"
        );
        assert!(r.text().contains("Content-MD5"), "{}", r.text());
    }
    // A checksum header stands in for Content-MD5.
    let r = call(
        app,
        Req::new("PUT", "/bkt?tagging")
            .header("x-amz-checksum-crc32", "AAAAAA==")
            .body("<Tagging><TagSet></TagSet></Tagging>")
            .without_content_md5()
            .signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "BadDigest"));
    assert_eq!(
        elements(&call(app, get_tags()).await.text(), "Key").len(),
        50
    );
    // An empty set, like DELETE, leaves the bucket without tags.
    assert_eq!(call(app, tag_set(&[])).await.status, 204);
    assert_eq!(call(app, get_tags()).await.status, 404);
    assert_eq!(call(app, tag_set(&fifty[..1])).await.status, 204);
    let r = call(app, Req::new("DELETE", "/bkt?tagging").signed()).await;
    assert_eq!(r.status, 204);
    assert_eq!(call(app, get_tags()).await.status, 404);

    for (query, code) in [
        ("policy", "NoSuchBucketPolicy"),
        ("policyStatus", "NoSuchBucketPolicy"),
        ("lifecycle", "NoSuchLifecycleConfiguration"),
    ] {
        let r = call(app, Req::new("GET", &format!("/bkt?{query}")).signed()).await;
        assert_eq!((r.status, r.error_code().as_str()), (404, code), "{query}");
        assert_eq!(element(&r.text(), "BucketName").as_deref(), Some("bkt"));
    }
    for (query, code) in [
        ("website", "NoSuchWebsiteConfiguration"),
        ("replication", "ReplicationConfigurationNotFoundError"),
        ("object-lock", "ObjectLockConfigurationNotFoundError"),
    ] {
        let r = call(app, Req::new("GET", &format!("/bkt?{query}")).signed()).await;
        assert_eq!((r.status, r.error_code().as_str()), (404, code), "{query}");
        assert_eq!(element(&r.text(), "BucketName").as_deref(), Some("bkt"));
        // Changing one is still not implemented.
        let r = call(app, Req::new("PUT", &format!("/bkt?{query}")).signed()).await;
        assert_eq!(r.status, 501, "{query}");
    }
    for (query, root) in [
        ("accelerate", "<AccelerateConfiguration xmlns="),
        ("logging", "<BucketLoggingStatus xmlns="),
        ("notification", "<NotificationConfiguration xmlns="),
        ("requestPayment", "<RequestPaymentConfiguration xmlns="),
    ] {
        let r = call(app, Req::new("GET", &format!("/bkt?{query}")).signed()).await;
        assert_eq!(r.status, 200, "{query}");
        assert!(r.text().contains(root), "{query}: {}", r.text());
    }
    let r = call(app, Req::new("GET", "/bkt?requestPayment").signed()).await;
    assert_eq!(element(&r.text(), "Payer").as_deref(), Some("BucketOwner"));
    for query in ["tagging", "policy", "logging"] {
        let r = call(app, Req::new("GET", &format!("/nobucket?{query}")).signed()).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (404, "NoSuchBucket"),
            "{query}"
        );
    }
    let r = call(
        app,
        Req::new("PUT", "/nobucket?tagging")
            .body("<Tagging><TagSet/></Tagging>")
            .signed(),
    )
    .await;
    assert_eq!((r.status, r.error_code().as_str()), (404, "NoSuchBucket"));
}

/// GLACIER and DEEP_ARCHIVE objects: their bytes only from a restored copy (RestoreObject, done
/// at once here), HEAD and listings as usual; an overwrite is archived afresh.
#[actix_web::test]
async fn archived_objects_are_read_once_restored() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/bkt").signed()).await;
    let put = |key: &str, class: &str, body: &str| {
        Req::new("PUT", &format!("/bkt/{key}"))
            .header("x-amz-storage-class", class)
            .body(body.to_string())
            .signed()
    };
    assert_eq!(
        call(app, put("cold", "GLACIER", "frozen")).await.status,
        200
    );
    assert_eq!(
        call(app, put("warm", "GLACIER_IR", "instant")).await.status,
        200
    );
    let get = |key: &str| Req::new("GET", &format!("/bkt/{key}")).signed();
    let r = call(app, get("cold")).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (403, "InvalidObjectState")
    );
    assert_eq!(
        element(&r.text(), "StorageClass").as_deref(),
        Some("GLACIER")
    );
    let ranged = call(
        app,
        Req::new("GET", "/bkt/cold")
            .header("range", "bytes=0-1")
            .signed(),
    )
    .await;
    assert_eq!(ranged.status, 403);
    let copy = || {
        Req::new("PUT", "/bkt/copy")
            .header("x-amz-copy-source", "/bkt/cold")
            .signed()
    };
    let r = call(app, copy()).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (403, "ObjectNotInActiveTierError")
    );
    let head = call(app, Req::new("HEAD", "/bkt/cold").signed()).await;
    assert_eq!((head.status, head.header("x-amz-restore")), (200, None));
    assert_eq!(call(app, get("warm")).await.text(), "instant");

    let restore = |key: &str, body: &str| {
        Req::new("POST", &format!("/bkt/{key}?restore"))
            .body(body.to_string())
            .signed()
    };
    let days = |n: u32| format!("<RestoreRequest><Days>{n}</Days></RestoreRequest>");
    for (key, body, status, code) in [
        ("warm", days(1), 403, "InvalidObjectState"),
        ("nothere", days(1), 404, "NoSuchKey"),
        ("cold", days(0), 400, "InvalidArgument"),
        (
            "cold",
            "<RestoreRequest/>".to_string(),
            400,
            "InvalidArgument",
        ),
        (
            "cold",
            "<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>Now</Tier>\
             </GlacierJobParameters></RestoreRequest>"
                .to_string(),
            400,
            "MalformedXML",
        ),
        (
            "cold",
            "<Restore><Days>1</Days></Restore>".to_string(),
            400,
            "MalformedXML",
        ),
        (
            "cold",
            "<RestoreRequest><Days>1</Days><Tier>Bulk</Tier></RestoreRequest>".to_string(),
            400,
            "MalformedXML",
        ),
        (
            "cold",
            "<RestoreRequest><Days>1</Days><Type>SELECT</Type></RestoreRequest>".to_string(),
            501,
            "NotImplemented",
        ),
    ] {
        let r = call(app, restore(key, &body)).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (status, code),
            "{key} {body}"
        );
    }
    assert_eq!(
        call(app, get("cold")).await.status,
        403,
        "nothing restored yet"
    );

    // The copy is kept until the midnight UTC after its days.
    let expiry = |head: &common::Reply| {
        let value = head.header("x-amz-restore").expect("x-amz-restore");
        let date = value
            .strip_prefix("ongoing-request=\"false\", expiry-date=\"")
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{value}"));
        assert!(date.ends_with(" 00:00:00 GMT"), "{date}");
        httpdate::parse_http_date(date).expect("an HTTP date")
    };
    let within = |expiry: SystemTime, days: u32| {
        let day = std::time::Duration::from_secs(86_400);
        let earliest = SystemTime::now() + day * days - day / 24;
        let latest = SystemTime::now() + day * (days + 1);
        assert!(
            expiry >= earliest && expiry <= latest,
            "{expiry:?} for {days} days"
        );
    };
    assert_eq!(call(app, restore("cold", &days(2))).await.status, 202);
    within(
        expiry(&call(app, Req::new("HEAD", "/bkt/cold").signed()).await),
        2,
    );
    let got = call(app, get("cold")).await;
    assert_eq!(got.text(), "frozen");
    within(expiry(&got), 2);
    assert_eq!(call(app, copy()).await.status, 200);
    // Listings give the restore when asked for it, to restored objects only.
    let list = |attributes: Option<&str>| {
        let mut req = Req::new("GET", "/bkt?list-type=2");
        if let Some(attributes) = attributes {
            req = req.header("x-amz-optional-object-attributes", attributes);
        }
        req.signed()
    };
    let listed = call(app, list(Some("RestoreStatus"))).await.text();
    assert_eq!(elements(&listed, "IsRestoreInProgress"), ["false"]);
    assert!(listed.contains("<Key>cold</Key><LastModified>"), "{listed}");
    let date = element(&listed, "RestoreExpiryDate").expect("expiry");
    assert!(date.ends_with("T00:00:00.000Z"), "{date}");
    assert!(!call(app, list(None)).await.text().contains("RestoreStatus"));
    let r = call(app, list(Some("Owner"))).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "InvalidArgument")
    );
    let again = call(app, restore("cold", &days(9))).await;
    assert_eq!(again.status, 200, "already restored");
    within(
        expiry(&call(app, Req::new("HEAD", "/bkt/cold").signed()).await),
        9,
    );
    // INTELLIGENT_TIERING objects here are always in their active tier.
    assert_eq!(
        call(app, put("tiered", "INTELLIGENT_TIERING", "t"))
            .await
            .status,
        200
    );
    let r = call(app, restore("tiered", &days(1))).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "InvalidArgument")
    );
    let r = call(app, restore("tiered", "<RestoreRequest/>")).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (403, "ObjectAlreadyInActiveTierError")
    );
    let r = call(app, restore("cold", &days(36_501))).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (400, "InvalidArgument")
    );
    // Overwritten, the key holds a new object that has not been restored.
    assert_eq!(
        call(app, put("cold", "DEEP_ARCHIVE", "new")).await.status,
        200
    );
    let r = call(app, get("cold")).await;
    assert_eq!(
        element(&r.text(), "StorageClass").as_deref(),
        Some("DEEP_ARCHIVE")
    );
    assert_eq!(r.status, 403);
}
