"""Object operations through boto3: PUT/GET/HEAD with stored headers, odd keys, empty bodies,
ranges, conditional requests and writes, response-* overrides, deletes, versioning views, digests
and checksums."""

import datetime
import gzip
import hashlib
from email.utils import format_datetime, parsedate_to_datetime

import pytest
import requests

from support import (
    aws_chunked_with_crc32_trailer,
    b64,
    bucket_name,
    crc32_b64,
    expect_client_error,
    key_path,
    md5_etag,
    signed_request,
)

UTC = datetime.timezone.utc


def headers_of(resp) -> dict:
    return resp["ResponseMetadata"]["HTTPHeaders"]


# -- PUT / GET / HEAD ----------------------------------------------------------------------------


def test_put_get_head_keep_every_stored_header_and_metadata(s3, bucket):
    body = gzip.compress(b"hello minis3\n" * 200, mtime=0)
    expires = datetime.datetime(2037, 1, 2, 3, 4, 5, tzinfo=UTC)
    metadata = {"color": "blue", "owner-id": "42", "note": "a b=c; d"}
    put = s3.put_object(
        Bucket=bucket,
        Key="docs/report.txt",
        Body=body,
        ContentType="text/plain; charset=utf-8",
        ContentDisposition='attachment; filename="report.txt"',
        ContentEncoding="gzip",
        ContentLanguage="en-GB",
        CacheControl="max-age=3600, public",
        Expires=expires,
        Metadata=metadata,
    )
    assert put["ETag"] == md5_etag(body)

    before = datetime.datetime.now(UTC)
    get = s3.get_object(Bucket=bucket, Key="docs/report.txt")
    got_body = get["Body"].read()
    head = s3.head_object(Bucket=bucket, Key="docs/report.txt")
    assert got_body == body

    for resp in (get, head):
        h = headers_of(resp)
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert resp["ETag"] == md5_etag(body)
        assert resp["ContentLength"] == len(body)
        assert resp["ContentType"] == "text/plain; charset=utf-8"
        assert resp["ContentDisposition"] == 'attachment; filename="report.txt"'
        assert resp["ContentEncoding"] == "gzip"
        assert resp["ContentLanguage"] == "en-GB"
        assert resp["CacheControl"] == "max-age=3600, public"
        assert parsedate_to_datetime(h["expires"]) == expires
        assert resp["Metadata"] == metadata
        assert resp["AcceptRanges"] == "bytes"
        age = (before - resp["LastModified"]).total_seconds()
        assert -2 <= age < 120, f"LastModified {resp['LastModified']} is not about now ({before})"
    assert headers_of(get)["last-modified"] == headers_of(head)["last-modified"]
    # HEAD has no body but says how long the GET body is.
    assert headers_of(head)["content-length"] == str(len(body))


