//! The request body as handlers read it: decoded from aws-chunked and verified against the signature.
//! STUB: replaced by the real implementation.

use super::PayloadMode;
use crate::error::S3Error;
use bytes::Bytes;
use futures_util::stream::LocalBoxStream;
use futures_util::StreamExt;

/// Raw body chunks as the HTTP layer hands them over.
pub type RawBody = LocalBoxStream<'static, Result<Bytes, actix_web::error::PayloadError>>;

/// A request body that yields decoded bytes and checks, by its end, everything the signature promised.
pub struct RequestBody {
    raw: RawBody,
    #[allow(dead_code)]
    mode: PayloadMode,
    trailers: Vec<(String, String)>,
}

impl RequestBody {
    /// `decoded_length` is `Content-Length`, or `x-amz-decoded-content-length` for aws-chunked bodies.
    pub fn new(raw: RawBody, mode: PayloadMode, _decoded_length: Option<u64>) -> Self {
        RequestBody {
            raw,
            mode,
            trailers: Vec::new(),
        }
    }

    /// The next piece of decoded body; `Ok(None)` once the whole body has arrived and verified.
    pub async fn next(&mut self) -> Result<Option<Bytes>, S3Error> {
        match self.raw.next().await {
            None => Ok(None),
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => Err(S3Error::with_message(
                crate::error::ErrorCode::IncompleteBody,
                e.to_string(),
            )),
        }
    }

    /// Trailing headers of an aws-chunked body (names lower-case), available once `next` returned `None`.
    pub fn trailers(&self) -> &[(String, String)] {
        &self.trailers
    }

    /// Reads a small body whole (XML documents); more than `limit` bytes is an error.
    pub async fn read_to_end(&mut self, limit: usize) -> Result<Bytes, S3Error> {
        let mut buf = bytes::BytesMut::new();
        while let Some(b) = self.next().await? {
            if buf.len() + b.len() > limit {
                return Err(crate::s3_error!(EntityTooLarge));
            }
            buf.extend_from_slice(&b);
        }
        Ok(buf.freeze())
    }
}
