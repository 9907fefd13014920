"""Bucket operations through boto3: lifecycle, naming rules and each bucket error code."""

import datetime
import uuid

import pytest

from support import bucket_name, expect_client_error


def test_bucket_lifecycle(s3):
    name = bucket_name("lifecycle")
    created = s3.create_bucket(Bucket=name)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200

    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200

    listed = s3.list_buckets()["Buckets"]
    names = [b["Name"] for b in listed]
    assert name in names
    created_at = next(b["CreationDate"] for b in listed if b["Name"] == name)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - created_at).total_seconds()) < 300, f"CreationDate {created_at} is not about now ({now})"

    # us-east-1 buckets report an empty LocationConstraint, which boto3 turns into None.
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None

    deleted = s3.delete_bucket(Bucket=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_client_error(s3.head_bucket, "404", 404, Bucket=name)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.minis3_only
def test_list_buckets_is_in_name_order(s3):
    made = [bucket_name(prefix) for prefix in ("zz-order", "aa-order", "mm-order")]
    for name in made:
        s3.create_bucket(Bucket=name)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert names == sorted(names)
    assert set(made) <= set(names)


def test_bucket_is_usable_after_create(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    # An object in another bucket stays invisible here.
    other = bucket_name("other")
    s3.create_bucket(Bucket=other)
    assert s3.list_objects_v2(Bucket=other)["KeyCount"] == 0
    expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=other, Key="k")


@pytest.mark.minis3_only
@pytest.mark.parametrize(
    "name",
    [
        "UPPER",
        "ab",
        "-x",
        "a..b",
        "192.168.0.1",
        "a" * 64,
        "ends-with-hyphen-",
        "under_score",
    ],
)
def test_invalid_bucket_names_are_rejected(s3, name):
    expect_client_error(s3.create_bucket, "InvalidBucketName", 400, Bucket=name)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize(
    "make_name",
    [
        lambda: "a" + uuid.uuid4().hex[:2],  # 3 characters, the minimum
        lambda: ("m" + uuid.uuid4().hex * 2)[:63],  # 63 characters, the maximum
        lambda: f"dotted.name.{uuid.uuid4().hex[:8]}",
        lambda: f"0digits-{uuid.uuid4().hex[:8]}",
    ],
    ids=["min-length", "max-length", "dots", "leading-digit"],
)
def test_valid_edge_bucket_names_are_accepted(s3, make_name):
    name = make_name()
    s3.create_bucket(Bucket=name)
    s3.head_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="x", Body=b"1")
    assert s3.list_objects_v2(Bucket=name)["Contents"][0]["Key"] == "x"


@pytest.mark.minis3_only
def test_create_existing_bucket_is_already_owned_by_you(s3, bucket):
    # AWS answers 200 here in us-east-1 only, for legacy reasons; minis3 answers like every other
    # region, which is what its spec asks for (and what moto, mimicking us-east-1, does not do).
    s3.put_object(Bucket=bucket, Key="keep", Body=b"still here")
    expect_client_error(s3.create_bucket, "BucketAlreadyOwnedByYou", 409, Bucket=bucket)
    # The failed create must not have reset the bucket.
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"still here"


def test_missing_bucket_is_no_such_bucket(s3):
    name = bucket_name("missing")
    expect_client_error(s3.head_bucket, "404", 404, Bucket=name)
    expect_client_error(s3.list_objects_v2, "NoSuchBucket", 404, Bucket=name)
    expect_client_error(s3.list_objects, "NoSuchBucket", 404, Bucket=name)
    expect_client_error(s3.get_object, "NoSuchBucket", 404, Bucket=name, Key="k")
    expect_client_error(s3.put_object, "NoSuchBucket", 404, Bucket=name, Key="k", Body=b"x")
    expect_client_error(s3.delete_bucket, "NoSuchBucket", 404, Bucket=name)
    expect_client_error(s3.get_bucket_location, "NoSuchBucket", 404, Bucket=name)
    # PUT into a missing bucket must not create it.
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_delete_non_empty_bucket_is_bucket_not_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="dir/obj", Body=b"x")
    expect_client_error(s3.delete_bucket, "BucketNotEmpty", 409, Bucket=bucket)
    s3.head_bucket(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="dir/obj")["Body"].read() == b"x"

    s3.delete_object(Bucket=bucket, Key="dir/obj")
    s3.delete_bucket(Bucket=bucket)
    expect_client_error(s3.head_bucket, "404", 404, Bucket=bucket)


def test_recreated_bucket_starts_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="old", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="old")
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="old")
