//! Real-client suite: the official AWS SDK for Rust (`aws-sdk-s3`, default checksums, aws-chunked
//! uploads and signing) against a freshly started `minis3` binary.
//!
//! Each test starts its own `minis3 serve --address 127.0.0.1:0` on a temp data dir and kills
//! it when done (also on a failed assertion). For a development loop against another
//! S3-compatible server, set `MINIS3_SDK_TEST_ENDPOINT=http://127.0.0.1:PORT`: the tests then
//! use that endpoint instead of starting minis3. Nothing else skips anything.

mod common;

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{
    ChecksumMode, CompletedMultipartUpload, CompletedPart, Delete, ObjectIdentifier,
};
use aws_sdk_s3::Client;
use base64::Engine as _;
use bytes::Bytes;
use common::process::{pattern, s3_client, Minis3Process};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioExecutor;
use md5::{Digest, Md5};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::collections::BTreeSet;
use std::fmt::Debug;
use std::sync::Once;
use std::time::Duration;

/// When set, the tests use this endpoint instead of starting minis3 (development loop only).
const ENDPOINT_VAR: &str = "MINIS3_SDK_TEST_ENDPOINT";
/// Bound on any one SDK operation, retries included, so a stuck server fails the test.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(120);
const MIB: usize = 1024 * 1024;

/// The server under test: a minis3 child on a temp data dir, or an external endpoint.
struct Server {
    endpoint: String,
    /// Declared before `_dir`, so the child is killed and its log read before the dir goes.
    _process: Option<Minis3Process>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    fn start() -> Server {
        keep_loopback_off_proxies();
        if let Some(endpoint) = std::env::var(ENDPOINT_VAR).ok().filter(|e| !e.is_empty()) {
            return Server {
                endpoint: endpoint.trim_end_matches('/').to_string(),
                _process: None,
                _dir: None,
            };
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let process =
            Minis3Process::serve(&dir.path().join("data"), &[], dir.path().join("minis3.log"));
        Server {
            endpoint: process.url().to_string(),
            _process: Some(process),
            _dir: Some(dir),
        }
    }

    fn client(&self) -> Client {
        s3_client(&self.endpoint, OPERATION_TIMEOUT, "minis3-sdk-test")
    }
}

/// The SDK's default client honours HTTP(S)_PROXY; loopback traffic must not go to a proxy.
fn keep_loopback_off_proxies() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let proxied = [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
        if proxied {
            for name in ["NO_PROXY", "no_proxy"] {
                let current = std::env::var(name).unwrap_or_default();
                let joined = [current.as_str(), "127.0.0.1", "localhost"]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(",");
                std::env::set_var(name, joined);
            }
        }
    });
}

/// Panics with the SDK's full error chain instead of its Debug dump.
trait Check<T> {
    fn check(self, what: &str) -> T;
}

impl<T, E: std::error::Error> Check<T> for Result<T, E> {
    #[track_caller]
    fn check(self, what: &str) -> T {
        match self {
            Ok(value) => value,
            Err(e) => panic!("{what} failed: {}", DisplayErrorContext(&e)),
        }
    }
}

/// The S3 error code of a call that must fail.
#[track_caller]
fn error_code<T: Debug, E: ProvideErrorMetadata + std::error::Error>(
    result: Result<T, E>,
    what: &str,
) -> String {
    match result {
        Ok(output) => panic!("{what} succeeded but must fail: {output:?}"),
        Err(e) => match e.code() {
            Some(code) => code.to_string(),
            None => panic!(
                "{what} failed without an S3 code: {}",
                DisplayErrorContext(&e)
            ),
        },
    }
}

/// A bucket name unique to this test and run (an external endpoint may be shared and reused).
fn bucket_name(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    format!("sdk-{test}-{}-{nanos:09}", std::process::id())
}

fn md5_etag(data: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(data)))
}

/// S3's multipart ETag: MD5 of the parts' binary MD5s, then `-<part count>`.
fn multipart_etag(parts: &[Vec<u8>]) -> String {
    let mut all = Md5::new();
    for part in parts {
        all.update(Md5::digest(part));
    }
    format!("\"{}-{}\"", hex::encode(all.finalize()), parts.len())
}

/// The base64 big-endian CRC32 that S3 reports in `x-amz-checksum-crc32`.
fn crc32_b64(data: &[u8]) -> String {
    let crc = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32IsoHdlc, data) as u32;
    base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes())
}

