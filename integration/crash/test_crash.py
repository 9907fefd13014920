"""Crash and disk-full behaviour: acknowledged data survives SIGKILL, a full disk is an S3 error.

Crash rounds: concurrent writers PUT, overwrite and DELETE random-size objects (inline and file
segments) while two more threads run multipart uploads; the server is SIGKILLed at a random
moment and restarted on the same data dir, which must go without an error or warning in its log. An operation counts as done only once its answer arrived; an
operation in flight at the kill may have happened or not, never half. After each restart every key
must hold exactly one of the contents it may hold, readable in full under a matching listing, and
the segment files on disk must be exactly those the surviving objects use (none leaked, none
missing). SIGKILL keeps the page cache, so these rounds prove the order of writes and the recovery
at start-up, not the fsyncs: losing unsynced data would take a power cut. The rounds run twice:
with that mixed load, and with small PUTs only, which are made durable by the write-ahead log
rather than by sled's flush, so that restarts must install them again from the log (checked).

Disk full: the server runs on a small tmpfs (mounted in a user+mount namespace of its own); PUTs
until the disk fills must end in a 507 InsufficientStorage XML answer, with the server alive,
earlier objects intact, no trace of the failed ones, deletes always working, and writes working
again once large objects are deleted. Start-up on a data dir it cannot create or open fails with a
one-line error and a non-zero exit.

The crash rounds are randomised: the seed is printed and named in every failure message, and
MINIS3_CRASH_SEED=<seed> replays the same choices (the kill lands wherever the timing puts it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from support import (
    MiB,
    S3_NS,
    Server,
    bucket_name,
    disk_usage,
    minis3_bin,
    multipart_etag,
    s3_client,
    s3_error,
    signed_request,
)

pytestmark = pytest.mark.minis3_only

SEED = int(os.environ.get("MINIS3_CRASH_SEED") or random.SystemRandom().randrange(2**32))

# Segments up to this size live inline in sled; larger ones get a file of their own
# (src/storage/data.rs INLINE_LIMIT). A PUT up to RECORD_DATA_LIMIT keeps its bytes in the
# object's record, installed by one compare-and-swap rather than a transaction.
INLINE_LIMIT = 64 * 1024
RECORD_DATA_LIMIT = 8 * 1024
MIN_PART = 5 * MiB

ROUNDS = 4
WRITERS = 4
# Each writer owns at most this many keys, so what a round must read back stays bounded.
KEYS_PER_WRITER = 10
MULTIPART_WRITERS = 2
MULTIPART_KEYS = 2
# The kill lands this many seconds after the writers start.
KILL_AFTER = (0.4, 2.0)
THREAD_JOIN_TIMEOUT = 60.0
# Lines on the server's stderr that must never appear: tracing's ERROR and WARN levels, panics.
QUIET_LOG = "info,minis3::access=warn"
BAD_LOG_LINE = re.compile(r"\b(ERROR|WARN)\b|panicked")

# sled's own files (log, snapshots) grow by 8 MiB log segments and reuse freed log space lazily,
# so only runaway growth is caught here: past this over the first round's size (measured with a
# debug build: no growth at all, one segment throughout).
SLED_GROWTH_ALLOWANCE = 32 * MiB


def tagged(msg: str) -> str:
    return f"[seed {SEED}; rerun with MINIS3_CRASH_SEED={SEED}] {msg}"


@dataclasses.dataclass(frozen=True)
class Version:
    """One content a key can hold: its digest, size, ETag and the sizes of its segments (one per
    PUT, one per multipart part)."""

    md5: str
    size: int
    etag: str
    segments: tuple[int, ...]

    @staticmethod
    def of_put(body: bytes) -> "Version":
        md5 = hashlib.md5(body).hexdigest()
        return Version(md5, len(body), f'"{md5}"', (len(body),) if body else ())

    @staticmethod
    def of_multipart(parts: list[bytes]) -> "Version":
        body = b"".join(parts)
        return Version(hashlib.md5(body).hexdigest(), len(body), multipart_etag(parts), tuple(len(p) for p in parts))

    def file_segments(self) -> list[int]:
        return [n for n in self.segments if n > INLINE_LIMIT]

    def __str__(self) -> str:
        return f"{self.size} B {self.etag}"


def show(version: Version | None) -> str:
    return "absent" if version is None else str(version)


class Ledger:
    """What each key may hold. A key is owned by one thread, so at most one operation on it is
    ever in flight: the key holds its settled state, or, while (and after) an operation is
    unanswered, either that state or the operation's outcome."""

    def __init__(self):
        self.lock = threading.Lock()
        self.possible: dict[str, list[Version | None]] = {}
        self.problems: list[str] = []

    def begin(self, key: str, outcome: Version | None) -> None:
        with self.lock:
            old = self.possible.get(key, [None])
            assert len(old) == 1, f"{key} has an operation in flight"
            self.possible[key] = [old[0], outcome]

    def done(self, key: str, outcome: Version | None) -> None:
        with self.lock:
            self.possible[key] = [outcome]

    def problem(self, msg: str) -> None:
        with self.lock:
            self.problems.append(msg)


