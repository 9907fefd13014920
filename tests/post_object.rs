//! HTTP-level tests of browser-form uploads (PostObject): forms built and signed here as a browser
//! page's backend would (policy + SigV4 or SigV2), posted without any request signature.

mod common;

use base64::Engine;
use common::{call, element, elements, start, Reply, Req, ACCESS_KEY, SECRET_KEY};
use md5::{Digest, Md5};
use minis3::auth::{sigv2, sigv4};
use std::time::{Duration, SystemTime};

const BOUNDARY: &str = "----minis3FormBoundary7MA4YWxkTrZu0gW";

/// One part of a multipart/form-data body.
enum Part {
    Field(String, String),
    File {
        filename: String,
        content_type: String,
        data: Vec<u8>,
    },
}

/// A form as a browser would post it, fields in order.
struct Form {
    parts: Vec<Part>,
}

impl Form {
    fn new() -> Self {
        Form { parts: Vec::new() }
    }

    fn field(mut self, name: &str, value: &str) -> Self {
        self.parts.push(Part::Field(name.into(), value.into()));
        self
    }

    fn file(mut self, filename: &str, data: &[u8]) -> Self {
        self.parts.push(Part::File {
            filename: filename.into(),
            content_type: "application/octet-stream".into(),
            data: data.to_vec(),
        });
        self
    }

    fn body(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for part in &self.parts {
            out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            match part {
                Part::Field(name, value) => {
                    out.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                            .as_bytes(),
                    );
                    out.extend_from_slice(value.as_bytes());
                }
                Part::File {
                    filename,
                    content_type,
                    data,
                } => {
                    out.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
                             Content-Type: {content_type}\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    out.extend_from_slice(data);
                }
            }
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        out
    }

    /// Posted to `/bucket` with no request signature: the form authenticates itself.
    fn post(&self, bucket: &str) -> Req {
        Req::new("POST", &format!("/{bucket}"))
            .header(
                "content-type",
                &format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(self.body())
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn iso8601(t: SystemTime) -> String {
    sigv4::format_iso8601(t)
}

/// What a backend signs for a browser: the policy's conditions plus the SigV4 fields, in the order
/// boto3's `generate_presigned_post` returns them.
struct SignedForm {
    conditions: Vec<String>,
    expiration: SystemTime,
    signed_at: SystemTime,
    secret: String,
}

impl SignedForm {
    fn new(conditions: &[&str]) -> Self {
        SignedForm {
            conditions: conditions.iter().map(|c| c.to_string()).collect(),
            expiration: SystemTime::now() + Duration::from_secs(3600),
            signed_at: SystemTime::now(),
            secret: SECRET_KEY.into(),
        }
    }

    fn credential(&self) -> String {
        let date = &sigv4::format_amz_date(self.signed_at)[..8];
        format!("{ACCESS_KEY}/{date}/us-east-1/s3/aws4_request")
    }

    /// The base64 policy, with the SigV4 fields' own conditions added as boto3 adds them.
    fn policy(&self) -> String {
        let mut conditions = self.conditions.clone();
        conditions.push(r#"{"x-amz-algorithm": "AWS4-HMAC-SHA256"}"#.into());
        conditions.push(format!(
            r#"{{"x-amz-credential": "{}"}}"#,
            self.credential()
        ));
        conditions.push(format!(
            r#"{{"x-amz-date": "{}"}}"#,
            sigv4::format_amz_date(self.signed_at)
        ));
        b64(format!(
            r#"{{"expiration": "{}", "conditions": [{}]}}"#,
            iso8601(self.expiration),
            conditions.join(", ")
        )
        .as_bytes())
    }

    /// `fields` first, then the signature fields; the caller adds the file (and anything after).
    fn form(&self, fields: &[(&str, &str)]) -> Form {
        let policy = self.policy();
        let date = sigv4::format_amz_date(self.signed_at);
        let key = sigv4::derive_signing_key(&self.secret, &date[..8], "us-east-1", "s3");
        let signature = sigv4::calculate_signature(&key, &policy);
        let mut form = Form::new();
        for (name, value) in fields {
            form = form.field(name, value);
        }
        form.field("x-amz-algorithm", "AWS4-HMAC-SHA256")
            .field("x-amz-credential", &self.credential())
            .field("x-amz-date", &date)
            .field("policy", &policy)
            .field("x-amz-signature", &signature)
    }
}

fn md5_etag(data: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(data)))
}

async fn keys_in<S>(app: &S, bucket: &str) -> Vec<String>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let list = call(
        app,
        Req::new("GET", &format!("/{bucket}?list-type=2")).signed(),
    )
    .await;
    assert_eq!(list.status, 200, "{}", list.text());
    elements(&list.text(), "Key")
}

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(
        (reply.status, reply.error_code().as_str()),
        (status, code),
        "{}",
        reply.text()
    );
}

