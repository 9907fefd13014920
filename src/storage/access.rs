//! The access records kept in sled's `access` tree: issued keys (long-term and session), per-key
//! "not before" times, revoked signatures and Swift temp-URL keys. What they mean for a request is
//! decided in `auth::keys`; this file only stores and loads them, each change durable on return.
//!
//! Tree keys are a one-letter kind and the record's name: `k/<access key id>`, `n/<access key id>`,
//! `d/<access key id>` (a deleted key, so its signatures answer "revoked"), `r/<signature>`,
//! `t/<account>`.

use super::error::{StorageError, StorageResult};
use super::{records, Store};
use serde::{Deserialize, Serialize};

/// What a key may do: each allowed action, and where (empty `buckets` = every bucket).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Scope {
    pub read: bool,
    pub write: bool,
    pub list: bool,
    pub delete: bool,
    pub buckets: Vec<BucketScope>,
}

/// What a request does, as far as a key's scope is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Write,
    List,
    Delete,
}

impl Scope {
    /// Every action on every bucket.
    pub fn full() -> Scope {
        Scope {
            read: true,
            write: true,
            list: true,
            delete: true,
            buckets: Vec::new(),
        }
    }

    pub fn permits(&self, action: Action) -> bool {
        match action {
            Action::Read => self.read,
            Action::Write => self.write,
            Action::List => self.list,
            Action::Delete => self.delete,
        }
    }

    /// `action` on the object `key` (or, for listings, on keys under the prefix `key`).
    pub fn allows(&self, action: Action, bucket: &str, key: &str) -> bool {
        self.permits(action)
            && (self.buckets.is_empty()
                || self
                    .buckets
                    .iter()
                    .any(|b| b.bucket == bucket && key.starts_with(&b.prefix)))
    }

    /// `action` on the bucket as a whole (its settings, creating or deleting it): only keys whose
    /// scope covers the whole bucket.
    pub fn allows_bucket(&self, action: Action, bucket: &str) -> bool {
        self.allows(action, bucket, "")
    }

    /// Whether the key may touch `bucket` at all (HeadBucket, GetBucketLocation).
    pub fn reaches(&self, bucket: &str) -> bool {
        (self.read || self.write || self.list || self.delete)
            && (self.buckets.is_empty() || self.buckets.iter().any(|b| b.bucket == bucket))
    }

    /// What both scopes allow (a session narrowed by a policy, within its parent's scope).
    pub fn intersect(&self, other: &Scope) -> Scope {
        let buckets = match (self.buckets.is_empty(), other.buckets.is_empty()) {
            (true, _) => other.buckets.clone(),
            (false, true) => self.buckets.clone(),
            (false, false) => {
                let mut out = Vec::new();
                for a in &self.buckets {
                    for b in other.buckets.iter().filter(|b| b.bucket == a.bucket) {
                        // The longer prefix is the narrower, when one contains the other.
                        if b.prefix.starts_with(&a.prefix) {
                            out.push(b.clone());
                        } else if a.prefix.starts_with(&b.prefix) {
                            out.push(a.clone());
                        }
                    }
                }
                if out.is_empty() {
                    // Nothing in common: a scope that reaches no bucket at all.
                    return Scope::default();
                }
                out
            }
        };
        Scope {
            read: self.read && other.read,
            write: self.write && other.write,
            list: self.list && other.list,
            delete: self.delete && other.delete,
            buckets,
        }
    }
}

/// One bucket a scoped key may use, optionally only under a key prefix.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BucketScope {
    pub bucket: String,
    /// Empty: the whole bucket.
    #[serde(default)]
    pub prefix: String,
}

/// One of a key's secrets (a key holds one or two, so it can be rotated without breaking links).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SecretRecord {
    pub id: String,
    pub secret: String,
    /// Seconds since the Unix epoch.
    pub created: i64,
}

/// Temporary credentials from STS: the token requests must carry and when they stop working.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionRecord {
    pub token: String,
    /// Seconds since the Unix epoch.
    pub expires: i64,
    /// The key that asked for them; deleting it ends the session.
    pub parent: String,
    /// `AssumeRole`'s role ARN and session name, for `AssumedRoleUser`.
    #[serde(default)]
    pub role: Option<(String, String)>,
}

/// An issued key (the root key from the command line is not stored).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyRecord {
    pub access_key: String,
    pub secrets: Vec<SecretRecord>,
    pub scope: Scope,
    /// Seconds since the Unix epoch.
    pub created: i64,
    #[serde(default)]
    pub session: Option<SessionRecord>,
}