class NoAnswer(Exception):
    """The request got no HTTP answer: the server died under it."""


def call(method: str, url: str, body: bytes = b"", headers: dict | None = None):
    try:
        resp, _ = signed_request(method, url, body=body, headers=headers)
        return resp
    except requests.RequestException as e:
        raise NoAnswer(repr(e)) from e


# -- the load ------------------------------------------------------------------------------------


def random_size(rng: random.Random) -> int:
    """Inline sizes (edges included; in the record and in the chunks tree) and file-segment sizes
    up to 3 MiB, about half each."""
    pick = rng.random()
    if pick < 0.05:
        return rng.choice([0, 1, RECORD_DATA_LIMIT, RECORD_DATA_LIMIT + 1, INLINE_LIMIT - 1, INLINE_LIMIT, INLINE_LIMIT + 1])
    if pick < 0.3:
        return rng.randint(1, RECORD_DATA_LIMIT)
    if pick < 0.5:
        return rng.randint(RECORD_DATA_LIMIT + 1, INLINE_LIMIT)
    if pick < 0.85:
        return rng.randint(INLINE_LIMIT + 1, 512 * 1024)
    return rng.randint(512 * 1024, 3 * MiB)


def small_size(rng: random.Random) -> int:
    """Sizes whose bytes go in the object's record: PUTs made durable by the write-ahead log."""
    return rng.randint(0, RECORD_DATA_LIMIT)


class Writer(threading.Thread):
    """PUTs new keys, overwrites and deletes its own keys until the server stops answering."""

    def __init__(self, url: str, bucket: str, ledger: Ledger, index: int, round_no: int, stop: threading.Event,
                 sizes=random_size):
        super().__init__(daemon=True, name=f"writer-{index}")
        self.url, self.bucket, self.ledger, self.stop = url, bucket, ledger, stop
        self.sizes = sizes
        self.rng = random.Random(f"{SEED}/{round_no}/writer/{index}")
        self.prefix = f"w{index}/"
        self.round_no = round_no
        self.counts = {"put": 0, "overwrite": 0, "delete": 0}
        self.in_flight = ""

    def owned(self) -> list[str]:
        with self.ledger.lock:
            return sorted(k for k in self.ledger.possible if k.startswith(self.prefix))

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            keys = self.owned()
            pick = self.rng.random()
            if not keys or (len(keys) < KEYS_PER_WRITER and pick < 0.5):
                key, op = f"{self.prefix}r{self.round_no}-{n}", "put"
                n += 1
            elif pick < 0.85:
                key, op = self.rng.choice(keys), "overwrite"
            else:
                key, op = self.rng.choice(keys), "delete"
            try:
                if op == "delete":
                    self.delete(key)
                else:
                    self.put(key, op)
            except NoAnswer:
                return
            except Exception as e:  # a bug in the test itself: report, do not hang the round
                self.ledger.problem(f"{self.name} crashed: {e!r}")
                return

    def put(self, key: str, op: str) -> None:
        body = self.rng.randbytes(self.sizes(self.rng))
        new = Version.of_put(body)
        self.ledger.begin(key, new)
        self.in_flight = f"{op} {key} ({show(new)})"
        resp = call("PUT", f"{self.url}/{self.bucket}/{key}", body)
        self.in_flight = ""
        if resp.status_code != 200:
            self.ledger.problem(f"PUT {key} ({len(body)} B) answered {resp.status_code}: {resp.content[:300]!r}")
            raise NoAnswer("unexpected status")
        if resp.headers.get("ETag") != new.etag:
            self.ledger.problem(f"PUT {key} answered ETag {resp.headers.get('ETag')}, expected {new.etag}")
        self.ledger.done(key, new)
        self.counts[op] += 1

    def delete(self, key: str) -> None:
        self.ledger.begin(key, None)
        self.in_flight = f"delete {key}"
        resp = call("DELETE", f"{self.url}/{self.bucket}/{key}")
        self.in_flight = ""
        if resp.status_code != 204:
            self.ledger.problem(f"DELETE {key} answered {resp.status_code}: {resp.content[:300]!r}")
            raise NoAnswer("unexpected status")
        self.ledger.done(key, None)
        self.counts["delete"] += 1


