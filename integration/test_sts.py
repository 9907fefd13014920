"""Temporary credentials (STS) end to end: `aws sts get-session-token` / `assume-role` and boto3's
sts client against minis3's own port, the credentials they issue used by boto3 and the aws CLI on
S3 (token required and checked, presigned URLs carry it), a session narrowed by a policy, and
expiry enforced with the server's authentication clock moved forward (`--clock-offset-secs`, a
hidden testing-only flag) over the same data dir."""

from __future__ import annotations

import datetime
import json
import subprocess

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config

from support import (
    HTTP_TIMEOUT,
    REGION,
    Server,
    aws_client,
    bucket_name,
    expect_client_error,
    s3_client,
    s3_error,
)

pytestmark = pytest.mark.minis3_only

ROLE_ARN = "arn:aws:iam::123456789012:role/integration"


def sts_client(url: str, **config):
    return aws_client("sts", url, **config)


def session_s3(url: str, creds: dict, token: str | None = "same", **config):
    """A boto3 s3 client on temporary credentials; `token=None` leaves the token out, any other
    string than "same" replaces it."""
    return aws_client(
        "s3", url, creds["AccessKeyId"], creds["SecretAccessKey"],
        session_token=creds["SessionToken"] if token == "same" else token,
        **{"s3": {"addressing_style": "path"}, "signature_version": "s3v4", **config},
    )


def check_credentials_shape(creds: dict, lifetime: int):
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40
    assert len(creds["SessionToken"]) >= 64
    expiration = creds["Expiration"]
    if isinstance(expiration, str):
        expiration = datetime.datetime.fromisoformat(expiration.replace("Z", "+00:00"))
    expected = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lifetime)
    assert abs((expiration - expected).total_seconds()) < 60, f"{expiration} is not about {lifetime}s from now"


# -- aws CLI ---------------------------------------------------------------------------------------


def test_cli_get_session_token_and_use_it_with_the_cli(cli, s3, bucket):
    out = cli.run("sts", "get-session-token", "--duration-seconds", "900", "--output", "json")
    creds = json.loads(out.stdout_text)["Credentials"]
    check_credentials_shape(creds, 900)

    s3.put_object(Bucket=bucket, Key="from-root.txt", Body=b"hello sts")
    env = cli.env()
    env.update(
        AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
        AWS_SESSION_TOKEN=creds["SessionToken"],
    )
    listed = subprocess.run(
        [cli.exe, "--endpoint-url", cli.url, "s3api", "list-objects-v2", "--bucket", bucket, "--output", "json"],
        env=env, capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert listed.returncode == 0, listed.stderr.decode()
    assert [o["Key"] for o in json.loads(listed.stdout)["Contents"]] == ["from-root.txt"]

    # The same keys without the token are refused.
    del env["AWS_SESSION_TOKEN"]
    refused = subprocess.run(
        [cli.exe, "--endpoint-url", cli.url, "s3api", "list-objects-v2", "--bucket", bucket],
        env=env, capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert refused.returncode != 0
    assert "InvalidToken" in refused.stderr.decode(), refused.stderr.decode()


def test_cli_assume_role(cli, s3, bucket):
    out = cli.run(
        "sts", "assume-role", "--role-arn", ROLE_ARN, "--role-session-name", "cli-session", "--output", "json"
    )
    answer = json.loads(out.stdout_text)
    check_credentials_shape(answer["Credentials"], 3600)
    user = answer["AssumedRoleUser"]
    assert user["Arn"] == "arn:aws:sts::123456789012:assumed-role/integration/cli-session"
    assert user["AssumedRoleId"].startswith("AROA") and user["AssumedRoleId"].endswith(":cli-session")

    client = session_s3(cli.url, answer["Credentials"])
    client.put_object(Bucket=bucket, Key="by-role", Body=b"role data")
    assert s3.get_object(Bucket=bucket, Key="by-role")["Body"].read() == b"role data"

    # The CLI checks lengths itself but not the pattern: a space in the name is the server's call.
    failed = cli.run("sts", "assume-role", "--role-arn", ROLE_ARN, "--role-session-name", "bad name", check=False)
    assert failed.returncode != 0
    assert "ValidationError" in failed.stderr_text, failed.stderr_text


# -- boto3 -----------------------------------------------------------------------------------------


def test_boto3_session_token_is_required_and_checked(server, s3, s3v4, bucket):
    sts = sts_client(server.url)
    answer = sts.get_session_token(DurationSeconds=900)
    creds = answer["Credentials"]
    check_credentials_shape(creds, 900)
    assert answer["ResponseMetadata"]["RequestId"]

    client = session_s3(server.url, creds)
    client.put_object(Bucket=bucket, Key="k", Body=b"temporary")
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"temporary"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"temporary"

    expect_client_error(session_s3(server.url, creds, token=None).get_object, "InvalidToken", 400, Bucket=bucket, Key="k")
    expect_client_error(
        session_s3(server.url, creds, token="A" * 128).get_object, "InvalidToken", 400, Bucket=bucket, Key="k"
    )
    # Someone else's (the root key's) token does not make a session either.
    other = sts.get_session_token(DurationSeconds=900)["Credentials"]
    expect_client_error(
        session_s3(server.url, creds, token=other["SessionToken"]).get_object,
        "InvalidToken", 400, Bucket=bucket, Key="k",
    )

    # Presigned URLs made with session credentials carry the token, and need it.
    url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=600)
    assert "X-Amz-Security-Token=" in url
    got = requests.get(url, timeout=HTTP_TIMEOUT)
    assert got.status_code == 200 and got.content == b"temporary"
    stripped = "&".join(p for p in url.split("&") if not p.startswith("X-Amz-Security-Token="))
    refused = requests.get(stripped, timeout=HTTP_TIMEOUT)
    assert refused.status_code == 400 and s3_error(refused)["Code"] == "InvalidToken"
    wrong = session_s3(server.url, creds, token="B" * 128).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=600
    )
    refused = requests.get(wrong, timeout=HTTP_TIMEOUT)
    assert refused.status_code == 400 and s3_error(refused)["Code"] == "InvalidToken"

    # Session credentials may not ask for another session token (as on AWS).
    session_sts = boto3.session.Session().client(
        "sts", endpoint_url=server.url, region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"], config=Config(retries={"max_attempts": 1}),
    )
    expect_client_error(session_sts.get_session_token, "AccessDenied", 403)


