"""Swift-style temp URLs made by `swift tempurl` (python-swiftclient) with a key set through
`minis3 admin tempurl-key set`, used with `requests` on `/v1/AUTH_<account>/<bucket>/<key>`:
upload, download, HEAD, each digest, expiry, wrong and second keys, revocation."""

import os
import shutil
import subprocess
import time
import uuid

import pytest
import requests

from support import HTTP_TIMEOUT, md5_etag, minis3_admin, s3_error

pytestmark = pytest.mark.minis3_only


def swift_tempurl(method: str, seconds: int, url: str, key: str, *options: str) -> str:
    """The URL `swift tempurl` prints (it signs offline: no Swift auth settings needed)."""
    swift = shutil.which("swift")
    assert swift, "python-swiftclient's `swift` is not on PATH (integration/requirements.txt)"
    out = subprocess.run(
        [swift, "tempurl", *options, method, str(seconds), url, key],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.fixture
def account(server):
    """A fresh account (path `AUTH_<name>`) with a temp-URL key; returns (name, key)."""
    name = f"acct{uuid.uuid4().hex[:8]}"
    key = f"key-{uuid.uuid4().hex}"
    minis3_admin(server.url, "tempurl-key", "set", name, key)
    return name, key


def object_url(server, name: str, bucket: str, key: str) -> str:
    return f"{server.url}/v1/AUTH_{name}/{bucket}/{key}"


def assert_unauthorized(resp):
    assert resp.status_code == 401, resp.text
    assert s3_error(resp)["Code"] == "Unauthorized"


def test_put_get_and_head_with_swift_tempurl(server, s3, bucket, account):
    name, key = account
    target = object_url(server, name, bucket, "docs/report.txt")
    put_url = swift_tempurl("PUT", 300, target, key)
    get_url = swift_tempurl("GET", 300, target, key)
    assert "temp_url_sig=" in put_url and "/v1/AUTH_" in put_url

    body = b"uploaded through a Swift temp URL"
    resp = requests.put(put_url, data=body, timeout=HTTP_TIMEOUT)
    assert resp.status_code == 201, resp.text
    assert resp.headers["ETag"] == md5_etag(body)
    assert s3.get_object(Bucket=bucket, Key="docs/report.txt")["Body"].read() == body

    got = requests.get(get_url, timeout=HTTP_TIMEOUT)
    assert got.status_code == 200 and got.content == body
    for url in (get_url, put_url):  # Swift allows HEAD with a GET or a PUT signature
        head = requests.head(url, timeout=HTTP_TIMEOUT)
        assert head.status_code == 200
        assert head.headers["Content-Length"] == str(len(body))

    # The signature names the method and the object.
    assert_unauthorized(requests.put(get_url, data=b"x", timeout=HTTP_TIMEOUT))
    assert_unauthorized(requests.get(put_url, timeout=HTTP_TIMEOUT))
    other = get_url.replace("docs/report.txt", "docs/other.txt")
    assert_unauthorized(requests.get(other, timeout=HTTP_TIMEOUT))
    assert s3.get_object(Bucket=bucket, Key="docs/report.txt")["Body"].read() == body


@pytest.mark.parametrize("options", [
    ("--digest", "sha1"),
    ("--digest", "sha256"),
    ("--digest", "sha512"),
    ("--digest", "sha512", "--iso8601"),
])
def test_each_digest_and_expiry_format(server, s3, bucket, account, options):
    name, key = account
    s3.put_object(Bucket=bucket, Key="k", Body=b"digest")
    url = swift_tempurl("GET", 300, object_url(server, name, bucket, "k"), key, *options)
    if "sha512" in options:
        assert "temp_url_sig=sha512:" in url
    got = requests.get(url, timeout=HTTP_TIMEOUT)
    assert got.status_code == 200, got.text
    assert got.content == b"digest"


def test_expired_and_wrong_key_are_unauthorized(server, s3, bucket, account):
    name, key = account
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    target = object_url(server, name, bucket, "k")
    past = int(time.time()) - 5
    expired = swift_tempurl("GET", past, target, key, "--absolute")
    assert_unauthorized(requests.get(expired, timeout=HTTP_TIMEOUT))
    wrong = swift_tempurl("GET", 300, target, "not-the-key")
    assert_unauthorized(requests.get(wrong, timeout=HTTP_TIMEOUT))
    assert requests.get(swift_tempurl("GET", 300, target, key), timeout=HTTP_TIMEOUT).content == b"v"


def test_second_key_for_rotation(server, s3, bucket, account):
    name, old_key = account
    s3.put_object(Bucket=bucket, Key="k", Body=b"rotated")
    target = object_url(server, name, bucket, "k")
    new_key = f"new-{uuid.uuid4().hex}"
    minis3_admin(server.url, "tempurl-key", "set", name, new_key, "--second")
    old_url = swift_tempurl("GET", 300, target, old_key)
    new_url = swift_tempurl("GET", 300, target, new_key)
    for url in (old_url, new_url):
        assert requests.get(url, timeout=HTTP_TIMEOUT).content == b"rotated"
    # Replacing the first key ends the URLs it signed, not those of the second.
    minis3_admin(server.url, "tempurl-key", "set", name, f"newer-{uuid.uuid4().hex}")
    assert_unauthorized(requests.get(old_url, timeout=HTTP_TIMEOUT))
    assert requests.get(new_url, timeout=HTTP_TIMEOUT).content == b"rotated"


def test_key_set_for_the_full_account_name(server, s3, bucket):
    name = f"acct{uuid.uuid4().hex[:8]}"
    minis3_admin(server.url, "tempurl-key", "set", f"AUTH_{name}", "full-name-key")
    s3.put_object(Bucket=bucket, Key="k", Body=b"full")
    url = swift_tempurl("GET", 300, object_url(server, name, bucket, "k"), "full-name-key")
    assert requests.get(url, timeout=HTTP_TIMEOUT).content == b"full"


@pytest.mark.parametrize("digest", ["sha256", "sha512"])
def test_revoked_url_is_denied(server, s3, bucket, account, digest):
    name, key = account
    s3.put_object(Bucket=bucket, Key="k", Body=b"secret")
    target = object_url(server, name, bucket, "k")
    url = swift_tempurl("GET", 300, target, key, "--digest", digest)
    kept = swift_tempurl("GET", 600, target, key, "--digest", digest)
    assert requests.get(url, timeout=HTTP_TIMEOUT).content == b"secret"
    minis3_admin(server.url, "revoke", url)
    resp = requests.get(url, timeout=HTTP_TIMEOUT)
    assert resp.status_code == 403, resp.text
    err = s3_error(resp)
    assert err["Code"] == "AccessDenied" and "revoked" in err["Message"], err
    assert requests.get(kept, timeout=HTTP_TIMEOUT).content == b"secret"
    revoked = minis3_admin(server.url, "revocations", "list").json["Signatures"]
    assert any(r["AccessKeyId"] == f"AUTH_{name}" for r in revoked), revoked


def test_prefix_based_url(server, s3, bucket, account):
    name, key = account
    for k in ("shared/a.txt", "shared/sub/b.txt", "private.txt"):
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    url = swift_tempurl("GET", 300, object_url(server, name, bucket, "shared/"), key, "--prefix-based")
    assert "temp_url_prefix=shared/" in url
    for k in ("shared/a.txt", "shared/sub/b.txt"):
        resp = requests.get(url.replace("/shared/?", f"/{k}?"), timeout=HTTP_TIMEOUT)
        assert resp.status_code == 200 and resp.content == k.encode(), resp.text
    assert_unauthorized(requests.get(url.replace("/shared/?", "/private.txt?"), timeout=HTTP_TIMEOUT))