@dataclasses.dataclass
class Upload:
    key: str
    upload_id: str
    version: Version
    acked_parts: dict[int, Version] = dataclasses.field(default_factory=dict)
    part_in_flight: tuple[int, Version] | None = None
    # open -> completing -> done, or open -> aborting -> aborted
    status: str = "open"


class MultipartWriter(threading.Thread):
    """Runs multipart uploads (of one part, or of a 5 MiB part and a small last one) over its few
    keys, completing most and aborting some, until the server stops answering."""

    def __init__(self, url: str, bucket: str, ledger: Ledger, index: int, round_no: int, stop: threading.Event):
        super().__init__(daemon=True, name=f"multipart-{index}")
        self.url, self.bucket, self.ledger, self.stop = url, bucket, ledger, stop
        self.rng = random.Random(f"{SEED}/{round_no}/multipart/{index}")
        self.prefix = f"mp{index}/"
        self.uploads: list[Upload] = []
        # The key of a CreateMultipartUpload that got no answer: an upload we never learnt the
        # id of may exist for it.
        self.create_in_flight: str | None = None
        self.counts = {"completed": 0, "aborted": 0}
        self.in_flight = ""

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.one_upload(f"{self.prefix}k{self.rng.randrange(MULTIPART_KEYS)}")
            except NoAnswer:
                return
            except Exception as e:
                self.ledger.problem(f"{self.name} crashed: {e!r}")
                return

    def expect(self, resp, status: int, what: str) -> None:
        if resp.status_code != status:
            self.ledger.problem(f"{what} answered {resp.status_code}: {resp.content[:300]!r}")
            raise NoAnswer("unexpected status")

    def one_upload(self, key: str) -> None:
        base = f"{self.url}/{self.bucket}/{key}"
        self.create_in_flight, self.in_flight = key, f"create upload {key}"
        resp = call("POST", f"{base}?uploads")
        self.expect(resp, 200, f"CreateMultipartUpload {key}")
        self.create_in_flight = None
        upload_id = ET.fromstring(resp.content).findtext(f"{S3_NS}UploadId")
        if self.rng.random() < 0.3:
            parts = [self.rng.randbytes(MIN_PART), self.rng.randbytes(self.rng.randint(1, 256 * 1024))]
        else:  # one part, so that most of the time goes to creating and completing uploads
            parts = [self.rng.randbytes(self.rng.randint(1, 1024 * 1024))]
        upload = Upload(key, upload_id, Version.of_multipart(parts))
        self.uploads.append(upload)
        for number, body in enumerate(parts, 1):
            part = Version.of_put(body)
            upload.part_in_flight = (number, part)
            self.in_flight = f"part {number} of {key} ({show(part)})"
            resp = call("PUT", f"{base}?partNumber={number}&uploadId={upload_id}", body)
            self.expect(resp, 200, f"UploadPart {number} of {key}")
            upload.part_in_flight = None
            upload.acked_parts[number] = part

        if self.rng.random() < 0.2:
            upload.status, self.in_flight = "aborting", f"abort upload of {key}"
            resp = call("DELETE", f"{base}?uploadId={upload_id}")
            self.expect(resp, 204, f"AbortMultipartUpload {key}")
            upload.status = "aborted"
            self.counts["aborted"] += 1
            return

        done = "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{p.etag}</ETag></Part>" for n, p in upload.acked_parts.items()
        )
        document = f"<CompleteMultipartUpload>{done}</CompleteMultipartUpload>".encode()
        self.ledger.begin(key, upload.version)
        upload.status, self.in_flight = "completing", f"complete upload of {key} ({show(upload.version)})"
        resp = call("POST", f"{base}?uploadId={upload_id}", document)
        self.expect(resp, 200, f"CompleteMultipartUpload {key}")
        etag = ET.fromstring(resp.content).findtext(f"{S3_NS}ETag")
        if etag != upload.version.etag:
            self.ledger.problem(f"CompleteMultipartUpload {key} gave ETag {etag}, expected {upload.version.etag}")
        upload.status = "done"
        self.ledger.done(key, upload.version)
        self.counts["completed"] += 1


