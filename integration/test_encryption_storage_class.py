"""Storage classes and server-side encryption as S3 reports them, through boto3 and the aws CLI:
`x-amz-storage-class` on PutObject, CopyObject, CreateMultipartUpload and browser POST forms
(stored, returned by GET/HEAD except for STANDARD, shown by every listing, ListParts,
ListMultipartUploads and GetObjectAttributes; InvalidStorageClass for anything a general-purpose
bucket does not offer), `x-amz-server-side-encryption` with its KMS key id and bucket-key flag
(stored, echoed by every write and read, InvalidArgument for unknown algorithms and for a key id
without KMS), and the bucket's default encryption (PUT/GET/DELETE ?encryption, AES256 when none
is set, applied to every object written without the header). minis3 does not really encrypt:
these tests check what is stored and reported, and that a refused request stores nothing."""

import base64
import hashlib
import json
import os

import pytest
import requests

from support import (
    HTTP_TIMEOUT,
    MiB,
    Server,
    bucket_name,
    expect_client_error,
    keys_in,
    md5_etag,
    multipart_etag,
    s3_client,
    s3_error,
    signed_request,
    split_parts,
)

MIN_PART = 5 * MiB
CLI_MULTIPART_CHUNK = 8 * MiB  # the aws CLI's default multipart_threshold and multipart_chunksize

STORAGE_CLASSES = [
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
]
NON_STANDARD_CLASSES = [c for c in STORAGE_CLASSES if c != "STANDARD"]
# Readable only after a restore (RestoreObject), on S3, moto and minis3 alike.
ARCHIVE_CLASSES = {"GLACIER", "DEEP_ARCHIVE"}


def read_archived(s3, bucket, key):
    """GET of an object, restored first when its class wants that."""
    if s3.head_object(Bucket=bucket, Key=key).get("StorageClass") in ARCHIVE_CLASSES:
        s3.restore_object(Bucket=bucket, Key=key, RestoreRequest={"Days": 1})
    return s3.get_object(Bucket=bucket, Key=key)
# Not classes of a general-purpose bucket (lower case, an Outposts or a directory bucket's class).
REJECTED_CLASSES = ["BOGUS", "standard_ia", "OUTPOSTS", "EXPRESS_ONEZONE"]
MOTO_ACCEPTS = {"EXPRESS_ONEZONE"}
REJECTED_SSE = ["aes256", "AES128", "aws:fsx"]
SSE_NOT_SUPPORTED = "The encryption method specified is not supported"

KEY_ID = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY_ID = "arn:aws:kms:us-east-1:123456789012:key/0f0e0d0c-0b0a-0908-0706-050403020100"

SSE = "x-amz-server-side-encryption"
SSE_KEY = "x-amz-server-side-encryption-aws-kms-key-id"
SSE_BUCKET_KEY = "x-amz-server-side-encryption-bucket-key-enabled"
CLASS = "x-amz-storage-class"

DEFAULT_BUCKET_RULES = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]


def headers(resp) -> dict:
    return resp["ResponseMetadata"]["HTTPHeaders"]


def sse_headers(resp) -> dict:
    """The encryption headers of a boto3 response, exactly as sent."""
    h = headers(resp)
    return {name: h[name] for name in (SSE, SSE_KEY, SSE_BUCKET_KEY) if name in h}


def expected_sse(algorithm: str, key_id: str | None = None, bucket_key: bool = False) -> dict:
    out = {SSE: algorithm}
    if key_id is not None:
        out[SSE_KEY] = key_id
    if bucket_key:
        out[SSE_BUCKET_KEY] = "true"
    return out


def sse_fields(resp) -> tuple:
    """The same, as boto3 parses them."""
    return (resp.get("ServerSideEncryption"), resp.get("SSEKMSKeyId"), resp.get("BucketKeyEnabled"))


def assert_missing(s3, bucket, key):
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key=key)


def put_bucket_encryption(s3, bucket, by_default: dict, bucket_key: bool | None = None):
    rule = {"ApplyServerSideEncryptionByDefault": by_default}
    if bucket_key is not None:
        rule["BucketKeyEnabled"] = bucket_key
    resp = s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    return resp


def default_encryption(rules: list) -> list:
    """The default-encryption part of each rule (what these tests set): the algorithm with its key
    and BucketKeyEnabled, read as False where it is left out. A rule's other members (S3's
    BlockedEncryptionTypes, about SSE-C) are not these tests' business."""
    return [
        {
            "ApplyServerSideEncryptionByDefault": r.get("ApplyServerSideEncryptionByDefault"),
            "BucketKeyEnabled": r.get("BucketKeyEnabled", False),
        }
        for r in rules
    ]


def bucket_rules(s3, bucket) -> list:
    """get_bucket_encryption's rules, as `default_encryption` sees them."""
    return default_encryption(s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"])


def raw_put_bucket_encryption(server, bucket, body: bytes):
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    resp, _ = signed_request(
        "PUT", f"{server.url}/{bucket}?encryption", body=body,
        headers={"Content-MD5": md5, "Content-Type": "application/xml"},
    )
    return resp


def send_form(post: dict, data: bytes):
    form = list(post["fields"].items())
    return requests.post(post["url"], data=form, files=[("file", ("f.bin", data))], timeout=HTTP_TIMEOUT,
                         allow_redirects=False)


# -- storage class ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "storage_class",
    [pytest.param(c, marks=pytest.mark.minis3_only) if c in ARCHIVE_CLASSES else c for c in NON_STANDARD_CLASSES],
)
def test_storage_class_round_trips(s3, bucket, storage_class):
    body = f"kept in {storage_class}".encode()
    s3.put_object(Bucket=bucket, Key="obj", Body=body, StorageClass=storage_class)

    head = s3.head_object(Bucket=bucket, Key="obj")
    assert headers(head).get(CLASS) == storage_class
    assert head["StorageClass"] == storage_class
    # GLACIER and DEEP_ARCHIVE objects read back once restored.
    got = read_archived(s3, bucket, "obj")
    assert headers(got).get(CLASS) == storage_class
    assert got["StorageClass"] == storage_class
    assert got["Body"].read() == body
    attributes = s3.get_object_attributes(Bucket=bucket, Key="obj", ObjectAttributes=["StorageClass"])
    assert attributes["StorageClass"] == storage_class
    [listed] = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert listed["StorageClass"] == storage_class


