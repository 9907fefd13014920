//! Unit tests of the store: atomic writes, freeing of data, listing order and pagination, recovery.

use super::*;
use bytes::Bytes;

/// Large enough to go to a segment file and to take several reads.
const CHUNK_SIZE: usize = READ_SIZE;

fn open_temp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path(), 8 * 1024 * 1024).expect("open");
    store
        .create_bucket(
            "b",
            &BucketMeta {
                created: 0,
                ..Default::default()
            },
        )
        .expect("bucket");
    (dir, store)
}

/// Opens the store in `dir` again after an earlier `Store` on it was dropped. sled 0.34 hands the
/// writes of its last log buffers to its own thread pool and does not wait for them when the
/// last handle goes, so the data directory's lock can outlive the drop by a moment; a restart in
/// a new process never sees that. Waits up to 5 s for the lock, fails on anything else.
pub(super) fn reopen(dir: &Path, cache_bytes: u64) -> Store {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match Store::open(dir, cache_bytes) {
            Ok(store) => return store,
            Err(e)
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("reopening {}: {e}", dir.display()),
        }
    }
}

fn put(store: &Store, key: &str, body: &[u8]) -> ObjectMeta {
    let mut w = store.begin_write().expect("begin");
    w.write(Bytes::copy_from_slice(body)).expect("write");
    let object = NewObject {
        etag: format!("etag-{}", body.len()),
        ..Default::default()
    };
    w.commit("b", key, object, 1).expect("commit")
}

fn read_all(store: &Store, key: &str) -> Vec<u8> {
    let (_, mut reader) = store.open_read("b", key).expect("open").expect("exists");
    let mut out = Vec::new();
    while let Some(chunk) = reader.next_chunk().expect("chunk") {
        out.extend_from_slice(&chunk);
    }
    out
}