#[actix_web::test]
async fn a_sigv4_form_uploads_the_file_with_its_metadata_acl_and_tags() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/forms").signed()).await;

    let data = b"hello from a browser form";
    let tagging =
        "<Tagging><TagSet><Tag><Key>project</Key><Value>demo</Value></Tag></TagSet></Tagging>";
    let signed = SignedForm::new(&[
        r#"{"bucket": "forms"}"#,
        r#"["starts-with", "$key", "uploads/"]"#,
        r#"{"acl": "public-read"}"#,
        r#"["starts-with", "$Content-Type", "text/"]"#,
        r#"["starts-with", "$x-amz-meta-color", ""]"#,
        r#"{"tagging": "<Tagging><TagSet><Tag><Key>project</Key><Value>demo</Value></Tag></TagSet></Tagging>"}"#,
        r#"{"success_action_status": "201"}"#,
        r#"["content-length-range", 1, 1024]"#,
    ]);
    let form = signed
        .form(&[
            ("key", "uploads/${filename}"),
            ("acl", "public-read"),
            ("Content-Type", "text/plain"),
            ("X-Amz-Meta-Color", "Deep Blue"),
            ("tagging", tagging),
            ("success_action_status", "201"),
        ])
        .file("hello.txt", data);
    let reply = call(app, form.post("forms").anonymous()).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let etag = md5_etag(data);
    assert_eq!(reply.header("etag"), Some(etag.as_str()));
    let location = "http://127.0.0.1:9000/forms/uploads/hello.txt";
    assert_eq!(reply.header("location"), Some(location));
    let doc = reply.text();
    assert!(doc.contains("<PostResponse>"), "{doc}");
    assert_eq!(element(&doc, "Location").as_deref(), Some(location));
    assert_eq!(element(&doc, "Bucket").as_deref(), Some("forms"));
    assert_eq!(element(&doc, "Key").as_deref(), Some("uploads/hello.txt"));
    assert_eq!(element(&doc, "ETag"), Some(etag.replace('"', "&quot;")));

    let get = call(app, Req::new("GET", "/forms/uploads/hello.txt").signed()).await;
    assert_eq!(get.status, 200);
    assert_eq!(&get.body[..], data);
    assert_eq!(get.header("etag"), Some(etag.as_str()));
    assert_eq!(get.header("content-type"), Some("text/plain"));
    assert_eq!(get.header("x-amz-meta-color"), Some("Deep Blue"));
    let acl = call(
        app,
        Req::new("GET", "/forms/uploads/hello.txt?acl").signed(),
    )
    .await;
    assert!(acl.text().contains("global/AllUsers"), "{}", acl.text());
    let public = call(app, Req::new("GET", "/forms/uploads/hello.txt").anonymous()).await;
    assert_eq!(public.status, 200, "public-read lets anyone read it");
    let tags = call(
        app,
        Req::new("GET", "/forms/uploads/hello.txt?tagging").signed(),
    )
    .await;
    assert_eq!(elements(&tags.text(), "Key"), ["project"]);
    assert_eq!(elements(&tags.text(), "Value"), ["demo"]);
}

