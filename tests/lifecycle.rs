//! HTTP-level tests of bucket lifecycle configuration: Put/Get/DeleteBucketLifecycleConfiguration
//! (every filter form and action read back, `x-amz-transition-default-minimum-object-size`, the
//! integrity header, S3's refusals leaving the previous configuration in place) and the rules
//! carried out through the admin API (`POST /_minis3/admin/lifecycle/run` as of a later time):
//! expiry, transitions and upload aborts on S3's days, root key only.

mod common;

use actix_http::Request;
use actix_web::dev::{Service, ServiceResponse};
use base64::Engine;
use common::{call, element, elements, start, Reply, Req};
use minis3::timefmt;
use serde_json::{json, Value};

const DAY: i64 = 86_400;
const KIB128: usize = 128 * 1024;
const MINIMUM_SIZE: &str = "x-amz-transition-default-minimum-object-size";
const MALFORMED: &str =
    "The XML you provided was not well-formed or did not validate against our published schema";

/// The in-process app, whatever its concrete type.
trait App: Service<Request, Response = ServiceResponse, Error = actix_web::Error> {}
impl<S: Service<Request, Response = ServiceResponse, Error = actix_web::Error>> App for S {}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A `LifecycleConfiguration` of `rules`, each the inside of one `<Rule>`.
fn config(rules: &[&str]) -> String {
    let rules: String = rules.iter().map(|r| format!("<Rule>{r}</Rule>")).collect();
    format!("<LifecycleConfiguration>{rules}</LifecycleConfiguration>")
}

fn put_lifecycle(bucket: &str, document: &str) -> Req {
    Req::new("PUT", &format!("/{bucket}?lifecycle")).body(document)
}

async fn get_lifecycle(app: &impl App, bucket: &str) -> Reply {
    call(
        app,
        Req::new("GET", &format!("/{bucket}?lifecycle")).signed(),
    )
    .await
}

async fn put_ok(app: &impl App, bucket: &str, document: &str) -> Reply {
    let reply = call(app, put_lifecycle(bucket, document).signed()).await;
    assert_eq!(reply.status, 200, "{document}: {}", reply.text());
    reply
}

async fn make_bucket(app: &impl App, bucket: &str) {
    let reply = call(app, Req::new("PUT", &format!("/{bucket}")).signed()).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

async fn put_object(app: &impl App, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) {
    let mut req = Req::new("PUT", path).body(body);
    for (name, value) in headers {
        req = req.header(name, value);
    }
    let reply = call(app, req.signed()).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text());
}

/// `2027-01-01T00:00:00Z`.
fn stamp(secs: i64) -> String {
    timefmt::iso8601(secs).replace(".000Z", "Z")
}

fn run_request(as_of: &str) -> Req {
    Req::new("POST", "/_minis3/admin/lifecycle/run")
        .header("content-type", "application/json")
        .body(json!({ "as_of": as_of }).to_string())
}

fn json_of(reply: &Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.text()))
}

/// Applies every bucket's rules as of `secs`: (Expired, Transitioned, Aborted).
async fn run_rules(app: &impl App, secs: i64) -> (u64, u64, u64) {
    let reply = call(app, run_request(&stamp(secs)).signed()).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = json_of(&reply);
    assert_eq!(answer["AsOf"], json!(stamp(secs)));
    let count = |name: &str| answer[name].as_u64().expect(name);
    (count("Expired"), count("Transitioned"), count("Aborted"))
}

/// When an action `days` after `secs` falls due on S3: rounded up to the next midnight UTC.
fn midnight_after(secs: i64, days: i64) -> i64 {
    let t = secs + days * DAY;
    (t + DAY - 1).div_euclid(DAY) * DAY
}

fn now() -> i64 {
    timefmt::now_secs()
}

/// An object's Last-Modified, in seconds.
async fn created(app: &impl App, path: &str) -> i64 {
    let head = call(app, Req::new("HEAD", path).signed()).await;
    assert_eq!(head.status, 200, "{path}");
    timefmt::parse_http_date(head.header("last-modified").expect("Last-Modified"))
        .expect("an HTTP date")
}

/// (earliest, latest) moment the `days` action falls due for the objects at `paths`.
async fn due(app: &impl App, paths: &[&str], days: i64) -> (i64, i64) {
    let mut moments = Vec::new();
    for path in paths {
        moments.push(midnight_after(created(app, path).await, days));
    }
    let first = *moments.iter().min().expect("paths");
    let last = *moments.iter().max().expect("paths");
    assert!(last - first <= DAY);
    (first, last)
}

/// Every (key, storage class) of a bucket as listed, each checked against HEAD.
async fn classes(app: &impl App, bucket: &str) -> Vec<(String, String)> {
    let listed = call(
        app,
        Req::new("GET", &format!("/{bucket}?list-type=2")).signed(),
    )
    .await;
    assert_eq!(listed.status, 200);
    let mut out = Vec::new();
    for contents in elements(&listed.text(), "Contents") {
        let key = element(&contents, "Key").expect("Key");
        let class = element(&contents, "StorageClass").expect("StorageClass");
        let head = call(app, Req::new("HEAD", &format!("/{bucket}/{key}")).signed()).await;
        let head_class = head.header("x-amz-storage-class").unwrap_or("STANDARD");
        assert_eq!(head_class, class, "{key}");
        out.push((key, class));
    }
    out
}

/// XML text as written, with the five predefined entities undone.
fn unescape(text: &str) -> String {
    text.replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, c)| (k.to_string(), c.to_string()))
        .collect()
}

async fn keys(app: &impl App, bucket: &str) -> Vec<String> {
    let listed = call(
        app,
        Req::new("GET", &format!("/{bucket}?list-type=2")).signed(),
    )
    .await;
    assert_eq!(listed.status, 200);
    elements(&listed.text(), "Key")
}

// -- storing and answering configurations ------------------------------------------------------

