//! The write-ahead log of small PUTs: what makes them durable with one write and one `fdatasync`
//! of a file of our own instead of a flush of sled's log.
//!
//! A small PUT installs its record in sled with one compare-and-swap and, under the same lock,
//! appends that record to this log as an entry numbered one past the last. The group-commit
//! flusher writes the pending entries at the log's current position and syncs them; a PUT is
//! acknowledged after that. sled is flushed only when something else needs it (every other write
//! waits for a full flush, as before) or the log is full; meanwhile sled's log is written out in
//! the background (`start_sled_writer` in `commit.rs`), so those flushes find little left to
//! write. A full flush first stores, in sled, the number of the last entry installed (the
//! *marker*): every entry up to it is in sled's flushed state, so the log starts over at offset 0
//! (a new *lap*) once that flush is durable.
//!
//! Recovery reads entries from offset 0 and installs those numbered past the marker, in order.
//! Since a lap begins right after the full flush that stored its marker, a lap worth replaying
//! starts with entry `marker + 1`; anything else at offset 0 (zeros, a torn entry, an older lap
//! whose entries the marker covers) means there is nothing to replay. Within a lap the numbers
//! run on by one; a gap, a bad checksum or a short read ends it (what follows is an older lap, or
//! a write that never completed and so was never acknowledged).
//!
//! Replaying an entry sets the key to that record whatever sled holds there, which is right
//! because every change to an object that is not logged here is acknowledged only after a full
//! flush, whose marker is past every entry installed before the change. A bucket created is
//! logged too, so that a PUT acknowledged into a bucket whose creation was not yet flushed finds
//! its bucket again on replay.
//!
//! Each start-up begins a new run of numbers [`RUN_GAP`] past the last one and stores it as the
//! marker with a full flush before anything is logged: entries an earlier run left in the file
//! past the point where replay stopped (after a torn or lost write) carry numbers the new run
//! never reuses, so they can never continue one of its laps.
//!
//! Entry layout: payload length (u32 LE), CRC-32C of the rest (u32 LE), number (u64 LE), tree
//! (u8: [`Tree`]), tree key length (u16 LE), tree key, record.

use super::error::{StorageError, StorageResult};
use std::fs::File;
use std::io::{Read, Seek};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Bytes of log before a full flush starts a new lap: about 3800 PUTs of 4 KiB. Preallocated, so
/// that a write inside it never needs new space (or fails for want of it).
pub(super) const CAPACITY: u64 = 16 * 1024 * 1024;
/// How far ahead of the entries the log is overwritten with zeros, once per process. The file is
/// preallocated with `fallocate`, whose extents stay *unwritten* until first written, and the
/// first write to each turns an `fdatasync` into a journal commit as well: 148 against 104 us per
/// 4 KiB write and sync on this machine's ext4. Zeroing a stretch ahead with the entries' own write
/// pays that once per stretch instead of once per batch.
const ZERO_AHEAD: usize = 64 * 1024;
static ZEROS: [u8; ZERO_AHEAD] = [0; ZERO_AHEAD];
/// The most buffer capacity kept between writes (a burst of large entries gives the rest back).
const SPARE_KEPT: usize = 1024 * 1024;
/// Length, checksum and number.
const HEADER: usize = 16;
/// Number, tree and key length: the smallest payload.
const MIN_PAYLOAD: usize = 8 + 1 + 2;
/// How far past the last number a start-up begins its run: more entries than a run could write
/// (2^40 is 3.5 years at 10k PUTs/s), few enough for 2^24 start-ups.
pub(super) const RUN_GAP: u64 = 1 << 40;
/// No entry is larger: a record holds at most `RECORD_DATA_LIMIT` bytes of data plus metadata
/// bounded by the request's header limits. A larger length read back is damage, not an entry.
const MAX_PAYLOAD: usize = 256 * 1024;
/// The `sled` default-tree key holding the marker (big-endian u64).
pub(super) const MARKER_KEY: &[u8] = b"wal-installed-through";

/// The log file and what is waiting to be written to it.
pub(super) struct Wal {
    file: File,
    /// Entries installed but not yet written, and the last number given out. Held while a record
    /// is installed, so numbers follow the order in which records reach sled.
    pending: Mutex<Pending>,
    /// Where the next write goes. Held across a write and its sync, and across a full flush, so a
    /// lap is never restarted under a write in progress.
    lap: Mutex<Lap>,
}