fn body(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn writes_read_back_across_chunk_boundaries() {
    let (_dir, store) = open_temp();
    let data = body(CHUNK_SIZE * 2 + 17);
    let meta = put(&store, "k", &data);
    assert_eq!(meta.size, data.len() as u64);
    assert_eq!(read_all(&store, "k"), data);
    assert_eq!(store.chunk_count(), 1, "one segment file");
}

#[test]
fn a_file_written_back_in_steps_reads_back_whole() {
    let (_dir, store) = open_temp();
    // Several writeback steps, in pieces that do not divide them, ending mid-step.
    let data = body(data::WRITEBACK_STEP as usize * 3 + 70_001);
    let mut w = store.begin_write().expect("begin");
    for piece in data.chunks(131_071) {
        w.write(Bytes::copy_from_slice(piece)).expect("write");
    }
    w.commit("b", "big", NewObject::default(), 1)
        .expect("commit");
    assert_eq!(read_all(&store, "big"), data);
}

#[test]
fn data_synced_before_commit_is_committed_once_and_takes_no_more_bytes() {
    let (_dir, store) = open_temp();
    let data = body(CHUNK_SIZE * 2 + 5);
    let mut w = store.begin_write().expect("begin");
    w.write(Bytes::copy_from_slice(&data)).expect("write");
    w.sync_data().expect("sync");
    assert!(w.write(Bytes::from_static(b"late")).is_err());
    w.commit("b", "synced", NewObject::default(), 1)
        .expect("commit");
    assert_eq!(read_all(&store, "synced"), data);
    assert_eq!(store.chunk_count(), 1, "one segment file");

    // Abandoned after its sync, the file is freed like any other.
    let mut w = store.begin_write().expect("begin");
    w.write(Bytes::copy_from_slice(&data)).expect("write");
    w.sync_data().expect("sync");
    drop(w);
    assert_eq!(store.chunk_count(), 1, "the abandoned file is gone");
}

#[test]
fn ranges_read_only_what_is_asked() {
    let (_dir, store) = open_temp();
    let data = body(CHUNK_SIZE * 3);
    put(&store, "k", &data);
    let (_, mut reader) = store.open_read("b", "k").unwrap().unwrap();
    let (start, end) = (CHUNK_SIZE as u64 - 5, 2 * CHUNK_SIZE as u64 + 5);
    reader.set_range(start, end);
    let mut out = Vec::new();
    while let Some(chunk) = reader.next_chunk().unwrap() {
        out.extend_from_slice(&chunk);
    }
    assert_eq!(out, &data[start as usize..end as usize]);
}

#[test]
fn small_objects_stay_inline_and_large_ones_get_a_file() {
    let (_dir, store) = open_temp();
    let tiny = body(RECORD_DATA_LIMIT);
    let small = body(RECORD_DATA_LIMIT + 1);
    let inline = body(INLINE_LIMIT);
    let large = body(INLINE_LIMIT + 1);
    let tiny_meta = put(&store, "tiny", &tiny);
    let small_meta = put(&store, "small", &small);
    let inline_meta = put(&store, "inline", &inline);
    let large_meta = put(&store, "large", &large);
    assert!(tiny_meta.segments[0].in_record && !tiny_meta.segments[0].in_file);
    for meta in [&small_meta, &inline_meta] {
        assert!(!meta.segments[0].in_record && !meta.segments[0].in_file);
    }
    assert!(large_meta.segments[0].in_file && !large_meta.segments[0].in_record);
    assert_eq!(read_all(&store, "tiny"), tiny);
    assert_eq!(read_all(&store, "small"), small);
    assert_eq!(read_all(&store, "inline"), inline);
    assert_eq!(read_all(&store, "large"), large);
    assert_eq!(
        store.inner.chunks.len(),
        2,
        "the tiny object's bytes are in its record"
    );
    assert_eq!(
        store.chunk_count(),
        3,
        "two inline chunks and the large object's file"
    );
}

#[test]
fn storage_class_and_encryption_survive_every_storage_shape_and_a_restart() {
    let (dir, store) = open_temp();
    let encryption = Encryption {
        algorithm: SseAlgorithm::AwsKmsDsse,
        kms_key_id: Some("arn:aws:kms:us-east-1:000000000000:key/k".into()),
        bucket_key_enabled: true,
    };
    // In the record, in the chunks tree, in a segment file.
    let sizes = [10, RECORD_DATA_LIMIT + 1, CHUNK_SIZE * 2];
    for (i, size) in sizes.into_iter().enumerate() {
        let mut w = store.begin_write().expect("begin");
        w.write(Bytes::from(body(size))).expect("write");
        let object = NewObject {
            etag: format!("etag-{size}"),
            storage_class: StorageClass::OnezoneIa,
            encryption: encryption.clone(),
            ..Default::default()
        };
        w.commit("b", &format!("k{i}"), object, 1).expect("commit");
    }
    store.flush_blocking().expect("flush");
    drop(store);
    let store = reopen(dir.path(), 8 * 1024 * 1024);
    for i in 0..sizes.len() {
        let meta = store.object("b", &format!("k{i}")).unwrap().expect("kept");
        assert_eq!(meta.storage_class, StorageClass::OnezoneIa, "k{i}");
        assert_eq!(meta.encryption, encryption, "k{i}");
    }
}

/// `put` under a write condition: the commit's result, and the writer's bytes were `body`.
fn put_if(
    store: &Store,
    key: &str,
    body: &[u8],
    condition: WriteCondition,
) -> StorageResult<ObjectMeta> {
    let mut w = store.begin_write().expect("begin");
    w.require(condition);
    w.write(Bytes::copy_from_slice(body)).expect("write");
    let object = NewObject {
        etag: format!("etag-{}", body.len()),
        ..Default::default()
    };
    w.commit("b", key, object, 1)
}

fn if_absent() -> WriteCondition {
    WriteCondition {
        absent: true,
        ..Default::default()
    }
}

fn if_etag(etag: &str) -> WriteCondition {
    WriteCondition {
        existing: Some(Existing::OneOf(vec![etag.to_string()])),
        ..Default::default()
    }
}

#[test]
fn conditional_writes_change_nothing_when_their_condition_fails() {
    // Sizes for each way an object is stored: in its record, as an inline chunk, in a file.
    for (size, replacement) in [
        (RECORD_DATA_LIMIT, RECORD_DATA_LIMIT - 1),
        (RECORD_DATA_LIMIT + 1, RECORD_DATA_LIMIT + 2),
        (INLINE_LIMIT + 1, INLINE_LIMIT + 2),
    ] {
        let (_dir, store) = open_temp();
        let original = body(size);
        put_if(&store, "k", &original, if_absent()).expect("created: nothing was there");
        let chunks = store.chunk_count();
        let other = vec![7u8; replacement];
        let outcomes = [
            put_if(&store, "k", &other, if_absent()),
            put_if(&store, "k", &other, if_etag("etag-0")),
        ];
        assert!(
            matches!(
                outcomes[0],
                Err(StorageError::ConditionFailed(FailedCondition::Absent))
            ),
            "size {size}: {:?}",
            outcomes[0]
        );
        assert!(
            matches!(
                outcomes[1],
                Err(StorageError::ConditionFailed(FailedCondition::Match))
            ),
            "size {size}: {:?}",
            outcomes[1]
        );
        assert_eq!(read_all(&store, "k"), original, "size {size}");
        assert_eq!(
            store.chunk_count(),
            chunks,
            "size {size}: refused bytes freed"
        );
        assert!(matches!(
            put_if(&store, "missing", &other, if_etag(&format!("etag-{size}"))),
            Err(StorageError::NoSuchKey)
        ));
        assert!(store.object("b", "missing").unwrap().is_none());

        let replaced = put_if(&store, "k", &other, if_etag(&format!("etag-{size}")))
            .expect("the ETag matches");
        assert_eq!(replaced.size, replacement as u64);
        assert_eq!(read_all(&store, "k"), other, "size {size}");
        assert_eq!(store.inner.garbage.len(), 0);
    }
}

#[test]
fn racing_creates_under_if_absent_leave_exactly_one_winner() {
    for round in 0..10 {
        let (_dir, store) = open_temp();
        let writers = 8;
        // Every writer has its bytes written before any commits, so the commits race.
        let ready = std::sync::Barrier::new(writers);
        let winners: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..writers)
                .map(|i| {
                    let (store, ready) = (store.clone(), &ready);
                    scope.spawn(move || {
                        let size = match (i + round) % 3 {
                            0 => 100 + i,
                            1 => RECORD_DATA_LIMIT + 1 + i,
                            _ => INLINE_LIMIT + i,
                        };
                        let mut w = store.begin_write().expect("begin");
                        w.require(if_absent());
                        w.write(Bytes::from(body(size))).expect("write");
                        ready.wait();
                        let object = NewObject {
                            etag: format!("etag-{size}"),
                            ..Default::default()
                        };
                        usize::from(w.commit("b", "lock", object, 1).is_ok())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).sum()
        });
        assert_eq!(winners, 1, "round {round}");
        let (meta, _) = store.open_read("b", "lock").unwrap().unwrap();
        assert_eq!(read_all(&store, "lock"), body(meta.size as usize));
        let stored_apart = usize::from(meta.size > RECORD_DATA_LIMIT as u64);
        assert_eq!(
            store.chunk_count(),
            stored_apart,
            "round {round}: losers freed"
        );
        assert_eq!(store.inner.garbage.len(), 0);
    }
}

#[test]
fn small_objects_replace_each_other_and_large_ones_in_one_step() {
    let (_dir, store) = open_temp();
    put(&store, "k", b"first");
    put(&store, "k", b"second");
    assert_eq!(read_all(&store, "k"), b"second");
    // Small over large frees the file; large over small leaves nothing of the small one.
    put(&store, "k", &body(CHUNK_SIZE));
    assert_eq!(store.chunk_count(), 1);
    put(&store, "k", b"third");
    assert_eq!(store.chunk_count(), 0);
    assert_eq!(store.inner.garbage.len(), 0);
    assert_eq!(read_all(&store, "k"), b"third");
    // Changing tags keeps the bytes in the record.
    store
        .set_object_tags("b", "k", vec![("t".into(), "v".into())])
        .unwrap();
    assert_eq!(read_all(&store, "k"), b"third");
    assert_eq!(store.object("b", "k").unwrap().unwrap().tags.len(), 1);
    // A small PUT into a missing bucket changes nothing.
    let mut w = store.begin_write().unwrap();
    w.write(Bytes::from_static(b"x")).unwrap();
    assert!(matches!(
        w.commit("nope", "k", NewObject::default(), 1),
        Err(StorageError::NoSuchBucket)
    ));
}

#[test]
fn concurrent_small_and_large_overwrites_leave_one_object_and_no_garbage() {
    let (_dir, store) = open_temp();
    std::thread::scope(|scope| {
        for writer in 0..4usize {
            let store = store.clone();
            scope.spawn(move || {
                for round in 0..20usize {
                    // A file, an inline chunk, or bytes in the record.
                    let len = match (writer + round) % 5 {
                        0 => CHUNK_SIZE,
                        1 => RECORD_DATA_LIMIT + 1 + writer,
                        _ => 100 + writer,
                    };
                    put(&store, "k", &body(len));
                }
            });
        }
    });
    let meta = store.object("b", "k").unwrap().unwrap();
    assert_eq!(read_all(&store, "k"), body(meta.size as usize));
    assert_eq!(store.inner.garbage.len(), 0);
    assert_eq!(store.inner.incomplete.len(), 0);
    let files = usize::from(meta.segments.iter().any(|s| s.stored_apart()));
    assert_eq!(
        store.chunk_count(),
        files,
        "only the current object's data is left"
    );
}

#[test]
fn readers_racing_overwrites_always_read_one_whole_object() {
    // Readers look a record up before pinning its data: whatever overwrites and deletes happen
    // in between, a read gives one complete object (or none), never a freed segment.
    let (_dir, store) = open_temp();
    put(&store, "k", &body(CHUNK_SIZE));
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                let mut reads = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) || reads == 0 {
                    if let Some((meta, mut reader)) = store.open_read("b", "k").expect("open") {
                        let mut out = Vec::new();
                        while let Some(chunk) = reader.next_chunk().expect("read") {
                            out.extend_from_slice(&chunk);
                        }
                        assert_eq!(out, body(meta.size as usize));
                        reads += 1;
                    }
                }
            });
        }
        for round in 0..160usize {
            match round % 4 {
                0 => put(&store, "k", &body(CHUNK_SIZE + round)),
                1 => put(&store, "k", &body(RECORD_DATA_LIMIT + 1 + round)),
                2 => put(&store, "k", &body(round)),
                _ => {
                    store.delete_object("b", "k").expect("delete");
                    put(&store, "k", &body(2 * CHUNK_SIZE))
                }
            };
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(store.inner.garbage.len(), 0);
    let files = usize::from(
        store
            .object("b", "k")
            .unwrap()
            .unwrap()
            .segments
            .iter()
            .any(|s| s.stored_apart()),
    );
    assert_eq!(
        store.chunk_count(),
        files,
        "only the current object's data is left"
    );
}