def test_standard_class_sends_no_header(s3, bucket):
    s3.put_object(Bucket=bucket, Key="named", Body=b"named", StorageClass="STANDARD")
    s3.put_object(Bucket=bucket, Key="unnamed", Body=b"unnamed")
    for key in ("named", "unnamed"):
        head = s3.head_object(Bucket=bucket, Key=key)
        assert CLASS not in headers(head), headers(head)
        got = s3.get_object(Bucket=bucket, Key=key)
        assert CLASS not in headers(got), headers(got)
        assert got["Body"].read() == key.encode()
        attributes = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=["StorageClass"])
        assert attributes["StorageClass"] == "STANDARD"
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert {o["Key"]: o["StorageClass"] for o in listed} == {"named": "STANDARD", "unnamed": "STANDARD"}


def test_listings_show_each_objects_class(s3, bucket):
    expected = {"plain": "STANDARD"}
    s3.put_object(Bucket=bucket, Key="plain", Body=b"p")
    for storage_class in STORAGE_CLASSES:
        key = f"dir/{storage_class.lower()}"
        s3.put_object(Bucket=bucket, Key=key, Body=storage_class.encode(), StorageClass=storage_class)
        expected[key] = storage_class

    v2 = s3.list_objects_v2(Bucket=bucket)
    assert {o["Key"]: o["StorageClass"] for o in v2["Contents"]} == expected
    v1 = s3.list_objects(Bucket=bucket)
    assert {o["Key"]: o["StorageClass"] for o in v1["Contents"]} == expected
    versions = s3.list_object_versions(Bucket=bucket)
    assert {v["Key"]: v["StorageClass"] for v in versions["Versions"]} == expected
    # A prefix listing still carries it.
    under = s3.list_objects_v2(Bucket=bucket, Prefix="dir/glacier")
    assert {o["Key"]: o["StorageClass"] for o in under["Contents"]} == {
        "dir/glacier": "GLACIER", "dir/glacier_ir": "GLACIER_IR",
    }


def test_overwrite_replaces_the_class(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"one", StorageClass="DEEP_ARCHIVE")
    s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    head = s3.head_object(Bucket=bucket, Key="k")
    assert CLASS not in headers(head)
    assert s3.list_objects_v2(Bucket=bucket)["Contents"][0]["StorageClass"] == "STANDARD"
    s3.put_object(Bucket=bucket, Key="k", Body=b"three", StorageClass="ONEZONE_IA")
    assert s3.head_object(Bucket=bucket, Key="k")["StorageClass"] == "ONEZONE_IA"


@pytest.mark.parametrize(
    "storage_class",
    [pytest.param(c, marks=pytest.mark.minis3_only) if c in MOTO_ACCEPTS else c for c in REJECTED_CLASSES],
)
def test_put_with_an_invalid_class_stores_nothing(s3, bucket, storage_class):
    expect_client_error(
        s3.put_object, "InvalidStorageClass", 400, Bucket=bucket, Key="k", Body=b"x", StorageClass=storage_class
    )
    assert_missing(s3, bucket, "k")
    assert keys_in(s3, bucket) == []


def test_invalid_class_over_an_existing_object_leaves_it(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"original", StorageClass="GLACIER_IR")
    expect_client_error(
        s3.put_object, "InvalidStorageClass", 400, Bucket=bucket, Key="k", Body=b"replacement", StorageClass="BOGUS"
    )
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"original"
    assert got["StorageClass"] == "GLACIER_IR"
    assert got["ETag"] == md5_etag(b"original")