#[actix_web::test]
async fn every_filter_form_and_action_reads_back_as_put() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    let document = config(&[
        "<ID>legacy</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>7</Days></Expiration>",
        "<ID>everything</ID><Filter></Filter><Status>Disabled</Status><Expiration><Date>2031-03-01T00:00:00Z</Date></Expiration>",
        "<ID>markers</ID><Filter><Prefix>x/</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
        "<ID>tagged</ID><Filter><Tag><Key>tier</Key><Value>cold</Value></Tag></Filter><Status>Enabled</Status>\
         <Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>\
         <Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>",
        "<ID>over</ID><Filter><ObjectSizeGreaterThan>1024</ObjectSizeGreaterThan></Filter><Status>Enabled</Status>\
         <Transition><Days>0</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>",
        "<ID>under</ID><Filter><ObjectSizeLessThan>4096</ObjectSizeLessThan></Filter><Status>Enabled</Status>\
         <AbortIncompleteMultipartUpload><DaysAfterInitiation>3</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
        "<ID>and</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>2</Value></Tag>\
         <ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>1000</ObjectSizeLessThan></And></Filter>\
         <Status>Enabled</Status>\
         <NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions><StorageClass>GLACIER_IR</StorageClass></NoncurrentVersionTransition>\
         <NoncurrentVersionExpiration><NoncurrentDays>60</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>",
        "<Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>",
    ]);
    let put = put_ok(app, "bkt", &document).await;
    assert_eq!(put.header(MINIMUM_SIZE), Some("all_storage_classes_128K"));

    let got = get_lifecycle(app, "bkt").await;
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.header(MINIMUM_SIZE), Some("all_storage_classes_128K"));
    assert!(got
        .header("content-type")
        .is_some_and(|t| t.contains("xml")));
    let text = got.text();
    assert!(text.contains("<LifecycleConfiguration"), "{text}");
    let rules = elements(&text, "Rule");
    assert_eq!(rules.len(), 8, "{text}");
    let ids: Vec<String> = rules
        .iter()
        .map(|r| element(r, "ID").expect("every rule has an ID"))
        .collect();
    assert_eq!(
        ids[..7],
        [
            "legacy",
            "everything",
            "markers",
            "tagged",
            "over",
            "under",
            "and"
        ]
    );
    assert!(
        !ids[7].is_empty() && ids[7].chars().count() <= 255,
        "made-up ID {:?}",
        ids[7]
    );

    // Each rule keeps its own filter form and actions.
    let has = |i: usize, snippets: &[&str]| {
        for snippet in snippets {
            assert!(
                rules[i].contains(snippet),
                "rule {i} lacks {snippet}: {}",
                rules[i]
            );
        }
    };
    has(0, &["<Prefix>logs/</Prefix>", "<Status>Enabled</Status>"]);
    assert!(!rules[0].contains("<Filter"), "legacy stays legacy");
    has(1, &["<Status>Disabled</Status>", "<Expiration><Date>"]);
    assert!(rules[1].contains("<Filter/>") || rules[1].contains("<Filter></Filter>"));
    let date = element(&rules[1], "Date").expect("Date");
    assert_eq!(
        timefmt::parse_rfc3339(&date),
        timefmt::parse_rfc3339("2031-03-01T00:00:00Z")
    );
    has(
        2,
        &[
            "<Filter><Prefix>x/</Prefix></Filter>",
            "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
        ],
    );
    has(
        3,
        &[
            "<Filter><Tag><Key>tier</Key><Value>cold</Value></Tag></Filter>",
            "<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>",
            "<Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>",
        ],
    );
    has(
        4,
        &[
            "<Filter><ObjectSizeGreaterThan>1024</ObjectSizeGreaterThan></Filter>",
            "<Transition><Days>0</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>",
        ],
    );
    has(
        5,
        &[
            "<Filter><ObjectSizeLessThan>4096</ObjectSizeLessThan></Filter>",
            "<AbortIncompleteMultipartUpload><DaysAfterInitiation>3</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
        ],
    );
    has(
        6,
        &[
            "<And><Prefix>p/</Prefix>",
            "<Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>2</Value></Tag>",
            "<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan>",
            "<ObjectSizeLessThan>1000</ObjectSizeLessThan>",
            "<NoncurrentDays>30</NoncurrentDays>",
            "<NewerNoncurrentVersions>3</NewerNoncurrentVersions>",
            "<StorageClass>GLACIER_IR</StorageClass>",
            "<NoncurrentVersionExpiration><NoncurrentDays>60</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>",
        ],
    );
    has(
        7,
        &[
            "<Filter><Prefix>tmp/</Prefix></Filter>",
            "<Expiration><Days>1</Days></Expiration>",
        ],
    );

    // What GET answers is itself a configuration S3 takes, and reads back the same.
    put_ok(app, "bkt", &text).await;
    assert_eq!(get_lifecycle(app, "bkt").await.text(), text);
}

#[actix_web::test]
async fn the_minimum_object_size_setting_is_answered_and_kept() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    let kept = config(&[
        "<ID>kept</ID><Filter/><Status>Enabled</Status><Expiration><Days>3</Days></Expiration>",
    ]);
    let varies = call(
        app,
        put_lifecycle("bkt", &kept)
            .header(MINIMUM_SIZE, "varies_by_storage_class")
            .signed(),
    )
    .await;
    assert_eq!(varies.status, 200, "{}", varies.text());
    assert_eq!(varies.header(MINIMUM_SIZE), Some("varies_by_storage_class"));
    let got = get_lifecycle(app, "bkt").await;
    assert_eq!(got.header(MINIMUM_SIZE), Some("varies_by_storage_class"));
    let before = got.text();

    let other = config(&[
        "<ID>other</ID><Filter/><Status>Enabled</Status><Expiration><Days>9</Days></Expiration>",
    ]);
    for bad in ["all_storage_classes_64K", "VARIES_BY_STORAGE_CLASS", ""] {
        let refused = call(
            app,
            put_lifecycle("bkt", &other)
                .header(MINIMUM_SIZE, bad)
                .signed(),
        )
        .await;
        assert_eq!(
            (refused.status, refused.error_code().as_str()),
            (400, "InvalidArgument"),
            "{bad:?}: {}",
            refused.text()
        );
        let got = get_lifecycle(app, "bkt").await;
        assert_eq!(got.text(), before, "refused with {bad:?}");
        assert_eq!(got.header(MINIMUM_SIZE), Some("varies_by_storage_class"));
    }

    let explicit = call(
        app,
        put_lifecycle("bkt", &kept)
            .header(MINIMUM_SIZE, "all_storage_classes_128K")
            .signed(),
    )
    .await;
    assert_eq!(
        explicit.header(MINIMUM_SIZE),
        Some("all_storage_classes_128K")
    );
    call(
        app,
        put_lifecycle("bkt", &kept)
            .header(MINIMUM_SIZE, "varies_by_storage_class")
            .signed(),
    )
    .await;
    // A Put without the header is the default again.
    put_ok(app, "bkt", &kept).await;
    assert_eq!(
        get_lifecycle(app, "bkt").await.header(MINIMUM_SIZE),
        Some("all_storage_classes_128K")
    );
}