#[test]
fn only_objects_in_their_record_are_served_from_memory() {
    let (_dir, store) = open_temp();
    put(&store, "small", &body(100));
    put(&store, "chunk", &body(RECORD_DATA_LIMIT + 1));
    put(&store, "empty", b"");
    let (_, mut reader) = store.open_read("b", "small").unwrap().unwrap();
    reader.set_range(10, 20);
    assert_eq!(reader.in_memory().unwrap(), &body(100)[10..20]);
    let (_, mut reader) = store.open_read("b", "empty").unwrap().unwrap();
    reader.set_range(0, 0);
    assert_eq!(reader.in_memory().unwrap(), &b""[..]);
    let (_, reader) = store.open_read("b", "chunk").unwrap().unwrap();
    assert!(reader.in_memory().is_none());
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(future)
}

#[test]
fn a_read_ahead_delivers_the_range_and_unpins_once_dropped() {
    let (_dir, store) = open_temp();
    // Several times what the reader thread holds ready, so that it waits for room.
    let old = body(8 * 1024 * 1024 + 5);
    put(&store, "k", &old);
    let (_, mut reader) = store.open_read("b", "k").unwrap().unwrap();
    reader.set_range(3, old.len() as u64 - 1);
    let mut chunks = reader.read_ahead().expect("reader thread");
    let mut out = Vec::new();
    block_on(async {
        while let Some(chunk) = chunks.next_chunk().await {
            out.extend_from_slice(&chunk.expect("chunk"));
        }
    });
    assert_eq!(out, &old[3..old.len() - 1]);

    // Dropped after one chunk, with the thread waiting for room: the old data stays pinned while
    // the read lives, and is freed once the thread has seen the drop.
    let (_, reader) = store.open_read("b", "k").unwrap().unwrap();
    let mut chunks = reader.read_ahead().expect("reader thread");
    let first = block_on(chunks.next_chunk())
        .expect("a chunk")
        .expect("read");
    assert_eq!(first, &old[..first.len()]);
    put(&store, "k", b"new");
    assert_eq!(store.chunk_count(), 1, "old data pinned while read");
    drop(chunks);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while store.chunk_count() != 0 {
        assert!(std::time::Instant::now() < deadline, "old data never freed");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(read_all(&store, "k"), b"new");
}

#[test]
fn empty_objects_have_no_chunks() {
    let (_dir, store) = open_temp();
    let meta = put(&store, "empty", b"");
    assert_eq!(meta.size, 0);
    assert!(read_all(&store, "empty").is_empty());
    assert_eq!(store.chunk_count(), 0);
    assert_eq!(store.inner.incomplete.len(), 0);
}

#[test]
fn overwrite_and_delete_free_old_chunks() {
    let (_dir, store) = open_temp();
    put(&store, "k", &body(CHUNK_SIZE + 1));
    assert_eq!(store.chunk_count(), 1);
    put(&store, "k", &body(10));
    assert_eq!(
        store.chunk_count(),
        0,
        "the file went, the new bytes are in the record"
    );
    put(&store, "k", &body(CHUNK_SIZE + 1));
    assert_eq!(store.chunk_count(), 1);
    assert!(store.delete_object("b", "k").unwrap());
    assert_eq!(store.chunk_count(), 0);
    assert!(!store.delete_object("b", "k").unwrap());
    assert_eq!(store.inner.garbage.len(), 0);
}

#[test]
fn abandoned_writes_leave_nothing() {
    let (_dir, store) = open_temp();
    {
        let mut w = store.begin_write().unwrap();
        w.write(body(CHUNK_SIZE * 2).into()).unwrap();
    }
    assert_eq!(store.chunk_count(), 0);
    assert_eq!(store.inner.incomplete.len(), 0);
    assert!(store.object("b", "k").unwrap().is_none());
}

#[test]
fn a_reader_keeps_the_old_data_until_it_is_done() {
    let (_dir, store) = open_temp();
    let old = body(CHUNK_SIZE * 2);
    put(&store, "k", &old);
    let (_, mut reader) = store.open_read("b", "k").unwrap().unwrap();
    let first = reader.next_chunk().unwrap().unwrap();
    put(&store, "k", b"new");
    // The reader still sees the old object whole, never a mix.
    let mut out = first.to_vec();
    while let Some(chunk) = reader.next_chunk().unwrap() {
        out.extend_from_slice(&chunk);
    }
    assert_eq!(out, old);
    assert_eq!(store.chunk_count(), 1, "old data pinned while read");
    drop(reader);
    assert_eq!(store.chunk_count(), 0, "old data freed by the last reader");
    assert_eq!(read_all(&store, "k"), b"new");
    // A small object's reader holds its bytes itself.
    let (_, mut reader) = store.open_read("b", "k").unwrap().unwrap();
    store.delete_object("b", "k").unwrap();
    assert_eq!(reader.next_chunk().unwrap().unwrap(), &b"new"[..]);
    assert!(reader.next_chunk().unwrap().is_none());
}

#[test]
fn a_data_directory_in_use_is_refused_and_opens_once_released() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = Store::open(dir.path(), 1 << 20).expect("open");
    let err = Store::open(dir.path(), 1 << 20)
        .err()
        .expect("a second store on the same directory");
    // What `reopen` waits out.
    assert!(err.to_string().contains("could not acquire lock"), "{err}");
    drop(first);
    reopen(dir.path(), 1 << 20);
}

