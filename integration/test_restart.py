"""Durability across restarts: a server of its own on its own data dir is stopped with SIGTERM,
then SIGINT, and each time started again on the same dir; everything written before must read
back byte for byte with the same ETags, headers, metadata, checksums and listings."""

import datetime
import os
import signal

import pytest

from support import Server, bucket_name, expect_client_error, s3_client

pytestmark = pytest.mark.minis3_only

HEAD_FIELDS = [
    "ETag",
    "ContentLength",
    "ContentType",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
    "CacheControl",
    "Metadata",
    "LastModified",
    "ChecksumCRC32",
    "ChecksumSHA256",
]


def snapshot(s3, objects: dict) -> dict:
    """Everything a client can observe about the buckets and `objects` {(bucket, key): body}."""
    buckets = [(b["Name"], b["CreationDate"]) for b in s3.list_buckets()["Buckets"]]
    listings = {}
    for name, _ in buckets:
        resp = s3.list_objects_v2(Bucket=name)
        listings[name] = [(o["Key"], o["Size"], o["ETag"], o["LastModified"]) for o in resp.get("Contents", [])]
    heads = {}
    for (bucket, key), body in objects.items():
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        heads[(bucket, key)] = {f: head.get(f) for f in HEAD_FIELDS} | {
            "expires": head["ResponseMetadata"]["HTTPHeaders"].get("expires")
        }
        got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert got == body, f"{bucket}/{key}: body differs ({len(got)} bytes read, {len(body)} written)"
    return {"buckets": buckets, "listings": listings, "heads": heads}


def restart(srv: Server, sig: int) -> Server:
    assert srv.stop(sig) == 0, f"server did not shut down cleanly on signal {sig}"
    return Server(srv.data_dir).start()


def test_data_survives_restarts(tmp_path):
    srv = Server(tmp_path / "data").start()
    try:
        s3 = s3_client(srv.url)
        main, empty_bucket, gone_bucket = bucket_name("durable"), bucket_name("durable-empty"), bucket_name("gone")
        for name in (main, empty_bucket, gone_bucket):
            s3.create_bucket(Bucket=name)

        big = os.urandom(3 * 1024 * 1024 + 17)
        objects = {
            (main, "big/blob.bin"): big,
            (main, "empty"): b"",
            (main, "unicode/ключ 日本.txt"): "unicode body ✓".encode(),
            (main, "a//b/"): b"odd key",
            (main, "meta.txt"): b"with every stored header",
            (main, "sha.bin"): b"sha256 checked" * 10,
        }
        for (bucket, key), body in objects.items():
            if key == "meta.txt":
                s3.put_object(
                    Bucket=bucket, Key=key, Body=body,
                    ContentType="text/plain; charset=utf-8",
                    ContentDisposition='attachment; filename="meta.txt"',
                    ContentEncoding="identity",
                    ContentLanguage="de",
                    CacheControl="private, max-age=5",
                    Expires=datetime.datetime(2036, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
                    Metadata={"kind": "durable", "n": "1"},
                )
            elif key == "sha.bin":
                s3.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256")
            else:
                s3.put_object(Bucket=bucket, Key=key, Body=body)

        # Deletions must be as durable as writes.
        s3.put_object(Bucket=main, Key="deleted-before-restart", Body=b"x")
        s3.delete_object(Bucket=main, Key="deleted-before-restart")
        s3.delete_bucket(Bucket=gone_bucket)

        before = snapshot(s3, objects)
        assert before["heads"][(main, "meta.txt")]["Metadata"] == {"kind": "durable", "n": "1"}
        assert before["heads"][(main, "sha.bin")]["ChecksumSHA256"]
        assert before["heads"][(main, "big/blob.bin")]["ChecksumCRC32"]

        srv = restart(srv, signal.SIGTERM)
        s3 = s3_client(srv.url)
        assert snapshot(s3, objects) == before
        expect_client_error(s3.head_object, "404", 404, Bucket=main, Key="deleted-before-restart")
        expect_client_error(s3.head_bucket, "404", 404, Bucket=gone_bucket)

        # Written by the second life, stopped right after with SIGINT.
        objects[(empty_bucket, "late.txt")] = b"written after the first restart"
        s3.put_object(Bucket=empty_bucket, Key="late.txt", Body=objects[(empty_bucket, "late.txt")])
        s3.delete_object(Bucket=main, Key="empty")
        del objects[(main, "empty")]
        before = snapshot(s3, objects)

        srv = restart(srv, signal.SIGINT)
        s3 = s3_client(srv.url)
        assert snapshot(s3, objects) == before
        expect_client_error(s3.head_object, "404", 404, Bucket=main, Key="empty")
    finally:
        srv.stop()
