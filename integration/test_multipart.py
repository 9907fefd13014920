"""Multipart uploads through boto3, and through raw signed requests for the payload modes boto3
cannot be made to send: create, UploadPart, UploadPartCopy, complete, abort, ListParts and
ListMultipartUploads with their paging, every error S3 names for them (InvalidPartOrder,
InvalidPart, EntityTooSmall, NoSuchUpload, ...), serving one part of a completed object
(PartNumber) and the checksums a multipart object carries (COMPOSITE and FULL_OBJECT).

Part bodies are random so that a server mixing parts up cannot produce the right bytes."""

import hashlib
import os
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from support import (
    MiB,
    aws_chunked_with_crc32_trailer,
    b64,
    bucket_name,
    composite_checksum,
    crc32_b64,
    expect_client_error,
    key_path,
    md5_etag,
    multipart_etag,
    sha256_b64,
    signed_request,
    signed_streaming_request,
)

MIN_PART = 5 * MiB


def create(s3, bucket, key, **kwargs) -> str:
    resp = s3.create_multipart_upload(Bucket=bucket, Key=key, **kwargs)
    assert resp["Bucket"] == bucket and resp["Key"] == key, resp
    assert resp["UploadId"], resp
    return resp["UploadId"]


def upload(s3, bucket, key, upload_id, parts: list[bytes], first: int = 1, **kwargs) -> list[dict]:
    """Uploads `parts` as part numbers first, first+1, ...; returns CompleteMultipartUpload's list."""
    done = []
    for n, body in enumerate(parts, first):
        resp = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body, **kwargs)
        assert resp["ETag"] == md5_etag(body), f"part {n}: {resp}"
        done.append({"PartNumber": n, "ETag": resp["ETag"]})
    return done


def complete(s3, bucket, key, upload_id, parts: list[dict]):
    return s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
    )


def part_numbers(resp) -> list[int]:
    return [p["PartNumber"] for p in resp.get("Parts", [])]


def upload_ids(s3, bucket, **kwargs) -> list[tuple[str, str]]:
    return [(u["Key"], u["UploadId"]) for u in s3.list_multipart_uploads(Bucket=bucket, **kwargs).get("Uploads", [])]


# -- the happy path ---------------------------------------------------------------------------------


def test_create_upload_complete_then_read(s3, bucket):
    key = "mp/object.bin"
    parts = [os.urandom(MIN_PART), os.urandom(MIN_PART), b"the last part may be small"]
    upload_id = create(
        s3, bucket, key,
        ContentType="application/x-custom",
        CacheControl="max-age=7",
        ContentDisposition='attachment; filename="object.bin"',
        Metadata={"origin": "multipart", "n": "3"},
    )
    done = upload(s3, bucket, key, upload_id, parts)
    resp = complete(s3, bucket, key, upload_id, done)
    body = b"".join(parts)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert resp["ETag"] == multipart_etag(parts)
    assert (resp["Bucket"], resp["Key"]) == (bucket, key)
    assert resp["Location"].endswith("/mp/object.bin"), resp["Location"]

    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == multipart_etag(parts)
    assert head["ContentType"] == "application/x-custom"
    assert head["CacheControl"] == "max-age=7"
    assert head["ContentDisposition"] == 'attachment; filename="object.bin"'
    assert head["Metadata"] == {"origin": "multipart", "n": "3"}
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == body
    assert got["ETag"] == multipart_etag(parts)

    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"], o["ETag"]) for o in listed] == [(key, len(body), multipart_etag(parts))]
    # Completed: no longer an upload in progress.
    assert upload_ids(s3, bucket) == []
    expect_client_error(s3.list_parts, "NoSuchUpload", 404, Bucket=bucket, Key=key, UploadId=upload_id)


