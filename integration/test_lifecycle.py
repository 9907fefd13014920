"""Bucket lifecycle configuration through boto3 and the aws CLI: Put/Get/DeleteBucketLifecycleConfiguration
(every filter form and action read back as put, `x-amz-transition-default-minimum-object-size`, S3's
refusals, each shown to leave the previous configuration in place) and the rules carried out by
`minis3 admin lifecycle run --as-of TIME` on a server of the test's own: expiry at the midnight
UTC after the days, transitions to colder classes (128 KiB minimum), unfinished uploads aborted,
and the configuration kept across a restart."""

import base64
import datetime
import hashlib
import json

import pytest
import requests

from support import (
    HTTP_TIMEOUT,
    Server,
    bucket_name,
    expect_client_error,
    minis3_admin,
    s3_client,
    s3_error,
    signed_request,
)

UTC = datetime.timezone.utc
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)
KIB128 = 128 * 1024
MINIMUM_SIZE_HEADER = "x-amz-transition-default-minimum-object-size"

KEPT = [{"ID": "kept", "Filter": {"Prefix": "kept/"}, "Status": "Enabled", "Expiration": {"Days": 3}}]


def put_rules(s3, bucket, rules, **kwargs):
    return s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules}, **kwargs)


def rules_of(s3, bucket):
    return s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]


def put_raw(server, bucket, document: bytes, headers=None, content_md5=True):
    """A signed PutBucketLifecycleConfiguration with `document` as the body, as boto3 would not send it."""
    headers = dict(headers or {})
    if content_md5:
        headers["Content-MD5"] = base64.b64encode(hashlib.md5(document).digest()).decode()
    resp, _ = signed_request("PUT", f"{server.url}/{bucket}?lifecycle", body=document, headers=headers)
    return resp


def rule_xml(inner: str) -> bytes:
    return f"<LifecycleConfiguration><Rule>{inner}</Rule></LifecycleConfiguration>".encode()


# -- storing and answering configurations ------------------------------------------------------

