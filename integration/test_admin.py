"""Issued keys and revocation through `minis3 admin`: scoped keys refused outside their scope by
boto3 (header auth, presigned URLs, POST forms), rotation with two secrets, and each kind of
revocation of a URL that worked a moment before, effective at once and kept across a restart."""

import time

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
)

pytestmark = pytest.mark.minis3_only


def create_key(server, *args):
    created = minis3_admin(server.url, "key", "create", *args).json
    assert set(created) >= {"AccessKeyId", "SecretAccessKey", "SecretId", "Allow", "Buckets"}
    return created


def client_for(server, key, secret=None, **config):
    return s3_client(server.url, key["AccessKeyId"], secret or key["SecretAccessKey"], **config)


def get(url):
    return requests.get(url, timeout=HTTP_TIMEOUT)


def assert_revoked(resp):
    assert resp.status_code == 403, resp.text
    err = s3_error(resp)
    assert err["Code"] == "AccessDenied" and "revoked" in err["Message"], err


@pytest.fixture
def stocked(s3, bucket):
    for key in ("team/a.txt", "team/sub/b.txt", "private/c.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    return bucket


def test_read_list_key_is_refused_everything_else(server, s3, stocked):
    other = bucket_name("other")
    s3.create_bucket(Bucket=other)
    key = create_key(server, "--allow", "read,list", "--bucket", f"{stocked}/team/")
    assert key["Allow"] == ["read", "list"] and key["Buckets"] == [f"{stocked}/team/"]
    scoped = client_for(server, key)

    assert scoped.get_object(Bucket=stocked, Key="team/a.txt")["Body"].read() == b"team/a.txt"
    listed = scoped.list_objects_v2(Bucket=stocked, Prefix="team/")
    assert [o["Key"] for o in listed["Contents"]] == ["team/a.txt", "team/sub/b.txt"]
    assert [b["Name"] for b in scoped.list_buckets()["Buckets"]] == [stocked]
    scoped.head_bucket(Bucket=stocked)

    denied = [
        (scoped.get_object, dict(Bucket=stocked, Key="private/c.txt")),
        (scoped.head_object, dict(Bucket=stocked, Key="private/c.txt")),
        (scoped.get_object, dict(Bucket=other, Key="team/a.txt")),
        (scoped.list_objects_v2, dict(Bucket=stocked)),
        (scoped.list_objects_v2, dict(Bucket=stocked, Prefix="private/")),
        (scoped.put_object, dict(Bucket=stocked, Key="team/new.txt", Body=b"x")),
        (scoped.delete_object, dict(Bucket=stocked, Key="team/a.txt")),
        (scoped.copy_object, dict(Bucket=stocked, Key="team/copy.txt",
                                  CopySource={"Bucket": stocked, "Key": "team/a.txt"})),
        (scoped.create_multipart_upload, dict(Bucket=stocked, Key="team/mp.bin")),
        (scoped.put_object_tagging, dict(Bucket=stocked, Key="team/a.txt",
                                         Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})),
        (scoped.create_bucket, dict(Bucket=bucket_name("new"))),
        (scoped.delete_bucket, dict(Bucket=stocked)),
        (scoped.get_bucket_acl, dict(Bucket=stocked)),
    ]
    for call, kwargs in denied:
        status = 403
        if call == scoped.head_object:
            # HEAD answers carry no body: the status is all a client sees.
            from botocore.exceptions import ClientError
            with pytest.raises(ClientError) as info:
                call(**kwargs)
            assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
            continue
        expect_client_error(call, "AccessDenied", status, **kwargs)
    # Nothing a refused call would have changed did change.
    assert s3.get_object(Bucket=stocked, Key="team/a.txt")["Body"].read() == b"team/a.txt"
    assert "TagSet" in s3.get_object_tagging(Bucket=stocked, Key="team/a.txt")
    assert s3.get_object_tagging(Bucket=stocked, Key="team/a.txt")["TagSet"] == []


def test_write_and_delete_keys(server, s3, stocked):
    writer = client_for(server, create_key(server, "--allow", "write", "--bucket", f"{stocked}/team/"))
    writer.put_object(Bucket=stocked, Key="team/w.txt", Body=b"written")
    assert s3.get_object(Bucket=stocked, Key="team/w.txt")["Body"].read() == b"written"
    expect_client_error(writer.get_object, "AccessDenied", 403, Bucket=stocked, Key="team/w.txt")
    expect_client_error(writer.put_object, "AccessDenied", 403, Bucket=stocked, Key="private/w.txt", Body=b"x")

    deleter = client_for(server, create_key(server, "--allow", "delete", "--bucket", f"{stocked}/team/"))
    result = deleter.delete_objects(Bucket=stocked, Delete={"Objects": [
        {"Key": "team/w.txt"}, {"Key": "private/c.txt"}]})
    assert [d["Key"] for d in result.get("Deleted", [])] == ["team/w.txt"]
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [("private/c.txt", "AccessDenied")]
    assert s3.get_object(Bucket=stocked, Key="private/c.txt")["Body"].read() == b"private/c.txt"
    expect_client_error(deleter.delete_object, "AccessDenied", 403, Bucket=stocked, Key="private/c.txt")