# -- checking a restarted server ----------------------------------------------------------------


def bad_log_lines(srv: Server) -> list[str]:
    return [line for line in list(srv.stderr_tail) if BAD_LOG_LINE.search(line)]


def list_all(s3, bucket: str) -> dict[str, tuple[int, str]]:
    """{key: (size, etag)} from ListObjectsV2, page by page."""
    listed = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 37}):
        for obj in page.get("Contents", []):
            if obj["Key"] in listed:
                raise AssertionError(tagged(f"ListObjectsV2 lists {obj['Key']} twice"))
            listed[obj["Key"]] = (obj["Size"], obj["ETag"])
    return listed


def read_back(url: str, bucket: str, key: str, listed: tuple[int, str], problems: list[str]) -> Version | None:
    """GETs and HEADs a listed key; returns the version its bytes are, after checking that the
    listing, HEAD and GET agree on it (a torn object has a short body under a full-size listing)."""
    size, etag = listed
    try:
        got = call("GET", f"{url}/{bucket}/{key}")
    except NoAnswer as e:
        problems.append(f"{key}: listed ({size} B) but its GET broke off: {e}")
        return None
    if got.status_code != 200:
        problems.append(f"{key}: listed ({size} B {etag}) but GET answered {got.status_code}: {got.content[:200]!r}")
        return None
    head = call("HEAD", f"{url}/{bucket}/{key}")
    body = got.content
    md5 = hashlib.md5(body).hexdigest()
    sizes = {"listed": size, "HEAD": int(head.headers.get("Content-Length", -1)), "GET": len(body)}
    etags = {"listed": etag, "HEAD": head.headers.get("ETag"), "GET": got.headers.get("ETag")}
    if head.status_code != 200 or len(set(sizes.values())) != 1 or len(set(etags.values())) != 1:
        problems.append(f"{key}: torn or inconsistent: HEAD {head.status_code}, sizes {sizes}, ETags {etags}")
        return None
    return Version(md5, len(body), etag, ())


def check_round(srv: Server, bucket: str, ledger: Ledger, mps: list[MultipartWriter], round_no: int) -> dict:
    """Everything a restarted server must show; settles the ledger to what survived and aborts
    leftover uploads. Returns the resolved state {key: Version}."""
    problems: list[str] = []
    s3 = s3_client(srv.url)
    listed = list_all(s3, bucket)

    resolved: dict[str, Version] = {}
    for key in sorted(set(listed) | set(ledger.possible)):
        possible = ledger.possible.get(key)
        if possible is None:
            problems.append(f"{key}: listed ({listed[key]}) but never written")
            continue
        if key not in listed:
            if None not in possible:
                problems.append(f"{key}: lost: not listed, but must hold one of {[show(v) for v in possible]}")
            else:
                missing = call("HEAD", f"{srv.url}/{bucket}/{key}")
                if missing.status_code != 404:
                    problems.append(f"{key}: not listed, yet HEAD answers {missing.status_code}")
                ledger.done(key, None)
            continue
        seen = read_back(srv.url, bucket, key, listed[key], problems)
        if seen is None:
            continue
        match = [v for v in possible if v is not None and (v.md5, v.size, v.etag) == (seen.md5, seen.size, seen.etag)]
        if not match:
            problems.append(
                f"{key}: holds {seen.size} B (md5 {seen.md5}, ETag {seen.etag}), none of the contents it may hold: "
                f"{[show(v) for v in possible]}"
            )
            continue
        resolved[key] = match[0]
        ledger.done(key, match[0])

    # Multipart uploads: an acknowledged one is there with its acknowledged parts until completed
    # or aborted; one whose completion was in flight is either still an upload or the object.
    uploads = {}
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for u in page.get("Uploads", []):
            uploads[u["UploadId"]] = u["Key"]
    known = {u.upload_id: u for mp in mps for u in mp.uploads}
    unknown_allowed = {mp.create_in_flight for mp in mps} - {None}
    for upload_id, key in uploads.items():
        parts = {
            p["PartNumber"]: (p["Size"], p["ETag"])
            for p in s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id).get("Parts", [])
        }
        upload = known.get(upload_id)
        if upload is None:
            if key not in unknown_allowed or parts:
                problems.append(f"upload {upload_id} of {key} listed with parts {parts}, but none was started for it")
            unknown_allowed.discard(key)
            continue
        if upload.status in ("done", "aborted"):
            problems.append(f"upload of {key} was {upload.status} (acknowledged), yet is listed")
        if upload.status == "completing" and resolved.get(key) == upload.version:
            problems.append(f"upload of {key} is both completed into the object and still listed")
        expected = {n: (p.size, p.etag) for n, p in upload.acked_parts.items()}
        if upload.part_in_flight and upload.part_in_flight[0] in parts:
            n, p = upload.part_in_flight
            expected[n] = (p.size, p.etag)
        if parts != expected:
            problems.append(f"upload of {key}: parts {parts}, expected {expected} (acknowledged: {sorted(upload.acked_parts)})")
    for upload in known.values():
        if upload.status == "open" and upload.upload_id not in uploads:
            problems.append(f"acknowledged upload {upload.upload_id} of {upload.key} is gone")
        if upload.status == "completing" and upload.upload_id not in uploads and resolved.get(upload.key) != upload.version:
            problems.append(f"upload of {upload.key} is neither listed nor completed into the object")
    for upload_id, key in uploads.items():
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)

    # Freed segments are really freed: the segment files are exactly those of the live objects.
    expected_files = sorted(n for v in resolved.values() for n in v.file_segments())
    actual_files = sorted(p.stat().st_size for p in (srv.data_dir / "segments").glob("*/*") if p.is_file())
    if actual_files != expected_files:
        problems.append(
            f"segment files on disk: {len(actual_files)} holding {sum(actual_files)} B; the live objects use "
            f"{len(expected_files)} holding {sum(expected_files)} B (extra sizes: "
            f"{sorted(set(actual_files) - set(expected_files))[:10]}, missing sizes: "
            f"{sorted(set(expected_files) - set(actual_files))[:10]})"
        )

    problems += [f"server log: {line}" for line in bad_log_lines(srv)]
    assert not problems, tagged(f"after the crash of round {round_no}:\n  " + "\n  ".join(problems))
    return resolved