struct Lap {
    offset: u64,
    /// A full flush failed: sled may hold a marker this lap does not start after, so nothing more
    /// goes into it; every write waits for a full flush until one succeeds and starts a new lap.
    broken: bool,
    /// The file is zeroed (by this process) or written up to here; see [`ZERO_AHEAD`]. Beyond
    /// the lap's offset there are only entries no replay reaches, so zeros there lose nothing.
    zeroed_to: u64,
    /// The buffer swapped in for the pending entries while they are written: reused, so that
    /// no batch allocates, and the flusher does not free what the request threads allocated.
    spare: Vec<u8>,
}

pub(super) struct Pending {
    last: u64,
    bytes: Vec<u8>,
}

/// Which sled tree an entry's record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tree {
    Objects = 0,
    Buckets = 1,
}

impl Pending {
    /// Appends an entry for `record` at `tree_key` in `tree`, numbered one past the last; false
    /// (nothing appended) when it is too large for an entry, and so needs a full flush instead.
    pub(super) fn append(&mut self, tree: Tree, tree_key: &[u8], record: &[u8]) -> bool {
        let Ok(key_len) = u16::try_from(tree_key.len()) else {
            return false;
        };
        let payload_len = MIN_PAYLOAD + tree_key.len() + record.len();
        if payload_len > MAX_PAYLOAD {
            return false;
        }
        self.last += 1;
        let start = self.bytes.len();
        self.bytes
            .extend_from_slice(&(payload_len as u32).to_le_bytes());
        self.bytes.extend_from_slice(&[0; 4]);
        self.bytes.extend_from_slice(&self.last.to_le_bytes());
        self.bytes.push(tree as u8);
        self.bytes.extend_from_slice(&key_len.to_le_bytes());
        self.bytes.extend_from_slice(tree_key);
        self.bytes.extend_from_slice(record);
        let crc = checksum(&self.bytes[start + 8..]);
        self.bytes[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
        true
    }
}

/// Fills `buf`; false at the end of the file (a short last entry is a write that never completed).
fn read_or_end(reader: &mut impl Read, buf: &mut [u8]) -> StorageResult<bool> {
    match reader.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn checksum(bytes: &[u8]) -> u32 {
    crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32Iscsi, bytes) as u32
}

/// What [`Wal::write_pending`] did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Written {
    /// The pending entries (possibly none) are on stable storage.
    Synced,
    /// They do not fit in the rest of the lap: a full flush has to cover them instead.
    LapFull,
}

impl Wal {
    /// Opens the log `wal` in `dir`, creating and preallocating it if needed.
    pub(super) fn open(dir: &Path) -> StorageResult<Wal> {
        let path = dir.join("wal");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        if file.metadata()?.len() < CAPACITY {
            fs2::FileExt::allocate(&file, CAPACITY)?;
            file.sync_all()?;
            File::open(dir)?.sync_all()?;
        }
        Ok(Wal::with_file(file))
    }

    fn with_file(file: File) -> Wal {
        Wal {
            file,
            pending: Mutex::new(Pending {
                last: 0,
                bytes: Vec::new(),
            }),
            lap: Mutex::new(Lap {
                offset: 0,
                broken: false,
                zeroed_to: 0,
                spare: Vec::new(),
            }),
        }
    }