def test_boto3_sts_errors(server):
    unchecked = sts_client(server.url, parameter_validation=False)
    for duration in (899, 43201):
        expect_client_error(unchecked.get_session_token, "ValidationError", 400, DurationSeconds=duration)
    expect_client_error(
        unchecked.assume_role, "ValidationError", 400, RoleArn=ROLE_ARN, RoleSessionName="s", DurationSeconds=900
    )
    expect_client_error(
        unchecked.assume_role, "MalformedPolicyDocument", 400, RoleArn=ROLE_ARN, RoleSessionName="deny",
        Policy=json.dumps({"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}),
    )
    anonymous = sts_client(server.url, signature_version=UNSIGNED)
    expect_client_error(anonymous.get_session_token, "MissingAuthenticationToken", 403)
    stranger = boto3.session.Session().client(
        "sts", endpoint_url=server.url, region_name=REGION,
        aws_access_key_id="AKIANOBODYATALL0000", aws_secret_access_key="nope",
        config=Config(retries={"max_attempts": 1}),
    )
    expect_client_error(stranger.get_session_token, "InvalidClientTokenId", 403)


def test_assume_role_policy_denies_writes(server, s3):
    readable, other = bucket_name("sts-read"), bucket_name("sts-other")
    for name in (readable, other):
        s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=readable, Key="docs/a.txt", Body=b"A")
    s3.put_object(Bucket=other, Key="b.txt", Body=b"B")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{readable}"},
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"arn:aws:s3:::{readable}/*"},
        ],
    }
    answer = sts_client(server.url).assume_role(
        RoleArn=ROLE_ARN, RoleSessionName="reader", DurationSeconds=900, Policy=json.dumps(policy)
    )
    assert answer["AssumedRoleUser"]["Arn"].endswith(":assumed-role/integration/reader")
    reader = session_s3(server.url, answer["Credentials"])

    assert reader.get_object(Bucket=readable, Key="docs/a.txt")["Body"].read() == b"A"
    assert [o["Key"] for o in reader.list_objects_v2(Bucket=readable)["Contents"]] == ["docs/a.txt"]
    expect_client_error(reader.put_object, "AccessDenied", 403, Bucket=readable, Key="docs/new.txt", Body=b"x")
    expect_client_error(reader.delete_object, "AccessDenied", 403, Bucket=readable, Key="docs/a.txt")
    expect_client_error(reader.get_object, "AccessDenied", 403, Bucket=other, Key="b.txt")
    expect_client_error(s3.head_object, "404", 404, Bucket=readable, Key="docs/new.txt")
    assert s3.get_object(Bucket=readable, Key="docs/a.txt")["Body"].read() == b"A"
    # A presigned PUT from the narrowed session is refused as well.
    put_url = reader.generate_presigned_url(
        "put_object", Params={"Bucket": readable, "Key": "docs/presigned.txt"}, ExpiresIn=600
    )
    refused = requests.put(put_url, data=b"x", timeout=HTTP_TIMEOUT)
    assert refused.status_code == 403 and s3_error(refused)["Code"] == "AccessDenied"


# -- expiry ----------------------------------------------------------------------------------------


def test_expired_session_credentials_get_expired_token(tmp_path):
    data = tmp_path / "data"
    srv = Server(data).start()
    try:
        s3 = s3_client(srv.url)
        bucket = bucket_name("sts-expiry")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"short-lived")
        creds = sts_client(srv.url).get_session_token(DurationSeconds=900)["Credentials"]
        url = session_s3(srv.url, creds).generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=3600
        )
        assert requests.get(url, timeout=HTTP_TIMEOUT).status_code == 200
    finally:
        assert srv.stop() == 0

    # Same data, the server's clock 1000 s ahead: past the session's 900 s, within the URL's hour.
    later = Server(data, extra_args=("--clock-offset-secs", "1000")).start()
    try:
        url = session_s3(later.url, creds).generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=3600
        )
        assert "X-Amz-Security-Token=" in url
        expired = requests.get(url, timeout=HTTP_TIMEOUT)
        assert expired.status_code == 403, expired.content
        assert s3_error(expired)["Code"] == "ExpiredToken"
        # The root key's URL, made the same way at the same moment, still works there.
        root_url = s3_client(later.url, signature_version="s3v4").generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=3600
        )
        ok = requests.get(root_url, timeout=HTTP_TIMEOUT)
        assert ok.status_code == 200 and ok.content == b"short-lived"
    finally:
        later.stop()