@pytest.mark.minis3_only  # moto starts the upload
def test_copy_and_create_multipart_refuse_an_invalid_class(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    expect_client_error(
        s3.copy_object, "InvalidStorageClass", 400,
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, StorageClass="OUTPOSTS",
    )
    assert_missing(s3, bucket, "dst")
    expect_client_error(
        s3.create_multipart_upload, "InvalidStorageClass", 400, Bucket=bucket, Key="mp", StorageClass="standard",
    )
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert keys_in(s3, bucket) == ["src"]


def test_copy_takes_the_requests_class_not_the_sources(s3, bucket):
    other = bucket_name("copy-class-target")
    s3.create_bucket(Bucket=other)
    s3.put_object(Bucket=bucket, Key="src", Body=b"cool source", StorageClass="STANDARD_IA")
    source = {"Bucket": bucket, "Key": "src"}

    s3.copy_object(Bucket=bucket, Key="default", CopySource=source)
    s3.copy_object(Bucket=other, Key="default", CopySource=source)
    s3.copy_object(Bucket=bucket, Key="named", CopySource=source, StorageClass="ONEZONE_IA")
    s3.copy_object(Bucket=bucket, Key="replaced", CopySource=source, StorageClass="INTELLIGENT_TIERING",
                   MetadataDirective="REPLACE")

    for dest_bucket in (bucket, other):
        head = s3.head_object(Bucket=dest_bucket, Key="default")
        assert CLASS not in headers(head), headers(head)
    assert s3.head_object(Bucket=bucket, Key="named")["StorageClass"] == "ONEZONE_IA"
    assert s3.head_object(Bucket=bucket, Key="replaced")["StorageClass"] == "INTELLIGENT_TIERING"
    listed = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {"src": "STANDARD_IA", "default": "STANDARD", "named": "ONEZONE_IA", "replaced": "INTELLIGENT_TIERING"}
    assert s3.list_objects_v2(Bucket=other)["Contents"][0]["StorageClass"] == "STANDARD"
    assert s3.get_object(Bucket=bucket, Key="named")["Body"].read() == b"cool source"
    # The source keeps its class.
    assert s3.head_object(Bucket=bucket, Key="src")["StorageClass"] == "STANDARD_IA"


def test_copy_onto_itself_changes_only_the_class(s3, bucket):
    body = b"same bytes, new class"
    s3.put_object(Bucket=bucket, Key="self", Body=body, ContentType="text/x-self", Metadata={"kept": "yes"})
    source = {"Bucket": bucket, "Key": "self"}

    s3.copy_object(Bucket=bucket, Key="self", CopySource=source, StorageClass="STANDARD_IA")
    head = s3.head_object(Bucket=bucket, Key="self")
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["ContentType"] == "text/x-self"
    assert head["Metadata"] == {"kept": "yes"}
    assert head["ETag"] == md5_etag(body)

    s3.copy_object(Bucket=bucket, Key="self", CopySource=source, StorageClass="GLACIER_IR", MetadataDirective="COPY")
    assert s3.head_object(Bucket=bucket, Key="self")["StorageClass"] == "GLACIER_IR"

    s3.copy_object(Bucket=bucket, Key="self", CopySource=source, StorageClass="STANDARD")
    head = s3.head_object(Bucket=bucket, Key="self")
    assert CLASS not in headers(head)
    assert head["Metadata"] == {"kept": "yes"}
    assert s3.get_object(Bucket=bucket, Key="self")["Body"].read() == body
    assert keys_in(s3, bucket) == ["self"]


# -- multipart -----------------------------------------------------------------------------------------


@pytest.mark.minis3_only  # moto drops BucketKeyEnabled and lists no StorageClass for uploads
def test_multipart_class_and_kms_through_every_step(s3, bucket):
    key = "big/object.bin"
    bodies = [os.urandom(MIN_PART), os.urandom(1234)]
    want = expected_sse("aws:kms", KEY_ID, bucket_key=True)

    created = s3.create_multipart_upload(
        Bucket=bucket, Key=key, StorageClass="INTELLIGENT_TIERING",
        ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID, BucketKeyEnabled=True,
    )
    assert sse_headers(created) == want
    assert sse_fields(created) == ("aws:kms", KEY_ID, True)
    upload_id = created["UploadId"]
    # A second upload with no class, to tell them apart in the listing.
    other = s3.create_multipart_upload(Bucket=bucket, Key="big/plain.bin")

    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert {(u["Key"], u["UploadId"]): u["StorageClass"] for u in uploads} == {
        (key, upload_id): "INTELLIGENT_TIERING",
        ("big/plain.bin", other["UploadId"]): "STANDARD",
    }

    done = []
    for n, body in enumerate(bodies, 1):
        part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body)
        assert part["ETag"] == md5_etag(body)
        assert sse_headers(part) == want, f"part {n}"
        done.append({"PartNumber": n, "ETag": part["ETag"]})

    parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)
    assert parts["StorageClass"] == "INTELLIGENT_TIERING"
    assert [p["PartNumber"] for p in parts["Parts"]] == [1, 2]
    assert s3.list_parts(Bucket=bucket, Key="big/plain.bin", UploadId=other["UploadId"])["StorageClass"] == "STANDARD"

    completed = s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}
    )
    assert completed["ETag"] == multipart_etag(bodies)
    assert sse_headers(completed) == want
    assert sse_fields(completed) == ("aws:kms", KEY_ID, True)

    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["StorageClass"] == "INTELLIGENT_TIERING"
    assert sse_headers(head) == want
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["StorageClass"] == "INTELLIGENT_TIERING"
    assert sse_headers(got) == want
    assert got["Body"].read() == b"".join(bodies)
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["StorageClass"]) for o in listed] == [(key, "INTELLIGENT_TIERING")]
    attributes = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=["StorageClass"])
    assert attributes["StorageClass"] == "INTELLIGENT_TIERING"
    s3.abort_multipart_upload(Bucket=bucket, Key="big/plain.bin", UploadId=other["UploadId"])


@pytest.mark.minis3_only  # moto reports no encryption for an upload that named none
def test_multipart_without_sse_reports_aes256(s3, bucket):
    key = "cold.bin"
    body = os.urandom(321)
    created = s3.create_multipart_upload(Bucket=bucket, Key=key, StorageClass="GLACIER")
    want = expected_sse("AES256")
    assert sse_headers(created) == want
    upload_id = created["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=body)
    assert sse_headers(part) == want
    completed = s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    )
    assert sse_headers(completed) == want
    head = s3.head_object(Bucket=bucket, Key=key)
    assert sse_headers(head) == want
    assert head["StorageClass"] == "GLACIER"
    assert read_archived(s3, bucket, key)["Body"].read() == body


@pytest.mark.minis3_only  # moto drops the KMS key id of aws:kms:dsse
def test_upload_part_copy_reports_the_uploads_encryption(s3, bucket):
    source = os.urandom(MIN_PART + 100)
    s3.put_object(Bucket=bucket, Key="src", Body=source, ServerSideEncryption="AES256", StorageClass="GLACIER_IR")
    created = s3.create_multipart_upload(
        Bucket=bucket, Key="dst", ServerSideEncryption="aws:kms:dsse", SSEKMSKeyId=OTHER_KEY_ID,
        StorageClass="REDUCED_REDUNDANCY",
    )
    want = expected_sse("aws:kms:dsse", OTHER_KEY_ID)
    assert sse_headers(created) == want
    upload_id = created["UploadId"]
    copy_source = {"Bucket": bucket, "Key": "src"}

    first = s3.upload_part_copy(
        Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1, CopySource=copy_source,
        CopySourceRange=f"bytes=0-{MIN_PART - 1}",
    )
    assert sse_headers(first) == want
    assert sse_fields(first) == ("aws:kms:dsse", OTHER_KEY_ID, None)
    second = s3.upload_part_copy(
        Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=2, CopySource=copy_source,
        CopySourceRange=f"bytes={MIN_PART}-{len(source) - 1}",
    )
    assert sse_headers(second) == want
    parts = [
        {"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]},
        {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]},
    ]
    completed = s3.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload_id, MultipartUpload={"Parts": parts})
    assert sse_headers(completed) == want
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert sse_headers(head) == want
    assert head["StorageClass"] == "REDUCED_REDUNDANCY"
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == source
    # The source is untouched.
    src_head = s3.head_object(Bucket=bucket, Key="src")
    assert sse_headers(src_head) == expected_sse("AES256")
    assert src_head["StorageClass"] == "GLACIER_IR"


# -- server-side encryption on objects --------------------------------------------------------------------


@pytest.mark.minis3_only  # moto reports no encryption for an object written without the header
def test_plain_put_reports_aes256(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"plain")
    assert sse_headers(put) == expected_sse("AES256")
    assert sse_fields(put) == ("AES256", None, None)
    head = s3.head_object(Bucket=bucket, Key="k")
    assert sse_headers(head) == expected_sse("AES256")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert sse_headers(got) == expected_sse("AES256")
    assert got["Body"].read() == b"plain"


