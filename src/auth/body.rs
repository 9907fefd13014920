//! The request body as handlers read it: decoded from aws-chunked and verified against the signature.
//!
//! Bytes are handed on as they arrive (memory stays bounded by the HTTP layer's pieces); what the
//! signature promised (SHA-256, chunk signatures, length) can only be known at the end, so an
//! error may come from the last `next()`. Callers commit only after `next()` returned `Ok(None)`.

use super::chunked::ChunkedDecoder;
use super::PayloadMode;
use crate::error::S3Error;
use crate::s3_error;
use bytes::Bytes;
use futures_util::stream::LocalBoxStream;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

/// Raw body chunks as the HTTP layer hands them over.
pub type RawBody = LocalBoxStream<'static, Result<Bytes, actix_web::error::PayloadError>>;

enum Decoding {
    /// The body as sent, optionally checked against a SHA-256.
    Plain {
        expected_sha256: Option<(String, Sha256)>,
    },
    Chunked(Box<ChunkedDecoder>),
}

/// A request body that yields decoded bytes and checks, by its end, everything the signature promised.
pub struct RequestBody {
    raw: RawBody,
    decoding: Decoding,
    /// Raw bytes received but not yet decoded (aws-chunked only).
    pending: Bytes,
    decoded_length: Option<u64>,
    decoded: u64,
    finished: bool,
    /// Once failed, the body stays failed: later calls repeat the error.
    failed: Option<S3Error>,
    trailers: Vec<(String, String)>,
}

impl RequestBody {
    /// `decoded_length` is `Content-Length`, or `x-amz-decoded-content-length` for aws-chunked bodies.
    pub fn new(raw: RawBody, mode: PayloadMode, decoded_length: Option<u64>) -> Self {
        let decoding = match mode {
            PayloadMode::Unsigned => Decoding::Plain {
                expected_sha256: None,
            },
            PayloadMode::Sha256(hex) => Decoding::Plain {
                expected_sha256: Some((hex.to_ascii_lowercase(), Sha256::new())),
            },
            PayloadMode::Chunked { signing, trailer } => {
                Decoding::Chunked(Box::new(ChunkedDecoder::new(signing, trailer)))
            }
        };
        RequestBody {
            raw,
            decoding,
            pending: Bytes::new(),
            decoded_length,
            decoded: 0,
            finished: false,
            failed: None,
            trailers: Vec::new(),
        }
    }

    /// The next piece of decoded body; `Ok(None)` once the whole body has arrived and verified.
    pub async fn next(&mut self) -> Result<Option<Bytes>, S3Error> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        if self.finished {
            return Ok(None);
        }
        let result = self.advance().await;
        match &result {
            Err(err) => self.failed = Some(err.clone()),
            Ok(None) => self.finished = true,
            Ok(Some(_)) => {}
        }
        result
    }

    async fn advance(&mut self) -> Result<Option<Bytes>, S3Error> {
        loop {
            if let Decoding::Chunked(decoder) = &mut self.decoding {
                if !self.pending.is_empty() {
                    if let Some(data) = decoder.decode(&mut self.pending)? {
                        self.count(data.len())?;
                        return Ok(Some(data));
                    }
                    continue;
                }
            }
            match self.raw.next().await {
                Some(Ok(piece)) if piece.is_empty() => continue,
                Some(Ok(piece)) => match &mut self.decoding {
                    Decoding::Plain { expected_sha256 } => {
                        if let Some((_, hasher)) = expected_sha256 {
                            hasher.update(&piece);
                        }
                        self.count(piece.len())?;
                        return Ok(Some(piece));
                    }
                    Decoding::Chunked(_) => self.pending = piece,
                },
                // The client hung up, or sent less than its Content-Length.
                Some(Err(err)) => {
                    tracing::debug!(%err, "request body stream failed");
                    return Err(s3_error!(IncompleteBody));
                }
                None => {
                    self.end()?;
                    return Ok(None);
                }
            }
        }
    }

    /// Counts decoded bytes, failing as soon as there are more than announced.
    fn count(&mut self, n: usize) -> Result<(), S3Error> {
        self.decoded = self.decoded.saturating_add(n as u64);
        match self.decoded_length {
            Some(len) if self.decoded > len => Err(s3_error!(
                IncompleteBody,
                "The request body is longer than the {len} bytes announced."
            )),
            _ => Ok(()),
        }
    }

    /// The raw stream has ended: check framing, length and hash.
    fn end(&mut self) -> Result<(), S3Error> {
        if let Decoding::Chunked(decoder) = &mut self.decoding {
            decoder.finish()?;
            self.trailers = decoder.take_trailers();
        }
        if let Some(len) = self.decoded_length {
            if self.decoded != len {
                return Err(s3_error!(IncompleteBody));
            }
        }
        if let Decoding::Plain {
            expected_sha256: Some((expected, hasher)),
        } = &mut self.decoding
        {
            let computed = hex::encode(std::mem::take(hasher).finalize());
            if computed != *expected {
                return Err(s3_error!(XAmzContentSHA256Mismatch)
                    .detail("ClientComputedContentSHA256", expected.clone())
                    .detail("S3ComputedContentSHA256", computed));
            }
        }
        Ok(())
    }

    /// Trailing headers of an aws-chunked body (names lower-case), available once `next` returned `None`.
    pub fn trailers(&self) -> &[(String, String)] {
        &self.trailers
    }

    /// Reads a small body whole (XML documents); more than `limit` bytes is an error.
    pub async fn read_to_end(&mut self, limit: usize) -> Result<Bytes, S3Error> {
        let mut buf = bytes::BytesMut::new();
        while let Some(b) = self.next().await? {
            if buf.len().saturating_add(b.len()) > limit {
                return Err(s3_error!(EntityTooLarge));
            }
            buf.extend_from_slice(&b);
        }
        Ok(buf.freeze())
    }
}

#[cfg(test)]
mod tests;