def test_object_is_invisible_until_complete(s3, bucket):
    s3.put_object(Bucket=bucket, Key="replaced", Body=b"old version")
    new_parts = [os.urandom(MIN_PART), b"new tail"]
    fresh_id = create(s3, bucket, "fresh")
    replace_id = create(s3, bucket, "replaced")
    fresh_done = upload(s3, bucket, "fresh", fresh_id, [b"only part"])
    replace_done = upload(s3, bucket, "replaced", replace_id, new_parts)

    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="fresh")
    expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="fresh")
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"], o["ETag"]) for o in listed] == [
        ("replaced", len(b"old version"), md5_etag(b"old version"))
    ]
    # Until Complete returns, readers of an existing key still get the old object.
    assert s3.get_object(Bucket=bucket, Key="replaced")["Body"].read() == b"old version"

    complete(s3, bucket, "replaced", replace_id, replace_done)
    assert s3.get_object(Bucket=bucket, Key="replaced")["Body"].read() == b"".join(new_parts)
    complete(s3, bucket, "fresh", fresh_id, fresh_done)
    assert s3.get_object(Bucket=bucket, Key="fresh")["Body"].read() == b"only part"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["fresh", "replaced"]


@pytest.mark.minis3_only  # moto answers 500 to UploadPart on an aborted upload
def test_abort_removes_the_upload_and_its_parts(s3, bucket):
    key = "aborted.bin"
    upload_id = create(s3, bucket, key)
    other_id = create(s3, bucket, "kept.bin")
    done = upload(s3, bucket, key, upload_id, [os.urandom(MIN_PART), b"two"])
    assert part_numbers(s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)) == [1, 2]

    resp = s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204

    expect_client_error(s3.list_parts, "NoSuchUpload", 404, Bucket=bucket, Key=key, UploadId=upload_id)
    assert upload_ids(s3, bucket) == [("kept.bin", other_id)]
    expect_client_error(
        s3.upload_part, "NoSuchUpload", 404, Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=3, Body=b"late"
    )
    expect_client_error(
        s3.complete_multipart_upload, "NoSuchUpload", 404,
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done},
    )
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


NO_SUCH_UPLOAD_CALLS = {
    "upload_part": lambda s3, b, k, u: s3.upload_part(Bucket=b, Key=k, UploadId=u, PartNumber=1, Body=b"x"),
    "upload_part_copy": lambda s3, b, k, u: s3.upload_part_copy(
        Bucket=b, Key=k, UploadId=u, PartNumber=1, CopySource={"Bucket": b, "Key": "source"}
    ),
    "complete": lambda s3, b, k, u: s3.complete_multipart_upload(
        Bucket=b, Key=k, UploadId=u, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": md5_etag(b"x")}]}
    ),
    "abort": lambda s3, b, k, u: s3.abort_multipart_upload(Bucket=b, Key=k, UploadId=u),
    "list_parts": lambda s3, b, k, u: s3.list_parts(Bucket=b, Key=k, UploadId=u),
}


@pytest.mark.minis3_only  # moto answers 500 to unknown upload ids and does not tie an id to its key
@pytest.mark.parametrize("call", list(NO_SUCH_UPLOAD_CALLS), ids=list(NO_SUCH_UPLOAD_CALLS))
@pytest.mark.parametrize("which", ["bogus-id", "id-of-another-key"])
def test_unknown_upload_is_no_such_upload(s3, bucket, call, which):
    s3.put_object(Bucket=bucket, Key="source", Body=b"copy me")
    real_id = create(s3, bucket, "real-key")
    upload_id = "0123456789abcdef" * 2 if which == "bogus-id" else real_id
    err = expect_client_error(
        lambda: NO_SUCH_UPLOAD_CALLS[call](s3, bucket, "target-key", upload_id), "NoSuchUpload", 404
    )
    assert err["Error"].get("UploadId") in (None, upload_id)
    # The real upload is untouched by any of it.
    assert upload_ids(s3, bucket) == [("real-key", real_id)]
    assert s3.list_parts(Bucket=bucket, Key="real-key", UploadId=real_id).get("Parts", []) == []
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="target-key")


# -- CompleteMultipartUpload's checks ----------------------------------------------------------------


@pytest.fixture
def three_parts(s3, bucket):
    """An upload with parts 1, 2 (5 MiB each) and 3 (small): (key, upload_id, bodies, complete list)."""
    key = "checked.bin"
    upload_id = create(s3, bucket, key)
    bodies = [os.urandom(MIN_PART), os.urandom(MIN_PART), b"small last part"]
    return key, upload_id, bodies, upload(s3, bucket, key, upload_id, bodies)