#[test]
fn recovery_frees_interrupted_writes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), 8 << 20).unwrap();
        store
            .create_bucket(
                "b",
                &BucketMeta {
                    created: 0,
                    ..Default::default()
                },
            )
            .unwrap();
        // A small write keeps its bytes for the record that installs them: a crash leaves nothing.
        let mut small = store.begin_write().unwrap();
        small.write(Bytes::from_static(b"tiny")).unwrap();
        small.crash();
        assert_eq!(store.inner.incomplete.len(), 0);
        assert_eq!(store.chunk_count(), 0);
        // A file segment is announced before its file exists.
        let mut w = store.begin_write().unwrap();
        w.write(body(CHUNK_SIZE * 2).into()).unwrap();
        assert_eq!(store.inner.incomplete.len(), 1);
        w.crash();
        store.flush_blocking().unwrap();
    }
    let store = reopen(dir.path(), 8 << 20);
    assert_eq!(store.chunk_count(), 0);
    assert_eq!(store.inner.incomplete.len(), 0);
}

#[test]
fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let data = body(CHUNK_SIZE + 3);
    {
        let store = Store::open(dir.path(), 8 << 20).unwrap();
        store
            .create_bucket(
                "b",
                &BucketMeta {
                    created: 0,
                    ..Default::default()
                },
            )
            .unwrap();
        put(&store, "k", &data);
        store.flush_blocking().unwrap();
    }
    let store = reopen(dir.path(), 8 << 20);
    assert_eq!(read_all(&store, "k"), data);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn put_durably(store: &Store, key: &str, body: &[u8]) {
    let mut w = store.begin_write().expect("begin");
    w.write(Bytes::copy_from_slice(body)).expect("write");
    block_on(w.commit_durably("b", key, NewObject::default(), 1)).expect("commit");
}