SSE_CASES = {
    "aes256": (dict(ServerSideEncryption="AES256"), expected_sse("AES256")),
    "kms": (dict(ServerSideEncryption="aws:kms"), expected_sse("aws:kms")),
    "kms-key": (dict(ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID), expected_sse("aws:kms", KEY_ID)),
    "kms-key-bucket-key": (
        dict(ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID, BucketKeyEnabled=True),
        expected_sse("aws:kms", KEY_ID, bucket_key=True),
    ),
    "kms-bucket-key-off": (
        dict(ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID, BucketKeyEnabled=False),
        expected_sse("aws:kms", KEY_ID),
    ),
    "dsse-key": (
        dict(ServerSideEncryption="aws:kms:dsse", SSEKMSKeyId=OTHER_KEY_ID),
        expected_sse("aws:kms:dsse", OTHER_KEY_ID),
    ),
}


def sse_params(moto_wrong: set) -> list:
    return [pytest.param(c, marks=pytest.mark.minis3_only) if c in moto_wrong else c for c in SSE_CASES]


# moto sends `bucket-key-enabled: false` and drops an aws:kms:dsse key id
@pytest.mark.parametrize("case", sse_params({"kms-bucket-key-off", "dsse-key"}))
def test_put_with_sse_is_stored_and_reported(s3, bucket, case):
    args, want = SSE_CASES[case]
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"secret-ish", **args)
    assert sse_headers(put) == want
    head = s3.head_object(Bucket=bucket, Key="k")
    assert sse_headers(head) == want
    got = s3.get_object(Bucket=bucket, Key="k")
    assert sse_headers(got) == want
    assert got["Body"].read() == b"secret-ish"
    # A ranged read reports it too.
    ranged = s3.get_object(Bucket=bucket, Key="k", Range="bytes=0-5")
    assert sse_headers(ranged) == want
    assert ranged["Body"].read() == b"secret"


# moto drops BucketKeyEnabled and an aws:kms:dsse key id on CreateMultipartUpload
@pytest.mark.parametrize("case", sse_params({"kms-key-bucket-key", "dsse-key"}))
def test_create_multipart_with_sse(s3, bucket, case):
    args, want = SSE_CASES[case]
    created = s3.create_multipart_upload(Bucket=bucket, Key="mp", **args)
    assert sse_headers(created) == want
    upload_id = created["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=1, Body=b"only part")
    assert sse_headers(part) == want
    completed = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    )
    assert sse_headers(completed) == want
    assert sse_headers(s3.head_object(Bucket=bucket, Key="mp")) == want


@pytest.mark.minis3_only  # moto stores any algorithm
@pytest.mark.parametrize("algorithm", REJECTED_SSE)
def test_put_with_an_unknown_algorithm_stores_nothing(s3, bucket, algorithm):
    err = expect_client_error(
        s3.put_object, "InvalidArgument", 400, Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption=algorithm
    )
    assert err["Error"]["Message"] == SSE_NOT_SUPPORTED
    assert_missing(s3, bucket, "k")
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only  # moto stores any algorithm
def test_copy_and_create_multipart_refuse_an_unknown_algorithm(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    err = expect_client_error(
        s3.copy_object, "InvalidArgument", 400,
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, ServerSideEncryption="AES128",
    )
    assert err["Error"]["Message"] == SSE_NOT_SUPPORTED
    assert_missing(s3, bucket, "dst")
    err = expect_client_error(
        s3.create_multipart_upload, "InvalidArgument", 400, Bucket=bucket, Key="mp", ServerSideEncryption="aws:fsx",
    )
    assert err["Error"]["Message"] == SSE_NOT_SUPPORTED
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert keys_in(s3, bucket) == ["src"]


@pytest.mark.minis3_only  # moto accepts a key id without aws:kms
@pytest.mark.parametrize(
    "args",
    [dict(ServerSideEncryption="AES256", SSEKMSKeyId=KEY_ID), dict(SSEKMSKeyId=KEY_ID)],
    ids=["with-aes256", "without-sse"],
)
def test_kms_key_id_needs_kms(s3, bucket, args):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    expect_client_error(s3.put_object, "InvalidArgument", 400, Bucket=bucket, Key="k", Body=b"x", **args)
    assert_missing(s3, bucket, "k")
    expect_client_error(
        s3.copy_object, "InvalidArgument", 400,
        Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "src"}, **args,
    )
    assert_missing(s3, bucket, "copy")
    expect_client_error(s3.create_multipart_upload, "InvalidArgument", 400, Bucket=bucket, Key="mp", **args)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert keys_in(s3, bucket) == ["src"]


@pytest.mark.minis3_only  # moto accepts a key id without aws:kms
def test_kms_key_id_needs_kms_in_the_request_even_with_a_kms_default(s3, bucket):
    put_bucket_encryption(s3, bucket, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ID})
    expect_client_error(
        s3.put_object, "InvalidArgument", 400, Bucket=bucket, Key="k", Body=b"x", SSEKMSKeyId=OTHER_KEY_ID
    )
    assert_missing(s3, bucket, "k")


@pytest.mark.minis3_only  # moto validates neither class nor encryption fully
def test_refused_writes_leave_the_existing_object(s3, bucket):
    s3.put_object(
        Bucket=bucket, Key="k", Body=b"original", StorageClass="STANDARD_IA",
        ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID,
    )
    refused = [
        ("InvalidStorageClass", dict(StorageClass="EXPRESS_ONEZONE")),
        ("InvalidArgument", dict(ServerSideEncryption="aes256")),
        ("InvalidArgument", dict(ServerSideEncryption="AES256", SSEKMSKeyId=OTHER_KEY_ID)),
        ("InvalidArgument", dict(SSEKMSKeyId=OTHER_KEY_ID)),
    ]
    for code, args in refused:
        expect_client_error(s3.put_object, code, 400, Bucket=bucket, Key="k", Body=b"replacement", **args)
        got = s3.get_object(Bucket=bucket, Key="k")
        assert got["Body"].read() == b"original", args
        assert got["StorageClass"] == "STANDARD_IA", args
        assert sse_headers(got) == expected_sse("aws:kms", KEY_ID), args