def assert_completes(s3, bucket, key, upload_id, parts, bodies):
    """After a refused Complete the upload must still be whole: completing it properly works."""
    assert part_numbers(s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)) == [p["PartNumber"] for p in parts]
    resp = complete(s3, bucket, key, upload_id, parts)
    assert resp["ETag"] == multipart_etag(bodies)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"".join(bodies)


@pytest.mark.minis3_only  # moto accepts descending and repeated part numbers
@pytest.mark.parametrize("order", [[2, 1, 3], [1, 2, 2, 3]], ids=["descending", "repeated"])
def test_parts_not_ascending_is_invalid_part_order(s3, bucket, three_parts, order):
    key, upload_id, bodies, done = three_parts
    by_number = {p["PartNumber"]: p for p in done}
    expect_client_error(
        complete, "InvalidPartOrder", 400,
        s3=s3, bucket=bucket, key=key, upload_id=upload_id, parts=[by_number[n] for n in order],
    )
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)
    assert_completes(s3, bucket, key, upload_id, done, bodies)


def test_wrong_etag_is_invalid_part(s3, bucket, three_parts):
    key, upload_id, bodies, done = three_parts
    wrong = [dict(p) for p in done]
    wrong[1]["ETag"] = md5_etag(b"not part two")
    expect_client_error(complete, "InvalidPart", 400, s3=s3, bucket=bucket, key=key, upload_id=upload_id, parts=wrong)
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)
    assert_completes(s3, bucket, key, upload_id, done, bodies)


def test_part_never_uploaded_is_invalid_part(s3, bucket, three_parts):
    key, upload_id, bodies, done = three_parts
    # Parts 1 and 2 (5 MiB each) then a last part 4 that was never uploaded: only InvalidPart applies.
    with_ghost = done[:2] + [{"PartNumber": 4, "ETag": md5_etag(b"ghost")}]
    expect_client_error(
        complete, "InvalidPart", 400, s3=s3, bucket=bucket, key=key, upload_id=upload_id, parts=with_ghost
    )
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)
    assert_completes(s3, bucket, key, upload_id, done, bodies)


def test_unquoted_etags_are_accepted(s3, bucket, three_parts):
    # Some clients send the parts' ETags without their quotes; S3 matches them all the same.
    key, upload_id, bodies, done = three_parts
    bare = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"].strip('"')} for p in done]
    assert_completes(s3, bucket, key, upload_id, bare, bodies)


def test_small_part_before_the_last_is_entity_too_small(s3, bucket):
    key = "small.bin"
    upload_id = create(s3, bucket, key)
    short_first = os.urandom(MIN_PART - 1)  # one byte under the minimum
    done = upload(s3, bucket, key, upload_id, [short_first, b"end"])
    expect_client_error(complete, "EntityTooSmall", 400, s3=s3, bucket=bucket, key=key, upload_id=upload_id, parts=done)
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)

    # Exactly 5 MiB is enough; a small part is fine when it is the last one.
    exact = os.urandom(MIN_PART)
    done = upload(s3, bucket, key, upload_id, [exact])
    done += [{"PartNumber": 2, "ETag": md5_etag(b"end")}]
    assert_completes(s3, bucket, key, upload_id, done, [exact, b"end"])


def test_complete_with_a_subset_of_the_parts(s3, bucket):
    # Parts left out of the Complete list are dropped; the numbers used need not be contiguous.
    key = "subset.bin"
    upload_id = create(s3, bucket, key)
    bodies = [os.urandom(MIN_PART), b"left out", b"small single"]
    done = upload(s3, bucket, key, upload_id, bodies)
    resp = complete(s3, bucket, key, upload_id, [done[0], done[2]])
    assert resp["ETag"] == multipart_etag([bodies[0], bodies[2]])
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == bodies[0] + bodies[2]

    # One small part alone is a valid upload too; its ETag still says "-1".
    upload_id = create(s3, bucket, "one.bin")
    done = upload(s3, bucket, "one.bin", upload_id, [b"tiny"], first=7)
    assert complete(s3, bucket, "one.bin", upload_id, done)["ETag"] == multipart_etag([b"tiny"])
    head = s3.head_object(Bucket=bucket, Key="one.bin")
    assert (head["ContentLength"], head["ETag"]) == (4, multipart_etag([b"tiny"]))


# -- UploadPart ----------------------------------------------------------------------------------------