#[test]
fn small_puts_sled_lost_come_back_from_the_log_and_nothing_it_had_flushed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sled_then = tempfile::tempdir().expect("tempdir");
    let big = body(CHUNK_SIZE + 1);
    {
        let store = Store::open(dir.path(), 8 << 20).expect("open");
        store
            .create_bucket("b", &BucketMeta::default())
            .expect("bucket");
        put(&store, "big", &big);
        put_durably(&store, "gone", b"logged, then deleted");
        assert!(store.delete_object("b", "gone").expect("delete"));
        block_on(store.sync()).expect("sync");
    }
    {
        let store = reopen(dir.path(), 8 << 20);
        // What sled has durably once the store has started (its start-up ends with a flush): the
        // bucket and "big", "gone" deleted after its entry. A crash image: nothing is written now.
        copy_dir(dir.path(), sled_then.path());
        put_durably(&store, "a", b"first");
        put_durably(&store, "a", b"second");
        put_durably(&store, "c", &body(RECORD_DATA_LIMIT));
        // A bucket whose creation is not flushed yet, and a PUT into it acknowledged by the log.
        store
            .create_bucket("fresh", &BucketMeta::default())
            .expect("bucket");
        let mut w = store.begin_write().expect("begin");
        w.write(Bytes::from_static(b"in a new bucket"))
            .expect("write");
        block_on(w.commit_durably("fresh", "k", NewObject::default(), 1)).expect("commit");
    }
    // A crash that lost sled's unflushed state but not the log: the log brings the PUTs back.
    std::fs::copy(dir.path().join("wal"), sled_then.path().join("wal")).expect("copy log");
    for path in [sled_then.path(), dir.path()] {
        let store = reopen(path, 8 << 20);
        assert_eq!(read_all(&store, "a"), b"second");
        assert_eq!(read_all(&store, "c"), body(RECORD_DATA_LIMIT));
        assert_eq!(read_all(&store, "big"), big);
        assert!(store.object("b", "gone").expect("lookup").is_none());
        let query = ListQuery {
            max_keys: 1000,
            ..Default::default()
        };
        let page = store.list_objects("b", &query).expect("list");
        assert_eq!(names(&page), ["a", "big", "c"]);
        let (meta, _) = store
            .open_read("fresh", "k")
            .expect("read")
            .expect("the PUT into the new bucket is back");
        assert_eq!(meta.size, 15);
    }
}

#[test]
fn bucket_rules() {
    let (_dir, store) = open_temp();
    let meta = BucketMeta {
        created: 0,
        ..Default::default()
    };
    assert!(matches!(
        store.create_bucket("b", &meta),
        Err(StorageError::BucketAlreadyExists)
    ));
    put(&store, "k", b"x");
    assert!(matches!(
        store.delete_bucket("b"),
        Err(StorageError::BucketNotEmpty)
    ));
    assert!(matches!(
        store.delete_bucket("nope"),
        Err(StorageError::NoSuchBucket)
    ));
    assert!(matches!(
        store.object("nope", "k"),
        Err(StorageError::NoSuchBucket)
    ));
    assert!(matches!(
        store.open_read("nope", "k"),
        Err(StorageError::NoSuchBucket)
    ));
    assert!(matches!(store.open_read("b", "missing"), Ok(None)));
    store.delete_object("b", "k").unwrap();
    store.delete_bucket("b").unwrap();
    assert!(store.bucket("b").unwrap().is_none());
    assert!(matches!(
        store.open_read("b", "k"),
        Err(StorageError::NoSuchBucket)
    ));
    let mut w = store.begin_write().unwrap();
    w.write(Bytes::from_static(b"x")).unwrap();
    assert!(matches!(
        w.commit("b", "k", NewObject::default(), 0),
        Err(StorageError::NoSuchBucket)
    ));
    assert_eq!(store.chunk_count(), 0);
}

fn names(page: &ListPage) -> Vec<&str> {
    page.entries.iter().map(ListEntry::name).collect()
}