def test_overwrite_replaces_body_headers_and_metadata(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"first", ContentType="text/plain", Metadata={"v": "1", "only-first": "x"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"second!", ContentType="application/json", Metadata={"v": "2"})
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"second!"
    assert got["ETag"] == md5_etag(b"second!")
    assert got["ContentType"] == "application/json"
    assert got["Metadata"] == {"v": "2"}
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"], o["ETag"]) for o in listed] == [("k", 7, md5_etag(b"second!"))]


ODD_KEYS = {
    "space": "with space/and  two spaces.txt",
    "plus": "plus+sign+key",
    "percent": "percent%20stays%2Fliteral%",
    "unicode": "unicode/ключ/日本語/😀.txt",
    "double-slash": "a//b",
    "trailing-slash": "folder/",
    "specials": "sp3c!al-'()*;:@&=$,?#[]~^`{}|",
    "xml-chars": "<tag>&amp;\"quoted\"'",
    "1024-ascii-bytes": "k" * 1024,
    "1024-utf8-bytes": "é" * 512,
}


@pytest.mark.parametrize("key", list(ODD_KEYS.values()), ids=list(ODD_KEYS))
def test_odd_keys_round_trip(s3, bucket, key):
    body = key.encode("utf-8")
    s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata={"k": "v"})
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == md5_etag(body)

    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key)
    assert [o["Key"] for o in listed.get("Contents", [])] == [key]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [key]

    s3.delete_object(Bucket=bucket, Key=key)
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_near_miss_keys_are_distinct_objects(s3, bucket):
    # A server that decodes '+' as a space, collapses '//' or drops a trailing '/' mixes these up.
    keys = ["a b", "a+b", "a%20b", "a//b", "a/b", "dir", "dir/"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    for k in keys:
        assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == k.encode(), k
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == sorted(keys, key=lambda k: k.encode())


@pytest.mark.minis3_only
@pytest.mark.parametrize("key", ["k" * 1025, "é" * 512 + "k"], ids=["1025-ascii", "1025-utf8-bytes"])
def test_key_over_1024_bytes_is_key_too_long(s3, bucket, key):
    expect_client_error(s3.put_object, "KeyTooLongError", 400, Bucket=bucket, Key=key, Body=b"x")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_empty_object(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert put["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ContentLength"] == 0
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    assert s3.head_object(Bucket=bucket, Key="empty")["ContentLength"] == 0
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [("empty", 0)]


def test_binary_body_of_a_few_mib(s3, bucket):
    body = bytes(range(256)) * (3 * 4096) + b"tail"  # 3 MiB + 4 bytes, every byte value
    put = s3.put_object(Bucket=bucket, Key="blob.bin", Body=body)
    assert put["ETag"] == md5_etag(body)
    got = s3.get_object(Bucket=bucket, Key="blob.bin")
    assert got["ContentLength"] == len(body)
    assert got["Body"].read() == body


def test_missing_key_is_no_such_key(s3, bucket):
    err = expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="nope/missing.txt")
    assert err["Error"].get("Key") in (None, "nope/missing.txt")
    # HEAD errors carry no body: botocore can only report the status.
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="nope/missing.txt")


# -- ranges --------------------------------------------------------------------------------------

RANGE_BODY = bytes(range(256)) * 4  # 1024 bytes


