"""Canned ACLs end to end: setting them (x-amz-acl on CreateBucket, PutObject, CopyObject,
CreateMultipartUpload, PUT ?acl, the aws CLI's --acl), the grants GetBucketAcl / GetObjectAcl
report, what they let an anonymous client (plain `requests`, unsigned boto3) do, and the
NotImplemented / InvalidArgument answers for what minis3 does not support."""

import json
import xml.etree.ElementTree as ET

import pytest
import requests

from support import (
    HTTP_TIMEOUT,
    S3_NS,
    anonymous_client,
    bucket_name,
    expect_client_error,
    keys_in,
    md5_etag,
    s3_error,
    signed_request,
)

OWNER_ID = "6d696e6973330000000000000000000000000000000000000000000000000000"
OWNER_NAME = "minis3"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

# Beyond the owner's FULL_CONTROL, what each canned ACL grants to S3's predefined groups.
GROUP_GRANTS = {
    "private": [],
    "public-read": [(ALL_USERS, "READ")],
    "public-read-write": [(ALL_USERS, "READ"), (ALL_USERS, "WRITE")],
    "authenticated-read": [(AUTHENTICATED_USERS, "READ")],
    "log-delivery-write": [(LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")],
}
OBJECT_ACLS = ["private", "public-read", "public-read-write", "authenticated-read"]
# moto reports only the first grant to a group that gets two permissions.
MOTO_DROPS_A_GRANT = {"public-read-write", "log-delivery-write"}


def acl_params(values):
    return [pytest.param(v, marks=pytest.mark.minis3_only) if v in MOTO_DROPS_A_GRANT else v for v in values]


# Accepted, but nothing in them lets an anonymous client read.
OTHER_ACLS = ["aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"]


def grants(acl_response) -> list[tuple]:
    """A GetBucketAcl / GetObjectAcl answer's grants as sortable tuples."""
    out = []
    for grant in acl_response["Grants"]:
        grantee = grant["Grantee"]
        if grantee["Type"] == "CanonicalUser":
            out.append(("CanonicalUser", grantee["ID"], grant["Permission"]))
        else:
            assert grantee["Type"] == "Group", grant
            out.append(("Group", grantee["URI"], grant["Permission"]))
    return sorted(out)


def expected_grants(owner_id: str, canned: str) -> list[tuple]:
    return sorted(
        [("CanonicalUser", owner_id, "FULL_CONTROL")]
        + [("Group", uri, permission) for uri, permission in GROUP_GRANTS[canned]]
    )


@pytest.fixture(scope="module")
def owner_id(s3):
    """The canonical id of the one user, as a bucket's ACL names it (that it is also the
    ListBuckets owner is checked against minis3 below; moto reports two different ids)."""
    name = new_bucket(s3, "owner-id")
    return s3.get_bucket_acl(Bucket=name)["Owner"]["ID"]


@pytest.fixture(scope="module")
def anon(server):
    return anonymous_client(server.url)


def anonymous_get(server, bucket, key):
    return requests.get(f"{server.url}/{bucket}/{key}", timeout=HTTP_TIMEOUT)


def anonymous_head(server, bucket, key):
    return requests.head(f"{server.url}/{bucket}/{key}", timeout=HTTP_TIMEOUT)


def assert_access_denied(resp):
    assert resp.status_code == 403, (resp.status_code, resp.content)
    if resp.request.method != "HEAD":
        assert s3_error(resp)["Code"] == "AccessDenied"


def new_bucket(s3, hint, **kwargs) -> str:
    name = bucket_name(hint)
    s3.create_bucket(Bucket=name, **kwargs)
    return name


# -- the grants reported ---------------------------------------------------------------------------


@pytest.mark.parametrize("canned", acl_params(GROUP_GRANTS))
def test_bucket_canned_acl_grants(s3, owner_id, canned):
    name = new_bucket(s3, f"acl-{canned}", ACL=canned)
    acl = s3.get_bucket_acl(Bucket=name)
    assert acl["Owner"]["ID"] == owner_id
    assert grants(acl) == expected_grants(owner_id, canned)


@pytest.mark.parametrize("canned", acl_params(OBJECT_ACLS))
def test_object_canned_acl_grants(s3, bucket, owner_id, canned):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL=canned)
    acl = s3.get_object_acl(Bucket=bucket, Key="k")
    assert acl["Owner"]["ID"] == owner_id
    assert grants(acl) == expected_grants(owner_id, canned)


def test_default_acls_are_private(s3, bucket, owner_id):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert grants(s3.get_bucket_acl(Bucket=bucket)) == expected_grants(owner_id, "private")
    assert grants(s3.get_object_acl(Bucket=bucket, Key="k")) == expected_grants(owner_id, "private")


@pytest.mark.minis3_only
def test_acl_xml_names_the_owner_and_grantee_types(server, s3, bucket):
    assert s3.list_buckets()["Owner"] == {"ID": OWNER_ID, "DisplayName": OWNER_NAME}
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")
    for url in (f"{server.url}/{bucket}?acl", f"{server.url}/{bucket}/k?acl"):
        resp, _ = signed_request("GET", url)
        assert resp.status_code == 200, resp.content
        root = ET.fromstring(resp.content)
        assert root.tag == f"{S3_NS}AccessControlPolicy"
        assert root.findtext(f"{S3_NS}Owner/{S3_NS}ID") == OWNER_ID
        assert root.findtext(f"{S3_NS}Owner/{S3_NS}DisplayName") == OWNER_NAME
        seen = []
        for grant in root.findall(f"{S3_NS}AccessControlList/{S3_NS}Grant"):
            grantee = grant.find(f"{S3_NS}Grantee")
            kind = grantee.get(XSI_TYPE)
            if kind == "CanonicalUser":
                who = (grantee.findtext(f"{S3_NS}ID"), grantee.findtext(f"{S3_NS}DisplayName"))
            else:
                who = grantee.findtext(f"{S3_NS}URI")
            seen.append((kind, who, grant.findtext(f"{S3_NS}Permission")))
        expected_bucket = [("CanonicalUser", (OWNER_ID, OWNER_NAME), "FULL_CONTROL")]
        expected_object = expected_bucket + [("Group", ALL_USERS, "READ")]
        assert sorted(seen) == sorted(expected_object if url.endswith("/k?acl") else expected_bucket)


@pytest.mark.parametrize("canned", OTHER_ACLS)
def test_other_canned_values_are_accepted(s3, bucket, owner_id, canned):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL=canned)
    assert ("CanonicalUser", owner_id, "FULL_CONTROL") in grants(s3.get_object_acl(Bucket=bucket, Key="k"))
    s3.put_bucket_acl(Bucket=bucket, ACL=canned)
    assert ("CanonicalUser", owner_id, "FULL_CONTROL") in grants(s3.get_bucket_acl(Bucket=bucket))


