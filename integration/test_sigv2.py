"""SigV2 end to end: boto3 with `signature_version='s3'` (Authorization header and presigned URLs)
and s3cmd (its `signature_v2` mode) doing put/get/ls/del; then a scoped key made with `minis3
admin` (allowed operations work, others are AccessDenied), and revocation of SigV2 URLs, one URL
or every URL a key signed before now."""

import datetime
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from support import (
    ACCESS_KEY,
    HTTP_TIMEOUT,
    SECRET_KEY,
    expect_client_error,
    md5_etag,
    minis3_admin,
    s3_client,
    s3_error,
)

pytestmark = pytest.mark.minis3_only


def sigv2_client(server, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    """boto3 signing every request with SigV2 (`AWS key:signature`), remembering the
    Authorization headers it sent."""
    client = s3_client(server.url, access_key, secret_key, signature_version="s3")
    client.sent_authorizations = []

    def remember(request, **_):
        client.sent_authorizations.append(request.headers.get("Authorization", b""))

    client.meta.events.register("before-send.s3", remember)
    return client


def assert_revoked(resp):
    assert resp.status_code == 403, resp.text
    err = s3_error(resp)
    assert err["Code"] == "AccessDenied" and "revoked" in err["Message"], err


class S3cmd:
    """s3cmd with its own config file: path-style requests to the test server, SigV2."""

    def __init__(self, server, home: Path, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
        self.exe = shutil.which("s3cmd")
        assert self.exe, "s3cmd is not on PATH (integration/requirements.txt)"
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        host = server.url.split("://", 1)[1]
        self.config = home / "s3cfg"
        self.config.write_text(
            "[default]\n"
            f"access_key = {access_key}\n"
            f"secret_key = {secret_key}\n"
            f"host_base = {host}\n"
            f"host_bucket = {host}\n"
            "bucket_location = us-east-1\n"
            "use_https = False\n"
            "signature_v2 = True\n"
            "check_ssl_certificate = False\n"
            "proxy_host =\n"
            "proxy_port = 0\n"
        )

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        out = subprocess.run(
            [self.exe, "-c", str(self.config), "--no-progress", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home)},
        )
        if check:
            assert out.returncode == 0, f"s3cmd {' '.join(args)}: {out.stdout}\n{out.stderr}"
        return out


def test_boto3_sigv2_header_auth(server, bucket):
    s3 = sigv2_client(server)
    body = b"signed with SigV2"
    assert s3.put_object(Bucket=bucket, Key="dir/a.txt", Body=body)["ETag"] == md5_etag(body)
    assert s3.get_object(Bucket=bucket, Key="dir/a.txt")["Body"].read() == body
    listed = s3.list_objects(Bucket=bucket, Prefix="dir/")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/a.txt"]
    s3.delete_object(Bucket=bucket, Key="dir/a.txt")
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="dir/a.txt")
    assert s3.sent_authorizations and all(
        a.startswith(b"AWS " + ACCESS_KEY.encode() + b":") for a in s3.sent_authorizations
    ), s3.sent_authorizations
    wrong = sigv2_client(server, secret_key="not-the-secret")
    expect_client_error(wrong.get_object, "SignatureDoesNotMatch", 403, Bucket=bucket, Key="x")


def test_boto3_sigv2_presigned_urls(server, bucket):
    s3 = sigv2_client(server)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "p.bin"})
    assert "AWSAccessKeyId=" in put_url and "Signature=" in put_url
    resp = requests.put(put_url, data=b"presigned v2", timeout=HTTP_TIMEOUT)
    assert resp.status_code == 200, resp.text
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p.bin"})
    assert requests.get(get_url, timeout=HTTP_TIMEOUT).content == b"presigned v2"
    tampered = get_url.replace("p.bin", "q.bin")
    resp = requests.get(tampered, timeout=HTTP_TIMEOUT)
    assert resp.status_code == 403 and s3_error(resp)["Code"] == "SignatureDoesNotMatch"