@pytest.mark.minis3_only  # moto gives an unencrypted copy no encryption header, or the source's
def test_copy_takes_the_requests_encryption_not_the_sources(s3, bucket):
    s3.put_object(
        Bucket=bucket, Key="src", Body=b"kms source", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID,
        BucketKeyEnabled=True,
    )
    source = {"Bucket": bucket, "Key": "src"}

    plain = s3.copy_object(Bucket=bucket, Key="plain", CopySource=source)
    assert sse_headers(plain) == expected_sse("AES256")
    assert sse_headers(s3.head_object(Bucket=bucket, Key="plain")) == expected_sse("AES256")

    dsse = s3.copy_object(
        Bucket=bucket, Key="dsse", CopySource=source, ServerSideEncryption="aws:kms:dsse", SSEKMSKeyId=OTHER_KEY_ID
    )
    assert sse_headers(dsse) == expected_sse("aws:kms:dsse", OTHER_KEY_ID)
    head = s3.head_object(Bucket=bucket, Key="dsse")
    assert sse_headers(head) == expected_sse("aws:kms:dsse", OTHER_KEY_ID)
    assert s3.get_object(Bucket=bucket, Key="dsse")["Body"].read() == b"kms source"

    # A copy into a bucket whose default is KMS takes that default.
    kms_bucket = bucket_name("copy-kms-default")
    s3.create_bucket(Bucket=kms_bucket)
    put_bucket_encryption(s3, kms_bucket, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": OTHER_KEY_ID})
    into = s3.copy_object(Bucket=kms_bucket, Key="copied", CopySource=source)
    assert sse_headers(into) == expected_sse("aws:kms", OTHER_KEY_ID)
    assert sse_headers(s3.head_object(Bucket=kms_bucket, Key="copied")) == expected_sse("aws:kms", OTHER_KEY_ID)

    # The source is untouched.
    assert sse_headers(s3.head_object(Bucket=bucket, Key="src")) == expected_sse("aws:kms", KEY_ID, bucket_key=True)


def test_copy_with_explicit_sse(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source", ServerSideEncryption="AES256")
    copied = s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
        ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID, BucketKeyEnabled=True,
    )
    want = expected_sse("aws:kms", KEY_ID, bucket_key=True)
    assert sse_headers(copied) == want
    assert sse_fields(copied) == ("aws:kms", KEY_ID, True)
    assert sse_headers(s3.head_object(Bucket=bucket, Key="dst")) == want
    assert sse_headers(s3.head_object(Bucket=bucket, Key="src")) == expected_sse("AES256")


# -- browser POST forms ------------------------------------------------------------------------------------


@pytest.mark.minis3_only  # moto ignores these form fields
@pytest.mark.parametrize("storage_class,algorithm", [("GLACIER_IR", "aws:kms"), ("DEEP_ARCHIVE", "AES256")])
def test_post_form_class_and_encryption(s3, bucket, storage_class, algorithm):
    fields = {"x-amz-storage-class": storage_class, "x-amz-server-side-encryption": algorithm}
    post = s3.generate_presigned_post(
        bucket, "form.bin", Fields=fields, Conditions=[{name: value} for name, value in fields.items()]
    )
    resp = send_form(post, b"from a form")
    assert resp.status_code == 204, resp.content
    head = s3.head_object(Bucket=bucket, Key="form.bin")
    assert head["StorageClass"] == storage_class
    assert sse_headers(head) == expected_sse(algorithm)
    assert s3.list_objects_v2(Bucket=bucket)["Contents"][0]["StorageClass"] == storage_class
    assert read_archived(s3, bucket, "form.bin")["Body"].read() == b"from a form"


@pytest.mark.minis3_only  # moto ignores these form fields
@pytest.mark.parametrize(
    "field,value,code",
    [("x-amz-storage-class", "BOGUS", "InvalidStorageClass"), ("x-amz-server-side-encryption", "AES128", "InvalidArgument")],
    ids=["class", "sse"],
)
def test_post_form_with_an_invalid_value_stores_nothing(s3, bucket, field, value, code):
    post = s3.generate_presigned_post(bucket, "form.bin", Fields={field: value}, Conditions=[{field: value}])
    resp = send_form(post, b"refused")
    assert resp.status_code == 400, resp.content
    assert s3_error(resp)["Code"] == code
    assert_missing(s3, bucket, "form.bin")
    assert keys_in(s3, bucket) == []


# -- bucket default encryption -------------------------------------------------------------------------------


@pytest.mark.minis3_only  # moto answers ServerSideEncryptionConfigurationNotFoundError
def test_bucket_encryption_defaults_to_aes256(s3, bucket):
    assert bucket_rules(s3, bucket) == DEFAULT_BUCKET_RULES


BUCKET_CONFIGS = {
    "aes256": ({"SSEAlgorithm": "AES256"}, None, expected_sse("AES256")),
    "kms-key-bucket-key": (
        {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ID}, True, expected_sse("aws:kms", KEY_ID, bucket_key=True),
    ),
    "kms": ({"SSEAlgorithm": "aws:kms"}, False, expected_sse("aws:kms")),
    "dsse-key": ({"SSEAlgorithm": "aws:kms:dsse", "KMSMasterKeyID": OTHER_KEY_ID}, None,
                 expected_sse("aws:kms:dsse", OTHER_KEY_ID)),
}


@pytest.mark.parametrize("config", list(BUCKET_CONFIGS))
def test_bucket_encryption_round_trips(s3, bucket, config):
    by_default, bucket_key, _ = BUCKET_CONFIGS[config]
    put_bucket_encryption(s3, bucket, by_default, bucket_key)
    assert bucket_rules(s3, bucket) == [
        {"ApplyServerSideEncryptionByDefault": by_default, "BucketKeyEnabled": bool(bucket_key)}
    ]


@pytest.mark.minis3_only  # moto does not apply the default to uploads, and sends bucket-key-enabled: false
@pytest.mark.parametrize("config", list(BUCKET_CONFIGS))
def test_bucket_default_applies_to_every_write_without_sse(s3, bucket, config):
    by_default, bucket_key, want = BUCKET_CONFIGS[config]
    put_bucket_encryption(s3, bucket, by_default, bucket_key)

    put = s3.put_object(Bucket=bucket, Key="put", Body=b"put")
    assert sse_headers(put) == want
    assert sse_headers(s3.head_object(Bucket=bucket, Key="put")) == want
    assert sse_headers(s3.get_object(Bucket=bucket, Key="put")) == want

    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "put"})
    assert sse_headers(copied) == want
    assert sse_headers(s3.head_object(Bucket=bucket, Key="copy")) == want

    created = s3.create_multipart_upload(Bucket=bucket, Key="mp")
    assert sse_headers(created) == want
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=created["UploadId"], PartNumber=1, Body=b"part")
    assert sse_headers(part) == want
    completed = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=created["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert sse_headers(completed) == want
    assert sse_headers(s3.head_object(Bucket=bucket, Key="mp")) == want


@pytest.mark.minis3_only  # moto sends bucket-key-enabled: false
def test_kms_bucket_default_and_explicit_overrides(s3, bucket):
    put_bucket_encryption(s3, bucket, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ID}, True)

    put = s3.put_object(Bucket=bucket, Key="default", Body=b"d")
    assert sse_fields(put) == ("aws:kms", KEY_ID, True)
    head = s3.head_object(Bucket=bucket, Key="default")
    assert sse_fields(head) == ("aws:kms", KEY_ID, True)
    assert sse_headers(head) == expected_sse("aws:kms", KEY_ID, bucket_key=True)

    aes = s3.put_object(Bucket=bucket, Key="aes", Body=b"a", ServerSideEncryption="AES256")
    assert sse_headers(aes) == expected_sse("AES256")
    assert sse_fields(s3.head_object(Bucket=bucket, Key="aes")) == ("AES256", None, None)

    other = s3.put_object(
        Bucket=bucket, Key="other", Body=b"o", ServerSideEncryption="aws:kms", SSEKMSKeyId=OTHER_KEY_ID,
        BucketKeyEnabled=False,
    )
    assert sse_headers(other) == expected_sse("aws:kms", OTHER_KEY_ID)
    assert sse_headers(s3.head_object(Bucket=bucket, Key="other")) == expected_sse("aws:kms", OTHER_KEY_ID)

    # Objects keep what they were written with when the default changes.
    put_bucket_encryption(s3, bucket, {"SSEAlgorithm": "aws:kms:dsse"})
    assert sse_headers(s3.head_object(Bucket=bucket, Key="default")) == expected_sse("aws:kms", KEY_ID, bucket_key=True)
    assert sse_headers(s3.head_object(Bucket=bucket, Key="aes")) == expected_sse("AES256")
    assert sse_headers(s3.put_object(Bucket=bucket, Key="later", Body=b"l")) == expected_sse("aws:kms:dsse")


