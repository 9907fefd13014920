//! The keys minis3 accepts besides the root key, and what has been revoked: an in-memory copy of
//! the store's `access` records (every check is a hash lookup, O(1) per request), written through
//! to the store before any change is acknowledged, so a revocation holds from the next request on
//! and across restarts.

use crate::error::S3Error;
use crate::s3_error;
use crate::storage::access::{
    KeyRecord, RevokedSignature, Scope, SecretRecord, SessionRecord, TempUrlKeys,
};
use crate::storage::Store;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use base64::Engine;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// How many secrets a key may hold at once (the old and the new one during a rotation).
pub const MAX_SECRETS: usize = 2;
/// STS `DurationSeconds` bounds.
pub const MIN_SESSION_SECS: i64 = 900;
pub const MAX_SESSION_SECS: i64 = 43_200;
/// How long an expired session is kept after its expiry, so its requests are told `ExpiredToken`
/// rather than `InvalidAccessKeyId`, across restarts too.
const EXPIRED_SESSION_GRACE_SECS: i64 = 86_400;

/// Issued keys, revocations and temp-URL keys.
#[derive(Default)]
pub struct KeyRing {
    /// Where changes are persisted; `None` for a ring that lives in memory only (tests, tools).
    store: Option<Store>,
    state: RwLock<State>,
    /// Whether `state.revoked` / `state.not_before` has any entry, kept by [`StateWriter`]. A
    /// server that has revoked nothing answers every request's two revocation checks without the
    /// read lock, whose counter the workers' cores would otherwise pass back and forth each time.
    any_revoked: AtomicBool,
    any_not_before: AtomicBool,
}

#[derive(Default)]
struct State {
    keys: HashMap<String, KeyRecord>,
    not_before: HashMap<String, i64>,
    revoked: HashMap<String, RevokedSignature>,
    tempurl: HashMap<String, TempUrlKeys>,
    /// Deleted keys and when: their signatures answer "revoked", not "no such key".
    deleted: HashMap<String, i64>,
}

/// The write lock on a ring's state; on release it records whether anything is revoked (before
/// the lock is let go, so a request that finds the flag clear cannot miss a revocation whose
/// change has returned).
struct StateWriter<'a> {
    guard: RwLockWriteGuard<'a, State>,
    ring: &'a KeyRing,
}

impl std::ops::Deref for StateWriter<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.guard
    }
}

impl std::ops::DerefMut for StateWriter<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard
    }
}

impl Drop for StateWriter<'_> {
    fn drop(&mut self) {
        let ring = self.ring;
        ring.any_revoked
            .store(!self.guard.revoked.is_empty(), Ordering::Release);
        ring.any_not_before
            .store(!self.guard.not_before.is_empty(), Ordering::Release);
    }
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets.
        f.write_str("KeyRing { .. }")
    }
}

/// `count` random bytes from the operating system.
fn random_bytes<const N: usize>() -> Result<[u8; N], S3Error> {
    let mut out = [0u8; N];
    getrandom::getrandom(&mut out).map_err(|e| {
        tracing::error!(error = %e, "no randomness from the operating system");
        s3_error!(InternalError)
    })?;
    Ok(out)
}

/// An access key id in AWS's shape: a four-letter kind and 16 characters of `A-Z2-7`.
fn new_access_key_id(kind: &str) -> Result<String, S3Error> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bytes = random_bytes::<16>()?;
    let mut id = String::from(kind);
    id.extend(
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b % 32)])),
    );
    Ok(id)
}

/// 40 characters, like an AWS secret access key.
fn new_secret() -> Result<String, S3Error> {
    Ok(BASE64URL.encode(random_bytes::<30>()?))
}

/// A fresh secret with an id of its own.
fn new_secret_record(now: i64) -> Result<SecretRecord, S3Error> {
    Ok(SecretRecord {
        id: hex::encode(random_bytes::<6>()?),
        secret: new_secret()?,
        created: now,
    })
}

fn no_such_key(access_key: &str) -> S3Error {
    s3_error!(
        NoSuchEntity,
        "The access key {access_key} does not exist (the root key cannot be changed)."
    )
}

