//! The storage layer's own error: what went wrong in terms of buckets, objects and the disk.

use std::fmt;

#[derive(Debug)]
pub enum StorageError {
    NoSuchBucket,
    BucketAlreadyExists,
    BucketNotEmpty,
    NoSuchKey,
    NoSuchUpload,
    /// A part named in a completion is missing or has another ETag.
    InvalidPart(u32),
    /// A conditional write's condition did not hold; nothing was written.
    ConditionFailed(super::condition::FailedCondition),
    /// The object a change was meant for was replaced meanwhile; nothing was written.
    ObjectReplaced,
    /// sled reported a failure (I/O, corruption, ...).
    Db(sled::Error),
    /// A stored record could not be decoded.
    Corrupt(String),
    /// The disk has no room left.
    DiskFull,
    /// A segment file could not be written or read.
    Io(std::io::Error),
}

impl StorageError {
    /// True when the underlying failure is the disk running out of space.
    fn is_disk_full(err: &sled::Error) -> bool {
        matches!(err, sled::Error::Io(io)
            if io.raw_os_error() == Some(28) || io.kind() == std::io::ErrorKind::StorageFull)
    }
}

impl From<sled::Error> for StorageError {
    fn from(err: sled::Error) -> Self {
        if StorageError::is_disk_full(&err) {
            StorageError::DiskFull
        } else {
            StorageError::Db(err)
        }
    }
}

impl From<std::io::Error> for StorageError {
    fn from(err: std::io::Error) -> Self {
        if err.raw_os_error() == Some(28) || err.kind() == std::io::ErrorKind::StorageFull {
            StorageError::DiskFull
        } else {
            StorageError::Io(err)
        }
    }
}

impl From<sled::transaction::TransactionError<StorageError>> for StorageError {
    fn from(err: sled::transaction::TransactionError<StorageError>) -> Self {
        match err {
            sled::transaction::TransactionError::Abort(inner) => inner,
            sled::transaction::TransactionError::Storage(e) => e.into(),
        }
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::NoSuchBucket => write!(f, "no such bucket"),
            StorageError::BucketAlreadyExists => write!(f, "bucket already exists"),
            StorageError::BucketNotEmpty => write!(f, "bucket not empty"),
            StorageError::NoSuchKey => write!(f, "no such key"),
            StorageError::NoSuchUpload => write!(f, "no such upload"),
            StorageError::InvalidPart(n) => write!(f, "part {n} is missing or changed"),
            StorageError::ConditionFailed(which) => write!(f, "write condition failed: {which:?}"),
            StorageError::ObjectReplaced => write!(f, "the object was replaced meanwhile"),
            StorageError::Db(e) => write!(f, "database error: {e}"),
            StorageError::Corrupt(what) => write!(f, "corrupt record: {what}"),
            StorageError::DiskFull => write!(f, "disk full"),
            StorageError::Io(e) => write!(f, "segment file I/O error: {e}"),
        }
    }
}

impl std::error::Error for StorageError {}

pub type StorageResult<T> = Result<T, StorageError>;