/// A presigned URL (or form, or temp URL) taken back before its expiry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RevokedSignature {
    /// As it appears in the URL (hex lower-cased; SigV2 and TempURL base64 as sent).
    pub signature: String,
    /// The key (or `AUTH_<account>` for a temp URL) that signed it, when known.
    #[serde(default)]
    pub access_key: Option<String>,
    /// When the URL would have expired anyway (seconds since the epoch); the record can go then.
    #[serde(default)]
    pub expires: Option<i64>,
    pub revoked_at: i64,
}

/// An account's Swift temp-URL keys (`Temp-URL-Key` and `Temp-URL-Key-2`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TempUrlKeys {
    pub key: Option<String>,
    pub key2: Option<String>,
}

/// Everything in the `access` tree, as loaded at start-up.
#[derive(Debug, Default)]
pub struct AccessRecords {
    pub keys: Vec<KeyRecord>,
    /// Access key id -> seconds since the epoch.
    pub not_before: Vec<(String, i64)>,
    pub revoked: Vec<RevokedSignature>,
    pub tempurl_keys: Vec<(String, TempUrlKeys)>,
    /// Deleted keys -> when (seconds since the epoch).
    pub deleted: Vec<(String, i64)>,
}

const KEY: &str = "k/";
const NOT_BEFORE: &str = "n/";
const REVOKED: &str = "r/";
const TEMPURL: &str = "t/";
const DELETED: &str = "d/";

fn tree_key(kind: &str, name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(kind.len() + name.len());
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(name.as_bytes());
    out
}

impl Store {
    /// Every access record.
    pub fn load_access(&self) -> StorageResult<AccessRecords> {
        let mut out = AccessRecords::default();
        for entry in self.inner.access.iter() {
            let (key, value) = entry?;
            let key = std::str::from_utf8(&key)
                .map_err(|_| StorageError::Corrupt("access record key is not UTF-8".into()))?;
            if key.starts_with(KEY) {
                out.keys.push(records::decode(&value)?);
            } else if let Some(name) = key.strip_prefix(NOT_BEFORE) {
                out.not_before
                    .push((name.to_string(), records::decode(&value)?));
            } else if key.starts_with(REVOKED) {
                out.revoked.push(records::decode(&value)?);
            } else if let Some(name) = key.strip_prefix(DELETED) {
                out.deleted
                    .push((name.to_string(), records::decode(&value)?));
            } else if let Some(account) = key.strip_prefix(TEMPURL) {
                out.tempurl_keys
                    .push((account.to_string(), records::decode(&value)?));
            } else {
                return Err(StorageError::Corrupt(format!(
                    "unknown access record {key:?}"
                )));
            }
        }
        Ok(out)
    }

    /// Stores (or replaces) an issued key.
    pub fn save_key(&self, record: &KeyRecord) -> StorageResult<()> {
        self.put_access(tree_key(KEY, &record.access_key), records::encode(record)?)
    }

    /// Removes an issued key and its "not before" time, in one atomic step leaving a record of
    /// the deletion when `deleted_at` is given.
    pub fn delete_key(&self, access_key: &str, deleted_at: Option<i64>) -> StorageResult<()> {
        let mut batch = sled::Batch::default();
        batch.remove(tree_key(KEY, access_key));
        batch.remove(tree_key(NOT_BEFORE, access_key));
        if let Some(at) = deleted_at {
            batch.insert(tree_key(DELETED, access_key), records::encode(&at)?);
        }
        self.inner.access.apply_batch(batch)?;
        self.inner.durable.flush()?;
        Ok(())
    }

    pub fn save_not_before(&self, access_key: &str, secs: i64) -> StorageResult<()> {
        self.put_access(tree_key(NOT_BEFORE, access_key), records::encode(&secs)?)
    }

    pub fn save_revocation(&self, record: &RevokedSignature) -> StorageResult<()> {
        self.put_access(
            tree_key(REVOKED, &record.signature),
            records::encode(record)?,
        )
    }

    /// Drops revocations of URLs that have expired anyway (nothing to refuse any more).
    pub fn delete_revocations(&self, signatures: &[String]) -> StorageResult<()> {
        if signatures.is_empty() {
            return Ok(());
        }
        for signature in signatures {
            self.inner.access.remove(tree_key(REVOKED, signature))?;
        }
        self.inner.durable.flush()?;
        Ok(())
    }