def test_scope_holds_for_presigned_urls_and_post_forms(server, s3, stocked):
    key = create_key(server, "--allow", "read", "--bucket", f"{stocked}/team/")
    scoped = client_for(server, key, signature_version="s3v4")
    inside = scoped.generate_presigned_url("get_object", Params={"Bucket": stocked, "Key": "team/a.txt"})
    outside = scoped.generate_presigned_url("get_object", Params={"Bucket": stocked, "Key": "private/c.txt"})
    assert get(inside).content == b"team/a.txt"
    resp = get(outside)
    assert (resp.status_code, s3_error(resp)["Code"]) == (403, "AccessDenied")
    put_url = scoped.generate_presigned_url("put_object", Params={"Bucket": stocked, "Key": "team/p.txt"})
    resp = requests.put(put_url, data=b"nope", timeout=HTTP_TIMEOUT)
    assert resp.status_code == 403

    form = scoped.generate_presigned_post(stocked, "team/form.txt")
    resp = requests.post(form["url"], data=form["fields"], files={"file": ("f.txt", b"form")}, timeout=HTTP_TIMEOUT)
    assert (resp.status_code, s3_error(resp)["Code"]) == (403, "AccessDenied")
    expect_client_error(s3.head_object, "404", 404, Bucket=stocked, Key="team/p.txt")
    expect_client_error(s3.head_object, "404", 404, Bucket=stocked, Key="team/form.txt")

    writer = client_for(server, create_key(server, "--allow", "write", "--bucket", f"{stocked}/up/"),
                        signature_version="s3v4")
    form = writer.generate_presigned_post(stocked, "up/form.txt")
    resp = requests.post(form["url"], data=form["fields"], files={"file": ("f.txt", b"form")}, timeout=HTTP_TIMEOUT)
    assert resp.status_code == 204, resp.text
    form = writer.generate_presigned_post(stocked, "elsewhere.txt")
    resp = requests.post(form["url"], data=form["fields"], files={"file": ("f.txt", b"x")}, timeout=HTTP_TIMEOUT)
    assert resp.status_code == 403


def test_only_the_root_key_may_administer(server):
    key = create_key(server)
    out = minis3_admin(server.url, "key", "list", access_key=key["AccessKeyId"],
                       secret_key=key["SecretAccessKey"], check=False)
    assert out.returncode != 0 and "AccessDenied" in out.stderr
    resp = requests.get(f"{server.url}/_minis3/admin/keys", timeout=HTTP_TIMEOUT)
    assert (resp.status_code, s3_error(resp)["Code"]) == (403, "AccessDenied")
    listed = minis3_admin(server.url, "key", "list").json["Keys"]
    mine = [k for k in listed if k["AccessKeyId"] == key["AccessKeyId"]]
    assert mine and mine[0]["SecretIds"] == [key["SecretId"]]
    assert key["SecretAccessKey"] not in str(listed), "secrets are never listed"
    out = minis3_admin(server.url, "key", "delete", "AKIANOSUCHKEY0000000", check=False)
    assert out.returncode != 0 and "NoSuchEntity" in out.stderr


def test_revoke_one_url(server, s3v4, stocked):
    first = s3v4.generate_presigned_url("get_object", Params={"Bucket": stocked, "Key": "team/a.txt"})
    second = s3v4.generate_presigned_url("get_object", Params={"Bucket": stocked, "Key": "team/a.txt"},
                                         ExpiresIn=1200)
    assert get(first).status_code == 200 and get(second).status_code == 200
    revoked = minis3_admin(server.url, "revoke", first).json["Revoked"]
    assert revoked["AccessKeyId"] == "minis3admin" and revoked["Expires"]
    assert_revoked(get(first))
    assert get(second).status_code == 200, "only the revoked URL stops working"
    listed = minis3_admin(server.url, "revocations", "list").json
    assert revoked["Signature"] in [r["Signature"] for r in listed["Signatures"]]

    # By its signature alone, as a user may only have that from a log line.
    signature = second.split("X-Amz-Signature=")[1].split("&")[0]
    minis3_admin(server.url, "revoke", signature)
    assert_revoked(get(second))