@pytest.mark.minis3_only  # moto has no default configuration to return to
def test_delete_bucket_encryption_returns_to_aes256(s3, bucket):
    put_bucket_encryption(s3, bucket, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ID}, True)
    resp = s3.delete_bucket_encryption(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert bucket_rules(s3, bucket) == DEFAULT_BUCKET_RULES
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"k")
    assert sse_headers(put) == expected_sse("AES256")
    # Deleting again (nothing set) is fine too.
    assert s3.delete_bucket_encryption(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert bucket_rules(s3, bucket) == DEFAULT_BUCKET_RULES


@pytest.mark.minis3_only  # moto validates no encryption configuration
def test_bucket_encryption_errors_change_nothing(server, s3, bucket):
    kept = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ID}
    put_bucket_encryption(s3, bucket, kept, True)
    expected_rules = [{"ApplyServerSideEncryptionByDefault": kept, "BucketKeyEnabled": True}]

    expect_client_error(
        s3.put_bucket_encryption, "InvalidArgument", 400, Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": OTHER_KEY_ID}}
        ]},
    )
    assert bucket_rules(s3, bucket) == expected_rules

    # botocore does not check enum values, so this reaches the server as sent.
    expect_client_error(
        s3.put_bucket_encryption, "MalformedXML", 400, Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES512"}}]},
    )
    assert bucket_rules(s3, bucket) == expected_rules

    resp = raw_put_bucket_encryption(server, bucket, b"AES256 please")
    assert resp.status_code == 400, resp.content
    assert s3_error(resp)["Code"] == "MalformedXML"
    assert bucket_rules(s3, bucket) == expected_rules

    # The same unknown algorithm, as a hand-written document.
    body = (
        b'<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>'
        b"<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:fsx</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
        b"</Rule></ServerSideEncryptionConfiguration>"
    )
    resp = raw_put_bucket_encryption(server, bucket, body)
    assert resp.status_code == 400, resp.content
    assert s3_error(resp)["Code"] == "MalformedXML"
    assert bucket_rules(s3, bucket) == expected_rules

    # Objects still get the kept default.
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"k")
    assert sse_headers(put) == expected_sse("aws:kms", KEY_ID, bucket_key=True)


def test_bucket_encryption_on_a_missing_bucket(s3):
    missing = bucket_name("no-such-bucket")
    expect_client_error(
        s3.put_bucket_encryption, "NoSuchBucket", 404, Bucket=missing,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    expect_client_error(s3.get_bucket_encryption, "NoSuchBucket", 404, Bucket=missing)
    expect_client_error(s3.delete_bucket_encryption, "NoSuchBucket", 404, Bucket=missing)
    expect_client_error(s3.head_bucket, "404", 404, Bucket=missing)


# -- archived objects and RestoreObject ---------------------------------------------------------------


@pytest.mark.minis3_only  # moto does not round the restore's expiry up to midnight UTC
@pytest.mark.parametrize("storage_class", sorted(ARCHIVE_CLASSES))
def test_archived_objects_are_read_only_once_restored(s3, bucket, storage_class):
    s3.put_object(Bucket=bucket, Key="cold", Body=b"frozen bytes", StorageClass=storage_class)
    err = expect_client_error(s3.get_object, "InvalidObjectState", 403, Bucket=bucket, Key="cold")
    assert err["Error"]["StorageClass"] == storage_class
    expect_client_error(s3.copy_object, "ObjectNotInActiveTierError", 403, Bucket=bucket, Key="copy",
                        CopySource={"Bucket": bucket, "Key": "cold"})
    head = s3.head_object(Bucket=bucket, Key="cold")
    assert "Restore" not in head
    first = s3.restore_object(Bucket=bucket, Key="cold",
                              RestoreRequest={"Days": 2, "GlacierJobParameters": {"Tier": "Bulk"}})
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 202
    head = s3.head_object(Bucket=bucket, Key="cold")
    assert head["Restore"].startswith('ongoing-request="false", expiry-date="')
    assert head["Restore"].endswith(' 00:00:00 GMT"')
    assert s3.get_object(Bucket=bucket, Key="cold")["Body"].read() == b"frozen bytes"
    [listed] = s3.list_objects_v2(Bucket=bucket, OptionalObjectAttributes=["RestoreStatus"])["Contents"]
    assert listed["RestoreStatus"]["IsRestoreInProgress"] is False
    assert listed["RestoreStatus"]["RestoreExpiryDate"].strftime("%H:%M:%S") == "00:00:00"
    [plain] = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert "RestoreStatus" not in plain
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "cold"})
    assert s3.head_object(Bucket=bucket, Key="copy").get("StorageClass") is None
    # Asked again while restored: 200, the copy kept longer.
    again = s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 5})
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    # An overwrite is a new object: archived again, not restored.
    s3.put_object(Bucket=bucket, Key="cold", Body=b"new", StorageClass=storage_class)
    expect_client_error(s3.get_object, "InvalidObjectState", 403, Bucket=bucket, Key="cold")