/// `x-amz-copy-source`: `bucket/key`, the key URL-encoded except for its slashes.
fn copy_source(bucket: &str, key: &str) -> String {
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    format!("{bucket}/{}", utf8_percent_encode(key, KEEP))
}

async fn create_bucket(client: &Client, bucket: &str) {
    client
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .check(&format!("create_bucket {bucket}"));
}

async fn put(client: &Client, bucket: &str, key: &str, data: &[u8]) {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .check(&format!("put_object {bucket}/{key}"));
}

async fn get_bytes(client: &Client, bucket: &str, key: &str) -> Bytes {
    client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .check(&format!("get_object {bucket}/{key}"))
        .body
        .collect()
        .await
        .check(&format!("reading get_object {bucket}/{key}"))
        .into_bytes()
}

/// Every key under `prefix`, through the SDK's paginator.
async fn all_keys(client: &Client, bucket: &str, prefix: &str) -> Vec<String> {
    let pages: Vec<_> = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send()
        .collect()
        .await;
    let mut keys = Vec::new();
    for page in pages {
        let page = page.check("list_objects_v2 page");
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
    }
    keys
}

#[tokio::test]
async fn buckets_create_head_list() {
    let server = Server::start();
    let client = server.client();
    let first = bucket_name("buckets-a");
    let second = bucket_name("buckets-b");
    create_bucket(&client, &first).await;
    create_bucket(&client, &second).await;

    client
        .head_bucket()
        .bucket(&first)
        .send()
        .await
        .check("head_bucket");

    let listed = client.list_buckets().send().await.check("list_buckets");
    let names: BTreeSet<&str> = listed.buckets().iter().filter_map(|b| b.name()).collect();
    assert!(
        names.contains(first.as_str()) && names.contains(second.as_str()),
        "list_buckets lacks ours: {names:?}"
    );
    for bucket in listed.buckets() {
        if bucket.name() == Some(first.as_str()) {
            assert!(
                bucket.creation_date().is_some(),
                "no CreationDate: {bucket:?}"
            );
        }
    }
    assert!(listed.owner().is_some(), "list_buckets has no Owner");

    let missing = client
        .head_bucket()
        .bucket(bucket_name("never-created"))
        .send()
        .await;
    let err = missing.expect_err("head_bucket of a missing bucket must fail");
    assert!(
        err.as_service_error().is_some_and(|e| e.is_not_found()),
        "head_bucket of a missing bucket: {}",
        DisplayErrorContext(&err)
    );
}

#[tokio::test]
async fn put_get_head_with_default_checksums() {
    let server = Server::start();
    let client = server.client();
    let bucket = bucket_name("objects");
    create_bucket(&client, &bucket).await;

    // Small object with content type and user metadata.
    let small = b"hello from the AWS SDK for Rust\n".to_vec();
    let put = client
        .put_object()
        .bucket(&bucket)
        .key("docs/hello.txt")
        .content_type("text/plain; charset=utf-8")
        .metadata("color", "blue")
        .metadata("owner-name", "sdk test")
        .body(ByteStream::from(small.clone()))
        .send()
        .await
        .check("put_object small");
    assert_eq!(put.e_tag(), Some(md5_etag(&small).as_str()));
    // The SDK sent its default CRC32 (aws-chunked trailer); the server validated and echoes it.
    assert_eq!(put.checksum_crc32(), Some(crc32_b64(&small).as_str()));

    let head = client
        .head_object()
        .bucket(&bucket)
        .key("docs/hello.txt")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .check("head_object small");
    assert_eq!(head.content_length(), Some(small.len() as i64));
    assert_eq!(head.content_type(), Some("text/plain; charset=utf-8"));
    assert_eq!(head.e_tag(), Some(md5_etag(&small).as_str()));
    assert_eq!(head.checksum_crc32(), Some(crc32_b64(&small).as_str()));
    let meta = head.metadata().expect("head_object has user metadata");
    assert_eq!(meta.get("color").map(String::as_str), Some("blue"));
    assert_eq!(meta.get("owner-name").map(String::as_str), Some("sdk test"));
    assert!(
        head.last_modified().is_some(),
        "head_object has no Last-Modified"
    );

    let got = client
        .get_object()
        .bucket(&bucket)
        .key("docs/hello.txt")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .check("get_object small");
    assert_eq!(got.checksum_crc32(), Some(crc32_b64(&small).as_str()));
    assert_eq!(got.content_type(), Some("text/plain; charset=utf-8"));
    assert_eq!(
        got.metadata()
            .and_then(|m| m.get("color"))
            .map(String::as_str),
        Some("blue")
    );
    // With checksum mode on, the SDK also checks the body against the returned CRC32 as it reads.
    let body = got.body.collect().await.check("reading small").into_bytes();
    assert_eq!(&body[..], &small[..]);

    // A ~3 MiB file. A streaming body makes the SDK send aws-chunked with the CRC32 as a trailer
    // (an in-memory body, as above, gets the CRC32 as a header).
    let large = pattern(3 * MIB + 12_345, 7);
    let files = tempfile::tempdir().expect("temp dir");
    let path = files.path().join("large.bin");
    std::fs::write(&path, &large).expect("write the large file");
    let put = client
        .put_object()
        .bucket(&bucket)
        .key("blobs/large.bin")
        .body(
            ByteStream::from_path(&path)
                .await
                .check("ByteStream::from_path"),
        )
        .send()
        .await
        .check("put_object large");
    assert_eq!(put.e_tag(), Some(md5_etag(&large).as_str()));
    assert_eq!(put.checksum_crc32(), Some(crc32_b64(&large).as_str()));

    let got = client
        .get_object()
        .bucket(&bucket)
        .key("blobs/large.bin")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .check("get_object large");
    assert_eq!(got.content_length(), Some(large.len() as i64));
    assert_eq!(got.checksum_crc32(), Some(crc32_b64(&large).as_str()));
    let body = got.body.collect().await.check("reading large").into_bytes();
    assert_eq!(body.len(), large.len());
    assert!(body[..] == large[..], "large body differs");

    // A range read of the large object.
    let ranged = client
        .get_object()
        .bucket(&bucket)
        .key("blobs/large.bin")
        .range("bytes=1048576-1048675")
        .send()
        .await
        .check("get_object range");
    assert_eq!(ranged.content_length(), Some(100));
    let body = ranged
        .body
        .collect()
        .await
        .check("reading range")
        .into_bytes();
    assert_eq!(&body[..], &large[MIB..MIB + 100]);
}