#[actix_web::test]
async fn a_put_needs_content_md5_or_a_checksum() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    let kept = config(&[
        "<ID>kept</ID><Filter/><Status>Enabled</Status><Expiration><Days>3</Days></Expiration>",
    ]);
    put_ok(app, "bkt", &kept).await;
    let before = get_lifecycle(app, "bkt").await.text();
    let new = config(&[
        "<ID>new</ID><Filter/><Status>Enabled</Status><Expiration><Days>9</Days></Expiration>",
    ]);

    let bare = call(
        app,
        put_lifecycle("bkt", &new).without_content_md5().signed(),
    )
    .await;
    assert_eq!(
        (bare.status, bare.error_code().as_str()),
        (400, "InvalidRequest")
    );
    assert_eq!(
        element(&bare.text(), "Message").as_deref(),
        Some("Missing required header for this request: Content-MD5 OR x-amz-checksum-*")
    );
    let wrong = call(
        app,
        put_lifecycle("bkt", &new)
            .header("content-md5", &b64(&[0u8; 16]))
            .signed(),
    )
    .await;
    assert_eq!(
        (wrong.status, wrong.error_code().as_str()),
        (400, "BadDigest")
    );
    assert_eq!(get_lifecycle(app, "bkt").await.text(), before);

    // A checksum alone will do, as the newer SDKs send.
    use sha2::Digest;
    let sha = b64(&sha2::Sha256::digest(new.as_bytes()));
    let checked = call(
        app,
        put_lifecycle("bkt", &new)
            .without_content_md5()
            .header("x-amz-checksum-sha256", &sha)
            .signed(),
    )
    .await;
    assert_eq!(checked.status, 200, "{}", checked.text());
    let got = get_lifecycle(app, "bkt").await.text();
    assert_eq!(elements(&got, "ID"), ["new"]);
}

#[actix_web::test]
async fn delete_a_replacing_put_and_a_missing_bucket() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    let none = get_lifecycle(app, "bkt").await;
    assert_eq!(
        (none.status, none.error_code().as_str()),
        (404, "NoSuchLifecycleConfiguration")
    );

    put_ok(
        app,
        "bkt",
        &config(&[
            "<ID>a</ID><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>",
            "<ID>b</ID><Filter><Prefix>b/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>",
        ]),
    )
    .await;
    assert_eq!(
        elements(&get_lifecycle(app, "bkt").await.text(), "ID"),
        ["a", "b"]
    );
    put_ok(
        app,
        "bkt",
        &config(&["<ID>c</ID><Prefix>c/</Prefix><Status>Disabled</Status><Expiration><Days>3</Days></Expiration>"]),
    )
    .await;
    let replaced = get_lifecycle(app, "bkt").await.text();
    assert_eq!(elements(&replaced, "ID"), ["c"], "{replaced}");
    assert!(!replaced.contains("a/") && !replaced.contains("b/"));

    let deleted = call(app, Req::new("DELETE", "/bkt?lifecycle").signed()).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    let gone = get_lifecycle(app, "bkt").await;
    assert_eq!(
        (gone.status, gone.error_code().as_str()),
        (404, "NoSuchLifecycleConfiguration")
    );
    assert_eq!(element(&gone.text(), "BucketName").as_deref(), Some("bkt"));
    let again = call(app, Req::new("DELETE", "/bkt?lifecycle").signed()).await;
    assert_eq!(again.status, 204);

    let document = config(&[
        "<ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>",
    ]);
    for req in [
        put_lifecycle("nothere", &document),
        Req::new("GET", "/nothere?lifecycle"),
        Req::new("DELETE", "/nothere?lifecycle"),
    ] {
        let method = req.method;
        let reply = call(app, req.signed()).await;
        assert_eq!(
            (reply.status, reply.error_code().as_str()),
            (404, "NoSuchBucket"),
            "{method}"
        );
    }
    assert_eq!(
        call(app, Req::new("HEAD", "/nothere").signed())
            .await
            .status,
        404,
        "a Put on a missing bucket creates nothing"
    );
}

const EXPIRE_1: &str = "<Expiration><Days>1</Days></Expiration>";

