"""CopyObject (the copy source's forms, metadata directive COPY / REPLACE, copy-source
conditions, copying onto itself, across buckets, and its errors), object tagging (the tagging
calls, `x-amz-tagging` on PUT / CreateMultipartUpload / CopyObject with the tagging directive,
tag counts, invalid tag sets), and that listings report the same LastModified and Size as HEAD."""

import datetime
import os
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import pytest

from support import (
    MiB,
    bucket_name,
    expect_client_error,
    key_path,
    md5_etag,
    multipart_etag,
    signed_request,
    xml_root,
    S3_NS,
)

UTC = datetime.timezone.utc
EXPIRES = datetime.datetime(2035, 6, 7, 8, 9, 10, tzinfo=UTC)

CONTENT_HEADERS = {
    "ContentType": "text/markdown; charset=utf-8",
    "CacheControl": "max-age=99",
    "ContentDisposition": 'inline; filename="notes.md"',
    "ContentEncoding": "identity",
    "ContentLanguage": "nl",
}
SOURCE_METADATA = {"author": "copy-test", "rev": "3"}


def stored(head) -> dict:
    """What a HEAD says about the stored headers and metadata."""
    fields = {name: head.get(name) for name in CONTENT_HEADERS}
    fields["Metadata"] = head.get("Metadata")
    fields["Expires"] = head["ResponseMetadata"]["HTTPHeaders"].get("expires")
    return fields


def put_source(s3, bucket, key, body=b"# notes\nto be copied\n"):
    s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata=SOURCE_METADATA, Expires=EXPIRES, **CONTENT_HEADERS)
    return s3.head_object(Bucket=bucket, Key=key)


def last_modified_header(resp) -> datetime.datetime:
    return parsedate_to_datetime(resp["ResponseMetadata"]["HTTPHeaders"]["last-modified"])


def tags_of(s3, bucket, key) -> list[tuple[str, str]]:
    return sorted((t["Key"], t["Value"]) for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"])


def tag_count_header(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"].get("x-amz-tagging-count")


# -- CopyObject ----------------------------------------------------------------------------------------


def test_copy_keeps_metadata_and_content_headers_by_default(s3, bucket):
    other = bucket_name("copy-target")
    s3.create_bucket(Bucket=other)
    source_head = put_source(s3, bucket, "src/notes.md")
    body = b"# notes\nto be copied\n"

    for dest_bucket, dest_key in [(bucket, "dst/same-bucket.md"), (other, "dst/other-bucket.md")]:
        resp = s3.copy_object(Bucket=dest_bucket, Key=dest_key, CopySource={"Bucket": bucket, "Key": "src/notes.md"})
        result = resp["CopyObjectResult"]
        assert result["ETag"] == md5_etag(body)
        head = s3.head_object(Bucket=dest_bucket, Key=dest_key)
        # The copy is a new object: its own LastModified, given to the second in the result.
        assert result["LastModified"].replace(microsecond=0) == head["LastModified"]
        assert head["LastModified"] >= source_head["LastModified"]
        assert head["ETag"] == md5_etag(body)
        assert head["ContentLength"] == len(body)
        assert stored(head) == stored(source_head)
        assert s3.get_object(Bucket=dest_bucket, Key=dest_key)["Body"].read() == body

    # The source is untouched.
    assert s3.get_object(Bucket=bucket, Key="src/notes.md")["Body"].read() == body
    assert stored(s3.head_object(Bucket=bucket, Key="src/notes.md")) == stored(source_head)


def test_copy_directive_ignores_the_requests_metadata(s3, bucket):
    source_head = put_source(s3, bucket, "src")
    s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="COPY", Metadata={"ignored": "yes"},
    )
    assert s3.head_object(Bucket=bucket, Key="dst")["Metadata"] == source_head["Metadata"]


def test_replace_directive_takes_the_requests_headers(s3, bucket):
    put_source(s3, bucket, "src")
    s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="REPLACE", ContentType="application/x-replaced", Metadata={"fresh": "1"},
    )
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["ContentType"] == "application/x-replaced"
    assert head["Metadata"] == {"fresh": "1"}
    # What the request did not give is not carried over from the source.
    assert head.get("CacheControl") is None
    assert head.get("ContentDisposition") is None
    assert head.get("ContentLanguage") is None
    assert "expires" not in head["ResponseMetadata"]["HTTPHeaders"]
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"# notes\nto be copied\n"