@pytest.mark.minis3_only
@pytest.mark.parametrize("canned", OTHER_ACLS)
def test_other_canned_values_give_no_anonymous_access(server, s3, bucket, canned):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL=canned)
    s3.put_bucket_acl(Bucket=bucket, ACL=canned)
    assert_access_denied(anonymous_get(server, bucket, "k"))
    assert_access_denied(requests.get(f"{server.url}/{bucket}?list-type=2", timeout=HTTP_TIMEOUT))


def test_put_acl_changes_the_grants(s3, bucket, owner_id):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")
    assert grants(s3.get_object_acl(Bucket=bucket, Key="k")) == expected_grants(owner_id, "public-read")
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    assert grants(s3.get_object_acl(Bucket=bucket, Key="k")) == expected_grants(owner_id, "private")

    s3.put_bucket_acl(Bucket=bucket, ACL="authenticated-read")
    assert grants(s3.get_bucket_acl(Bucket=bucket)) == expected_grants(owner_id, "authenticated-read")
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    assert grants(s3.get_bucket_acl(Bucket=bucket)) == expected_grants(owner_id, "private")
    # Changing an ACL leaves the object alone.
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_cli_acl_options(cli, s3, owner_id, tmp_path):
    name = bucket_name("cli-acl")
    cli.run("s3api", "create-bucket", "--bucket", name, "--acl", "public-read")
    got = json.loads(cli.run("s3api", "get-bucket-acl", "--bucket", name, "--output", "json").stdout_text)
    assert grants(got) == expected_grants(owner_id, "public-read")

    (tmp_path / "page.html").write_bytes(b"<h1>public</h1>")
    cli.run("s3", "cp", "--no-progress", "--acl", "public-read", str(tmp_path / "page.html"), f"s3://{name}/page.html")
    assert grants(s3.get_object_acl(Bucket=name, Key="page.html")) == expected_grants(owner_id, "public-read")

    cli.run("s3api", "put-object-acl", "--bucket", name, "--key", "page.html", "--acl", "private")
    assert grants(s3.get_object_acl(Bucket=name, Key="page.html")) == expected_grants(owner_id, "private")