impl KeyRing {
    /// Loads the store's records, dropping sessions expired for more than a day and revocations
    /// of URLs that have expired anyway.
    pub fn open(store: Store, now: i64) -> Result<KeyRing, crate::storage::StorageError> {
        let records = store.load_access()?;
        let mut state = State::default();
        let mut stale_keys = Vec::new();
        for key in records.keys {
            match &key.session {
                Some(session) if session.expires + EXPIRED_SESSION_GRACE_SECS <= now => {
                    stale_keys.push(key.access_key)
                }
                _ => {
                    state.keys.insert(key.access_key.clone(), key);
                }
            }
        }
        state.not_before.extend(records.not_before);
        let mut stale_revocations = Vec::new();
        for revoked in records.revoked {
            if revoked.expires.is_some_and(|e| e < now) {
                stale_revocations.push(revoked.signature);
            } else {
                state.revoked.insert(revoked.signature.clone(), revoked);
            }
        }
        state.tempurl.extend(records.tempurl_keys);
        state.deleted.extend(records.deleted);
        for key in &stale_keys {
            store.delete_key(key, None)?;
        }
        store.delete_revocations(&stale_revocations)?;
        let ring = KeyRing {
            store: Some(store),
            ..KeyRing::default()
        };
        *ring.write() = state;
        Ok(ring)
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-changed (each change is one
        // insert or remove), so a poisoned lock is still consistent.
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> StateWriter<'_> {
        StateWriter {
            guard: self.state.write().unwrap_or_else(|e| e.into_inner()),
            ring: self,
        }
    }

    fn persist(
        &self,
        change: impl FnOnce(&Store) -> crate::storage::StorageResult<()>,
    ) -> Result<(), S3Error> {
        match &self.store {
            Some(store) => Ok(change(store)?),
            None => Ok(()),
        }
    }

    // ---- per-request checks ----

    /// An issued key (long-term or session), if it exists.
    pub fn issued(&self, access_key: &str) -> Option<KeyRecord> {
        self.read().keys.get(access_key).cloned()
    }

    /// Signatures by `access_key` dated before this (seconds since the epoch) are revoked.
    pub fn not_before(&self, access_key: &str) -> Option<i64> {
        if !self.any_not_before.load(Ordering::Acquire) {
            return None;
        }
        self.read().not_before.get(access_key).copied()
    }

    /// When `access_key` was deleted, if it was.
    pub fn deleted_at(&self, access_key: &str) -> Option<i64> {
        self.read().deleted.get(access_key).copied()
    }

    /// Whether `signature`, as a request sent it, has been revoked.
    pub fn is_revoked(&self, signature: &str) -> bool {
        if !self.any_revoked.load(Ordering::Acquire) {
            return false;
        }
        let signature = super::normalize_signature(signature);
        self.read().revoked.contains_key(signature.as_ref())
    }

    /// An account's temp-URL keys, first and second.
    pub fn tempurl_keys(&self, account: &str) -> Vec<String> {
        let state = self.read();
        let Some(keys) = state.tempurl.get(account) else {
            return Vec::new();
        };
        keys.key.iter().chain(keys.key2.iter()).cloned().collect()
    }

    // ---- changes ----

    /// Issues a key with one secret: long-term (`AKIA...`) or, with a session, temporary
    /// (`ASIA...`).
    fn issue(
        &self,
        scope: Scope,
        session: Option<SessionRecord>,
        now: i64,
    ) -> Result<KeyRecord, S3Error> {
        let kind = if session.is_some() { "ASIA" } else { "AKIA" };
        let record = KeyRecord {
            access_key: new_access_key_id(kind)?,
            secrets: vec![new_secret_record(now)?],
            scope,
            created: now,
            session,
        };
        let mut state = self.write();
        self.persist(|s| s.save_key(&record))?;
        state.keys.insert(record.access_key.clone(), record.clone());
        Ok(record)
    }

    /// Issues a long-term key with one secret.
    pub fn create_key(&self, scope: Scope, now: i64) -> Result<KeyRecord, S3Error> {
        self.issue(scope, None, now)
    }

    /// Issues temporary credentials for `parent` (STS).
    pub fn create_session(
        &self,
        parent: &str,
        scope: Scope,
        expires: i64,
        role: Option<(String, String)>,
        now: i64,
    ) -> Result<KeyRecord, S3Error> {
        let session = SessionRecord {
            token: BASE64URL.encode(random_bytes::<96>()?),
            expires,
            parent: parent.to_string(),
            role,
        };
        self.issue(scope, Some(session), now)
    }

    /// Long-term keys, sorted by id (sessions are short-lived and not listed).
    pub fn list_keys(&self) -> Vec<KeyRecord> {
        let mut keys: Vec<KeyRecord> = self
            .read()
            .keys
            .values()
            .filter(|k| k.session.is_none())
            .cloned()
            .collect();
        keys.sort_by(|a, b| a.access_key.cmp(&b.access_key));
        keys
    }

    /// Deletes a key and every session it started: all their signatures stop working at once,
    /// answering that the key was revoked.
    pub fn delete_key(&self, access_key: &str, now: i64) -> Result<(), S3Error> {
        let mut state = self.write();
        if !state.keys.contains_key(access_key) {
            return Err(no_such_key(access_key));
        }
        let sessions: Vec<String> = state
            .keys
            .values()
            .filter(|k| k.session.as_ref().is_some_and(|s| s.parent == access_key))
            .map(|k| k.access_key.clone())
            .collect();
        for id in sessions.iter().map(String::as_str).chain([access_key]) {
            self.persist(|s| s.delete_key(id, Some(now)))?;
            state.keys.remove(id);
            state.not_before.remove(id);
            state.deleted.insert(id.to_string(), now);
        }
        Ok(())
    }

    /// Changes a long-term key under the write lock: `change` edits a copy, which is persisted and
    /// then installed; nothing changes when it fails. `NoSuchEntity` for a session or unknown key.
    fn change_long_term_key<T>(
        &self,
        access_key: &str,
        change: impl FnOnce(&mut KeyRecord) -> Result<T, S3Error>,
    ) -> Result<T, S3Error> {
        let mut state = self.write();
        let Some(mut record) = state
            .keys
            .get(access_key)
            .filter(|k| k.session.is_none())
            .cloned()
        else {
            return Err(no_such_key(access_key));
        };
        let out = change(&mut record)?;
        self.persist(|s| s.save_key(&record))?;
        state.keys.insert(access_key.to_string(), record);
        Ok(out)
    }

    /// Adds a second secret to a long-term key (for rotation).
    pub fn add_secret(&self, access_key: &str, now: i64) -> Result<SecretRecord, S3Error> {
        self.change_long_term_key(access_key, |record| {
            if record.secrets.len() >= MAX_SECRETS {
                return Err(s3_error!(
                    LimitExceeded,
                    "The access key {access_key} already has {MAX_SECRETS} secrets; remove one first."
                ));
            }
            let secret = new_secret_record(now)?;
            record.secrets.push(secret.clone());
            Ok(secret)
        })
    }

    /// Removes one secret; every signature made with it fails from the next request on.
    pub fn remove_secret(&self, access_key: &str, secret_id: &str) -> Result<(), S3Error> {
        self.change_long_term_key(access_key, |record| {
            if !record.secrets.iter().any(|s| s.id == secret_id) {
                return Err(s3_error!(
                    NoSuchEntity,
                    "The access key {access_key} has no secret {secret_id}."
                ));
            }
            if record.secrets.len() == 1 {
                return Err(s3_error!(
                    InvalidRequest,
                    "{secret_id} is the only secret of {access_key}; add another first, or delete the key."
                ));
            }
            record.secrets.retain(|s| s.id != secret_id);
            Ok(())
        })
    }

    /// Revokes one signature (a presigned URL, a POST form or a temp URL).
    pub fn revoke_signature(&self, record: RevokedSignature) -> Result<(), S3Error> {
        let mut state = self.write();
        self.persist(|s| s.save_revocation(&record))?;
        state.revoked.insert(record.signature.clone(), record);
        Ok(())
    }

    /// Revokes everything `access_key` signed before `secs`. A later time replaces an earlier one;
    /// an earlier one never un-revokes.
    pub fn revoke_before(&self, access_key: &str, secs: i64) -> Result<i64, S3Error> {
        let mut state = self.write();
        let effective = state
            .not_before
            .get(access_key)
            .map_or(secs, |&old| old.max(secs));
        self.persist(|s| s.save_not_before(access_key, effective))?;
        state.not_before.insert(access_key.to_string(), effective);
        Ok(effective)
    }

    /// Revoked signatures (sorted by revocation time) and per-key "not before" times (by key).
    pub fn revocations(&self) -> (Vec<RevokedSignature>, Vec<(String, i64)>) {
        let state = self.read();
        let mut revoked: Vec<RevokedSignature> = state.revoked.values().cloned().collect();
        revoked.sort_by(|a, b| (a.revoked_at, &a.signature).cmp(&(b.revoked_at, &b.signature)));
        let mut not_before: Vec<(String, i64)> = state
            .not_before
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        not_before.sort();
        (revoked, not_before)
    }

    /// Sets an account's first (or, with `second`, second) temp-URL key.
    pub fn set_tempurl_key(&self, account: &str, key: &str, second: bool) -> Result<(), S3Error> {
        let mut state = self.write();
        let mut keys = state.tempurl.get(account).cloned().unwrap_or_default();
        let slot = if second {
            &mut keys.key2
        } else {
            &mut keys.key
        };
        *slot = Some(key.to_string());
        self.persist(|s| s.save_tempurl_keys(account, &keys))?;
        state.tempurl.insert(account.to_string(), keys);
        Ok(())
    }

    /// Adds an issued key as it is (tests).
    #[cfg(test)]
    pub fn insert_for_test(&self, record: KeyRecord) {
        self.write().keys.insert(record.access_key.clone(), record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_secrets_have_aws_shapes() {
        let id = new_access_key_id("AKIA").expect("id");
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("AKIA"));
        assert!(id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
        assert_eq!(new_secret().expect("secret").len(), 40);
        assert_ne!(new_secret().expect("a"), new_secret().expect("b"));
    }

    #[test]
    fn rotation_allows_two_secrets_and_never_removes_the_last() {
        let ring = KeyRing::default();
        let key = ring.create_key(Scope::default(), 1).expect("create");
        let first = key.secrets[0].id.clone();
        let second = ring.add_secret(&key.access_key, 2).expect("add");
        assert_eq!(ring.issued(&key.access_key).expect("key").secrets.len(), 2);
        let third = ring.add_secret(&key.access_key, 3).expect_err("third");
        assert_eq!(third.code.as_str(), "LimitExceeded");
        ring.remove_secret(&key.access_key, &first)
            .expect("remove old");
        let left = ring.issued(&key.access_key).expect("key").secrets;
        assert_eq!(left, vec![second.clone()]);
        let last = ring
            .remove_secret(&key.access_key, &second.id)
            .expect_err("last");
        assert_eq!(last.code.as_str(), "InvalidRequest");
        let missing = ring
            .remove_secret("AKIANOPE", &second.id)
            .expect_err("nope");
        assert_eq!(missing.code.as_str(), "NoSuchEntity");
    }

    #[test]
    fn deleting_a_key_ends_its_sessions_and_not_before_only_moves_forward() {
        let ring = KeyRing::default();
        let key = ring.create_key(Scope::default(), 1).expect("create");
        let session = ring
            .create_session(&key.access_key, Scope::default(), 5000, None, 1)
            .expect("session");
        assert!(ring.issued(&session.access_key).is_some());
        assert_eq!(ring.revoke_before(&key.access_key, 100).expect("nb"), 100);
        assert_eq!(ring.revoke_before(&key.access_key, 50).expect("nb"), 100);
        ring.delete_key(&key.access_key, 7).expect("delete");
        assert!(ring.issued(&session.access_key).is_none());
        assert_eq!(ring.deleted_at(&session.access_key), Some(7));
        assert_eq!(ring.deleted_at(&key.access_key), Some(7));
        assert!(ring.issued(&key.access_key).is_none());
        assert_eq!(ring.not_before(&key.access_key), None);
        assert!(ring.list_keys().is_empty());
    }

    #[test]
    fn revocations_are_seen_as_soon_as_they_are_made_though_an_empty_ring_takes_no_lock() {
        let ring = KeyRing::default();
        assert!(!ring.is_revoked("sig"));
        assert_eq!(ring.not_before("AKIAX"), None);
        ring.revoke_signature(RevokedSignature {
            signature: "sig".into(),
            access_key: None,
            expires: None,
            revoked_at: 0,
        })
        .expect("revoke");
        assert!(ring.is_revoked("sig"));
        assert!(!ring.is_revoked("other"));
        let key = ring.create_key(Scope::default(), 1).expect("create");
        assert_eq!(ring.revoke_before(&key.access_key, 100).expect("nb"), 100);
        assert_eq!(ring.not_before(&key.access_key), Some(100));
        assert_eq!(ring.not_before("AKIAX"), None);
        ring.delete_key(&key.access_key, 7).expect("delete");
        assert_eq!(ring.not_before(&key.access_key), None);
        assert!(ring.is_revoked("sig"), "other revocations stay");
    }

    #[test]
    fn a_reopened_ring_keeps_revocations_and_drops_what_expired() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), 1 << 20).expect("open");
        let ring = KeyRing::open(store.clone(), 0).expect("ring");
        let key = ring.create_key(Scope::default(), 0).expect("create");
        let session = ring
            .create_session(&key.access_key, Scope::default(), 100, None, 0)
            .expect("session");
        for (signature, expires) in [("live", 1000), ("stale", 10)] {
            ring.revoke_signature(RevokedSignature {
                signature: signature.into(),
                access_key: None,
                expires: Some(expires),
                revoked_at: 0,
            })
            .expect("revoke");
        }
        ring.set_tempurl_key("acct", "k2", true).expect("tempurl");
        drop(ring);
        let ring = KeyRing::open(store.clone(), 500).expect("reopen");
        assert!(ring.issued(&key.access_key).is_some());
        assert!(
            ring.issued(&session.access_key).is_some(),
            "kept a while, to answer ExpiredToken"
        );
        assert!(ring.is_revoked("live"));
        assert!(!ring.is_revoked("stale"));
        assert_eq!(ring.tempurl_keys("acct"), vec!["k2".to_string()]);
        drop(ring);
        let ring = KeyRing::open(store, 100 + EXPIRED_SESSION_GRACE_SECS).expect("reopen");
        assert!(
            ring.issued(&session.access_key).is_none(),
            "a day past expiry: gone"
        );
        assert!(ring.issued(&key.access_key).is_some());
    }
}
