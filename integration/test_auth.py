"""Authentication end to end: presigned GET/PUT fetched with `requests`, expiry, and each auth
error S3 clients meet (wrong secret, unknown key, no auth, skewed clock, payload hash mismatch)."""

import datetime
import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from support import (
    ACCESS_KEY,
    expect_client_error,
    key_path,
    md5_etag,
    s3_client,
    s3_error,
    signed_request,
)

PRESIGN_KEY = "presigned dir/ü file+1 (copy).txt"


@pytest.fixture(params=["sigv4", "sigv2-default"])
def presigner(request, s3, s3v4):
    """(client, signature marker) for each kind of presigned URL boto3 and the CLI make: SigV4
    when asked for, and SigV2, which botocore uses for S3 by default."""
    if request.param == "sigv4":
        return s3v4, "X-Amz-Signature="
    return s3, "AWSAccessKeyId="


def presign(presigner, method, expires_in=300, **params):
    client, marker = presigner
    url = client.generate_presigned_url(method, Params=params, ExpiresIn=expires_in)
    assert marker in url, f"not the kind of presigned URL this case is about: {url}"
    return url


def test_presigned_get_and_put_with_requests(s3, presigner, bucket):
    body = b"uploaded through a presigned PUT\n" * 50
    r = requests.put(presign(presigner, "put_object", Bucket=bucket, Key=PRESIGN_KEY), data=body, timeout=30)
    assert r.status_code == 200, r.content
    assert r.headers["ETag"] == md5_etag(body)
    assert s3.get_object(Bucket=bucket, Key=PRESIGN_KEY)["Body"].read() == body

    r = requests.get(presign(presigner, "get_object", Bucket=bucket, Key=PRESIGN_KEY), timeout=30)
    assert r.status_code == 200, r.content
    assert r.content == body
    assert r.headers["ETag"] == md5_etag(body)

    r = requests.head(presign(presigner, "head_object", Bucket=bucket, Key=PRESIGN_KEY), timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Length"] == str(len(body))


def content_type_put_url(presigner, bucket, key):
    url = presign(presigner, "put_object", Bucket=bucket, Key=key, ContentType="text/csv")
    query = parse_qs(urlsplit(url).query)
    if "X-Amz-SignedHeaders" in query:
        signed = query["X-Amz-SignedHeaders"][0].split(";")
        assert "content-type" in signed, f"botocore no longer signs Content-Type into the URL: {url}"
    # (SigV2 always signs the Content-Type.)
    return url


def test_presigned_put_with_signed_content_type(s3, presigner, bucket):
    url = content_type_put_url(presigner, bucket, "table.csv")
    r = requests.put(url, data=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"}, timeout=30)
    assert r.status_code == 200, r.content
    head = s3.head_object(Bucket=bucket, Key="table.csv")
    assert head["ContentType"] == "text/csv"
    assert head["ContentLength"] == 8


@pytest.mark.minis3_only
def test_presigned_put_with_other_content_type_is_refused(s3, presigner, bucket):
    url = content_type_put_url(presigner, bucket, "table.csv")
    r = requests.put(url, data=b"a,b\n", headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 403, r.content
    assert s3_error(r)["Code"] == "SignatureDoesNotMatch"
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="table.csv")


@pytest.mark.minis3_only
def test_tampered_presigned_url_is_refused(s3, presigner, bucket):
    s3.put_object(Bucket=bucket, Key="secret", Body=b"s")
    s3.put_object(Bucket=bucket, Key="other", Body=b"o")
    url = presign(presigner, "get_object", Bucket=bucket, Key="secret")
    r = requests.get(url.replace("/secret?", "/other?"), timeout=30)
    assert r.status_code == 403
    assert s3_error(r)["Code"] == "SignatureDoesNotMatch"


def expiry_of(url: str) -> datetime.datetime:
    """The last instant a presigned URL is valid, from its own query string."""
    query = parse_qs(urlsplit(url).query)
    if "X-Amz-Date" in query:
        signed_at = datetime.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
        valid_for = datetime.timedelta(seconds=int(query["X-Amz-Expires"][0]))
        return signed_at.replace(tzinfo=datetime.timezone.utc) + valid_for
    return datetime.datetime.fromtimestamp(int(query["Expires"][0]), datetime.timezone.utc)


@pytest.mark.minis3_only
def test_expired_presigned_url_is_access_denied(s3, presigner, bucket):
    s3.put_object(Bucket=bucket, Key="soon-gone", Body=b"x")
    url = presign(presigner, "get_object", expires_in=1, Bucket=bucket, Key="soon-gone")
    # Wait until the URL's last valid second is surely over (about two seconds).
    wait = (expiry_of(url) - datetime.datetime.now(datetime.timezone.utc)).total_seconds() + 1.2
    time.sleep(max(0.0, min(wait, 3.0)))
    r = requests.get(url, timeout=30)
    assert r.status_code == 403, r.content
    err = s3_error(r)
    assert err["Code"] == "AccessDenied"
    assert "Request has expired" in err["Message"]


@pytest.mark.minis3_only
def test_wrong_secret_is_signature_does_not_match(server, s3, bucket):
    bad = s3_client(server.url, secret_key="not-the-secret")
    expect_client_error(bad.list_buckets, "SignatureDoesNotMatch", 403)
    expect_client_error(bad.put_object, "SignatureDoesNotMatch", 403, Bucket=bucket, Key="forged", Body=b"x")
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="forged")


@pytest.mark.minis3_only
def test_signature_error_shows_string_to_sign_and_canonical_request(server, bucket):
    resp, signer = signed_request(
        "GET", f"{server.url}/{bucket}?list-type=2&prefix=a%20b", secret_key="not-the-secret"
    )
    assert resp.status_code == 403
    err = s3_error(resp)
    assert err["Code"] == "SignatureDoesNotMatch"
    # The server's view of the request must be exactly what botocore signed, so a user can diff.
    assert err["StringToSign"] == signer.last_string_to_sign
    assert err["CanonicalRequest"] == signer.last_canonical_request
    assert err["StringToSign"].startswith("AWS4-HMAC-SHA256\n")
    assert err["CanonicalRequest"].startswith(f"GET\n/{bucket}\n")


@pytest.mark.minis3_only
def test_unknown_access_key_is_invalid_access_key_id(server, s3, bucket):
    stranger = s3_client(server.url, access_key="AKIDONTKNOWYOU", secret_key="whatever")
    expect_client_error(stranger.list_buckets, "InvalidAccessKeyId", 403)
    expect_client_error(stranger.put_object, "InvalidAccessKeyId", 403, Bucket=bucket, Key="k", Body=b"x")
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="k")