#[actix_web::test]
async fn refused_configurations_change_nothing() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    let kept = config(&["<ID>kept</ID><Filter><Prefix>kept/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration>"]);
    let put = call(
        app,
        put_lifecycle("bkt", &kept)
            .header(MINIMUM_SIZE, "varies_by_storage_class")
            .signed(),
    )
    .await;
    assert_eq!(put.status, 200);
    let before = get_lifecycle(app, "bkt").await.text();

    let rule = |inner: &str| config(&[inner]);
    let positive_days = "'Days' for Expiration action must be a positive integer";
    let ia_30 = |class: &str| {
        format!("'Days' in Transition action must be greater than or equal to 30 for storageClass '{class}'")
    };
    let after_transition =
        "'Days' in the Expiration action must be greater than 'Days' in the Transition action";
    let newer = "'NewerNoncurrentVersions' must be between 1 and 100";
    let and_sizes =
        "ObjectSizeGreaterThan must be less than ObjectSizeLessThan in the And of a lifecycle filter";
    let abort_tags = "AbortIncompleteMultipartUpload cannot be specified with Tags.";
    let cases: Vec<(String, &str, String)> = vec![
        (config(&[]), "MalformedXML", MALFORMED.into()),
        (
            rule(&format!("<ID>x</ID><Filter/>{EXPIRE_1}")),
            "MalformedXML",
            MALFORMED.into(),
        ),
        (
            rule(&format!("<ID>x</ID><Filter/><Status>enabled</Status>{EXPIRE_1}")),
            "MalformedXML",
            MALFORMED.into(),
        ),
        (
            rule(&format!("<ID>x</ID><Prefix>a/</Prefix><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status>{EXPIRE_1}")),
            "MalformedXML",
            MALFORMED.into(),
        ),
        (
            rule(&format!("<ID>x</ID><Status>Enabled</Status>{EXPIRE_1}")),
            "MalformedXML",
            MALFORMED.into(),
        ),
        (
            rule(&format!("<ID>x</ID><Filter><Prefix>a/</Prefix><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter><Status>Enabled</Status>{EXPIRE_1}")),
            "MalformedXML",
            MALFORMED.into(),
        ),
        (
            rule(&format!("<ID>x</ID><Filter><Tag><Key>k</Key><Value>v</Value></Tag><And><Prefix>p</Prefix></And></Filter><Status>Enabled</Status>{EXPIRE_1}")),
            "MalformedXML",
            MALFORMED.into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status>"),
            "InvalidRequest",
            "At least one action needs to be specified in a rule".into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration>"),
            "InvalidArgument",
            positive_days.into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>-5</Days></Expiration>"),
            "InvalidArgument",
            positive_days.into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>1.5</Days></Expiration>"),
            "InvalidArgument",
            positive_days.into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Date>2031-01-01T12:00:00Z</Date></Expiration>"),
            "InvalidArgument",
            "'Date' must be at midnight GMT".into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Date>2031-01-01T00:00:00+01:00</Date></Expiration>"),
            "InvalidArgument",
            "'Date' must be at midnight GMT".into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>3</Days><Date>2031-01-01T00:00:00Z</Date></Expiration>"),
            "MalformedXML",
            MALFORMED.into(),
        ),
        (
            config(&[
                &format!("<ID>same</ID><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status>{EXPIRE_1}"),
                &format!("<ID>same</ID><Filter><Prefix>b/</Prefix></Filter><Status>Enabled</Status>{EXPIRE_1}"),
            ]),
            "InvalidArgument",
            "Rule ID must be unique. Found same ID for more than one rule".into(),
        ),
        (
            rule(&format!("<ID>{}</ID><Filter/><Status>Enabled</Status>{EXPIRE_1}", "i".repeat(256))),
            "InvalidArgument",
            "ID length should not exceed allowed limit of 255".into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Transition><Days>29</Days><StorageClass>STANDARD_IA</StorageClass></Transition>"),
            "InvalidArgument",
            ia_30("STANDARD_IA"),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>ONEZONE_IA</StorageClass></Transition>"),
            "InvalidArgument",
            ia_30("ONEZONE_IA"),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Transition><Days>40</Days><StorageClass>FROZEN</StorageClass></Transition>"),
            "InvalidStorageClass",
            "The storage class you specified is not valid".into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Transition><Days>40</Days><StorageClass>STANDARD</StorageClass></Transition>"),
            "InvalidRequest",
            "'StorageClass' STANDARD is not a lifecycle transition target".into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status>\
                  <Transition><Days>40</Days><StorageClass>GLACIER</StorageClass></Transition>\
                  <Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>"),
            "InvalidRequest",
            "'StorageClass' must be different for 'Transition' actions in same 'Rule'".into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>10</Days></Expiration>\
                  <Transition><Days>40</Days><StorageClass>GLACIER</StorageClass></Transition>"),
            "InvalidArgument",
            after_transition.into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>40</Days></Expiration>\
                  <Transition><Days>40</Days><StorageClass>GLACIER</StorageClass></Transition>"),
            "InvalidArgument",
            after_transition.into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>100</Days></Expiration>\
                  <Transition><Date>2031-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass></Transition>"),
            "InvalidRequest",
            "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule".into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status>\
                  <Transition><Date>2031-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass></Transition>\
                  <Transition><Days>200</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>"),
            "InvalidRequest",
            "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule".into(),
        ),
        (
            rule("<ID>x</ID><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status>\
                  <AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"),
            "InvalidRequest",
            abort_tags.into(),
        ),
        (
            rule("<ID>x</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status>\
                  <AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"),
            "InvalidRequest",
            abort_tags.into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status>\
                  <AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>"),
            "InvalidArgument",
            "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer".into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status>\
                  <NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>0</NewerNoncurrentVersions></NoncurrentVersionExpiration>"),
            "InvalidArgument",
            newer.into(),
        ),
        (
            rule("<ID>x</ID><Filter/><Status>Enabled</Status>\
                  <NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>"),
            "InvalidArgument",
            newer.into(),
        ),
        (
            rule(&format!("<ID>x</ID><Filter><Tag><Key>aws:owner</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status>{EXPIRE_1}")),
            "InvalidTag",
            "Your TagKey cannot be prefixed with aws:".into(),
        ),
        (
            rule(&format!("<ID>x</ID><Filter><Tag><Key>{}</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status>{EXPIRE_1}", "k".repeat(129))),
            "InvalidTag",
            "The TagKey you have provided is invalid".into(),
        ),
        (
            rule(&format!("<ID>x</ID><Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter><Status>Enabled</Status>{EXPIRE_1}")),
            "InvalidTag",
            "Cannot provide multiple Tags with the same key".into(),
        ),
        (
            rule(&format!("<ID>x</ID><Filter><And><Prefix>p/</Prefix><ObjectSizeGreaterThan>9</ObjectSizeGreaterThan><ObjectSizeLessThan>5</ObjectSizeLessThan></And></Filter><Status>Enabled</Status>{EXPIRE_1}")),
            "InvalidArgument",
            and_sizes.into(),
        ),
        (
            rule(&format!("<ID>x</ID><Filter><And><Prefix>p/</Prefix><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan><ObjectSizeLessThan>5</ObjectSizeLessThan></And></Filter><Status>Enabled</Status>{EXPIRE_1}")),
            "InvalidArgument",
            and_sizes.into(),
        ),
        (
            "<LifecycleConfiguration><Rule>".into(),
            "MalformedXML",
            MALFORMED.into(),
        ),
    ];
    for (document, code, message) in cases {
        let reply = call(app, put_lifecycle("bkt", &document).signed()).await;
        assert_eq!(
            (reply.status, reply.error_code().as_str()),
            (400, code),
            "{document}: {}",
            reply.text()
        );
        assert_eq!(
            element(&reply.text(), "Message").map(|m| unescape(&m)),
            Some(message),
            "{document}"
        );
        let got = get_lifecycle(app, "bkt").await;
        assert_eq!(got.text(), before, "after {document}");
        assert_eq!(got.header(MINIMUM_SIZE), Some("varies_by_storage_class"));
    }
}

