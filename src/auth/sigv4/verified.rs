//! Presigned reads this thread has already verified, so that the same URL fetched again (a
//! video's range requests, a page's images, a retry) skips the canonical request and its hashes.
//!
//! An entry records everything the canonical request and the string to sign are built from (the
//! signature, method, raw path, raw query, the headers the signature covers, and the
//! `--host-alias` list it may have matched through) and the secret that signed them. A request
//! matches only if all of that is byte for byte the same, and its secret is still one of the
//! access key's: a rotated or deleted key is never answered from here.
//! Everything that is not part of the signature (expiry, clock skew, revocation, the key's scope)
//! is checked for every request as before, outside this memo.

use super::{Claim, RequestParts};
use crate::auth::{AuthConfig, Grant};
use std::cell::RefCell;
use std::hash::BuildHasher;

/// Entries kept per worker thread. Only verified signatures get in, so a client cannot fill it
/// with made-up ones; when full, the oldest entry makes room.
const SLOTS: usize = 32;
/// Requests whose inputs are longer than this are verified every time (each entry costs memory
/// for as long as it stays).
const MAX_INPUTS: usize = 4096;

struct Entry {
    /// The signature hashed with this thread's random key. Compared first, so that the byte-wise
    /// comparison below only ever runs once the signature is already known to match: timing
    /// then says nothing about how much of a guessed signature is right.
    signature_hash: u64,
    inputs: Vec<u8>,
    secret: String,
    key: [u8; 32],
}

#[derive(Default)]
struct Memo {
    hasher: std::hash::RandomState,
    entries: Vec<Entry>,
    /// Where the next entry goes once `entries` is full.
    next: usize,
    /// The current request's inputs, built here to avoid an allocation per lookup.
    scratch: Vec<u8>,
}

impl Memo {
    /// Writes this request's inputs to `scratch` and returns its signature's hash; `None` (the
    /// buffer let go rather than kept this large) when they are too long to be kept.
    fn prepare(
        &mut self,
        req: &RequestParts<'_>,
        cfg: &AuthConfig,
        claim: &Claim<'_>,
    ) -> Option<u64> {
        let signature_hash = self.hasher.hash_one(claim.signature);
        write_inputs(&mut self.scratch, req, cfg, claim);
        if self.scratch.len() > MAX_INPUTS {
            self.scratch = Vec::new();
            return None;
        }
        Some(signature_hash)
    }

    /// The entry of the request [`Memo::prepare`] wrote.
    fn find(&self, signature_hash: u64) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.signature_hash == signature_hash && e.inputs == self.scratch)
    }
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

#[cfg(test)]
thread_local! {
    /// Lookups answered from the memo, for the tests.
    pub(super) static HITS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// How many requests this thread's memo holds, for the tests.
#[cfg(test)]
pub(super) fn entries() -> usize {
    MEMO.with_borrow(|memo| memo.entries.len())
}

/// Whether the memo is used for this request: presigned reads only. A GET or HEAD link is what
/// gets fetched again and again; uploads through presigned PUT or POST links are each a new URL
/// and would only push the reads out.
pub(super) fn applies(req: &RequestParts<'_>, claim: &Claim<'_>) -> bool {
    claim.presigned && matches!(req.method, "GET" | "HEAD")
}

/// The signing key of a matching entry whose secret `grant` still holds.
pub(super) fn lookup(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    claim: &Claim<'_>,
    grant: &Grant<'_>,
) -> Option<[u8; 32]> {
    MEMO.with_borrow_mut(|memo| {
        let signature_hash = memo.prepare(req, cfg, claim)?;
        let entry = memo.entries.get(memo.find(signature_hash)?)?;
        if !grant.secrets.contains(&entry.secret) {
            return None;
        }
        #[cfg(test)]
        HITS.with(|h| h.set(h.get() + 1));
        Some(entry.key)
    })
}

/// Records that `secret` (deriving `key`) signed this request.
pub(super) fn remember(
    req: &RequestParts<'_>,
    cfg: &AuthConfig,
    claim: &Claim<'_>,
    secret: &str,
    key: [u8; 32],
) {
    MEMO.with_borrow_mut(|memo| {
        let Some(signature_hash) = memo.prepare(req, cfg, claim) else {
            return;
        };
        if let Some(entry) = memo
            .find(signature_hash)
            .and_then(|i| memo.entries.get_mut(i))
        {
            // The same request signed by another of the key's secrets (a rotation).
            entry.secret = secret.to_string();
            entry.key = key;
            return;
        }
        let entry = Entry {
            signature_hash,
            inputs: memo.scratch.clone(),
            secret: secret.to_string(),
            key,
        };
        if memo.entries.len() < SLOTS {
            memo.entries.push(entry);
        } else if let Some(slot) = memo.entries.get_mut(memo.next) {
            *slot = entry;
            memo.next = (memo.next + 1) % SLOTS;
        }
    })
}

/// Each input length-prefixed, so that no two different requests write the same bytes. The
/// headers are those the canonical request reads, in the order it reads them (by signed name, then
/// every repeat in order of appearance, as `push_canonical_headers` does; the request's own
/// header order can differ between identical requests), then `x-amz-content-sha256`, which may
/// give the payload line. The `--host-alias` list goes in too: a request verified through an
/// alias must not be answered for a configuration without it (one process has one, but a test
/// thread can run several).
fn write_inputs(out: &mut Vec<u8>, req: &RequestParts<'_>, cfg: &AuthConfig, claim: &Claim<'_>) {
    out.clear();
    for field in [claim.signature, req.method, req.raw_path, req.raw_query] {
        push_field(out, field);
    }
    let signed = claim.signed_headers.iter().map(|name| name.as_ref());
    for name in signed.chain(std::iter::once("x-amz-content-sha256")) {
        let values = || {
            req.headers
                .iter()
                .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        };
        // Counted, so that a value can never be read as the next name.
        push_count(out, values().count());
        push_field(out, name);
        for (_, value) in values() {
            push_field(out, value);
        }
    }
    push_count(out, cfg.host_aliases.len());
    for alias in &cfg.host_aliases {
        push_field(out, alias);
    }
}

fn push_count(out: &mut Vec<u8>, count: usize) {
    out.extend_from_slice(&(count as u64).to_le_bytes());
}

fn push_field(out: &mut Vec<u8>, field: &str) {
    push_count(out, field.len());
    out.extend_from_slice(field.as_bytes());
}
