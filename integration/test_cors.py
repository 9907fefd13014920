"""Bucket CORS end to end: the configuration calls (through the aws CLI with the JSON users copy
from the AWS docs, and boto3 for the validation errors), preflight OPTIONS requests as a browser
sends them, the CORS headers on actual requests (successes and errors alike), and the
server-wide default `--cors-allow-origin`."""

import base64
import hashlib
import json

import pytest
import requests

from support import (
    HTTP_TIMEOUT,
    Server,
    bucket_name,
    expect_client_error,
    key_path,
    s3_client,
    s3_error,
    signed_request,
)

VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."
NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
    "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted "
    "by the resource's CORS spec."
)
DEFAULT_EXPOSED = (
    "ETag, x-amz-request-id, x-amz-version-id, x-amz-checksum-crc32, x-amz-checksum-crc32c, "
    "x-amz-checksum-crc64nvme, x-amz-checksum-sha1, x-amz-checksum-sha256"
)

# The shape of the AWS CLI docs' cors.json, with every member a rule can have.
DOCS_CORS = {
    "CORSRules": [
        {
            "ID": "uploads-from-the-app",
            "AllowedOrigins": ["http://www.example.com", "http://*.example.com"],
            "AllowedHeaders": ["Content-Type", "x-amz-*"],
            "AllowedMethods": ["PUT", "POST", "DELETE"],
            "MaxAgeSeconds": 3000,
            "ExposeHeaders": ["ETag", "x-amz-request-id"],
        },
        {"AllowedOrigins": ["*"], "AllowedHeaders": ["Authorization"], "AllowedMethods": ["GET", "HEAD"]},
    ]
}


def cors_headers(resp) -> dict:
    """The response's Access-Control-* headers and Vary, by lower-case name."""
    return {
        name.lower(): value
        for name, value in resp.headers.items()
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    }


def preflight(url: str, bucket: str, key: str = "", *, origin=None, method=None, headers=None):
    """A browser's preflight: OPTIONS with Origin, Access-Control-Request-Method and, when the
    real request will carry non-simple headers, Access-Control-Request-Headers."""
    sent = {}
    if origin is not None:
        sent["Origin"] = origin
    if method is not None:
        sent["Access-Control-Request-Method"] = method
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    return requests.options(f"{url}{key_path(bucket, key)}", headers=sent, timeout=HTTP_TIMEOUT)


def assert_preflight_refused(resp, code: str, message: str, status: int = 403):
    assert resp.status_code == status, (resp.status_code, resp.content)
    err = s3_error(resp)
    assert (err["Code"], err["Message"]) == (code, message)
    assert "access-control-allow-origin" not in cors_headers(resp)


def raw_put_cors(url: str, bucket: str, xml: str):
    """PUT ?cors with a body boto3 would refuse to build (its parameter validation stops it)."""
    body = xml.encode()
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    resp, _ = signed_request(
        "PUT", f"{url}/{bucket}?cors", body=body, headers={"Content-MD5": md5, "Content-Type": "application/xml"}
    )
    return resp


def rule(origins, methods, **extra) -> dict:
    return {"AllowedOrigins": origins, "AllowedMethods": methods, **extra}


# -- the configuration calls -----------------------------------------------------------------------


def test_cli_put_get_delete_bucket_cors_with_the_docs_json(cli, s3, bucket, tmp_path):
    (tmp_path / "cors.json").write_text(json.dumps(DOCS_CORS, indent=2))
    cli.run("s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", "file://cors.json", cwd=tmp_path)

    got = json.loads(cli.run("s3api", "get-bucket-cors", "--bucket", bucket, "--output", "json").stdout_text)
    assert got == DOCS_CORS
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == DOCS_CORS["CORSRules"]

    # A second PUT replaces the whole configuration.
    replacement = {"CORSRules": [rule(["http://localhost:5173"], ["GET"])]}
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=replacement)
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == replacement["CORSRules"]

    cli.run("s3api", "delete-bucket-cors", "--bucket", bucket)
    p = cli.run("s3api", "get-bucket-cors", "--bucket", bucket, check=False)
    assert p.returncode != 0
    assert "NoSuchCORSConfiguration" in p.stderr_text, p.stderr_text
    err = expect_client_error(s3.get_bucket_cors, "NoSuchCORSConfiguration", 404, Bucket=bucket)
    assert err["Error"]["Message"] == "The CORS configuration does not exist"