// -- carrying the rules out -----------------------------------------------------------------------

#[actix_web::test]
async fn expiration_comes_at_the_midnight_after_the_days() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    put_ok(
        app,
        "bkt",
        &config(&[
            "<ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>",
            "<ID>temp</ID><Filter><Tag><Key>temp</Key><Value>yes</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>",
            "<ID>over</ID><Filter><ObjectSizeGreaterThan>500</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>",
            "<ID>mid</ID><Filter><And><Prefix>sized/</Prefix><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>",
            "<ID>legacy</ID><Prefix>old/</Prefix><Status>Enabled</Status><Expiration><Days>2</Days></Expiration>",
            "<ID>off</ID><Filter><Prefix>off/</Prefix></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration>",
        ]),
    )
    .await;
    let objects: [(&str, usize, &str); 12] = [
        ("logs/a", 1, ""),
        ("logsx", 1, ""),
        ("data/x", 1, ""),
        ("tagged", 1, "temp=yes&other=1"),
        ("tagged-otherwise", 1, "temp=no"),
        ("big", 501, ""),
        ("big-enough-not", 500, ""),
        ("sized/mid", 50, ""),
        ("sized/ten", 10, ""),
        ("sized/hundred", 100, ""),
        ("old/legacy", 1, ""),
        ("off/disabled", 1, ""),
    ];
    let mut paths = Vec::new();
    for (key, size, tags) in objects {
        let headers: Vec<(&str, &str)> = if tags.is_empty() {
            Vec::new()
        } else {
            vec![("x-amz-tagging", tags)]
        };
        put_object(app, &format!("/bkt/{key}"), vec![b'o'; size], &headers).await;
        paths.push(format!("/bkt/{key}"));
    }
    let path_refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let (first, last) = due(app, &path_refs, 2).await;
    let all: Vec<String> = {
        let mut k: Vec<String> = objects.iter().map(|(k, ..)| k.to_string()).collect();
        k.sort();
        k
    };

    assert_eq!(run_rules(app, now()).await, (0, 0, 0));
    assert_eq!(run_rules(app, first - DAY).await, (0, 0, 0));
    assert_eq!(run_rules(app, first - 1).await, (0, 0, 0));
    assert_eq!(keys(app, "bkt").await, all);

    let doomed = ["big", "logs/a", "old/legacy", "sized/mid", "tagged"];
    assert_eq!(run_rules(app, last).await, (doomed.len() as u64, 0, 0));
    let left: Vec<String> = all
        .iter()
        .filter(|k| !doomed.contains(&k.as_str()))
        .cloned()
        .collect();
    assert_eq!(keys(app, "bkt").await, left);
    for key in doomed {
        let gone = call(app, Req::new("GET", &format!("/bkt/{key}")).signed()).await;
        assert_eq!(
            (gone.status, gone.error_code().as_str()),
            (404, "NoSuchKey"),
            "{key}"
        );
    }
    assert_eq!(run_rules(app, last).await, (0, 0, 0));
    assert_eq!(run_rules(app, last + 1000 * DAY).await, (0, 0, 0));
    assert_eq!(keys(app, "bkt").await, left);
}

#[actix_web::test]
async fn an_expiration_date_expires_objects_once_passed() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    let day = now().div_euclid(DAY) * DAY + 3 * DAY;
    put_ok(
        app,
        "bkt",
        &config(&[&format!(
            "<ID>d</ID><Filter><Prefix>reports/</Prefix></Filter><Status>Enabled</Status>\
             <Expiration><Date>{}</Date></Expiration>",
            stamp(day)
        )]),
    )
    .await;
    for key in ["reports/q1", "reports/q2", "keep/q3"] {
        put_object(app, &format!("/bkt/{key}"), b"r".to_vec(), &[]).await;
    }
    assert_eq!(run_rules(app, day - 1).await, (0, 0, 0));
    assert_eq!(
        keys(app, "bkt").await,
        ["keep/q3", "reports/q1", "reports/q2"]
    );
    assert_eq!(run_rules(app, day).await, (2, 0, 0));
    assert_eq!(keys(app, "bkt").await, ["keep/q3"]);
    // Written after the date: expired by the next run.
    put_object(app, "/bkt/reports/late", b"l".to_vec(), &[]).await;
    assert_eq!(run_rules(app, day + 5 * DAY).await, (1, 0, 0));
    assert_eq!(keys(app, "bkt").await, ["keep/q3"]);
}