@pytest.mark.minis3_only  # moto mistakes part number 0 for NoSuchUpload
def test_part_numbers_run_from_1_to_10000(s3, bucket):
    key = "numbers.bin"
    upload_id = create(s3, bucket, key)
    for bad in (0, 10001):
        expect_client_error(
            s3.upload_part, "InvalidArgument", 400,
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=bad, Body=b"x",
        )
    done = upload(s3, bucket, key, upload_id, [b"last possible part"], first=10000)
    first = upload(s3, bucket, key, upload_id, [os.urandom(MIN_PART)], first=1)
    assert part_numbers(s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)) == [1, 10000]
    complete(s3, bucket, key, upload_id, first + done)
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == MIN_PART + len(b"last possible part")


def test_reuploading_a_part_replaces_it(s3, bucket):
    key = "again.bin"
    upload_id = create(s3, bucket, key)
    first_try, second_try, tail = os.urandom(MIN_PART), os.urandom(MIN_PART + 10), b"tail"
    old = upload(s3, bucket, key, upload_id, [first_try, tail])
    new = upload(s3, bucket, key, upload_id, [second_try])

    listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [
        (1, md5_etag(second_try), len(second_try)),
        (2, md5_etag(tail), len(tail)),
    ]
    expect_client_error(complete, "InvalidPart", 400, s3=s3, bucket=bucket, key=key, upload_id=upload_id, parts=old)
    resp = complete(s3, bucket, key, upload_id, new + old[1:])
    assert resp["ETag"] == multipart_etag([second_try, tail])
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == second_try + tail


@pytest.mark.minis3_only  # moto checks no Content-MD5 on UploadPart
def test_content_md5_on_upload_part(s3, bucket):
    key = "md5.bin"
    upload_id = create(s3, bucket, key)
    body = b"part with a digest"
    good = s3.upload_part(
        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=body,
        ContentMD5=b64(hashlib.md5(body).digest()),
    )
    assert good["ETag"] == md5_etag(body)
    expect_client_error(
        s3.upload_part, "BadDigest", 400,
        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=2, Body=body,
        ContentMD5=b64(hashlib.md5(b"other").digest()),
    )
    # A refused re-upload leaves the earlier part as it was.
    expect_client_error(
        s3.upload_part, "BadDigest", 400,
        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"replacement",
        ContentMD5=b64(hashlib.md5(b"other").digest()),
    )
    listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"]) for p in listed] == [(1, md5_etag(body))]


@pytest.mark.minis3_only  # moto checks no part checksum
def test_wrong_part_checksum_is_bad_digest(s3, bucket):
    key = "crc.bin"
    upload_id = create(s3, bucket, key)
    expect_client_error(
        s3.upload_part, "BadDigest", 400,
        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"real part",
        ChecksumCRC32=crc32_b64(b"another part"),
    )
    assert part_numbers(s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)) == []
    resp = s3.upload_part(
        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"real part",
        ChecksumCRC32=crc32_b64(b"real part"),
    )
    assert resp["ChecksumCRC32"] == crc32_b64(b"real part")


def part_url(server, bucket, key, upload_id, number) -> str:
    return f"{server.url}{key_path(bucket, key)}?partNumber={number}&uploadId={quote(upload_id, safe='')}"