ROUND_TRIPS = [
    pytest.param({"ID": "legacy", "Prefix": "logs/", "Status": "Enabled", "Expiration": {"Days": 7}}, id="legacy-prefix"),
    pytest.param(
        {"ID": "all", "Filter": {}, "Status": "Disabled",
         "Expiration": {"Date": datetime.datetime(2031, 3, 1, tzinfo=UTC)}},
        id="empty-filter-date-disabled",
    ),
    pytest.param(
        {"ID": "markers", "Filter": {"Prefix": "x/"}, "Status": "Enabled",
         "Expiration": {"ExpiredObjectDeleteMarker": True}},
        id="prefix-delete-marker",
    ),
    pytest.param(
        {"ID": "tiers", "Filter": {"Tag": {"Key": "tier", "Value": "cold"}}, "Status": "Enabled",
         "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"},
                         {"Days": 180, "StorageClass": "DEEP_ARCHIVE"}]},
        id="tag-transitions",
    ),
    pytest.param(
        {"ID": "dated", "Filter": {"Prefix": "d/"}, "Status": "Enabled",
         "Transitions": [{"Date": datetime.datetime(2030, 6, 1, tzinfo=UTC), "StorageClass": "GLACIER_IR"}],
         "Expiration": {"Date": datetime.datetime(2031, 1, 1, tzinfo=UTC)}},
        id="date-transition-and-expiration",
    ),
    pytest.param(
        {"ID": "and", "Filter": {"And": {"Prefix": "p/", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}},
         "Status": "Enabled", "Expiration": {"Days": 10}},
        id="and-prefix-tags",
    ),
    pytest.param(
        {"ID": "uploads", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled",
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
        id="abort-uploads",
    ),
    pytest.param(
        {"ID": "nc-transition", "Filter": {}, "Status": "Enabled",
         "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "GLACIER", "NewerNoncurrentVersions": 3}]},
        id="noncurrent-transition",
    ),
    # moto drops ObjectSizeGreaterThan / ObjectSizeLessThan and NewerNoncurrentVersions of expirations.
    pytest.param(
        {"ID": "big", "Filter": {"ObjectSizeGreaterThan": 1024}, "Status": "Enabled",
         "Transitions": [{"Days": 0, "StorageClass": "GLACIER"}]},
        id="size-greater-than", marks=pytest.mark.minis3_only,
    ),
    pytest.param(
        {"ID": "small", "Filter": {"ObjectSizeLessThan": 4096}, "Status": "Enabled", "Expiration": {"Days": 2}},
        id="size-less-than", marks=pytest.mark.minis3_only,
    ),
    pytest.param(
        {"ID": "and-sizes", "Filter": {"And": {"Prefix": "s/", "Tags": [{"Key": "k", "Value": "v"}],
                                               "ObjectSizeGreaterThan": 10, "ObjectSizeLessThan": 1000}},
         "Status": "Enabled", "Expiration": {"Days": 5}},
        id="and-sizes", marks=pytest.mark.minis3_only,
    ),
    pytest.param(
        {"ID": "nc-expiration", "Filter": {}, "Status": "Enabled",
         "NoncurrentVersionExpiration": {"NoncurrentDays": 5, "NewerNoncurrentVersions": 2}},
        id="noncurrent-expiration", marks=pytest.mark.minis3_only,
    ),
]


@pytest.mark.parametrize("rule", ROUND_TRIPS)
def test_every_rule_form_reads_back_as_put(s3, bucket, rule):
    put_rules(s3, bucket, [rule])
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["Rules"] == [rule]
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"


def test_rules_keep_their_order_and_a_put_replaces_them_all(s3, bucket):
    rules = [
        {"ID": "z-last-name-first", "Filter": {"Prefix": "a/"}, "Status": "Enabled", "Expiration": {"Days": 1}},
        {"ID": "a-first-name-second", "Prefix": "b/", "Status": "Disabled", "Expiration": {"Days": 2}},
        {"ID": "m", "Filter": {"Tag": {"Key": "k", "Value": "v"}}, "Status": "Enabled",
         "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]},
    ]
    put_rules(s3, bucket, rules)
    assert rules_of(s3, bucket) == rules
    replacement = [{"ID": "only", "Filter": {"Prefix": "c/"}, "Status": "Enabled",
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]
    put_rules(s3, bucket, replacement)
    assert rules_of(s3, bucket) == replacement


def test_delete_then_get_is_no_such_lifecycle_configuration(s3, bucket):
    expect_client_error(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", 404, Bucket=bucket)
    put_rules(s3, bucket, KEPT)
    assert rules_of(s3, bucket) == KEPT
    resp = s3.delete_bucket_lifecycle(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    err = expect_client_error(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", 404,
                              Bucket=bucket)
    assert err["Error"]["BucketName"] == bucket
    # Deleting what is not there is still 204, as on S3.
    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_a_missing_bucket_is_no_such_bucket(s3):
    missing = bucket_name("missing")
    expect_client_error(put_rules, "NoSuchBucket", 404, s3=s3, bucket=missing, rules=KEPT)
    expect_client_error(s3.get_bucket_lifecycle_configuration, "NoSuchBucket", 404, Bucket=missing)
    expect_client_error(s3.delete_bucket_lifecycle, "NoSuchBucket", 404, Bucket=missing)
    expect_client_error(s3.head_bucket, "404", 404, Bucket=missing)


@pytest.mark.minis3_only  # moto leaves out the minimum-size header on Put and ignores the one sent
def test_the_minimum_object_size_setting_is_answered_and_kept(s3, bucket):
    put = put_rules(s3, bucket, KEPT)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert put["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"

    put = put_rules(s3, bucket, KEPT, TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    assert put["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    assert got["ResponseMetadata"]["HTTPHeaders"][MINIMUM_SIZE_HEADER] == "varies_by_storage_class"

    err = expect_client_error(put_rules, "InvalidArgument", 400, s3=s3, bucket=bucket,
                              rules=[{"ID": "new", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 9}}],
                              TransitionDefaultMinimumObjectSize="all_storage_classes_64K")
    assert err["Error"]["ArgumentName"] == MINIMUM_SIZE_HEADER
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["Rules"] == KEPT
    assert got["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"

    # A Put without the header goes back to the default.
    put = put_rules(s3, bucket, KEPT, TransitionDefaultMinimumObjectSize="all_storage_classes_128K")
    assert put["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    put_rules(s3, bucket, KEPT, TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    put_rules(s3, bucket, KEPT)
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["TransitionDefaultMinimumObjectSize"] == \
        "all_storage_classes_128K"


@pytest.mark.minis3_only  # moto gives a rule sent without an ID none
def test_rules_without_an_id_get_distinct_made_up_ones(s3, bucket):
    put_rules(s3, bucket, [
        {"Filter": {"Prefix": "a/"}, "Status": "Enabled", "Expiration": {"Days": 1}},
        {"Filter": {"Prefix": "b/"}, "Status": "Enabled", "Expiration": {"Days": 2}},
        {"ID": "", "Filter": {"Prefix": "c/"}, "Status": "Enabled", "Expiration": {"Days": 3}},
    ])
    rules = rules_of(s3, bucket)
    ids = [r["ID"] for r in rules]
    assert all(ids) and all(len(i) <= 255 for i in ids), ids
    assert len(set(ids)) == 3, ids
    assert [r["Filter"]["Prefix"] for r in rules] == ["a/", "b/", "c/"]
    # The made-up IDs are kept: the configuration reads back the same.
    assert rules_of(s3, bucket) == rules


@pytest.mark.minis3_only  # moto takes configuration bodies without an integrity header
def test_put_needs_content_md5_or_a_checksum(server, s3, bucket):
    put_rules(s3, bucket, KEPT)
    document = rule_xml("<ID>new</ID><Filter/><Status>Enabled</Status><Expiration><Days>9</Days></Expiration>")
    resp = put_raw(server, bucket, document, content_md5=False)
    assert resp.status_code == 400, resp.text
    err = s3_error(resp)
    assert err["Code"] == "InvalidRequest" and "Content-MD5" in err["Message"], err
    resp = put_raw(server, bucket, document, headers={"Content-MD5": base64.b64encode(b"0" * 16).decode()},
                   content_md5=False)
    assert (resp.status_code, s3_error(resp)["Code"]) == (400, "BadDigest")
    assert rules_of(s3, bucket) == KEPT
    resp = put_raw(server, bucket, document)
    assert resp.status_code == 200, resp.text
    assert resp.headers[MINIMUM_SIZE_HEADER] == "all_storage_classes_128K"
    assert [r["ID"] for r in rules_of(s3, bucket)] == ["new"]


def test_the_cli_puts_gets_and_deletes_a_configuration(cli, s3, bucket, tmp_path):
    configuration = {"Rules": [
        {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled",
         "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}], "Expiration": {"Days": 365}},
        {"ID": "uploads", "Filter": {"Prefix": ""}, "Status": "Enabled",
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
    ]}
    path = tmp_path / "lifecycle.json"
    path.write_text(json.dumps(configuration))
    cli.run("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
            "--lifecycle-configuration", f"file://{path}")
    out = json.loads(cli.run("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket).stdout_text)
    assert out["Rules"] == configuration["Rules"]
    assert out["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    assert rules_of(s3, bucket) == configuration["Rules"]
    cli.run("s3api", "delete-bucket-lifecycle", "--bucket", bucket)
    gone = cli.run("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket, check=False)
    assert gone.returncode != 0 and "NoSuchLifecycleConfiguration" in gone.stderr_text, gone.stderr_text
    expect_client_error(s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", 404, Bucket=bucket)


@pytest.mark.minis3_only  # moto has no transition-default-minimum-object-size option to follow
def test_the_cli_sends_the_minimum_object_size_setting(cli, s3, bucket, tmp_path):
    path = tmp_path / "lifecycle.json"
    path.write_text(json.dumps({"Rules": KEPT}))
    put = cli.run("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
                  "--lifecycle-configuration", f"file://{path}",
                  "--transition-default-minimum-object-size", "varies_by_storage_class")
    assert json.loads(put.stdout_text)["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    out = json.loads(cli.run("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket).stdout_text)
    assert out == {"Rules": KEPT, "TransitionDefaultMinimumObjectSize": "varies_by_storage_class"}


# -- refusals -------------------------------------------------------------------------------------

E1 = {"Expiration": {"Days": 1}}


def one(rule):
    return [{"ID": "bad", "Filter": {}, "Status": "Enabled", **rule}]


POSITIVE_DAYS = "'Days' for Expiration action must be a positive integer"
IA_30 = "'Days' in Transition action must be greater than or equal to 30 for storageClass '{}'"
AFTER_TRANSITION = "'Days' in the Expiration action must be greater than 'Days' in the Transition action"
NEWER = "'NewerNoncurrentVersions' must be between 1 and 100"
AND_SIZES = "ObjectSizeGreaterThan must be less than ObjectSizeLessThan in the And of a lifecycle filter"

REFUSED = [
    # (rules sent through boto3, code, message or None)
    ("no-rules", [], "MalformedXML", None),
    ("status-neither", [{"ID": "bad", "Filter": {}, "Status": "On", **E1}], "MalformedXML", None),
    ("prefix-and-filter", [{"ID": "bad", "Prefix": "a/", "Filter": {"Prefix": "a/"}, "Status": "Enabled", **E1}],
     "MalformedXML", None),
    ("neither-prefix-nor-filter", [{"ID": "bad", "Status": "Enabled", **E1}], "MalformedXML", None),
    ("two-filter-elements", [{"ID": "bad", "Filter": {"Prefix": "a/", "ObjectSizeLessThan": 5}, "Status": "Enabled",
                              **E1}], "MalformedXML", None),
    ("tag-and-prefix-filter", [{"ID": "bad", "Filter": {"Prefix": "a/", "Tag": {"Key": "k", "Value": "v"}},
                                "Status": "Enabled", **E1}], "MalformedXML", None),
    ("no-action", one({}), "InvalidRequest", "At least one action needs to be specified in a rule"),
    ("days-0", one({"Expiration": {"Days": 0}}), "InvalidArgument", POSITIVE_DAYS),
    ("days-negative", one({"Expiration": {"Days": -3}}), "InvalidArgument", POSITIVE_DAYS),
    ("date-not-midnight", one({"Expiration": {"Date": datetime.datetime(2031, 1, 1, 12, tzinfo=UTC)}}),
     "InvalidArgument", "'Date' must be at midnight GMT"),
    ("transition-date-not-midnight",
     one({"Transitions": [{"Date": datetime.datetime(2031, 1, 1, 0, 0, 1, tzinfo=UTC), "StorageClass": "GLACIER"}]}),
     "InvalidArgument", "'Date' must be at midnight GMT"),
    ("date-and-days", one({"Expiration": {"Days": 3, "Date": datetime.datetime(2031, 1, 1, tzinfo=UTC)}}),
     "MalformedXML", None),
    ("duplicate-ids", [{"ID": "same", "Filter": {"Prefix": "a/"}, "Status": "Enabled", **E1},
                       {"ID": "same", "Filter": {"Prefix": "b/"}, "Status": "Enabled", **E1}],
     "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule"),
    ("id-256-characters", [{"ID": "i" * 256, "Filter": {}, "Status": "Enabled", **E1}],
     "InvalidArgument", "ID length should not exceed allowed limit of 255"),
    ("standard-ia-29-days", one({"Transitions": [{"Days": 29, "StorageClass": "STANDARD_IA"}]}),
     "InvalidArgument", IA_30.format("STANDARD_IA")),
    ("onezone-ia-0-days", one({"Transitions": [{"Days": 0, "StorageClass": "ONEZONE_IA"}]}),
     "InvalidArgument", IA_30.format("ONEZONE_IA")),
    ("unknown-class", one({"Transitions": [{"Days": 40, "StorageClass": "CHEAP"}]}), "InvalidStorageClass", None),
    ("standard-target", one({"Transitions": [{"Days": 40, "StorageClass": "STANDARD"}]}), "InvalidRequest", None),
    ("same-class-twice", one({"Transitions": [{"Days": 40, "StorageClass": "GLACIER"},
                                              {"Days": 90, "StorageClass": "GLACIER"}]}),
     "InvalidRequest", "'StorageClass' must be different for 'Transition' actions in same 'Rule'"),
    ("expiration-before-transition", one({"Expiration": {"Days": 10},
                                          "Transitions": [{"Days": 40, "StorageClass": "GLACIER"}]}),
     "InvalidArgument", AFTER_TRANSITION),
    ("expiration-with-transition", one({"Expiration": {"Days": 90},
                                        "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"},
                                                        {"Days": 90, "StorageClass": "GLACIER"}]}),
     "InvalidArgument", AFTER_TRANSITION),
    ("mixed-date-and-days", one({"Expiration": {"Days": 100},
                                 "Transitions": [{"Date": datetime.datetime(2031, 1, 1, tzinfo=UTC),
                                                  "StorageClass": "GLACIER"}]}),
     "InvalidRequest", "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule"),
    ("abort-with-tag", [{"ID": "bad", "Filter": {"Tag": {"Key": "k", "Value": "v"}}, "Status": "Enabled",
                         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}],
     "InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags."),
    ("abort-with-and-tags", [{"ID": "bad", "Filter": {"And": {"Prefix": "p/", "Tags": [{"Key": "k", "Value": "v"}]}},
                              "Status": "Enabled", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}],
     "InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags."),
    ("abort-0-days", one({"AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 0}}), "InvalidArgument",
     "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"),
    ("delete-marker-with-tag", [{"ID": "bad", "Filter": {"Tag": {"Key": "k", "Value": "v"}}, "Status": "Enabled",
                                 "Expiration": {"ExpiredObjectDeleteMarker": True}}],
     "InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with object tags in a lifecycle rule"),
    ("newer-versions-0", one({"NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 0}}),
     "InvalidArgument", NEWER),
    ("newer-versions-101", one({"NoncurrentVersionExpiration": {"NoncurrentDays": 1,
                                                                "NewerNoncurrentVersions": 101}}),
     "InvalidArgument", NEWER),
    ("newer-versions-transition-101",
     one({"NoncurrentVersionTransitions": [{"NoncurrentDays": 1, "StorageClass": "GLACIER",
                                            "NewerNoncurrentVersions": 101}]}),
     "InvalidArgument", NEWER),
    ("noncurrent-days-0", one({"NoncurrentVersionExpiration": {"NoncurrentDays": 0}}), "InvalidArgument",
     "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"),
    ("tag-aws-prefix", [{"ID": "bad", "Filter": {"Tag": {"Key": "aws:owner", "Value": "v"}}, "Status": "Enabled",
                         **E1}], "InvalidTag", None),
    ("tag-key-129", [{"ID": "bad", "Filter": {"Tag": {"Key": "k" * 129, "Value": "v"}}, "Status": "Enabled", **E1}],
     "InvalidTag", None),
    ("tag-value-257", [{"ID": "bad", "Filter": {"Tag": {"Key": "k", "Value": "v" * 257}}, "Status": "Enabled",
                        **E1}], "InvalidTag", None),
    ("and-duplicate-tag-keys", [{"ID": "bad", "Filter": {"And": {"Tags": [{"Key": "k", "Value": "1"},
                                                                          {"Key": "k", "Value": "2"}]}},
                                 "Status": "Enabled", **E1}], "InvalidTag", None),
    ("and-sizes-crossed", [{"ID": "bad", "Filter": {"And": {"Prefix": "p/", "ObjectSizeGreaterThan": 9,
                                                            "ObjectSizeLessThan": 5}}, "Status": "Enabled", **E1}],
     "InvalidArgument", AND_SIZES),
    ("and-sizes-equal", [{"ID": "bad", "Filter": {"And": {"Prefix": "p/", "ObjectSizeGreaterThan": 5,
                                                          "ObjectSizeLessThan": 5}}, "Status": "Enabled", **E1}],
     "InvalidArgument", AND_SIZES),
    ("one-bad-rule-among-good", [*KEPT, {"ID": "bad", "Filter": {}, "Status": "Enabled",
                                         "Expiration": {"Days": 0}}], "InvalidArgument", POSITIVE_DAYS),
]


@pytest.mark.minis3_only  # moto stores every one of these configurations
@pytest.mark.parametrize("rules,code,message", [pytest.param(*c[1:], id=c[0]) for c in REFUSED])
def test_refused_configurations_change_nothing(s3, bucket, rules, code, message):
    put_rules(s3, bucket, KEPT, TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    err = expect_client_error(put_rules, code, 400, s3=s3, bucket=bucket, rules=rules)
    if message is not None:
        assert err["Error"]["Message"] == message
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["Rules"] == KEPT
    assert got["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"


RAW_REFUSED = [
    # Bodies botocore will not build: a rule without Status, numbers that are not numbers.
    ("no-status", rule_xml("<ID>bad</ID><Filter/><Expiration><Days>1</Days></Expiration>"), "MalformedXML", None),
    ("days-not-a-number", rule_xml("<ID>bad</ID><Filter/><Status>Enabled</Status><Expiration><Days>ten</Days>"
                                   "</Expiration>"), "InvalidArgument", POSITIVE_DAYS),
    ("date-not-a-date", rule_xml("<ID>bad</ID><Filter/><Status>Enabled</Status><Expiration><Date>someday</Date>"
                                 "</Expiration>"), "InvalidArgument", None),
    ("size-negative", rule_xml("<ID>bad</ID><Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan></Filter>"
                               "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"),
     "InvalidArgument", None),
    ("not-xml", b"<LifecycleConfiguration><Rule>", "MalformedXML", None),
    ("wrong-root", b"<Tagging><TagSet/></Tagging>", "MalformedXML", None),
]


@pytest.mark.minis3_only  # moto answers 500 to a rule without Status and takes the others
@pytest.mark.parametrize("document,code,message", [pytest.param(*c[1:], id=c[0]) for c in RAW_REFUSED])
def test_refused_raw_documents_change_nothing(server, s3, bucket, document, code, message):
    put_rules(s3, bucket, KEPT)
    resp = put_raw(server, bucket, document)
    assert resp.status_code == 400, resp.text
    err = s3_error(resp)
    assert err["Code"] == code, err
    if message is not None:
        assert err["Message"] == message
    assert rules_of(s3, bucket) == KEPT


# -- carrying the rules out -----------------------------------------------------------------------


@pytest.fixture
def own(tmp_path):
    """A server of the test's own: `lifecycle run` applies every bucket's rules, so counts are
    exact only where no other test's buckets are."""
    srv = Server(tmp_path / "data").start()
    yield srv
    srv.stop()


def stamp(t: datetime.datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_rules(server, as_of: datetime.datetime):
    """`minis3 admin lifecycle run --as-of`: (Expired, Transitioned, Aborted)."""
    out = minis3_admin(server.url, "lifecycle", "run", "--as-of", stamp(as_of)).json
    assert out["AsOf"] == stamp(as_of), out
    return out["Expired"], out["Transitioned"], out["Aborted"]


def midnight_after(t: datetime.datetime, days: int) -> datetime.datetime:
    """When an action `days` after `t` falls due on S3: t plus the days, rounded up to midnight UTC."""
    t = t.astimezone(UTC) + days * DAY
    midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == t else midnight + DAY


def due(s3, bucket, keys, days):
    """(earliest, latest) moment the `days` action falls due for `keys`, from their LastModified;
    the same unless the objects were written on both sides of a midnight."""
    moments = [midnight_after(s3.head_object(Bucket=bucket, Key=k)["LastModified"], days) for k in keys]
    return min(moments), max(moments)


def keys_of(s3, bucket):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def classes_of(s3, bucket):
    """{key: StorageClass} from a listing, checked against HEAD."""
    listed = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    for key, storage_class in listed.items():
        assert s3.head_object(Bucket=bucket, Key=key).get("StorageClass", "STANDARD") == storage_class, key
    return listed


def put_tagged(s3, bucket, key, body, tags):
    extra = {"Tagging": "&".join(f"{k}={v}" for k, v in tags.items())} if tags else {}
    s3.put_object(Bucket=bucket, Key=key, Body=body, **extra)


@pytest.mark.minis3_only  # the rules are carried out by minis3's admin command
def test_expiration_comes_at_the_midnight_after_the_days(own):
    s3 = s3_client(own.url)
    bucket = bucket_name("expire")
    s3.create_bucket(Bucket=bucket)
    put_rules(s3, bucket, [
        {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 2}},
        {"ID": "temp", "Filter": {"Tag": {"Key": "temp", "Value": "yes"}}, "Status": "Enabled",
         "Expiration": {"Days": 2}},
        {"ID": "mid", "Filter": {"And": {"Prefix": "sized/", "ObjectSizeGreaterThan": 10, "ObjectSizeLessThan": 100}},
         "Status": "Enabled", "Expiration": {"Days": 2}},
        {"ID": "legacy", "Prefix": "old/", "Status": "Enabled", "Expiration": {"Days": 2}},
        {"ID": "off", "Filter": {"Prefix": "off/"}, "Status": "Disabled", "Expiration": {"Days": 1}},
    ])
    objects = {
        "logs/a.log": (b"a", {}),
        "logs-not-in-prefix": (b"b", {}),
        "data/x": (b"c", {}),
        "tagged": (b"d", {"temp": "yes", "other": "1"}),
        "tagged-otherwise": (b"e", {"temp": "no"}),
        "sized/mid": (b"m" * 50, {}),
        "sized/ten": (b"t" * 10, {}),
        "sized/hundred": (b"h" * 100, {}),
        "old/legacy": (b"l", {}),
        "off/disabled": (b"o", {}),
    }
    for key, (body, tags) in objects.items():
        put_tagged(s3, bucket, key, body, tags)
    doomed = ["logs/a.log", "old/legacy", "sized/mid", "tagged"]
    first, last = due(s3, bucket, list(objects), 2)
    assert last - first <= DAY

    assert run_rules(own, datetime.datetime.now(UTC)) == (0, 0, 0)
    assert run_rules(own, first - DAY) == (0, 0, 0), "the midnight before the last day is not enough"
    assert run_rules(own, first - SECOND) == (0, 0, 0)
    assert keys_of(s3, bucket) == sorted(objects)

    assert run_rules(own, last) == (len(doomed), 0, 0)
    assert keys_of(s3, bucket) == sorted(set(objects) - set(doomed))
    for key in doomed:
        expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key=key)
    assert s3.get_object(Bucket=bucket, Key="off/disabled")["Body"].read() == b"o"
    # Again as of the same time, and later: nothing left to do.
    assert run_rules(own, last) == (0, 0, 0)
    assert run_rules(own, last + 400 * DAY) == (0, 0, 0)
    assert keys_of(s3, bucket) == sorted(set(objects) - set(doomed))


@pytest.mark.minis3_only  # the rules are carried out by minis3's admin command
def test_an_expiration_date_expires_matching_objects_once_passed(own):
    s3 = s3_client(own.url)
    bucket = bucket_name("date")
    s3.create_bucket(Bucket=bucket)
    day = datetime.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + 3 * DAY
    put_rules(s3, bucket, [{"ID": "on-the-day", "Filter": {"Prefix": "reports/"}, "Status": "Enabled",
                            "Expiration": {"Date": day}}])
    s3.put_object(Bucket=bucket, Key="reports/q1", Body=b"1")
    s3.put_object(Bucket=bucket, Key="reports/q2", Body=b"2")
    s3.put_object(Bucket=bucket, Key="keep/q3", Body=b"3")
    assert run_rules(own, day - SECOND) == (0, 0, 0)
    assert keys_of(s3, bucket) == ["keep/q3", "reports/q1", "reports/q2"]
    assert run_rules(own, day) == (2, 0, 0)
    assert keys_of(s3, bucket) == ["keep/q3"]
    # An object written after the date is past expires at the next run.
    s3.put_object(Bucket=bucket, Key="reports/late", Body=b"4")
    assert run_rules(own, day + 10 * DAY) == (1, 0, 0)
    assert keys_of(s3, bucket) == ["keep/q3"]


@pytest.mark.minis3_only  # the rules are carried out by minis3's admin command
def test_transitions_move_objects_of_128_kib_to_colder_classes(own):
    s3 = s3_client(own.url)
    bucket = bucket_name("tiers")
    s3.create_bucket(Bucket=bucket)
    put_rules(s3, bucket, [{"ID": "tiers", "Filter": {}, "Status": "Enabled", "Transitions": [
        {"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 60, "StorageClass": "GLACIER"}]}])
    big = b"b" * KIB128
    s3.put_object(Bucket=bucket, Key="big", Body=big)
    s3.put_object(Bucket=bucket, Key="small", Body=b"s" * (KIB128 - 1))
    s3.put_object(Bucket=bucket, Key="instant", Body=big, StorageClass="GLACIER_IR")
    s3.put_object(Bucket=bucket, Key="deep", Body=big, StorageClass="DEEP_ARCHIVE")
    start = {"big": "STANDARD", "small": "STANDARD", "instant": "GLACIER_IR", "deep": "DEEP_ARCHIVE"}
    assert classes_of(s3, bucket) == start
    first30, last30 = due(s3, bucket, list(start), 30)
    first60, last60 = due(s3, bucket, list(start), 60)

    assert run_rules(own, first30 - SECOND) == (0, 0, 0)
    assert classes_of(s3, bucket) == start
    # STANDARD_IA is warmer than GLACIER_IR and DEEP_ARCHIVE: only "big" goes there.
    assert run_rules(own, last30) == (0, 1, 0)
    assert classes_of(s3, bucket) == {**start, "big": "STANDARD_IA"}
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == big

    assert run_rules(own, first60 - SECOND) == (0, 0, 0)
    assert run_rules(own, last60) == (0, 2, 0)
    moved = {**start, "big": "GLACIER", "instant": "GLACIER"}
    assert classes_of(s3, bucket) == moved
    # Archived now, as an object put into GLACIER is.
    for key in ("big", "instant", "deep"):
        expect_client_error(s3.get_object, "InvalidObjectState", 403, Bucket=bucket, Key=key)
    assert len(s3.get_object(Bucket=bucket, Key="small")["Body"].read()) == KIB128 - 1
    assert s3.head_object(Bucket=bucket, Key="big")["ContentLength"] == KIB128
    assert run_rules(own, last60) == (0, 0, 0)
    assert run_rules(own, last60 + 1000 * DAY) == (0, 0, 0)
    assert classes_of(s3, bucket) == moved


@pytest.mark.minis3_only  # the rules are carried out by minis3's admin command
def test_small_objects_go_to_glacier_only_when_the_bucket_says_so(own):
    s3 = s3_client(own.url)
    rules = [
        {"ID": "ia", "Filter": {"Prefix": "ia/"}, "Status": "Enabled",
         "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]},
        {"ID": "onezone", "Filter": {"Prefix": "onezone/"}, "Status": "Enabled",
         "Transitions": [{"Days": 30, "StorageClass": "ONEZONE_IA"}]},
        {"ID": "glacier", "Filter": {"Prefix": "glacier/"}, "Status": "Enabled",
         "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]},
        {"ID": "deep", "Filter": {"Prefix": "deep/"}, "Status": "Enabled",
         "Transitions": [{"Days": 1, "StorageClass": "DEEP_ARCHIVE"}]},
    ]
    keys = ["ia/small", "onezone/small", "glacier/small", "deep/small"]
    default, varies = bucket_name("default"), bucket_name("varies")
    for name in (default, varies):
        s3.create_bucket(Bucket=name)
        for key in keys:
            s3.put_object(Bucket=name, Key=key, Body=b"tiny")
    put_rules(s3, default, rules)
    put_rules(s3, varies, rules, TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    _, last = due(s3, varies, keys, 30)
    _, default_last = due(s3, default, keys, 30)
    assert run_rules(own, max(last, default_last)) == (0, 2, 0)
    assert classes_of(s3, default) == {k: "STANDARD" for k in keys}
    assert classes_of(s3, varies) == {"ia/small": "STANDARD", "onezone/small": "STANDARD",
                                      "glacier/small": "GLACIER", "deep/small": "DEEP_ARCHIVE"}


@pytest.mark.minis3_only  # the rules are carried out by minis3's admin command
def test_glacier_instant_retrieval_keeps_its_128_kib_minimum_when_the_bucket_varies(own):
    # AWS: "varies_by_storage_class - Objects smaller than 128 KB will transition to Glacier
    # Flexible Retrieval or Glacier Deep Archive storage classes. By default, all other storage
    # classes will prevent transitions smaller than 128 KB." (PutBucketLifecycleConfiguration)
    s3 = s3_client(own.url)
    bucket = bucket_name("instant")
    s3.create_bucket(Bucket=bucket)
    put_rules(s3, bucket, [{"ID": "ir", "Filter": {}, "Status": "Enabled",
                            "Transitions": [{"Days": 1, "StorageClass": "GLACIER_IR"}]}],
              TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    s3.put_object(Bucket=bucket, Key="small", Body=b"tiny")
    s3.put_object(Bucket=bucket, Key="big", Body=b"b" * KIB128)
    _, last = due(s3, bucket, ["small", "big"], 1)
    assert run_rules(own, last) == (0, 1, 0)
    assert classes_of(s3, bucket) == {"big": "GLACIER_IR", "small": "STANDARD"}


@pytest.mark.minis3_only  # the rules are carried out by minis3's admin command
def test_a_size_filter_replaces_the_128_kib_minimum(own):
    s3 = s3_client(own.url)
    bucket = bucket_name("sized")
    s3.create_bucket(Bucket=bucket)
    put_rules(s3, bucket, [
        {"ID": "over-100", "Filter": {"ObjectSizeGreaterThan": 100}, "Status": "Enabled",
         "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]},
        {"ID": "and-over-10", "Filter": {"And": {"Prefix": "and/", "ObjectSizeGreaterThan": 10}},
         "Status": "Enabled", "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]},
    ])
    s3.put_object(Bucket=bucket, Key="kilobyte", Body=b"k" * 1000)
    s3.put_object(Bucket=bucket, Key="fifty", Body=b"f" * 50)
    s3.put_object(Bucket=bucket, Key="and/twenty", Body=b"t" * 20)
    s3.put_object(Bucket=bucket, Key="and/five", Body=b"5" * 5)
    _, last = due(s3, bucket, ["kilobyte", "fifty", "and/twenty", "and/five"], 30)
    assert run_rules(own, last) == (0, 2, 0)
    assert classes_of(s3, bucket) == {"kilobyte": "STANDARD_IA", "fifty": "STANDARD",
                                      "and/twenty": "GLACIER", "and/five": "STANDARD"}


@pytest.mark.minis3_only  # the rules are carried out by minis3's admin command
def test_a_maximum_size_filter_also_replaces_the_128_kib_minimum(own):
    # AWS: "To customize the minimum object size for any transition you can add a filter that
    # specifies a custom ObjectSizeGreaterThan or ObjectSizeLessThan in the body of your
    # transition rule. Custom filters always take precedence over the default transition
    # behavior." (PutBucketLifecycleConfiguration, TransitionDefaultMinimumObjectSize)
    s3 = s3_client(own.url)
    bucket = bucket_name("under")
    s3.create_bucket(Bucket=bucket)
    put_rules(s3, bucket, [{"ID": "under-4k", "Filter": {"ObjectSizeLessThan": 4096}, "Status": "Enabled",
                            "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}])
    s3.put_object(Bucket=bucket, Key="small", Body=b"s" * 1000)
    s3.put_object(Bucket=bucket, Key="large", Body=b"l" * 5000)
    _, last = due(s3, bucket, ["small", "large"], 1)
    assert run_rules(own, last) == (0, 1, 0)
    assert classes_of(s3, bucket) == {"small": "GLACIER", "large": "STANDARD"}


def uploads_of(s3, bucket):
    return sorted((u["Key"], u["UploadId"]) for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []))


@pytest.mark.minis3_only  # the rules are carried out by minis3's admin command
def test_unfinished_uploads_are_aborted_after_their_days(own):
    s3 = s3_client(own.url)
    bucket = bucket_name("uploads")
    s3.create_bucket(Bucket=bucket)
    put_rules(s3, bucket, [
        {"ID": "tmp", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled",
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
        {"ID": "off", "Filter": {"Prefix": "off/"}, "Status": "Disabled",
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
    ])
    ids = {key: s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
           for key in ("tmp/a", "tmp/b", "keep/c", "off/d")}
    s3.upload_part(Bucket=bucket, Key="tmp/a", UploadId=ids["tmp/a"], PartNumber=1, Body=b"part")
    initiated = [u["Initiated"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]]
    first = min(midnight_after(t, 2) for t in initiated)
    last = max(midnight_after(t, 2) for t in initiated)

    assert run_rules(own, first - SECOND) == (0, 0, 0)
    assert uploads_of(s3, bucket) == sorted(ids.items())
    assert run_rules(own, last) == (0, 0, 2)
    assert uploads_of(s3, bucket) == sorted((k, ids[k]) for k in ("keep/c", "off/d"))
    for key in ("tmp/a", "tmp/b"):
        expect_client_error(s3.upload_part, "NoSuchUpload", 404, Bucket=bucket, Key=key, UploadId=ids[key],
                            PartNumber=1, Body=b"late")
    assert run_rules(own, last) == (0, 0, 0)
    # The uploads outside the rules still complete.
    etag = s3.upload_part(Bucket=bucket, Key="keep/c", UploadId=ids["keep/c"], PartNumber=1, Body=b"kept")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="keep/c", UploadId=ids["keep/c"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket=bucket, Key="keep/c")["Body"].read() == b"kept"


@pytest.mark.minis3_only  # minis3's admin API
def test_only_the_root_key_may_run_the_rules(own):
    s3 = s3_client(own.url)
    bucket = bucket_name("root")
    s3.create_bucket(Bucket=bucket)
    put_rules(s3, bucket, [{"ID": "all", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}}])
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    later = datetime.datetime.now(UTC) + 10 * DAY
    key = minis3_admin(own.url, "key", "create").json
    out = minis3_admin(own.url, "lifecycle", "run", "--as-of", stamp(later), access_key=key["AccessKeyId"],
                       secret_key=key["SecretAccessKey"], check=False)
    assert out.returncode != 0 and "AccessDenied" in out.stderr, out.stderr
    resp = requests.post(f"{own.url}/_minis3/admin/lifecycle/run", json={"as_of": stamp(later)},
                         timeout=HTTP_TIMEOUT)
    assert (resp.status_code, s3_error(resp)["Code"]) == (403, "AccessDenied")
    assert keys_of(s3, bucket) == ["k"]
    assert run_rules(own, later) == (1, 0, 0)


@pytest.mark.minis3_only  # minis3's admin command
@pytest.mark.parametrize("as_of", ["tomorrow", "2099-01-01", "2099-01-01T00:00:00", "2099-13-01T00:00:00Z",
                                   "2099-01-01T25:00:00Z"])
def test_an_as_of_that_is_not_rfc_3339_changes_nothing(own, as_of):
    s3 = s3_client(own.url)
    bucket = bucket_name("as-of")
    s3.create_bucket(Bucket=bucket)
    put_rules(s3, bucket, [{"ID": "all", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}}])
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    out = minis3_admin(own.url, "lifecycle", "run", "--as-of", as_of, check=False)
    assert out.returncode != 0 and "InvalidArgument" in out.stderr, (out.stdout, out.stderr)
    assert keys_of(s3, bucket) == ["k"]


@pytest.mark.minis3_only  # restarts minis3 on its data dir
def test_the_configuration_survives_a_restart(tmp_path):
    srv = Server(tmp_path / "data").start()
    try:
        s3 = s3_client(srv.url)
        bucket = bucket_name("restart")
        s3.create_bucket(Bucket=bucket)
        rules = [
            {"ID": "expire", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled", "Expiration": {"Days": 1}},
            {"Filter": {"Prefix": "cold/"}, "Status": "Enabled",
             "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]},
        ]
        put_rules(s3, bucket, rules, TransitionDefaultMinimumObjectSize="varies_by_storage_class")
        before = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
        made_up = before["Rules"][1]["ID"]
        assert made_up
        s3.put_object(Bucket=bucket, Key="tmp/x", Body=b"x")
        s3.put_object(Bucket=bucket, Key="cold/y", Body=b"y")
        _, last = due(s3, bucket, ["tmp/x", "cold/y"], 1)
        assert srv.stop() == 0
        srv = Server(srv.data_dir).start()
        s3 = s3_client(srv.url)
        after = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
        assert after["Rules"] == before["Rules"]
        assert after["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
        # And the restarted server carries them out (the small object goes to GLACIER: varies).
        assert run_rules(srv, last) == (1, 1, 0)
        assert classes_of(s3, bucket) == {"cold/y": "GLACIER"}
    finally:
        srv.stop()