@pytest.mark.minis3_only
def test_unsigned_requests_are_access_denied(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="private", Body=b"private data")
    for method, path in [("GET", "/"), ("GET", f"/{bucket}"), ("GET", f"/{bucket}/private"), ("PUT", f"/{bucket}/anon")]:
        r = requests.request(method, server.url + path, data=b"x" if method == "PUT" else None, timeout=30)
        assert r.status_code == 403, (method, path, r.content)
        assert s3_error(r)["Code"] == "AccessDenied", (method, path)
        assert b"private data" not in r.content
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="anon")


@pytest.mark.minis3_only
def test_skewed_clock_is_request_time_too_skewed(server, bucket):
    now = datetime.datetime.now(datetime.timezone.utc)
    for skew in (datetime.timedelta(minutes=-20), datetime.timedelta(minutes=20)):
        resp, _ = signed_request("GET", f"{server.url}/{bucket}?list-type=2", timestamp=now + skew)
        assert resp.status_code == 403, (skew, resp.content)
        assert s3_error(resp)["Code"] == "RequestTimeTooSkewed", skew
    # Ten minutes off is inside the 15-minute window.
    resp, _ = signed_request("GET", f"{server.url}/{bucket}?list-type=2", timestamp=now - datetime.timedelta(minutes=10))
    assert resp.status_code == 200, resp.content


@pytest.mark.minis3_only
def test_payload_hash_mismatch_is_rejected_and_stores_nothing(server, s3, bucket):
    wrong = hashlib.sha256(b"not the body").hexdigest()
    resp, _ = signed_request("PUT", server.url + key_path(bucket, "hashed"), body=b"the body", content_sha256=wrong)
    assert resp.status_code == 400, resp.content
    assert s3_error(resp)["Code"] == "XAmzContentSHA256Mismatch"
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="hashed")

    # The same request with the right hash goes through: the signer is not the problem.
    right = hashlib.sha256(b"the body").hexdigest()
    resp, _ = signed_request("PUT", server.url + key_path(bucket, "hashed"), body=b"the body", content_sha256=right)
    assert resp.status_code == 200, resp.content
    assert s3.get_object(Bucket=bucket, Key="hashed")["Body"].read() == b"the body"


def test_raw_signed_requests_work(server, s3, bucket):
    """Control for the raw-request tests above: a correctly signed raw request succeeds."""
    resp, signer = signed_request("PUT", server.url + key_path(bucket, "raw key+1"), body=b"raw")
    assert resp.status_code == 200, resp.content
    assert signer.last_canonical_request.startswith(f"PUT\n/{bucket}/raw%20key%2B1\n")
    assert s3.get_object(Bucket=bucket, Key="raw key+1")["Body"].read() == b"raw"
    resp, _ = signed_request("GET", server.url + key_path(bucket, "raw key+1"), access_key=ACCESS_KEY)
    assert resp.content == b"raw"