def test_delete_bucket_cors_without_a_configuration(s3, bucket):
    resp = s3.delete_bucket_cors(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_client_error(s3.get_bucket_cors, "NoSuchCORSConfiguration", 404, Bucket=bucket)


def test_cors_calls_on_a_missing_bucket(s3):
    missing = bucket_name("cors-missing")
    config = {"CORSRules": [rule(["*"], ["GET"])]}
    expect_client_error(s3.put_bucket_cors, "NoSuchBucket", 404, Bucket=missing, CORSConfiguration=config)
    expect_client_error(s3.get_bucket_cors, "NoSuchBucket", 404, Bucket=missing)


def test_a_hundred_rules_are_accepted(s3, bucket):
    rules = [rule([f"http://app{i}.example"], ["GET"]) for i in range(100)]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert len(s3.get_bucket_cors(Bucket=bucket)["CORSRules"]) == 100


INVALID_CONFIGS = {
    "unsupported-method": (
        [rule(["*"], ["GET", "PATCH"])],
        "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
    ),
    "two-wildcards-in-origin": (
        [rule(["http://*.*.example.com"], ["GET"])],
        'AllowedOrigin "http://*.*.example.com" can not have more than one wildcard.',
    ),
    "two-wildcards-in-header": (
        [rule(["*"], ["GET"], AllowedHeaders=["x-amz-*-*"])],
        'AllowedHeader "x-amz-*-*" can not have more than one wildcard.',
    ),
    "101-rules": (
        [rule([f"http://app{i}.example"], ["GET"]) for i in range(101)],
        "The number of CORS rules should not exceed allowed limit of 100 rules.",
    ),
    "id-over-255-chars": ([rule(["*"], ["GET"], ID="i" * 256)], None),
}


@pytest.mark.minis3_only
@pytest.mark.parametrize("rules,message", list(INVALID_CONFIGS.values()), ids=list(INVALID_CONFIGS))
def test_invalid_configuration_is_refused_and_nothing_changes(s3, bucket, rules, message):
    err = expect_client_error(
        s3.put_bucket_cors, "InvalidRequest", 400, Bucket=bucket, CORSConfiguration={"CORSRules": rules}
    )
    if message is not None:
        assert err["Error"]["Message"] == message
    expect_client_error(s3.get_bucket_cors, "NoSuchCORSConfiguration", 404, Bucket=bucket)

    # Nor does a refused PUT disturb a configuration already there.
    kept = [rule(["http://kept.example"], ["GET"])]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": kept})
    expect_client_error(
        s3.put_bucket_cors, "InvalidRequest", 400, Bucket=bucket, CORSConfiguration={"CORSRules": rules}
    )
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == kept


MALFORMED_BODIES = {
    "no-rules": "<CORSConfiguration></CORSConfiguration>",
    "rule-without-origin": (
        "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
    ),
    "rule-without-method": (
        "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>"
    ),
    "not-xml": "<CORSConfiguration><CORSRule>",
}


@pytest.mark.minis3_only
@pytest.mark.parametrize("xml", list(MALFORMED_BODIES.values()), ids=list(MALFORMED_BODIES))
def test_malformed_configuration_is_refused(server, s3, bucket, xml):
    resp = raw_put_cors(server.url, bucket, xml)
    assert resp.status_code == 400, resp.content
    assert s3_error(resp)["Code"] == "MalformedXML"
    expect_client_error(s3.get_bucket_cors, "NoSuchCORSConfiguration", 404, Bucket=bucket)


def test_raw_xml_configuration_as_s3_documents_it(server, s3, bucket):
    xml = (
        '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        "<CORSRule><ID>raw</ID><AllowedOrigin>http://www.example.com</AllowedOrigin>"
        "<AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod>"
        "<AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds>"
        "<ExposeHeader>x-amz-server-side-encryption</ExposeHeader><ExposeHeader>ETag</ExposeHeader></CORSRule>"
        "</CORSConfiguration>"
    )
    resp = raw_put_cors(server.url, bucket, xml)
    assert resp.status_code == 200, resp.content
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == [
        {
            "ID": "raw",
            "AllowedOrigins": ["http://www.example.com"],
            "AllowedMethods": ["PUT", "POST"],
            "AllowedHeaders": ["*"],
            "MaxAgeSeconds": 3000,
            "ExposeHeaders": ["x-amz-server-side-encryption", "ETag"],
        }
    ]


# -- preflight -------------------------------------------------------------------------------------


@pytest.fixture
def docs_cors_bucket(s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=DOCS_CORS)
    return bucket


@pytest.mark.minis3_only
def test_preflight_exact_origin_gets_every_header(server, docs_cors_bucket):
    resp = preflight(
        server.url,
        docs_cors_bucket,
        "uploads/photo.png",
        origin="http://www.example.com",
        method="PUT",
        headers="Content-Type, X-Amz-Meta-Color",
    )
    assert resp.status_code == 200, resp.content
    assert resp.content == b""
    assert cors_headers(resp) == {
        "access-control-allow-origin": "http://www.example.com",
        "access-control-allow-methods": "PUT, POST, DELETE",
        "access-control-allow-headers": "content-type, x-amz-meta-color",
        "access-control-expose-headers": "ETag, x-amz-request-id",
        "access-control-max-age": "3000",
        "access-control-allow-credentials": "true",
        "vary": VARY,
    }


@pytest.mark.minis3_only
def test_preflight_on_the_bucket_itself(server, docs_cors_bucket):
    # A browser POST form targets the bucket URL, so its preflight names no key.
    resp = preflight(server.url, docs_cors_bucket, origin="http://www.example.com", method="POST")
    assert resp.status_code == 200, resp.content
    h = cors_headers(resp)
    assert h["access-control-allow-origin"] == "http://www.example.com"
    assert h["access-control-allow-methods"] == "PUT, POST, DELETE"
    # Nothing requested, nothing to allow.
    assert "access-control-allow-headers" not in h


@pytest.mark.minis3_only
@pytest.mark.parametrize("origin", ["http://app.example.com", "http://a.b.example.com"])
def test_preflight_wildcard_origin(server, docs_cors_bucket, origin):
    resp = preflight(server.url, docs_cors_bucket, "k", origin=origin, method="DELETE")
    assert resp.status_code == 200, resp.content
    h = cors_headers(resp)
    assert h["access-control-allow-origin"] == origin
    assert h["access-control-allow-credentials"] == "true"
    assert h["vary"] == VARY


@pytest.mark.minis3_only
@pytest.mark.parametrize(
    "origin", ["http://example.com", "https://app.example.com", "http://app.example.com.evil.test", "null"]
)
def test_preflight_origin_that_no_rule_allows(server, docs_cors_bucket, origin):
    # PUT is only in the first rule, whose origins these are not.
    resp = preflight(server.url, docs_cors_bucket, "k", origin=origin, method="PUT")
    assert_preflight_refused(resp, "AccessForbidden", NOT_ALLOWED)


@pytest.mark.minis3_only
def test_preflight_star_origin_answers_star_without_credentials(server, docs_cors_bucket):
    resp = preflight(
        server.url, docs_cors_bucket, "k", origin="http://anything.test", method="GET", headers="AUTHORIZATION"
    )
    assert resp.status_code == 200, resp.content
    assert cors_headers(resp) == {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, HEAD",
        "access-control-allow-headers": "authorization",
        "vary": VARY,
    }


@pytest.mark.minis3_only
def test_preflight_method_not_allowed(server, docs_cors_bucket):
    # The `*` rule allows GET and HEAD only.
    for method in ("PUT", "POST", "DELETE"):
        resp = preflight(server.url, docs_cors_bucket, "k", origin="http://elsewhere.test", method=method)
        assert_preflight_refused(resp, "AccessForbidden", NOT_ALLOWED)
    # A method CORS rules cannot even name.
    resp = preflight(server.url, docs_cors_bucket, "k", origin="http://www.example.com", method="PATCH")
    assert_preflight_refused(resp, "AccessForbidden", NOT_ALLOWED)


@pytest.mark.minis3_only
def test_preflight_requested_headers_match_case_insensitively_and_by_wildcard(server, docs_cors_bucket):
    resp = preflight(
        server.url,
        docs_cors_bucket,
        "k",
        origin="http://www.example.com",
        method="PUT",
        headers="CONTENT-TYPE,x-amz-date, X-Amz-Content-Sha256,x-amz-meta-a",
    )
    assert resp.status_code == 200, resp.content
    assert (
        cors_headers(resp)["access-control-allow-headers"]
        == "content-type, x-amz-date, x-amz-content-sha256, x-amz-meta-a"
    )


@pytest.mark.minis3_only
def test_preflight_with_a_header_no_rule_allows(server, docs_cors_bucket):
    # One header outside `Content-Type` / `x-amz-*` spoils the whole request.
    resp = preflight(
        server.url,
        docs_cors_bucket,
        "k",
        origin="http://www.example.com",
        method="PUT",
        headers="content-type, x-custom-header",
    )
    assert_preflight_refused(resp, "AccessForbidden", NOT_ALLOWED)
    # `x-amz-*` needs the `x-amz-` prefix: a header that only contains it is not matched.
    resp = preflight(
        server.url, docs_cors_bucket, "k", origin="http://www.example.com", method="PUT", headers="my-x-amz-thing"
    )
    assert_preflight_refused(resp, "AccessForbidden", NOT_ALLOWED)
    # GET from the `*` rule allows only Authorization.
    resp = preflight(
        server.url, docs_cors_bucket, "k", origin="http://www.example.com", method="GET", headers="x-amz-date"
    )
    assert_preflight_refused(resp, "AccessForbidden", NOT_ALLOWED)


@pytest.mark.minis3_only
def test_preflight_first_matching_rule_wins(server, s3, bucket):
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                rule(["http://app.test"], ["GET"], ExposeHeaders=["x-first"], MaxAgeSeconds=100),
                rule(["*"], ["GET", "PUT"], ExposeHeaders=["x-second"], MaxAgeSeconds=200),
                rule(["http://app.test"], ["GET", "PUT"], ExposeHeaders=["x-third"], MaxAgeSeconds=300),
            ]
        },
    )
    resp = preflight(server.url, bucket, "k", origin="http://app.test", method="GET")
    assert resp.status_code == 200, resp.content
    h = cors_headers(resp)
    assert (h["access-control-allow-origin"], h["access-control-allow-methods"]) == ("http://app.test", "GET")
    assert (h["access-control-expose-headers"], h["access-control-max-age"]) == ("x-first", "100")

    # The first rule does not allow PUT, so the second answers, even though the third names the origin.
    resp = preflight(server.url, bucket, "k", origin="http://app.test", method="PUT")
    assert resp.status_code == 200, resp.content
    h = cors_headers(resp)
    assert (h["access-control-allow-origin"], h["access-control-allow-methods"]) == ("*", "GET, PUT")
    assert (h["access-control-expose-headers"], h["access-control-max-age"]) == ("x-second", "200")
    assert "access-control-allow-credentials" not in h


