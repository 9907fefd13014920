"""`--host-alias`: a URL presigned for the name the server has inside a compose network
(`http://minis3:PORT`) works when a browser uses it as `http://127.0.0.1:PORT`, and the server logs
that the alias is what matched; without the alias the same kind of URL is SignatureDoesNotMatch."""

import time

import pytest
import requests

from support import HTTP_TIMEOUT, Server, bucket_name, free_port, s3_client, s3_error

pytestmark = pytest.mark.minis3_only

LOG_WAIT_SECS = 10.0


@pytest.fixture(scope="module")
def aliased(tmp_path_factory):
    port = free_port()
    srv = Server(tmp_path_factory.mktemp("alias-data"), extra_args=("--host-alias", f"minis3:{port}"),
                 port=port).start()
    assert srv.port == port
    yield srv
    srv.stop()


def presigned_for(host_url: str, method: str, **params) -> str:
    """A SigV4 URL signed for `host_url` (no request is sent: presigning is offline)."""
    signer = s3_client(host_url, signature_version="s3v4")
    return signer.generate_presigned_url(method, Params=params, ExpiresIn=300)


def seen_in_log(server: Server, *needles: str) -> bool:
    """Waits (bounded) for a stderr line holding every needle: the log is drained by a thread."""
    deadline = time.monotonic() + LOG_WAIT_SECS
    while True:
        if any(all(n in line for n in needles) for line in list(server.stderr_tail)):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def test_url_presigned_for_the_alias_works_on_the_real_address(aliased):
    compose_url = f"http://minis3:{aliased.port}"
    real = f"127.0.0.1:{aliased.port}"
    s3 = s3_client(aliased.url)
    bucket = bucket_name("alias")
    s3.create_bucket(Bucket=bucket)

    put_url = presigned_for(compose_url, "put_object", Bucket=bucket, Key="from-browser.txt")
    assert put_url.startswith(compose_url)
    resp = requests.put(put_url.replace(f"minis3:{aliased.port}", real), data=b"aliased", timeout=HTTP_TIMEOUT)
    assert resp.status_code == 200, resp.text
    get_url = presigned_for(compose_url, "get_object", Bucket=bucket, Key="from-browser.txt")
    resp = requests.get(get_url.replace(f"minis3:{aliased.port}", real), timeout=HTTP_TIMEOUT)
    assert resp.status_code == 200 and resp.content == b"aliased"
    assert seen_in_log(aliased, "signature matched a --host-alias", f"alias=minis3:{aliased.port}"), \
        "\n".join(aliased.stderr_tail)

    # Only the aliases given: another name is still refused.
    other = presigned_for(f"http://elsewhere:{aliased.port}", "get_object", Bucket=bucket, Key="from-browser.txt")
    resp = requests.get(other.replace(f"elsewhere:{aliased.port}", real), timeout=HTTP_TIMEOUT)
    assert resp.status_code == 403 and s3_error(resp)["Code"] == "SignatureDoesNotMatch"


def test_without_the_alias_the_signature_does_not_match(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    url = presigned_for(f"http://minis3:{server.port}", "get_object", Bucket=bucket, Key="k")
    resp = requests.get(url.replace("minis3:", "127.0.0.1:"), timeout=HTTP_TIMEOUT)
    assert resp.status_code == 403, resp.text
    assert s3_error(resp)["Code"] == "SignatureDoesNotMatch"
