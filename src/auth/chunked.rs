//! aws-chunked framing: chunk headers, per-chunk signatures and trailers, decoded incrementally.
//!
//! Wire format (S3 "Transferring Payload in Multiple Chunks" and "Including Trailing Headers"):
//!
//! ```text
//! hex-size[;chunk-signature=sig]\r\n <data> \r\n      (repeated)
//! 0[;chunk-signature=sig]\r\n                          (final chunk)
//! \r\n                                                 (no trailer), or with a trailer:
//! name:value\r\n ... [x-amz-trailer-signature:sig\r\n] \r\n
//! ```
//!
//! Each chunk signature signs `AWS4-HMAC-SHA256-PAYLOAD`, the request time, the scope, the
//! previous signature (the request's for the first chunk), the hash of the empty string and the
//! hash of the chunk data. The decoder never holds a chunk: data is hashed and handed on as it
//! arrives, and the signature is checked when the chunk ends; callers must not commit anything
//! before the body as a whole has ended without error.

use super::sigv4::{calculate_signature, sha256_hex, EMPTY_SHA256};
use super::ChunkSigning;
use crate::error::S3Error;
use crate::s3_error;
use bytes::Bytes;
use sha2::{Digest, Sha256};

/// Longest chunk header line accepted (a signed one is about 90 bytes).
const MAX_CHUNK_HEADER: usize = 4096;
/// Most trailer bytes accepted (a few checksum lines in practice).
const MAX_TRAILER_BYTES: usize = 16 * 1024;
const TRAILER_SIGNATURE: &str = "x-amz-trailer-signature";

/// `AWS4-HMAC-SHA256-PAYLOAD` string to sign for one chunk whose data hashes to `chunk_hash_hex`.
pub fn chunk_string_to_sign(
    amz_date: &str,
    scope: &str,
    previous_signature: &str,
    chunk_hash_hex: &str,
) -> String {
    format!("AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n{previous_signature}\n{EMPTY_SHA256}\n{chunk_hash_hex}")
}

/// Trailer lines as they are signed: `name:value\n` each, names lower-case, values trimmed, sorted
/// by name (the SDKs canonicalise trailers like headers).
pub fn canonical_trailers(trailers: &[(String, String)]) -> String {
    let mut lines: Vec<String> = trailers
        .iter()
        .map(|(n, v)| format!("{}:{}\n", n.trim().to_ascii_lowercase(), v.trim()))
        .collect();
    lines.sort();
    lines.concat()
}

/// `AWS4-HMAC-SHA256-TRAILER` string to sign for the trailer that follows the final chunk.
pub fn trailer_string_to_sign(
    amz_date: &str,
    scope: &str,
    previous_signature: &str,
    trailers: &[(String, String)],
) -> String {
    format!(
        "AWS4-HMAC-SHA256-TRAILER\n{amz_date}\n{scope}\n{previous_signature}\n{}",
        sha256_hex(canonical_trailers(trailers).as_bytes())
    )
}

/// Produces an aws-chunked body (for tests and clients): signed when given a [`ChunkSigning`]
/// (from [`super::sigv4::sign_request_headers`]), plain framing otherwise.
pub struct ChunkedEncoder {
    signing: Option<ChunkSigning>,
    previous: String,
}

impl ChunkedEncoder {
    pub fn new(signing: Option<ChunkSigning>) -> Self {
        let previous = signing
            .as_ref()
            .map(|s| s.seed_signature.clone())
            .unwrap_or_default();
        ChunkedEncoder { signing, previous }
    }

    fn header(&mut self, data: &[u8]) -> String {
        match &self.signing {
            Some(s) => {
                let sts =
                    chunk_string_to_sign(&s.amz_date, &s.scope, &self.previous, &sha256_hex(data));
                self.previous = calculate_signature(&s.signing_key, &sts);
                format!("{:x};chunk-signature={}\r\n", data.len(), self.previous)
            }
            None => format!("{:x}\r\n", data.len()),
        }
    }

    /// One framed data chunk. Empty data would end the body, so it yields nothing.
    pub fn chunk(&mut self, data: &[u8]) -> Vec<u8> {
        if data.is_empty() {
            return Vec::new();
        }
        let mut out = self.header(data).into_bytes();
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        out
    }