# -- anonymous access ------------------------------------------------------------------------------


@pytest.mark.minis3_only
def test_anonymous_get_and_head_follow_the_object_acl(server, s3, bucket):
    body = b"public bytes\n" * 100
    s3.put_object(Bucket=bucket, Key="public.txt", Body=body, ACL="public-read", ContentType="text/plain")
    s3.put_object(Bucket=bucket, Key="private.txt", Body=b"secret")
    s3.put_object(Bucket=bucket, Key="readwrite.txt", Body=b"rw", ACL="public-read-write")
    s3.put_object(Bucket=bucket, Key="authenticated.txt", Body=b"auth", ACL="authenticated-read")

    resp = anonymous_get(server, bucket, "public.txt")
    assert resp.status_code == 200 and resp.content == body
    assert resp.headers["ETag"] == md5_etag(body)
    assert resp.headers["Content-Type"] == "text/plain"
    resp = anonymous_head(server, bucket, "public.txt")
    assert resp.status_code == 200
    assert resp.headers["Content-Length"] == str(len(body))
    resp = requests.get(f"{server.url}/{bucket}/public.txt", headers={"Range": "bytes=0-5"}, timeout=HTTP_TIMEOUT)
    assert resp.status_code == 206 and resp.content == body[:6]
    assert anonymous_get(server, bucket, "readwrite.txt").content == b"rw"

    # A private object in a private bucket, and one only signed-in users may read.
    for key in ("private.txt", "authenticated.txt"):
        assert_access_denied(anonymous_get(server, bucket, key))
        assert_access_denied(anonymous_head(server, bucket, key))
    # The owner still reads everything.
    assert s3.get_object(Bucket=bucket, Key="private.txt")["Body"].read() == b"secret"


@pytest.mark.minis3_only
def test_anonymous_virtual_hosted_get(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="asset.css", Body=b"body{}", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="private.css", Body=b"secret")
    host = {"Host": f"{bucket}.localhost:{server.port}"}
    resp = requests.get(f"{server.url}/asset.css", headers=host, timeout=HTTP_TIMEOUT)
    assert resp.status_code == 200 and resp.content == b"body{}"
    assert_access_denied(requests.get(f"{server.url}/private.css", headers=host, timeout=HTTP_TIMEOUT))


@pytest.mark.minis3_only
def test_anonymous_get_cannot_override_response_headers(server, s3, bucket):
    # AWS GetObject: the response-* parameters "cannot be used with an unsigned (anonymous) request".
    s3.put_object(Bucket=bucket, Key="page.html", Body=b"<p>hi</p>", ACL="public-read", ContentType="text/html")
    resp = requests.get(
        f"{server.url}/{bucket}/page.html?response-content-type=application/octet-stream", timeout=HTTP_TIMEOUT
    )
    assert resp.status_code == 400, (resp.status_code, resp.headers, resp.content)
    err = s3_error(resp)
    assert (err["Code"], err["Message"]) == (
        "InvalidRequest",
        "Request specific response headers cannot be used for anonymous GET requests.",
    )
    # Signed, the same override is fine.
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "page.html", "ResponseContentType": "application/octet-stream"}
    )
    resp = requests.get(url, timeout=HTTP_TIMEOUT)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/octet-stream"


@pytest.mark.minis3_only
def test_missing_key_is_404_only_where_the_bucket_is_readable(server, s3, bucket):
    assert_access_denied(anonymous_get(server, bucket, "missing.txt"))
    assert_access_denied(anonymous_head(server, bucket, "missing.txt"))

    public = new_bucket(s3, "public-missing-key", ACL="public-read")
    resp = anonymous_get(server, public, "missing.txt")
    assert resp.status_code == 404, resp.content
    assert s3_error(resp)["Code"] == "NoSuchKey"
    assert anonymous_head(server, public, "missing.txt").status_code == 404
    # A readable bucket does not make its private objects readable.
    s3.put_object(Bucket=public, Key="private.txt", Body=b"secret")
    assert_access_denied(anonymous_get(server, public, "private.txt"))


