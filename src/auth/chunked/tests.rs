//! aws-chunked decoder tests: the S3 documentation example, arbitrary raw piece boundaries,
//! signatures, trailers and malformed or truncated framing.

use super::*;
use crate::auth::sigv4::derive_signing_key;
use crate::auth::testutil;
use crate::checksum::{checksum_of, ChecksumAlgorithm};
use crate::error::ErrorCode;

fn example_signing() -> ChunkSigning {
    let ex = testutil::s3_examples();
    ChunkSigning {
        signing_key: derive_signing_key(
            ex["secret_key"].as_str().unwrap(),
            "20130524",
            "us-east-1",
            "s3",
        ),
        amz_date: "20130524T000000Z".into(),
        scope: ex["scope"].as_str().unwrap().into(),
        seed_signature: ex["chunked_examples"][0]["seed_signature"]
            .as_str()
            .unwrap()
            .into(),
    }
}

/// The documented body: 65536 + 1024 bytes of `a`, then the final chunk.
fn example_body() -> Vec<u8> {
    let mut enc = ChunkedEncoder::new(Some(example_signing()));
    let mut body = enc.chunk(&[b'a'; 65536]);
    body.extend(enc.chunk(&[b'a'; 1024]));
    body.extend(enc.finish(None));
    body
}

struct Decoded {
    data: Vec<u8>,
    result: Result<(), S3Error>,
    trailers: Vec<(String, String)>,
}

/// Feeds `raw` in pieces of the given sizes (cycling), then ends the stream.
fn decode_in(decoder: &mut ChunkedDecoder, raw: &[u8], sizes: &[usize]) -> Decoded {
    let mut data = Vec::new();
    let mut rest = raw;
    let mut i = 0;
    let result = (|| {
        while !rest.is_empty() {
            let n = sizes[i % sizes.len()].min(rest.len());
            i += 1;
            let mut piece = Bytes::copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            while let Some(out) = decoder.decode(&mut piece)? {
                assert!(!out.is_empty());
                data.extend_from_slice(&out);
            }
            assert!(piece.is_empty());
        }
        decoder.finish()
    })();
    Decoded {
        data,
        result,
        trailers: decoder.take_trailers(),
    }
}

fn decode(signing: Option<ChunkSigning>, trailer: bool, raw: &[u8], sizes: &[usize]) -> Decoded {
    decode_in(&mut ChunkedDecoder::new(signing, trailer), raw, sizes)
}

#[test]
fn s3_example_chunk_signatures() {
    let ex = testutil::s3_examples();
    let case = &ex["chunked_examples"][0];
    let s = example_signing();
    let mut previous = s.seed_signature.clone();
    for chunk in case["chunks"].as_array().unwrap() {
        let size = chunk["size"].as_u64().unwrap() as usize;
        let sts = chunk_string_to_sign(
            &s.amz_date,
            &s.scope,
            &previous,
            &sha256_hex(&vec![b'a'; size]),
        );
        assert_eq!(sts, chunk["string_to_sign"].as_str().unwrap());
        previous = calculate_signature(&s.signing_key, &sts);
        assert_eq!(previous, chunk["signature"].as_str().unwrap());
    }
    let body = example_body();
    assert_eq!(
        body.len() as u64,
        case["encoded_body_length"].as_u64().unwrap()
    );
    let text = String::from_utf8_lossy(&body);
    for chunk in case["chunks"].as_array().unwrap() {
        let header = format!(
            "{:x};chunk-signature={}\r\n",
            chunk["size"].as_u64().unwrap(),
            chunk["signature"].as_str().unwrap()
        );
        assert!(text.contains(&header), "{header}");
    }
}

#[test]
fn s3_example_decodes_across_any_piece_boundaries() {
    let body = example_body();
    for sizes in [
        &[usize::MAX][..],
        &[1],
        &[7, 13, 1],
        &[4099],
        &[65536 + 88],
        &[86, 2, 65535],
    ] {
        let out = decode(Some(example_signing()), false, &body, sizes);
        assert!(out.result.is_ok(), "{sizes:?}: {:?}", out.result);
        assert_eq!(out.data.len(), 66560, "{sizes:?}");
        assert!(out.data.iter().all(|&b| b == b'a'));
        assert!(out.trailers.is_empty());
    }
}