SOURCE_KEY = "src dir/ünï café+plus&amp=.txt"


@pytest.mark.parametrize(
    "header",
    [
        "{bucket}/{key}",
        "/{bucket}/{key}",
        "{bucket}/{key}?versionId=null",
        "/{bucket}/{key}?versionId=null",
    ],
    ids=["bucket-key", "slash-bucket-key", "version-null", "slash-version-null"],
)
def test_copy_source_header_forms(server, s3, bucket, header):
    s3.put_object(Bucket=bucket, Key=SOURCE_KEY, Body=b"encoded source", ContentType="text/plain")
    # URL-encoded as the SDKs send it: a server decoding '+' as a space finds no such key.
    value = header.format(bucket=bucket, key=quote(SOURCE_KEY, safe="/"))
    resp, _ = signed_request(
        "PUT", server.url + key_path(bucket, "copied"), headers={"x-amz-copy-source": value}
    )
    root = xml_root(resp)
    assert root.tag == f"{S3_NS}CopyObjectResult"
    assert root.find(f"{S3_NS}ETag").text == md5_etag(b"encoded source")
    assert root.find(f"{S3_NS}LastModified").text
    got = s3.get_object(Bucket=bucket, Key="copied")
    assert got["Body"].read() == b"encoded source"
    assert got["ContentType"] == "text/plain"


def test_copy_onto_itself_needs_replace(s3, bucket):
    before = put_source(s3, bucket, "self")
    source = {"Bucket": bucket, "Key": "self"}
    expect_client_error(s3.copy_object, "InvalidRequest", 400, Bucket=bucket, Key="self", CopySource=source)
    expect_client_error(
        s3.copy_object, "InvalidRequest", 400, Bucket=bucket, Key="self", CopySource=source, MetadataDirective="COPY"
    )
    assert stored(s3.head_object(Bucket=bucket, Key="self")) == stored(before)

    s3.copy_object(
        Bucket=bucket, Key="self", CopySource=source, MetadataDirective="REPLACE",
        ContentType="text/x-updated", Metadata={"rev": "4"},
    )
    after = s3.head_object(Bucket=bucket, Key="self")
    assert after["ContentType"] == "text/x-updated"
    assert after["Metadata"] == {"rev": "4"}
    assert after["ETag"] == before["ETag"]
    assert after["LastModified"] >= before["LastModified"]
    assert s3.get_object(Bucket=bucket, Key="self")["Body"].read() == b"# notes\nto be copied\n"


@pytest.mark.minis3_only  # moto implements only x-amz-copy-source-if-none-match
def test_copy_source_conditions(s3, bucket):
    head = put_source(s3, bucket, "src")
    etag = head["ETag"]
    modified = last_modified_header(head)
    day_before = modified - datetime.timedelta(days=1)
    source = {"Bucket": bucket, "Key": "src"}
    failing = {
        "if-match-other": {"CopySourceIfMatch": '"00000000000000000000000000000000"'},
        "if-none-match-same": {"CopySourceIfNoneMatch": etag},
        "if-modified-since-last-modified": {"CopySourceIfModifiedSince": modified},
        "if-unmodified-since-day-before": {"CopySourceIfUnmodifiedSince": day_before},
    }
    for name, condition in failing.items():
        expect_client_error(
            s3.copy_object, "PreconditionFailed", 412, Bucket=bucket, Key=f"dst-{name}", CopySource=source, **condition
        )
        expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key=f"dst-{name}")

    passing = {
        "if-match-same": {"CopySourceIfMatch": etag},
        "if-none-match-other": {"CopySourceIfNoneMatch": '"00000000000000000000000000000000"'},
        "if-modified-since-day-before": {"CopySourceIfModifiedSince": day_before},
        "if-unmodified-since-last-modified": {"CopySourceIfUnmodifiedSince": modified},
    }
    for name, condition in passing.items():
        s3.copy_object(Bucket=bucket, Key=f"dst-{name}", CopySource=source, **condition)
        assert s3.head_object(Bucket=bucket, Key=f"dst-{name}")["ETag"] == etag, name


