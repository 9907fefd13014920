"""Bulk and multipart transfers as users run them: the aws CLI's `s3 cp` of a file over its
multipart threshold up and down, `s3 sync` of a 2,000-file tree (up, no-op, one change, down),
`s3 mv` within and across buckets (small objects by CopyObject, a large one by UploadPartCopy),
`s3 rm --recursive`, and boto3's transfer manager (upload_file / download_file / copy) with a
small multipart threshold."""

import hashlib
import json
import os
import time

import pytest
from boto3.s3.transfer import TransferConfig

from support import (
    MiB,
    bucket_name,
    composite_checksum,
    expect_client_error,
    lines_starting,
    md5_etag,
    multipart_etag,
    read_tree,
    split_parts,
    write_tree,
)

# The CLI's defaults (multipart_threshold and multipart_chunksize are both 8 MiB).
CLI_CHUNK = 8 * MiB


def md5_of_file(path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MiB), b""):
            digest.update(block)
    return digest.hexdigest()


def all_keys(s3, bucket, prefix="") -> dict:
    """{key: size} over every page of ListObjectsV2."""
    keys = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            assert o["Key"] not in keys, f"{o['Key']} listed twice"
            keys[o["Key"]] = o["Size"]
    return keys


# -- aws s3 cp -------------------------------------------------------------------------------------


def test_cli_cp_of_64_mib_goes_multipart_and_round_trips(cli, s3, bucket, tmp_path):
    data = os.urandom(64 * MiB)
    src = tmp_path / "big.bin"
    src.write_bytes(data)

    out = cli.run("s3", "cp", "--no-progress", str(src), f"s3://{bucket}/big/file.bin", timeout=300).stdout_text
    uploads = lines_starting(out, "upload: ")
    assert len(uploads) == 1 and uploads[0].endswith(f"big.bin to s3://{bucket}/big/file.bin"), out

    head = s3.head_object(Bucket=bucket, Key="big/file.bin")
    assert head["ContentLength"] == len(data)
    # Eight 8 MiB parts, sent in parallel: the ETag is the multipart one, ending in -8.
    assert head["ETag"].endswith('-8"'), head["ETag"]
    assert head["ETag"] == multipart_etag(split_parts(data, CLI_CHUNK))
    assert s3.head_object(Bucket=bucket, Key="big/file.bin", PartNumber=8)["PartsCount"] == 8

    dst = tmp_path / "down.bin"
    out = cli.run("s3", "cp", "--no-progress", f"s3://{bucket}/big/file.bin", str(dst), timeout=300).stdout_text
    downloads = lines_starting(out, "download: ")
    assert len(downloads) == 1 and downloads[0].startswith(f"download: s3://{bucket}/big/file.bin to "), out
    assert dst.stat().st_size == len(data)
    assert md5_of_file(dst) == hashlib.md5(data).hexdigest()


# -- aws s3 sync / rm of 2,000 files ----------------------------------------------------------------------

TREE_SIZE = 2000


def small_tree() -> dict:
    """2,000 tiny files (some empty) spread over nested directories."""
    return {
        f"d{i % 10}/sub{i % 7}/{'deep/' * (i % 3)}file-{i:04d}.txt": b"line %d\n" % i * (i % 4)
        for i in range(TREE_SIZE)
    }


def test_cli_sync_rm_of_2000_files(cli, s3, bucket, tmp_path):
    tree = small_tree()
    src = tmp_path / "src"
    write_tree(src, tree)
    # Freshly written, as a user's files are: their sub-second mtimes must never look newer than
    # the objects uploaded from them.
    target = f"s3://{bucket}/tree"

    started = time.monotonic()
    out = cli.run("s3", "sync", "--no-progress", str(src), target, timeout=300).stdout_text
    uploaded = sorted(line.rsplit(" to ", 1)[1] for line in lines_starting(out, "upload: "))
    assert uploaded == sorted(f"{target}/{rel}" for rel in tree), out[-2000:]
    assert all_keys(s3, bucket) == {f"tree/{rel}": len(body) for rel, body in tree.items()}
    sync_up = time.monotonic() - started

    # Nothing changed: nothing goes up and nothing is said.
    again = cli.run("s3", "sync", "--no-progress", str(src), target, timeout=300)
    assert (again.stdout_text, again.stderr_text) == ("", "")

    # One file changes: exactly that one goes up.
    changed = next(rel for rel in tree if rel.endswith("/file-0143.txt"))
    tree[changed] = b"changed contents, longer than before\n"
    (src / changed).write_bytes(tree[changed])
    out = cli.run("s3", "sync", "--no-progress", str(src), target, timeout=300).stdout_text
    assert len(out.splitlines()) == 1 and out.startswith("upload: "), out
    assert out.rstrip("\n").endswith(f"{changed} to {target}/{changed}"), out
    assert s3.get_object(Bucket=bucket, Key=f"tree/{changed}")["Body"].read() == tree[changed]

    # Down into a fresh directory: the same tree byte for byte, and a second sync down is a no-op.
    dst = tmp_path / "dst"
    out = cli.run("s3", "sync", "--no-progress", target, str(dst), timeout=300).stdout_text
    assert len(lines_starting(out, "download: ")) == TREE_SIZE, out[-2000:]
    assert read_tree(dst) == tree
    assert cli.run("s3", "sync", "--no-progress", target, str(dst), timeout=300).stdout_text == ""

    # And all of it removed again.
    out = cli.run("s3", "rm", "--recursive", target, timeout=300).stdout_text
    deleted = sorted(line.split("delete: ", 1)[1] for line in lines_starting(out, "delete: "))
    assert deleted == sorted(f"{target}/{rel}" for rel in tree), out[-2000:]
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    print(f"sync of {TREE_SIZE} files up took {sync_up:.1f}s")