#[tokio::test]
async fn list_objects_v2_prefix_delimiter_and_pagination() {
    let server = Server::start();
    let client = server.client();
    let bucket = bucket_name("listing");
    create_bucket(&client, &bucket).await;

    let mut expected: Vec<String> = (0..15).map(|i| format!("many/key-{i:02}")).collect();
    for key in &expected {
        put(&client, &bucket, key, key.as_bytes()).await;
    }
    for key in [
        "tree/a/1.txt",
        "tree/a/2.txt",
        "tree/b/1.txt",
        "tree/top.txt",
    ] {
        put(&client, &bucket, key, b"x").await;
    }

    // Pagination: 15 keys, 4 a page.
    let pages: Vec<_> = client
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("many/")
        .max_keys(4)
        .into_paginator()
        .send()
        .collect()
        .await;
    let mut keys = Vec::new();
    let mut sizes = Vec::new();
    for (i, page) in pages.into_iter().enumerate() {
        let page = page.check(&format!("list_objects_v2 page {i}"));
        assert_eq!(page.max_keys(), Some(4));
        sizes.push(page.contents().len());
        assert_eq!(page.key_count(), Some(page.contents().len() as i32));
        for object in page.contents() {
            let key = object.key().expect("listed object has a key").to_string();
            assert_eq!(object.size(), Some(key.len() as i64), "size of {key}");
            assert_eq!(object.e_tag(), Some(md5_etag(key.as_bytes()).as_str()));
            keys.push(key);
        }
    }
    assert_eq!(sizes, vec![4, 4, 4, 3], "page sizes");
    expected.sort();
    assert_eq!(keys, expected, "paginated keys, in order");

    // Delimiter: one level of the tree.
    let level = client
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("tree/")
        .delimiter("/")
        .send()
        .await
        .check("list_objects_v2 delimiter");
    let prefixes: Vec<&str> = level
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, vec!["tree/a/", "tree/b/"]);
    let direct: Vec<&str> = level.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(direct, vec!["tree/top.txt"]);
    assert_eq!(level.delimiter(), Some("/"));
    assert_eq!(level.is_truncated(), Some(false));

    // A deeper prefix lists its keys.
    let inner = client
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("tree/a/")
        .delimiter("/")
        .send()
        .await
        .check("list_objects_v2 inner prefix");
    let keys: Vec<&str> = inner.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, vec!["tree/a/1.txt", "tree/a/2.txt"]);
    assert!(inner.common_prefixes().is_empty());

    // Delimiter with pagination: common prefixes count towards max_keys and are not repeated.
    let pages: Vec<_> = client
        .list_objects_v2()
        .bucket(&bucket)
        .delimiter("/")
        .max_keys(1)
        .into_paginator()
        .send()
        .collect()
        .await;
    let mut seen = Vec::new();
    for page in pages {
        let page = page.check("list_objects_v2 delimiter page");
        seen.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_string)),
        );
        seen.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
    }
    assert_eq!(seen, vec!["many/", "tree/"]);
}