#[actix_web::test]
async fn rejected_forms_store_nothing() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/forms").signed()).await;
    let data = b"0123456789";
    let policy = [
        r#"{"bucket": "forms"}"#,
        r#"["starts-with", "$key", "user/"]"#,
        r#"["content-length-range", 5, 20]"#,
    ];
    let good = SignedForm::new(&policy);
    // The same form, accepted, proves that each case below fails for its own reason only.
    let accepted = call(
        app,
        good.form(&[("key", "user/ok")])
            .file("f", data)
            .post("forms")
            .anonymous(),
    )
    .await;
    assert_eq!(accepted.status, 204, "{}", accepted.text());
    call(app, Req::new("DELETE", "/forms/user/ok").signed()).await;

    let mut expired = SignedForm::new(&policy);
    expired.expiration = SystemTime::now() - Duration::from_secs(60);
    let mut wrong_secret = SignedForm::new(&policy);
    wrong_secret.secret = "not-the-secret".into();

    let cases: Vec<(&str, Form, u16, &str)> = vec![
        (
            "key outside the policy's prefix",
            good.form(&[("key", "other/k")]).file("f", data),
            403,
            "AccessDenied",
        ),
        (
            "a field no condition names",
            good.form(&[("key", "user/k"), ("x-amz-meta-extra", "1")])
                .file("f", data),
            403,
            "AccessDenied",
        ),
        (
            "expired policy",
            expired.form(&[("key", "user/k")]).file("f", data),
            403,
            "AccessDenied",
        ),
        (
            "signature by another secret",
            wrong_secret.form(&[("key", "user/k")]).file("f", data),
            403,
            "SignatureDoesNotMatch",
        ),
        (
            "file over the range",
            good.form(&[("key", "user/k")]).file("f", &[b'x'; 21]),
            400,
            "EntityTooLarge",
        ),
        (
            "file under the range",
            good.form(&[("key", "user/k")]).file("f", b"1234"),
            400,
            "EntityTooSmall",
        ),
        (
            "no file",
            good.form(&[("key", "user/k")]),
            400,
            "InvalidArgument",
        ),
        (
            "no key",
            good.form(&[]).file("f", data),
            400,
            "InvalidArgument",
        ),
        (
            "key only after the file",
            good.form(&[]).file("f", data).field("key", "user/k"),
            400,
            "InvalidArgument",
        ),
        (
            "bad policy document",
            Form::new()
                .field("key", "user/k")
                .field("AWSAccessKeyId", ACCESS_KEY)
                .field("policy", &b64(b"{not json"))
                .field(
                    "signature",
                    &sigv2::calculate_signature(SECRET_KEY, &b64(b"{not json")),
                )
                .file("f", data),
            400,
            "InvalidPolicyDocument",
        ),
        (
            "unsigned form on a private bucket",
            Form::new().field("key", "user/k").file("f", data),
            403,
            "AccessDenied",
        ),
        (
            "fields before the file over 20 KiB",
            good.form(&[("key", "user/k"), ("x-ignore-pad", &"p".repeat(21 * 1024))])
                .file("f", data),
            400,
            "MaxPostPreDataLengthExceeded",
        ),
    ];
    for (what, form, status, code) in cases {
        let reply = call(app, form.post("forms").anonymous()).await;
        assert_eq!(
            (reply.status, reply.error_code().as_str()),
            (status, code),
            "{what}: {}",
            reply.text()
        );
        assert!(
            keys_in(app, "forms").await.is_empty(),
            "{what} stored something"
        );
    }

    let no_file = call(
        app,
        good.form(&[("key", "user/k")]).post("forms").anonymous(),
    )
    .await;
    assert_eq!(
        element(&no_file.text(), "Message").as_deref(),
        Some("POST requires exactly one file upload per request.")
    );
    let no_key = call(
        app,
        good.form(&[]).file("f", data).post("forms").anonymous(),
    )
    .await;
    assert!(
        no_key
            .text()
            .contains("must contain a field named &apos;key&apos;"),
        "{}",
        no_key.text()
    );

    let not_a_form = call(
        app,
        Req::new("POST", "/forms")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("key=user%2Fk")
            .anonymous(),
    )
    .await;
    assert_error(&not_a_form, 412, "PreconditionFailed");
    assert_eq!(
        element(&not_a_form.text(), "Message").as_deref(),
        Some("Bucket POST must be of the enclosure-type multipart/form-data")
    );
    let truncated = {
        let mut body = good.form(&[("key", "user/k")]).file("f", data).body();
        body.truncate(body.len() - 20);
        Req::new("POST", "/forms")
            .header(
                "content-type",
                &format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .anonymous()
    };
    assert_error(&call(app, truncated).await, 400, "MalformedPOSTRequest");
    assert!(keys_in(app, "forms").await.is_empty());

    let missing_bucket = call(
        app,
        good.form(&[("key", "user/k")])
            .file("f", data)
            .post("nobucket")
            .anonymous(),
    )
    .await;
    assert_error(&missing_bucket, 404, "NoSuchBucket");
}

