//! The additional checksums S3 computes over object bodies (CRC32, CRC32C, CRC64NVME, SHA-1, SHA-256).
//!
//! S3 names each algorithm twice: `CRC32` in `x-amz-checksum-algorithm` /
//! `x-amz-sdk-checksum-algorithm`, and `x-amz-checksum-crc32` as the header (or aws-chunked trailer)
//! carrying the value. Values travel as base64 of the big-endian digest.

use crate::error::S3Error;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// One of the checksum algorithms S3 offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumAlgorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl ChecksumAlgorithm {
    /// Every algorithm, in the order S3 lists them.
    pub const ALL: [ChecksumAlgorithm; 5] = [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
    ];

    /// The algorithm for a name as used in `x-amz-checksum-algorithm` (`CRC32`, `crc64nvme`, ...),
    /// compared case-insensitively as S3 does.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|alg| alg.name().eq_ignore_ascii_case(name))
    }

    /// The algorithm's name as S3 writes it (`CRC32`, `CRC32C`, `CRC64NVME`, `SHA1`, `SHA256`).
    pub fn name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "CRC32",
            ChecksumAlgorithm::Crc32c => "CRC32C",
            ChecksumAlgorithm::Crc64Nvme => "CRC64NVME",
            ChecksumAlgorithm::Sha1 => "SHA1",
            ChecksumAlgorithm::Sha256 => "SHA256",
        }
    }

    /// The algorithm whose value a header (or trailer) of this name carries, case-insensitively.
    pub fn from_header_name(header: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|alg| alg.header_name().eq_ignore_ascii_case(header.trim()))
    }

    /// The lower-case header carrying this algorithm's value, e.g. `x-amz-checksum-crc32`.
    pub fn header_name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// Length of the raw digest in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
            ChecksumAlgorithm::Crc64Nvme => 8,
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
        }
    }

    /// Checks that a client-supplied value has the right shape (canonical base64 of a digest of
    /// this algorithm's length), before any body is read. S3 answers a malformed value with
    /// `InvalidRequest` "Value for x-amz-checksum-crc32 header is invalid."
    pub fn validate_value(self, value: &str) -> Result<(), S3Error> {
        match BASE64.decode(value.trim()) {
            Ok(raw) if raw.len() == self.digest_len() => Ok(()),
            _ => Err(crate::s3_error!(
                InvalidRequest,
                "Value for {} header is invalid.",
                self.header_name()
            )),
        }
    }

    /// The error S3 gives when a supplied checksum does not match the body: `BadDigest`
    /// "The CRC32 you specified did not match the calculated checksum."
    pub fn mismatch_error(self) -> S3Error {
        crate::s3_error!(
            BadDigest,
            "The {} you specified did not match the calculated checksum.",
            self.name()
        )
    }
}

impl ChecksumAlgorithm {
    /// The CRC behind a CRC algorithm; `None` for the hashes.
    fn crc(self) -> Option<crc_fast::CrcAlgorithm> {
        use crc_fast::CrcAlgorithm;
        match self {
            ChecksumAlgorithm::Crc32 => Some(CrcAlgorithm::Crc32IsoHdlc),
            ChecksumAlgorithm::Crc32c => Some(CrcAlgorithm::Crc32Iscsi),
            ChecksumAlgorithm::Crc64Nvme => Some(CrcAlgorithm::Crc64Nvme),
            ChecksumAlgorithm::Sha1 | ChecksumAlgorithm::Sha256 => None,
        }
    }

    /// Whether a whole-object (`FULL_OBJECT`) value can be derived from part values, which only the
    /// CRCs allow.
    pub fn supports_full_object(self) -> bool {
        self.crc().is_some()
    }

    /// The `COMPOSITE` checksum of a multipart object: this algorithm over the concatenated binary
    /// part checksums, then `-N` (S3 User Guide, "Checking object integrity").
    pub fn composite(self, part_values: &[Vec<u8>]) -> String {
        let mut hasher = ChecksumHasher::new(self);
        for value in part_values {
            hasher.update(value);
        }
        format!("{}-{}", hasher.finish(), part_values.len())
    }