#[tokio::test]
async fn multipart_upload_complete_and_abort() {
    let server = Server::start();
    let client = server.client();
    let bucket = bucket_name("multipart");
    create_bucket(&client, &bucket).await;
    let key = "uploads/eleven-mib.bin";

    let parts = vec![pattern(5 * MIB, 1), pattern(5 * MIB, 2), pattern(MIB, 3)];
    let created = client
        .create_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .content_type("application/x-test")
        .metadata("purpose", "multipart")
        .send()
        .await
        .check("create_multipart_upload");
    assert_eq!(created.bucket(), Some(bucket.as_str()));
    assert_eq!(created.key(), Some(key));
    let upload_id = created.upload_id().expect("an UploadId").to_string();

    let mut completed = Vec::new();
    // Part 2 streams from a file (aws-chunked, CRC32 trailer); parts 1 and 3 are in memory.
    let files = tempfile::tempdir().expect("temp dir");
    let path = files.path().join("upload.bin");
    std::fs::write(&path, parts.concat()).expect("write the upload file");
    for (i, data) in parts.iter().enumerate() {
        let number = i as i32 + 1;
        let body = if number == 2 {
            ByteStream::read_from()
                .path(&path)
                .offset(parts[0].len() as u64)
                .length(Length::Exact(data.len() as u64))
                .build()
                .await
                .check("ByteStream::read_from part 2")
        } else {
            ByteStream::from(data.clone())
        };
        let out = client
            .upload_part()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .part_number(number)
            .body(body)
            .send()
            .await
            .check(&format!("upload_part {number}"));
        assert_eq!(
            out.e_tag(),
            Some(md5_etag(data).as_str()),
            "part {number} ETag"
        );
        assert_eq!(
            out.checksum_crc32(),
            Some(crc32_b64(data).as_str()),
            "part {number} CRC32"
        );
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(out.e_tag().expect("part ETag"))
                .build(),
        );
    }

    let listed = client
        .list_parts()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .send()
        .await
        .check("list_parts");
    let seen: Vec<(Option<i32>, Option<i64>)> = listed
        .parts()
        .iter()
        .map(|p| (p.part_number(), p.size()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (Some(1), Some(5 * MIB as i64)),
            (Some(2), Some(5 * MIB as i64)),
            (Some(3), Some(MIB as i64)),
        ]
    );

    let done = client
        .complete_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        )
        .send()
        .await
        .check("complete_multipart_upload");
    let etag = done.e_tag().expect("completed upload has an ETag");
    assert!(etag.trim_matches('"').ends_with("-3"), "ETag {etag}");
    assert_eq!(etag, multipart_etag(&parts));

    let got = client
        .get_object()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .check("get_object multipart");
    assert_eq!(got.content_length(), Some(11 * MIB as i64));
    assert_eq!(got.e_tag(), Some(etag));
    assert_eq!(got.content_type(), Some("application/x-test"));
    assert_eq!(
        got.metadata()
            .and_then(|m| m.get("purpose"))
            .map(String::as_str),
        Some("multipart")
    );
    let body = got
        .body
        .collect()
        .await
        .check("reading multipart")
        .into_bytes();
    assert!(body[..] == parts.concat()[..], "multipart body differs");

    // The completed upload is gone: its parts can no longer be listed.
    let code = error_code(
        client
            .list_parts()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .send()
            .await,
        "list_parts of a completed upload",
    );
    assert_eq!(code, "NoSuchUpload");

    // Abort another upload: list_parts then answers NoSuchUpload and no object appears.
    let other_key = "uploads/aborted.bin";
    let other = client
        .create_multipart_upload()
        .bucket(&bucket)
        .key(other_key)
        .send()
        .await
        .check("create_multipart_upload (to abort)");
    let other_id = other.upload_id().expect("an UploadId").to_string();
    assert_ne!(other_id, upload_id);
    client
        .upload_part()
        .bucket(&bucket)
        .key(other_key)
        .upload_id(&other_id)
        .part_number(1)
        .body(ByteStream::from(pattern(1000, 9)))
        .send()
        .await
        .check("upload_part (to abort)");
    client
        .abort_multipart_upload()
        .bucket(&bucket)
        .key(other_key)
        .upload_id(&other_id)
        .send()
        .await
        .check("abort_multipart_upload");
    let code = error_code(
        client
            .list_parts()
            .bucket(&bucket)
            .key(other_key)
            .upload_id(&other_id)
            .send()
            .await,
        "list_parts of an aborted upload",
    );
    assert_eq!(code, "NoSuchUpload");
    let code = error_code(
        client
            .get_object()
            .bucket(&bucket)
            .key(other_key)
            .send()
            .await,
        "get_object of an aborted upload's key",
    );
    assert_eq!(code, "NoSuchKey");
}

