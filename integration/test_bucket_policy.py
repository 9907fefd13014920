"""Bucket policies end to end with boto3, plain HTTP and the aws CLI: Put/Get/DeleteBucketPolicy
and GetBucketPolicyStatus (the document kept compacted, MalformedPolicy with S3's messages for
every kind of bad document, the 20 KiB limit, BlockPublicPolicy), and what a policy lets an
anonymous client do: which action each operation needs, Resource and Action wildcards, IAM
condition semantics (aws:SourceIp, aws:Referer, aws:UserAgent, aws:SecureTransport, time keys,
s3:prefix, s3:x-amz-acl, ...), Deny over Allow and over ACLs, RestrictPublicBuckets, and that
requests signed with minis3's keys are never affected."""

import base64
import hashlib
import json
import types
import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.exceptions import ClientError

from support import (
    HTTP_TIMEOUT,
    S3_NS,
    Server,
    anonymous_client,
    bucket_name,
    crc32_b64,
    expect_client_error,
    keys_in,
    key_path,
    md5_etag,
    s3_client,
    s3_error,
    signed_request,
)

ACCOUNT = "123456789012"
CANONICAL_USER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
MAX_POLICY_BYTES = 20 * 1024
CLOUDFRONT_OAI = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"
KMS_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

FIRST_BYTE = "Policies must be valid JSON and the first byte must be '{'"
INVALID_JSON = "This policy contains invalid Json"
BAD_VERSION = "The policy must contain a valid version string"
BAD_PRINCIPAL = "Invalid principal in policy"
BAD_ACTION = "Policy has invalid action"
BAD_RESOURCE = "Policy has invalid resource"
NO_RESOURCE_FOR_ACTION = "Action does not apply to any resource(s) in statement"
BAD_CONDITION_KEY = "Policy has an invalid condition key"


# -- building policies ------------------------------------------------------------------------------


def arn(bucket: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"


def stmt(effect: str, action, resource, principal="*", condition=None, sid=None) -> dict:
    s = {"Sid": sid} if sid else {}
    s.update(Effect=effect, Principal=principal, Action=action, Resource=resource)
    if condition is not None:
        s["Condition"] = condition
    return s


def allow(action, resource, **kw) -> dict:
    return stmt("Allow", action, resource, **kw)


def deny(action, resource, **kw) -> dict:
    return stmt("Deny", action, resource, **kw)


def document(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def public_read(bucket: str, prefix: str = "") -> dict:
    """The policy of the S3 docs' "granting read-only permission to anonymous users" example."""
    return document(allow("s3:GetObject", arn(bucket, prefix + "*"), sid="PublicRead"))


def put_policy(s3, bucket: str, doc: dict) -> dict:
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(doc))
    return doc


def current_policy(s3, bucket: str) -> dict:
    return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])


def put_public_access_block(s3, bucket: str, **settings) -> None:
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=settings)


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def is_public(s3, bucket: str) -> bool:
    return s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"]


# -- anonymous requests -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def anon(server):
    return anonymous_client(server.url)


def anon_get(server, bucket: str, key: str, **headers) -> requests.Response:
    return requests.get(f"{server.url}{key_path(bucket, key)}", headers=headers, timeout=HTTP_TIMEOUT)


def anon_head(server, bucket: str, key: str, **headers) -> requests.Response:
    return requests.head(f"{server.url}{key_path(bucket, key)}", headers=headers, timeout=HTTP_TIMEOUT)


def anon_list(server, bucket: str, query: str = "list-type=2", **headers) -> requests.Response:
    return requests.get(f"{server.url}/{bucket}?{query}", headers=headers, timeout=HTTP_TIMEOUT)


def assert_denied(resp: requests.Response) -> None:
    assert resp.status_code == 403, (resp.request.method, resp.url, resp.status_code, resp.content[:300])
    if resp.request.method != "HEAD":
        assert s3_error(resp)["Code"] == "AccessDenied"


def assert_served(resp: requests.Response, body: bytes) -> None:
    assert resp.status_code == 200, (resp.request.method, resp.url, resp.status_code, resp.content[:300])
    assert resp.content == body


DENIED = {(403, "AccessDenied"), (403, "403")}  # HEAD answers carry no error body


# -- storing, reading and deleting ------------------------------------------------------------------


def test_policy_round_trip_replace_and_delete(s3, bucket):
    expect_client_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)
    first = put_policy(s3, bucket, public_read(bucket))
    assert current_policy(s3, bucket) == first
    # A second put replaces the document whole.
    second = put_policy(s3, bucket, document(
        allow(["s3:GetObject", "s3:GetObjectTagging"], arn(bucket, "docs/*"), sid="Docs"),
        allow("s3:ListBucket", arn(bucket), condition={"StringLike": {"s3:prefix": ["docs/*"]}}),
    ))
    assert current_policy(s3, bucket) == second
    deleted = s3.delete_bucket_policy(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    err = expect_client_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)
    assert err["Error"]["BucketName"] == bucket
    # Deleting when there is none is no error.
    again = s3.delete_bucket_policy(Bucket=bucket)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_client_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)


@pytest.mark.minis3_only  # moto answers 200 and hands the document back as it was sent
def test_put_answers_204_and_get_gives_the_document_compacted(server, s3, bucket):
    text = (
        '\r\n  {\n\t"Version" :  "2012-10-17",\n  "Statement": [\n    {\n'
        '      "Sid": "Public Read",\n      "Effect": "Allow",\n      "Principal": "*",\n'
        '      "Action": [ "s3:GetObject" ,"s3:GetObjectVersion"],\n'
        f'      "Resource": "{arn(bucket, "with space/*")}"\n'
        "    }\n  ]\n}\n"
    )
    compact = (
        '{"Version":"2012-10-17","Statement":[{"Sid":"Public Read","Effect":"Allow","Principal":"*",'
        f'"Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"{arn(bucket, "with space/*")}"}}]}}'
    )
    put, _ = signed_request("PUT", f"{server.url}/{bucket}?policy", body=text.encode(),
                            headers={"Content-MD5": md5_b64(text.encode())})
    assert put.status_code == 204, put.content
    assert put.content == b""
    got, _ = signed_request("GET", f"{server.url}/{bucket}?policy")
    assert got.status_code == 200, got.content
    assert got.headers["Content-Type"].split(";")[0].strip() == "application/json"
    assert got.text == compact
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == compact


@pytest.mark.minis3_only  # moto hands the document back as it was sent
def test_a_policy_without_version_reads_back_as_2008_10_17(s3, bucket):
    statement = allow("s3:GetObject", arn(bucket, "*"))
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Statement": [statement]}))
    assert current_policy(s3, bucket) == {"Version": "2008-10-17", "Statement": [statement]}


@pytest.mark.minis3_only  # moto takes these bodies without an integrity header
def test_put_policy_needs_content_md5_or_a_checksum(server, s3, bucket):
    kept = put_policy(s3, bucket, public_read(bucket))
    body = json.dumps(document(allow("s3:ListBucket", arn(bucket)))).encode()
    resp, _ = signed_request("PUT", f"{server.url}/{bucket}?policy", body=body)
    assert resp.status_code == 400, resp.content
    assert s3_error(resp)["Code"] == "InvalidRequest"
    assert "Content-MD5" in resp.text
    assert current_policy(s3, bucket) == kept
    # A checksum header stands in for Content-MD5.
    resp, _ = signed_request("PUT", f"{server.url}/{bucket}?policy", body=body,
                             headers={"x-amz-checksum-crc32": crc32_b64(body)})
    assert resp.status_code == 204, resp.content
    assert current_policy(s3, bucket) == json.loads(body)


def test_policy_calls_on_a_missing_bucket(s3):
    missing = bucket_name("policy-missing")
    policy = json.dumps(public_read(missing))
    expect_client_error(s3.put_bucket_policy, "NoSuchBucket", 404, Bucket=missing, Policy=policy)
    expect_client_error(s3.get_bucket_policy, "NoSuchBucket", 404, Bucket=missing)
    expect_client_error(s3.delete_bucket_policy, "NoSuchBucket", 404, Bucket=missing)
    expect_client_error(s3.head_bucket, "404", 404, Bucket=missing)


@pytest.mark.minis3_only  # moto's policy status differs
def test_policy_status_of_a_missing_bucket_and_of_none(s3, bucket):
    expect_client_error(s3.get_bucket_policy_status, "NoSuchBucket", 404, Bucket=bucket_name("status-missing"))
    expect_client_error(s3.get_bucket_policy_status, "NoSuchBucketPolicy", 404, Bucket=bucket)


def test_deleting_the_bucket_deletes_its_policy(s3):
    name = bucket_name("policy-recreated")
    s3.create_bucket(Bucket=name)
    put_policy(s3, name, public_read(name))
    s3.delete_bucket(Bucket=name)
    s3.create_bucket(Bucket=name)
    expect_client_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=name)


@pytest.mark.minis3_only
def test_a_recreated_bucket_is_not_opened_by_the_old_policy(server, s3):
    name = bucket_name("policy-recreated-anon")
    s3.create_bucket(Bucket=name)
    put_policy(s3, name, public_read(name))
    s3.put_object(Bucket=name, Key="k", Body=b"old")
    assert_served(anon_get(server, name, "k"), b"old")
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"new")
    assert_denied(anon_get(server, name, "k"))


# -- what a valid document may hold ---------------------------------------------------------------


VALID_PRINCIPALS = {
    "star": "*",
    "aws-star": {"AWS": "*"},
    "account-id": {"AWS": ACCOUNT},
    "account-root": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "user": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/x"},
    "role": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/x"},
    "service": {"Service": "cloudtrail.amazonaws.com"},
    "canonical-user": {"CanonicalUser": CANONICAL_USER},
    "array": {"AWS": [ACCOUNT, f"arn:aws:iam::{ACCOUNT}:role/x"], "Service": ["cloudtrail.amazonaws.com"]},
    "cloudfront-oai": {"AWS": CLOUDFRONT_OAI},
}


@pytest.mark.parametrize("principal", list(VALID_PRINCIPALS.values()), ids=list(VALID_PRINCIPALS))
def test_valid_principals_are_accepted(s3, bucket, principal):
    doc = put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*"), principal=principal)))
    assert current_policy(s3, bucket) == doc


