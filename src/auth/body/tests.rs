//! RequestBody tests: plain bodies with and without a signed hash, lengths, stream errors, and
//! aws-chunked bodies end to end from `authenticate`.

use super::*;
use crate::auth::chunked::ChunkedEncoder;
use crate::auth::sigv4::{self, sha256_hex, SigningParams};
use crate::auth::testutil::{self, cfg, hdrs, parts, stream_in, stream_then_error, time};
use crate::auth::ChunkSigning;
use crate::error::ErrorCode;

async fn drain(body: &mut RequestBody) -> (Vec<u8>, Result<(), S3Error>) {
    let mut out = Vec::new();
    loop {
        match body.next().await {
            Ok(Some(b)) => out.extend_from_slice(&b),
            Ok(None) => return (out, Ok(())),
            Err(e) => return (out, Err(e)),
        }
    }
}

#[tokio::test]
async fn unsigned_plain_body_passes_through() {
    let data = b"some bytes of a body".to_vec();
    let mut body = RequestBody::new(
        stream_in(&data, &[3, 1]),
        PayloadMode::Unsigned,
        Some(data.len() as u64),
    );
    let (out, res) = drain(&mut body).await;
    assert!(res.is_ok());
    assert_eq!(out, data);
    // After the end, the end again.
    assert!(body.next().await.unwrap().is_none());
    assert!(body.trailers().is_empty());
}

#[tokio::test]
async fn plain_body_length_is_checked() {
    let data = b"0123456789";
    let mut body = RequestBody::new(stream_in(data, &[4]), PayloadMode::Unsigned, Some(11));
    let (_, res) = drain(&mut body).await;
    assert_eq!(res.unwrap_err().code, ErrorCode::IncompleteBody);
    let mut body = RequestBody::new(stream_in(data, &[4]), PayloadMode::Unsigned, Some(9));
    assert_eq!(
        drain(&mut body).await.1.unwrap_err().code,
        ErrorCode::IncompleteBody
    );
    let mut body = RequestBody::new(stream_in(data, &[4]), PayloadMode::Unsigned, None);
    assert!(drain(&mut body).await.1.is_ok());
}

#[tokio::test]
async fn sha256_body_is_verified_at_the_end() {
    let data = b"Welcome to Amazon S3.";
    let hash = sha256_hex(data);
    assert_eq!(
        hash,
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
    );
    let mut body = RequestBody::new(
        stream_in(data, &[5]),
        PayloadMode::Sha256(hash.clone()),
        Some(21),
    );
    let (out, res) = drain(&mut body).await;
    assert!(res.is_ok());
    assert_eq!(out, data);

    let other = b"Welcome to Amazon S4.";
    let mut body = RequestBody::new(
        stream_in(other, &[5]),
        PayloadMode::Sha256(hash.clone()),
        Some(21),
    );
    let (out, res) = drain(&mut body).await;
    assert_eq!(out, other, "data flows before the check");
    let err = res.unwrap_err();
    assert_eq!(err.code, ErrorCode::XAmzContentSHA256Mismatch);
    assert_eq!(
        err.details,
        vec![
            ("ClientComputedContentSHA256", hash),
            ("S3ComputedContentSHA256", sha256_hex(other))
        ]
    );
    // The failure sticks.
    assert_eq!(
        body.next().await.unwrap_err().code,
        ErrorCode::XAmzContentSHA256Mismatch
    );
}

#[tokio::test]
async fn stream_errors_are_incomplete_body() {
    let mut body = RequestBody::new(
        stream_then_error(b"partial"),
        PayloadMode::Unsigned,
        Some(100),
    );
    let (out, res) = drain(&mut body).await;
    assert_eq!(out, b"partial");
    assert_eq!(res.unwrap_err().code, ErrorCode::IncompleteBody);
    let mode = PayloadMode::Chunked {
        signing: None,
        trailer: false,
    };
    let mut body = RequestBody::new(stream_then_error(b"5\r\nhel"), mode, Some(5));
    assert_eq!(
        drain(&mut body).await.1.unwrap_err().code,
        ErrorCode::IncompleteBody
    );
}

#[tokio::test]
async fn read_to_end_limits() {
    let data = vec![7u8; 1000];
    let mut body = RequestBody::new(stream_in(&data, &[100]), PayloadMode::Unsigned, Some(1000));
    assert_eq!(body.read_to_end(1000).await.unwrap().len(), 1000);
    let mut body = RequestBody::new(stream_in(&data, &[100]), PayloadMode::Unsigned, Some(1000));
    assert_eq!(
        body.read_to_end(999).await.unwrap_err().code,
        ErrorCode::EntityTooLarge
    );
}