# The second load: only PUTs small enough for the write-ahead log, from more writers, so that most
# acknowledged writes at the kill are known to the log and not yet to sled.
LOADS = {"mixed": (random_size, WRITERS, MULTIPART_WRITERS), "small": (small_size, 8, 0)}
LOG_REPLAYED = "installed small PUTs from the write-ahead log"


@pytest.mark.parametrize("load", sorted(LOADS))
def test_acknowledged_writes_survive_sigkill(tmp_path, monkeypatch, load):
    # No access log: the stderr the checks read then holds only what the server has to say.
    monkeypatch.setenv("RUST_LOG", QUIET_LOG)
    print(f"crash test seed {SEED} (MINIS3_CRASH_SEED={SEED} replays it), {load} load")
    sizes, writer_count, multipart_count = LOADS[load]
    replays = 0
    rng = random.Random(SEED)
    data_dir = tmp_path / "data"
    ledger = Ledger()
    bucket = bucket_name("crash")
    sled_usage = []
    srv = Server(data_dir).start()
    try:
        s3_client(srv.url).create_bucket(Bucket=bucket)
        for round_no in range(ROUNDS):
            stop = threading.Event()
            writers = [Writer(srv.url, bucket, ledger, i, round_no, stop, sizes) for i in range(writer_count)]
            mps = [MultipartWriter(srv.url, bucket, ledger, i, round_no, stop) for i in range(multipart_count)]
            threads = [*writers, *mps]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(*KILL_AFTER))
            killed_log = bad_log_lines(srv)
            assert srv.kill() == -signal.SIGKILL
            stop.set()
            for t in threads:
                t.join(THREAD_JOIN_TIMEOUT)
                assert not t.is_alive(), tagged(f"{t.name} still running {THREAD_JOIN_TIMEOUT}s after the kill")
            in_flight = [t.in_flight for t in threads if t.in_flight]
            counts = {name: sum(t.counts.get(name, 0) for t in threads) for name in
                      ("put", "overwrite", "delete", "completed", "aborted")}
            print(f"round {round_no}: acknowledged {counts}; in flight at the kill: {in_flight}")
            assert not ledger.problems, tagged(f"round {round_no}, before the kill:\n  " + "\n  ".join(ledger.problems))
            assert not killed_log, tagged(f"round {round_no}: the server logged before the kill:\n" + "\n".join(killed_log))

            srv = Server(data_dir).start()
            resolved = check_round(srv, bucket, ledger, mps, round_no)
            replays += any(LOG_REPLAYED in line for line in list(srv.stderr_tail))
            segment_bytes = sum(p.stat().st_size for p in (data_dir / "segments").glob("*/*") if p.is_file())
            sled_usage.append(disk_usage(data_dir) - segment_bytes)
            print(
                f"round {round_no}: {len(resolved)} objects survive, "
                f"{sum(v.size for v in resolved.values()) / MiB:.1f} MiB; sled files {sled_usage[-1] / MiB:.1f} MiB"
            )
        assert sled_usage[-1] <= sled_usage[0] + SLED_GROWTH_ALLOWANCE, tagged(
            f"sled's files keep growing across rounds: {[round(u / MiB, 1) for u in sled_usage]} MiB"
        )
        # Small PUTs acknowledged since sled's last full flush come back from the log at every
        # restart; a load of them that never needed it did not test the log.
        if load == "small":
            assert replays > 0, tagged(f"no restart in {ROUNDS} rounds installed anything from the write-ahead log")
    finally:
        srv.stop()


