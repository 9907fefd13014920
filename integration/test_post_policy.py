"""Presigned POST (HTML form uploads) end to end: boto3's `generate_presigned_post` used as its
docs show, the form sent with `requests`, for both signature versions boto3 produces; the
success answers (204 / 200 / 201 PostResponse / 303 redirect), the fields that become object
headers, and every way a form is refused (policy conditions, size limits, expiry, signatures,
malformed forms), each time checking that nothing was stored."""

import base64
import hashlib
import hmac
import json
import os
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from support import (
    HTTP_TIMEOUT,
    SECRET_KEY,
    MiB,
    anonymous_client,
    bucket_name,
    expect_client_error,
    keys_in,
    md5_etag,
    s3_client,
    s3_error,
)

POLICY_PREFIX = "Invalid according to Policy: "


@pytest.fixture(params=["default", "s3v4", "s3"])
def presigner(request, server, s3, s3v4):
    """The clients whose presigned POSTs a backend hands out: boto3's default for S3 (SigV2
    fields in this botocore), SigV4 asked for with Config(signature_version='s3v4'), and SigV2
    asked for with 's3'."""
    if request.param == "default":
        return s3
    if request.param == "s3v4":
        return s3v4
    return s3_client(server.url, signature_version="s3")


@pytest.fixture(scope="module")
def s3v2(server):
    return s3_client(server.url, signature_version="s3")


def signature_kind(fields: dict) -> str:
    if "x-amz-signature" in fields:
        assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
        return "v4"
    assert "signature" in fields and "AWSAccessKeyId" in fields, fields
    return "v2"


def send(post: dict, data: bytes = b"form upload\n", filename: str = "upload.txt", *, fields=None, after_file=()):
    """POST the form `post` (a generate_presigned_post answer) the way a browser does: the
    fields in order, then the file part, then any `after_file` fields."""
    form = list((fields if fields is not None else post["fields"]).items())
    parts = [("file", (filename, data))] + [(name, (None, value)) for name, value in after_file]
    return requests.post(post["url"], data=form, files=parts, timeout=HTTP_TIMEOUT, allow_redirects=False)