/// The S3 documentation's chunked upload, from request headers to the last byte.
#[tokio::test]
async fn s3_chunked_example_end_to_end() {
    let ex = testutil::s3_examples();
    let case = &ex["chunked_examples"][0];
    let mut headers: Vec<(String, String)> = case["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    headers.push((
        "authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/{}, SignedHeaders={}, Signature={}",
            ex["scope"].as_str().unwrap(),
            case["signed_headers"].as_str().unwrap(),
            case["seed_signature"].as_str().unwrap()
        ),
    ));
    let config = cfg("AKIAIOSFODNN7EXAMPLE", ex["secret_key"].as_str().unwrap());
    let auth = crate::auth::authenticate(
        &parts("PUT", case["path"].as_str().unwrap(), "", &headers),
        &config,
        time("20130524T000000Z"),
    )
    .unwrap();
    let PayloadMode::Chunked {
        signing: Some(signing),
        ..
    } = &auth.payload
    else {
        panic!("{:?}", auth.payload);
    };

    let mut enc = ChunkedEncoder::new(Some(signing.clone()));
    let mut raw = enc.chunk(&[b'a'; 65536]);
    raw.extend(enc.chunk(&[b'a'; 1024]));
    raw.extend(enc.finish(None));
    assert_eq!(raw.len(), 66824);

    for sizes in [&[1][..], &[1000, 7], &[usize::MAX]] {
        let mut body = RequestBody::new(stream_in(&raw, sizes), auth.payload.clone(), Some(66560));
        let (out, res) = drain(&mut body).await;
        assert!(res.is_ok(), "{sizes:?}: {res:?}");
        assert_eq!(out.len(), 66560);
        assert!(out.iter().all(|&b| b == b'a'));
    }
    // Announced decoded length wrong either way.
    for len in [66559, 66561] {
        let mut body = RequestBody::new(stream_in(&raw, &[4096]), auth.payload.clone(), Some(len));
        assert_eq!(
            drain(&mut body).await.1.unwrap_err().code,
            ErrorCode::IncompleteBody,
            "{len}"
        );
    }
    // A corrupted data byte breaks its chunk's signature.
    let mut bad = raw.clone();
    bad[66_000] = b'b'; // inside the second chunk's data
    let mut body = RequestBody::new(stream_in(&bad, &[4096]), auth.payload.clone(), Some(66560));
    assert_eq!(
        drain(&mut body).await.1.unwrap_err().code,
        ErrorCode::SignatureDoesNotMatch
    );
    // Truncated.
    let mut body = RequestBody::new(
        stream_in(&raw[..raw.len() - 10], &[4096]),
        auth.payload.clone(),
        Some(66560),
    );
    assert_eq!(
        drain(&mut body).await.1.unwrap_err().code,
        ErrorCode::IncompleteBody
    );
}

/// A client's path: our signer for the request, our encoder for the body, a checksum trailer.
#[tokio::test]
async fn signed_streaming_upload_with_trailer_round_trip() {
    let params = SigningParams {
        access_key: "AK",
        secret_key: "SK",
        region: "",
        service: "s3",
        time: time("20240102T030405Z"),
        session_token: None,
    };
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let mut headers = hdrs(&[
        ("host", "localhost:9000"),
        ("content-encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "100000"),
        ("x-amz-trailer", "x-amz-checksum-crc64nvme"),
    ]);
    let signed = sigv4::sign_request_headers(
        &params,
        "PUT",
        "/b/big",
        "",
        &headers,
        sigv4::STREAMING_PAYLOAD_TRAILER,
    );
    headers.extend(signed.headers.clone());
    let auth = crate::auth::authenticate(
        &parts("PUT", "/b/big", "", &headers),
        &cfg("AK", "SK"),
        params.time,
    )
    .unwrap();
    let PayloadMode::Chunked {
        signing: Some(s),
        trailer: true,
    } = &auth.payload
    else {
        panic!("{:?}", auth.payload);
    };
    assert_eq!(s.seed_signature, signed.signature);

    let crc = crate::checksum::checksum_of(crate::checksum::ChecksumAlgorithm::Crc64Nvme, &data);
    let mut enc = ChunkedEncoder::new(Some(signed.chunk_signing.clone()));
    let mut raw = Vec::new();
    for piece in data.chunks(65536) {
        raw.extend(enc.chunk(piece));
    }
    raw.extend(enc.finish(Some(&[(
        "x-amz-checksum-crc64nvme".to_string(),
        crc.clone(),
    )])));
    let mut body = RequestBody::new(
        stream_in(&raw, &[777, 3]),
        auth.payload.clone(),
        Some(100_000),
    );
    let (out, res) = drain(&mut body).await;
    assert!(res.is_ok(), "{res:?}");
    assert_eq!(out, data);
    assert_eq!(
        body.trailers(),
        &[("x-amz-checksum-crc64nvme".to_string(), crc)]
    );

    // The same body under another request's signature fails.
    let other = PayloadMode::Chunked {
        signing: Some(ChunkSigning {
            seed_signature: "f".repeat(64),
            ..s.clone()
        }),
        trailer: true,
    };
    let mut body = RequestBody::new(stream_in(&raw, &[777]), other, Some(100_000));
    assert_eq!(
        drain(&mut body).await.1.unwrap_err().code,
        ErrorCode::SignatureDoesNotMatch
    );
}

#[tokio::test]
async fn unsigned_trailer_body() {
    let data = b"abc".repeat(5000);
    let mut enc = ChunkedEncoder::new(None);
    let mut raw = enc.chunk(&data[..8192]);
    raw.extend(enc.chunk(&data[8192..]));
    raw.extend(enc.finish(Some(&[(
        "x-amz-checksum-crc32".to_string(),
        "AAAAAA==".to_string(),
    )])));
    let mode = PayloadMode::Chunked {
        signing: None,
        trailer: true,
    };
    let mut body = RequestBody::new(stream_in(&raw, &[1]), mode, Some(data.len() as u64));
    let (out, res) = drain(&mut body).await;
    assert!(res.is_ok(), "{res:?}");
    assert_eq!(out, data);
    assert_eq!(
        body.trailers(),
        &[("x-amz-checksum-crc32".to_string(), "AAAAAA==".to_string())]
    );
}