    /// Calls `install(tree, tree key, record)` for every entry past `marker`, in order, and
    /// returns the number of the last entry installed (or `marker`). Numbering continues from
    /// there until [`Self::start_run`]. A read error other than the end of the file fails it: what
    /// could not be read may hold acknowledged PUTs.
    pub(super) fn replay(
        &self,
        marker: u64,
        mut install: impl FnMut(Tree, &[u8], &[u8]) -> StorageResult<()>,
    ) -> StorageResult<u64> {
        let mut file = &self.file;
        file.seek(std::io::SeekFrom::Start(0))?;
        let mut reader = std::io::BufReader::with_capacity(256 * 1024, file);
        let mut offset = 0u64;
        let mut last = marker;
        let mut payload = Vec::new();
        while offset + HEADER as u64 <= CAPACITY {
            let mut header = [0u8; HEADER];
            if !read_or_end(&mut reader, &mut header)? {
                break;
            }
            let len = u32::from_le_bytes(header[0..4].try_into().unwrap_or_default()) as usize;
            let crc = u32::from_le_bytes(header[4..8].try_into().unwrap_or_default());
            let number = u64::from_le_bytes(header[8..16].try_into().unwrap_or_default());
            if !(MIN_PAYLOAD..=MAX_PAYLOAD).contains(&len)
                || number != last + 1
                || offset + len as u64 + 8 > CAPACITY
            {
                break;
            }
            payload.clear();
            payload.resize(len - 8, 0);
            if !read_or_end(&mut reader, &mut payload)? {
                break;
            }
            let mut hasher = crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc32Iscsi);
            hasher.update(&header[8..16]);
            hasher.update(&payload);
            if hasher.finalize() as u32 != crc {
                break;
            }
            let tree = match payload[0] {
                0 => Tree::Objects,
                1 => Tree::Buckets,
                _ => break,
            };
            let key_len = u16::from_le_bytes([payload[1], payload[2]]) as usize;
            let Some((tree_key, record)) = payload[3..].split_at_checked(key_len) else {
                break;
            };
            install(tree, tree_key, record)?;
            last = number;
            offset += 8 + len as u64;
        }
        self.lock_pending()?.last = last;
        Ok(last)
    }

    /// Begins this process's run of numbers (see the module notes); the caller must then make a
    /// full flush, which stores the new marker, before anything is logged.
    pub(super) fn start_run(&self) -> StorageResult<()> {
        let mut pending = self.lock_pending()?;
        pending.last = pending
            .last
            .checked_add(RUN_GAP)
            .ok_or_else(|| StorageError::Corrupt("write-ahead log numbers exhausted".into()))?;
        Ok(())
    }

    pub(super) fn lock_pending(&self) -> StorageResult<MutexGuard<'_, Pending>> {
        self.pending
            .lock()
            .map_err(|_| StorageError::Corrupt("log lock poisoned".into()))
    }

    fn lock_lap(&self) -> StorageResult<MutexGuard<'_, Lap>> {
        self.lap
            .lock()
            .map_err(|_| StorageError::Corrupt("log position lock poisoned".into()))
    }

    /// Writes and syncs the entries pending now, unless they would overrun the lap. A failed
    /// write leaves the lap unusable, like a failed flush: what it left on disk is unknown.
    pub(super) fn write_pending(&self) -> StorageResult<Written> {
        let mut lap = self.lock_lap()?;
        let lap = &mut *lap;
        {
            let mut pending = self.lock_pending()?;
            // Broken first: a failed write took entries with it, which only a full flush covers,
            // even when nothing is pending now.
            if lap.broken || lap.offset + pending.bytes.len() as u64 > CAPACITY {
                return Ok(Written::LapFull);
            }
            if pending.bytes.is_empty() {
                return Ok(Written::Synced);
            }
            // Emptied here rather than only after a write: a failed write leaves its entries in
            // it, and they must not come back into `pending` behind a later one.
            lap.spare.clear();
            std::mem::swap(&mut pending.bytes, &mut lap.spare);
        }
        let bytes = &mut lap.spare;
        lap.broken = true;
        let end = lap.offset + bytes.len() as u64;
        while lap.zeroed_to < end {
            let at = lap.zeroed_to.max(lap.offset);
            let len = (CAPACITY - at).min(ZERO_AHEAD as u64);
            self.file.write_all_at(&ZEROS[..len as usize], at)?;
            lap.zeroed_to = at + len;
        }
        self.file.write_all_at(bytes, lap.offset)?;
        self.file.sync_data()?;
        lap.broken = false;
        lap.offset += bytes.len() as u64;
        if bytes.capacity() > SPARE_KEPT {
            *bytes = Vec::new();
        }
        Ok(Written::Synced)
    }

    /// Runs `flush` (a full flush of sled) with the marker it must store first: the number of the
    /// last entry installed. Once it has succeeded, the entries pending when it began are dropped
    /// (it covered them) and the next write starts a new lap.
    pub(super) fn checkpoint(
        &self,
        flush: impl FnOnce(u64) -> StorageResult<()>,
    ) -> StorageResult<()> {
        let mut lap = self.lock_lap()?;
        let (marker, covered) = {
            let pending = self.lock_pending()?;
            (pending.last, pending.bytes.len())
        };
        if let Err(e) = flush(marker) {
            lap.broken = true;
            return Err(e);
        }
        self.lock_pending()?.bytes.drain(..covered);
        lap.offset = 0;
        lap.broken = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tree keys and records, in the order replay installed them.
    type Installed = Vec<(Vec<u8>, Vec<u8>)>;

    /// What a restart would replay: the log opened again, as `Store::open` does.
    fn replayed(wal: &Wal, marker: u64) -> (u64, Installed) {
        let mut seen = Vec::new();
        let reopened = Wal::with_file(wal.file.try_clone().expect("clone file"));
        let last = reopened
            .replay(marker, |tree, k, v| {
                assert_eq!(tree, Tree::Objects);
                seen.push((k.to_vec(), v.to_vec()));
                Ok(())
            })
            .expect("replay");
        (last, seen)
    }

    /// A successful full flush; returns the marker it stored.
    fn checkpoint(wal: &Wal) -> u64 {
        let mut stored = None;
        wal.checkpoint(|marker| {
            stored = Some(marker);
            Ok(())
        })
        .expect("checkpoint");
        stored.expect("flushed")
    }

    fn append(wal: &Wal, key: &str, record: &[u8]) {
        assert!(wal
            .lock_pending()
            .expect("lock")
            .append(Tree::Objects, key.as_bytes(), record));
    }

    /// Appends an entry and writes it, expecting it to fit in the lap.
    fn append_written(wal: &Wal, key: &str, record: &[u8]) {
        append(wal, key, record);
        assert_eq!(wal.write_pending().expect("write"), Written::Synced);
    }

    #[test]
    fn fresh_log_replays_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wal = Wal::open(dir.path()).expect("open");
        assert_eq!(replayed(&wal, 0), (0, vec![]));
        assert_eq!(replayed(&wal, 7), (7, vec![]));
        assert_eq!(
            std::fs::metadata(dir.path().join("wal"))
                .expect("meta")
                .len(),
            CAPACITY
        );
    }

    #[test]
    fn the_first_writes_zero_the_file_ahead_of_them_but_never_their_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A log file that already holds bytes everywhere (an earlier process's laps).
        std::fs::write(dir.path().join("wal"), vec![0xab; CAPACITY as usize]).expect("fill");
        let wal = Wal::open(dir.path()).expect("open");
        append_written(&wal, "b\0one", &[7; 3000]);
        append_written(&wal, "b\0two", &[8; 3000]);
        let end = wal.lock_lap().expect("lap").offset as usize;
        let bytes = std::fs::read(dir.path().join("wal")).expect("read");
        assert!(bytes[end..ZERO_AHEAD].iter().all(|&b| b == 0));
        assert_eq!(bytes[ZERO_AHEAD], 0xab, "zeroed only a stretch ahead");
        // A new lap rewrites the start; what lies ahead is not zeroed again.
        let marker = checkpoint(&wal);
        append_written(&wal, "b\0three", b"third");
        let after = std::fs::read(dir.path().join("wal")).expect("read");
        assert_eq!(after[end - 100..], bytes[end - 100..]);
        assert_eq!(
            replayed(&wal, marker),
            (marker + 1, vec![(b"b\0three".to_vec(), b"third".to_vec())])
        );
    }

    #[test]
    fn written_entries_replay_in_order_past_the_marker() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let wal = Wal::open(dir.path()).expect("open");
            append(&wal, "b\0one", b"first");
            append_written(&wal, "b\0two", b"second");
            append_written(&wal, "b\0one", b"third");
            // Installed but never written: not acknowledged, so not expected back.
            append(&wal, "b\0lost", b"x");
        }
        let wal = Wal::open(dir.path()).expect("reopen");
        let mut seen = Vec::new();
        let last = wal
            .replay(0, |tree, k, v| {
                assert_eq!(tree, Tree::Objects);
                seen.push((k.to_vec(), v.to_vec()));
                Ok(())
            })
            .expect("replay");
        assert_eq!(last, 3);
        assert_eq!(
            seen,
            vec![
                (b"b\0one".to_vec(), b"first".to_vec()),
                (b"b\0two".to_vec(), b"second".to_vec()),
                (b"b\0one".to_vec(), b"third".to_vec()),
            ]
        );
        // Numbering continues from what was replayed.
        assert_eq!(wal.lock_pending().expect("lock").last, 3);
        // A marker that covers the lap's first entry covers all of it.
        assert_eq!(replayed(&wal, 1), (1, vec![]));
        assert_eq!(replayed(&wal, 3), (3, vec![]));
    }

    #[test]
    fn a_new_lap_hides_the_old_one_and_a_torn_entry_ends_the_lap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wal = Wal::open(dir.path()).expect("open");
        for i in 0..5 {
            append(&wal, &format!("b\0k{i}"), &[i as u8; 100]);
        }
        wal.write_pending().expect("write");
        assert_eq!(checkpoint(&wal), 5);
        // The new lap overwrites the first two old entries; the rest of the old lap follows it.
        append(&wal, "b\0new", b"6");
        append(&wal, "b\0newer", b"7");
        wal.write_pending().expect("write");
        let (last, seen) = replayed(&wal, 5);
        assert_eq!(last, 7);
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].0, b"b\0newer".to_vec());

        // Damage one byte of the second entry: replay stops before it.
        let first_len = HEADER + 3 + "b\0new".len() + 1;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join("wal"))
            .expect("open file");
        file.write_all_at(&[0xFF], (first_len + HEADER + 3) as u64)
            .expect("damage");
        let (last, seen) = replayed(&wal, 5);
        assert_eq!((last, seen.len()), (6, 1));
    }

    #[test]
    fn entries_that_would_overrun_the_lap_wait_for_a_checkpoint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wal = Wal::open(dir.path()).expect("open");
        let record = vec![7u8; 200 * 1024];
        let mut written = 0u64;
        loop {
            append(&wal, "b\0big", &record);
            match wal.write_pending().expect("write") {
                Written::Synced => written += 1,
                Written::LapFull => break,
            }
        }
        assert!(written * record.len() as u64 <= CAPACITY);
        wal.checkpoint(|_| Ok(())).expect("checkpoint");
        // The checkpoint covered the entry that did not fit; the next one starts the lap.
        append_written(&wal, "b\0after", b"a");
        let (last, seen) = replayed(&wal, written + 1);
        assert_eq!((last, seen.len()), (written + 2, 1));
    }

    #[test]
    fn a_failed_flush_keeps_the_lap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wal = Wal::open(dir.path()).expect("open");
        append(&wal, "b\0a", b"1");
        wal.write_pending().expect("write");
        let failed = wal.checkpoint(|_| Err(StorageError::DiskFull));
        assert!(matches!(failed, Err(StorageError::DiskFull)));
        // Nothing more goes into this lap until a full flush succeeds.
        append(&wal, "b\0b", b"2");
        assert_eq!(wal.write_pending().expect("write"), Written::LapFull);
        assert_eq!(replayed(&wal, 0).1.len(), 1);
        assert_eq!(checkpoint(&wal), 2);
        append_written(&wal, "b\0c", b"3");
        let (last, seen) = replayed(&wal, 2);
        assert_eq!((last, seen.len()), (3, 1));
    }

    #[test]
    fn a_failed_writes_entries_never_come_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wal = Wal::open(dir.path()).expect("open");
        // As a failed write leaves the buffer it was writing (the full flush that must follow
        // has covered those entries).
        wal.lock_lap().expect("lock").spare = vec![0xab; 100];
        append_written(&wal, "b\0a", b"1");
        append_written(&wal, "b\0b", b"2");
        let (last, seen) = replayed(&wal, 0);
        assert_eq!((last, seen.len()), (2, 2));
    }

    #[test]
    fn a_broken_lap_needs_a_full_flush_even_with_nothing_pending() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wal = Wal::open(dir.path()).expect("open");
        // As a failed write leaves it: its entries gone from `pending`, the lap broken.
        wal.lock_lap().expect("lock").broken = true;
        assert_eq!(wal.write_pending().expect("write"), Written::LapFull);
        wal.checkpoint(|_| Ok(())).expect("checkpoint");
        assert_eq!(wal.write_pending().expect("write"), Written::Synced);
    }

    #[test]
    fn a_new_run_never_continues_into_an_earlier_runs_leftovers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wal = Wal::open(dir.path()).expect("open");
        for key in ["b\0one", "b\0two", "b\0six"] {
            append(&wal, key, b"run 1");
        }
        wal.write_pending().expect("write");
        // The first entry was lost (a power cut during the write); the others reached the disk.
        wal.file.write_all_at(&[0; 4], 0).expect("damage");

        // Restart: nothing to replay, a new run, its marker flushed, an entry of the same size.
        let wal = Wal::open(dir.path()).expect("reopen");
        assert_eq!(
            wal.replay(0, |_, _, _| panic!("nothing to replay"))
                .expect("replay"),
            0
        );
        wal.start_run().expect("run");
        let marker = checkpoint(&wal);
        assert_eq!(marker, RUN_GAP);
        append(&wal, "b\0new", b"run 2");
        wal.write_pending().expect("write");

        // Replay takes the new entry and stops: run 1's entries after it are not its sequel.
        let (last, seen) = replayed(&wal, marker);
        assert_eq!(last, RUN_GAP + 1);
        assert_eq!(seen, vec![(b"b\0new".to_vec(), b"run 2".to_vec())]);
    }
}