def decode_policy(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def resigned(fields: dict, policy_text: str, secret: str = SECRET_KEY) -> dict:
    """`fields` with the policy replaced by `policy_text` (sent as is, base64 or not) and signed
    correctly for it, the way the fields' signature version signs."""
    out = dict(fields, policy=policy_text)
    if signature_kind(fields) == "v2":
        digest = hmac.new(secret.encode(), policy_text.encode(), hashlib.sha1).digest()
        out["signature"] = base64.b64encode(digest).decode()
    else:
        _, date, region, service, _ = fields["x-amz-credential"].split("/")
        key = ("AWS4" + secret).encode()
        for part in (date, region, service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        out["x-amz-signature"] = hmac.new(key, policy_text.encode(), hashlib.sha256).hexdigest()
    return out


def encode_policy(doc: dict) -> str:
    return base64.b64encode(json.dumps(doc).encode()).decode()


def assert_refused(resp, status: int, code: str, message: str | None = None, message_contains=()):
    assert resp.status_code == status, (resp.status_code, resp.content)
    err = s3_error(resp)
    assert err["Code"] == code, err
    if message is not None:
        assert err["Message"] == message, err
    for part in message_contains:
        assert part in err["Message"], err
    return err


def assert_policy_refused(resp, detail: str):
    assert_refused(resp, 403, "AccessDenied", POLICY_PREFIX + detail)


def assert_stored(s3, bucket, key, data):
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == data
    assert got["ETag"] == md5_etag(data)
    return got


# -- accepted forms --------------------------------------------------------------------------------


@pytest.mark.minis3_only  # moto answers without an ETag header
def test_presigned_post_as_the_boto3_docs_show(request, server, s3, presigner, bucket, tmp_path):
    path = tmp_path / "report.csv"
    path.write_bytes(b"id,name\n1,minis3\n" * 50)

    response = presigner.generate_presigned_post(bucket, "uploads/report.csv", ExpiresIn=3600)
    asked_for = request.node.callspec.params["presigner"]
    if asked_for != "default":
        assert signature_kind(response["fields"]) == {"s3v4": "v4", "s3": "v2"}[asked_for]
    assert response["url"] == f"{server.url}/{bucket}"
    with open(path, "rb") as f:
        files = {"file": (path.name, f)}
        http_response = requests.post(response["url"], data=response["fields"], files=files, timeout=HTTP_TIMEOUT)

    assert http_response.status_code == 204, http_response.content
    assert http_response.content == b""
    assert http_response.headers["ETag"] == md5_etag(path.read_bytes())
    assert unquote(http_response.headers["Location"]) == f"{server.url}/{bucket}/uploads/report.csv"
    assert_stored(s3, bucket, "uploads/report.csv", path.read_bytes())
    assert keys_in(s3, bucket) == ["uploads/report.csv"]


@pytest.mark.minis3_only  # moto's 201 has no body
def test_success_action_status_201_returns_post_response(server, s3, bucket):
    data = b"created\n"
    post = s3.generate_presigned_post(
        bucket, "doc.txt", Fields={"success_action_status": "201"}, Conditions=[{"success_action_status": "201"}]
    )
    resp = send(post, data)
    assert resp.status_code == 201, resp.content
    root = ET.fromstring(resp.content)
    assert root.tag.rsplit("}", 1)[-1] == "PostResponse"
    fields = {child.tag.rsplit("}", 1)[-1]: child.text for child in root}
    assert fields["Bucket"] == bucket
    assert fields["Key"] == "doc.txt"
    assert fields["ETag"] == md5_etag(data)
    assert unquote(fields["Location"]) == f"{server.url}/{bucket}/doc.txt"
    assert resp.headers["ETag"] == md5_etag(data)
    assert_stored(s3, bucket, "doc.txt", data)


@pytest.mark.parametrize(
    "status,expected",
    # moto answers with whatever status the form names
    [("200", 200), ("204", 204)] + [pytest.param(s, 204, marks=pytest.mark.minis3_only) for s in ("418", "")],
)
def test_success_action_status_other_values(s3, bucket, status, expected):
    post = s3.generate_presigned_post(
        bucket, "k", Fields={"success_action_status": status}, Conditions=[{"success_action_status": status}]
    )
    resp = send(post, b"status")
    assert resp.status_code == expected, resp.content
    assert resp.content == b""
    assert_stored(s3, bucket, "k", b"status")


@pytest.mark.minis3_only  # moto's redirect has no etag
def test_success_action_redirect(s3, bucket):
    target = "http://app.test/uploaded"
    data = b"redirected"
    post = s3.generate_presigned_post(
        bucket,
        "dir/file.txt",
        Fields={"success_action_redirect": target},
        Conditions=[{"success_action_redirect": target}],
    )
    resp = send(post, data)
    assert resp.status_code == 303, resp.content
    location = urlsplit(resp.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == target
    assert parse_qs(location.query) == {"bucket": [bucket], "key": ["dir/file.txt"], "etag": [md5_etag(data)]}
    assert_stored(s3, bucket, "dir/file.txt", data)


def test_filename_variable_in_the_key(s3, presigner, bucket):
    post = presigner.generate_presigned_post(bucket, "uploads/${filename}")
    # boto3 turns the variable into a starts-with condition on the part before it.
    assert ["starts-with", "$key", "uploads/"] in decode_policy(post["fields"])["conditions"]
    resp = send(post, b"\x89PNG\r\n", filename="holiday photo.png")
    assert resp.status_code == 204, resp.content
    assert keys_in(s3, bucket) == ["uploads/holiday photo.png"]
    assert_stored(s3, bucket, "uploads/holiday photo.png", b"\x89PNG\r\n")


def test_header_and_metadata_fields_are_stored(s3, bucket):
    fields = {
        "Content-Type": "image/png",
        "Cache-Control": "max-age=60",
        "Content-Disposition": 'inline; filename="pic.png"',
        "x-amz-meta-color": "blue",
        "x-amz-meta-camera": "X100 (fixed lens)",
        "Content-Encoding": "identity",
        "Expires": "Thu, 01 Jan 2037 00:00:00 GMT",
    }
    post = s3.generate_presigned_post(
        bucket,
        "pic.png",
        Fields=fields,
        Conditions=[
            ["starts-with", "$Content-Type", "image/"],
            {"Cache-Control": "max-age=60"},
            ["eq", "$Content-Disposition", 'inline; filename="pic.png"'],
            {"x-amz-meta-color": "blue"},
            ["starts-with", "$x-amz-meta-camera", ""],
            {"Content-Encoding": "identity"},
            ["starts-with", "$Expires", ""],
        ],
    )
    resp = send(post, b"png bytes")
    assert resp.status_code == 204, resp.content
    head = s3.head_object(Bucket=bucket, Key="pic.png")
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"] == "max-age=60"
    assert head["ContentDisposition"] == 'inline; filename="pic.png"'
    assert head["ContentEncoding"] == "identity"
    assert head["ResponseMetadata"]["HTTPHeaders"]["expires"] == "Thu, 01 Jan 2037 00:00:00 GMT"
    assert head["Metadata"] == {"color": "blue", "camera": "X100 (fixed lens)"}


def test_empty_file(s3, bucket):
    post = s3.generate_presigned_post(bucket, "empty")
    resp = send(post, b"")
    assert resp.status_code == 204, resp.content
    assert_stored(s3, bucket, "empty", b"")


@pytest.mark.minis3_only
def test_content_type_list_must_each_start_with_the_prefix(s3, bucket):
    post = s3.generate_presigned_post(bucket, "k", Conditions=[["starts-with", "$Content-Type", "image/"]])
    fields = {**post["fields"], "Content-Type": "image/png, image/webp"}
    assert send(post, b"ok", fields=fields).status_code == 204
    assert s3.head_object(Bucket=bucket, Key="k")["ContentType"] == "image/png, image/webp"
    s3.delete_object(Bucket=bucket, Key="k")
    fields = {**post["fields"], "Content-Type": "image/png, text/html"}
    assert_policy_refused(
        send(post, b"x", fields=fields), 'Policy Condition failed: ["starts-with", "$Content-Type", "image/"]'
    )
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
def test_legacy_redirect_field(s3, bucket):
    post = s3.generate_presigned_post(
        bucket, "k", Fields={"redirect": "http://app.test/done"}, Conditions=[{"redirect": "http://app.test/done"}]
    )
    resp = send(post, b"legacy")
    assert resp.status_code == 303, resp.content
    assert resp.headers["Location"].startswith("http://app.test/done?")
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["key"] == ["k"]
    assert_stored(s3, bucket, "k", b"legacy")


@pytest.mark.minis3_only
def test_fields_before_the_file_are_limited(s3, bucket):
    post = s3.generate_presigned_post(bucket, "k")
    fields = {**post["fields"], "x-ignore-padding": "p" * (21 * 1024)}
    assert_refused(send(post, b"x", fields=fields), 400, "MaxPostPreDataLengthExceeded")
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
def test_acl_and_tagging_fields(server, s3, bucket):
    tagging = "<Tagging><TagSet><Tag><Key>source</Key><Value>form</Value></Tag></TagSet></Tagging>"
    post = s3.generate_presigned_post(
        bucket,
        "public.txt",
        Fields={"acl": "public-read", "tagging": tagging},
        Conditions=[{"acl": "public-read"}, {"tagging": tagging}],
    )
    resp = send(post, b"for everyone")
    assert resp.status_code == 204, resp.content
    anonymous = requests.get(f"{server.url}/{bucket}/public.txt", timeout=HTTP_TIMEOUT)
    assert anonymous.status_code == 200 and anonymous.content == b"for everyone"
    assert s3.get_object_tagging(Bucket=bucket, Key="public.txt")["TagSet"] == [{"Key": "source", "Value": "form"}]


@pytest.mark.minis3_only
def test_field_names_are_case_insensitive(s3, bucket):
    post = s3.generate_presigned_post(
        bucket, "k", Fields={"Content-Type": "text/plain"}, Conditions=[{"Content-Type": "text/plain"}]
    )
    fields = {("CONTENT-TYPE" if name == "Content-Type" else name): value for name, value in post["fields"].items()}
    fields["X-Amz-Meta-Note"] = "Mixed Case Value"
    doc = decode_policy(post["fields"])
    doc["conditions"].append(["starts-with", "$x-amz-meta-note", ""])
    resp = send(post, b"case", fields=resigned(fields, encode_policy(doc)))
    assert resp.status_code == 204, resp.content
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"] == {"note": "Mixed Case Value"}


@pytest.mark.minis3_only
def test_x_ignore_fields_need_no_condition(s3, bucket):
    post = s3.generate_presigned_post(bucket, "k")
    resp = send(post, b"ignored", fields={**post["fields"], "x-ignore-tracking": "abc"})
    assert resp.status_code == 204, resp.content
    assert_stored(s3, bucket, "k", b"ignored")


@pytest.mark.minis3_only  # moto reads them
def test_fields_after_the_file_are_ignored(s3, bucket):
    post = s3.generate_presigned_post(
        bucket, "k", Fields={"x-amz-meta-before": "yes"}, Conditions=[{"x-amz-meta-before": "yes"}]
    )
    # Neither in the policy nor read: a field after the file changes nothing and is no extra field.
    resp = send(post, b"file then fields", after_file=[("x-amz-meta-after", "ignored"), ("key", "elsewhere")])
    assert resp.status_code == 204, resp.content
    assert keys_in(s3, bucket) == ["k"]
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == {"before": "yes"}


@pytest.mark.minis3_only
def test_virtual_hosted_post(server, s3, bucket):
    post = s3.generate_presigned_post(bucket, "vhost.txt")
    resp = requests.post(
        f"{server.url}/",
        headers={"Host": f"{bucket}.localhost:{server.port}"},
        data=post["fields"],
        files={"file": ("vhost.txt", b"virtual host")},
        timeout=HTTP_TIMEOUT,
    )
    assert resp.status_code == 204, resp.content
    assert_stored(s3, bucket, "vhost.txt", b"virtual host")


@pytest.mark.minis3_only
def test_form_from_a_page_gets_cors_headers(s3, bucket):
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {"AllowedOrigins": ["http://app.test"], "AllowedMethods": ["POST"], "ExposeHeaders": ["ETag"]}
            ]
        },
    )
    post = s3.generate_presigned_post(bucket, "k", Conditions=[["content-length-range", 0, 10]])
    origin = {"Origin": "http://app.test"}
    resp = requests.post(
        post["url"], data=post["fields"], files={"file": ("f", b"ok")}, headers=origin, timeout=HTTP_TIMEOUT
    )
    assert resp.status_code == 204, resp.content
    assert resp.headers["Access-Control-Allow-Origin"] == "http://app.test"
    assert resp.headers["Access-Control-Expose-Headers"] == "ETag"
    # The page can read why its upload was refused.
    resp = requests.post(
        post["url"], data=post["fields"], files={"file": ("f", b"x" * 11)}, headers=origin, timeout=HTTP_TIMEOUT
    )
    assert_refused(resp, 400, "EntityTooLarge")
    assert resp.headers["Access-Control-Allow-Origin"] == "http://app.test"
    assert keys_in(s3, bucket) == ["k"]