@pytest.mark.minis3_only
def test_preflight_without_origin_or_method(server, docs_cors_bucket):
    resp = preflight(server.url, docs_cors_bucket, "k", method="GET")
    assert_preflight_refused(resp, "BadRequest", "Insufficient information. Origin request header needed.", 400)
    resp = preflight(server.url, docs_cors_bucket, "k", origin="http://www.example.com")
    assert_preflight_refused(resp, "BadRequest", "Invalid Access-Control-Request-Method: null", 400)


@pytest.mark.minis3_only
def test_preflight_without_a_configuration(server, s3, bucket):
    resp = preflight(server.url, bucket, "k", origin="http://www.example.com", method="GET")
    assert_preflight_refused(resp, "AccessForbidden", NOT_ENABLED)

    # After a delete the bucket is back to no configuration.
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule(["*"], ["GET"])]})
    assert preflight(server.url, bucket, "k", origin="http://www.example.com", method="GET").status_code == 200
    s3.delete_bucket_cors(Bucket=bucket)
    resp = preflight(server.url, bucket, "k", origin="http://www.example.com", method="GET")
    assert_preflight_refused(resp, "AccessForbidden", NOT_ENABLED)


@pytest.mark.minis3_only
def test_preflight_virtual_hosted(server, docs_cors_bucket):
    resp = requests.options(
        f"{server.url}/photo.png",
        headers={
            "Host": f"{docs_cors_bucket}.localhost:{server.port}",
            "Origin": "http://www.example.com",
            "Access-Control-Request-Method": "PUT",
        },
        timeout=HTTP_TIMEOUT,
    )
    assert resp.status_code == 200, resp.content
    assert cors_headers(resp)["access-control-allow-origin"] == "http://www.example.com"