#[actix_web::test]
async fn transitions_move_objects_of_128_kib_to_colder_classes() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    put_ok(
        app,
        "bkt",
        &config(&["<ID>tiers</ID><Filter/><Status>Enabled</Status>\
                   <Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>\
                   <Transition><Days>90</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>\
                   <Transition><Days>60</Days><StorageClass>GLACIER</StorageClass></Transition>"]),
    )
    .await;
    put_object(app, "/bkt/big", vec![b'b'; KIB128], &[]).await;
    put_object(app, "/bkt/small", vec![b's'; KIB128 - 1], &[]).await;
    put_object(
        app,
        "/bkt/onezone",
        vec![b'o'; KIB128],
        &[("x-amz-storage-class", "ONEZONE_IA")],
    )
    .await;
    put_object(
        app,
        "/bkt/glacier",
        vec![b'g'; KIB128],
        &[("x-amz-storage-class", "GLACIER")],
    )
    .await;
    let paths = ["/bkt/big", "/bkt/small", "/bkt/onezone", "/bkt/glacier"];
    let start_classes = [
        ("big", "STANDARD"),
        ("glacier", "GLACIER"),
        ("onezone", "ONEZONE_IA"),
        ("small", "STANDARD"),
    ];
    assert_eq!(classes(app, "bkt").await, pairs(&start_classes));
    let (first30, last30) = due(app, &paths, 30).await;
    let (first60, last60) = due(app, &paths, 60).await;
    let (first90, last90) = due(app, &paths, 90).await;

    assert_eq!(run_rules(app, first30 - 1).await, (0, 0, 0));
    // STANDARD_IA is warmer than ONEZONE_IA and GLACIER: only "big" goes.
    assert_eq!(run_rules(app, last30).await, (0, 1, 0));
    assert_eq!(
        classes(app, "bkt").await,
        pairs(&[
            ("big", "STANDARD_IA"),
            ("glacier", "GLACIER"),
            ("onezone", "ONEZONE_IA"),
            ("small", "STANDARD"),
        ])
    );
    let read = call(app, Req::new("GET", "/bkt/big").signed()).await;
    assert_eq!((read.status, read.body.len()), (200, KIB128));

    assert_eq!(run_rules(app, first60 - 1).await, (0, 0, 0));
    assert_eq!(run_rules(app, last60).await, (0, 2, 0));
    assert_eq!(
        classes(app, "bkt").await,
        pairs(&[
            ("big", "GLACIER"),
            ("glacier", "GLACIER"),
            ("onezone", "GLACIER"),
            ("small", "STANDARD"),
        ])
    );
    // Archived now: GET is refused as for any GLACIER object, HEAD still answers.
    for key in ["big", "onezone"] {
        let read = call(app, Req::new("GET", &format!("/bkt/{key}")).signed()).await;
        assert_eq!(
            (read.status, read.error_code().as_str()),
            (403, "InvalidObjectState"),
            "{key}"
        );
        let head = call(app, Req::new("HEAD", &format!("/bkt/{key}")).signed()).await;
        assert_eq!(
            (head.status, head.header("x-amz-storage-class")),
            (200, Some("GLACIER"))
        );
    }

    assert_eq!(run_rules(app, first90 - 1).await, (0, 0, 0));
    assert_eq!(run_rules(app, last90).await, (0, 3, 0));
    let frozen = pairs(&[
        ("big", "DEEP_ARCHIVE"),
        ("glacier", "DEEP_ARCHIVE"),
        ("onezone", "DEEP_ARCHIVE"),
        ("small", "STANDARD"),
    ]);
    assert_eq!(classes(app, "bkt").await, frozen);
    let deep = call(app, Req::new("GET", "/bkt/big").signed()).await;
    assert_eq!(
        (deep.status, deep.error_code().as_str()),
        (403, "InvalidObjectState")
    );
    let small = call(app, Req::new("GET", "/bkt/small").signed()).await;
    assert_eq!((small.status, small.body.len()), (200, KIB128 - 1));
    assert_eq!(run_rules(app, last90).await, (0, 0, 0));
    assert_eq!(run_rules(app, last90 + 1000 * DAY).await, (0, 0, 0));
    assert_eq!(classes(app, "bkt").await, frozen);
}

#[actix_web::test]
async fn small_objects_go_to_glacier_only_when_the_bucket_says_so() {
    let s = start().await;
    let app = &s.service;
    let rules = config(&[
        "<ID>ia</ID><Filter><Prefix>ia/</Prefix></Filter><Status>Enabled</Status>\
         <Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>",
        "<ID>tiering</ID><Filter><Prefix>tiering/</Prefix></Filter><Status>Enabled</Status>\
         <Transition><Days>1</Days><StorageClass>INTELLIGENT_TIERING</StorageClass></Transition>",
        "<ID>glacier</ID><Filter><Prefix>glacier/</Prefix></Filter><Status>Enabled</Status>\
         <Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>",
        "<ID>deep</ID><Filter><Prefix>deep/</Prefix></Filter><Status>Enabled</Status>\
         <Transition><Days>1</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>",
    ]);
    let keys = ["deep/small", "glacier/small", "ia/small", "tiering/small"];
    let mut paths = Vec::new();
    for bucket in ["default", "varies"] {
        make_bucket(app, bucket).await;
        for key in keys {
            put_object(app, &format!("/{bucket}/{key}"), b"tiny".to_vec(), &[]).await;
            paths.push(format!("/{bucket}/{key}"));
        }
    }
    put_ok(app, "default", &rules).await;
    let varies = call(
        app,
        put_lifecycle("varies", &rules)
            .header(MINIMUM_SIZE, "varies_by_storage_class")
            .signed(),
    )
    .await;
    assert_eq!(varies.status, 200);
    let path_refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let (_, last) = due(app, &path_refs, 30).await;
    assert_eq!(run_rules(app, last).await, (0, 2, 0));
    assert_eq!(
        classes(app, "default").await,
        pairs(&keys.map(|k| (k, "STANDARD")))
    );
    assert_eq!(
        classes(app, "varies").await,
        pairs(&[
            ("deep/small", "DEEP_ARCHIVE"),
            ("glacier/small", "GLACIER"),
            ("ia/small", "STANDARD"),
            ("tiering/small", "STANDARD"),
        ])
    );
}