@pytest.mark.parametrize(
    "header, first, last",
    [
        ("bytes=0-0", 0, 0),
        ("bytes=10-19", 10, 19),
        ("bytes=1000-", 1000, 1023),
        ("bytes=-24", 1000, 1023),
        ("bytes=1020-5000", 1020, 1023),  # an end past the object is cut to its last byte
        ("bytes=-5000", 0, 1023),  # a suffix longer than the object is the whole object
    ],
)
def test_range_get(s3, bucket, header, first, last):
    s3.put_object(Bucket=bucket, Key="r", Body=RANGE_BODY)
    got = s3.get_object(Bucket=bucket, Key="r", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == f"bytes {first}-{last}/1024"
    assert got["ContentLength"] == last - first + 1
    assert got["Body"].read() == RANGE_BODY[first : last + 1]
    assert got["ETag"] == md5_etag(RANGE_BODY)


def test_range_head(s3, bucket):
    s3.put_object(Bucket=bucket, Key="r", Body=RANGE_BODY)
    head = s3.head_object(Bucket=bucket, Key="r", Range="bytes=10-19")
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert head["ContentRange"] == "bytes 10-19/1024"
    assert head["ContentLength"] == 10


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000"])
def test_unsatisfiable_range_is_invalid_range(s3, bucket, header):
    s3.put_object(Bucket=bucket, Key="r", Body=RANGE_BODY)
    expect_client_error(s3.get_object, "InvalidRange", 416, Bucket=bucket, Key="r", Range=header)


# -- conditional requests ------------------------------------------------------------------------


@pytest.fixture
def dated_object(s3, bucket):
    """(bucket, key, etag, last_modified) of a fresh object; last_modified as the server sent it."""
    s3.put_object(Bucket=bucket, Key="cond", Body=b"conditional body")
    head = s3.head_object(Bucket=bucket, Key="cond")
    return bucket, "cond", head["ETag"], parsedate_to_datetime(headers_of(head)["last-modified"])


def test_if_match(s3, dated_object):
    bucket, key, etag, _ = dated_object
    got = s3.get_object(Bucket=bucket, Key=key, IfMatch=etag)
    assert got["Body"].read() == b"conditional body"
    wrong = '"00000000000000000000000000000000"'
    expect_client_error(s3.get_object, "PreconditionFailed", 412, Bucket=bucket, Key=key, IfMatch=wrong)
    expect_client_error(s3.head_object, "412", 412, Bucket=bucket, Key=key, IfMatch=wrong)
    assert s3.head_object(Bucket=bucket, Key=key, IfMatch=etag)["ETag"] == etag


def test_if_none_match(s3, dated_object):
    bucket, key, etag, _ = dated_object
    err = expect_client_error(s3.get_object, "304", 304, Bucket=bucket, Key=key, IfNoneMatch=etag)
    assert err["ResponseMetadata"]["HTTPHeaders"].get("etag") == etag
    expect_client_error(s3.head_object, "304", 304, Bucket=bucket, Key=key, IfNoneMatch=etag)
    got = s3.get_object(Bucket=bucket, Key=key, IfNoneMatch='"ffffffffffffffffffffffffffffffff"')
    assert got["Body"].read() == b"conditional body"


def test_if_modified_since(s3, dated_object):
    bucket, key, etag, last_modified = dated_object
    # Not modified since the very Last-Modified the server gave out: 304.
    expect_client_error(s3.get_object, "304", 304, Bucket=bucket, Key=key, IfModifiedSince=last_modified)
    expect_client_error(s3.head_object, "304", 304, Bucket=bucket, Key=key, IfModifiedSince=last_modified)
    earlier = last_modified - datetime.timedelta(days=1)
    got = s3.get_object(Bucket=bucket, Key=key, IfModifiedSince=earlier)
    assert got["Body"].read() == b"conditional body"


def test_if_unmodified_since(s3, dated_object):
    bucket, key, etag, last_modified = dated_object
    earlier = last_modified - datetime.timedelta(days=1)
    expect_client_error(
        s3.get_object, "PreconditionFailed", 412, Bucket=bucket, Key=key, IfUnmodifiedSince=earlier
    )
    expect_client_error(s3.head_object, "412", 412, Bucket=bucket, Key=key, IfUnmodifiedSince=earlier)
    got = s3.get_object(Bucket=bucket, Key=key, IfUnmodifiedSince=last_modified)
    assert got["Body"].read() == b"conditional body"


# -- conditional writes --------------------------------------------------------------------------


def test_put_if_none_match_creates_only_once(s3, bucket):
    first = s3.put_object(Bucket=bucket, Key="lock", Body=b"first writer", IfNoneMatch="*")
    err = expect_client_error(
        s3.put_object, "PreconditionFailed", 412, Bucket=bucket, Key="lock", Body=b"second", IfNoneMatch="*"
    )
    assert err["Error"]["Condition"] == "If-None-Match"
    got = s3.get_object(Bucket=bucket, Key="lock")
    assert (got["Body"].read(), got["ETag"]) == (b"first writer", first["ETag"])


def test_put_if_match_replaces_only_the_named_version(s3, bucket):
    old = s3.put_object(Bucket=bucket, Key="doc", Body=b"v1")["ETag"]
    new = s3.put_object(Bucket=bucket, Key="doc", Body=b"v2", IfMatch=old)["ETag"]
    # A writer still holding the old ETag loses, and changes nothing.
    err = expect_client_error(s3.put_object, "PreconditionFailed", 412, Bucket=bucket, Key="doc", Body=b"v3", IfMatch=old)
    assert err["Error"]["Condition"] == "If-Match"
    assert s3.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"v2"
    expect_client_error(s3.put_object, "NoSuchKey", 404, Bucket=bucket, Key="absent", Body=b"x", IfMatch=new)
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="absent")


