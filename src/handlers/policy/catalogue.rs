//! What a bucket policy may name: S3's actions (each with the resource it acts on) and S3's
//! condition keys, from the Service Authorization Reference's page for Amazon S3. A policy naming
//! anything else is refused, as S3 refuses it.

/// The resource an action acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Bucket,
    Object,
    /// Account-level actions (ListAllMyBuckets, access points, jobs): no bucket or object ARN
    /// suits them, so a bucket policy can never apply them.
    Account,
}

/// S3's actions, by name after `s3:`.
pub const ACTIONS: &[(&str, Target)] = {
    use Target::{Account, Bucket, Object};
    &[
        ("AbortMultipartUpload", Object),
        ("BypassGovernanceRetention", Object),
        ("CreateAccessPoint", Account),
        ("CreateBucket", Bucket),
        ("CreateJob", Account),
        ("DeleteAccessPoint", Account),
        ("DeleteBucket", Bucket),
        ("DeleteBucketOwnershipControls", Bucket),
        ("DeleteBucketPolicy", Bucket),
        ("DeleteBucketWebsite", Bucket),
        ("DeleteObject", Object),
        ("DeleteObjectTagging", Object),
        ("DeleteObjectVersion", Object),
        ("DeleteObjectVersionTagging", Object),
        ("GetAccelerateConfiguration", Bucket),
        ("GetAccessPoint", Account),
        ("GetAnalyticsConfiguration", Bucket),
        ("GetBucketAcl", Bucket),
        ("GetBucketCORS", Bucket),
        ("GetBucketLocation", Bucket),
        ("GetBucketLogging", Bucket),
        ("GetBucketNotification", Bucket),
        ("GetBucketObjectLockConfiguration", Bucket),
        ("GetBucketOwnershipControls", Bucket),
        ("GetBucketPolicy", Bucket),
        ("GetBucketPolicyStatus", Bucket),
        ("GetBucketPublicAccessBlock", Bucket),
        ("GetBucketRequestPayment", Bucket),
        ("GetBucketTagging", Bucket),
        ("GetBucketVersioning", Bucket),
        ("GetBucketWebsite", Bucket),
        ("GetEncryptionConfiguration", Bucket),
        ("GetIntelligentTieringConfiguration", Bucket),
        ("GetInventoryConfiguration", Bucket),
        ("GetLifecycleConfiguration", Bucket),
        ("GetMetricsConfiguration", Bucket),
        ("GetObject", Object),
        ("GetObjectAcl", Object),
        ("GetObjectAttributes", Object),
        ("GetObjectLegalHold", Object),
        ("GetObjectRetention", Object),
        ("GetObjectTagging", Object),
        ("GetObjectTorrent", Object),
        ("GetObjectVersion", Object),
        ("GetObjectVersionAcl", Object),
        ("GetObjectVersionAttributes", Object),
        ("GetObjectVersionForReplication", Object),
        ("GetObjectVersionTagging", Object),
        ("GetObjectVersionTorrent", Object),
        ("GetReplicationConfiguration", Bucket),
        ("InitiateReplication", Object),
        ("ListAllMyBuckets", Account),
        ("ListBucket", Bucket),
        ("ListBucketMultipartUploads", Bucket),
        ("ListBucketVersions", Bucket),
        ("ListMultipartUploadParts", Object),
        ("ObjectOwnerOverrideToBucketOwner", Object),
        ("PutAccelerateConfiguration", Bucket),
        ("PutAnalyticsConfiguration", Bucket),
        ("PutBucketAcl", Bucket),
        ("PutBucketCORS", Bucket),
        ("PutBucketLogging", Bucket),
        ("PutBucketNotification", Bucket),
        ("PutBucketObjectLockConfiguration", Bucket),
        ("PutBucketOwnershipControls", Bucket),
        ("PutBucketPolicy", Bucket),
        ("PutBucketPublicAccessBlock", Bucket),
        ("PutBucketRequestPayment", Bucket),
        ("PutBucketTagging", Bucket),
        ("PutBucketVersioning", Bucket),
        ("PutBucketWebsite", Bucket),
        ("PutEncryptionConfiguration", Bucket),
        ("PutIntelligentTieringConfiguration", Bucket),
        ("PutInventoryConfiguration", Bucket),
        ("PutLifecycleConfiguration", Bucket),
        ("PutMetricsConfiguration", Bucket),
        ("PutObject", Object),
        ("PutObjectAcl", Object),
        ("PutObjectLegalHold", Object),
        ("PutObjectRetention", Object),
        ("PutObjectTagging", Object),
        ("PutObjectVersionAcl", Object),
        ("PutObjectVersionTagging", Object),
        ("PutReplicationConfiguration", Bucket),
        ("ReplicateDelete", Object),
        ("ReplicateObject", Object),
        ("ReplicateTags", Object),
        ("RestoreObject", Object),
    ]
};

/// S3's condition keys, lower-cased after `s3:` (keys compare case-insensitively). Keys ending
/// in `/` take a tag key after them.
pub const CONDITION_KEYS: &[&str] = &[
    "accesspointnetworkorigin",
    "authtype",
    "dataaccesspointaccount",
    "dataaccesspointarn",
    "delimiter",
    "existingobjecttag/",
    "if-match",
    "if-none-match",
    "locationconstraint",
    "max-keys",
    "object-lock-legal-hold",
    "object-lock-mode",
    "object-lock-remaining-retention-days",
    "object-lock-retain-until-date",
    "objectcreationoperation",
    "prefix",
    "requestobjecttag/",
    "requestobjecttagkeys",
    "resourceaccount",
    "signatureage",
    "signatureversion",
    "tlsversion",
    "versionid",
    "x-amz-acl",
    "x-amz-content-sha256",
    "x-amz-copy-source",
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write",
    "x-amz-grant-write-acp",
    "x-amz-metadata-directive",
    "x-amz-object-ownership",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-storage-class",
    "x-amz-website-redirect-location",
];

/// Whether `key` (lower-cased, without `s3:`) is one of S3's condition keys.
pub fn is_condition_key(key: &str) -> bool {
    CONDITION_KEYS
        .iter()
        .any(|known| match known.strip_suffix('/') {
            Some(prefix) => key
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|tag| !tag.is_empty()),
            None => key == *known,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_sorted_and_unique() {
        // Sorted so the table reads like the reference and a duplicate shows up beside its twin.
        for pair in ACTIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn condition_keys_with_a_tag_need_one() {
        assert!(is_condition_key("prefix"));
        assert!(is_condition_key("existingobjecttag/team"));
        assert!(!is_condition_key("existingobjecttag/"));
        assert!(!is_condition_key("existingobjecttag"));
        assert!(!is_condition_key("nosuchkey"));
    }
}
