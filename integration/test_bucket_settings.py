"""Bucket tagging (Put/Get/DeleteBucketTagging, 50 tags where objects take 10) and the bucket
settings minis3 does not keep (website, replication, object lock,
accelerate, request payment, logging, notifications; and ownership controls, public access
block, policy and lifecycle until one is put): read through boto3 and the aws CLI, they answer as S3 does for a bucket
never given them, which is what SDKs and infrastructure tools look at first."""

import json

import pytest

from support import expect_client_error, signed_request


def tags_of(s3, bucket):
    return s3.get_bucket_tagging(Bucket=bucket)["TagSet"]


def test_bucket_tags_round_trip_and_go(s3, bucket):
    expect_client_error(s3.get_bucket_tagging, "NoSuchTagSet", 404, Bucket=bucket)
    tags = [{"Key": f"k{i}", "Value": f"v{i}"} for i in range(50)]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    assert sorted(tags_of(s3, bucket), key=lambda t: int(t["Key"][1:])) == tags
    # A new set replaces the old one whole.
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "storage"}]})
    assert tags_of(s3, bucket) == [{"Key": "team", "Value": "storage"}]
    s3.delete_bucket_tagging(Bucket=bucket)
    expect_client_error(s3.get_bucket_tagging, "NoSuchTagSet", 404, Bucket=bucket)


@pytest.mark.minis3_only  # moto takes more than 50 tags and keys over 128 characters
@pytest.mark.parametrize(
    "tag_set",
    [
        [{"Key": f"k{i}", "Value": "v"} for i in range(51)],
        [{"Key": "aws:reserved", "Value": "v"}],
        [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}],
        [{"Key": "k" * 129, "Value": "v"}],
    ],
    ids=["51-tags", "aws-prefix", "duplicate", "long-key"],
)
def test_invalid_bucket_tags_change_nothing(s3, bucket, tag_set):
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "kept", "Value": "yes"}]})
    expect_client_error(s3.put_bucket_tagging, "InvalidTag", 400, Bucket=bucket, Tagging={"TagSet": tag_set})
    assert tags_of(s3, bucket) == [{"Key": "kept", "Value": "yes"}]


def test_bucket_tags_through_the_cli(cli, s3, bucket):
    cli.run("s3api", "put-bucket-tagging", "--bucket", bucket,
            "--tagging", "TagSet=[{Key=env,Value=ci},{Key=owner,Value=me}]")
    out = json.loads(cli.run("s3api", "get-bucket-tagging", "--bucket", bucket).stdout_text)
    assert sorted(out["TagSet"], key=lambda t: t["Key"]) == [
        {"Key": "env", "Value": "ci"}, {"Key": "owner", "Value": "me"},
    ]
    cli.run("s3api", "delete-bucket-tagging", "--bucket", bucket)
    expect_client_error(s3.get_bucket_tagging, "NoSuchTagSet", 404, Bucket=bucket)


ABSENT = [
    ("get_bucket_policy", "NoSuchBucketPolicy"),
    ("get_bucket_policy_status", "NoSuchBucketPolicy"),
    ("get_bucket_website", "NoSuchWebsiteConfiguration"),
    ("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration"),
    ("get_bucket_replication", "ReplicationConfigurationNotFoundError"),
    ("get_object_lock_configuration", "ObjectLockConfigurationNotFoundError"),
    ("get_public_access_block", "NoSuchPublicAccessBlockConfiguration"),
    ("get_bucket_ownership_controls", "OwnershipControlsNotFoundError"),  # until one is put
]


@pytest.mark.minis3_only  # moto answers policy status, object lock and public access block otherwise
@pytest.mark.parametrize("operation,code", ABSENT, ids=[op for op, _ in ABSENT])
def test_unkept_settings_read_as_never_configured(s3, bucket, operation, code):
    err = expect_client_error(getattr(s3, operation), code, 404, Bucket=bucket)
    assert err["Error"]["BucketName"] == bucket


@pytest.mark.minis3_only  # moto leaves out the request payer
def test_settings_every_bucket_has_read_as_their_defaults(s3, bucket):
    accelerate = s3.get_bucket_accelerate_configuration(Bucket=bucket)
    assert "Status" not in accelerate
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    notification = s3.get_bucket_notification_configuration(Bucket=bucket)
    for kind in ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations"):
        assert notification.get(kind, []) == []


@pytest.mark.minis3_only  # moto accepts these configurations
def test_changing_an_unkept_setting_is_not_implemented(s3, bucket):
    expect_client_error(s3.put_bucket_website, "NotImplemented", 501, Bucket=bucket,
                        WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    expect_client_error(s3.get_bucket_website, "NoSuchWebsiteConfiguration", 404, Bucket=bucket)


def test_settings_of_a_missing_bucket(s3):
    for operation in ("get_bucket_tagging", "get_bucket_policy", "get_bucket_logging"):
        expect_client_error(getattr(s3, operation), "NoSuchBucket", 404, Bucket="minis3-no-such-bucket")


@pytest.mark.minis3_only  # moto takes these bodies without an integrity header
@pytest.mark.parametrize("method,query", [("PUT", "tagging"), ("PUT", "cors"), ("POST", "delete")])
def test_configuration_bodies_need_content_md5_or_a_checksum(server, s3, bucket, method, query):
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "kept", "Value": "yes"}]})
    body = b"<Tagging><TagSet><Tag><Key>new</Key><Value>v</Value></Tag></TagSet></Tagging>"
    resp, _ = signed_request(method, f"{server.url}/{bucket}?{query}", body=body)
    assert resp.status_code == 400, resp.text
    assert "<Code>InvalidRequest</Code>" in resp.text
    assert "Content-MD5" in resp.text
    assert tags_of(s3, bucket) == [{"Key": "kept", "Value": "yes"}]
