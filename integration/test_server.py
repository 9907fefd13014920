"""The server as a process and an HTTP endpoint: health check, request ids, virtual-hosted
addressing, and the command-line flags (--region, --access-key/--secret-key, --domain)."""

import pytest
import requests

from support import (
    S3_NS,
    Server,
    bucket_name,
    expect_client_error,
    s3_client,
    s3_error,
    signed_request,
    xml_root,
)


@pytest.mark.minis3_only
def test_health_answers_without_auth(server):
    r = requests.get(f"{server.url}/_minis3/health", timeout=10)
    assert r.status_code == 200
    assert server.url in server.stdout_lines[0]


@pytest.mark.minis3_only
def test_every_response_has_a_request_id(server, s3, bucket):
    answers = [
        s3.put_object(Bucket=bucket, Key="k", Body=b"x"),
        s3.get_object(Bucket=bucket, Key="k"),
        s3.head_object(Bucket=bucket, Key="k"),
        s3.list_objects_v2(Bucket=bucket),
        s3.list_buckets(),
        s3.delete_object(Bucket=bucket, Key="k"),
        expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="k"),
        expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="k"),
    ]
    ids = [a["ResponseMetadata"]["HTTPHeaders"].get("x-amz-request-id") for a in answers]
    assert all(ids), ids
    assert len(set(ids)) == len(ids), f"request ids repeat: {ids}"

    # An error body's RequestId is the one in the header; unauthenticated answers have one too.
    r = requests.get(f"{server.url}/{bucket}/k", timeout=10)
    assert r.headers.get("x-amz-request-id")
    assert s3_error(r)["RequestId"] == r.headers["x-amz-request-id"]
    resp, _ = signed_request("GET", f"{server.url}/{bucket}/k")
    assert s3_error(resp)["RequestId"] == resp.headers["x-amz-request-id"]


def test_virtual_hosted_addressing(server, s3, bucket):
    host = f"{bucket}.localhost:{server.port}"
    resp, _ = signed_request("PUT", f"{server.url}/dir/vhost%20key.txt", body=b"via vhost", host=host)
    assert resp.status_code == 200, resp.content

    # Path-style sees what virtual-hosted style wrote, and the other way round.
    assert s3.get_object(Bucket=bucket, Key="dir/vhost key.txt")["Body"].read() == b"via vhost"
    s3.put_object(Bucket=bucket, Key="path-style", Body=b"via path")
    resp, _ = signed_request("GET", f"{server.url}/path-style", host=host)
    assert resp.status_code == 200 and resp.content == b"via path"

    resp, _ = signed_request("GET", f"{server.url}/?list-type=2", host=host)
    root = xml_root(resp)
    assert root.find(f"{S3_NS}Name").text == bucket
    assert [e.text for e in root.iter(f"{S3_NS}Key")] == ["dir/vhost key.txt", "path-style"]

    resp, _ = signed_request("HEAD", f"{server.url}/", host=host)
    assert resp.status_code == 200

    resp, _ = signed_request("DELETE", f"{server.url}/path-style", host=host)
    assert resp.status_code == 204
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="path-style")


@pytest.mark.minis3_only
def test_virtual_hosted_missing_bucket(server):
    missing = bucket_name("vhost-missing")
    resp, _ = signed_request("GET", f"{server.url}/some-key", host=f"{missing}.localhost:{server.port}")
    assert resp.status_code == 404
    assert s3_error(resp)["Code"] == "NoSuchBucket"


@pytest.mark.minis3_only
def test_command_line_region_keys_and_domain(tmp_path):
    srv = Server(
        tmp_path / "data",
        (
            "--region", "eu-west-1",
            "--access-key", "customkey",
            "--secret-key", "custom-secret-0123",
            "--domain", "s3.example.test",
        ),
    ).start()
    try:
        s3 = s3_client(srv.url, access_key="customkey", secret_key="custom-secret-0123", region="eu-west-1")
        name = bucket_name("region")
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
        s3.put_object(Bucket=name, Key="k", Body=b"custom")

        # The default keys are not valid on a server given others.
        default = s3_client(srv.url, region="eu-west-1")
        expect_client_error(default.list_buckets, "InvalidAccessKeyId", 403)

        resp, _ = signed_request(
            "GET",
            f"{srv.url}/k",
            host=f"{name}.s3.example.test:{srv.port}",
            access_key="customkey",
            secret_key="custom-secret-0123",
            region="eu-west-1",
        )
        assert resp.status_code == 200, resp.content
        assert resp.content == b"custom"
    finally:
        assert srv.stop() == 0
