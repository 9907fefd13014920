//! Additional checksums S3 computes over object bodies (CRC32, CRC32C, CRC64NVME, SHA-1, SHA-256). STUB.