@pytest.mark.minis3_only  # moto answers without an ETag header
def test_twenty_mib_file_streams_through(s3v4, bucket):
    data = os.urandom(20 * MiB)
    post = s3v4.generate_presigned_post(bucket, "big.bin", Conditions=[["content-length-range", 1, 32 * MiB]])
    resp = send(post, data, filename="big.bin")
    assert resp.status_code == 204, resp.content
    assert resp.headers["ETag"] == md5_etag(data)
    head = s3v4.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == md5_etag(data)
    got = s3v4.get_object(Bucket=bucket, Key="big.bin")["Body"].read()
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


# -- size limits -----------------------------------------------------------------------------------


@pytest.mark.minis3_only
def test_content_length_range(s3, presigner, bucket):
    post = presigner.generate_presigned_post(bucket, "${filename}", Conditions=[["content-length-range", 10, 100]])
    for size in (10, 100):
        resp = send(post, b"x" * size, filename=f"ok-{size}")
        assert resp.status_code == 204, (size, resp.content)
    assert_refused(send(post, b"x" * 101, filename="too-large"), 400, "EntityTooLarge")
    for size in (9, 0):
        assert_refused(send(post, b"x" * size, filename=f"too-small-{size}"), 400, "EntityTooSmall")
    assert keys_in(s3, bucket) == ["ok-10", "ok-100"]