# -- a full disk -------------------------------------------------------------------------------

# The server refuses new data while its file system has less than 32 MiB free (DISK_RESERVE in
# src/storage), keeping room for sled's log: a 96 MiB disk holds about 60 MiB of objects.
SMALL_FS_MB = 96
# Filling takes a PUT per 60 kB: a smaller disk keeps that test short.
SMALL_OBJECTS_FS_MB = 56
FILL_SIZES = [3 * MiB, 40_000, 1 * MiB + 17, 2 * MiB]
START_REFUSAL_TIMEOUT = 20.0


def _runs(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture
def small_fs(tmp_path):
    """make(size_mb) -> (mount point, wrapper): a wrapper command that starts the server with a
    tmpfs of size_mb mounted on the mount point. Preferably inside a user+mount namespace of the
    server's own (no privilege needed; the tmpfs goes away with the server), else, as root, a real
    tmpfs mount. Fails, never skips, when neither works."""
    mounted: list[Path] = []

    def make(size_mb: int) -> tuple[Path, tuple[str, ...]]:
        mount_point = tmp_path / f"small-fs-{len(mounted)}-{size_mb}m"
        mount_point.mkdir()
        in_namespace = [
            "unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            f'mount -t tmpfs -o size={size_mb}m minis3-small-fs "$0" && exec "$@"', str(mount_point),
        ]
        if shutil.which("unshare") and _runs([*in_namespace, "true"]):
            print(f"small file system: {size_mb} MiB tmpfs in a user+mount namespace")
            return mount_point, tuple(in_namespace)
        mount = ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "minis3-small-fs", str(mount_point)]
        if os.geteuid() == 0 and _runs(mount):
            print(f"small file system: {size_mb} MiB tmpfs mounted as root")
            mounted.append(mount_point)
            return mount_point, ()
        pytest.fail(
            "the disk-full tests need a small file system and could make none: neither "
            "`unshare --user --map-root-user --mount` with a tmpfs mount works here (unprivileged "
            "user namespaces disabled? see sysctl user.max_user_namespaces and "
            "kernel.unprivileged_userns_clone) nor a plain tmpfs mount (which needs root; "
            f"running as uid {os.geteuid()})"
        )

    yield make
    for mount_point in mounted:
        subprocess.run(["umount", "--lazy", str(mount_point)], capture_output=True, timeout=20)


def put(url: str, bucket: str, key: str, body: bytes, headers: dict | None = None):
    resp, _ = signed_request("PUT", f"{url}/{bucket}/{key}", body=body, headers=headers)
    return resp


def assert_insufficient_storage(resp, what: str) -> None:
    assert resp.status_code == 507, f"{what}: expected 507 InsufficientStorage, got {resp.status_code}: {resp.content[:300]!r}"
    assert s3_error(resp)["Code"] == "InsufficientStorage", f"{what}: {resp.content[:300]!r}"