@pytest.mark.minis3_only
def test_anonymous_missing_bucket(server):
    missing = bucket_name("anon-missing")
    for resp in (anonymous_get(server, missing, "k"), requests.get(f"{server.url}/{missing}", timeout=HTTP_TIMEOUT)):
        assert resp.status_code == 404, resp.content
        assert s3_error(resp)["Code"] == "NoSuchBucket"


@pytest.mark.minis3_only
def test_anonymous_listing_follows_the_bucket_acl(server, s3, anon, bucket):
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket)
    expect_client_error(anon.list_objects, "AccessDenied", 403, Bucket=bucket)
    expect_client_error(anon.head_bucket, "403", 403, Bucket=bucket)
    # Objects being public does not make the bucket listable.
    s3.put_object_acl(Bucket=bucket, Key="a.txt", ACL="public-read")
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket)

    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert [o["Key"] for o in anon.list_objects_v2(Bucket=bucket)["Contents"]] == ["a.txt"]
    assert [o["Key"] for o in anon.list_objects(Bucket=bucket)["Contents"]] == ["a.txt"]
    assert anon.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    # Reading the bucket is not reading its ACL, nor listing every bucket.
    expect_client_error(anon.get_bucket_acl, "AccessDenied", 403, Bucket=bucket)
    expect_client_error(anon.list_buckets, "AccessDenied", 403)

    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    expect_client_error(anon.list_objects_v2, "AccessDenied", 403, Bucket=bucket)


@pytest.mark.minis3_only
def test_anonymous_writes_need_a_public_read_write_bucket(server, s3, anon, bucket):
    # Private and public-read buckets refuse, and store nothing.
    for canned in ("private", "public-read"):
        s3.put_bucket_acl(Bucket=bucket, ACL=canned)
        resp = requests.put(f"{server.url}/{bucket}/drop.txt", data=b"anonymous", timeout=HTTP_TIMEOUT)
        assert_access_denied(resp)
        expect_client_error(anon.put_object, "AccessDenied", 403, Bucket=bucket, Key="drop.txt", Body=b"x")
        assert keys_in(s3, bucket) == []

    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    resp = requests.put(f"{server.url}/{bucket}/drop.txt", data=b"anonymous", timeout=HTTP_TIMEOUT)
    assert resp.status_code == 200, resp.content
    assert resp.headers["ETag"] == md5_etag(b"anonymous")
    assert s3.get_object(Bucket=bucket, Key="drop.txt")["Body"].read() == b"anonymous"
    # What an anonymous writer stores is private unless it says otherwise.
    assert_access_denied(anonymous_get(server, bucket, "drop.txt"))
    anon.put_object(Bucket=bucket, Key="shared.txt", Body=b"shared", ACL="public-read")
    assert anonymous_get(server, bucket, "shared.txt").content == b"shared"

    resp = requests.delete(f"{server.url}/{bucket}/drop.txt", timeout=HTTP_TIMEOUT)
    assert resp.status_code == 204
    assert keys_in(s3, bucket) == ["shared.txt"]

    # Writing objects is not writing the bucket's ACL.
    resp = requests.put(f"{server.url}/{bucket}?acl", headers={"x-amz-acl": "private"}, timeout=HTTP_TIMEOUT)
    assert_access_denied(resp)


@pytest.mark.minis3_only
def test_overwrite_without_acl_makes_the_object_private_again(server, s3, bucket, owner_id):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v1", ACL="public-read")
    assert anonymous_get(server, bucket, "k").content == b"v1"
    s3.put_object(Bucket=bucket, Key="k", Body=b"v2")
    assert_access_denied(anonymous_get(server, bucket, "k"))
    assert grants(s3.get_object_acl(Bucket=bucket, Key="k")) == expected_grants(owner_id, "private")


@pytest.mark.minis3_only
def test_put_acl_opens_and_closes_anonymous_access(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"later public")
    assert_access_denied(anonymous_get(server, bucket, "k"))
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")
    assert anonymous_get(server, bucket, "k").content == b"later public"
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    assert_access_denied(anonymous_get(server, bucket, "k"))


