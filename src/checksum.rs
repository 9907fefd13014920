//! Additional checksums S3 computes over object bodies (CRC32, CRC32C, CRC64NVME, SHA-1, SHA-256).
//! PLACEHOLDER: the auth branch brings the real, tested module.

use base64::Engine;
use sha1::Digest as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumAlgorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

const ALL: [ChecksumAlgorithm; 5] = [
    ChecksumAlgorithm::Crc32,
    ChecksumAlgorithm::Crc32c,
    ChecksumAlgorithm::Crc64Nvme,
    ChecksumAlgorithm::Sha1,
    ChecksumAlgorithm::Sha256,
];

impl ChecksumAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "CRC32",
            ChecksumAlgorithm::Crc32c => "CRC32C",
            ChecksumAlgorithm::Crc64Nvme => "CRC64NVME",
            ChecksumAlgorithm::Sha1 => "SHA1",
            ChecksumAlgorithm::Sha256 => "SHA256",
        }
    }
    pub fn header_name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
        }
    }
    pub fn from_name(name: &str) -> Option<Self> {
        ALL.into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }
    pub fn from_header_name(name: &str) -> Option<Self> {
        ALL.into_iter()
            .find(|a| a.header_name().eq_ignore_ascii_case(name))
    }
}

pub struct ChecksumHasher {
    alg: ChecksumAlgorithm,
    crc: Option<crc_fast::Digest>,
    sha1: sha1::Sha1,
    sha256: sha2::Sha256,
}

impl ChecksumHasher {
    pub fn new(alg: ChecksumAlgorithm) -> Self {
        let crc = match alg {
            ChecksumAlgorithm::Crc32 => Some(crc_fast::CrcAlgorithm::Crc32IsoHdlc),
            ChecksumAlgorithm::Crc32c => Some(crc_fast::CrcAlgorithm::Crc32Iscsi),
            ChecksumAlgorithm::Crc64Nvme => Some(crc_fast::CrcAlgorithm::Crc64Nvme),
            _ => None,
        }
        .map(crc_fast::Digest::new);
        ChecksumHasher {
            alg,
            crc,
            sha1: sha1::Sha1::new(),
            sha256: sha2::Sha256::new(),
        }
    }
    pub fn algorithm(&self) -> ChecksumAlgorithm {
        self.alg
    }
    pub fn update(&mut self, data: &[u8]) {
        match self.alg {
            ChecksumAlgorithm::Sha1 => self.sha1.update(data),
            ChecksumAlgorithm::Sha256 => self.sha256.update(data),
            _ => {
                if let Some(c) = self.crc.as_mut() {
                    c.update(data)
                }
            }
        }
    }
    pub fn finish(self) -> String {
        let bytes: Vec<u8> = match self.alg {
            ChecksumAlgorithm::Sha1 => self.sha1.finalize().to_vec(),
            ChecksumAlgorithm::Sha256 => self.sha256.finalize().to_vec(),
            ChecksumAlgorithm::Crc64Nvme => self
                .crc
                .map(|c| c.finalize())
                .unwrap_or(0)
                .to_be_bytes()
                .to_vec(),
            _ => (self.crc.map(|c| c.finalize()).unwrap_or(0) as u32)
                .to_be_bytes()
                .to_vec(),
        };
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}