    pub fn save_tempurl_keys(&self, account: &str, keys: &TempUrlKeys) -> StorageResult<()> {
        self.put_access(tree_key(TEMPURL, account), records::encode(keys)?)
    }

    /// One record written and durable before the caller answers.
    fn put_access(&self, key: Vec<u8>, value: Vec<u8>) -> StorageResult<()> {
        self.ensure_room()?;
        self.inner.access.insert(key, value)?;
        self.inner.durable.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> KeyRecord {
        KeyRecord {
            access_key: id.into(),
            secrets: vec![SecretRecord {
                id: "s1".into(),
                secret: "secret".into(),
                created: 1,
            }],
            scope: Scope {
                read: true,
                buckets: vec![BucketScope {
                    bucket: "b".into(),
                    prefix: "p/".into(),
                }],
                ..Scope::default()
            },
            created: 1,
            session: None,
        }
    }

    fn scope(read: bool, write: bool, buckets: &[(&str, &str)]) -> Scope {
        Scope {
            read,
            write,
            buckets: buckets
                .iter()
                .map(|(b, p)| BucketScope {
                    bucket: b.to_string(),
                    prefix: p.to_string(),
                })
                .collect(),
            ..Scope::default()
        }
    }

    #[test]
    fn scopes_limit_actions_buckets_and_prefixes() {
        let s = scope(true, false, &[("photos", "2024/"), ("docs", "")]);
        assert!(s.allows(Action::Read, "photos", "2024/a.jpg"));
        assert!(!s.allows(Action::Read, "photos", "2023/a.jpg"));
        assert!(!s.allows(Action::Write, "photos", "2024/a.jpg"));
        assert!(!s.allows(Action::Read, "other", "x"));
        assert!(s.allows_bucket(Action::Read, "docs"));
        assert!(
            !s.allows_bucket(Action::Read, "photos"),
            "prefix-only scope"
        );
        assert!(s.reaches("photos") && !s.reaches("other"));
        assert!(Scope::full().allows(Action::Delete, "any", "thing"));
        assert!(!Scope::default().reaches("any"), "no actions, no reach");
    }

    #[test]
    fn intersections_keep_the_narrower_of_each() {
        let parent = scope(true, true, &[("b", "p/"), ("c", "")]);
        let policy = scope(true, false, &[("b", "p/q/"), ("c", "x/"), ("d", "")]);
        let both = parent.intersect(&policy);
        assert!(both.read && !both.write);
        assert_eq!(
            both.buckets,
            scope(true, false, &[("b", "p/q/"), ("c", "x/")]).buckets
        );
        assert_eq!(Scope::full().intersect(&policy).buckets, policy.buckets);
        let disjoint = parent.intersect(&scope(true, true, &[("z", "")]));
        assert!(!disjoint.reaches("b") && !disjoint.reaches("z"));
    }

    #[test]
    fn records_survive_a_reopen_and_deletes_stick() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path(), 1 << 20).expect("open");
            store.save_key(&key("AK1")).expect("save");
            store.save_key(&key("AK2")).expect("save");
            store.save_not_before("AK1", 100).expect("nb");
            store.save_not_before("root", 7).expect("nb");
            store
                .save_revocation(&RevokedSignature {
                    signature: "abc".into(),
                    access_key: Some("AK1".into()),
                    expires: Some(5),
                    revoked_at: 2,
                })
                .expect("revoke");
            store
                .save_tempurl_keys(
                    "acct",
                    &TempUrlKeys {
                        key: Some("k".into()),
                        key2: None,
                    },
                )
                .expect("tempurl");
            store.delete_key("AK2", Some(9)).expect("delete");
        }
        let store = crate::storage::tests::reopen(dir.path(), 1 << 20);
        let loaded = store.load_access().expect("load");
        assert_eq!(loaded.keys, vec![key("AK1")]);
        assert_eq!(
            loaded.not_before,
            vec![("AK1".to_string(), 100), ("root".to_string(), 7)]
        );
        assert_eq!(loaded.revoked.len(), 1);
        assert_eq!(loaded.revoked[0].signature, "abc");
        assert_eq!(loaded.tempurl_keys[0].0, "acct");
        assert_eq!(loaded.deleted, vec![("AK2".to_string(), 9)]);
        store.delete_revocations(&["abc".into()]).expect("prune");
        assert!(store.load_access().expect("load").revoked.is_empty());
    }
}