def test_copy_and_multipart_completion_honour_write_conditions(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    s3.put_object(Bucket=bucket, Key="dst", Body=b"taken")
    expect_client_error(
        s3.copy_object, "PreconditionFailed", 412,
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, IfNoneMatch="*",
    )
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"taken"

    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1, Body=b"multipart")
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    expect_client_error(
        s3.complete_multipart_upload, "PreconditionFailed", 412,
        Bucket=bucket, Key="dst", UploadId=upload, MultipartUpload=parts, IfNoneMatch="*",
    )
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"taken"
    # The refused completion left the upload in place: it can still complete, here by ETag.
    taken = s3.head_object(Bucket=bucket, Key="dst")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload, MultipartUpload=parts, IfMatch=taken)
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"multipart"


# -- response-* overrides ------------------------------------------------------------------------

OVERRIDE_EXPIRES = datetime.datetime(2040, 5, 6, 7, 8, 9, tzinfo=UTC)
OVERRIDES = {
    "ResponseContentType": "application/x-override",
    "ResponseContentDisposition": 'inline; filename="override.bin"',
    "ResponseCacheControl": "no-store",
    "ResponseContentEncoding": "identity",
    "ResponseContentLanguage": "fr-CA",
    "ResponseExpires": OVERRIDE_EXPIRES,
}


def assert_overridden(h: dict):
    """`h`: response headers with lower-case names."""
    assert h["content-type"] == "application/x-override"
    assert h["content-disposition"] == 'inline; filename="override.bin"'
    assert h["cache-control"] == "no-store"
    assert h["content-encoding"] == "identity"
    assert h["content-language"] == "fr-CA"
    assert parsedate_to_datetime(h["expires"]) == OVERRIDE_EXPIRES


def put_plain(s3, bucket, key="o"):
    s3.put_object(
        Bucket=bucket, Key=key, Body=b"override me", ContentType="text/plain", CacheControl="max-age=60"
    )


@pytest.mark.minis3_only
def test_response_overrides_via_get_object(s3, bucket):
    put_plain(s3, bucket)
    got = s3.get_object(Bucket=bucket, Key="o", **OVERRIDES)
    assert got["Body"].read() == b"override me"
    assert_overridden(headers_of(got))
    # Overrides change one answer, not the stored object.
    head = s3.head_object(Bucket=bucket, Key="o")
    assert head["ContentType"] == "text/plain"
    assert head["CacheControl"] == "max-age=60"


@pytest.mark.minis3_only
def test_response_overrides_via_presigned_get(s3, s3v4, bucket):
    put_plain(s3, bucket)
    url = s3v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "o", **OVERRIDES}, ExpiresIn=300)
    assert "response-content-type=" in url and "X-Amz-Signature=" in url
    r = requests.get(url, timeout=30, stream=True)
    body = r.raw.read(decode_content=False)
    assert r.status_code == 200, body
    assert body == b"override me"
    assert_overridden({k.lower(): v for k, v in r.headers.items()})


# -- deletes -------------------------------------------------------------------------------------


def test_delete_object_is_204_whether_or_not_it_existed(s3, bucket):
    s3.put_object(Bucket=bucket, Key="d", Body=b"x")
    assert s3.delete_object(Bucket=bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="d")
    assert s3.delete_object(Bucket=bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.delete_object(Bucket=bucket, Key="never-was")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_delete_objects_reports_each_key(s3, bucket):
    keys = ["one", "dir/two", "ü nicode three"]
    for k in keys + ["survivor"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    resp = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys + ["missing-key"]]}
    )
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(keys + ["missing-key"])
    assert resp.get("Errors", []) == []
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["survivor"]