# -- aws s3 mv ----------------------------------------------------------------------------------------


def test_cli_mv_within_and_across_buckets(cli, s3, bucket):
    other = bucket_name("mv-target")
    s3.create_bucket(Bucket=other)
    body = b"moving body"
    s3.put_object(Bucket=bucket, Key="from/a.txt", Body=body, ContentType="text/x-moved", Metadata={"m": "1"})

    out = cli.run("s3", "mv", f"s3://{bucket}/from/a.txt", f"s3://{bucket}/to/a.txt").stdout_text
    assert lines_starting(out, "move: ") == [f"move: s3://{bucket}/from/a.txt to s3://{bucket}/to/a.txt"], out
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="from/a.txt")
    got = s3.get_object(Bucket=bucket, Key="to/a.txt")
    assert (got["Body"].read(), got["ETag"]) == (body, md5_etag(body))
    assert (got["ContentType"], got["Metadata"]) == ("text/x-moved", {"m": "1"})

    out = cli.run("s3", "mv", f"s3://{bucket}/to/a.txt", f"s3://{other}/elsewhere/a.txt").stdout_text
    assert lines_starting(out, "move: ") == [f"move: s3://{bucket}/to/a.txt to s3://{other}/elsewhere/a.txt"], out
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    got = s3.get_object(Bucket=other, Key="elsewhere/a.txt")
    assert (got["Body"].read(), got["ContentType"], got["Metadata"]) == (body, "text/x-moved", {"m": "1"})