    /// The final zero-length chunk, then either the closing `\r\n` (`trailers` is `None`) or the
    /// trailer lines, their signature when signing, and the closing `\r\n`.
    pub fn finish(&mut self, trailers: Option<&[(String, String)]>) -> Vec<u8> {
        let mut out = self.header(b"").into_bytes();
        if let Some(trailers) = trailers {
            for (n, v) in trailers {
                out.extend_from_slice(format!("{n}:{v}\r\n").as_bytes());
            }
            if let Some(s) = &self.signing {
                let sts = trailer_string_to_sign(&s.amz_date, &s.scope, &self.previous, trailers);
                let sig = calculate_signature(&s.signing_key, &sts);
                out.extend_from_slice(format!("{TRAILER_SIGNATURE}:{sig}\r\n").as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a `hex-size[;chunk-signature=...]` line.
    ChunkHeader,
    /// Passing on chunk data.
    Data {
        remaining: u64,
    },
    /// Expecting the `\r\n` after chunk data; `seen` bytes of it so far.
    DataEnd {
        seen: u8,
    },
    /// After the final chunk, no trailer: expecting the closing `\r\n`.
    FinalEnd {
        seen: u8,
    },
    /// After the final chunk of a trailer variant: reading trailer lines.
    Trailer,
    Done,
}

/// Incremental aws-chunked decoder: feed it raw bytes with [`decode`](Self::decode), call
/// [`finish`](Self::finish) when the raw stream ends.
pub struct ChunkedDecoder {
    state: State,
    signing: Option<ChunkSigning>,
    expects_trailer: bool,
    /// A partial header or trailer line carried across raw pieces.
    line: Vec<u8>,
    previous_signature: String,
    /// The signature announced for the chunk being read.
    chunk_signature: String,
    hasher: Sha256,
    trailers: Vec<(String, String)>,
    trailer_signature: Option<String>,
    trailer_bytes: usize,
}

fn framing(msg: &str) -> S3Error {
    s3_error!(InvalidRequest, "Invalid aws-chunked body: {msg}")
}

fn truncated(msg: &str) -> S3Error {
    s3_error!(IncompleteBody, "The aws-chunked body ended early: {msg}")
}

impl ChunkedDecoder {
    /// `signing` for the signed variants; `trailer` when `x-amz-content-sha256` announced one.
    pub fn new(signing: Option<ChunkSigning>, trailer: bool) -> Self {
        let previous_signature = signing
            .as_ref()
            .map(|s| s.seed_signature.clone())
            .unwrap_or_default();
        ChunkedDecoder {
            state: State::ChunkHeader,
            signing,
            expects_trailer: trailer,
            line: Vec::new(),
            previous_signature,
            chunk_signature: String::new(),
            hasher: Sha256::new(),
            trailers: Vec::new(),
            trailer_signature: None,
            trailer_bytes: 0,
        }
    }

    /// True once the final chunk (and trailer) has been read and verified.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Trailer fields (names lower-case), complete once [`is_done`](Self::is_done).
    pub fn trailers(&self) -> &[(String, String)] {
        &self.trailers
    }

    pub fn take_trailers(&mut self) -> Vec<(String, String)> {
        std::mem::take(&mut self.trailers)
    }

    /// Consumes bytes from the front of `input`. Returns decoded data as soon as there is some
    /// (a slice of `input`, not a copy); `Ok(None)` means `input` has been used up.
    pub fn decode(&mut self, input: &mut Bytes) -> Result<Option<Bytes>, S3Error> {
        while !input.is_empty() {
            match self.state {
                State::ChunkHeader => {
                    if let Some(line) = self.take_line(input, MAX_CHUNK_HEADER)? {
                        self.start_chunk(&line)?;
                    }
                }
                State::Data { remaining } => {
                    let n = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    let data = input.split_to(n);
                    self.hasher.update(&data);
                    let remaining = remaining - n as u64;
                    self.state = if remaining == 0 {
                        State::DataEnd { seen: 0 }
                    } else {
                        State::Data { remaining }
                    };
                    return Ok(Some(data));
                }
                State::DataEnd { seen } | State::FinalEnd { seen } => {
                    let expected = if seen == 0 { b'\r' } else { b'\n' };
                    let got = input.split_to(1);
                    if got.as_ref() != [expected] {
                        return Err(framing("chunk data is not followed by CRLF"));
                    }
                    match (self.state, seen) {
                        (State::DataEnd { .. }, 0) => self.state = State::DataEnd { seen: 1 },
                        (State::DataEnd { .. }, _) => {
                            self.verify_chunk()?;
                            self.state = State::ChunkHeader;
                        }
                        (_, 0) => self.state = State::FinalEnd { seen: 1 },
                        _ => self.state = State::Done,
                    }
                }
                State::Trailer => {
                    let room = MAX_TRAILER_BYTES.saturating_sub(self.trailer_bytes);
                    if let Some(line) = self.take_line(input, room)? {
                        self.trailer_bytes += line.len() + 2;
                        self.trailer_line(&line)?;
                    }
                }
                State::Done => return Err(framing("data follows the final chunk")),
            }
        }
        Ok(None)
    }

    /// Called when the raw body has ended: anything but a complete body is an error. The closing
    /// `\r\n` after the trailer lines is optional, since some SDKs end the stream without it.
    pub fn finish(&mut self) -> Result<(), S3Error> {
        match self.state {
            State::Done => Ok(()),
            // Lenient only after at least one complete trailer line: a stream cut right after
            // the final chunk has lost its trailer.
            State::Trailer
                if self.line.is_empty()
                    && (!self.trailers.is_empty() || self.trailer_signature.is_some()) =>
            {
                self.end_trailer()
            }
            State::ChunkHeader | State::Data { .. } | State::DataEnd { .. } => {
                Err(truncated("the final zero-length chunk is missing"))
            }
            State::FinalEnd { .. } => Err(truncated("the CRLF after the final chunk is missing")),
            State::Trailer => Err(truncated("a trailer line is incomplete")),
        }
    }

    /// Accumulates bytes up to and including `\n`; returns the line without its `\r\n` once
    /// complete. Lines must end in CRLF and stay within `limit` bytes.
    fn take_line(&mut self, input: &mut Bytes, limit: usize) -> Result<Option<Vec<u8>>, S3Error> {
        let (piece, complete) = match input.iter().position(|&b| b == b'\n') {
            Some(i) => (input.split_to(i + 1), true),
            None => (input.split_to(input.len()), false),
        };
        if self.line.len() + piece.len() > limit {
            return Err(framing("header or trailer line too long"));
        }
        self.line.extend_from_slice(&piece);
        if !complete {
            return Ok(None);
        }
        let mut line = std::mem::take(&mut self.line);
        if !line.ends_with(b"\r\n") {
            return Err(framing("line does not end in CRLF"));
        }
        line.truncate(line.len() - 2);
        Ok(Some(line))
    }

    fn start_chunk(&mut self, line: &[u8]) -> Result<(), S3Error> {
        let line = std::str::from_utf8(line).map_err(|_| framing("chunk header is not text"))?;
        let (size_hex, extension) = match line.split_once(';') {
            Some((s, e)) => (s, Some(e)),
            None => (line, None),
        };
        if size_hex.is_empty()
            || size_hex.len() > 16
            || !size_hex.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(framing(&format!("bad chunk size {size_hex:?}")));
        }
        let size = u64::from_str_radix(size_hex, 16).map_err(|_| framing("bad chunk size"))?;
        if self.signing.is_some() {
            match extension.and_then(|e| e.strip_prefix("chunk-signature=")) {
                Some(sig) if !sig.is_empty() => self.chunk_signature = sig.to_string(),
                _ => return Err(framing("chunk header lacks chunk-signature")),
            }
        }
        // Unsigned framing carries no extensions we need; any are ignored.
        self.hasher = Sha256::new();
        if size > 0 {
            self.state = State::Data { remaining: size };
            return Ok(());
        }
        self.verify_chunk()?;
        self.state = if self.expects_trailer {
            State::Trailer
        } else {
            State::FinalEnd { seen: 0 }
        };
        Ok(())
    }

    /// Checks the signature of the chunk just read (data hashed in `self.hasher`).
    fn verify_chunk(&mut self) -> Result<(), S3Error> {
        let hash = hex::encode(std::mem::take(&mut self.hasher).finalize());
        let Some(s) = &self.signing else {
            return Ok(());
        };
        let sts = chunk_string_to_sign(&s.amz_date, &s.scope, &self.previous_signature, &hash);
        let expected = calculate_signature(&s.signing_key, &sts);
        if !super::sigv4::signatures_match(&expected, &self.chunk_signature) {
            return Err(s3_error!(SignatureDoesNotMatch)
                .detail("StringToSign", sts)
                .detail("SignatureProvided", self.chunk_signature.clone()));
        }
        self.previous_signature = expected;
        Ok(())
    }

    fn trailer_line(&mut self, line: &[u8]) -> Result<(), S3Error> {
        if line.is_empty() {
            return self.end_trailer();
        }
        if self.trailer_signature.is_some() {
            return Err(framing("trailer line after x-amz-trailer-signature"));
        }
        let line = std::str::from_utf8(line).map_err(|_| framing("trailer is not text"))?;
        let Some((name, value)) = line.split_once(':') else {
            return Err(framing("trailer line is not name:value"));
        };
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            return Err(framing("trailer name is empty"));
        }
        if name == TRAILER_SIGNATURE {
            // Only meaningful for the signed variant; an unsigned trailer's is not a field.
            self.trailer_signature = Some(value.trim().to_string());
        } else {
            self.trailers.push((name, value.trim().to_string()));
        }
        Ok(())
    }

    fn end_trailer(&mut self) -> Result<(), S3Error> {
        if let Some(s) = &self.signing {
            let Some(provided) = &self.trailer_signature else {
                return Err(framing("the signed trailer lacks x-amz-trailer-signature"));
            };
            let sts = trailer_string_to_sign(
                &s.amz_date,
                &s.scope,
                &self.previous_signature,
                &self.trailers,
            );
            let expected = calculate_signature(&s.signing_key, &sts);
            if !super::sigv4::signatures_match(&expected, provided) {
                return Err(s3_error!(SignatureDoesNotMatch)
                    .detail("StringToSign", sts)
                    .detail("SignatureProvided", provided.clone()));
            }
        }
        self.state = State::Done;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