#[tokio::test]
async fn copy_object_within_and_across_buckets() {
    let server = Server::start();
    let client = server.client();
    let source_bucket = bucket_name("copy-src");
    let target_bucket = bucket_name("copy-dst");
    create_bucket(&client, &source_bucket).await;
    create_bucket(&client, &target_bucket).await;

    // A key that needs URL-encoding in x-amz-copy-source.
    let source_key = "originals/report 2024+final (v2).txt";
    let data = pattern(200_000, 11);
    client
        .put_object()
        .bucket(&source_bucket)
        .key(source_key)
        .content_type("text/x-report")
        .metadata("author", "copy-test")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .check("put_object copy source");

    let cases = [
        (source_bucket.as_str(), "copies/same bucket.txt"),
        (target_bucket.as_str(), "copies/other bucket.txt"),
    ];
    for (bucket, key) in cases {
        let copied = client
            .copy_object()
            .bucket(bucket)
            .key(key)
            .copy_source(copy_source(&source_bucket, source_key))
            .send()
            .await
            .check(&format!("copy_object to {bucket}/{key}"));
        let Some(result) = copied.copy_object_result() else {
            panic!("copy_object to {bucket}/{key} returned no CopyObjectResult: {copied:?}");
        };
        assert_eq!(result.e_tag(), Some(md5_etag(&data).as_str()), "copy ETag");
        assert!(result.last_modified().is_some(), "copy has no LastModified");

        let head = client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .check(&format!("head_object {bucket}/{key}"));
        assert_eq!(head.content_length(), Some(data.len() as i64));
        assert_eq!(head.content_type(), Some("text/x-report"));
        assert_eq!(
            head.metadata()
                .and_then(|m| m.get("author"))
                .map(String::as_str),
            Some("copy-test"),
            "metadata of {bucket}/{key}"
        );
        let body = get_bytes(&client, bucket, key).await;
        assert!(body[..] == data[..], "copy {bucket}/{key} differs");
    }

    // The source is untouched.
    let body = get_bytes(&client, &source_bucket, source_key).await;
    assert!(body[..] == data[..], "source changed by the copies");

    // Copying a missing source fails with NoSuchKey.
    let code = error_code(
        client
            .copy_object()
            .bucket(&target_bucket)
            .key("copies/never")
            .copy_source(copy_source(&source_bucket, "originals/missing.txt"))
            .send()
            .await,
        "copy_object of a missing source",
    );
    assert_eq!(code, "NoSuchKey");
}

#[tokio::test]
async fn delete_object_and_batch_delete() {
    let server = Server::start();
    let client = server.client();
    let bucket = bucket_name("delete");
    create_bucket(&client, &bucket).await;

    let keys: Vec<String> = (0..6).map(|i| format!("trash/item-{i}")).collect();
    for key in &keys {
        put(&client, &bucket, key, key.as_bytes()).await;
    }
    assert_eq!(all_keys(&client, &bucket, "").await, keys);

    client
        .delete_object()
        .bucket(&bucket)
        .key(&keys[0])
        .send()
        .await
        .check("delete_object");
    let code = error_code(
        client
            .get_object()
            .bucket(&bucket)
            .key(&keys[0])
            .send()
            .await,
        "get_object after delete_object",
    );
    assert_eq!(code, "NoSuchKey");
    // Deleting a missing key succeeds, as in S3.
    client
        .delete_object()
        .bucket(&bucket)
        .key("trash/never-existed")
        .send()
        .await
        .check("delete_object of a missing key");

    let objects: Vec<ObjectIdentifier> = keys[1..]
        .iter()
        .map(|k| ObjectIdentifier::builder().key(k).build().expect("key set"))
        .collect();
    let deleted = client
        .delete_objects()
        .bucket(&bucket)
        .delete(
            Delete::builder()
                .set_objects(Some(objects))
                .build()
                .expect("objects set"),
        )
        .send()
        .await
        .check("delete_objects");
    assert!(
        deleted.errors().is_empty(),
        "batch errors: {:?}",
        deleted.errors()
    );
    let mut gone: Vec<&str> = deleted.deleted().iter().filter_map(|d| d.key()).collect();
    gone.sort();
    assert_eq!(
        gone,
        keys[1..].iter().map(String::as_str).collect::<Vec<_>>()
    );

    let listed = client
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .check("list_objects_v2 after deletes");
    assert!(
        listed.contents().is_empty(),
        "left: {:?}",
        listed.contents()
    );
    assert_eq!(listed.key_count(), Some(0));

    // The empty bucket can go too.
    client
        .delete_bucket()
        .bucket(&bucket)
        .send()
        .await
        .check("delete_bucket");
    let err = client
        .head_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect_err("head_bucket of a deleted bucket must fail");
    assert!(
        err.as_service_error().is_some_and(|e| e.is_not_found()),
        "head_bucket after delete_bucket: {}",
        DisplayErrorContext(&err)
    );
}