@pytest.mark.minis3_only
def test_preflight_to_a_missing_bucket(server):
    resp = preflight(server.url, bucket_name("cors-missing"), "k", origin="http://www.example.com", method="GET")
    assert resp.status_code == 404, resp.content
    assert s3_error(resp)["Code"] == "NoSuchBucket"


# -- actual requests -------------------------------------------------------------------------------


@pytest.fixture
def app_bucket(s3, bucket):
    """A bucket whose one rule lets http://app.test GET and PUT, with the objects `private.txt`
    (there) and `gone.txt` (not)."""
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                rule(
                    ["http://app.test"],
                    ["GET", "PUT"],
                    AllowedHeaders=["*"],
                    ExposeHeaders=["ETag", "x-amz-request-id"],
                    MaxAgeSeconds=600,
                )
            ]
        },
    )
    s3.put_object(Bucket=bucket, Key="private.txt", Body=b"secret")
    return bucket


APP_HEADERS = {
    "access-control-allow-origin": "http://app.test",
    "access-control-allow-methods": "GET, PUT",
    "access-control-expose-headers": "ETag, x-amz-request-id",
    "access-control-max-age": "600",
    "access-control-allow-credentials": "true",
    "vary": VARY,
}


@pytest.mark.minis3_only
def test_signed_requests_with_a_matching_origin_get_cors_headers(server, app_bucket):
    resp, _ = signed_request("GET", f"{server.url}/{app_bucket}/private.txt", headers={"Origin": "http://app.test"})
    assert resp.status_code == 200 and resp.content == b"secret"
    assert cors_headers(resp) == APP_HEADERS

    resp, _ = signed_request(
        "PUT", f"{server.url}/{app_bucket}/new.txt", body=b"from the page", headers={"Origin": "http://app.test"}
    )
    assert resp.status_code == 200, resp.content
    assert cors_headers(resp) == APP_HEADERS

    # An error answer carries them too, so the page can read the XML.
    resp, _ = signed_request("GET", f"{server.url}/{app_bucket}/gone.txt", headers={"Origin": "http://app.test"})
    assert resp.status_code == 404 and s3_error(resp)["Code"] == "NoSuchKey"
    assert cors_headers(resp) == APP_HEADERS

    resp, _ = signed_request(
        "GET",
        f"{server.url}/{app_bucket}/private.txt",
        headers={"Origin": "http://app.test"},
        secret_key="wrong-secret",
    )
    assert resp.status_code == 403 and s3_error(resp)["Code"] == "SignatureDoesNotMatch"
    assert cors_headers(resp) == APP_HEADERS