#[actix_web::test]
async fn parts_after_the_file_are_ignored() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/forms").signed()).await;
    let signed = SignedForm::new(&[r#"{"bucket": "forms"}"#, r#"{"key": "k"}"#]);
    let form = signed
        .form(&[("key", "k")])
        .file("f.bin", b"file bytes")
        .field("x-amz-meta-late", "never checked nor stored")
        .field("success_action_status", "201");
    let reply = call(app, form.post("forms").anonymous()).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert!(reply.body.is_empty());
    assert_eq!(reply.header("etag"), Some(md5_etag(b"file bytes").as_str()));
    assert_eq!(
        reply.header("location"),
        Some("http://127.0.0.1:9000/forms/k")
    );
    let get = call(app, Req::new("GET", "/forms/k").signed()).await;
    assert_eq!(&get.body[..], b"file bytes");
    assert_eq!(get.header("x-amz-meta-late"), None);
}

#[actix_web::test]
async fn a_large_file_streams_through_intact() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/forms").signed()).await;
    // Bytes that contain boundary-like runs, over several storage chunks.
    let data: Vec<u8> = (0..3 * 1024 * 1024 + 17)
        .map(|i: usize| if i % 1000 < 4 { b'-' } else { (i % 251) as u8 })
        .collect();
    let signed = SignedForm::new(&[
        r#"{"bucket": "forms"}"#,
        r#"["starts-with", "$key", ""]"#,
        r#"["content-length-range", 0, 4194304]"#,
    ]);
    let reply = call(
        app,
        signed
            .form(&[("key", "big")])
            .file("big", &data)
            .post("forms")
            .anonymous(),
    )
    .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let get = call(app, Req::new("GET", "/forms/big").signed()).await;
    assert_eq!(get.body.len(), data.len());
    assert!(get.body[..] == data[..], "bytes differ");
    assert_eq!(get.header("etag"), Some(md5_etag(&data).as_str()));
}

#[actix_web::test]
async fn success_answers_200_and_redirects() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/forms").signed()).await;
    let by_status = SignedForm::new(&[
        r#"{"bucket": "forms"}"#,
        r#"["starts-with", "$key", ""]"#,
        r#"["starts-with", "$success_action_status", ""]"#,
    ]);
    let ok = call(
        app,
        by_status
            .form(&[("key", "a"), ("success_action_status", "200")])
            .file("a", b"a")
            .post("forms")
            .anonymous(),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(ok.body.is_empty());
    assert_eq!(ok.header("etag"), Some(md5_etag(b"a").as_str()));

    let signed = SignedForm::new(&[
        r#"{"bucket": "forms"}"#,
        r#"["starts-with", "$key", ""]"#,
        r#"["starts-with", "$success_action_redirect", "http://app.example/"]"#,
    ]);
    // A condition on a field the form lacks fails like a wrong value.
    let without_redirect = call(
        app,
        signed
            .form(&[("key", "x")])
            .file("x", b"x")
            .post("forms")
            .anonymous(),
    )
    .await;
    assert_error(&without_redirect, 403, "AccessDenied");
    let etag = hex::encode(Md5::digest(b"b"));
    let redirected = call(
        app,
        signed
            .form(&[
                ("key", "dir/b c"),
                (
                    "success_action_redirect",
                    "http://app.example/done?from=form",
                ),
            ])
            .file("b", b"b")
            .post("forms")
            .anonymous(),
    )
    .await;
    assert_eq!(redirected.status, 303, "{}", redirected.text());
    assert_eq!(
        redirected.header("location").map(str::to_string),
        Some(format!(
            "http://app.example/done?from=form&bucket=forms&key=dir%2Fb%20c&etag=%22{etag}%22"
        ))
    );
    let plain = call(
        app,
        signed
            .form(&[
                ("key", "c"),
                ("success_action_redirect", "http://app.example/done"),
            ])
            .file("c", b"c")
            .post("forms")
            .anonymous(),
    )
    .await;
    assert_eq!(plain.status, 303);
    let etag_c = hex::encode(Md5::digest(b"c"));
    assert_eq!(
        plain.header("location").map(str::to_string),
        Some(format!(
            "http://app.example/done?bucket=forms&key=c&etag=%22{etag_c}%22"
        ))
    );
    assert_eq!(keys_in(app, "forms").await, ["a", "c", "dir/b c"]);
}