def test_a_full_disk_is_507_and_nothing_half_written(small_fs):
    mount_point, wrapper = small_fs(SMALL_FS_MB)
    srv = Server(mount_point, wrapper=wrapper).start()
    try:
        url, bucket = srv.url, bucket_name("full")
        s3 = s3_client(url)
        s3.create_bucket(Bucket=bucket)
        stored = {"early-small": os.urandom(1000), "early-inline": os.urandom(60_000), "early-file": os.urandom(2 * MiB)}
        for key, body in stored.items():
            assert put(url, bucket, key, body).status_code == 200
        open_upload = s3.create_multipart_upload(Bucket=bucket, Key="upload")["UploadId"]

        # Fill the disk: large PUTs until one is refused (mid-body, as it crosses the reserve, or
        # up front), then small ones until a small one is refused too: a refused large PUT gives
        # back what it had written, a refused small one never wrote anything, so the disk then
        # stays full. Each PUT either lands whole or is refused with 507.
        refused = []
        for phase, sizes in enumerate((FILL_SIZES, [60_000])):
            for n in range(4000):
                key = f"fill-{phase}-{n}"
                body = os.urandom(sizes[n % len(sizes)])
                resp = put(url, bucket, key, body)
                if resp.status_code != 200:
                    assert_insufficient_storage(resp, f"PUT {key} ({len(body)} B) on a filling disk")
                    refused.append((key, body))
                    break
                stored[key] = body
            else:
                raise AssertionError(f"{len(stored)} objects fit on a {SMALL_FS_MB} MiB file system")
        print(f"disk full after {len(stored)} objects, {sum(map(len, stored.values())) / MiB:.1f} MiB")
        assert srv.proc.poll() is None, "the server exited when the disk filled"

        # While full: every way of adding data is refused the same way, whatever its size.
        assert_insufficient_storage(put(url, bucket, "more-small", b"x" * 100), "a small PUT")
        assert_insufficient_storage(put(url, bucket, "more-large", os.urandom(3 * MiB)), "a large PUT")
        assert_insufficient_storage(put(url, bucket, "early-file", os.urandom(MiB)), "an overwrite")
        assert_insufficient_storage(
            put(url, bucket, "copy", b"", headers={"x-amz-copy-source": f"/{bucket}/early-inline"}), "CopyObject"
        )
        resp, _ = signed_request("PUT", f"{url}/{bucket}/upload?partNumber=1&uploadId={open_upload}", body=os.urandom(MiB))
        assert_insufficient_storage(resp, "UploadPart")
        resp, _ = signed_request("POST", f"{url}/{bucket}/later?uploads")
        assert_insufficient_storage(resp, "CreateMultipartUpload")
        health = requests.get(f"{url}/_minis3/health", timeout=10)
        assert health.status_code == 200, f"health after the disk filled: {health.status_code}"

        # Nothing half-written: what was acknowledged reads back whole, the refused keys do not
        # exist, the refused overwrite left the old object, and the listing says the same.
        refused_keys = [key for key, _ in refused] + ["more-small", "more-large", "copy", "later"]
        listed = list_all(s3, bucket)
        assert sorted(listed) == sorted(stored), f"listed {sorted(set(listed) ^ set(stored))} wrongly"
        for key, body in stored.items():
            got = call("GET", f"{url}/{bucket}/{key}")
            assert got.status_code == 200 and got.content == body, f"{key} after the disk filled: {got.status_code}"
            assert listed[key] == (len(body), f'"{hashlib.md5(body).hexdigest()}"')
        for key in refused_keys:
            assert call("HEAD", f"{url}/{bucket}/{key}").status_code == 404, f"refused {key} exists"
        assert s3.list_parts(Bucket=bucket, Key="upload", UploadId=open_upload).get("Parts", []) == []

        # Deleting frees room: writes work again, including the one refused first.
        fill_keys = sorted((k for k in stored if k.startswith("fill-")), key=lambda k: -len(stored[k]))
        for key in fill_keys[: len(fill_keys) // 2]:
            assert call("DELETE", f"{url}/{bucket}/{key}").status_code == 204
            del stored[key]
        for key, body in refused:
            assert put(url, bucket, key, body).status_code == 200, f"PUT {key} after deleting objects"
            stored[key] = body
        assert put(url, bucket, "more-small", b"x" * 100).status_code == 200
        stored["more-small"] = b"x" * 100
        for key, body in stored.items():
            assert call("GET", f"{url}/{bucket}/{key}").content == body, f"{key} after deleting"
        s3.abort_multipart_upload(Bucket=bucket, Key="upload", UploadId=open_upload)

        assert srv.stop() == 0, "the server did not shut down cleanly after the disk filled"
        assert not [line for line in srv.stderr_tail if "panicked" in line]
        # The only errors it logged are the disk being full, no internal error.
        errors = [line for line in srv.stderr_tail if re.search(r"\bERROR\b", line)]
        assert errors and all("disk full" in line for line in errors), "\n".join(errors)
    finally:
        srv.stop()


def test_a_disk_filled_by_small_objects_still_deletes_and_reads(small_fs):
    """Small objects live in sled's log; filling the disk with them must leave sled working
    (reads, deletes, a clean shutdown), not failing every call until a restart."""
    mount_point, wrapper = small_fs(SMALL_OBJECTS_FS_MB)
    srv = Server(mount_point, wrapper=wrapper).start()
    try:
        url, bucket = srv.url, bucket_name("full-small")
        signed_request("PUT", f"{url}/{bucket}")
        stored = {}
        for n in range(20 * SMALL_OBJECTS_FS_MB):
            key, body = f"small-{n}", os.urandom(60_000)
            resp = put(url, bucket, key, body)
            if resp.status_code != 200:
                assert_insufficient_storage(resp, f"PUT {key}")
                break
            stored[key] = body
        else:
            raise AssertionError(f"{len(stored)} objects of 60 kB fit on a {SMALL_OBJECTS_FS_MB} MiB file system")
        print(f"disk full after {len(stored)} small objects")
        for key in list(stored)[::3]:
            assert call("GET", f"{url}/{bucket}/{key}").content == stored[key]
        for key in list(stored)[::2]:
            assert call("DELETE", f"{url}/{bucket}/{key}").status_code == 204, f"DELETE {key} on a full disk"
            del stored[key]
        assert sorted(list_all(s3_client(url), bucket)) == sorted(stored)
        for key, body in stored.items():
            assert call("GET", f"{url}/{bucket}/{key}").content == body
        assert srv.stop() == 0, "the server did not shut down cleanly after the disk filled"
        errors = [line for line in srv.stderr_tail if re.search(r"\bERROR\b|panicked", line)]
        assert all("disk full" in line for line in errors), "\n".join(errors)
    finally:
        srv.stop()


# -- a data dir it cannot use ------------------------------------------------------------------


def refused_start(data_dir: Path, wrapper: tuple[str, ...] = ()) -> str:
    """Starts the server on `data_dir`, which it must refuse: a non-zero exit, and one line on
    stderr naming the dir, no panic. Returns that line."""
    cmd = [*wrapper, minis3_bin(), "serve", "--address", "127.0.0.1:0", "--data-dir", str(data_dir)]
    try:
        p = subprocess.run(
            cmd, capture_output=True, timeout=START_REFUSAL_TIMEOUT, stdin=subprocess.DEVNULL,
            env=dict(os.environ, RUST_BACKTRACE="1"),
        )
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{cmd} kept running instead of refusing the data dir: {e.stdout!r}") from None
    stderr = p.stderr.decode("utf-8", "replace")
    lines = stderr.strip().splitlines()
    assert p.returncode != 0, f"{cmd} exited 0: {stderr}"
    assert "panicked" not in stderr and "backtrace" not in stderr.lower(), stderr
    assert len(lines) == 1 and lines[0].startswith("minis3: ") and str(data_dir) in lines[0], (
        f"expected one 'minis3: ...' line naming {data_dir}, got:\n{stderr}"
    )
    assert not p.stdout, f"printed a banner: {p.stdout!r}"
    return lines[0]


def unprivileged() -> tuple[str, ...]:
    """A wrapper that runs the server without root's power to ignore file modes."""
    if os.geteuid() != 0:
        return ()
    wrapper = ("unshare", "--user")
    if not (shutil.which("unshare") and _runs([*wrapper, "true"])):
        pytest.fail("running as root, and `unshare --user` (to drop root's file access) does not work here")
    return wrapper


def test_start_refuses_a_data_dir_it_cannot_create(tmp_path):
    regular = tmp_path / "regular-file"
    regular.write_text("not a directory")
    print(refused_start(regular / "data"))
    print(refused_start(regular))


def test_start_refuses_an_unreadable_data_dir(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        print(refused_start(locked, unprivileged()))
    finally:
        locked.chmod(0o755)

    # An existing store whose database file cannot be opened.
    data_dir = tmp_path / "store"
    srv = Server(data_dir).start()
    assert srv.stop() == 0
    (data_dir / "db").chmod(0)
    try:
        print(refused_start(data_dir, unprivileged()))
    finally:
        (data_dir / "db").chmod(0o644)