def _valid_documents(b: str) -> dict:
    return {
        "s3-star": document(allow("s3:*", [arn(b), arn(b, "*")])),
        "s3-get-star": document(allow("s3:Get*", arn(b, "*"))),
        "star-action": document(allow("*", [arn(b), arn(b, "*")])),
        "action-list": document(allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], arn(b, "a/*"))),
        "bucket-actions": document(allow(["s3:ListBucket", "s3:GetBucketLocation"], arn(b))),
        "mixed-actions-both-resources": document(allow(["s3:ListBucket", "s3:GetObject"], [arn(b), arn(b, "*")])),
        "exact-key": document(allow("s3:GetObject", arn(b, "index.html"))),
        "statement-object": {"Version": "2012-10-17",
                             "Statement": allow("s3:GetObject", arn(b, "*"))},
        "version-2008": {"Version": "2008-10-17", "Statement": [allow("s3:GetObject", arn(b, "*"))]},
        "id-and-sids": {"Version": "2012-10-17", "Id": "PolicyId1",
                        "Statement": [allow("s3:GetObject", arn(b, "*"), sid="One"),
                                      deny("s3:DeleteObject", arn(b, "*"), sid="Two")]},
        "source-ip": document(allow("s3:GetObject", arn(b, "*"),
                                    condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.1.0/24"]}})),
        "prefix-condition": document(allow("s3:ListBucket", arn(b),
                                           condition={"StringLike": {"s3:prefix": ["home/*", ""]}})),
        "secure-transport": document(deny("s3:*", [arn(b), arn(b, "*")],
                                          condition={"Bool": {"aws:SecureTransport": "false"}})),
        "if-exists-and-null": document(allow("s3:PutObject", arn(b, "*"), condition={
            "StringEqualsIfExists": {"s3:x-amz-server-side-encryption": "AES256"},
            "Null": {"s3:x-amz-acl": "true"},
        })),
        "time-and-referer": document(allow("s3:GetObject", arn(b, "*"), condition={
            "DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"},
            "StringLike": {"aws:Referer": ["http://example.com/*"]},
        })),
        "not-principal": document({"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                   "Action": "s3:GetObject", "Resource": arn(b, "*")}),
        "not-action": document({"Effect": "Allow", "Principal": "*", "NotAction": "s3:DeleteObject",
                                "Resource": arn(b, "*")}),
        "not-resource": document({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                  "NotResource": arn(b, "secret/*")}),
        "if-none-match": document(allow("s3:PutObject", arn(b, "*"),
                                        condition={"StringEquals": {"s3:if-none-match": "*"}})),
        "if-match": document(allow("s3:PutObject", arn(b, "*"), condition={"Null": {"s3:if-match": "false"}})),
        "object-creation-operation": document(allow("s3:PutObject", arn(b, "*"), condition={
            "StringEquals": {"s3:ObjectCreationOperation": "PutObject"}})),
        "initiate-replication": document(allow("s3:InitiateReplication", arn(b, "*"))),
        "kms-key-id": document(allow("s3:PutObject", arn(b, "*"), condition={
            "StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY}})),
    }


VALID_IDS = list(_valid_documents("b"))


@pytest.mark.parametrize("which", VALID_IDS)
def test_valid_documents_are_accepted_and_read_back(s3, bucket, which):
    doc = _valid_documents(bucket)[which]
    put_policy(s3, bucket, doc)
    assert current_policy(s3, bucket) == doc


# -- what is refused --------------------------------------------------------------------------------


def _good_statement(b: str) -> dict:
    return allow("s3:GetObject", arn(b, "*"))


def _statement_with(b: str, **changes) -> str:
    """The good document with its statement's fields changed (a value of None removes the field)."""
    s = _good_statement(b)
    for name, value in changes.items():
        if value is None:
            s.pop(name, None)
        else:
            s[name] = value
    return json.dumps(document(s))


MALFORMED = {
    "not-json": (lambda b: "not json at all", FIRST_BYTE),
    "xml": (lambda b: "<Policy><Statement/></Policy>", FIRST_BYTE),
    "array": (lambda b: '  [{"Version": "2012-10-17"}]', FIRST_BYTE),
    "truncated": (lambda b: json.dumps(document(_good_statement(b)))[:-3], INVALID_JSON),
    "single-quotes": (lambda b: "{'Version': '2012-10-17'}", INVALID_JSON),
    "trailing-garbage": (lambda b: json.dumps(document(_good_statement(b))) + " }", INVALID_JSON),
    "bad-version": (lambda b: json.dumps({"Version": "2012-10-18", "Statement": [_good_statement(b)]}), BAD_VERSION),
    "numeric-version": (lambda b: json.dumps({"Version": 2012, "Statement": [_good_statement(b)]}), BAD_VERSION),
    "no-statement": (lambda b: json.dumps({"Version": "2012-10-17"}), "Missing required field Statement"),
    "empty-statement": (lambda b: json.dumps({"Version": "2012-10-17", "Statement": []}),
                        "Missing required field Statement"),
    "unknown-top-field": (lambda b: json.dumps({**document(_good_statement(b)), "Foo": 1}), "Unknown field Foo"),
    "unknown-statement-field": (lambda b: _statement_with(b, Foo="bar"), "Unknown field Foo"),
    "no-effect": (lambda b: _statement_with(b, Effect=None), "Missing required field Effect"),
    "effect-permit": (lambda b: _statement_with(b, Effect="Permit"), "Invalid effect: Permit"),
    "effect-lowercase": (lambda b: _statement_with(b, Effect="allow"), "Invalid effect: allow"),
    "no-principal": (lambda b: _statement_with(b, Principal=None), "Missing required field Principal"),
    "principal-not-an-arn": (lambda b: _statement_with(b, Principal={"AWS": "not-an-arn"}), BAD_PRINCIPAL),
    "principal-unknown-kind": (lambda b: _statement_with(b, Principal={"Foo": "x"}), BAD_PRINCIPAL),
    "principal-plain-string": (lambda b: _statement_with(b, Principal="someone"), BAD_PRINCIPAL),
    "principal-one-bad-in-list": (lambda b: _statement_with(b, Principal={"AWS": [ACCOUNT, "not-an-arn"]}),
                                  BAD_PRINCIPAL),
    "no-action": (lambda b: _statement_with(b, Action=None), "Missing required field Action"),
    "ec2-action": (lambda b: _statement_with(b, Action="ec2:RunInstances"), BAD_ACTION),
    "unknown-s3-action": (lambda b: _statement_with(b, Action="s3:NoSuchThing"), BAD_ACTION),
    "action-without-service": (lambda b: _statement_with(b, Action="invalid_action"), BAD_ACTION),
    "one-bad-action-in-list": (lambda b: _statement_with(b, Action=["s3:GetObject", "s3:NoSuchThing"]), BAD_ACTION),
    "no-resource": (lambda b: _statement_with(b, Resource=None), "Missing required field Resource"),
    "other-bucket": (lambda b: _statement_with(b, Resource="arn:aws:s3:::some-other-bucket/*"), BAD_RESOURCE),
    "bucket-name-prefix": (lambda b: _statement_with(b, Resource=arn(b + "-other", "*")), BAD_RESOURCE),
    "star-resource": (lambda b: _statement_with(b, Resource="*"), BAD_RESOURCE),
    "not-an-arn": (lambda b: _statement_with(b, Resource="not-an-arn"), BAD_RESOURCE),
    "object-action-on-bucket": (lambda b: _statement_with(b, Resource=arn(b)), NO_RESOURCE_FOR_ACTION),
    "bucket-action-on-objects": (lambda b: _statement_with(b, Action="s3:ListBucket", Resource=arn(b, "*")),
                                 NO_RESOURCE_FOR_ACTION),
    "condition-operator": (lambda b: _statement_with(b, Condition={"StringEqualz": {"aws:Referer": "x"}}),
                           "Invalid Condition type : StringEqualz"),
    "condition-key": (lambda b: _statement_with(b, Condition={"StringEquals": {"s3:nosuchkey": "x"}}),
                      BAD_CONDITION_KEY),
}


@pytest.mark.minis3_only  # moto takes any document
@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_policies_are_refused_and_change_nothing(s3, bucket, case):
    make, message = MALFORMED[case]
    kept = put_policy(s3, bucket, public_read(bucket))
    err = expect_client_error(s3.put_bucket_policy, "MalformedPolicy", 400, Bucket=bucket, Policy=make(bucket))
    assert err["Error"]["Message"] == message
    assert current_policy(s3, bucket) == kept


@pytest.mark.minis3_only  # moto takes any document
def test_a_malformed_policy_on_a_bucket_without_one_stores_nothing(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    bad = _statement_with(bucket, Effect="Permit")
    expect_client_error(s3.put_bucket_policy, "MalformedPolicy", 400, Bucket=bucket, Policy=bad)
    expect_client_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)
    assert_denied(anon_get(server, bucket, "k"))


def _policy_of_size(bucket: str, size: int) -> str:
    """A compact, valid public-read policy exactly `size` bytes long (padded in its Sid)."""
    def text(pad):
        return json.dumps(document(allow("s3:GetObject", arn(bucket, "*"), sid="S" + "a" * pad)),
                          separators=(",", ":"))
    base = len(text(0))
    out = text(size - base)
    assert len(out) == size
    return out


@pytest.mark.minis3_only  # moto has no size limit
def test_policies_are_limited_to_20_kib(s3, bucket):
    largest = _policy_of_size(bucket, MAX_POLICY_BYTES)
    s3.put_bucket_policy(Bucket=bucket, Policy=largest)
    assert current_policy(s3, bucket) == json.loads(largest)
    too_large = _policy_of_size(bucket, MAX_POLICY_BYTES + 1)
    expect_client_error(s3.put_bucket_policy, "MalformedPolicy", 400, Bucket=bucket, Policy=too_large)
    assert current_policy(s3, bucket) == json.loads(largest)


# -- Block Public Access and policy status ------------------------------------------------------------


def _non_public(bucket: str) -> dict:
    return {
        "source-ip": document(allow("s3:GetObject", arn(bucket, "*"),
                                    condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        "account": document(allow("s3:GetObject", arn(bucket, "*"), principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})),
        "deny-only": document(deny("s3:DeleteObject", arn(bucket, "*"))),
        # A /8 still pins the source; so does a fixed KMS key (S3's "meaning of public").
        "source-ip-slash-8": document(allow("s3:GetObject", arn(bucket, "*"),
                                            condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})),
        "kms-key-id": document(allow("s3:PutObject", arn(bucket, "*"), condition={
            "StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY}})),
    }


def _public(bucket: str) -> dict:
    return {
        "public-read": public_read(bucket),
        "aws-star-list": document(allow("s3:ListBucket", arn(bucket), principal={"AWS": "*"})),
        # A Referer is anyone's to send: it narrows nothing (S3's "meaning of public").
        "referer": document(allow("s3:GetObject", arn(bucket, "*"),
                                  condition={"StringLike": {"aws:Referer": "http://example.com/*"}})),
        "public-among-private": document(
            allow("s3:GetObject", arn(bucket, "*"), principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
            allow("s3:PutObject", arn(bucket, "uploads/*")),
        ),
        # Address blocks shorter than /8 pin nothing, however written.
        "all-addresses-00": _if(bucket, {"IpAddress": {"aws:SourceIp": "0.0.0.0/00"}}),
        "two-halves": _if(bucket, {"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}),
        "slash-7": _if(bucket, {"IpAddress": {"aws:SourceIp": "10.0.0.0/7"}}),
        # Set operators and IfExists hold for requests without the key: they pin nothing.
        "for-any-value-ip": _if(bucket, {"ForAnyValue:IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        "for-all-values-account": _if(bucket, {"ForAllValues:StringEquals": {"aws:SourceAccount": ACCOUNT}}),
        "if-exists-ip": _if(bucket, {"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}),
        "if-exists-account": _if(bucket, {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}),
    }


def _if(bucket: str, condition: dict) -> dict:
    """Anonymous GetObject on every key, under `condition`."""
    return document(allow("s3:GetObject", arn(bucket, "*"), condition=condition))


NON_PUBLIC_IDS = list(_non_public("b"))
PUBLIC_IDS = list(_public("b"))


@pytest.mark.minis3_only  # moto does not judge policies
@pytest.mark.parametrize("which", NON_PUBLIC_IDS)
def test_policy_status_of_non_public_policies(s3, bucket, which):
    put_policy(s3, bucket, _non_public(bucket)[which])
    assert is_public(s3, bucket) is False


@pytest.mark.minis3_only  # moto does not judge policies
@pytest.mark.parametrize("which", PUBLIC_IDS)
def test_policy_status_of_public_policies(s3, bucket, which):
    put_policy(s3, bucket, _public(bucket)[which])
    assert is_public(s3, bucket) is True


def policy_status_xml(server, bucket: str) -> str:
    """The IsPublic of the raw GetBucketPolicyStatus document, checking its shape."""
    resp, _ = signed_request("GET", f"{server.url}/{bucket}?policyStatus")
    assert resp.status_code == 200, resp.content
    root = ET.fromstring(resp.content)
    assert root.tag in ("PolicyStatus", f"{S3_NS}PolicyStatus"), resp.text
    children = [child.tag for child in root]
    assert children in (["IsPublic"], [f"{S3_NS}IsPublic"]), resp.text
    return root[0].text


@pytest.mark.minis3_only
def test_policy_status_document_and_its_removal(server, s3, bucket):
    put_policy(s3, bucket, public_read(bucket))
    assert policy_status_xml(server, bucket) == "true"
    put_policy(s3, bucket, _non_public(bucket)["source-ip"])
    assert policy_status_xml(server, bucket) == "false"
    s3.delete_bucket_policy(Bucket=bucket)
    expect_client_error(s3.get_bucket_policy_status, "NoSuchBucketPolicy", 404, Bucket=bucket)


@pytest.mark.minis3_only  # moto stores the settings but does not enforce them
@pytest.mark.parametrize("which", PUBLIC_IDS)
def test_block_public_policy_refuses_public_policies(s3, bucket, which):
    put_public_access_block(s3, bucket, BlockPublicPolicy=True)
    expect_client_error(s3.put_bucket_policy, "AccessDenied", 403, Bucket=bucket,
                        Policy=json.dumps(_public(bucket)[which]))
    expect_client_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)
    # Nor does it replace the policy already there.
    kept = put_policy(s3, bucket, _non_public(bucket)["account"])
    expect_client_error(s3.put_bucket_policy, "AccessDenied", 403, Bucket=bucket,
                        Policy=json.dumps(_public(bucket)[which]))
    assert current_policy(s3, bucket) == kept


@pytest.mark.minis3_only  # moto does not enforce the settings
@pytest.mark.parametrize("which", NON_PUBLIC_IDS)
def test_block_public_policy_takes_non_public_policies(s3, bucket, which):
    put_public_access_block(s3, bucket, BlockPublicPolicy=True)
    doc = put_policy(s3, bucket, _non_public(bucket)[which])
    assert current_policy(s3, bucket) == doc


@pytest.mark.minis3_only  # moto does not enforce policies
def test_block_public_policy_leaves_an_existing_public_policy_working(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"still public")
    doc = put_policy(s3, bucket, public_read(bucket))
    put_public_access_block(s3, bucket, BlockPublicPolicy=True)
    assert current_policy(s3, bucket) == doc
    assert_served(anon_get(server, bucket, "k"), b"still public")


@pytest.mark.minis3_only  # moto does not enforce policies
def test_restrict_public_buckets_voids_public_allows_only(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="open/k", Body=b"open")
    s3.put_object(Bucket=bucket, Key="secret/k", Body=b"secret")
    put_policy(s3, bucket, public_read(bucket))
    assert_served(anon_get(server, bucket, "open/k"), b"open")
    put_public_access_block(s3, bucket, RestrictPublicBuckets=True)
    assert_denied(anon_get(server, bucket, "open/k"))
    # A policy limited to an address range is not public, and keeps working; its Denies apply.
    put_policy(s3, bucket, document(
        allow("s3:GetObject", arn(bucket, "*"), condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
        deny("s3:GetObject", arn(bucket, "secret/*")),
    ))
    assert is_public(s3, bucket) is False
    assert_served(anon_get(server, bucket, "open/k"), b"open")
    assert_denied(anon_get(server, bucket, "secret/k"))
    # Once the setting is gone, the public policy counts again.
    put_policy(s3, bucket, public_read(bucket))
    assert_denied(anon_get(server, bucket, "open/k"))
    s3.delete_public_access_block(Bucket=bucket)
    assert_served(anon_get(server, bucket, "open/k"), b"open")


# -- what anonymous requests may do ---------------------------------------------------------------


@pytest.mark.minis3_only  # moto does not enforce policies
def test_public_read_policy_serves_objects_but_not_listings(server, s3, anon, bucket):
    body = b"public through the policy\n" * 10
    s3.put_object(Bucket=bucket, Key="page.html", Body=body, ContentType="text/html")
    assert_denied(anon_get(server, bucket, "page.html"))
    expect_client_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="page.html")

    put_policy(s3, bucket, public_read(bucket))
    got = anon_get(server, bucket, "page.html")
    assert_served(got, body)
    assert got.headers["ETag"] == md5_etag(body)
    assert got.headers["Content-Type"] == "text/html"
    head = anon_head(server, bucket, "page.html")
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(body)
    assert anon.get_object(Bucket=bucket, Key="page.html")["Body"].read() == body

    # Reading objects is not listing them, nor learning that a key is missing.
    assert_denied(anon_list(server, bucket))
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket)
    assert_denied(anon_get(server, bucket, "missing.html"))
    assert anon_head(server, bucket, "missing.html").status_code == 403
    # Nor writing or deleting.
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="new", Body=b"x")
    expect_client_error(anon.delete_object, "AccessDenied", 403, Bucket=bucket, Key="page.html")
    assert keys_in(s3, bucket) == ["page.html"]

    doc = public_read(bucket)
    doc["Statement"].append(allow("s3:ListBucket", arn(bucket), sid="PublicList"))
    put_policy(s3, bucket, doc)
    listed = anon.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["page.html"]
    assert [o["Key"] for o in anon.list_objects(Bucket=bucket)["Contents"]] == ["page.html"]
    anon.head_bucket(Bucket=bucket)
    missing = anon_get(server, bucket, "missing.html")
    assert missing.status_code == 404 and s3_error(missing)["Code"] == "NoSuchKey"
    assert anon_head(server, bucket, "missing.html").status_code == 404


@pytest.mark.minis3_only  # moto does not enforce policies
def test_listing_granted_by_the_acl_reveals_missing_keys(server, s3, bucket):
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    put_policy(s3, bucket, public_read(bucket))
    missing = anon_get(server, bucket, "nope")
    assert missing.status_code == 404 and s3_error(missing)["Code"] == "NoSuchKey"
    # A Deny on listing takes the ACL's grant away, and the answer is AccessDenied again.
    doc = public_read(bucket)
    doc["Statement"].append(deny("s3:ListBucket", arn(bucket)))
    put_policy(s3, bucket, doc)
    assert_denied(anon_get(server, bucket, "nope"))
    assert_denied(anon_list(server, bucket))


@pytest.mark.minis3_only  # moto does not enforce policies
def test_prefix_limited_policy_serves_only_that_prefix(server, s3, bucket):
    objects = {"public/a.txt": b"a", "public/sub dir/b c.txt": b"bc", "public": b"no slash",
               "publicity/x": b"x", "private/p.txt": b"p", "Public/upper.txt": b"upper"}
    for key, data in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    put_policy(s3, bucket, public_read(bucket, "public/"))
    assert_served(anon_get(server, bucket, "public/a.txt"), b"a")
    assert_served(anon_get(server, bucket, "public/sub dir/b c.txt"), b"bc")
    # Resources are case-sensitive, and the prefix is the whole "public/".
    for key in ("public", "publicity/x", "private/p.txt", "Public/upper.txt"):
        assert_denied(anon_get(server, bucket, key))


@pytest.mark.minis3_only  # moto does not enforce policies
def test_resource_wildcards(server, s3, bucket):
    for key in ("file1.txt", "file10.txt", "filex.txt", "logs/2024/app.log", "logs/2024/app.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    put_policy(s3, bucket, document(allow("s3:GetObject", [arn(bucket, "file?.txt"), arn(bucket, "logs/*.log")])))
    assert_served(anon_get(server, bucket, "file1.txt"), b"file1.txt")
    assert_served(anon_get(server, bucket, "filex.txt"), b"filex.txt")
    assert_served(anon_get(server, bucket, "logs/2024/app.log"), b"logs/2024/app.log")
    assert_denied(anon_get(server, bucket, "file10.txt"))
    assert_denied(anon_get(server, bucket, "logs/2024/app.txt"))


@pytest.mark.minis3_only  # moto does not enforce policies
def test_action_names_match_case_insensitively_with_wildcards(server, s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", Tagging="t=1")
    put_policy(s3, bucket, document(allow("s3:get*", arn(bucket, "*"))))
    assert_served(anon_get(server, bucket, "k"), b"data")
    assert anon.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [{"Key": "t", "Value": "1"}]
    expect_client_error(anon.delete_object, "AccessDenied", 403, Bucket=bucket, Key="k")
    put_policy(s3, bucket, document(allow("S3:GETOBJECT", arn(bucket, "*"))))
    assert_served(anon_get(server, bucket, "k"), b"data")
    expect_client_error(anon.get_object_tagging, "AccessDenied", 403, Bucket=bucket, Key="k")


@pytest.mark.minis3_only  # moto does not enforce policies
def test_public_write_policy(server, s3, anon, bucket):
    put_policy(s3, bucket, document(allow("s3:PutObject", arn(bucket, "uploads/*"))))
    anon.put_object(Bucket=bucket, Key="uploads/from-anyone.txt", Body=b"anonymous upload")
    assert s3.get_object(Bucket=bucket, Key="uploads/from-anyone.txt")["Body"].read() == b"anonymous upload"
    resp = requests.put(f"{server.url}/{bucket}/uploads/plain.txt", data=b"plain", timeout=HTTP_TIMEOUT)
    assert resp.status_code == 200, resp.content
    assert resp.headers["ETag"] == md5_etag(b"plain")
    # Only there, and writing is not reading or deleting.
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="elsewhere.txt", Body=b"x")
    expect_client_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="uploads/from-anyone.txt")
    expect_client_error(anon.delete_object, "AccessDenied", 403, Bucket=bucket, Key="uploads/plain.txt")
    assert sorted(keys_in(s3, bucket)) == ["uploads/from-anyone.txt", "uploads/plain.txt"]


@pytest.mark.minis3_only  # moto does not enforce policies
def test_anonymous_form_post_follows_the_policy(server, s3, bucket):
    url = f"{server.url}/{bucket}"

    def form(key, filename="f.txt"):
        return requests.post(url, data={"key": key}, files={"file": (filename, b"form bytes")}, timeout=HTTP_TIMEOUT)

    resp = form("uploads/f.txt")
    assert resp.status_code == 403 and s3_error(resp)["Code"] == "AccessDenied", resp.content
    # The policy is checked against the key with the file's name in place.
    put_policy(s3, bucket, document(allow("s3:PutObject", arn(bucket, "uploads/f.txt"))))
    resp = form("uploads/${filename}")
    assert resp.status_code == 204, resp.content
    assert s3.get_object(Bucket=bucket, Key="uploads/f.txt")["Body"].read() == b"form bytes"
    resp = form("uploads/${filename}", filename="g.txt")
    assert resp.status_code == 403 and s3_error(resp)["Code"] == "AccessDenied", resp.content
    assert keys_in(s3, bucket) == ["uploads/f.txt"]


@pytest.mark.minis3_only  # moto does not enforce policies
def test_source_ip_conditions(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"local")

    def with_ip(operator, cidrs):
        put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*"),
                                              condition={operator: {"aws:SourceIp": cidrs}})))
        return anon_get(server, bucket, "k")

    assert_served(with_ip("IpAddress", "127.0.0.0/8"), b"local")
    assert_denied(with_ip("IpAddress", "10.0.0.0/8"))
    assert_served(with_ip("IpAddress", "127.0.0.1/32"), b"local")
    assert_denied(with_ip("IpAddress", "127.0.0.2/32"))
    # Several ranges: any one will do.
    assert_served(with_ip("IpAddress", ["10.0.0.0/8", "127.0.0.1/32"]), b"local")
    assert_served(with_ip("NotIpAddress", "10.0.0.0/8"), b"local")
    assert_denied(with_ip("NotIpAddress", ["10.0.0.0/8", "127.0.0.0/8"]))


@pytest.mark.minis3_only  # moto does not enforce policies
def test_not_ip_address_deny_over_a_public_allow(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"office only")

    def policy_denying_outside(cidr):
        put_policy(s3, bucket, document(
            allow("s3:GetObject", arn(bucket, "*")),
            deny("s3:*", [arn(bucket), arn(bucket, "*")], condition={"NotIpAddress": {"aws:SourceIp": cidr}}),
        ))

    policy_denying_outside("10.0.0.0/8")
    assert_denied(anon_get(server, bucket, "k"))
    policy_denying_outside("127.0.0.0/8")
    assert_served(anon_get(server, bucket, "k"), b"office only")


@pytest.mark.minis3_only  # moto does not enforce policies
def test_referer_condition(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="img.png", Body=b"png")
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*"),
                                          condition={"StringLike": {"aws:Referer": "http://example.com/*"}})))
    assert_served(anon_get(server, bucket, "img.png", Referer="http://example.com/gallery.html"), b"png")
    # No Referer at all: the key is absent, so the condition is false.
    assert_denied(anon_get(server, bucket, "img.png"))
    assert_denied(anon_get(server, bucket, "img.png", Referer="http://evil.example/http://example.com/"))
    assert_denied(anon_get(server, bucket, "img.png", Referer="https://example.com/gallery.html"))


@pytest.mark.minis3_only  # moto does not enforce policies
def test_negated_if_exists_and_null_operators_on_an_absent_key(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    ok, other = "http://example.com/page", "http://other.example/page"

    def outcomes(statements):
        put_policy(s3, bucket, document(*statements))
        return [anon_get(server, bucket, "k", **h).status_code for h in ({}, {"Referer": ok}, {"Referer": other})]

    everyone = allow("s3:GetObject", arn(bucket, "*"))
    # Negated operator on an absent key: true, so this Deny applies to requests without a Referer.
    assert outcomes([everyone, deny("s3:GetObject", arn(bucket, "*"), condition={
        "StringNotLike": {"aws:Referer": "http://example.com/*"}})]) == [403, 200, 403]
    # ...IfExists: true when absent.
    assert outcomes([allow("s3:GetObject", arn(bucket, "*"), condition={
        "StringLikeIfExists": {"aws:Referer": "http://example.com/*"}})]) == [200, 200, 403]
    # Null: whether the key is absent.
    assert outcomes([allow("s3:GetObject", arn(bucket, "*"), condition={
        "Null": {"aws:Referer": "true"}})]) == [200, 403, 403]
    assert outcomes([allow("s3:GetObject", arn(bucket, "*"), condition={
        "Null": {"aws:Referer": "false"}})]) == [403, 200, 200]
    # A plain operator on an absent key: false.
    assert outcomes([allow("s3:GetObject", arn(bucket, "*"), condition={
        "StringLike": {"aws:Referer": "*"}})]) == [403, 200, 200]


@pytest.mark.minis3_only  # moto does not enforce policies
def test_several_values_are_or_and_several_keys_are_and(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    ref = "http://example.com/page"

    def status(statements, **headers):
        put_policy(s3, bucket, document(*statements))
        return anon_get(server, bucket, "k", **headers).status_code

    any_of = allow("s3:GetObject", arn(bucket, "*"),
                   condition={"StringEquals": {"aws:UserAgent": ["ua-one", "ua-two"]}})
    assert status([any_of], **{"User-Agent": "ua-one"}) == 200
    assert status([any_of], **{"User-Agent": "ua-two"}) == 200
    assert status([any_of], **{"User-Agent": "ua-three"}) == 403
    # A negated operator with several values: none of them (NOR).
    none_of = [allow("s3:GetObject", arn(bucket, "*")),
               deny("s3:GetObject", arn(bucket, "*"),
                    condition={"StringNotEquals": {"aws:UserAgent": ["ua-one", "ua-two"]}})]
    assert status(none_of, **{"User-Agent": "ua-one"}) == 200
    assert status(none_of, **{"User-Agent": "ua-two"}) == 200
    assert status(none_of, **{"User-Agent": "ua-three"}) == 403
    # Two operators, two keys: all must hold.
    both = allow("s3:GetObject", arn(bucket, "*"), condition={
        "StringEquals": {"aws:UserAgent": "ua-one"},
        "StringLike": {"aws:Referer": "http://example.com/*"},
    })
    assert status([both], **{"User-Agent": "ua-one", "Referer": ref}) == 200
    assert status([both], **{"User-Agent": "ua-one"}) == 403
    assert status([both], **{"User-Agent": "ua-two", "Referer": ref}) == 403
    # Two keys under one operator: the same.
    same_op = allow("s3:GetObject", arn(bucket, "*"), condition={
        "StringEquals": {"aws:UserAgent": "ua-one", "aws:Referer": ref}})
    assert status([same_op], **{"User-Agent": "ua-one", "Referer": ref}) == 200
    assert status([same_op], **{"User-Agent": "ua-one", "Referer": ref + "x"}) == 403


@pytest.mark.minis3_only  # moto does not enforce policies
def test_global_condition_keys(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")

    def status(condition):
        put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*"), condition=condition)))
        return anon_get(server, bucket, "k").status_code

    # minis3 serves plain HTTP.
    assert status({"Bool": {"aws:SecureTransport": "false"}}) == 200
    assert status({"Bool": {"aws:SecureTransport": "true"}}) == 403
    assert status({"StringEquals": {"aws:PrincipalType": "Anonymous"}}) == 200
    assert status({"StringEquals": {"aws:PrincipalType": "User"}}) == 403
    assert status({"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}) == 200
    assert status({"DateGreaterThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}) == 403
    assert status({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}) == 200
    assert status({"NumericLessThan": {"aws:EpochTime": "4102444800"}}) == 200
    assert status({"NumericLessThan": {"aws:EpochTime": "1000"}}) == 403


@pytest.mark.minis3_only  # moto does not enforce policies
def test_deny_insecure_transport_policy_refuses_every_anonymous_request(server, s3, bucket):
    """The policy the S3 docs give to enforce TLS: on plain HTTP it refuses anonymous requests,
    even where an ACL would allow them, and leaves signed ones alone."""
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    s3.put_object(Bucket=bucket, Key="k", Body=b"v", ACL="public-read")
    assert_served(anon_get(server, bucket, "k"), b"v")
    put_policy(s3, bucket, document(deny("s3:*", [arn(bucket), arn(bucket, "*")],
                                         condition={"Bool": {"aws:SecureTransport": "false"}})))
    assert_denied(anon_get(server, bucket, "k"))
    assert_denied(anon_list(server, bucket))
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


@pytest.mark.minis3_only  # moto does not enforce policies
def test_prefix_condition_on_list_bucket(server, s3, anon, bucket):
    for key in ("public/a", "public/b", "private/c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    put_policy(s3, bucket, document(allow("s3:ListBucket", arn(bucket),
                                          condition={"StringEquals": {"s3:prefix": "public/"}})))
    listed = anon.list_objects_v2(Bucket=bucket, Prefix="public/")
    assert [o["Key"] for o in listed["Contents"]] == ["public/a", "public/b"]
    assert [o["Key"] for o in anon.list_objects(Bucket=bucket, Prefix="public/")["Contents"]] == ["public/a", "public/b"]
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket)
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket, Prefix="private/")
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket, Prefix="public/a")
    # StringLike with a wildcard, and max-keys and delimiter as keys of their own.
    put_policy(s3, bucket, document(allow("s3:ListBucket", arn(bucket), condition={
        "StringLike": {"s3:prefix": "pub*"},
        "NumericLessThanEquals": {"s3:max-keys": "10"},
        "StringEquals": {"s3:delimiter": "/"},
    })))
    listed = anon.list_objects_v2(Bucket=bucket, Prefix="public/", Delimiter="/", MaxKeys=10)
    assert [o["Key"] for o in listed["Contents"]] == ["public/a", "public/b"]
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket,
                        Prefix="public/", Delimiter="/", MaxKeys=11)
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket, Prefix="public/", MaxKeys=10)
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket,
                        Prefix="private/", Delimiter="/", MaxKeys=10)


@pytest.mark.minis3_only  # moto does not enforce policies
def test_put_object_condition_keys(server, s3, anon, bucket):
    # The cross-account upload pattern: writes must hand the bucket owner full control.
    put_policy(s3, bucket, document(allow("s3:PutObject", arn(bucket, "*"), condition={
        "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}})))
    anon.put_object(Bucket=bucket, Key="acl-ok", Body=b"x", ACL="bucket-owner-full-control")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="acl-none", Body=b"x")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="acl-other", Body=b"x",
                        ACL="public-read")
    # Encryption required: a Deny on the header's absence, the S3 docs' way.
    put_policy(s3, bucket, document(
        allow("s3:PutObject", arn(bucket, "*")),
        deny("s3:PutObject", arn(bucket, "*"), condition={"Null": {"s3:x-amz-server-side-encryption": "true"}}),
    ))
    anon.put_object(Bucket=bucket, Key="sse-ok", Body=b"x", ServerSideEncryption="AES256")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="sse-none", Body=b"x")
    put_policy(s3, bucket, document(allow("s3:PutObject", arn(bucket, "*"), condition={
        "StringEquals": {"s3:x-amz-storage-class": "STANDARD_IA"}})))
    anon.put_object(Bucket=bucket, Key="class-ok", Body=b"x", StorageClass="STANDARD_IA")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="class-none", Body=b"x")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="class-other", Body=b"x",
                        StorageClass="ONEZONE_IA")
    assert sorted(keys_in(s3, bucket)) == ["acl-ok", "class-ok", "sse-ok"]
    assert s3.head_object(Bucket=bucket, Key="sse-ok")["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="class-ok")["StorageClass"] == "STANDARD_IA"


@pytest.mark.minis3_only  # moto does not enforce policies
def test_deny_beats_the_acl(server, s3, bucket):
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    s3.put_object(Bucket=bucket, Key="k", Body=b"public by acl", ACL="public-read")
    assert_served(anon_get(server, bucket, "k"), b"public by acl")
    assert anon_list(server, bucket).status_code == 200
    put_policy(s3, bucket, document(deny("s3:GetObject", arn(bucket, "*"))))
    assert_denied(anon_get(server, bucket, "k"))
    assert anon_head(server, bucket, "k").status_code == 403
    assert anon_list(server, bucket).status_code == 200  # only reading objects is denied
    put_policy(s3, bucket, document(deny("s3:ListBucket", arn(bucket))))
    assert_denied(anon_list(server, bucket))
    assert_served(anon_get(server, bucket, "k"), b"public by acl")
    # A Deny beats an Allow of the same policy too.
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*")), deny("s3:GetObject", arn(bucket, "k"))))
    assert_denied(anon_get(server, bucket, "k"))


@pytest.mark.minis3_only  # moto does not enforce policies
def test_deny_on_writes_beats_a_public_read_write_acl(server, s3, anon):
    name = bucket_name("deny-writes")
    s3.create_bucket(Bucket=name, ACL="public-read-write")
    anon.put_object(Bucket=name, Key="before", Body=b"x")
    put_policy(s3, name, document(deny(["s3:PutObject", "s3:DeleteObject"], arn(name, "*"))))
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=name, Key="after", Body=b"x")
    expect_client_error(anon.delete_object, "AccessDenied", 403, Bucket=name, Key="before")
    resp = requests.post(f"{server.url}/{name}", data={"key": "form"}, files={"file": ("f", b"x")},
                         timeout=HTTP_TIMEOUT)
    assert resp.status_code == 403, resp.content
    assert keys_in(s3, name) == ["before"]


@pytest.mark.minis3_only  # moto does not enforce policies
def test_not_principal_not_action_not_resource(server, s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="open/k", Body=b"open", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="other/k", Body=b"other")
    s3.put_object(Bucket=bucket, Key="secret/k", Body=b"secret")
    assert_served(anon_get(server, bucket, "open/k"), b"open")
    # A Deny to everyone but one account applies to anonymous requests.
    put_policy(s3, bucket, document({"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                     "Action": "s3:GetObject", "Resource": arn(bucket, "*")}))
    assert_denied(anon_get(server, bucket, "open/k"))
    # Everything but deleting.
    put_policy(s3, bucket, document({"Effect": "Allow", "Principal": "*", "NotAction": "s3:DeleteObject",
                                     "Resource": arn(bucket, "*")}))
    assert_served(anon_get(server, bucket, "secret/k"), b"secret")
    expect_client_error(anon.delete_object, "AccessDenied", 403, Bucket=bucket, Key="secret/k")
    # Everywhere but under secret/.
    put_policy(s3, bucket, document({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                     "NotResource": arn(bucket, "secret/*")}))
    assert_served(anon_get(server, bucket, "other/k"), b"other")
    assert_denied(anon_get(server, bucket, "secret/k"))
    assert sorted(keys_in(s3, bucket)) == ["open/k", "other/k", "secret/k"]


@pytest.mark.minis3_only  # moto does not enforce policies
def test_a_policy_for_other_principals_gives_anonymous_nothing(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    for principal in ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, {"AWS": ACCOUNT},
                      {"Service": "cloudtrail.amazonaws.com"}, {"CanonicalUser": CANONICAL_USER}):
        put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*"), principal=principal)))
        assert_denied(anon_get(server, bucket, "k"))
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*"), principal={"AWS": [ACCOUNT, "*"]})))
    assert_served(anon_get(server, bucket, "k"), b"v")


@pytest.mark.minis3_only  # moto does not enforce policies
def test_deleting_the_policy_takes_its_grants_away_at_once(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    put_policy(s3, bucket, public_read(bucket))
    assert_served(anon_get(server, bucket, "k"), b"v")
    s3.delete_bucket_policy(Bucket=bucket)
    assert_denied(anon_get(server, bucket, "k"))


@pytest.mark.minis3_only  # moto does not enforce policies
def test_signed_requests_are_not_affected(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"owner's")
    put_policy(s3, bucket, document(deny("s3:*", [arn(bucket), arn(bucket, "*")])))
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"owner's"
    s3.put_object(Bucket=bucket, Key="k2", Body=b"more")
    assert sorted(keys_in(s3, bucket)) == ["k", "k2"]
    s3.delete_object(Bucket=bucket, Key="k2")
    assert current_policy(s3, bucket)["Statement"][0]["Effect"] == "Deny"
    s3.delete_bucket_policy(Bucket=bucket)
    expect_client_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)


# -- which action each operation needs --------------------------------------------------------------


OBJECT_ACTIONS = [
    "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:PutObjectTagging",
    "s3:DeleteObjectTagging", "s3:GetObjectAcl", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
]
BUCKET_ACTIONS = [
    "s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketAcl", "s3:GetBucketLocation", "s3:GetBucketPolicy",
    "s3:GetBucketCORS", "s3:ListBucketMultipartUploads",
]


def policy_granting(bucket: str, actions) -> dict:
    """Anonymous may do `actions` (object ones on every key, bucket ones on the bucket)."""
    statements = []
    objects = [a for a in actions if a in OBJECT_ACTIONS]
    buckets = [a for a in actions if a in BUCKET_ACTIONS]
    if objects:
        statements.append(allow(objects, arn(bucket, "*"), sid="Objects"))
    if buckets:
        statements.append(allow(buckets, arn(bucket), sid="Bucket"))
    return document(*statements)


def _form_post(c):
    resp = requests.post(f"{c.server.url}/{c.bucket}", data={"key": "form.txt"},
                         files={"file": ("f.txt", b"by form")}, timeout=HTTP_TIMEOUT)
    if resp.status_code != 204:
        raise ClientError({"Error": {"Code": s3_error(resp)["Code"]},
                           "ResponseMetadata": {"HTTPStatusCode": resp.status_code}}, "PostObject")
    assert c.s3.get_object(Bucket=c.bucket, Key="form.txt")["Body"].read() == b"by form"


def _anon_multipart(c):
    up = c.anon.create_multipart_upload(Bucket=c.bucket, Key="anon-mp")
    etag = c.anon.upload_part(Bucket=c.bucket, Key="anon-mp", UploadId=up["UploadId"], PartNumber=1,
                              Body=b"anon part")["ETag"]
    c.anon.complete_multipart_upload(Bucket=c.bucket, Key="anon-mp", UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert c.s3.get_object(Bucket=c.bucket, Key="anon-mp")["Body"].read() == b"anon part"


def _upload_part(c):
    c.anon.upload_part(Bucket=c.bucket, Key="mp", UploadId=c.upload_id, PartNumber=2, Body=b"second")
    parts = c.s3.list_parts(Bucket=c.bucket, Key="mp", UploadId=c.upload_id)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1, 2]


def _complete(c):
    c.anon.complete_multipart_upload(Bucket=c.bucket, Key="mp", UploadId=c.upload_id,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": c.part_etag}]})
    assert c.s3.get_object(Bucket=c.bucket, Key="mp")["Body"].read() == b"first part"


def _abort(c):
    c.anon.abort_multipart_upload(Bucket=c.bucket, Key="mp", UploadId=c.upload_id)
    assert c.s3.list_multipart_uploads(Bucket=c.bucket).get("Uploads", []) == []


def _delete_object(c):
    c.anon.delete_object(Bucket=c.bucket, Key="k")
    assert keys_in(c.s3, c.bucket) == []


def _put_tagging(c):
    c.anon.put_object_tagging(Bucket=c.bucket, Key="k", Tagging={"TagSet": [{"Key": "by", "Value": "anon"}]})
    assert c.s3.get_object_tagging(Bucket=c.bucket, Key="k")["TagSet"] == [{"Key": "by", "Value": "anon"}]


def _delete_tagging(c):
    c.anon.delete_object_tagging(Bucket=c.bucket, Key="k")
    assert c.s3.get_object_tagging(Bucket=c.bucket, Key="k")["TagSet"] == []


def _put_object(c):
    c.anon.put_object(Bucket=c.bucket, Key="new", Body=b"anon")
    assert c.s3.get_object(Bucket=c.bucket, Key="new")["Body"].read() == b"anon"


# GetBucketPolicy is not here: allowed, it answers 405 (test_anonymous_get_bucket_policy_is_403_then_405).
OPERATIONS = {
    "GetObject": ("s3:GetObject",
                  lambda c: c.anon.get_object(Bucket=c.bucket, Key="k")["Body"].read() == b"data" or _fail()),
    "HeadObject": ("s3:GetObject",
                   lambda c: c.anon.head_object(Bucket=c.bucket, Key="k")["ContentLength"] == 4 or _fail()),
    "ListObjectsV2": ("s3:ListBucket",
                      lambda c: [o["Key"] for o in c.anon.list_objects_v2(Bucket=c.bucket)["Contents"]] == ["k"]
                      or _fail()),
    "ListObjects": ("s3:ListBucket",
                    lambda c: [o["Key"] for o in c.anon.list_objects(Bucket=c.bucket)["Contents"]] == ["k"]
                    or _fail()),
    "HeadBucket": ("s3:ListBucket", lambda c: c.anon.head_bucket(Bucket=c.bucket)),
    "ListObjectVersions": ("s3:ListBucketVersions",
                           lambda c: [v["Key"] for v in c.anon.list_object_versions(Bucket=c.bucket)["Versions"]]
                           == ["k"] or _fail()),
    "PutObject": ("s3:PutObject", _put_object),
    "DeleteObject": ("s3:DeleteObject", _delete_object),
    "GetObjectTagging": ("s3:GetObjectTagging",
                         lambda c: c.anon.get_object_tagging(Bucket=c.bucket, Key="k")["TagSet"]
                         == [{"Key": "t", "Value": "1"}] or _fail()),
    "PutObjectTagging": ("s3:PutObjectTagging", _put_tagging),
    "DeleteObjectTagging": ("s3:DeleteObjectTagging", _delete_tagging),
    "GetObjectAcl": ("s3:GetObjectAcl",
                     lambda c: c.anon.get_object_acl(Bucket=c.bucket, Key="k")["Grants"] or _fail()),
    "GetBucketAcl": ("s3:GetBucketAcl", lambda c: c.anon.get_bucket_acl(Bucket=c.bucket)["Grants"] or _fail()),
    "GetBucketLocation": ("s3:GetBucketLocation", lambda c: c.anon.get_bucket_location(Bucket=c.bucket)),
    "GetBucketCors": ("s3:GetBucketCORS",
                      lambda c: c.anon.get_bucket_cors(Bucket=c.bucket)["CORSRules"][0]["AllowedMethods"]
                      == ["GET"] or _fail()),
    "ListMultipartUploads": ("s3:ListBucketMultipartUploads",
                             lambda c: [u["UploadId"] for u in c.anon.list_multipart_uploads(Bucket=c.bucket)["Uploads"]]
                             == [c.upload_id] or _fail()),
    "ListParts": ("s3:ListMultipartUploadParts",
                  lambda c: [p["PartNumber"] for p in
                             c.anon.list_parts(Bucket=c.bucket, Key="mp", UploadId=c.upload_id)["Parts"]] == [1]
                  or _fail()),
    "AbortMultipartUpload": ("s3:AbortMultipartUpload", _abort),
    "MultipartUpload": ("s3:PutObject", _anon_multipart),
    "UploadPart": ("s3:PutObject", _upload_part),
    "CompleteMultipartUpload": ("s3:PutObject", _complete),
    "PostObject": ("s3:PutObject", _form_post),
}


def _fail():
    raise AssertionError("the operation succeeded but answered something else")


def _outcome(op, c):
    """'ok', or (HTTP status, error code) of the error the operation met."""
    try:
        op(c)
    except ClientError as e:
        return (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"])
    return "ok"


@pytest.mark.minis3_only  # moto does not enforce policies
@pytest.mark.parametrize("operation", list(OPERATIONS), ids=list(OPERATIONS))
def test_each_operation_needs_its_own_action(server, s3, anon, bucket, operation):
    action, op = OPERATIONS[operation]
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", Tagging="t=1")
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"],
                                                                         "AllowedMethods": ["GET"]}]})
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    part_etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=1,
                               Body=b"first part")["ETag"]
    c = types.SimpleNamespace(server=server, s3=s3, anon=anon, bucket=bucket, upload_id=upload_id,
                              part_etag=part_etag)

    assert _outcome(op, c) in DENIED, "allowed without any policy"
    others = [a for a in OBJECT_ACTIONS + BUCKET_ACTIONS if a != action]
    put_policy(s3, bucket, policy_granting(bucket, others))
    assert _outcome(op, c) in DENIED, f"allowed by a policy granting everything but {action}"
    put_policy(s3, bucket, policy_granting(bucket, [action]))
    assert _outcome(op, c) == "ok"


@pytest.mark.minis3_only  # moto does not enforce policies
def test_s3_star_still_leaves_copies_batch_deletes_and_settings_to_the_owner(server, s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    doc = put_policy(s3, bucket, document(allow("s3:*", [arn(bucket), arn(bucket, "*")])))
    assert anon.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"  # the policy is in force
    attempts = {
        "copy": lambda: anon.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "k"}),
        "delete-objects": lambda: anon.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]}),
        "put-policy": lambda: anon.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read(bucket))),
        "delete-policy": lambda: anon.delete_bucket_policy(Bucket=bucket),
        "put-bucket-acl": lambda: anon.put_bucket_acl(Bucket=bucket, ACL="public-read-write"),
        "put-object-acl": lambda: anon.put_object_acl(Bucket=bucket, Key="k", ACL="public-read"),
        "put-bucket-tagging": lambda: anon.put_bucket_tagging(Bucket=bucket,
                                                              Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}),
        "delete-public-access-block": lambda: anon.delete_public_access_block(Bucket=bucket),
        "put-public-access-block": lambda: anon.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration={"IgnorePublicAcls": True}),
        "delete-cors": lambda: anon.delete_bucket_cors(Bucket=bucket),
        "delete-bucket": lambda: anon.delete_bucket(Bucket=bucket),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
        except ClientError as e:
            got = (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"])
            assert got == (403, "AccessDenied"), f"{name}: {got}"
        else:
            raise AssertionError(f"{name}: an anonymous request was allowed")
    assert keys_in(s3, bucket) == ["k"]
    assert current_policy(s3, bucket) == doc
    assert all(g["Grantee"].get("URI") is None for g in s3.get_bucket_acl(Bucket=bucket)["Grants"])
    expect_client_error(s3.get_bucket_tagging, "NoSuchTagSet", 404, Bucket=bucket)
    expect_client_error(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", 404, Bucket=bucket)


# -- the aws CLI and restarts -------------------------------------------------------------------------


def test_policy_through_the_cli(cli, s3, bucket, tmp_path):
    doc = public_read(bucket)
    (tmp_path / "p.json").write_text(json.dumps(doc, indent=2))
    cli.run("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", f"file://{tmp_path / 'p.json'}")
    out = json.loads(cli.run("s3api", "get-bucket-policy", "--bucket", bucket).stdout_text)
    assert json.loads(out["Policy"]) == doc
    cli.run("s3api", "delete-bucket-policy", "--bucket", bucket)
    expect_client_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)
    missing = cli.run("s3api", "get-bucket-policy", "--bucket", bucket, check=False)
    assert missing.returncode != 0
    assert "NoSuchBucketPolicy" in missing.stderr_text


@pytest.mark.minis3_only  # moto does not judge or enforce policies
def test_policy_status_and_errors_through_the_cli(cli, server, s3, bucket, tmp_path):
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"<h1>hi</h1>")
    (tmp_path / "p.json").write_text(json.dumps(public_read(bucket)))
    cli.run("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", f"file://{tmp_path / 'p.json'}")
    status = json.loads(cli.run("s3api", "get-bucket-policy-status", "--bucket", bucket).stdout_text)
    assert status == {"PolicyStatus": {"IsPublic": True}}
    assert_served(anon_get(server, bucket, "index.html"), b"<h1>hi</h1>")

    bad = cli.run("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", '{"Version": "2012-10-17"}',
                  check=False)
    assert bad.returncode != 0
    assert "MalformedPolicy" in bad.stderr_text and "Missing required field Statement" in bad.stderr_text

    cli.run("s3api", "delete-bucket-policy", "--bucket", bucket)
    assert_denied(anon_get(server, bucket, "index.html"))
    gone = cli.run("s3api", "get-bucket-policy-status", "--bucket", bucket, check=False)
    assert gone.returncode != 0 and "NoSuchBucketPolicy" in gone.stderr_text


@pytest.mark.minis3_only
def test_policy_survives_a_restart(tmp_path):
    srv = Server(tmp_path / "data").start()
    try:
        s3 = s3_client(srv.url)
        name = bucket_name("policy-restart")
        s3.create_bucket(Bucket=name)
        s3.put_object(Bucket=name, Key="k", Body=b"durable")
        doc = put_policy(s3, name, public_read(name))
        assert srv.stop() == 0
        srv = Server(srv.data_dir).start()
        s3 = s3_client(srv.url)
        assert current_policy(s3, name) == doc
        assert_served(anon_get(srv, name, "k"), b"durable")
    finally:
        srv.stop()


# -- the rules tightened after review ---------------------------------------------------------------


GRANTING_ACLS = ["public-read", "public-read-write", "authenticated-read", "aws-exec-read", "log-delivery-write"]
OWNER_ACLS = ["private", "bucket-owner-read", "bucket-owner-full-control"]


def tagging_xml(**tags) -> str:
    inner = "".join(f"<Tag><Key>{k}</Key><Value>{v}</Value></Tag>" for k, v in tags.items())
    return f"<Tagging><TagSet>{inner}</TagSet></Tagging>"


def anon_put(server, bucket: str, key: str, body: bytes = b"x", **headers) -> requests.Response:
    return requests.put(f"{server.url}{key_path(bucket, key)}", data=body, headers=headers, timeout=HTTP_TIMEOUT)


def anon_form(server, bucket: str, key: str, fields: dict | None = None, headers: dict | None = None):
    """An unsigned browser-form upload of `key` with `fields` before the file."""
    return requests.post(f"{server.url}/{bucket}", data={"key": key, **(fields or {})},
                         files={"file": ("f.txt", b"form bytes")}, headers=headers or {}, timeout=HTTP_TIMEOUT)


def tags_of(s3, bucket: str, key: str) -> dict:
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}


def uploads_of(s3, bucket: str) -> list[str]:
    return [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


@pytest.mark.minis3_only  # moto does not enforce policies
def test_anonymous_get_bucket_policy_is_403_then_405(server, s3, anon, bucket):
    expect_client_error(anon.get_bucket_policy, "AccessDenied", 403, Bucket=bucket)
    others = [a for a in OBJECT_ACTIONS + BUCKET_ACTIONS if a != "s3:GetBucketPolicy"]
    put_policy(s3, bucket, policy_granting(bucket, others))
    expect_client_error(anon.get_bucket_policy, "AccessDenied", 403, Bucket=bucket)
    # Allowed, the answer is still no: 405, as S3 answers callers outside the owner's account.
    for doc in (policy_granting(bucket, ["s3:GetBucketPolicy"]),
                document(allow("s3:*", [arn(bucket), arn(bucket, "*")]))):
        put_policy(s3, bucket, doc)
        expect_client_error(anon.get_bucket_policy, "MethodNotAllowed", 405, Bucket=bucket)
        raw = anon_list(server, bucket, "policy")
        assert raw.status_code == 405 and s3_error(raw)["Code"] == "MethodNotAllowed", raw.content
        assert b"Statement" not in raw.content
    doc = put_policy(s3, bucket, document(allow("s3:GetBucketPolicy", arn(bucket)),
                                          deny("s3:GetBucketPolicy", arn(bucket))))
    expect_client_error(anon.get_bucket_policy, "AccessDenied", 403, Bucket=bucket)
    assert current_policy(s3, bucket) == doc


@pytest.mark.minis3_only  # moto does not enforce policies
def test_list_bucket_alone_does_not_reveal_missing_keys(server, s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    put_policy(s3, bucket, document(allow("s3:ListBucket", arn(bucket))))
    assert [o["Key"] for o in anon.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]
    assert_denied(anon_get(server, bucket, "missing"))
    assert anon_head(server, bucket, "missing").status_code == 403
    assert_denied(anon_get(server, bucket, "k"))


@pytest.mark.minis3_only  # moto does not enforce policies
def test_writes_setting_tags_or_a_granting_acl_need_those_actions(server, s3, anon, bucket):
    put_policy(s3, bucket, document(allow("s3:PutObject", arn(bucket, "*"))))
    anon.put_object(Bucket=bucket, Key="plain", Body=b"x")
    for acl in OWNER_ACLS:
        anon.put_object(Bucket=bucket, Key=f"acl-{acl}", Body=b"x", ACL=acl)
    form = anon_form(server, bucket, "form-owner", {"acl": "bucket-owner-full-control"})
    assert form.status_code == 204, form.content
    before = sorted(keys_in(s3, bucket))
    # An ACL granting others, or tags, also take s3:PutObjectAcl / s3:PutObjectTagging.
    for acl in GRANTING_ACLS:
        assert_denied(anon_put(server, bucket, f"acl-{acl}", **{"x-amz-acl": acl}))
        assert_denied(anon_form(server, bucket, f"form-{acl}", {"acl": acl}))
        expect_client_error(anon.create_multipart_upload, "AccessDenied", 403, Bucket=bucket, Key=f"mp-{acl}",
                            ACL=acl)
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="shared", Body=b"x",
                        ACL="public-read")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="tagged", Body=b"x",
                        Tagging="a=b")
    expect_client_error(anon.create_multipart_upload, "AccessDenied", 403, Bucket=bucket, Key="tagged-mp",
                        Tagging="a=b")
    assert_denied(anon_form(server, bucket, "form-tagged", {"tagging": tagging_xml(a="b")}))
    assert sorted(keys_in(s3, bucket)) == before
    assert uploads_of(s3, bucket) == []

    # With s3:PutObjectAcl, a public-read object is written, and anyone reads it through its ACL.
    put_policy(s3, bucket, document(allow(["s3:PutObject", "s3:PutObjectAcl"], arn(bucket, "*"))))
    anon.put_object(Bucket=bucket, Key="shared", Body=b"shared", ACL="public-read")
    assert_served(anon_get(server, bucket, "shared"), b"shared")
    assert_denied(anon_get(server, bucket, "plain"))
    assert anon_form(server, bucket, "form-shared", {"acl": "public-read"}).status_code == 204
    assert_served(anon_get(server, bucket, "form-shared"), b"form bytes")
    anon.create_multipart_upload(Bucket=bucket, Key="shared-mp", ACL="public-read")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="tagged", Body=b"x",
                        Tagging="a=b")

    # With s3:PutObjectTagging, tags go through and a granting ACL does not.
    put_policy(s3, bucket, document(allow(["s3:PutObject", "s3:PutObjectTagging"], arn(bucket, "*"))))
    anon.put_object(Bucket=bucket, Key="tagged", Body=b"x", Tagging="a=b")
    assert tags_of(s3, bucket, "tagged") == {"a": "b"}
    assert anon_form(server, bucket, "form-tagged", {"tagging": tagging_xml(by="form")}).status_code == 204
    assert tags_of(s3, bucket, "form-tagged") == {"by": "form"}
    anon.create_multipart_upload(Bucket=bucket, Key="tagged-mp", Tagging="a=b")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="shared2", Body=b"x",
                        ACL="public-read")
    assert sorted(keys_in(s3, bucket)) == sorted(before + ["shared", "form-shared", "tagged", "form-tagged"])
    assert sorted(uploads_of(s3, bucket)) == ["shared-mp", "tagged-mp"]


@pytest.mark.minis3_only  # moto does not enforce policies
def test_existing_object_tags_decide_reads_acls_and_tag_changes(server, s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="plain", Body=b"p")
    s3.put_object(Bucket=bucket, Key="secret", Body=b"s", Tagging="secret=true")
    put_policy(s3, bucket, document(
        allow("s3:GetObject*", arn(bucket, "*")),
        deny("s3:GetObject*", arn(bucket, "*"), condition={"StringEquals": {"s3:ExistingObjectTag/secret": "true"}}),
    ))
    assert_served(anon_get(server, bucket, "plain"), b"p")
    assert anon.get_object_tagging(Bucket=bucket, Key="plain")["TagSet"] == []
    assert anon.get_object_acl(Bucket=bucket, Key="plain")["Grants"]
    assert anon_head(server, bucket, "plain").status_code == 200
    assert_denied(anon_get(server, bucket, "secret"))
    assert anon_head(server, bucket, "secret").status_code == 403
    expect_client_error(anon.get_object_tagging, "AccessDenied", 403, Bucket=bucket, Key="secret")
    expect_client_error(anon.get_object_acl, "AccessDenied", 403, Bucket=bucket, Key="secret")

    s3.put_object(Bucket=bucket, Key="editable", Body=b"e", Tagging="editable=yes&n=1")
    s3.put_object(Bucket=bucket, Key="fixed", Body=b"f", Tagging="editable=no")
    put_policy(s3, bucket, document(allow(["s3:PutObjectTagging", "s3:DeleteObjectTagging"], arn(bucket, "*"),
                                          condition={"StringEquals": {"s3:ExistingObjectTag/editable": "yes"}})))
    new_tags = {"TagSet": [{"Key": "editable", "Value": "yes"}, {"Key": "n", "Value": "2"}]}
    expect_client_error(anon.put_object_tagging, "AccessDenied", 403, Bucket=bucket, Key="fixed", Tagging=new_tags)
    expect_client_error(anon.delete_object_tagging, "AccessDenied", 403, Bucket=bucket, Key="fixed")
    assert tags_of(s3, bucket, "fixed") == {"editable": "no"}
    anon.put_object_tagging(Bucket=bucket, Key="editable", Tagging=new_tags)
    assert tags_of(s3, bucket, "editable") == {"editable": "yes", "n": "2"}
    anon.delete_object_tagging(Bucket=bucket, Key="editable")
    assert tags_of(s3, bucket, "editable") == {}
    # Its tag gone, the object is no longer the policy's to change.
    expect_client_error(anon.put_object_tagging, "AccessDenied", 403, Bucket=bucket, Key="editable",
                        Tagging=new_tags)
    assert tags_of(s3, bucket, "editable") == {}


@pytest.mark.minis3_only  # moto does not enforce policies
def test_request_tag_keys_are_every_key_the_request_sets(server, s3, anon, bucket):
    writes = ["s3:PutObject", "s3:PutObjectTagging"]

    def with_keys(operator):
        put_policy(s3, bucket, document(allow(writes, arn(bucket, "*"),
                                              condition={operator: {"s3:RequestObjectTagKeys": ["project"]}})))

    with_keys("ForAllValues:StringEquals")
    anon.put_object(Bucket=bucket, Key="all-ok", Body=b"x", Tagging="project=a")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="all-extra", Body=b"x",
                        Tagging="project=a&secret=1")
    expect_client_error(anon.create_multipart_upload, "AccessDenied", 403, Bucket=bucket, Key="all-extra-mp",
                        Tagging="project=a&secret=1")
    anon.create_multipart_upload(Bucket=bucket, Key="all-ok-mp", Tagging="project=a")
    with_keys("ForAnyValue:StringEquals")
    anon.put_object(Bucket=bucket, Key="any-ok", Body=b"x", Tagging="project=a&secret=1")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="any-other", Body=b"x",
                        Tagging="secret=1")
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="any-none", Body=b"x")
    # s3:RequestObjectTag/KEY on CreateMultipartUpload: its x-amz-tagging.
    put_policy(s3, bucket, document(
        allow(writes, arn(bucket, "*")),
        deny("s3:PutObject", arn(bucket, "*"), condition={"StringEquals": {"s3:RequestObjectTag/secret": "1"}}),
    ))
    expect_client_error(anon.create_multipart_upload, "AccessDenied", 403, Bucket=bucket, Key="secret-mp",
                        Tagging="project=a&secret=1")
    anon.create_multipart_upload(Bucket=bucket, Key="ok-mp", Tagging="secret=0")
    assert sorted(keys_in(s3, bucket)) == ["all-ok", "any-ok"]
    assert tags_of(s3, bucket, "any-ok") == {"project": "a", "secret": "1"}
    assert sorted(uploads_of(s3, bucket)) == ["all-ok-mp", "ok-mp"]


@pytest.mark.minis3_only  # moto does not enforce policies
def test_put_object_tagging_tags_are_unknown_when_authorizing(server, s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="t=1")
    tagging = {"TagSet": [{"Key": "project", "Value": "a"}]}
    allow_all = allow("s3:PutObjectTagging", arn(bucket, "*"))
    # A Deny on the body's tags may apply, so it does (though these tags would not match it).
    for condition in ({"StringEquals": {"s3:RequestObjectTag/secret": "1"}},
                      {"ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": "secret"}}):
        put_policy(s3, bucket, document(allow_all, deny("s3:PutObjectTagging", arn(bucket, "*"), condition=condition)))
        expect_client_error(anon.put_object_tagging, "AccessDenied", 403, Bucket=bucket, Key="k", Tagging=tagging)
        assert tags_of(s3, bucket, "k") == {"t": "1"}
    # An Allow on them does not allow (though these tags would match it).
    for condition in ({"StringEquals": {"s3:RequestObjectTag/project": "a"}},
                      {"ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": "project"}}):
        put_policy(s3, bucket, document(allow("s3:PutObjectTagging", arn(bucket, "*"), condition=condition)))
        expect_client_error(anon.put_object_tagging, "AccessDenied", 403, Bucket=bucket, Key="k", Tagging=tagging)
        assert tags_of(s3, bucket, "k") == {"t": "1"}
    put_policy(s3, bucket, document(allow_all))
    anon.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagging)
    assert tags_of(s3, bucket, "k") == {"project": "a"}


@pytest.mark.minis3_only  # moto does not enforce policies
def test_form_posts_are_judged_by_their_fields_not_their_headers(server, s3, bucket):
    put_policy(s3, bucket, document(allow(["s3:PutObject", "s3:PutObjectTagging"], arn(bucket, "*"),
                                          condition={"StringEquals": {"s3:RequestObjectTag/source": "form"}})))
    resp = anon_form(server, bucket, "tag-field", {"tagging": tagging_xml(source="form")})
    assert resp.status_code == 204, resp.content
    assert tags_of(s3, bucket, "tag-field") == {"source": "form"}
    header = {"x-amz-tagging": "source=form"}
    assert_denied(anon_form(server, bucket, "tag-header", headers=header))
    assert_denied(anon_form(server, bucket, "tag-both", {"tagging": tagging_xml(source="other")}, header))

    put_policy(s3, bucket, document(allow(["s3:PutObject", "s3:PutObjectAcl"], arn(bucket, "*"),
                                          condition={"StringEquals": {"s3:x-amz-acl": "public-read"}})))
    resp = anon_form(server, bucket, "acl-field", {"acl": "public-read"})
    assert resp.status_code == 204, resp.content
    assert_served(anon_get(server, bucket, "acl-field"), b"form bytes")
    header = {"x-amz-acl": "public-read"}
    assert_denied(anon_form(server, bucket, "acl-header", headers=header))
    assert_denied(anon_form(server, bucket, "acl-both", {"acl": "private"}, header))
    assert sorted(keys_in(s3, bucket)) == ["acl-field", "tag-field"]


@pytest.mark.minis3_only  # moto does not enforce Block Public Access
def test_restrict_public_buckets_closes_acl_grants_while_the_policy_is_public(server, s3, anon):
    name = bucket_name("restrict-acls")
    s3.create_bucket(Bucket=name, ACL="public-read-write")
    s3.put_object(Bucket=name, Key="acl/k", Body=b"by acl", ACL="public-read")
    s3.put_object(Bucket=name, Key="pol/k", Body=b"by policy")
    put_policy(s3, name, public_read(name))
    assert_served(anon_get(server, name, "acl/k"), b"by acl")
    assert_served(anon_get(server, name, "pol/k"), b"by policy")
    put_public_access_block(s3, name, RestrictPublicBuckets=True)
    # A public policy in force: anonymous requests get nothing, ACL grants included.
    assert_denied(anon_get(server, name, "acl/k"))
    assert_denied(anon_get(server, name, "pol/k"))
    assert_denied(anon_list(server, name))
    expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=name, Key="new", Body=b"x")
    expect_client_error(anon.delete_object, "AccessDenied", 403, Bucket=name, Key="acl/k")
    expect_client_error(anon.create_multipart_upload, "AccessDenied", 403, Bucket=name, Key="mp")
    assert_denied(anon_form(server, name, "by-form"))
    assert sorted(keys_in(s3, name)) == ["acl/k", "pol/k"]
    assert uploads_of(s3, name) == []
    # A policy that is not public: it and the ACLs work as usual.
    put_policy(s3, name, document(allow("s3:GetObject", arn(name, "pol/*"),
                                        condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})))
    assert is_public(s3, name) is False
    assert_served(anon_get(server, name, "pol/k"), b"by policy")
    assert_served(anon_get(server, name, "acl/k"), b"by acl")
    assert anon_list(server, name).status_code == 200
    anon.put_object(Bucket=name, Key="new", Body=b"x")
    assert sorted(keys_in(s3, name)) == ["acl/k", "new", "pol/k"]


@pytest.mark.minis3_only  # moto does not enforce policies
def test_block_public_policy_refuses_wide_blocks_and_takes_a_kms_key(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    # The two halves of the address space let anyone in: no wonder it is public.
    put_policy(s3, bucket, _public(bucket)["two-halves"])
    assert_served(anon_get(server, bucket, "k"), b"v")
    kept = put_policy(s3, bucket, _non_public(bucket)["source-ip-slash-8"])
    put_public_access_block(s3, bucket, BlockPublicPolicy=True)
    for which in ("all-addresses-00", "two-halves", "slash-7", "for-any-value-ip", "if-exists-ip"):
        expect_client_error(s3.put_bucket_policy, "AccessDenied", 403, Bucket=bucket,
                            Policy=json.dumps(_public(bucket)[which]))
        assert current_policy(s3, bucket) == kept, which
    doc = put_policy(s3, bucket, _non_public(bucket)["kms-key-id"])
    assert current_policy(s3, bucket) == doc


@pytest.mark.minis3_only  # moto does not enforce policies
def test_version_id_null_needs_the_version_actions(server, s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*"))))
    assert_served(anon_get(server, bucket, "k"), b"data")
    expect_client_error(anon.get_object, "AccessDenied", 403, Bucket=bucket, Key="k", VersionId="null")
    expect_client_error(anon.head_object, "403", 403, Bucket=bucket, Key="k", VersionId="null")
    put_policy(s3, bucket, document(allow("s3:GetObjectVersion", arn(bucket, "*"))))
    assert anon.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"data"
    assert anon.head_object(Bucket=bucket, Key="k", VersionId="null")["ContentLength"] == 4
    assert_denied(anon_get(server, bucket, "k"))

    put_policy(s3, bucket, document(allow("s3:DeleteObject", arn(bucket, "*"))))
    expect_client_error(anon.delete_object, "AccessDenied", 403, Bucket=bucket, Key="k", VersionId="null")
    assert keys_in(s3, bucket) == ["k"]
    put_policy(s3, bucket, document(allow("s3:DeleteObjectVersion", arn(bucket, "*"))))
    expect_client_error(anon.delete_object, "AccessDenied", 403, Bucket=bucket, Key="k")
    assert keys_in(s3, bucket) == ["k"]
    anon.delete_object(Bucket=bucket, Key="k", VersionId="null")
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only  # moto does not enforce ACLs this way
def test_multipart_uploads_into_a_public_read_write_bucket(server, s3, anon):
    name = bucket_name("mp-public-rw")
    s3.create_bucket(Bucket=name, ACL="public-read-write")
    # The bucket's WRITE grant: begin, upload, complete; its READ grant: list the uploads.
    upload_id = anon.create_multipart_upload(Bucket=name, Key="mp")["UploadId"]
    etag = anon.upload_part(Bucket=name, Key="mp", UploadId=upload_id, PartNumber=1, Body=b"anon part")["ETag"]
    listed = anon.list_multipart_uploads(Bucket=name)["Uploads"]
    assert [u["UploadId"] for u in listed] == [upload_id]
    # Listing the parts and aborting take a policy.
    expect_client_error(anon.list_parts, "AccessDenied", 403, Bucket=name, Key="mp", UploadId=upload_id)
    expect_client_error(anon.abort_multipart_upload, "AccessDenied", 403, Bucket=name, Key="mp", UploadId=upload_id)
    assert uploads_of(s3, name) == ["mp"]
    anon.complete_multipart_upload(Bucket=name, Key="mp", UploadId=upload_id,
                                   MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket=name, Key="mp")["Body"].read() == b"anon part"
    assert uploads_of(s3, name) == []
    # With a policy allowing them, they work.
    second = anon.create_multipart_upload(Bucket=name, Key="mp2")["UploadId"]
    put_policy(s3, name, document(allow(["s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"], arn(name, "*"))))
    assert anon.list_parts(Bucket=name, Key="mp2", UploadId=second).get("Parts", []) == []
    anon.abort_multipart_upload(Bucket=name, Key="mp2", UploadId=second)
    assert uploads_of(s3, name) == []


@pytest.mark.minis3_only  # moto does not enforce policies
def test_policy_variables_resolve_from_the_request(server, s3, anon, bucket):
    for key in ("127.0.0.1/f", "10.1.2.3/f", "ref/x", "ref/*", "*/x", "a/x", "?$/x",
                "home/${aws:username}/f", "home/guest/f"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())

    def status(key, **headers):
        return anon_get(server, bucket, key, **headers).status_code

    # ${aws:SourceIp} in a resource: the client reads its own address's folder.
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "${aws:SourceIp}/*"))))
    assert_served(anon_get(server, bucket, "127.0.0.1/f"), b"127.0.0.1/f")
    assert status("10.1.2.3/f") == 403
    # ${aws:Referer}: its value matches literally, a `*` in it too.
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "ref/${aws:Referer}"))))
    assert status("ref/x", Referer="x") == 200
    assert status("ref/x", Referer="*") == 403
    assert status("ref/*", Referer="*") == 200
    assert status("ref/x") == 403
    # In condition values.
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*"), condition={
        "StringEquals": {"aws:UserAgent": "agent-of-${aws:Referer}"}})))
    assert status("a/x", Referer="r1", **{"User-Agent": "agent-of-r1"}) == 200
    assert status("a/x", Referer="r2", **{"User-Agent": "agent-of-r1"}) == 403
    assert status("a/x", **{"User-Agent": "agent-of-r1"}) == 403
    put_policy(s3, bucket, document(allow("s3:ListBucket", arn(bucket), condition={
        "StringEquals": {"s3:prefix": "${aws:SourceIp}/"}})))
    assert [o["Key"] for o in anon.list_objects_v2(Bucket=bucket, Prefix="127.0.0.1/")["Contents"]] == ["127.0.0.1/f"]
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket, Prefix="10.1.2.3/")
    # ${*}, ${?} and ${$} are those characters.
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*")),
                                    deny("s3:GetObject", [arn(bucket, "${*}/*"), arn(bucket, "${?}${$}/*")])))
    assert status("*/x") == 403
    assert status("?$/x") == 403
    assert status("a/x") == 200
    # A variable the request lacks matches nothing, not its own text; a default stands in for it.
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "home/${aws:username}/*"))))
    assert status("home/${aws:username}/f") == 403
    assert status("home/guest/f") == 403
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "home/${aws:username, 'guest'}/*"))))
    assert_served(anon_get(server, bucket, "home/guest/f"), b"home/guest/f")
    assert status("home/${aws:username}/f") == 403
    # In a 2008-10-17 document `${...}` is plain text.
    put_policy(s3, bucket, {"Version": "2008-10-17",
                            "Statement": [allow("s3:GetObject", arn(bucket, "home/${aws:username}/*"))]})
    assert_served(anon_get(server, bucket, "home/${aws:username}/f"), b"home/${aws:username}/f")
    assert status("home/guest/f") == 403