/// AWS (PutBucketLifecycleConfiguration, TransitionDefaultMinimumObjectSize):
/// "varies_by_storage_class - Objects smaller than 128 KB will transition to Glacier Flexible
/// Retrieval or Glacier Deep Archive storage classes. By default, all other storage classes will
/// prevent transitions smaller than 128 KB." Glacier Instant Retrieval is one of the others.
#[actix_web::test]
async fn glacier_instant_retrieval_keeps_the_128_kib_minimum_when_the_bucket_varies() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    let put = call(
        app,
        put_lifecycle(
            "bkt",
            &config(&["<ID>ir</ID><Filter/><Status>Enabled</Status>\
                       <Transition><Days>1</Days><StorageClass>GLACIER_IR</StorageClass></Transition>"]),
        )
        .header(MINIMUM_SIZE, "varies_by_storage_class")
        .signed(),
    )
    .await;
    assert_eq!(put.status, 200);
    put_object(app, "/bkt/small", b"tiny".to_vec(), &[]).await;
    put_object(app, "/bkt/big", vec![b'b'; KIB128], &[]).await;
    let (_, last) = due(app, &["/bkt/small", "/bkt/big"], 1).await;
    assert_eq!(run_rules(app, last).await, (0, 1, 0));
    assert_eq!(
        classes(app, "bkt").await,
        pairs(&[("big", "GLACIER_IR"), ("small", "STANDARD")])
    );
}

#[actix_web::test]
async fn a_size_filter_replaces_the_128_kib_minimum() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    put_ok(
        app,
        "bkt",
        &config(&[
            "<ID>over-100</ID><Filter><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></Filter><Status>Enabled</Status>\
             <Transition><Days>30</Days><StorageClass>ONEZONE_IA</StorageClass></Transition>",
            "<ID>and-over-10</ID><Filter><And><Prefix>and/</Prefix><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter>\
             <Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>",
        ]),
    )
    .await;
    let objects = [
        ("kilobyte", 1000),
        ("fifty", 50),
        ("and/twenty", 20),
        ("and/five", 5),
    ];
    for (key, size) in objects {
        put_object(app, &format!("/bkt/{key}"), vec![b'x'; size], &[]).await;
    }
    let paths = objects.map(|(k, _)| format!("/bkt/{k}"));
    let path_refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let (_, last) = due(app, &path_refs, 30).await;
    assert_eq!(run_rules(app, last).await, (0, 2, 0));
    assert_eq!(
        classes(app, "bkt").await,
        pairs(&[
            ("and/five", "STANDARD"),
            ("and/twenty", "GLACIER"),
            ("fifty", "STANDARD"),
            ("kilobyte", "ONEZONE_IA"),
        ])
    );
}

/// AWS (PutBucketLifecycleConfiguration, TransitionDefaultMinimumObjectSize): "To customize the
/// minimum object size for any transition you can add a filter that specifies a custom
/// ObjectSizeGreaterThan or ObjectSizeLessThan in the body of your transition rule. Custom
/// filters always take precedence over the default transition behavior."
#[actix_web::test]
async fn a_maximum_size_filter_also_replaces_the_128_kib_minimum() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    put_ok(
        app,
        "bkt",
        &config(&["<ID>under-4k</ID><Filter><ObjectSizeLessThan>4096</ObjectSizeLessThan></Filter><Status>Enabled</Status>\
                   <Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>"]),
    )
    .await;
    put_object(app, "/bkt/small", vec![b's'; 1000], &[]).await;
    put_object(app, "/bkt/large", vec![b'l'; 5000], &[]).await;
    let (_, last) = due(app, &["/bkt/small", "/bkt/large"], 1).await;
    assert_eq!(run_rules(app, last).await, (0, 1, 0));
    assert_eq!(
        classes(app, "bkt").await,
        pairs(&[("large", "STANDARD"), ("small", "GLACIER")])
    );
}

/// Every (key, upload id, initiated seconds) of a bucket's unfinished uploads.
async fn uploads(app: &impl App, bucket: &str) -> Vec<(String, String, i64)> {
    let listed = call(app, Req::new("GET", &format!("/{bucket}?uploads")).signed()).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    elements(&listed.text(), "Upload")
        .iter()
        .map(|u| {
            let initiated = element(u, "Initiated").expect("Initiated");
            (
                element(u, "Key").expect("Key"),
                element(u, "UploadId").expect("UploadId"),
                timefmt::parse_rfc3339(&initiated).expect("an ISO time"),
            )
        })
        .collect()
}