@pytest.mark.minis3_only
def test_anonymous_request_refused_still_gets_cors_headers(server, app_bucket):
    for key in ("private.txt", "gone.txt"):
        resp = requests.get(
            f"{server.url}/{app_bucket}/{key}", headers={"Origin": "http://app.test"}, timeout=HTTP_TIMEOUT
        )
        assert resp.status_code == 403, resp.content
        assert s3_error(resp)["Code"] == "AccessDenied"
        assert cors_headers(resp) == APP_HEADERS
    resp = requests.head(
        f"{server.url}/{app_bucket}/private.txt", headers={"Origin": "http://app.test"}, timeout=HTTP_TIMEOUT
    )
    assert resp.status_code == 403
    # HEAD is not among the rule's methods.
    assert cors_headers(resp) == {}


@pytest.mark.minis3_only
def test_no_cors_headers_without_a_matching_rule(server, s3, app_bucket):
    url = f"{server.url}/{app_bucket}/private.txt"
    for origin in ("http://other.test", "https://app.test"):
        resp, _ = signed_request("GET", url, headers={"Origin": origin})
        assert resp.status_code == 200 and resp.content == b"secret"
        assert cors_headers(resp) == {}
        resp = requests.get(url, headers={"Origin": origin}, timeout=HTTP_TIMEOUT)
        assert resp.status_code == 403
        assert cors_headers(resp) == {}
    # No Origin: not a CORS request.
    resp, _ = signed_request("GET", url)
    assert resp.status_code == 200
    assert cors_headers(resp) == {}
    # The origin matches but the rule does not allow DELETE.
    resp, _ = signed_request("DELETE", url, headers={"Origin": "http://app.test"})
    assert resp.status_code == 204
    assert cors_headers(resp) == {}
    # A bucket without a configuration.
    other = bucket_name("no-cors")
    s3.create_bucket(Bucket=other)
    resp = requests.get(f"{server.url}/{other}/k", headers={"Origin": "http://app.test"}, timeout=HTTP_TIMEOUT)
    assert resp.status_code == 403
    assert cors_headers(resp) == {}