@pytest.mark.minis3_only  # moto does not enforce policies
def test_dates_with_huge_years_are_malformed_and_never_crash_the_server(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    huge = "9223372036854775807-01-01"
    for operator, key in (("DateGreaterThan", "aws:Referer"), ("DateLessThan", "aws:CurrentTime")):
        doc = document(allow("s3:GetObject", arn(bucket, "*"), condition={operator: {key: huge}}))
        expect_client_error(s3.put_bucket_policy, "MalformedPolicy", 400, Bucket=bucket, Policy=json.dumps(doc))
    expect_client_error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bucket)
    put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*"), condition={
        "DateGreaterThan": {"aws:Referer": "2020-01-01T00:00:00Z"}})))
    assert_served(anon_get(server, bucket, "k", Referer="2021-06-01T00:00:00Z"), b"v")
    assert_denied(anon_get(server, bucket, "k", Referer="2019-06-01"))
    for referer in (huge, "9223372036854775807-12-31T23:59:59Z", "-9223372036854775808-01-01",
                    "99999999999999999999-01-01"):
        assert_denied(anon_get(server, bucket, "k", Referer=referer))
    # The server is still there and answering.
    assert server.proc is None or server.proc.poll() is None
    assert requests.get(f"{server.url}/_minis3/health", timeout=HTTP_TIMEOUT).status_code == 200
    assert_served(anon_get(server, bucket, "k", Referer="2021-06-01T00:00:00Z"), b"v")


@pytest.mark.minis3_only  # moto does not judge or enforce policies
def test_a_cloudfront_identity_is_not_everyone(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    doc = put_policy(s3, bucket, document(allow("s3:GetObject", arn(bucket, "*"), principal={"AWS": CLOUDFRONT_OAI})))
    assert current_policy(s3, bucket) == doc
    assert is_public(s3, bucket) is False
    assert_denied(anon_get(server, bucket, "k"))