def test_cli_mv_of_a_large_object_copies_it_in_parts(cli, s3, bucket):
    other = bucket_name("mv-large-target")
    s3.create_bucket(Bucket=other)
    data = os.urandom(12 * MiB)  # over the CLI's threshold: UploadPartCopy in 8 MiB ranges
    s3.put_object(Bucket=bucket, Key="large.bin", Body=data, ContentType="application/x-large", Metadata={"big": "yes"})

    out = cli.run("s3", "mv", f"s3://{bucket}/large.bin", f"s3://{other}/moved/large.bin", timeout=300).stdout_text
    assert lines_starting(out, "move: ") == [f"move: s3://{bucket}/large.bin to s3://{other}/moved/large.bin"], out
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="large.bin")
    head = s3.head_object(Bucket=other, Key="moved/large.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == multipart_etag(split_parts(data, CLI_CHUNK))
    # (The v1 CLI's multipart copy does not carry the source's content type and metadata over.)
    assert s3.get_object(Bucket=other, Key="moved/large.bin")["Body"].read() == data


# -- boto3's transfer manager ------------------------------------------------------------------------------

TM_CHUNK = 5 * MiB
TM_CONFIG = TransferConfig(multipart_threshold=TM_CHUNK + 1, multipart_chunksize=TM_CHUNK, max_concurrency=4)


def test_transfer_manager_upload_download_copy(s3, bucket, tmp_path):
    data = os.urandom(17 * MiB)  # parts of 5, 5, 5 and 2 MiB
    parts = split_parts(data, TM_CHUNK)
    assert [len(p) for p in parts] == [TM_CHUNK] * 3 + [2 * MiB]
    src = tmp_path / "tm.bin"
    src.write_bytes(data)

    s3.upload_file(
        str(src), bucket, "tm/file.bin", Config=TM_CONFIG,
        ExtraArgs={"ContentType": "application/x-tm", "Metadata": {"via": "s3transfer"}},
    )
    head = s3.head_object(Bucket=bucket, Key="tm/file.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == multipart_etag(parts)
    assert head["ETag"].endswith('-4"')
    assert (head["ContentType"], head["Metadata"]) == ("application/x-tm", {"via": "s3transfer"})
    last = s3.head_object(Bucket=bucket, Key="tm/file.bin", PartNumber=4)
    assert (last["PartsCount"], last["ContentLength"]) == (4, 2 * MiB)

    dst = tmp_path / "tm-down.bin"
    s3.download_file(bucket, "tm/file.bin", str(dst), Config=TM_CONFIG)
    assert dst.read_bytes() == data

    other = bucket_name("tm-copy")
    s3.create_bucket(Bucket=other)
    s3.copy({"Bucket": bucket, "Key": "tm/file.bin"}, other, "tm/copy.bin", Config=TM_CONFIG)
    copied = s3.head_object(Bucket=other, Key="tm/copy.bin")
    assert copied["ContentLength"] == len(data)
    assert copied["ETag"] == multipart_etag(parts)
    assert s3.head_object(Bucket=other, Key="tm/copy.bin", PartNumber=2)["PartsCount"] == 4
    assert s3.get_object(Bucket=other, Key="tm/copy.bin")["Body"].read() == data
    # The source is still there.
    assert s3.head_object(Bucket=bucket, Key="tm/file.bin")["ETag"] == multipart_etag(parts)


@pytest.mark.minis3_only
def test_transfer_manager_upload_carries_a_composite_crc32(s3, bucket, tmp_path):
    # boto3 creates the upload with CRC32 (no checksum type: COMPOSITE), sends every part's CRC32
    # and names them all in Complete; moto drops the "-N" suffix.
    data = os.urandom(11 * MiB)
    src = tmp_path / "crc.bin"
    src.write_bytes(data)
    s3.upload_file(str(src), bucket, "crc.bin", Config=TM_CONFIG)
    head = s3.head_object(Bucket=bucket, Key="crc.bin", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == composite_checksum("CRC32", split_parts(data, TM_CHUNK))
    assert head["ChecksumType"] == "COMPOSITE"
    assert head["ETag"] == multipart_etag(split_parts(data, TM_CHUNK))


def test_s3api_multipart_calls(cli, s3, bucket, tmp_path):
    """The low-level CLI verbs a script would use for a multipart upload."""
    parts = [os.urandom(TM_CHUNK), b"s3api tail"]
    created = json.loads(
        cli.run("s3api", "create-multipart-upload", "--bucket", bucket, "--key", "api.bin",
                "--content-type", "application/x-api").stdout_text
    )
    upload_id = created["UploadId"]
    done = []
    for n, body in enumerate(parts, 1):
        path = tmp_path / f"part{n}"
        path.write_bytes(body)
        resp = json.loads(
            cli.run("s3api", "upload-part", "--bucket", bucket, "--key", "api.bin", "--upload-id", upload_id,
                    "--part-number", str(n), "--body", str(path)).stdout_text
        )
        assert resp["ETag"] == md5_etag(body)
        done.append({"PartNumber": n, "ETag": resp["ETag"]})

    listed = json.loads(
        cli.run("s3api", "list-parts", "--bucket", bucket, "--key", "api.bin", "--upload-id", upload_id).stdout_text
    )
    assert [(p["PartNumber"], p["Size"]) for p in listed["Parts"]] == [(1, TM_CHUNK), (2, len(parts[1]))]
    uploads = json.loads(cli.run("s3api", "list-multipart-uploads", "--bucket", bucket).stdout_text)
    assert [(u["Key"], u["UploadId"]) for u in uploads["Uploads"]] == [("api.bin", upload_id)]

    spec = tmp_path / "parts.json"
    spec.write_text(json.dumps({"Parts": done}))
    resp = json.loads(
        cli.run("s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "api.bin",
                "--upload-id", upload_id, "--multipart-upload", f"file://{spec}").stdout_text
    )
    assert resp["ETag"] == multipart_etag(parts)
    got = s3.get_object(Bucket=bucket, Key="api.bin")
    assert (got["Body"].read(), got["ContentType"]) == (b"".join(parts), "application/x-api")

    aborted = json.loads(
        cli.run("s3api", "create-multipart-upload", "--bucket", bucket, "--key", "gone.bin").stdout_text
    )["UploadId"]
    cli.run("s3api", "abort-multipart-upload", "--bucket", bucket, "--key", "gone.bin", "--upload-id", aborted)
    missing = cli.run("s3api", "list-parts", "--bucket", bucket, "--key", "gone.bin", "--upload-id", aborted, check=False)
    assert missing.returncode != 0
    assert "NoSuchUpload" in missing.stderr_text