def test_copy_errors(s3, bucket):
    s3.put_object(Bucket=bucket, Key="present", Body=b"x")
    expect_client_error(
        s3.copy_object, "NoSuchKey", 404, Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "absent"}
    )
    expect_client_error(
        s3.copy_object, "NoSuchBucket", 404,
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket_name("no-source-bucket"), "Key": "present"},
    )
    expect_client_error(
        s3.copy_object, "NoSuchBucket", 404,
        Bucket=bucket_name("no-target-bucket"), Key="dst", CopySource={"Bucket": bucket, "Key": "present"},
    )
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["present"]


def test_copy_of_a_multipart_object(s3, bucket):
    parts = [os.urandom(5 * MiB), b"multipart tail"]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp", ContentType="application/x-mp")["UploadId"]
    done = []
    for n, body in enumerate(parts, 1):
        etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=n, Body=body)["ETag"]
        done.append({"PartNumber": n, "ETag": etag})
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": done})

    resp = s3.copy_object(Bucket=bucket, Key="mp-copy", CopySource={"Bucket": bucket, "Key": "mp"})
    head = s3.head_object(Bucket=bucket, Key="mp-copy")
    assert head["ETag"] == resp["CopyObjectResult"]["ETag"]
    assert head["ContentLength"] == sum(map(len, parts))
    assert head["ContentType"] == "application/x-mp"
    assert s3.get_object(Bucket=bucket, Key="mp-copy")["Body"].read() == b"".join(parts)
    # The source stays the multipart object it was.
    assert s3.head_object(Bucket=bucket, Key="mp")["ETag"] == multipart_etag(parts)


# -- listings agree with HEAD -------------------------------------------------------------------------


def test_listings_report_heads_last_modified_and_size(s3, bucket):
    s3.put_object(Bucket=bucket, Key="plain", Body=b"plain body")
    s3.put_object(Bucket=bucket, Key="dir/empty", Body=b"")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dir/multi")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="dir/multi", UploadId=upload_id, PartNumber=1, Body=b"one part")["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="dir/multi", UploadId=upload_id, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "plain"})

    heads = {}
    for key in ["copied", "dir/empty", "dir/multi", "plain"]:
        head = s3.head_object(Bucket=bucket, Key=key)
        heads[key] = (last_modified_header(head), head["ContentLength"], head["ETag"])

    listings = {
        "v2": s3.list_objects_v2(Bucket=bucket)["Contents"],
        "v1": s3.list_objects(Bucket=bucket)["Contents"],
        "versions": s3.list_object_versions(Bucket=bucket)["Versions"],
    }
    for name, entries in listings.items():
        seen = {
            o["Key"]: (o["LastModified"].replace(microsecond=0), o["Size"], o["ETag"]) for o in entries
        }
        assert seen == heads, name


# -- tagging ---------------------------------------------------------------------------------------------


def test_tagging_round_trip_and_counts(s3, bucket):
    s3.put_object(Bucket=bucket, Key="untagged", Body=b"x")
    assert tags_of(s3, bucket, "untagged") == []
    assert s3.head_object(Bucket=bucket, Key="untagged").get("TagCount") is None
    assert tag_count_header(s3.get_object(Bucket=bucket, Key="untagged")) is None

    # The header is a URL-encoded query string; S3 allows letters, digits, spaces and _.:/=+-@.
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"y", Tagging="project=minis3&empty=&with%20space=a%20b%2Bc%3Ad")
    assert tags_of(s3, bucket, "tagged") == [("empty", ""), ("project", "minis3"), ("with space", "a b+c:d")]
    assert s3.head_object(Bucket=bucket, Key="tagged")["TagCount"] == 3
    assert s3.get_object(Bucket=bucket, Key="tagged")["TagCount"] == 3

    resp = s3.put_object_tagging(
        Bucket=bucket, Key="tagged",
        Tagging={"TagSet": [{"Key": "env", "Value": "test"}, {"Key": "ünï", "Value": "çödé _./=+-@"}]},
    )
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert tags_of(s3, bucket, "tagged") == [("env", "test"), ("ünï", "çödé _./=+-@")]
    assert s3.head_object(Bucket=bucket, Key="tagged")["TagCount"] == 2
    # Tagging touches neither the body nor the ETag.
    got = s3.get_object(Bucket=bucket, Key="tagged")
    assert (got["Body"].read(), got["ETag"], got["TagCount"]) == (b"y", md5_etag(b"y"), 2)

    resp = s3.delete_object_tagging(Bucket=bucket, Key="tagged")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert tags_of(s3, bucket, "tagged") == []
    assert s3.head_object(Bucket=bucket, Key="tagged").get("TagCount") is None

    # A new object under the key does not inherit the old one's tags.
    s3.put_object_tagging(Bucket=bucket, Key="tagged", Tagging={"TagSet": [{"Key": "old", "Value": "1"}]})
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"replacement")
    assert tags_of(s3, bucket, "tagged") == []