@pytest.mark.minis3_only
def test_copy_object_takes_the_acl_of_its_request(server, s3, bucket, owner_id):
    s3.put_object(Bucket=bucket, Key="src", Body=b"copied", ACL="public-read")
    # ACLs are not copied: without x-amz-acl the copy is private.
    s3.copy_object(Bucket=bucket, Key="plain-copy", CopySource={"Bucket": bucket, "Key": "src"})
    assert grants(s3.get_object_acl(Bucket=bucket, Key="plain-copy")) == expected_grants(owner_id, "private")
    assert_access_denied(anonymous_get(server, bucket, "plain-copy"))

    s3.put_object(Bucket=bucket, Key="private-src", Body=b"made public")
    s3.copy_object(
        Bucket=bucket, Key="public-copy", CopySource={"Bucket": bucket, "Key": "private-src"}, ACL="public-read"
    )
    assert grants(s3.get_object_acl(Bucket=bucket, Key="public-copy")) == expected_grants(owner_id, "public-read")
    assert anonymous_get(server, bucket, "public-copy").content == b"made public"


@pytest.mark.minis3_only
def test_multipart_upload_acl_applies_to_the_completed_object(server, s3, bucket, owner_id):
    part1, part2 = b"a" * (5 * 1024 * 1024), b"tail"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big", ACL="public-read")
    etags = [
        s3.upload_part(Bucket=bucket, Key="big", UploadId=upload["UploadId"], PartNumber=n, Body=body)["ETag"]
        for n, body in ((1, part1), (2, part2))
    ]
    # Not visible before it is complete.
    assert_access_denied(anonymous_get(server, bucket, "big"))
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in ((1, etags[0]), (2, etags[1]))]},
    )
    assert grants(s3.get_object_acl(Bucket=bucket, Key="big")) == expected_grants(owner_id, "public-read")
    resp = anonymous_get(server, bucket, "big")
    assert resp.status_code == 200 and resp.content == part1 + part2


@pytest.mark.minis3_only
def test_canned_access_control_policy_body_is_accepted(server, s3, bucket, owner_id):
    s3.put_object(Bucket=bucket, Key="k", Body=b"via body")
    owner = s3.get_object_acl(Bucket=bucket, Key="k")["Owner"]
    policy = {
        "Owner": owner,
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
        ],
    }
    s3.put_object_acl(Bucket=bucket, Key="k", AccessControlPolicy=policy)
    assert grants(s3.get_object_acl(Bucket=bucket, Key="k")) == expected_grants(owner_id, "public-read")
    assert anonymous_get(server, bucket, "k").content == b"via body"

    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)
    assert grants(s3.get_bucket_acl(Bucket=bucket)) == expected_grants(owner_id, "public-read")
    assert requests.get(f"{server.url}/{bucket}?list-type=2", timeout=HTTP_TIMEOUT).status_code == 200


# -- what is not supported -------------------------------------------------------------------------


NON_CANNED_GRANTS = {
    "other-user": [{"Grantee": {"Type": "CanonicalUser", "ID": "ab" * 32}, "Permission": "READ"}],
    "email": [{"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "a@example.com"}, "Permission": "READ"}],
    "all-users-write-acp": [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "WRITE_ACP"}],
    "all-users-write-only": [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "WRITE"}],
}


@pytest.mark.minis3_only
@pytest.mark.parametrize("extra", list(NON_CANNED_GRANTS.values()), ids=list(NON_CANNED_GRANTS))
def test_access_control_policy_that_is_no_canned_acl(server, s3, bucket, owner_id, extra):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    policy = {
        "Owner": owner,
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"}] + extra,
    }
    expect_client_error(s3.put_object_acl, "NotImplemented", 501, Bucket=bucket, Key="k", AccessControlPolicy=policy)
    expect_client_error(s3.put_bucket_acl, "NotImplemented", 501, Bucket=bucket, AccessControlPolicy=policy)
    # Nothing changed.
    assert grants(s3.get_object_acl(Bucket=bucket, Key="k")) == expected_grants(owner_id, "private")
    assert grants(s3.get_bucket_acl(Bucket=bucket)) == expected_grants(owner_id, "private")