#[tokio::test]
async fn presigned_get_and_put_with_a_plain_http_client() {
    let server = Server::start();
    let client = server.client();
    let bucket = bucket_name("presign");
    create_bucket(&client, &bucket).await;
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let presigning = PresigningConfig::expires_in(Duration::from_secs(600)).expect("expiry");

    // Presigned PUT, with a signed Content-Type.
    let data = pattern(300_000, 21);
    let request = client
        .put_object()
        .bucket(&bucket)
        .key("presigned/put.bin")
        .content_type("application/x-presigned")
        .presigned(presigning.clone())
        .await
        .check("presign put_object");
    assert!(
        request.uri().contains("X-Amz-Signature="),
        "not a query-signed URL: {}",
        request.uri()
    );
    let response = http
        .request(request.make_http_1x_request(Full::new(Bytes::from(data.clone()))))
        .await
        .expect("presigned PUT request");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("PUT body")
        .to_bytes();
    assert_eq!(
        status,
        200,
        "presigned PUT: {}",
        String::from_utf8_lossy(&body)
    );
    let head = client
        .head_object()
        .bucket(&bucket)
        .key("presigned/put.bin")
        .send()
        .await
        .check("head_object presigned PUT");
    assert_eq!(head.content_type(), Some("application/x-presigned"));
    assert_eq!(head.e_tag(), Some(md5_etag(&data).as_str()));
    assert!(get_bytes(&client, &bucket, "presigned/put.bin").await[..] == data[..]);

    // Presigned GET of an object the SDK uploaded.
    let other = pattern(123_457, 22);
    put(&client, &bucket, "presigned/get.bin", &other).await;
    let request = client
        .get_object()
        .bucket(&bucket)
        .key("presigned/get.bin")
        .presigned(presigning)
        .await
        .check("presign get_object");
    let response = http
        .request(request.make_http_1x_request(Full::new(Bytes::new())))
        .await
        .expect("presigned GET request");
    let status = response.status();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("GET body")
        .to_bytes();
    assert_eq!(
        status,
        200,
        "presigned GET: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(etag, Some(md5_etag(&other)));
    assert!(body[..] == other[..], "presigned GET body differs");
}

#[tokio::test]
async fn error_codes() {
    let server = Server::start();
    let client = server.client();
    let bucket = bucket_name("errors");
    create_bucket(&client, &bucket).await;

    let result = client
        .get_object()
        .bucket(&bucket)
        .key("no/such/key")
        .send()
        .await;
    let err = result.expect_err("get_object of a missing key must fail");
    assert_eq!(
        err.code(),
        Some("NoSuchKey"),
        "{}",
        DisplayErrorContext(&err)
    );
    assert!(err.as_service_error().is_some_and(|e| e.is_no_such_key()));

    // minis3 answers as S3 does outside us-east-1 (where S3 itself answers 200 for legacy reasons).
    let code = error_code(
        client.create_bucket().bucket(&bucket).send().await,
        "create_bucket of an existing bucket",
    );
    assert_eq!(code, "BucketAlreadyOwnedByYou");

    let code = error_code(
        client
            .get_object()
            .bucket(bucket_name("never-created"))
            .key("k")
            .send()
            .await,
        "get_object in a missing bucket",
    );
    assert_eq!(code, "NoSuchBucket");
}