    /// The `FULL_OBJECT` CRC of a multipart object from its parts' CRCs and lengths, combined with
    /// CRC algebra instead of re-reading the data; `None` for the hashes or malformed values.
    pub fn combine_full_object(self, parts: &[(Vec<u8>, u64)]) -> Option<String> {
        let crc = self.crc()?;
        let width = self.digest_len();
        let mut combined: Option<u64> = None;
        for (value, len) in parts {
            if value.len() != width {
                return None;
            }
            let mut buf = [0u8; 8];
            buf[8 - width..].copy_from_slice(value);
            let part = u64::from_be_bytes(buf);
            combined = Some(match combined {
                None => part,
                Some(acc) => crc_fast::checksum_combine(crc, acc, part, *len),
            });
        }
        let empty = || ChecksumHasher::new(self).finish_bytes();
        let bytes = match combined {
            Some(v) => v.to_be_bytes()[8 - width..].to_vec(),
            None => empty(),
        };
        Some(BASE64.encode(bytes))
    }

    /// Decodes a base64 checksum value.
    pub fn decode_value(value: &str) -> Option<Vec<u8>> {
        BASE64.decode(value.trim()).ok()
    }
}

/// Computes one checksum incrementally as body bytes flow past.
#[derive(Clone)]
pub struct ChecksumHasher {
    algorithm: ChecksumAlgorithm,
    state: HasherState,
}

#[derive(Clone)]
enum HasherState {
    Crc(crc_fast::Digest),
    Sha1(Sha1),
    Sha256(Sha256),
}

impl ChecksumHasher {
    pub fn new(algorithm: ChecksumAlgorithm) -> Self {
        use crc_fast::CrcAlgorithm;
        let state = match algorithm {
            ChecksumAlgorithm::Crc32 => {
                HasherState::Crc(crc_fast::Digest::new(CrcAlgorithm::Crc32IsoHdlc))
            }
            ChecksumAlgorithm::Crc32c => {
                HasherState::Crc(crc_fast::Digest::new(CrcAlgorithm::Crc32Iscsi))
            }
            ChecksumAlgorithm::Crc64Nvme => {
                HasherState::Crc(crc_fast::Digest::new(CrcAlgorithm::Crc64Nvme))
            }
            ChecksumAlgorithm::Sha1 => HasherState::Sha1(Sha1::new()),
            ChecksumAlgorithm::Sha256 => HasherState::Sha256(Sha256::new()),
        };
        ChecksumHasher { algorithm, state }
    }

    pub fn algorithm(&self) -> ChecksumAlgorithm {
        self.algorithm
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            HasherState::Crc(d) => d.update(data),
            HasherState::Sha1(h) => h.update(data),
            HasherState::Sha256(h) => h.update(data),
        }
    }

    /// The raw big-endian digest.
    pub fn finish_bytes(self) -> Vec<u8> {
        match self.state {
            HasherState::Crc(d) => {
                let value = d.finalize();
                // The CRC value sits in the low bits of a u64; keep only the algorithm's width.
                let bytes = value.to_be_bytes();
                let width = self.algorithm.digest_len();
                bytes
                    .get(bytes.len().saturating_sub(width)..)
                    .unwrap_or(&bytes)
                    .to_vec()
            }
            HasherState::Sha1(h) => h.finalize().to_vec(),
            HasherState::Sha256(h) => h.finalize().to_vec(),
        }
    }

    /// The digest as S3 returns it: base64 of the big-endian bytes.
    pub fn finish(self) -> String {
        BASE64.encode(self.finish_bytes())
    }
}