@pytest.mark.minis3_only  # moto answers 500 to DeleteObjectTagging on a missing key
def test_tagging_a_missing_object(s3, bucket):
    expect_client_error(s3.get_object_tagging, "NoSuchKey", 404, Bucket=bucket, Key="absent")
    expect_client_error(
        s3.put_object_tagging, "NoSuchKey", 404,
        Bucket=bucket, Key="absent", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]},
    )
    expect_client_error(s3.delete_object_tagging, "NoSuchKey", 404, Bucket=bucket, Key="absent")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_tagging_on_create_multipart_upload(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="stage=upload&n=1")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=1, Body=b"part")["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert tags_of(s3, bucket, "mp") == [("n", "1"), ("stage", "upload")]
    assert s3.head_object(Bucket=bucket, Key="mp")["TagCount"] == 2


def test_tagging_directive_on_copy(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"tagged source", Tagging="from=source&k=v")
    source = {"Bucket": bucket, "Key": "src"}

    s3.copy_object(Bucket=bucket, Key="default", CopySource=source)
    assert tags_of(s3, bucket, "default") == [("from", "source"), ("k", "v")]
    s3.copy_object(Bucket=bucket, Key="copy", CopySource=source, TaggingDirective="COPY", Tagging="ignored=1")
    assert tags_of(s3, bucket, "copy") == [("from", "source"), ("k", "v")]
    s3.copy_object(Bucket=bucket, Key="replace", CopySource=source, TaggingDirective="REPLACE", Tagging="new=tag")
    assert tags_of(s3, bucket, "replace") == [("new", "tag")]
    assert s3.head_object(Bucket=bucket, Key="replace")["TagCount"] == 1
    s3.copy_object(Bucket=bucket, Key="replace-empty", CopySource=source, TaggingDirective="REPLACE")
    assert tags_of(s3, bucket, "replace-empty") == []
    assert tags_of(s3, bucket, "src") == [("from", "source"), ("k", "v")]


def tag_set(pairs):
    return {"TagSet": [{"Key": k, "Value": v} for k, v in pairs]}


INVALID_TAG_SETS = {
    "eleven-tags": [(f"k{i}", "v") for i in range(11)],
    "duplicate-keys": [("same", "1"), ("same", "2")],
    "key-of-129": [("k" * 129, "v")],
    "value-of-257": [("k", "v" * 257)],
}


@pytest.mark.minis3_only  # moto says BadRequest for 11 tags and checks nothing else
@pytest.mark.parametrize("pairs", list(INVALID_TAG_SETS.values()), ids=list(INVALID_TAG_SETS))
def test_invalid_tag_set_is_invalid_tag(s3, bucket, pairs):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="keep=me")
    expect_client_error(s3.put_object_tagging, "InvalidTag", 400, Bucket=bucket, Key="k", Tagging=tag_set(pairs))
    assert tags_of(s3, bucket, "k") == [("keep", "me")]

    header = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    expect_client_error(s3.put_object, "InvalidTag", 400, Bucket=bucket, Key="new", Body=b"x", Tagging=header)
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="new")
    expect_client_error(s3.create_multipart_upload, "InvalidTag", 400, Bucket=bucket, Key="mp", Tagging=header)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_tag_limits_are_inclusive(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    ten = [(f"key-{i}", f"value-{i}") for i in range(9)] + [("k" * 128, "v" * 256)]
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tag_set(ten))
    assert tags_of(s3, bucket, "k") == sorted(ten)
    assert s3.head_object(Bucket=bucket, Key="k")["TagCount"] == 10
