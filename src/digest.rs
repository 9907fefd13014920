//! A request body's MD5 (its ETag) and additional checksum, computed on a thread of their own
//! once the body is large, so that hashing runs beside receiving and writing.
//!
//! MD5 cannot be split across cores, so a large PUT is as fast as one core hashes. Done on the
//! request's thread, it shared that core with reading the socket and handing bytes to the file
//! writer: measured on 256 MiB PUTs, MD5 was about 80% of that thread's time and the thread was
//! the bottleneck while the other core sat partly idle.

use crate::checksum::{ChecksumAlgorithm, ChecksumHasher};
use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::sync::{mpsc, oneshot};

/// Bytes hashed on the request's thread before hashing moves to a thread of its own: below it,
/// starting a thread and waking it for every piece costs more than it saves.
const OFFLOAD_AFTER: u64 = 1 << 20;

/// Pieces queued for the hashing thread: bounds what one upload holds in memory when hashing is
/// slower than the network.
const QUEUE_PIECES: usize = 16;

/// What a body hashed to.
pub struct BodyDigests {
    pub md5: [u8; 16],
    /// The additional checksum's hasher, finished by the caller (it knows the expected value).
    pub checksum: Option<ChecksumHasher>,
}

#[derive(Clone)]
struct Hashers {
    md5: Md5,
    checksum: Option<ChecksumHasher>,
}

impl Hashers {
    fn update(&mut self, piece: &[u8]) {
        self.md5.update(piece);
        if let Some(h) = self.checksum.as_mut() {
            h.update(piece);
        }
    }

    fn finish(self) -> BodyDigests {
        BodyDigests {
            md5: self.md5.finalize().into(),
            checksum: self.checksum,
        }
    }
}

enum State {
    Here(Box<Hashers>),
    Offloaded {
        queue: mpsc::Sender<Bytes>,
        result: oneshot::Receiver<BodyDigests>,
    },
}

/// Hashes a body piece by piece, in order.
pub struct BodyHasher {
    state: State,
    hashed: u64,
}

impl BodyHasher {
    pub fn new(checksum: Option<ChecksumAlgorithm>) -> Self {
        BodyHasher {
            state: State::Here(Box::new(Hashers {
                md5: Md5::new(),
                checksum: checksum.map(ChecksumHasher::new),
            })),
            hashed: 0,
        }
    }

    /// Adds the next piece. Waits only when the hashing thread is [`QUEUE_PIECES`] behind.
    pub async fn update(&mut self, piece: Bytes) {
        self.hashed += piece.len() as u64;
        if let State::Here(hashers) = &mut self.state {
            hashers.update(&piece);
            if self.hashed >= OFFLOAD_AFTER {
                self.offload();
            }
            return;
        }
        if let State::Offloaded { queue, .. } = &self.state {
            // A send fails only if the thread is gone; `finish` then reports it.
            let _ = queue.send(piece).await;
        }
    }

    /// Moves the hashers, with what they have hashed so far, to a thread of their own. Stays
    /// here if no thread can be started.
    fn offload(&mut self) {
        let State::Here(hashers) = &self.state else {
            return;
        };
        let (queue, mut pieces) = mpsc::channel::<Bytes>(QUEUE_PIECES);
        let (deliver, result) = oneshot::channel();
        // A copy travels, so that these go on here if the thread cannot be started.
        let mut travelling = Hashers::clone(hashers);
        let spawned = std::thread::Builder::new()
            .name("minis3-hasher".into())
            .spawn(move || {
                while let Some(piece) = pieces.blocking_recv() {
                    travelling.update(&piece);
                }
                let _ = deliver.send(travelling.finish());
            });
        if spawned.is_ok() {
            self.state = State::Offloaded { queue, result };
        }
    }

    /// The digests of everything added. `None` only if the hashing thread died.
    pub async fn finish(self) -> Option<BodyDigests> {
        match self.state {
            State::Here(hashers) => Some(hashers.finish()),
            State::Offloaded { queue, result } => {
                // Closing the queue lets the thread finish the pieces it has and answer.
                drop(queue);
                result.await.ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(body: &[u8], algorithm: ChecksumAlgorithm) -> ([u8; 16], String) {
        let mut checksum = ChecksumHasher::new(algorithm);
        checksum.update(body);
        (Md5::digest(body).into(), checksum.finish())
    }

    async fn hash_in_pieces(
        body: &[u8],
        piece: usize,
        algorithm: ChecksumAlgorithm,
    ) -> ([u8; 16], String) {
        let mut hasher = BodyHasher::new(Some(algorithm));
        let body = Bytes::copy_from_slice(body);
        for start in (0..body.len()).step_by(piece) {
            hasher
                .update(body.slice(start..(start + piece).min(body.len())))
                .await;
        }
        let digests = hasher.finish().await.expect("the hashing thread answers");
        let checksum = digests.checksum.expect("a checksum was asked for");
        (digests.md5, checksum.finish())
    }

    #[tokio::test]
    async fn a_small_body_is_hashed_in_place() {
        let body: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let mut hasher = BodyHasher::new(None);
        hasher.update(Bytes::copy_from_slice(&body)).await;
        assert!(matches!(hasher.state, State::Here(_)));
        let digests = hasher.finish().await.expect("digests");
        assert_eq!(digests.md5, <[u8; 16]>::from(Md5::digest(&body)));
        assert!(digests.checksum.is_none());
    }

    #[tokio::test]
    async fn a_large_body_hashes_the_same_on_its_own_thread() {
        // Uneven pieces, so the move to the thread happens mid-stream with bytes already hashed,
        // and more pieces than the queue holds.
        let len = OFFLOAD_AFTER as usize * 3 + 12_345;
        let body: Vec<u8> = (0..len as u64).map(|i| (i * 7 % 253) as u8).collect();
        for algorithm in [ChecksumAlgorithm::Crc32c, ChecksumAlgorithm::Sha256] {
            let mut hasher = BodyHasher::new(Some(algorithm));
            hasher.update(Bytes::copy_from_slice(&body[..1000])).await;
            assert!(matches!(hasher.state, State::Here(_)));
            hasher
                .update(Bytes::copy_from_slice(
                    &body[1000..OFFLOAD_AFTER as usize + 1],
                ))
                .await;
            assert!(matches!(hasher.state, State::Offloaded { .. }));

            assert_eq!(
                hash_in_pieces(&body, 65_521, algorithm).await,
                expected(&body, algorithm)
            );
        }
    }
}