@pytest.mark.minis3_only
def test_too_large_file_is_refused_while_streaming(s3v4, bucket):
    post = s3v4.generate_presigned_post(bucket, "big.bin", Conditions=[["content-length-range", 0, 1 * MiB]])
    resp = send(post, os.urandom(3 * MiB), filename="big.bin")
    assert_refused(resp, 400, "EntityTooLarge")
    assert keys_in(s3v4, bucket) == []


# -- policy violations -----------------------------------------------------------------------------


@pytest.mark.minis3_only
def test_key_outside_the_starts_with_condition(s3, presigner, bucket):
    post = presigner.generate_presigned_post(bucket, "uploads/${filename}")
    fields = dict(post["fields"], key="private/steal.txt")
    resp = send(post, b"x", fields=fields)
    assert_policy_refused(resp, 'Policy Condition failed: ["starts-with", "$key", "uploads/"]')
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
def test_exact_and_eq_conditions_must_match(s3, bucket):
    post = s3.generate_presigned_post(
        bucket,
        "k",
        Fields={"x-amz-meta-color": "blue", "Content-Type": "text/plain"},
        Conditions=[["eq", "$x-amz-meta-color", "blue"], {"Content-Type": "text/plain"}],
    )
    resp = send(post, b"x", fields=dict(post["fields"], **{"x-amz-meta-color": "red"}))
    assert_policy_refused(resp, 'Policy Condition failed: ["eq", "$x-amz-meta-color", "blue"]')
    resp = send(post, b"x", fields=dict(post["fields"], **{"Content-Type": "text/html"}))
    assert_refused(
        resp, 403, "AccessDenied", message_contains=[POLICY_PREFIX + "Policy Condition failed:", "Content-Type"]
    )
    # A field the policy names but the form leaves out fails its condition too.
    fields = {name: value for name, value in post["fields"].items() if name != "x-amz-meta-color"}
    assert_refused(send(post, b"x", fields=fields), 403, "AccessDenied", message_contains=[POLICY_PREFIX])
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
def test_extra_field_not_in_the_policy(s3, presigner, bucket):
    post = presigner.generate_presigned_post(bucket, "k")
    resp = send(post, b"x", fields={**post["fields"], "x-amz-meta-sneaky": "1"})
    assert_policy_refused(resp, "Extra input fields: x-amz-meta-sneaky")
    resp = send(post, b"x", fields={**post["fields"], "acl": "public-read"})
    assert_policy_refused(resp, "Extra input fields: acl")
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
def test_policy_for_another_bucket(s3, bucket):
    other = bucket_name("post-other")
    s3.create_bucket(Bucket=other)
    post = s3.generate_presigned_post(other, "k")
    post["url"] = post["url"].rsplit("/", 1)[0] + f"/{bucket}"
    resp = send(post, b"x")
    assert_refused(resp, 403, "AccessDenied", message_contains=[POLICY_PREFIX + "Policy Condition failed:", other])
    assert keys_in(s3, bucket) == [] and keys_in(s3, other) == []