@pytest.mark.minis3_only  # moto answers other codes for these
def test_restore_requests_that_cannot_be_met(s3, bucket):
    s3.put_object(Bucket=bucket, Key="warm", Body=b"x", StorageClass="GLACIER_IR")
    s3.put_object(Bucket=bucket, Key="cold", Body=b"x", StorageClass="GLACIER")
    expect_client_error(s3.restore_object, "InvalidObjectState", 403, Bucket=bucket, Key="warm",
                        RestoreRequest={"Days": 1})
    expect_client_error(s3.restore_object, "NoSuchKey", 404, Bucket=bucket, Key="missing",
                        RestoreRequest={"Days": 1})
    expect_client_error(s3.restore_object, "InvalidArgument", 400, Bucket=bucket, Key="cold",
                        RestoreRequest={"GlacierJobParameters": {"Tier": "Standard"}})
    expect_client_error(s3.restore_object, "MalformedXML", 400, Bucket=bucket, Key="cold",
                        RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Instant"}})
    expect_client_error(s3.get_object, "InvalidObjectState", 403, Bucket=bucket, Key="cold")
    assert s3.get_object(Bucket=bucket, Key="warm")["Body"].read() == b"x"


def test_restore_through_the_cli(cli, s3, bucket):
    s3.put_object(Bucket=bucket, Key="cold", Body=b"cli", StorageClass="DEEP_ARCHIVE")
    cli.run("s3api", "restore-object", "--bucket", bucket, "--key", "cold", "--restore-request", "Days=1")
    assert s3.get_object(Bucket=bucket, Key="cold")["Body"].read() == b"cli"


# -- SSE-C (customer-provided keys) ----------------------------------------------------------------------


CUSTOMER_KEY = bytes(range(32))


def customer_key_args(prefix: str = "SSECustomer") -> dict:
    # boto3 base64-encodes the key and adds its MD5 itself.
    return {f"{prefix}Algorithm": "AES256", f"{prefix}Key": CUSTOMER_KEY}


@pytest.mark.minis3_only  # moto neither blocks SSE-C nor reports BlockedEncryptionTypes
def test_sse_c_writes_are_blocked_as_on_new_s3_buckets(s3, bucket):
    [rule] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["BlockedEncryptionTypes"] == {"EncryptionType": ["SSE-C"]}
    expect_client_error(s3.put_object, "AccessDenied", 403, Bucket=bucket, Key="k", Body=b"x", **customer_key_args())
    expect_client_error(s3.create_multipart_upload, "AccessDenied", 403, Bucket=bucket, Key="k", **customer_key_args())
    s3.put_object(Bucket=bucket, Key="src", Body=b"src")
    expect_client_error(s3.copy_object, "AccessDenied", 403, Bucket=bucket, Key="k",
                        CopySource={"Bucket": bucket, "Key": "src"}, **customer_key_args())
    assert keys_in(s3, bucket) == ["src"]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.minis3_only  # moto stores SSE-C objects
def test_unblocked_sse_c_is_refused_as_not_implemented(s3, bucket):
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
        "BlockedEncryptionTypes": {"EncryptionType": ["NONE"]},
    }]})
    [rule] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["BlockedEncryptionTypes"] == {"EncryptionType": ["NONE"]}
    expect_client_error(s3.put_object, "NotImplemented", 501, Bucket=bucket, Key="k", Body=b"x", **customer_key_args())
    assert keys_in(s3, bucket) == []
    # Deleting the configuration blocks SSE-C again.
    s3.delete_bucket_encryption(Bucket=bucket)
    expect_client_error(s3.put_object, "AccessDenied", 403, Bucket=bucket, Key="k", Body=b"x", **customer_key_args())


@pytest.mark.minis3_only  # moto ignores a key given for an object stored without one
def test_a_customer_key_for_an_object_without_one_is_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="plain", Body=b"plain")
    expect_client_error(s3.get_object, "InvalidRequest", 400, Bucket=bucket, Key="plain", **customer_key_args())
    expect_client_error(s3.copy_object, "InvalidRequest", 400, Bucket=bucket, Key="copy",
                        CopySource={"Bucket": bucket, "Key": "plain"}, **customer_key_args("CopySourceSSECustomer"))
    assert keys_in(s3, bucket) == ["plain"]
    assert s3.get_object(Bucket=bucket, Key="plain")["Body"].read() == b"plain"


# -- the aws CLI ------------------------------------------------------------------------------------------


def cli_head(cli, bucket, key) -> dict:
    return json.loads(cli.run("s3api", "head-object", "--bucket", bucket, "--key", key).stdout_text)


def test_cli_cp_small_file_with_sse_and_class(cli, s3, bucket, tmp_path):
    data = b"small file, one PUT\n" * 10
    src = tmp_path / "small.txt"
    src.write_bytes(data)
    cli.run("s3", "cp", "--no-progress", "--sse", "AES256", "--storage-class", "ONEZONE_IA",
            str(src), f"s3://{bucket}/small.txt")

    head = cli_head(cli, bucket, "small.txt")
    assert head["ETag"] == md5_etag(data)
    assert head["StorageClass"] == "ONEZONE_IA"
    assert head["ServerSideEncryption"] == "AES256"
    assert "SSEKMSKeyId" not in head and "BucketKeyEnabled" not in head
    listed = json.loads(cli.run("s3api", "list-objects-v2", "--bucket", bucket).stdout_text)
    assert [(o["Key"], o["StorageClass"]) for o in listed["Contents"]] == [("small.txt", "ONEZONE_IA")]
    assert s3.get_object(Bucket=bucket, Key="small.txt")["Body"].read() == data