@pytest.mark.minis3_only
def test_delete_objects_quiet_lists_nothing_but_deletes(s3, bucket):
    for k in ["q1", "q2"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    resp = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "q1"}, {"Key": "q2"}, {"Key": "q-missing"}], "Quiet": True}
    )
    assert resp.get("Deleted", []) == []
    assert resp.get("Errors", []) == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_in_missing_bucket(s3):
    expect_client_error(
        s3.delete_objects, "NoSuchBucket", 404, Bucket=bucket_name("gone"), Delete={"Objects": [{"Key": "a"}]}
    )


# -- the versioning view of an unversioned bucket ------------------------------------------------


def test_get_bucket_versioning_is_empty(s3, bucket):
    resp = s3.get_bucket_versioning(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Status" not in resp
    assert "MFADelete" not in resp


def test_turning_versioning_on_is_refused_as_not_implemented(s3, bucket):
    # It once fell through to CreateBucket and answered BucketAlreadyOwnedByYou.
    expect_client_error(
        s3.put_bucket_versioning, "NotImplemented", 501,
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled"},
    )
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)


def test_list_object_versions(s3, bucket):
    bodies = {"a": b"1", "dir/b": b"22", "dir/c": b"333", "e": b""}
    for k, v in bodies.items():
        s3.put_object(Bucket=bucket, Key=k, Body=v)

    resp = s3.list_object_versions(Bucket=bucket)
    versions = resp["Versions"]
    assert [v["Key"] for v in versions] == ["a", "dir/b", "dir/c", "e"]
    for v in versions:
        assert v["VersionId"] == "null"
        assert v["IsLatest"] is True
        assert v["Size"] == len(bodies[v["Key"]])
        assert v["ETag"] == md5_etag(bodies[v["Key"]])
    assert "DeleteMarkers" not in resp
    assert resp["IsTruncated"] is False

    by_prefix = s3.list_object_versions(Bucket=bucket, Prefix="dir/")
    assert [v["Key"] for v in by_prefix["Versions"]] == ["dir/b", "dir/c"]

    by_delim = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [v["Key"] for v in by_delim["Versions"]] == ["a", "e"]
    assert [p["Prefix"] for p in by_delim["CommonPrefixes"]] == ["dir/"]

    seen, key_marker, pages = [], None, 0
    while True:
        kwargs = {"KeyMarker": key_marker} if key_marker else {}
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=1, **kwargs)
        pages += 1
        seen += [v["Key"] for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        key_marker = page["NextKeyMarker"]
        assert key_marker == seen[-1]
        assert pages < 10
    assert seen == ["a", "dir/b", "dir/c", "e"]
    assert pages == 4


@pytest.mark.minis3_only
def test_version_id_null_on_get_head_delete(s3, bucket):
    s3.put_object(Bucket=bucket, Key="v", Body=b"versioned view")
    assert s3.get_object(Bucket=bucket, Key="v", VersionId="null")["Body"].read() == b"versioned view"
    assert s3.head_object(Bucket=bucket, Key="v", VersionId="null")["ContentLength"] == len(b"versioned view")
    resp = s3.delete_object(Bucket=bucket, Key="v", VersionId="null")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="v")


# -- Content-MD5 -----------------------------------------------------------------------------------


@pytest.mark.minis3_only
def test_wrong_content_md5_is_bad_digest_and_stores_nothing(s3, bucket):
    wrong = b64(hashlib.md5(b"something else").digest())
    expect_client_error(
        s3.put_object, "BadDigest", 400, Bucket=bucket, Key="new", Body=b"payload", ContentMD5=wrong
    )
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="new")

    # A failed overwrite leaves the old object exactly as it was.
    s3.put_object(Bucket=bucket, Key="old", Body=b"original")
    expect_client_error(
        s3.put_object, "BadDigest", 400, Bucket=bucket, Key="old", Body=b"replacement", ContentMD5=wrong
    )
    got = s3.get_object(Bucket=bucket, Key="old")
    assert got["Body"].read() == b"original"
    assert got["ETag"] == md5_etag(b"original")