/// The checksum of a whole buffer, base64 as S3 returns it.
pub fn checksum_of(algorithm: ChecksumAlgorithm, data: &[u8]) -> String {
    let mut hasher = ChecksumHasher::new(algorithm);
    hasher.update(data);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn raw(alg: ChecksumAlgorithm, data: &[u8]) -> u64 {
        let mut h = ChecksumHasher::new(alg);
        h.update(data);
        h.finish_bytes()
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    }

    #[test]
    fn crc_check_values() {
        // The catalogue "check" values (CRC of "123456789").
        assert_eq!(raw(ChecksumAlgorithm::Crc32, b"123456789"), 0xCBF4_3926);
        assert_eq!(raw(ChecksumAlgorithm::Crc32c, b"123456789"), 0xE306_9283);
        assert_eq!(
            raw(ChecksumAlgorithm::Crc64Nvme, b"123456789"),
            0xAE8B_1486_0A79_9888
        );
    }

    #[test]
    fn base64_values_as_s3_returns_them() {
        use ChecksumAlgorithm::*;
        assert_eq!(checksum_of(Crc32, b"hello world"), "DUoRhQ==");
        assert_eq!(checksum_of(Crc32c, b"hello world"), "yZRlqg==");
        assert_eq!(checksum_of(Crc64Nvme, b"hello world"), "jSnVw/bqjr4=");
        assert_eq!(
            checksum_of(Sha1, b"hello world"),
            "Kq5sNclPz7QV2+lfQIuc6R7oRu0="
        );
        assert_eq!(
            checksum_of(Sha256, b"hello world"),
            "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="
        );
        assert_eq!(checksum_of(Crc32, b""), "AAAAAA==");
        assert_eq!(checksum_of(Crc64Nvme, b""), "AAAAAAAAAAA=");
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for alg in ChecksumAlgorithm::ALL {
            let mut h = ChecksumHasher::new(alg);
            for piece in data.chunks(333) {
                h.update(piece);
            }
            assert_eq!(h.finish(), checksum_of(alg, &data), "{}", alg.name());
        }
    }

    #[test]
    fn names_round_trip() {
        for alg in ChecksumAlgorithm::ALL {
            assert_eq!(ChecksumAlgorithm::from_name(alg.name()), Some(alg));
            assert_eq!(
                ChecksumAlgorithm::from_name(&alg.name().to_lowercase()),
                Some(alg)
            );
            assert_eq!(
                ChecksumAlgorithm::from_header_name(alg.header_name()),
                Some(alg)
            );
            assert_eq!(
                ChecksumAlgorithm::from_header_name(&alg.header_name().to_uppercase()),
                Some(alg)
            );
        }
        assert_eq!(
            ChecksumAlgorithm::from_name("crc32c"),
            Some(ChecksumAlgorithm::Crc32c)
        );
        assert_eq!(ChecksumAlgorithm::from_name("MD5"), None);
        assert_eq!(
            ChecksumAlgorithm::from_header_name("x-amz-checksum-md5"),
            None
        );
        assert_eq!(
            ChecksumAlgorithm::Crc64Nvme.header_name(),
            "x-amz-checksum-crc64nvme"
        );
    }

    #[test]
    fn validates_value_shape() {
        use ChecksumAlgorithm::*;
        assert!(Crc32.validate_value("DUoRhQ==").is_ok());
        assert!(Crc64Nvme.validate_value("jSnVw/bqjr4=").is_ok());
        assert!(Sha256
            .validate_value("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
            .is_ok());
        // Right base64, wrong length for the algorithm.
        let err = Crc32.validate_value("jSnVw/bqjr4=").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);
        assert_eq!(
            err.message,
            "Value for x-amz-checksum-crc32 header is invalid."
        );
        // Not base64 at all, or missing padding.
        assert!(Crc32c.validate_value("not base64!").is_err());
        assert!(Crc32c.validate_value("DUoRhQ").is_err());
        assert!(Sha1.validate_value("").is_err());
        assert_eq!(Crc32.mismatch_error().code, ErrorCode::BadDigest);
    }

    #[test]
    fn full_object_crcs_combine_from_parts() {
        let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (a, b) = data.split_at(30_000);
        for alg in [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32c,
            ChecksumAlgorithm::Crc64Nvme,
        ] {
            let whole = checksum_of(alg, &data);
            let part = |p: &[u8]| ChecksumAlgorithm::decode_value(&checksum_of(alg, p)).unwrap();
            let combined = alg
                .combine_full_object(&[(part(a), a.len() as u64), (part(b), b.len() as u64)])
                .unwrap();
            assert_eq!(combined, whole, "{}", alg.name());
        }
        assert!(ChecksumAlgorithm::Sha256.combine_full_object(&[]).is_none());
    }

    #[test]
    fn composite_checksums_hash_the_part_checksums() {
        let p1 = ChecksumAlgorithm::decode_value(&checksum_of(ChecksumAlgorithm::Sha256, b"one"))
            .unwrap();
        let p2 = ChecksumAlgorithm::decode_value(&checksum_of(ChecksumAlgorithm::Sha256, b"two"))
            .unwrap();
        let mut concat = p1.clone();
        concat.extend_from_slice(&p2);
        let expected = format!("{}-2", checksum_of(ChecksumAlgorithm::Sha256, &concat));
        assert_eq!(ChecksumAlgorithm::Sha256.composite(&[p1, p2]), expected);
    }
}