#[actix_web::test]
async fn sigv2_forms_and_anonymous_forms_on_public_buckets() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/forms").signed()).await;
    // What boto3 produces with signature_version "s3": key, AWSAccessKeyId, policy, signature.
    let expiration = iso8601(SystemTime::now() + Duration::from_secs(600));
    let policy = b64(format!(
        r#"{{"expiration": "{expiration}", "conditions": [{{"bucket": "forms"}}, {{"key": "v2"}}]}}"#
    )
    .as_bytes());
    let form = Form::new()
        .field("key", "v2")
        .field("AWSAccessKeyId", ACCESS_KEY)
        .field("policy", &policy)
        .field(
            "signature",
            &sigv2::calculate_signature(SECRET_KEY, &policy),
        )
        .file("v2.txt", b"v2 bytes");
    let reply = call(app, form.post("forms").anonymous()).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let unknown = Form::new()
        .field("key", "v2")
        .field("AWSAccessKeyId", "NOSUCHKEY")
        .field("policy", &policy)
        .field(
            "signature",
            &sigv2::calculate_signature(SECRET_KEY, &policy),
        )
        .file("v2.txt", b"other");
    assert_error(
        &call(app, unknown.post("forms").anonymous()).await,
        403,
        "InvalidAccessKeyId",
    );
    let get = call(app, Req::new("GET", "/forms/v2").signed()).await;
    assert_eq!(&get.body[..], b"v2 bytes");

    // An unsigned form writes only where anyone may write.
    call(
        app,
        Req::new("PUT", "/open")
            .header("x-amz-acl", "public-read-write")
            .signed(),
    )
    .await;
    let anonymous = Form::new()
        .field("key", "drop/${filename}")
        .field("x-amz-meta-from", "anyone")
        .file("note.txt", b"anonymous note");
    let reply = call(app, anonymous.post("open").anonymous()).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    let get = call(app, Req::new("GET", "/open/drop/note.txt").signed()).await;
    assert_eq!(&get.body[..], b"anonymous note");
    assert_eq!(get.header("x-amz-meta-from"), Some("anyone"));
}

#[actix_web::test]
async fn virtual_hosted_forms_name_the_object_by_host() {
    let s = start().await;
    let app = &s.service;
    call(app, Req::new("PUT", "/forms").signed()).await;
    let signed = SignedForm::new(&[r#"{"bucket": "forms"}"#, r#"{"key": "vh"}"#]);
    let mut req = signed
        .form(&[("key", "vh")])
        .file("vh", b"vh")
        .post("forms");
    req.path = "/".into();
    req.host = "forms.localhost:9000".into();
    let reply = call(app, req.anonymous()).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert_eq!(
        reply.header("location"),
        Some("http://forms.localhost:9000/vh")
    );
}

/// Block Public Access applies to forms too: a public `acl` field is refused where public ACLs
/// are blocked, and an unsigned form finds no public write where they are ignored.
#[actix_web::test]
async fn forms_meet_the_buckets_block_public_access() {
    let s = start().await;
    let app = &s.service;
    call(
        app,
        Req::new("PUT", "/guarded")
            .header("x-amz-acl", "public-read-write")
            .signed(),
    )
    .await;
    let settings = |block: bool, ignore: bool| {
        Req::new("PUT", "/guarded?publicAccessBlock")
            .body(format!(
                "<PublicAccessBlockConfiguration><BlockPublicAcls>{block}</BlockPublicAcls>\
                 <IgnorePublicAcls>{ignore}</IgnorePublicAcls></PublicAccessBlockConfiguration>"
            ))
            .signed()
    };
    assert_eq!(call(app, settings(true, false)).await.status, 200);
    let signed = SignedForm::new(&[
        r#"{"bucket": "guarded"}"#,
        r#"["starts-with", "$key", ""]"#,
        r#"["starts-with", "$acl", ""]"#,
    ]);
    let public = signed
        .form(&[("key", "public.txt"), ("acl", "public-read")])
        .file("a.txt", b"public?");
    assert_error(
        &call(app, public.post("guarded").anonymous()).await,
        403,
        "AccessDenied",
    );
    let private = signed
        .form(&[("key", "private.txt"), ("acl", "private")])
        .file("a.txt", b"private");
    assert_eq!(
        call(app, private.post("guarded").anonymous()).await.status,
        204
    );
    assert_eq!(keys_in(app, "guarded").await, ["private.txt"]);

    // The bucket is public-read-write, but its public ACL is ignored: no anonymous form lands.
    let anonymous = || {
        Form::new()
            .field("key", "anonymous.txt")
            .file("a.txt", b"anyone")
    };
    assert_eq!(
        call(app, anonymous().post("guarded").anonymous())
            .await
            .status,
        204
    );
    assert_eq!(call(app, settings(false, true)).await.status, 200);
    let reply = call(
        app,
        Form::new()
            .field("key", "anonymous2.txt")
            .file("a.txt", b"anyone")
            .post("guarded")
            .anonymous(),
    )
    .await;
    assert_error(&reply, 403, "AccessDenied");
    assert_eq!(
        keys_in(app, "guarded").await,
        ["anonymous.txt", "private.txt"]
    );
}