def test_s3cmd_put_get_ls_del(server, tmp_path):
    s3cmd = S3cmd(server, tmp_path / "home")
    bucket = f"s3cmd-{uuid.uuid4().hex[:10]}"
    s3cmd.run("mb", f"s3://{bucket}")
    src = tmp_path / "upload.txt"
    src.write_bytes(b"from s3cmd\n" * 100)
    s3cmd.run("put", str(src), f"s3://{bucket}/docs/upload.txt")
    listing = s3cmd.run("ls", f"s3://{bucket}/docs/").stdout
    assert f"s3://{bucket}/docs/upload.txt" in listing, listing
    dest = tmp_path / "download.txt"
    s3cmd.run("get", f"s3://{bucket}/docs/upload.txt", str(dest))
    assert dest.read_bytes() == src.read_bytes()
    s3cmd.run("del", f"s3://{bucket}/docs/upload.txt")
    assert "upload.txt" not in s3cmd.run("ls", f"s3://{bucket}/docs/").stdout
    s3cmd.run("rb", f"s3://{bucket}")


def test_scoped_key_over_sigv2(server, s3, bucket, tmp_path):
    s3.put_object(Bucket=bucket, Key="pub/a.txt", Body=b"readable")
    key = minis3_admin(server.url, "key", "create", "--allow", "read,list", "--bucket", bucket).json
    scoped = sigv2_client(server, key["AccessKeyId"], key["SecretAccessKey"])
    assert scoped.get_object(Bucket=bucket, Key="pub/a.txt")["Body"].read() == b"readable"
    expect_client_error(scoped.put_object, "AccessDenied", 403, Bucket=bucket, Key="pub/b.txt", Body=b"x")
    expect_client_error(scoped.delete_object, "AccessDenied", 403, Bucket=bucket, Key="pub/a.txt")
    url = scoped.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "pub/c.txt"})
    resp = requests.put(url, data=b"x", timeout=HTTP_TIMEOUT)
    assert resp.status_code == 403 and s3_error(resp)["Code"] == "AccessDenied", resp.text

    s3cmd = S3cmd(server, tmp_path / "home", key["AccessKeyId"], key["SecretAccessKey"])
    dest = tmp_path / "got.txt"
    s3cmd.run("get", f"s3://{bucket}/pub/a.txt", str(dest))
    assert dest.read_bytes() == b"readable"
    assert "pub/a.txt" in s3cmd.run("ls", f"s3://{bucket}/pub/").stdout
    src = tmp_path / "up.txt"
    src.write_bytes(b"not allowed")
    denied = s3cmd.run("put", str(src), f"s3://{bucket}/pub/up.txt", check=False)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr + denied.stdout, denied
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="pub/up.txt")


def test_revoke_one_sigv2_url(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    client = sigv2_client(server)
    url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    kept = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=999)
    assert requests.get(url, timeout=HTTP_TIMEOUT).content == b"v"
    minis3_admin(server.url, "revoke", url)
    assert_revoked(requests.get(url, timeout=HTTP_TIMEOUT))
    assert requests.get(kept, timeout=HTTP_TIMEOUT).content == b"v"


def test_revoke_before_kills_a_keys_sigv2_urls(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    key = minis3_admin(server.url, "key", "create", "--allow", "read", "--bucket", bucket).json
    signer = sigv2_client(server, key["AccessKeyId"], key["SecretAccessKey"])
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=3600)
    assert requests.get(url, timeout=HTTP_TIMEOUT).content == b"v"
    cut = minis3_admin(server.url, "revoke-before", key["AccessKeyId"]).json["NotBefore"]
    # A SigV2 URL carries only its expiry: within a week of the cut-off it may have been signed
    # before it, so it is refused.
    assert_revoked(requests.get(url, timeout=HTTP_TIMEOUT))
    # Header-signed requests carry their Date: once the cut-off (rounded up to the next second)
    # has passed, the key signs again.
    not_before = datetime.datetime.fromisoformat(cut.replace("Z", "+00:00")).timestamp()
    time.sleep(max(0.0, min(2.0, not_before - time.time() + 0.01)))
    assert signer.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