#[actix_web::test]
async fn unfinished_uploads_are_aborted_after_their_days() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    put_ok(
        app,
        "bkt",
        &config(&[
            "<ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status>\
             <AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
            "<ID>legacy</ID><Prefix>old/</Prefix><Status>Enabled</Status>\
             <AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
            "<ID>off</ID><Filter><Prefix>off/</Prefix></Filter><Status>Disabled</Status>\
             <AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
            "<ID>later</ID><Filter><Prefix>later/</Prefix></Filter><Status>Enabled</Status>\
             <AbortIncompleteMultipartUpload><DaysAfterInitiation>5</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
        ]),
    )
    .await;
    let mut ids = std::collections::BTreeMap::new();
    for key in ["tmp/a", "tmp/b", "old/c", "keep/d", "off/e", "later/f"] {
        let created = call(
            app,
            Req::new("POST", &format!("/bkt/{key}?uploads")).signed(),
        )
        .await;
        assert_eq!(created.status, 200, "{}", created.text());
        ids.insert(key, element(&created.text(), "UploadId").expect("UploadId"));
    }
    let part = call(
        app,
        Req::new(
            "PUT",
            &format!("/bkt/tmp/a?partNumber=1&uploadId={}", ids["tmp/a"]),
        )
        .body("part")
        .signed(),
    )
    .await;
    assert_eq!(part.status, 200);
    let listed = uploads(app, "bkt").await;
    assert_eq!(listed.len(), 6);
    let first = listed
        .iter()
        .map(|u| midnight_after(u.2, 2))
        .min()
        .expect("uploads");
    let last = listed
        .iter()
        .map(|u| midnight_after(u.2, 2))
        .max()
        .expect("uploads");
    let keys_left = |expected: &[&str]| {
        let mut want: Vec<(String, String)> = expected
            .iter()
            .map(|k| (k.to_string(), ids[k].clone()))
            .collect();
        want.sort();
        want
    };
    let pairs_of = |listed: Vec<(String, String, i64)>| {
        let mut got: Vec<(String, String)> = listed.into_iter().map(|(k, id, _)| (k, id)).collect();
        got.sort();
        got
    };

    assert_eq!(run_rules(app, first - 1).await, (0, 0, 0));
    assert_eq!(uploads(app, "bkt").await.len(), 6);
    assert_eq!(run_rules(app, last).await, (0, 0, 3));
    assert_eq!(
        pairs_of(uploads(app, "bkt").await),
        keys_left(&["keep/d", "later/f", "off/e"])
    );
    for key in ["tmp/a", "tmp/b", "old/c"] {
        let late = call(
            app,
            Req::new(
                "PUT",
                &format!("/bkt/{key}?partNumber=1&uploadId={}", ids[key]),
            )
            .body("late")
            .signed(),
        )
        .await;
        assert_eq!(
            (late.status, late.error_code().as_str()),
            (404, "NoSuchUpload"),
            "{key}"
        );
    }
    assert_eq!(run_rules(app, last).await, (0, 0, 0));
    let five = midnight_after(listed.iter().map(|u| u.2).max().expect("uploads"), 5);
    assert_eq!(run_rules(app, five).await, (0, 0, 1));
    assert_eq!(
        pairs_of(uploads(app, "bkt").await),
        keys_left(&["keep/d", "off/e"])
    );
    // An upload no rule covers still completes.
    let part = call(
        app,
        Req::new(
            "PUT",
            &format!("/bkt/keep/d?partNumber=1&uploadId={}", ids["keep/d"]),
        )
        .body("kept")
        .signed(),
    )
    .await;
    let etag = part.header("etag").expect("ETag").to_string();
    let complete = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    );
    let done = call(
        app,
        Req::new("POST", &format!("/bkt/keep/d?uploadId={}", ids["keep/d"]))
            .body(complete)
            .signed(),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let read = call(app, Req::new("GET", "/bkt/keep/d").signed()).await;
    assert_eq!(read.text(), "kept");
}

#[actix_web::test]
async fn only_the_root_key_may_run_the_rules() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    put_ok(
        app,
        "bkt",
        &config(&[
            "<ID>all</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>",
        ]),
    )
    .await;
    put_object(app, "/bkt/k", b"v".to_vec(), &[]).await;
    let later = stamp(now() + 10 * DAY);

    let created = call(
        app,
        Req::new("POST", "/_minis3/admin/keys")
            .header("content-type", "application/json")
            .body("{}")
            .signed(),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text());
    let key = json_of(&created);
    let issued = Req {
        access_key: key["AccessKeyId"].as_str().expect("id").to_string(),
        secret: key["SecretAccessKey"].as_str().expect("secret").to_string(),
        ..run_request(&later)
    };
    let by_issued = call(app, issued.signed()).await;
    assert_eq!(
        (by_issued.status, by_issued.error_code().as_str()),
        (403, "AccessDenied")
    );
    let anonymous = call(app, run_request(&later).anonymous()).await;
    assert_eq!(
        (anonymous.status, anonymous.error_code().as_str()),
        (403, "AccessDenied")
    );
    assert_eq!(keys(app, "bkt").await, ["k"], "nothing was applied");

    let by_root = call(app, run_request(&later).signed()).await;
    assert_eq!(by_root.status, 200, "{}", by_root.text());
    assert_eq!(by_root.header("content-type"), Some("application/json"));
    assert_eq!(json_of(&by_root)["Expired"], json!(1));
    assert!(keys(app, "bkt").await.is_empty());
}

#[actix_web::test]
async fn an_as_of_that_is_not_rfc_3339_changes_nothing() {
    let s = start().await;
    let app = &s.service;
    make_bucket(app, "bkt").await;
    put_ok(
        app,
        "bkt",
        &config(&[
            "<ID>all</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>",
        ]),
    )
    .await;
    put_object(app, "/bkt/k", b"v".to_vec(), &[]).await;
    for bad in [
        "tomorrow",
        "2099-01-01",
        "2099-01-01T00:00:00",
        "2099-13-01T00:00:00Z",
        "2099-01-01T25:00:00Z",
        "",
    ] {
        let reply = call(app, run_request(bad).signed()).await;
        assert_eq!(
            (reply.status, reply.error_code().as_str()),
            (400, "InvalidArgument"),
            "{bad:?}: {}",
            reply.text()
        );
        assert_eq!(keys(app, "bkt").await, ["k"], "after {bad:?}");
    }
    for body in [
        r#"{"as_of": 4102444800}"#,
        r#"{"when": "2099-01-01T00:00:00Z"}"#,
        "soon",
    ] {
        let reply = call(
            app,
            Req::new("POST", "/_minis3/admin/lifecycle/run")
                .header("content-type", "application/json")
                .body(body)
                .signed(),
        )
        .await;
        assert_eq!(
            (reply.status, reply.error_code().as_str()),
            (400, "InvalidArgument"),
            "{body}: {}",
            reply.text()
        );
        assert_eq!(keys(app, "bkt").await, ["k"], "after {body}");
    }
    // No time at all is now: the object is a day from its expiry.
    let now_run = call(
        app,
        Req::new("POST", "/_minis3/admin/lifecycle/run").signed(),
    )
    .await;
    assert_eq!(now_run.status, 200, "{}", now_run.text());
    assert_eq!(json_of(&now_run)["Expired"], json!(0));
    assert_eq!(keys(app, "bkt").await, ["k"]);
}