#[test]
fn listing_orders_by_bytes_and_rolls_up_prefixes() {
    let (_dir, store) = open_temp();
    for key in ["b", "a/1", "a/2", "a/b/3", "c", "\u{e9}", "Z", "a+"] {
        put(&store, key, b"x");
    }
    let all = store
        .list_objects(
            "b",
            &ListQuery {
                max_keys: 1000,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        names(&all),
        ["Z", "a+", "a/1", "a/2", "a/b/3", "b", "c", "\u{e9}"]
    );

    let q = ListQuery {
        delimiter: Some("/".into()),
        max_keys: 1000,
        ..Default::default()
    };
    let page = store.list_objects("b", &q).unwrap();
    assert_eq!(names(&page), ["Z", "a+", "a/", "b", "c", "\u{e9}"]);
    assert!(matches!(page.entries[2], ListEntry::CommonPrefix(_)));

    let q = ListQuery {
        prefix: "a/".into(),
        delimiter: Some("/".into()),
        max_keys: 1000,
        ..Default::default()
    };
    assert_eq!(
        names(&store.list_objects("b", &q).unwrap()),
        ["a/1", "a/2", "a/b/"]
    );
}

#[test]
fn listing_pages_never_repeat_or_skip() {
    let (_dir, store) = open_temp();
    let mut expected = Vec::new();
    for dir in 0..5 {
        for file in 0..4 {
            put(&store, &format!("d{dir}/f{file}"), b"x");
        }
        put(&store, &format!("top{dir}"), b"x");
        expected.push(format!("d{dir}/"));
    }
    for i in 0..5 {
        expected.push(format!("top{i}"));
    }
    let mut seen = Vec::new();
    let mut start_after = None;
    loop {
        let q = ListQuery {
            delimiter: Some("/".into()),
            start_after: start_after.clone(),
            max_keys: 2,
            ..Default::default()
        };
        let page = store.list_objects("b", &q).unwrap();
        seen.extend(names(&page).iter().map(|s| s.to_string()));
        if !page.is_truncated {
            break;
        }
        start_after = page.entries.last().map(|e| e.name().to_string());
    }
    assert_eq!(seen, expected);
}

#[test]
fn max_keys_zero_lists_nothing() {
    let (_dir, store) = open_temp();
    put(&store, "k", b"x");
    let page = store.list_objects("b", &ListQuery::default()).unwrap();
    assert!(page.entries.is_empty());
    assert!(!page.is_truncated);
}

#[test]
fn buckets_do_not_see_each_others_keys() {
    let (_dir, store) = open_temp();
    let meta = BucketMeta {
        created: 0,
        ..Default::default()
    };
    store.create_bucket("b-2", &meta).unwrap();
    put(&store, "k", b"x");
    let page = store
        .list_objects(
            "b-2",
            &ListQuery {
                max_keys: 10,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(page.entries.is_empty());
    assert!(store.object("b-2", "k").unwrap().is_none());
}

fn upload_meta() -> UploadMeta {
    UploadMeta {
        initiated_ms: 0,
        headers: ContentHeaders::default(),
        user_metadata: vec![],
        checksum_algorithm: None,
        checksum_full_object: false,
        tags: vec![],
        acl: CannedAcl::PublicRead,
        storage_class: StorageClass::DeepArchive,
        encryption: Encryption {
            algorithm: SseAlgorithm::AwsKms,
            kms_key_id: Some("key-1".into()),
            bucket_key_enabled: true,
        },
    }
}

fn put_part(store: &Store, upload_id: &str, number: u32, body: &[u8]) -> PartMeta {
    let mut w = store.begin_write().unwrap();
    w.write(Bytes::copy_from_slice(body)).unwrap();
    let new = NewPart {
        etag: format!("etag{number}"),
        checksum: None,
        last_modified_ms: 0,
    };
    w.commit_part("b", "mp", upload_id, number, new).unwrap()
}

#[test]
fn multipart_completion_stitches_parts_without_copying() {
    let (_dir, store) = open_temp();
    let id = store.create_upload("b", "mp", &upload_meta()).unwrap();
    assert_eq!(id.len(), UPLOAD_ID_LEN);
    put_part(&store, &id, 1, &body(CHUNK_SIZE + 5));
    put_part(&store, &id, 2, b"old part two");
    put_part(&store, &id, 2, b"part two");
    put_part(&store, &id, 3, b"unused");
    let chunks_before = store.chunk_count();
    assert!(
        store.object("b", "mp").unwrap().is_none(),
        "invisible until complete"
    );
    let parts = vec![(1, "etag1".to_string()), (2, "etag2".to_string())];
    let meta = store
        .complete_upload(
            "b",
            "mp",
            &id,
            Completion {
                parts: &parts,
                etag: "x-2".into(),
                checksum: None,
                last_modified_ms: 0,
                condition: WriteCondition::default(),
            },
        )
        .unwrap();
    assert_eq!(meta.parts_count, 2);
    assert_eq!(
        meta.part_range(2),
        Some((CHUNK_SIZE as u64 + 5, CHUNK_SIZE as u64 + 13))
    );
    let mut expected = body(CHUNK_SIZE + 5);
    expected.extend_from_slice(b"part two");
    assert_eq!(read_all(&store, "mp"), expected);
    assert_eq!(
        store.chunk_count(),
        chunks_before - 1,
        "only the unused part was freed"
    );
    assert!(store.upload("b", "mp", &id).unwrap().is_none());
    assert!(store.all_parts(&id).unwrap().is_empty());
    assert_eq!(store.inner.garbage.len(), 0);
    let stored = store.object("b", "mp").unwrap().unwrap();
    assert_eq!(stored.part_range(2), meta.part_range(2));
    // What CreateMultipartUpload chose is the object's.
    assert_eq!(stored.acl, CannedAcl::PublicRead);
    assert_eq!(stored.storage_class, StorageClass::DeepArchive);
    assert_eq!(stored.encryption, upload_meta().encryption);
}

#[test]
fn a_completion_whose_condition_fails_keeps_the_upload_and_the_object() {
    let (_dir, store) = open_temp();
    put(&store, "mp", b"existing");
    let id = store.create_upload("b", "mp", &upload_meta()).unwrap();
    put_part(&store, &id, 1, &body(CHUNK_SIZE + 5));
    let chunks = store.chunk_count();
    let parts = vec![(1, "etag1".to_string())];
    let complete = |condition: WriteCondition| {
        store.complete_upload(
            "b",
            "mp",
            &id,
            Completion {
                parts: &parts,
                etag: "x-1".into(),
                checksum: None,
                last_modified_ms: 0,
                condition,
            },
        )
    };
    assert!(matches!(
        complete(if_absent()),
        Err(StorageError::ConditionFailed(FailedCondition::Absent))
    ));
    assert!(matches!(
        complete(if_etag("etag-9")),
        Err(StorageError::ConditionFailed(FailedCondition::Match))
    ));
    assert_eq!(read_all(&store, "mp"), b"existing");
    assert!(store.upload("b", "mp", &id).unwrap().is_some());
    assert_eq!(store.all_parts(&id).unwrap().len(), 1);
    assert_eq!(store.chunk_count(), chunks);
    let meta = complete(if_etag("etag-8")).expect("the ETag matches");
    assert_eq!(meta.etag, "x-1");
    assert_eq!(read_all(&store, "mp"), body(CHUNK_SIZE + 5));
}

#[test]
fn abort_frees_every_part_and_late_parts_fail() {
    let (_dir, store) = open_temp();
    let id = store.create_upload("b", "mp", &upload_meta()).unwrap();
    put_part(&store, &id, 1, &body(CHUNK_SIZE * 2));
    store.abort_upload("b", "mp", &id).unwrap();
    assert_eq!(store.chunk_count(), 0);
    assert!(matches!(
        store.abort_upload("b", "mp", &id),
        Err(StorageError::NoSuchUpload)
    ));
    let mut w = store.begin_write().unwrap();
    w.write(Bytes::from_static(b"late")).unwrap();
    assert!(matches!(
        w.commit_part("b", "mp", &id, 2, NewPart::default()),
        Err(StorageError::NoSuchUpload)
    ));
    assert_eq!(store.chunk_count(), 0);
}

#[test]
fn uploads_list_by_key_then_id() {
    let (_dir, store) = open_temp();
    let a1 = store.create_upload("b", "a", &upload_meta()).unwrap();
    let a2 = store.create_upload("b", "a", &upload_meta()).unwrap();
    let _c = store.create_upload("b", "dir/c", &upload_meta()).unwrap();
    let q = ListQuery {
        max_keys: 10,
        delimiter: Some("/".into()),
        ..Default::default()
    };
    let page = store.list_uploads("b", &q, None).unwrap();
    let names: Vec<String> = page
        .entries
        .iter()
        .map(|e| match e {
            UploadListEntry::Upload(u) => format!("{}:{}", u.key, u.upload_id),
            UploadListEntry::CommonPrefix(p) => p.clone(),
        })
        .collect();
    let (first, second) = if a1 < a2 { (&a1, &a2) } else { (&a2, &a1) };
    assert_eq!(
        names,
        [
            format!("a:{first}"),
            format!("a:{second}"),
            "dir/".to_string()
        ]
    );
    let q = ListQuery {
        max_keys: 10,
        start_after: Some("a".into()),
        ..Default::default()
    };
    let after_key = store.list_uploads("b", &q, None).unwrap();
    assert_eq!(
        after_key.entries.len(),
        1,
        "key marker alone skips all uploads of that key"
    );
    let after_id = store.list_uploads("b", &q, Some(first)).unwrap();
    assert_eq!(
        after_id.entries.len(),
        2,
        "with an id marker only the earlier ones are skipped"
    );
}

#[test]
fn bucket_settings_and_object_acls_are_updated_in_place() {
    let (_dir, store) = open_temp();
    store
        .update_bucket("b", |meta| {
            meta.acl = CannedAcl::PublicRead;
            meta.cors = Some(vec![CorsRule {
                allowed_origins: vec!["*".into()],
                allowed_methods: vec!["GET".into()],
                ..Default::default()
            }]);
        })
        .expect("update");
    let meta = store.bucket("b").unwrap().expect("bucket");
    assert_eq!(meta.acl, CannedAcl::PublicRead);
    assert_eq!(meta.cors.as_ref().map(Vec::len), Some(1));
    assert!(matches!(
        store.update_bucket("missing", |_| {}),
        Err(StorageError::NoSuchBucket)
    ));

    put(&store, "k", b"data");
    assert_eq!(
        store.object("b", "k").unwrap().unwrap().acl,
        CannedAcl::Private
    );
    store
        .set_object_acl("b", "k", CannedAcl::PublicRead)
        .unwrap();
    let object = store.object("b", "k").unwrap().unwrap();
    assert_eq!(object.acl, CannedAcl::PublicRead);
    assert_eq!(read_all(&store, "k"), b"data");
    assert!(matches!(
        store.set_object_acl("b", "nope", CannedAcl::Private),
        Err(StorageError::NoSuchKey)
    ));
}

#[test]
fn a_disk_down_to_its_reserve_refuses_new_data_but_not_deletes() {
    let (_dir, store) = open_temp();
    let kept = body(CHUNK_SIZE + 3);
    put(&store, "kept", &kept);
    put(&store, "small", b"small");
    let upload_id = store.create_upload("b", "mp", &upload_meta()).unwrap();
    let mut streaming = store.begin_write().unwrap();
    streaming.write(body(CHUNK_SIZE).into()).unwrap();

    // As if the file system had just filled up to the reserve.
    store.set_disk_reserve(u64::MAX);
    let full = |r: StorageResult<()>| matches!(r, Err(StorageError::DiskFull));
    assert!(full(
        streaming.write(Bytes::from_static(b"more")).map(|_| ())
    ));
    drop(streaming);
    assert!(full(store.begin_write().map(|_| ())));
    assert!(full(
        store.create_upload("b", "mp2", &upload_meta()).map(|_| ())
    ));
    assert!(full(store.set_object_tags("b", "kept", vec![])));
    assert!(full(store.update_bucket("b", |_| {})));
    assert!(full(store.create_bucket("c", &BucketMeta::default())));
    // Nothing half-written is left, what was stored reads back, and space can be freed.
    assert_eq!(store.inner.incomplete.len(), 0);
    assert_eq!(store.chunk_count(), 1, "the kept file");
    assert_eq!(read_all(&store, "kept"), kept);
    assert!(store.delete_object("b", "small").unwrap());
    store.abort_upload("b", "mp", &upload_id).unwrap();
    assert_eq!(store.chunk_count(), 1);
    assert_eq!(read_all(&store, "kept"), kept);

    store.set_disk_reserve(0);
    put(&store, "after", b"room again");
    assert_eq!(read_all(&store, "after"), b"room again");
}

#[test]
fn a_free_space_reading_is_reused_only_within_its_margin() {
    let (_dir, store) = open_temp();
    store.ensure_room().unwrap();
    // The disk "fills up" behind the store's back: the fresh reading is still trusted for small
    // writes, but not for one larger than the margin it showed, and a full disk is never cached.
    store.inner.disk_reserve.store(u64::MAX, Ordering::Relaxed);
    assert!(store.ensure_room_for(4096).is_ok());
    assert!(matches!(
        store.ensure_room_for(u64::MAX / 8),
        Err(StorageError::DiskFull)
    ));
    assert!(matches!(
        store.ensure_room_for(1),
        Err(StorageError::DiskFull)
    ));
}

#[test]
fn a_restore_applies_only_to_the_object_it_was_asked_for() {
    let (_dir, store) = open_temp();
    let put_class = |body: &[u8], class: StorageClass| {
        let mut w = store.begin_write().expect("begin");
        w.write(Bytes::copy_from_slice(body)).expect("write");
        let object = NewObject {
            etag: format!("etag-{}", body.len()),
            storage_class: class,
            ..Default::default()
        };
        w.commit("b", "cold", object, 1).expect("commit")
    };
    let first = put_class(b"first", StorageClass::Glacier);
    // Replaced (same size, same second: only the bytes' place tells them apart).
    let second = put_class(b"other", StorageClass::Glacier);
    assert!(matches!(
        store.set_restore_expiry("b", "cold", &first, 5),
        Err(StorageError::ObjectReplaced)
    ));
    let restore_expiry = || {
        store
            .object("b", "cold")
            .unwrap()
            .unwrap()
            .restore_expiry_ms
    };
    assert_eq!(restore_expiry(), None);
    store
        .set_restore_expiry("b", "cold", &second, 5)
        .expect("restores");
    assert_eq!(restore_expiry(), Some(5));
    // Nor does a restore reach an object of a class that has none.
    let warm = put_class(b"warm!", StorageClass::StandardIa);
    assert!(matches!(
        store.set_restore_expiry("b", "cold", &warm, 5),
        Err(StorageError::ObjectReplaced)
    ));
    assert!(matches!(
        store.set_restore_expiry("b", "missing", &warm, 5),
        Err(StorageError::NoSuchKey)
    ));
}

#[test]
fn lifecycle_rules_expire_transition_and_abort_what_is_due_only() {
    use super::lifecycle::{Expiration, Lifecycle, LifecycleRule, RuleFilter, Transition, When};
    let (_dir, store) = open_temp();
    let unruled = put(&store, "old/a", b"aaa");
    assert_eq!(
        store.object_expiry("b", "old/a", &unruled).expect("expiry"),
        None
    );
    let rule = |id: &str, filter: RuleFilter| LifecycleRule {
        id: id.into(),
        enabled: true,
        filter,
        expiration: None,
        transitions: Vec::new(),
        noncurrent_expiration: None,
        noncurrent_transitions: Vec::new(),
        abort_incomplete_after_days: None,
    };
    let mut expire = rule("expire", RuleFilter::Prefix("old/".into()));
    expire.expiration = Some(Expiration::At(When::Days(1)));
    let mut freeze = rule("freeze", RuleFilter::Prefix("cold/".into()));
    freeze.transitions = vec![Transition {
        when: When::Days(0),
        storage_class: StorageClass::Glacier,
    }];
    let mut abort = rule("abort", RuleFilter::Prefix("up/".into()));
    abort.abort_incomplete_after_days = Some(2);
    let lifecycle = Lifecycle {
        rules: vec![expire, freeze, abort],
        minimum_varies_by_class: false,
    };
    store
        .update_bucket("b", |meta| meta.lifecycle = Some(lifecycle.clone()))
        .expect("rules");
    // Every object here was written at 1 ms past the epoch.
    let old = put(&store, "old/a", b"aaa");
    assert_eq!(
        store.object_expiry("b", "old/a", &old).expect("expiry"),
        Some((2 * 86_400, "expire".to_string()))
    );
    put(&store, "keep/a", b"kept");
    let big = body(super::lifecycle::DEFAULT_TRANSITION_MINIMUM as usize);
    put(&store, "cold/big", &big);
    put(&store, "cold/small", b"too small to move");
    let upload = |key: &str| {
        store
            .create_upload(
                "b",
                key,
                &UploadMeta {
                    initiated_ms: 1,
                    ..Default::default()
                },
            )
            .expect("upload")
    };
    let stale = upload("up/x");
    let other = upload("elsewhere/x");

    // The first midnight: only the transition (Days 0) is due; the expiry (Days 1) is due at
    // the second, since 1 ms past midnight rounds up.
    let report = store.apply_lifecycle(86_400).expect("sweep");
    assert_eq!(
        (report.expired, report.transitioned, report.aborted),
        (0, 1, 0)
    );
    let class = |key: &str| {
        store
            .object("b", key)
            .expect("read")
            .map(|m| m.storage_class)
    };
    assert_eq!(class("cold/big"), Some(StorageClass::Glacier));
    assert_eq!(class("cold/small"), Some(StorageClass::Standard));
    assert!(store.object("b", "old/a").expect("read").is_some());

    let report = store.apply_lifecycle(3 * 86_400).expect("sweep");
    assert_eq!(
        (report.expired, report.transitioned, report.aborted),
        (1, 0, 1)
    );
    assert!(store.object("b", "old/a").expect("read").is_none());
    assert_eq!(read_all(&store, "keep/a"), b"kept");
    assert!(store.upload("b", "up/x", &stale).expect("read").is_none());
    assert!(store
        .upload("b", "elsewhere/x", &other)
        .expect("read")
        .is_some());
    // Nothing more to do.
    assert_eq!(
        store.apply_lifecycle(3 * 86_400).expect("sweep"),
        Default::default()
    );
}

#[test]
fn conditional_deletes_and_class_changes_judge_the_record_they_change() {
    let (_dir, store) = open_temp();
    let seen = put(&store, "k", b"first");
    let mut w = store.begin_write().expect("begin");
    w.write(Bytes::from_static(b"second")).expect("write");
    let newer = NewObject {
        etag: "etag-newer".into(),
        ..Default::default()
    };
    w.commit("b", "k", newer, 2).expect("commit");
    let judged = |object: &ObjectMeta| {
        let object = object.clone();
        move |current: &ObjectMeta| is_same_object(current, &object)
    };
    assert!(!store
        .delete_object_if("b", "k", judged(&seen))
        .expect("delete"));
    assert!(!store
        .set_storage_class_if("b", "k", StorageClass::Glacier, judged(&seen))
        .expect("move"));
    let current = store.object("b", "k").expect("read").expect("kept");
    assert_eq!(current.storage_class, StorageClass::Standard);
    assert!(store
        .set_storage_class_if("b", "k", StorageClass::Glacier, judged(&current))
        .expect("move"));
    let moved = store.object("b", "k").expect("read").expect("kept");
    assert_eq!(moved.storage_class, StorageClass::Glacier);
    assert!(store
        .delete_object_if("b", "k", judged(&moved))
        .expect("delete"));
    assert!(store.object("b", "k").expect("read").is_none());
    assert!(!store.delete_object_if("b", "k", |_| true).expect("gone"));
}