# -- the server-wide default ----------------------------------------------------------------------


DEV_ORIGIN = "http://dev.local:3000"


def default_origin_checks(srv, dev_origins):
    s3 = s3_client(srv.url)
    plain = bucket_name("cors-default")
    own = bucket_name("cors-own")
    s3.create_bucket(Bucket=plain)
    s3.create_bucket(Bucket=own)
    s3.put_bucket_cors(Bucket=own, CORSConfiguration={"CORSRules": [rule(["http://other.test"], ["GET"])]})
    s3.put_object(Bucket=plain, Key="k", Body=b"dev data")

    for origin in dev_origins:
        resp = preflight(srv.url, plain, "k", origin=origin, method="PUT", headers="Content-Type, X-Amz-Date")
        assert resp.status_code == 200, resp.content
        assert cors_headers(resp) == {
            "access-control-allow-origin": origin,
            "access-control-allow-methods": "GET, PUT, POST, DELETE, HEAD",
            "access-control-allow-headers": "content-type, x-amz-date",
            "access-control-expose-headers": DEFAULT_EXPOSED,
            "access-control-max-age": "3000",
            "access-control-allow-credentials": "true",
            "vary": VARY,
        }
        resp, _ = signed_request("GET", f"{srv.url}/{plain}/k", headers={"Origin": origin})
        assert resp.status_code == 200 and resp.content == b"dev data"
        assert cors_headers(resp)["access-control-allow-origin"] == origin
        assert cors_headers(resp)["access-control-expose-headers"] == DEFAULT_EXPOSED

        # A missing bucket answers the browser too, so the page can read NoSuchBucket.
        missing = bucket_name("cors-default-missing")
        resp = preflight(srv.url, missing, "k", origin=origin, method="GET")
        assert resp.status_code == 200, resp.content
        assert cors_headers(resp)["access-control-allow-origin"] == origin
        resp, _ = signed_request("GET", f"{srv.url}/{missing}/k", headers={"Origin": origin})
        assert resp.status_code == 404 and s3_error(resp)["Code"] == "NoSuchBucket"
        assert cors_headers(resp)["access-control-allow-origin"] == origin

        # The bucket's own configuration wins over the default.
        resp = preflight(srv.url, own, "k", origin=origin, method="GET")
        assert_preflight_refused(resp, "AccessForbidden", NOT_ALLOWED)

        # So does a request naming no bucket.
        resp = requests.options(
            f"{srv.url}/", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}, timeout=HTTP_TIMEOUT
        )
        assert resp.status_code == 200, resp.content
        assert cors_headers(resp)["access-control-allow-origin"] == origin
        resp, _ = signed_request("GET", f"{srv.url}/", headers={"Origin": origin})
        assert resp.status_code == 200
        assert cors_headers(resp)["access-control-allow-origin"] == origin

    resp = preflight(srv.url, plain, "k", origin="http://elsewhere.test", method="GET")
    assert_preflight_refused(resp, "AccessForbidden", NOT_ALLOWED)
    resp, _ = signed_request("GET", f"{srv.url}/{plain}/k", headers={"Origin": "http://elsewhere.test"})
    assert resp.status_code == 200 and cors_headers(resp) == {}
    resp = preflight(srv.url, own, "k", origin="http://other.test", method="GET")
    assert resp.status_code == 200
    assert cors_headers(resp)["access-control-allow-origin"] == "http://other.test"


@pytest.mark.minis3_only
def test_cors_allow_origin_flag(tmp_path):
    srv = Server(
        tmp_path / "data", ("--cors-allow-origin", DEV_ORIGIN, "--cors-allow-origin", "http://localhost:5173")
    ).start()
    try:
        default_origin_checks(srv, [DEV_ORIGIN, "http://localhost:5173"])
    finally:
        assert srv.stop() == 0


@pytest.mark.minis3_only
def test_cors_allow_origin_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIS3_CORS_ALLOW_ORIGIN", f"{DEV_ORIGIN},http://localhost:5173")
    srv = Server(tmp_path / "data").start()
    try:
        default_origin_checks(srv, [DEV_ORIGIN, "http://localhost:5173"])
    finally:
        assert srv.stop() == 0