def test_cli_multipart_cp_with_kms_and_class(cli, s3, bucket, tmp_path):
    data = os.urandom(CLI_MULTIPART_CHUNK + MiB + 17)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    cli.run("s3", "cp", "--no-progress", "--sse", "aws:kms", "--sse-kms-key-id", KEY_ID,
            "--storage-class", "STANDARD_IA", str(src), f"s3://{bucket}/big.bin")

    head = cli_head(cli, bucket, "big.bin")
    # It really went through a multipart upload: the ETag of two parts.
    assert head["ETag"] == multipart_etag(split_parts(data, CLI_MULTIPART_CHUNK))
    assert head["ContentLength"] == len(data)
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == KEY_ID
    assert "BucketKeyEnabled" not in head
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["StorageClass"]) for o in listed] == [("big.bin", "STANDARD_IA")]

    dst = tmp_path / "back.bin"
    cli.run("s3", "cp", "--no-progress", f"s3://{bucket}/big.bin", str(dst))
    assert dst.read_bytes() == data


def test_cli_bucket_encryption_round_trip(cli, s3, bucket, tmp_path):
    config = {
        "Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ID},
            "BucketKeyEnabled": True,
        }]
    }
    cli.run("s3api", "put-bucket-encryption", "--bucket", bucket,
            "--server-side-encryption-configuration", json.dumps(config))
    got = json.loads(cli.run("s3api", "get-bucket-encryption", "--bucket", bucket).stdout_text)
    assert default_encryption(got["ServerSideEncryptionConfiguration"]["Rules"]) == config["Rules"]

    # The CLI's own uploads then carry the default.
    src = tmp_path / "f.txt"
    src.write_bytes(b"defaulted")
    cli.run("s3", "cp", "--no-progress", str(src), f"s3://{bucket}/f.txt")
    head = cli_head(cli, bucket, "f.txt")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"], head["BucketKeyEnabled"]) == ("aws:kms", KEY_ID, True)
    assert sse_headers(s3.head_object(Bucket=bucket, Key="f.txt")) == expected_sse("aws:kms", KEY_ID, bucket_key=True)


@pytest.mark.minis3_only  # moto has no default configuration to return to
def test_cli_delete_bucket_encryption(cli, bucket):
    cli.run("s3api", "put-bucket-encryption", "--bucket", bucket, "--server-side-encryption-configuration",
            json.dumps({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse"}}]}))
    cli.run("s3api", "delete-bucket-encryption", "--bucket", bucket)
    got = json.loads(cli.run("s3api", "get-bucket-encryption", "--bucket", bucket).stdout_text)
    assert default_encryption(got["ServerSideEncryptionConfiguration"]["Rules"]) == DEFAULT_BUCKET_RULES


# -- durability ----------------------------------------------------------------------------------------------


@pytest.mark.minis3_only  # a server of its own, restarted
def test_classes_and_encryption_survive_a_restart(tmp_path):
    srv = Server(tmp_path / "data").start()
    try:
        s3 = s3_client(srv.url)
        bucket, kms_bucket = bucket_name("durable-sse"), bucket_name("durable-kms-default")
        for name in (bucket, kms_bucket):
            s3.create_bucket(Bucket=name)
        put_bucket_encryption(s3, kms_bucket, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ID}, True)
        s3.put_object(Bucket=bucket, Key="ia-kms", Body=b"1", StorageClass="STANDARD_IA",
                      ServerSideEncryption="aws:kms", SSEKMSKeyId=OTHER_KEY_ID, BucketKeyEnabled=True)
        s3.put_object(Bucket=bucket, Key="deep-dsse", Body=b"2", StorageClass="DEEP_ARCHIVE",
                      ServerSideEncryption="aws:kms:dsse")
        s3.put_object(Bucket=bucket, Key="plain", Body=b"3")
        s3.put_object(Bucket=kms_bucket, Key="defaulted", Body=b"4", StorageClass="GLACIER_IR")
        upload_id = s3.create_multipart_upload(
            Bucket=bucket, Key="pending", StorageClass="ONEZONE_IA", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ID,
        )["UploadId"]
        expected = {
            (bucket, "ia-kms"): ("STANDARD_IA", expected_sse("aws:kms", OTHER_KEY_ID, bucket_key=True)),
            (bucket, "deep-dsse"): ("DEEP_ARCHIVE", expected_sse("aws:kms:dsse")),
            (bucket, "plain"): (None, expected_sse("AES256")),
            (kms_bucket, "defaulted"): ("GLACIER_IR", expected_sse("aws:kms", KEY_ID, bucket_key=True)),
        }

        assert srv.stop() == 0
        srv = Server(srv.data_dir).start()
        s3 = s3_client(srv.url)

        for (b, key), (storage_class, sse) in expected.items():
            head = s3.head_object(Bucket=b, Key=key)
            assert headers(head).get(CLASS) == storage_class, (b, key)
            assert sse_headers(head) == sse, (b, key)
        listed = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
        assert listed == {"ia-kms": "STANDARD_IA", "deep-dsse": "DEEP_ARCHIVE", "plain": "STANDARD"}
        assert bucket_rules(s3, kms_bucket) == [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ID},
            "BucketKeyEnabled": True,
        }]
        assert bucket_rules(s3, bucket) == DEFAULT_BUCKET_RULES
        assert sse_headers(s3.put_object(Bucket=kms_bucket, Key="after", Body=b"5")) == expected_sse(
            "aws:kms", KEY_ID, bucket_key=True
        )

        [upload] = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
        assert (upload["UploadId"], upload["StorageClass"]) == (upload_id, "ONEZONE_IA")
        part = s3.upload_part(Bucket=bucket, Key="pending", UploadId=upload_id, PartNumber=1, Body=b"late part")
        assert sse_headers(part) == expected_sse("aws:kms", KEY_ID)
        completed = s3.complete_multipart_upload(
            Bucket=bucket, Key="pending", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
        )
        assert sse_headers(completed) == expected_sse("aws:kms", KEY_ID)
        head = s3.head_object(Bucket=bucket, Key="pending")
        assert head["StorageClass"] == "ONEZONE_IA"
        assert sse_headers(head) == expected_sse("aws:kms", KEY_ID)
    finally:
        srv.stop()