def test_revoke_before_a_time_and_a_whole_key(server, s3, stocked):
    key = create_key(server, "--allow", "read", "--bucket", stocked)
    signer = client_for(server, key, signature_version="s3v4")
    old = signer.generate_presigned_url("get_object", Params={"Bucket": stocked, "Key": "team/a.txt"})
    assert get(old).status_code == 200
    answer = minis3_admin(server.url, "revoke-before", key["AccessKeyId"]).json
    assert answer["AccessKeyId"] == key["AccessKeyId"]
    assert_revoked(get(old))
    # URLs signed from the next second on work again (X-Amz-Date has whole seconds).
    time.sleep(1.1)
    new = signer.generate_presigned_url("get_object", Params={"Bucket": stocked, "Key": "team/a.txt"})
    assert get(new).status_code == 200
    assert signer.get_object(Bucket=stocked, Key="team/a.txt")["Body"].read() == b"team/a.txt"
    nb = minis3_admin(server.url, "revocations", "list").json["NotBefore"]
    assert key["AccessKeyId"] in [n["AccessKeyId"] for n in nb]

    # An explicit time in the past changes nothing that came after it.
    minis3_admin(server.url, "revoke-before", key["AccessKeyId"], "2001-01-01T00:00:00Z")
    assert get(new).status_code == 200

    # Revoking the whole key: everything it signed is refused as revoked.
    minis3_admin(server.url, "key", "delete", key["AccessKeyId"])
    assert_revoked(get(new))
    expect_client_error(signer.get_object, "AccessDenied", 403, Bucket=stocked, Key="team/a.txt")


def test_rotation_with_two_secrets(server, stocked):
    key = create_key(server, "--allow", "read", "--bucket", stocked)
    old_client = client_for(server, key, signature_version="s3v4")
    old_url = old_client.generate_presigned_url("get_object", Params={"Bucket": stocked, "Key": "team/a.txt"})
    added = minis3_admin(server.url, "key", "add-secret", key["AccessKeyId"]).json
    assert added["AccessKeyId"] == key["AccessKeyId"] and added["SecretId"] != key["SecretId"]
    new_client = client_for(server, key, secret=added["SecretAccessKey"], signature_version="s3v4")
    new_url = new_client.generate_presigned_url("get_object", Params={"Bucket": stocked, "Key": "team/a.txt"})
    assert get(old_url).status_code == 200 and get(new_url).status_code == 200
    assert old_client.get_object(Bucket=stocked, Key="team/a.txt")["Body"].read() == b"team/a.txt"
    assert new_client.get_object(Bucket=stocked, Key="team/a.txt")["Body"].read() == b"team/a.txt"
    third = minis3_admin(server.url, "key", "add-secret", key["AccessKeyId"], check=False)
    assert third.returncode != 0 and "LimitExceeded" in third.stderr
    listed = [k for k in minis3_admin(server.url, "key", "list").json["Keys"]
              if k["AccessKeyId"] == key["AccessKeyId"]]
    assert listed[0]["SecretIds"] == [key["SecretId"], added["SecretId"]]

    minis3_admin(server.url, "key", "remove-secret", key["AccessKeyId"], key["SecretId"])
    resp = get(old_url)
    assert (resp.status_code, s3_error(resp)["Code"]) == (403, "SignatureDoesNotMatch")
    expect_client_error(old_client.get_object, "SignatureDoesNotMatch", 403, Bucket=stocked, Key="team/a.txt")
    assert get(new_url).status_code == 200
    last = minis3_admin(server.url, "key", "remove-secret", key["AccessKeyId"], added["SecretId"], check=False)
    assert last.returncode != 0 and "InvalidRequest" in last.stderr


def test_keys_and_revocations_survive_a_restart(tmp_path):
    srv = Server(tmp_path / "data").start()
    try:
        root = s3_client(srv.url, signature_version="s3v4")
        bucket = bucket_name("persist")
        root.create_bucket(Bucket=bucket)
        root.put_object(Bucket=bucket, Key="k", Body=b"v")
        key = create_key(srv, "--allow", "read", "--bucket", bucket)
        revoked_url = root.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
        kept_url = root.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=999)
        minis3_admin(srv.url, "revoke", revoked_url)
        assert srv.stop() == 0
        # The restarted server listens on another port, and the URLs' signatures cover the host
        # they were made for: --host-alias lets the server accept that one.
        old_host = srv.url.split("/")[2]
        srv = Server(srv.data_dir, extra_args=("--host-alias", old_host)).start()
        new_host = srv.url.split("/")[2]
        assert_revoked(get(revoked_url.replace(old_host, new_host)))
        assert get(kept_url.replace(old_host, new_host)).content == b"v"
        scoped = client_for(srv, key)
        assert scoped.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
        expect_client_error(scoped.put_object, "AccessDenied", 403, Bucket=bucket, Key="k", Body=b"x")
        signatures = [r["Signature"] for r in minis3_admin(srv.url, "revocations", "list").json["Signatures"]]
        assert revoked_url.split("X-Amz-Signature=")[1].split("&")[0] in signatures
        assert kept_url.split("X-Amz-Signature=")[1].split("&")[0] not in signatures
    finally:
        srv.stop()