@pytest.mark.minis3_only  # moto keeps any grant; minis3 takes those that make a canned ACL
def test_grant_headers_that_make_a_canned_acl_are_taken(server, s3, bucket, owner_id):
    everyone = f'uri="{ALL_USERS}"'
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", GrantRead=everyone)
    assert grants(s3.get_object_acl(Bucket=bucket, Key="k")) == expected_grants(owner_id, "public-read")
    assert requests.get(f"{server.url}/{bucket}/k", timeout=HTTP_TIMEOUT).status_code == 200
    # The owner's own grant and the canned ACL it makes.
    s3.put_object_acl(Bucket=bucket, Key="k", GrantFullControl=f'id="{owner_id}"')
    assert grants(s3.get_object_acl(Bucket=bucket, Key="k")) == expected_grants(owner_id, "private")
    assert requests.get(f"{server.url}/{bucket}/k", timeout=HTTP_TIMEOUT).status_code == 403
    s3.put_bucket_acl(Bucket=bucket, GrantRead=everyone, GrantWrite=everyone)
    assert grants(s3.get_bucket_acl(Bucket=bucket)) == expected_grants(owner_id, "public-read-write")
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "k"}, GrantRead=everyone)
    assert grants(s3.get_object_acl(Bucket=bucket, Key="copy")) == expected_grants(owner_id, "public-read")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", GrantRead=everyone)["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)


@pytest.mark.minis3_only  # moto keeps any grant
def test_grant_headers_no_canned_acl_makes_are_refused_and_change_nothing(s3, bucket, owner_id):
    someone = 'id="0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"'
    err = expect_client_error(
        s3.put_object, "NotImplemented", 501, Bucket=bucket, Key="k", Body=b"x", GrantRead=someone
    )
    assert "canned ACLs" in err["Error"]["Message"]
    assert keys_in(s3, bucket) == []
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    expect_client_error(s3.put_object_acl, "NotImplemented", 501, Bucket=bucket, Key="k", GrantFullControl=someone)
    expect_client_error(s3.put_object_acl, "InvalidRequest", 400, Bucket=bucket, Key="k", ACL="public-read",
                        GrantRead=f'uri="{ALL_USERS}"')
    expect_client_error(s3.put_object_acl, "InvalidArgument", 400, Bucket=bucket, Key="k", GrantRead="nonsense")
    assert grants(s3.get_object_acl(Bucket=bucket, Key="k")) == expected_grants(owner_id, "private")
    name = bucket_name("grant-create")
    expect_client_error(s3.create_bucket, "NotImplemented", 501, Bucket=name, GrantWriteACP=someone)
    expect_client_error(s3.head_bucket, "404", 404, Bucket=name)


def test_the_cli_grants_flag_makes_an_object_public(server, cli, s3, bucket, tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"shared")
    cli.run("s3", "cp", str(path), f"s3://{bucket}/f.txt", "--grants", f"read=uri={ALL_USERS}")
    assert requests.get(f"{server.url}/{bucket}/f.txt", timeout=HTTP_TIMEOUT).content == b"shared"


@pytest.mark.minis3_only
def test_invalid_canned_acl(s3, bucket, owner_id):
    for bad in ("public", "Public-Read", "everyone"):
        expect_client_error(s3.put_object, "InvalidArgument", 400, Bucket=bucket, Key="k", Body=b"x", ACL=bad)
        assert keys_in(s3, bucket) == []
        name = bucket_name("bad-acl")
        expect_client_error(s3.create_bucket, "InvalidArgument", 400, Bucket=name, ACL=bad)
        expect_client_error(s3.head_bucket, "404", 404, Bucket=name)
        expect_client_error(s3.put_bucket_acl, "InvalidArgument", 400, Bucket=bucket, ACL=bad)
        assert grants(s3.get_bucket_acl(Bucket=bucket)) == expected_grants(owner_id, "private")


# -- Block Public Access ---------------------------------------------------------------------------


def put_public_access_block(s3, bucket, **settings):
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=settings)