def test_upload_part_payload_modes(server, s3, bucket):
    """Parts sent the ways SDKs send bodies: signed aws-chunked (Java, .NET), unsigned aws-chunked
    with a CRC32 trailer (botocore over HTTPS), UNSIGNED-PAYLOAD and a plain signed body."""
    key = "modes.bin"
    upload_id = create(s3, bucket, key)
    bodies = [os.urandom(MIN_PART), os.urandom(MIN_PART), os.urandom(MIN_PART), b"signed plain body"]

    r = signed_streaming_request("PUT", part_url(server, bucket, key, upload_id, 1), bodies[0], 64 * 1024)
    assert r.status_code == 200, r.content
    assert r.headers["ETag"] == md5_etag(bodies[0])

    r, _ = signed_request(
        "PUT", part_url(server, bucket, key, upload_id, 2),
        body=aws_chunked_with_crc32_trailer(bodies[1], MiB),
        headers={
            "Content-Encoding": "aws-chunked",
            "X-Amz-Trailer": "x-amz-checksum-crc32",
            "X-Amz-Decoded-Content-Length": str(len(bodies[1])),
            "X-Amz-Sdk-Checksum-Algorithm": "CRC32",
        },
        content_sha256="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    )
    assert r.status_code == 200, r.content
    assert r.headers["ETag"] == md5_etag(bodies[1])

    r, _ = signed_request(
        "PUT", part_url(server, bucket, key, upload_id, 3), body=bodies[2], content_sha256="UNSIGNED-PAYLOAD"
    )
    assert r.status_code == 200, r.content
    assert r.headers["ETag"] == md5_etag(bodies[2])

    r, _ = signed_request("PUT", part_url(server, bucket, key, upload_id, 4), body=bodies[3])
    assert r.status_code == 200, r.content
    assert r.headers["ETag"] == md5_etag(bodies[3])

    listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in listed] == [
        (n, len(b), md5_etag(b)) for n, b in enumerate(bodies, 1)
    ]
    done = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in listed]
    assert complete(s3, bucket, key, upload_id, done)["ETag"] == multipart_etag(bodies)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"".join(bodies)


@pytest.mark.minis3_only  # moto checks no signatures
def test_signed_chunked_part_with_a_bad_chunk_signature_is_refused(server, s3, bucket):
    key = "tampered.bin"
    upload_id = create(s3, bucket, key)
    r = signed_streaming_request(
        "PUT", part_url(server, bucket, key, upload_id, 1), b"chunked body" * 1000, 4096, secret_key="not-the-secret"
    )
    assert r.status_code == 403, r.content
    assert part_numbers(s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)) == []


# -- ListParts -----------------------------------------------------------------------------------------


def test_list_parts_pages_with_max_parts_and_marker(s3, bucket):
    key = "listed.bin"
    upload_id = create(s3, bucket, key)
    bodies = [os.urandom(100 * n) for n in range(1, 6)]
    upload(s3, bucket, key, upload_id, bodies)

    full = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)
    assert (full["Bucket"], full["Key"], full["UploadId"]) == (bucket, key, upload_id)
    assert full["IsTruncated"] is False
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in full["Parts"]] == [
        (n, len(b), md5_etag(b)) for n, b in enumerate(bodies, 1)
    ]
    assert all(p["LastModified"] for p in full["Parts"])

    pages, marker = [], 0
    for _ in range(10):
        page = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, MaxParts=2, PartNumberMarker=marker)
        assert page["MaxParts"] == 2
        assert page.get("PartNumberMarker", 0) == marker
        pages.append(part_numbers(page))
        if not page["IsTruncated"]:
            break
        assert page["NextPartNumberMarker"] == pages[-1][-1]
        marker = page["NextPartNumberMarker"]
    assert pages == [[1, 2], [3, 4], [5]]

    after_last = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, PartNumberMarker=5)
    assert part_numbers(after_last) == [] and after_last["IsTruncated"] is False
    from_middle = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, PartNumberMarker=3)
    assert part_numbers(from_middle) == [4, 5]

    paginated = [
        p["PartNumber"]
        for page in s3.get_paginator("list_parts").paginate(
            Bucket=bucket, Key=key, UploadId=upload_id, PaginationConfig={"PageSize": 2}
        )
        for p in page.get("Parts", [])
    ]
    assert paginated == [1, 2, 3, 4, 5]


# -- ListMultipartUploads ------------------------------------------------------------------------------


