//! Names of the `x-amz-*` request headers the pipeline looks up, as `HeaderName` constants: a name
//! given as `&str` is parsed on every lookup and, not being a standard one, allocated too.

use actix_web::http::header::HeaderName;

pub const ACL: HeaderName = HeaderName::from_static("x-amz-acl");
pub const CHECKSUM_ALGORITHM: HeaderName = HeaderName::from_static("x-amz-checksum-algorithm");
pub const CHECKSUM_MODE: HeaderName = HeaderName::from_static("x-amz-checksum-mode");
pub const CHECKSUM_TYPE: HeaderName = HeaderName::from_static("x-amz-checksum-type");
pub const COPY_SOURCE: HeaderName = HeaderName::from_static("x-amz-copy-source");
pub const COPY_SOURCE_RANGE: HeaderName = HeaderName::from_static("x-amz-copy-source-range");
pub const DECODED_CONTENT_LENGTH: HeaderName =
    HeaderName::from_static("x-amz-decoded-content-length");
pub const SDK_CHECKSUM_ALGORITHM: HeaderName =
    HeaderName::from_static("x-amz-sdk-checksum-algorithm");
pub const OPTIONAL_OBJECT_ATTRIBUTES: HeaderName =
    HeaderName::from_static("x-amz-optional-object-attributes");
pub const RESTORE: HeaderName = HeaderName::from_static("x-amz-restore");
pub const EXPIRATION: HeaderName = HeaderName::from_static("x-amz-expiration");
pub const OBJECT_OWNERSHIP: HeaderName = HeaderName::from_static("x-amz-object-ownership");
pub const SSE: HeaderName = HeaderName::from_static("x-amz-server-side-encryption");
pub const SSE_KMS_KEY_ID: HeaderName =
    HeaderName::from_static("x-amz-server-side-encryption-aws-kms-key-id");
pub const SSE_BUCKET_KEY_ENABLED: HeaderName =
    HeaderName::from_static("x-amz-server-side-encryption-bucket-key-enabled");
/// The three headers of SSE-C (server-side encryption with a customer-provided key), and the
/// three that give the key of a copy's source.
pub const SSE_CUSTOMER_ALGORITHM: HeaderName =
    HeaderName::from_static("x-amz-server-side-encryption-customer-algorithm");
pub const SSE_CUSTOMER: [HeaderName; 3] = [
    SSE_CUSTOMER_ALGORITHM,
    HeaderName::from_static("x-amz-server-side-encryption-customer-key"),
    HeaderName::from_static("x-amz-server-side-encryption-customer-key-md5"),
];
pub const COPY_SOURCE_SSE_CUSTOMER: [HeaderName; 3] = [
    HeaderName::from_static("x-amz-copy-source-server-side-encryption-customer-algorithm"),
    HeaderName::from_static("x-amz-copy-source-server-side-encryption-customer-key"),
    HeaderName::from_static("x-amz-copy-source-server-side-encryption-customer-key-md5"),
];
pub const STORAGE_CLASS: HeaderName = HeaderName::from_static("x-amz-storage-class");
pub const TAGGING: HeaderName = HeaderName::from_static("x-amz-tagging");
pub const TRAILER: HeaderName = HeaderName::from_static("x-amz-trailer");

/// The `x-amz-grant-*` headers, which name grantees minis3 cannot represent (it implements canned
/// ACLs only).
pub const GRANTS: [HeaderName; 5] = [
    HeaderName::from_static("x-amz-grant-read"),
    HeaderName::from_static("x-amz-grant-write"),
    HeaderName::from_static("x-amz-grant-read-acp"),
    HeaderName::from_static("x-amz-grant-write-acp"),
    HeaderName::from_static("x-amz-grant-full-control"),
];