#[test]
fn data_is_handed_on_before_the_chunk_ends() {
    let body = example_body();
    let mut decoder = ChunkedDecoder::new(Some(example_signing()), false);
    let mut piece = Bytes::copy_from_slice(&body[..1000]);
    let out = decoder.decode(&mut piece).unwrap().unwrap();
    assert_eq!(out.len(), 1000 - 88);
    assert!(decoder.decode(&mut piece).unwrap().is_none());
    assert!(!decoder.is_done());
}

#[test]
fn bad_chunk_signatures_fail_at_the_end_of_that_chunk() {
    let body = example_body();
    let ex = testutil::s3_examples();
    let chunks = ex["chunked_examples"][0]["chunks"].as_array().unwrap();
    for (i, chunk) in chunks.iter().enumerate() {
        let sig = chunk["signature"].as_str().unwrap();
        let bad = body
            .windows(sig.len())
            .position(|w| w == sig.as_bytes())
            .map(|pos| {
                let mut b = body.clone();
                b[pos] = if b[pos] == b'0' { b'1' } else { b'0' };
                b
            })
            .unwrap();
        let out = decode(Some(example_signing()), false, &bad, &[333]);
        let err = out.result.unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch, "chunk {i}");
        // The chunks before the bad one, and the bad one's data, were passed on.
        let expected = [65536, 66560, 66560][i];
        assert_eq!(out.data.len(), expected, "chunk {i}");
    }
    // Signed with another seed (another request): the first chunk already fails.
    let mut other = example_signing();
    other.seed_signature = "0".repeat(64);
    let out = decode(Some(other), false, &body, &[usize::MAX]);
    assert_eq!(
        out.result.unwrap_err().code,
        ErrorCode::SignatureDoesNotMatch
    );
}

#[test]
fn unsigned_trailer_with_crc32() {
    let data = b"hello world, in a few chunks";
    let crc = checksum_of(ChecksumAlgorithm::Crc32, data);
    let mut enc = ChunkedEncoder::new(None);
    let mut body = enc.chunk(&data[..5]);
    body.extend(enc.chunk(&data[5..]));
    body.extend(enc.finish(Some(&[("X-Amz-Checksum-CRC32".to_string(), crc.clone())])));
    assert!(body.ends_with(format!("0\r\nX-Amz-Checksum-CRC32:{crc}\r\n\r\n").as_bytes()));
    for sizes in [&[1][..], &[3, 5], &[usize::MAX]] {
        let out = decode(None, true, &body, sizes);
        assert!(out.result.is_ok(), "{:?}", out.result);
        assert_eq!(out.data, data);
        assert_eq!(
            out.trailers,
            vec![("x-amz-checksum-crc32".to_string(), crc.clone())]
        );
    }
    // Some SDKs end the stream without the closing CRLF after the trailers.
    let out = decode(None, true, &body[..body.len() - 2], &[4]);
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(out.trailers.len(), 1);
    // But not in the middle of a trailer line.
    let out = decode(None, true, &body[..body.len() - 4], &[4]);
    assert_eq!(out.result.unwrap_err().code, ErrorCode::IncompleteBody);
}

#[test]
fn signed_trailer() {
    let signing = example_signing();
    let data = vec![b'z'; 70_000];
    let trailers = vec![(
        "x-amz-checksum-crc32c".to_string(),
        checksum_of(ChecksumAlgorithm::Crc32c, &data),
    )];
    let mut enc = ChunkedEncoder::new(Some(signing.clone()));
    let mut body = enc.chunk(&data[..65536]);
    body.extend(enc.chunk(&data[65536..]));
    body.extend(enc.finish(Some(&trailers)));
    let out = decode(Some(signing.clone()), true, &body, &[1000, 1]);
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(out.data, data);
    assert_eq!(out.trailers, trailers);

    // A changed trailer value no longer matches the trailer signature.
    let text = String::from_utf8(body.clone()).unwrap();
    let tampered = text.replace(&trailers[0].1, "AAAAAA==");
    let out = decode(
        Some(signing.clone()),
        true,
        tampered.as_bytes(),
        &[usize::MAX],
    );
    assert_eq!(
        out.result.unwrap_err().code,
        ErrorCode::SignatureDoesNotMatch
    );

    // Without its signature line the signed trailer is refused.
    let start = text.find("x-amz-trailer-signature:").unwrap();
    let stripped = format!("{}\r\n", &text[..start]);
    let out = decode(
        Some(signing.clone()),
        true,
        stripped.as_bytes(),
        &[usize::MAX],
    );
    assert_eq!(out.result.unwrap_err().code, ErrorCode::InvalidRequest);

    // The string to sign is the documented shape.
    let sts = trailer_string_to_sign("D", "S", "P", &trailers);
    let canonical = format!("x-amz-checksum-crc32c:{}\n", trailers[0].1);
    assert_eq!(
        sts,
        format!(
            "AWS4-HMAC-SHA256-TRAILER\nD\nS\nP\n{}",
            sha256_hex(canonical.as_bytes())
        )
    );
}