@pytest.mark.minis3_only  # moto lists uploads unsorted
def test_list_multipart_uploads_prefix_delimiter_and_paging(s3, bucket):
    ids = {}
    for key in ["c", "a/2", "b/x", "a/sub/3", "a/1", "b/x"]:
        ids.setdefault(key, []).append(create(s3, bucket, key))
    other = bucket_name("other-uploads")
    s3.create_bucket(Bucket=other)
    create(s3, other, "a/1")  # another bucket's upload shows in neither listing

    everything = s3.list_multipart_uploads(Bucket=bucket)
    assert everything["Bucket"] == bucket
    assert everything["IsTruncated"] is False
    listed = [(u["Key"], u["UploadId"]) for u in everything["Uploads"]]
    assert [k for k, _ in listed] == ["a/1", "a/2", "a/sub/3", "b/x", "b/x", "c"]
    assert sorted(listed) == sorted((k, u) for k, us in ids.items() for u in us)
    assert all(u["Initiated"] for u in everything["Uploads"])

    assert [k for k, _ in upload_ids(s3, bucket, Prefix="a/")] == ["a/1", "a/2", "a/sub/3"]
    assert upload_ids(s3, bucket, Prefix="nothing") == []

    by_dir = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [u["Key"] for u in by_dir["Uploads"]] == ["c"]
    assert [p["Prefix"] for p in by_dir["CommonPrefixes"]] == ["a/", "b/"]
    in_a = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [u["Key"] for u in in_a["Uploads"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in in_a["CommonPrefixes"]] == ["a/sub/"]

    # One upload a page, following the Next markers: every upload exactly once, in order.
    paged, markers = [], {}
    for _ in range(20):
        page = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1, **markers)
        paged += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])]
        if not page["IsTruncated"]:
            break
        assert (page["NextKeyMarker"], page["NextUploadIdMarker"]) == paged[-1]
        markers = {"KeyMarker": page["NextKeyMarker"], "UploadIdMarker": page["NextUploadIdMarker"]}
    assert paged == listed

    # A key marker alone skips every upload of that key; with an upload id marker, only those up
    # to and including that upload.
    b_first, b_second = [u for k, u in listed if k == "b/x"]
    assert upload_ids(s3, bucket, KeyMarker="b/x") == [("c", ids["c"][0])]
    assert upload_ids(s3, bucket, KeyMarker="b/x", UploadIdMarker=b_first) == [("b/x", b_second), ("c", ids["c"][0])]
    assert upload_ids(s3, bucket, KeyMarker="a/2") == listed[2:]

    # Finished uploads leave the listing, whichever way they finish.
    s3.abort_multipart_upload(Bucket=bucket, Key="b/x", UploadId=b_first)
    complete(s3, bucket, "c", ids["c"][0], upload(s3, bucket, "c", ids["c"][0], [b"c"]))
    assert upload_ids(s3, bucket) == [u for u in listed if u not in {("b/x", b_first), ("c", ids["c"][0])}]


# -- reading one part of a completed object -----------------------------------------------------------


@pytest.mark.minis3_only  # moto serves the whole object for PartNumber
def test_get_and_head_with_part_number(s3, bucket):
    key = "parts.bin"
    bodies = [os.urandom(MIN_PART), os.urandom(MIN_PART), b"third and last"]
    total = sum(map(len, bodies))
    upload_id = create(s3, bucket, key)
    complete(s3, bucket, key, upload_id, upload(s3, bucket, key, upload_id, bodies))

    got = s3.get_object(Bucket=bucket, Key=key, PartNumber=2)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == f"bytes {MIN_PART}-{2 * MIN_PART - 1}/{total}"
    assert got["ContentLength"] == MIN_PART
    assert got["PartsCount"] == 3
    assert got["ResponseMetadata"]["HTTPHeaders"]["x-amz-mp-parts-count"] == "3"
    assert got["ETag"] == multipart_etag(bodies)
    assert got["Body"].read() == bodies[1]

    head = s3.head_object(Bucket=bucket, Key=key, PartNumber=3)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert head["ContentLength"] == len(bodies[2])
    assert head["ContentRange"] == f"bytes {2 * MIN_PART}-{total - 1}/{total}"
    assert head["PartsCount"] == 3
    first = s3.get_object(Bucket=bucket, Key=key, PartNumber=1)
    assert first["ContentRange"] == f"bytes 0-{MIN_PART - 1}/{total}"
    assert first["Body"].read() == bodies[0]

    expect_client_error(s3.get_object, "InvalidPartNumber", 416, Bucket=bucket, Key=key, PartNumber=4)
    expect_client_error(s3.head_object, "416", 416, Bucket=bucket, Key=key, PartNumber=4)


# -- UploadPartCopy --------------------------------------------------------------------------------------


