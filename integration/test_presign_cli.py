"""`minis3 presign`: URLs for every method (with signed headers) and POST forms, used by a plain
HTTP client against the running server, as a user would paste them into curl or a browser."""

import json
import subprocess

import pytest
import requests

from support import HTTP_TIMEOUT, md5_etag, minis3_bin, s3_error

pytestmark = pytest.mark.minis3_only


def presign(server, *args: str) -> str:
    out = subprocess.run(
        [minis3_bin(), "presign", "--endpoint", server.url, *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_urls_for_each_method(server, s3, bucket):
    key = "docs/report 1.txt"
    put_url = presign(server, f"s3://{bucket}/{key}", "--method", "PUT", "--content-type", "text/plain",
                      "--header", "x-amz-meta-owner:ana", "--expires-in", "600")
    body = b"presigned by minis3 presign"
    resp = requests.put(put_url, data=body, timeout=HTTP_TIMEOUT,
                        headers={"Content-Type": "text/plain", "x-amz-meta-owner": "ana"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["ETag"] == md5_etag(body)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == "text/plain" and head["Metadata"] == {"owner": "ana"}

    # The signed headers are part of the signature: another Content-Type is refused.
    wrong = requests.put(put_url, data=body, timeout=HTTP_TIMEOUT,
                         headers={"Content-Type": "text/html", "x-amz-meta-owner": "ana"})
    assert (wrong.status_code, s3_error(wrong)["Code"]) == (403, "SignatureDoesNotMatch")

    get = requests.get(presign(server, f"s3://{bucket}/{key}"), timeout=HTTP_TIMEOUT)
    assert (get.status_code, get.content) == (200, body)
    head = requests.head(presign(server, f"s3://{bucket}/{key}", "--method", "HEAD"), timeout=HTTP_TIMEOUT)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(body))
    # A URL is for its method only.
    assert requests.delete(presign(server, f"s3://{bucket}/{key}"), timeout=HTTP_TIMEOUT).status_code == 403
    delete = requests.delete(presign(server, f"s3://{bucket}/{key}", "--method", "DELETE"), timeout=HTTP_TIMEOUT)
    assert delete.status_code == 204
    assert requests.get(presign(server, f"s3://{bucket}/{key}"), timeout=HTTP_TIMEOUT).status_code == 404


def test_post_form(server, s3, bucket):
    form = json.loads(presign(server, f"s3://{bucket}/uploads/pic.png", "--post", "--content-type", "image/png"))
    resp = requests.post(form["url"], data=form["fields"], files={"file": ("pic.png", b"\x89PNG data")},
                         timeout=HTTP_TIMEOUT)
    assert resp.status_code == 204, resp.text
    got = s3.get_object(Bucket=bucket, Key="uploads/pic.png")
    assert got["Body"].read() == b"\x89PNG data" and got["ContentType"] == "image/png"


def test_bad_arguments_fail_clearly(server):
    for args in (["s3://only-bucket"], ["s3://b/k", "--expires-in", "604801"], ["s3://b/k", "--header", "x"]):
        out = subprocess.run([minis3_bin(), "presign", *args], capture_output=True, text=True, timeout=30)
        assert out.returncode != 0 and out.stdout == ""
        assert out.stderr.startswith("minis3: "), out.stderr