#[test]
fn every_truncation_is_an_error() {
    let mut enc = ChunkedEncoder::new(Some(example_signing()));
    let mut body = enc.chunk(b"0123456789");
    body.extend(enc.chunk(b"abc"));
    body.extend(enc.finish(None));
    assert!(decode(Some(example_signing()), false, &body, &[2])
        .result
        .is_ok());
    for cut in 0..body.len() {
        let out = decode(Some(example_signing()), false, &body[..cut], &[3]);
        let err = out.result.unwrap_err();
        assert_eq!(err.code, ErrorCode::IncompleteBody, "cut at {cut}: {err:?}");
    }
    // Trailer variant: only the closing CRLF may be missing.
    let mut enc = ChunkedEncoder::new(None);
    let mut body = enc.chunk(b"0123456789");
    body.extend(enc.finish(Some(&[(
        "x-amz-checksum-crc32".to_string(),
        "AAAAAA==".to_string(),
    )])));
    for cut in 0..body.len() {
        let out = decode(None, true, &body[..cut], &[1]);
        if cut == body.len() - 2 {
            assert!(out.result.is_ok());
        } else {
            assert!(out.result.is_err(), "cut at {cut}");
        }
    }
}

#[test]
fn malformed_framing() {
    let cases: &[(&[u8], bool)] = &[
        (b"zz\r\nhello\r\n0\r\n\r\n", false),
        (b"\r\n", false),
        (b"5\nhello\r\n0\r\n\r\n", false),
        (b"5\r\nhelloX\r\n0\r\n\r\n", false),
        (b"5\r\nhello\n0\r\n\r\n", false),
        (b"5\r\nhello\r\n0\r\n\r\nextra", false),
        (b"5\r\nhello\r\n0\r\nX", false),
        (b"11111111111111111\r\n", false),
        (b"-5\r\nhello\r\n0\r\n\r\n", false),
        (b"0\r\nno-colon-here\r\n\r\n", true),
        (b"0\r\n:value\r\n\r\n", true),
    ];
    for (raw, trailer) in cases {
        let out = decode(None, *trailer, raw, &[usize::MAX]);
        let err = out.result.unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::InvalidRequest,
            "{:?}: {err:?}",
            String::from_utf8_lossy(raw)
        );
    }
    // A header line that never ends is cut off rather than buffered.
    let long = vec![b'1'; 10_000];
    let out = decode(None, false, &long, &[100]);
    assert_eq!(out.result.unwrap_err().code, ErrorCode::InvalidRequest);
    // Signed variants need a chunk-signature on every chunk header.
    let out = decode(
        Some(example_signing()),
        false,
        b"5\r\nhello\r\n",
        &[usize::MAX],
    );
    assert_eq!(out.result.unwrap_err().code, ErrorCode::InvalidRequest);
    // Unsigned framing with upper-case hex and ignored extensions is fine.
    let out = decode(
        None,
        false,
        b"A;foo=bar\r\n0123456789\r\n0\r\n\r\n",
        &[usize::MAX],
    );
    assert!(out.result.is_ok());
    assert_eq!(out.data, b"0123456789");
}

#[test]
fn encoder_without_trailer_matches_documented_layout() {
    let mut enc = ChunkedEncoder::new(None);
    let mut body = enc.chunk(b"hello");
    body.extend(enc.chunk(b""));
    body.extend(enc.finish(None));
    assert_eq!(body, b"5\r\nhello\r\n0\r\n\r\n");
    assert_eq!(
        canonical_trailers(&[("B".into(), " 2 ".into()), ("a".into(), "1".into())]),
        "a:1\nb:2\n"
    );
}