def test_upload_part_copy_builds_an_object_from_ranges(s3, bucket):
    source_bucket = bucket_name("part-copy-source")
    s3.create_bucket(Bucket=source_bucket)
    source = os.urandom(12 * MiB)
    s3.put_object(Bucket=source_bucket, Key="src/big.bin", Body=source)
    s3.put_object(Bucket=bucket, Key="local small", Body=b"whole small object")
    copy_source = {"Bucket": source_bucket, "Key": "src/big.bin"}

    key = "assembled.bin"
    upload_id = create(s3, bucket, key, ContentType="application/x-assembled")
    expected = [source[MiB : 6 * MiB], source, b"own bytes", source[-100:], b"whole small object"]
    resp = s3.upload_part_copy(
        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
        CopySource=copy_source, CopySourceRange=f"bytes={MiB}-{6 * MiB - 1}",
    )
    assert resp["CopyPartResult"]["ETag"] == md5_etag(expected[0])
    assert resp["CopyPartResult"]["LastModified"]
    resp = s3.upload_part_copy(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=2, CopySource=copy_source)
    assert resp["CopyPartResult"]["ETag"] == md5_etag(source)
    upload(s3, bucket, key, upload_id, [b"own bytes"], first=3)
    resp = s3.upload_part_copy(
        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=4,
        CopySource=copy_source, CopySourceRange=f"bytes={len(source) - 100}-{len(source) - 1}",
    )
    assert resp["CopyPartResult"]["ETag"] == md5_etag(expected[3])
    # The source as a string, URL-encoded the way the SDKs send it, from the same bucket.
    resp = s3.upload_part_copy(
        Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=5, CopySource=f"{bucket}/local small"
    )
    assert resp["CopyPartResult"]["ETag"] == md5_etag(expected[4])

    # Parts 3 and 4 are small and not last, so Complete uses 1, 2 and 5 (parts may be left out).
    listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(n, len(b)) for n, b in enumerate(expected, 1)]
    chosen = [listed[0], listed[1], listed[4]]
    resp = complete(s3, bucket, key, upload_id, [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in chosen])
    bodies = [expected[0], expected[1], expected[4]]
    assert resp["ETag"] == multipart_etag(bodies)
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["ContentType"] == "application/x-assembled"
    assert got["Body"].read() == b"".join(bodies)


@pytest.mark.minis3_only  # moto answers a bare 404 without an error code
def test_upload_part_copy_from_missing_source(s3, bucket):
    upload_id = create(s3, bucket, "k")
    expect_client_error(
        s3.upload_part_copy, "NoSuchKey", 404,
        Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, CopySource={"Bucket": bucket, "Key": "missing"},
    )
    expect_client_error(
        s3.upload_part_copy, "NoSuchBucket", 404,
        Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1,
        CopySource={"Bucket": bucket_name("missing"), "Key": "missing"},
    )
    assert part_numbers(s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)) == []


# -- checksums ---------------------------------------------------------------------------------------


@pytest.mark.minis3_only  # moto drops the -N of a composite checksum and ListParts' ChecksumAlgorithm
@pytest.mark.parametrize("algorithm", ["SHA256", "CRC32"])
def test_composite_checksum(s3, bucket, algorithm):
    key = f"composite-{algorithm}.bin"
    member = f"Checksum{algorithm}"
    part_checksum = sha256_b64 if algorithm == "SHA256" else crc32_b64
    bodies = [os.urandom(MIN_PART), os.urandom(1234)]
    upload_id = create(s3, bucket, key, ChecksumAlgorithm=algorithm)
    assert s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["ChecksumAlgorithm"] == algorithm
    listed_upload = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["UploadId"], u["ChecksumAlgorithm"]) for u in listed_upload] == [(upload_id, algorithm)]

    done = []
    for n, body in enumerate(bodies, 1):
        resp = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body, ChecksumAlgorithm=algorithm
        )
        assert resp[member] == part_checksum(body)
        done.append({"PartNumber": n, "ETag": resp["ETag"], member: resp[member]})
    listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["Parts"]
    assert [p[member] for p in listed] == [part_checksum(b) for b in bodies]

    want = composite_checksum(algorithm, bodies)
    resp = complete(s3, bucket, key, upload_id, done)
    assert resp[member] == want
    assert resp["ETag"] == multipart_etag(bodies)

    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head[member] == want
    assert head["ChecksumType"] == "COMPOSITE"
    got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert got[member] == want
    assert got["Body"].read() == b"".join(bodies)