def test_right_content_md5_is_accepted(s3, bucket):
    body = b"checked body"
    put = s3.put_object(Bucket=bucket, Key="ok", Body=body, ContentMD5=b64(hashlib.md5(body).digest()))
    assert put["ETag"] == md5_etag(body)


@pytest.mark.minis3_only
@pytest.mark.parametrize("value", ["not base64!", b64(b"short")], ids=["not-base64", "wrong-length"])
def test_malformed_content_md5_is_invalid_digest(s3, bucket, value):
    expect_client_error(
        s3.put_object, "InvalidDigest", 400, Bucket=bucket, Key="bad", Body=b"payload", ContentMD5=value
    )
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="bad")


# -- flexible checksums ----------------------------------------------------------------------------


def test_sha256_checksum_round_trip(s3, bucket):
    body = b"sha256 me" * 1000
    want = b64(hashlib.sha256(body).digest())
    put = s3.put_object(Bucket=bucket, Key="c", Body=body, ChecksumAlgorithm="SHA256")
    assert put["ChecksumSHA256"] == want
    head = s3.head_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == want
    got = s3.get_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert got["ChecksumSHA256"] == want
    assert got["Body"].read() == body  # botocore validates the body against the checksum here


def test_default_crc32_checksum_round_trip(s3, bucket):
    body = b"botocore sends CRC32 by default" * 100
    put = s3.put_object(Bucket=bucket, Key="c", Body=body)
    assert put["ChecksumCRC32"] == crc32_b64(body)
    head = s3.head_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32_b64(body)
    got = s3.get_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == crc32_b64(body)
    assert got["Body"].read() == body

    # A part of the object does not carry the whole object's checksum.
    part = s3.get_object(Bucket=bucket, Key="c", Range="bytes=0-9", ChecksumMode="ENABLED")
    assert part["Body"].read() == body[:10]
    assert "ChecksumCRC32" not in part
    assert "x-amz-checksum-crc32" not in headers_of(part)


@pytest.mark.minis3_only
def test_wrong_checksum_is_bad_digest_and_stores_nothing(s3, bucket):
    expect_client_error(
        s3.put_object,
        "BadDigest",
        400,
        Bucket=bucket,
        Key="c",
        Body=b"real body",
        ChecksumCRC32=crc32_b64(b"another body"),
    )
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="c")


def test_crc32_in_aws_chunked_trailer(server, s3, bucket):
    """What botocore sends over HTTPS: an unsigned aws-chunked body with the CRC32 in a trailer,
    itself in HTTP chunked transfer encoding."""
    body = bytes(range(256)) * 5000  # 1.25 MB: two chunks of botocore's 1 MiB
    wrapped = aws_chunked_with_crc32_trailer(body, 1024 * 1024)
    resp, _ = signed_request(
        "PUT",
        server.url + key_path(bucket, "trailer.bin"),
        body=wrapped,
        headers={
            "Content-Encoding": "aws-chunked",
            "X-Amz-Trailer": "x-amz-checksum-crc32",
            "X-Amz-Decoded-Content-Length": str(len(body)),
            "X-Amz-Sdk-Checksum-Algorithm": "CRC32",
            "Content-Type": "application/octet-stream",
        },
        content_sha256="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    )
    assert resp.status_code == 200, resp.content
    assert resp.headers["ETag"] == md5_etag(body)

    head = s3.head_object(Bucket=bucket, Key="trailer.bin", ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(body)
    assert head["ChecksumCRC32"] == crc32_b64(body)
    assert head.get("ContentEncoding") in (None, ""), "aws-chunked is a transfer detail, not stored"
    got = s3.get_object(Bucket=bucket, Key="trailer.bin")
    assert got["Body"].read() == body


def test_expires_header_round_trips_as_http_date(s3, bucket):
    expires = datetime.datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC)
    s3.put_object(Bucket=bucket, Key="e", Body=b"x", Expires=expires)
    raw = headers_of(s3.head_object(Bucket=bucket, Key="e"))["expires"]
    assert raw == format_datetime(expires, usegmt=True)