@pytest.mark.minis3_only
def test_expired_policy(s3, presigner, bucket):
    post = presigner.generate_presigned_post(bucket, "k", ExpiresIn=-60)
    assert_policy_refused(send(post, b"x"), "Policy expired.")
    # The same, built by hand: an expiration long gone, correctly signed.
    fresh = presigner.generate_presigned_post(bucket, "k")
    doc = decode_policy(fresh["fields"])
    doc["expiration"] = "2020-01-01T00:00:00.000Z"
    assert_policy_refused(send(fresh, b"x", fields=resigned(fresh["fields"], encode_policy(doc))), "Policy expired.")
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
def test_tampered_policy(s3, presigner, bucket):
    post = presigner.generate_presigned_post(
        bucket, "uploads/${filename}", Conditions=[["content-length-range", 0, 10]]
    )
    doc = decode_policy(post["fields"])
    doc["conditions"] = [c for c in doc["conditions"] if not (isinstance(c, list) and c[0] == "content-length-range")]
    fields = dict(post["fields"], policy=encode_policy(doc))
    assert_refused(send(post, b"x" * 100, fields=fields), 403, "SignatureDoesNotMatch")
    # Nor does a signature made with another secret pass.
    kind = signature_kind(post["fields"])
    sig_field = "x-amz-signature" if kind == "v4" else "signature"
    forged = resigned(post["fields"], post["fields"]["policy"], secret="not-the-secret")
    assert forged[sig_field] != post["fields"][sig_field]
    assert_refused(send(post, b"x", fields=forged), 403, "SignatureDoesNotMatch")
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
def test_unknown_access_key(server, bucket, s3):
    stranger = s3_client(server.url, access_key="nobody", secret_key="nobody-secret", signature_version="s3v4")
    resp = send(stranger.generate_presigned_post(bucket, "k"), b"x")
    assert_refused(resp, 403, "InvalidAccessKeyId")
    stranger = s3_client(server.url, access_key="nobody", secret_key="nobody-secret", signature_version="s3")
    assert_refused(send(stranger.generate_presigned_post(bucket, "k"), b"x"), 403, "InvalidAccessKeyId")
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
@pytest.mark.parametrize(
    "policy_text",
    [
        "not base64 at all!",
        base64.b64encode(b"{not json").decode(),
        encode_policy({"conditions": []}),
        encode_policy({"expiration": "2099-01-01T00:00:00Z", "conditions": "x"}),
    ],
    ids=["bad-base64", "bad-json", "no-expiration", "conditions-not-a-list"],
)
def test_invalid_policy_document(s3, s3v2, s3v4, bucket, policy_text):
    for client in (s3v2, s3v4):
        post = client.generate_presigned_post(bucket, "k")
        resp = send(post, b"x", fields=resigned(post["fields"], policy_text))
        assert_refused(resp, 400, "InvalidPolicyDocument")
    assert keys_in(s3, bucket) == []