@pytest.mark.minis3_only  # moto's Complete returns no checksum
def test_full_object_crc32_checksum(s3, bucket):
    key = "full-object.bin"
    bodies = [os.urandom(MIN_PART), os.urandom(MIN_PART), os.urandom(4321)]
    whole = b"".join(bodies)
    upload_id = create(s3, bucket, key, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    done = []
    for n, body in enumerate(bodies, 1):
        resp = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body, ChecksumAlgorithm="CRC32"
        )
        assert resp["ChecksumCRC32"] == crc32_b64(body)
        done.append({"PartNumber": n, "ETag": resp["ETag"], "ChecksumCRC32": resp["ChecksumCRC32"]})
    resp = complete(s3, bucket, key, upload_id, done)
    assert resp["ChecksumCRC32"] == crc32_b64(whole)
    assert resp["ETag"] == multipart_etag(bodies)

    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32_b64(whole)
    assert head["ChecksumType"] == "FULL_OBJECT"
    got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == crc32_b64(whole)
    assert got["Body"].read() == whole  # botocore checks the body against the full-object CRC


@pytest.mark.minis3_only  # moto accepts FULL_OBJECT with any algorithm
def test_full_object_is_for_crc_algorithms_only(s3, bucket):
    try:
        s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="SHA256", ChecksumType="FULL_OBJECT")
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
        assert e.response["Error"]["Code"] in ("InvalidRequest", "InvalidArgument"), e.response
    else:
        raise AssertionError("a FULL_OBJECT SHA256 upload was accepted")
    assert upload_ids(s3, bucket) == []


# -- GetObjectAttributes ------------------------------------------------------------------------------

ALL_ATTRIBUTES = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


@pytest.mark.minis3_only  # moto answers no ObjectParts
def test_object_attributes_of_a_multipart_object(s3, bucket):
    key = "attributes.bin"
    bodies = [os.urandom(MIN_PART), os.urandom(MIN_PART), os.urandom(99)]
    upload_id = create(s3, bucket, key, ChecksumAlgorithm="CRC32")
    done = []
    for n, body in enumerate(bodies, 1):
        resp = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body, ChecksumAlgorithm="CRC32"
        )
        done.append({"PartNumber": n, "ETag": resp["ETag"], "ChecksumCRC32": resp["ChecksumCRC32"]})
    complete(s3, bucket, key, upload_id, done)

    got = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=ALL_ATTRIBUTES, MaxParts=2)
    assert got["ETag"] == multipart_etag(bodies).strip('"')
    assert got["ObjectSize"] == sum(len(b) for b in bodies)
    assert got["StorageClass"] == "STANDARD"
    # The whole-object checksum without the "-3" headers carry; the count is in ObjectParts.
    assert got["Checksum"] == {
        "ChecksumCRC32": composite_checksum("CRC32", bodies).split("-")[0],
        "ChecksumType": "COMPOSITE",
    }
    parts = got["ObjectParts"]
    assert parts["TotalPartsCount"] == 3
    assert (parts["IsTruncated"], parts["MaxParts"], parts["NextPartNumberMarker"]) == (True, 2, 2)
    assert [(p["PartNumber"], p["Size"]) for p in parts["Parts"]] == [(1, MIN_PART), (2, MIN_PART)]
    rest = s3.get_object_attributes(
        Bucket=bucket, Key=key, ObjectAttributes=["ObjectParts"], PartNumberMarker=2
    )["ObjectParts"]
    assert rest["IsTruncated"] is False
    assert [(p["PartNumber"], p["Size"]) for p in rest["Parts"]] == [(3, 99)]


def test_object_attributes_of_a_plain_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="plain", Body=b"hello", ChecksumAlgorithm="SHA256")
    got = s3.get_object_attributes(Bucket=bucket, Key="plain", ObjectAttributes=["ETag", "Checksum", "ObjectSize"])
    assert got["ETag"] == md5_etag(b"hello").strip('"')
    assert got["ObjectSize"] == 5
    assert got["Checksum"]["ChecksumSHA256"] == sha256_b64(b"hello")
    assert "ObjectParts" not in got and "StorageClass" not in got
    expect_client_error(
        s3.get_object_attributes, "NoSuchKey", 404, Bucket=bucket, Key="missing", ObjectAttributes=["ETag"]
    )