@pytest.mark.minis3_only  # moto stores the settings but does not enforce them
def test_block_public_acls_refuses_every_public_acl(s3, server, bucket):
    s3.put_object(Bucket=bucket, Key="open", Body=b"open", ACL="public-read")
    put_public_access_block(s3, bucket, BlockPublicAcls=True)
    got = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert got == {"BlockPublicAcls": True, "IgnorePublicAcls": False,
                   "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
    for acl in ("public-read", "public-read-write", "authenticated-read"):
        expect_client_error(s3.put_object, "AccessDenied", 403, Bucket=bucket, Key="new", Body=b"x", ACL=acl)
        expect_client_error(s3.copy_object, "AccessDenied", 403, Bucket=bucket, Key="new",
                            CopySource={"Bucket": bucket, "Key": "open"}, ACL=acl)
        expect_client_error(s3.create_multipart_upload, "AccessDenied", 403, Bucket=bucket, Key="new", ACL=acl)
        expect_client_error(s3.put_object_acl, "AccessDenied", 403, Bucket=bucket, Key="open", ACL=acl)
        expect_client_error(s3.put_bucket_acl, "AccessDenied", 403, Bucket=bucket, ACL=acl)
    assert keys_in(s3, bucket) == ["open"]
    # Blocking new public ACLs leaves the ones already set working.
    assert anonymous_get(server, bucket, "open").status_code == 200
    s3.put_object(Bucket=bucket, Key="closed", Body=b"x", ACL="bucket-owner-full-control")


@pytest.mark.minis3_only  # moto does not enforce the settings
def test_ignore_public_acls_makes_them_private_until_deleted(s3, server):
    bucket = bucket_name("ignore-public-acls")
    s3.create_bucket(Bucket=bucket, ACL="public-read-write")
    s3.put_object(Bucket=bucket, Key="open", Body=b"open", ACL="public-read")
    assert anonymous_get(server, bucket, "open").status_code == 200
    put_public_access_block(s3, bucket, IgnorePublicAcls=True)
    assert_access_denied(anonymous_get(server, bucket, "open"))
    assert_access_denied(requests.put(f"{server.url}/{bucket}/anon", data=b"x", timeout=HTTP_TIMEOUT))
    assert_access_denied(requests.get(f"{server.url}/{bucket}?list-type=2", timeout=HTTP_TIMEOUT))
    # The ACLs themselves are kept, and count again once the configuration is gone.
    grants = s3.get_object_acl(Bucket=bucket, Key="open")["Grants"]
    assert any(g["Grantee"].get("URI") == ALL_USERS for g in grants)
    s3.delete_public_access_block(Bucket=bucket)
    expect_client_error(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", 404, Bucket=bucket)
    assert anonymous_get(server, bucket, "open").status_code == 200
    assert requests.put(f"{server.url}/{bucket}/anon", data=b"x", timeout=HTTP_TIMEOUT).status_code == 200


def test_public_access_block_through_the_cli(cli, s3, bucket):
    cli.run("s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration",
            "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
    out = json.loads(cli.run("s3api", "get-public-access-block", "--bucket", bucket).stdout_text)
    assert out["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    }


# -- Object Ownership ------------------------------------------------------------------------------


@pytest.mark.minis3_only  # moto does not disable ACLs
def test_bucket_owner_enforced_disables_acls(s3, server):
    bucket = bucket_name("owner-enforced")
    s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerEnforced")
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    for acl in ("public-read", "private"):
        expect_client_error(s3.put_object, "AccessControlListNotSupported", 400,
                            Bucket=bucket, Key="k", Body=b"x", ACL=acl)
    assert keys_in(s3, bucket) == []
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    expect_client_error(s3.put_bucket_acl, "AccessControlListNotSupported", 400, Bucket=bucket, ACL="public-read")
    grants = s3.get_object_acl(Bucket=bucket, Key="k")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    # Back to ACLs.
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.put_object(Bucket=bucket, Key="open", Body=b"open", ACL="public-read")
    assert anonymous_get(server, bucket, "open").status_code == 200
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    expect_client_error(s3.get_bucket_ownership_controls, "OwnershipControlsNotFoundError", 404, Bucket=bucket)


@pytest.mark.minis3_only  # moto does not check the bucket's ACL
def test_acls_cannot_be_disabled_on_a_bucket_that_grants_others(s3, cli):
    bucket = bucket_name("public-then-enforced")
    s3.create_bucket(Bucket=bucket, ACL="public-read")
    result = cli.run("s3api", "put-bucket-ownership-controls", "--bucket", bucket,
                     "--ownership-controls", "Rules=[{ObjectOwnership=BucketOwnerEnforced}]", check=False)
    assert result.returncode != 0
    assert "InvalidBucketAclWithObjectOwnership" in result.stderr_text
    expect_client_error(s3.create_bucket, "InvalidBucketAclWithObjectOwnership", 400,
                        Bucket=bucket_name("born-enforced"), ACL="public-read", ObjectOwnership="BucketOwnerEnforced")