# -- malformed forms -------------------------------------------------------------------------------


@pytest.mark.minis3_only
def test_form_without_a_file(s3, bucket):
    post = s3.generate_presigned_post(bucket, "k")
    # Every field as its own multipart part, but no file part.
    parts = [(name, (None, value)) for name, value in post["fields"].items()]
    resp = requests.post(post["url"], files=parts, timeout=HTTP_TIMEOUT)
    assert_refused(resp, 400, "InvalidArgument", "POST requires exactly one file upload per request.")
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
def test_form_without_a_key(s3, bucket):
    post = s3.generate_presigned_post(bucket, "k")
    message = "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."
    fields = {name: value for name, value in post["fields"].items() if name != "key"}
    assert_refused(send(post, b"x", fields=fields), 400, "InvalidArgument", message)
    # A key after the file is not read.
    assert_refused(send(post, b"x", fields=fields, after_file=[("key", "k")]), 400, "InvalidArgument", message)
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
def test_signature_without_policy(s3, s3v4, bucket):
    message = (
        "Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields."
    )
    for client in (s3, s3v4):
        post = client.generate_presigned_post(bucket, "k")
        fields = {name: value for name, value in post["fields"].items() if name != "policy"}
        assert_refused(send(post, b"x", fields=fields), 400, "InvalidArgument", message)
    assert keys_in(s3, bucket) == []


@pytest.mark.minis3_only
def test_post_that_is_not_multipart(s3, bucket):
    post = s3.generate_presigned_post(bucket, "k")
    resp = requests.post(post["url"], data=post["fields"], timeout=HTTP_TIMEOUT)  # urlencoded
    assert_refused(resp, 412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data")
    assert keys_in(s3, bucket) == []


# -- forms without a policy ------------------------------------------------------------------------


@pytest.mark.minis3_only
def test_anonymous_form_needs_a_public_read_write_bucket(server, s3, bucket):
    url = f"{server.url}/{bucket}"

    def anonymous_post(key):
        return requests.post(url, data={"key": key}, files={"file": ("f.txt", b"anonymous form")}, timeout=HTTP_TIMEOUT)

    for canned in ("private", "public-read"):
        s3.put_bucket_acl(Bucket=bucket, ACL=canned)
        assert_refused(anonymous_post(f"{canned}.txt"), 403, "AccessDenied")
    assert keys_in(s3, bucket) == []

    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    resp = anonymous_post("dropbox/${filename}")
    assert resp.status_code == 204, resp.content
    assert_stored(s3, bucket, "dropbox/f.txt", b"anonymous form")
    # An anonymous client can read only what is public.
    expect_client_error(
        anonymous_client(server.url).get_object, "AccessDenied", 403, Bucket=bucket, Key="dropbox/f.txt"
    )


@pytest.mark.minis3_only
def test_form_to_a_missing_bucket(server, s3v4):
    missing = bucket_name("post-missing")
    resp = requests.post(
        f"{server.url}/{missing}", data={"key": "k"}, files={"file": ("f", b"x")}, timeout=HTTP_TIMEOUT
    )
    assert_refused(resp, 404, "NoSuchBucket")
    assert_refused(send(s3v4.generate_presigned_post(missing, "k"), b"x"), 404, "NoSuchBucket")
    expect_client_error(s3v4.head_bucket, "404", 404, Bucket=missing)
