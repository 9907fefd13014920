"""Plumbing for the end-to-end suite: starting and stopping a server process, building clients.

Owns: `Server` (one minis3 process on a free port with its own data dir, stdout/stderr drained
by threads), the boto3 client factories (signed and anonymous), the aws CLI runner, raw
SigV4-signed `requests` calls (for what boto3 cannot be made to send, including aws-chunked
bodies), S3 XML parsing, and the digests S3 reports (single and multipart ETags, checksums).
No tests live here.

`MINIS3_TEST_TARGET=moto` is a developer-only switch: it makes `start_server` run moto's
server instead, to debug the client side of the suite before minis3 exists. The harness
(tests/integration.rs) always removes that variable.
"""

from __future__ import annotations

import atexit
import base64
import collections
import datetime
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import boto3
import requests
from botocore import UNSIGNED
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ACCESS_KEY = "minis3admin"
SECRET_KEY = "minis3admin"
REGION = "us-east-1"
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"

START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
HTTP_TIMEOUT = 30.0

MiB = 1024 * 1024

URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)")


def target() -> str:
    """'minis3' normally; 'moto' only in a developer's loop."""
    return os.environ.get("MINIS3_TEST_TARGET", "minis3")


def minis3_bin() -> str:
    path = os.environ.get("MINIS3_BIN")
    if not path:
        raise RuntimeError(
            "MINIS3_BIN is not set: run the suite through `cargo test` "
            "(tests/integration.rs), or set it to the built minis3 binary"
        )
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"MINIS3_BIN={path!r} is not an executable file")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process on 127.0.0.1; every instance ever started is kept in `Server.started`
    so a failing run can show their logs."""

    started: list["Server"] = []

    def __init__(self, data_dir: Path, extra_args: tuple[str, ...] = (), wrapper: tuple[str, ...] = (),
                 port: int = 0):
        """`wrapper`, when given, is a command line the server is started through; it must end
        by exec'ing the minis3 command appended to it (so signals reach the server itself).
        `port` 0 lets the server pick one; a test that must name the port in the server's own
        arguments (`--host-alias NAME:PORT`) picks one with `free_port()` first."""
        self.requested_port = port
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.extra_args = tuple(extra_args)
        self.wrapper = tuple(wrapper)
        self.stdout_lines: list[str] = []
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=400)
        self.proc: subprocess.Popen | None = None
        self.url: str = ""
        self.port: int = 0
        Server.started.append(self)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "Server":
        if target() == "moto":
            self.port = free_port()
            cmd = [shutil.which("moto_server") or "moto_server", "-H", "127.0.0.1", "-p", str(self.port)]
        else:
            cmd = [*self.wrapper, minis3_bin(), "serve", "--address", f"127.0.0.1:{self.requested_port}",
                   "--data-dir", str(self.data_dir)]
            cmd += list(self.extra_args)
        self.cmd = cmd
        env = dict(os.environ, RUST_BACKTRACE="1")
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        first_line = threading.Event()
        threading.Thread(target=self._drain_stdout, args=(first_line,), daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

        if target() == "moto":
            self.url = f"http://127.0.0.1:{self.port}"
            self._wait_http(f"{self.url}/", lambda r: True)
            return self

        deadline = time.monotonic() + START_TIMEOUT
        while not first_line.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                break
        if not self.stdout_lines:
            code = self.proc.poll()
            self._fail_start(
                f"exited with status {code} without printing its banner" if code is not None
                else f"printed no banner line on stdout within {START_TIMEOUT}s"
            )
        m = URL_RE.search(self.stdout_lines[0])
        if not m:
            self._fail_start(f"banner's first line has no http://127.0.0.1:<port> URL: {self.stdout_lines[0]!r}")
        self.port = int(m.group(1))
        if self.port == 0:
            self._fail_start("banner shows port 0 instead of the port actually bound")
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait_http(f"{self.url}/_minis3/health", lambda r: r.status_code == 200)
        return self

    def _wait_http(self, url: str, ok) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._fail_start(f"exited with status {self.proc.returncode} before {url} answered")
            try:
                r = requests.get(url, timeout=2)
                if ok(r):
                    return
                last = f"HTTP {r.status_code}"
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.05)
        self._fail_start(f"{url} did not answer as expected within {START_TIMEOUT}s (last: {last})")

    def _fail_start(self, why: str):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        time.sleep(0.1)  # let the drain threads collect the last lines
        raise RuntimeError(
            f"server {self.cmd} {why}\n--- stdout ---\n" + "\n".join(self.stdout_lines)
            + "\n--- stderr (tail) ---\n" + "\n".join(self.stderr_tail)
        )

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig`, wait for the exit and return the exit status (killing after a bound)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError(f"server did not exit within {STOP_TIMEOUT}s of signal {sig}; killed")

    def kill(self) -> int:
        """SIGKILL: no shutdown code runs, as in a crash or power cut. Returns the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.kill()
        return self.proc.wait(STOP_TIMEOUT)

    def _drain_stdout(self, first_line: threading.Event) -> None:
        for raw in self.proc.stdout:
            self.stdout_lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
            first_line.set()
        first_line.set()

    def _drain_stderr(self) -> None:
        for raw in self.proc.stderr:
            self.stderr_tail.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def log_report(self) -> str:
        status = "running" if self.proc and self.proc.poll() is None else f"exit {self.proc.returncode if self.proc else '-'}"
        return (
            f"server {self.url or '(no url)'} data={self.data_dir} [{status}]\n"
            + "--- stdout ---\n" + "\n".join(self.stdout_lines[-50:])
            + "\n--- stderr (last lines) ---\n" + "\n".join(self.stderr_tail)
        )


@atexit.register
def _kill_leftover_servers() -> None:
    """A run that dies without its fixture teardown still leaves no server behind."""
    for server in Server.started:
        if server.proc is not None and server.proc.poll() is None:
            server.proc.kill()


def disk_usage(root: Path) -> int:
    """Bytes allocated to the files under `root` (st_blocks, so sparse files count what they use)."""
    total = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except FileNotFoundError:  # removed while we walked
                pass
    return total


# -- digests S3 reports --------------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def crc32_b64(data: bytes) -> str:
    """The value of `x-amz-checksum-crc32`: the big-endian CRC32, base64."""
    return b64(zlib.crc32(data).to_bytes(4, "big"))


def sha256_b64(data: bytes) -> str:
    return b64(hashlib.sha256(data).digest())


def md5_etag(data: bytes) -> str:
    """The ETag S3 gives a single-part object: its MD5 in hex, quoted."""
    return f'"{hashlib.md5(data).hexdigest()}"'


def multipart_etag(parts: list[bytes]) -> str:
    """The ETag of a completed multipart upload of `parts`: the MD5 of the parts' binary MD5s,
    then `-<number of parts>`, quoted."""
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f'"{digest}-{len(parts)}"'


def split_parts(data: bytes, size: int) -> list[bytes]:
    """`data` cut into parts of `size` bytes as the SDKs cut a file, the last part smaller."""
    return [data[at : at + size] for at in range(0, len(data), size)] or [b""]


def composite_checksum(algorithm: str, parts: list[bytes]) -> str:
    """A COMPOSITE multipart checksum: base64 of the algorithm over the concatenated binary part
    checksums, then `-<number of parts>`. `algorithm` is 'SHA256' or 'CRC32'."""
    if algorithm == "SHA256":
        digest = hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest()
    elif algorithm == "CRC32":
        joined = b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts)
        digest = zlib.crc32(joined).to_bytes(4, "big")
    else:
        raise ValueError(f"no composite checksum helper for {algorithm}")
    return f"{b64(digest)}-{len(parts)}"


# -- names ---------------------------------------------------------------------------------------


def bucket_name(hint: str = "b") -> str:
    """A fresh, valid bucket name carrying a readable hint (test name)."""
    clean = re.sub(r"[^a-z0-9]+", "-", hint.lower()).strip("-")[:40] or "b"
    return f"{clean}-{uuid.uuid4().hex[:10]}"


# -- boto3 ---------------------------------------------------------------------------------------


def aws_client(service: str, url: str, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY,
               region: str = REGION, session_token: str | None = None, **config):
    """A boto3 client for `service` on the server: no retries, short timeouts, `config` on top."""
    cfg = dict(
        retries={"max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=HTTP_TIMEOUT,
    )
    cfg.update(config)
    return boto3.session.Session().client(
        service,
        endpoint_url=url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
        region_name=region,
        config=Config(**cfg),
    )


def s3_client(url: str, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY, region: str = REGION, **config):
    return aws_client("s3", url, access_key, secret_key, region, **{"s3": {"addressing_style": "path"}, **config})


# -- raw signed requests ---------------------------------------------------------------------------


class _Signer(S3SigV4Auth):
    """botocore's S3 SigV4 signer, with a fixed clock or payload hash when a test needs one,
    remembering the canonical request and string to sign it produced."""

    def __init__(self, credentials, region, timestamp=None, content_sha256=None):
        super().__init__(credentials, "s3", region)
        self._fixed_timestamp = timestamp
        self._content_sha256 = content_sha256
        self.last_canonical_request = None
        self.last_string_to_sign = None

    def _modify_request_before_signing(self, request):
        if self._fixed_timestamp is not None:
            request.context["timestamp"] = self._fixed_timestamp.strftime("%Y%m%dT%H%M%SZ")
        super()._modify_request_before_signing(request)

    def payload(self, request):
        if self._content_sha256 is not None:
            return self._content_sha256
        return super().payload(request)

    def canonical_request(self, request):
        self.last_canonical_request = super().canonical_request(request)
        return self.last_canonical_request

    def string_to_sign(self, request, canonical_request):
        self.last_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.last_string_to_sign


def key_path(bucket: str, key: str = "") -> str:
    """Path-style request path with the key encoded the way the SDKs do."""
    return f"/{bucket}/{quote(key, safe='/~')}" if key else f"/{bucket}"


def signed_request(
    method: str,
    url: str,
    *,
    body=b"",
    headers: dict | None = None,
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    region: str = REGION,
    host: str | None = None,
    timestamp: datetime.datetime | None = None,
    content_sha256: str | None = None,
):
    """Sign `method url` with SigV4 and send it with `requests`.

    `url` must already be percent-encoded. `body` is bytes, or an iterable of bytes (sent with
    chunked transfer encoding) together with `content_sha256`. With `host`, the request is signed for that Host
    header (e.g. `bucket.localhost:PORT`) but still sent to the address in `url`.
    Returns (response, signer) so a test can compare the server's view of the signature.
    """
    parts = urlsplit(url)
    sign_url = urlunsplit(parts._replace(netloc=host)) if host else url
    if not isinstance(body, (bytes, bytearray)) and content_sha256 is None:
        raise ValueError("a streamed body needs an explicit content_sha256")
    sign_body = body if isinstance(body, (bytes, bytearray)) else b""
    req = AWSRequest(method=method, url=sign_url, data=sign_body, headers=dict(headers or {}))
    signer = _Signer(Credentials(access_key, secret_key), region, timestamp, content_sha256)
    signer.add_auth(req)
    out_headers = dict(req.headers.items())
    if host:
        out_headers["Host"] = host
    resp = requests.request(method, url, data=body, headers=out_headers, timeout=HTTP_TIMEOUT, allow_redirects=False)
    return resp, signer


def aws_chunked_with_crc32_trailer(body: bytes, chunk_size: int):
    """The unsigned aws-chunked encoding botocore's AwsChunkedWrapper produces: sized chunks, then
    a zero chunk carrying the checksum trailer. Send with content_sha256=
    STREAMING-UNSIGNED-PAYLOAD-TRAILER."""
    for at in range(0, len(body), chunk_size):
        chunk = body[at : at + chunk_size]
        yield b"%x\r\n%s\r\n" % (len(chunk), chunk)
    yield b"0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % crc32_b64(body).encode()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signed_streaming_request(
    method: str,
    url: str,
    body: bytes,
    chunk_size: int,
    *,
    headers: dict | None = None,
    secret_key: str = SECRET_KEY,
):
    """Send `body` as STREAMING-AWS4-HMAC-SHA256-PAYLOAD, the signed aws-chunked encoding the
    Java and .NET SDKs use: every chunk signed, chained from the request's own signature."""
    n_chunks = -(-len(body) // chunk_size)
    sizes = [min(chunk_size, len(body) - i * chunk_size) for i in range(n_chunks)] + [0]
    sig_line = len(";chunk-signature=") + 64 + 2  # + CRLF
    encoded_len = sum(len(b"%x" % n) + sig_line + n + 2 for n in sizes)
    all_headers = {
        "Content-Encoding": "aws-chunked",
        "X-Amz-Decoded-Content-Length": str(len(body)),
        "Content-Length": str(encoded_len),
        **(headers or {}),
    }
    req = AWSRequest(method=method, url=url, data=b"", headers=all_headers)
    signer = _Signer(Credentials(ACCESS_KEY, secret_key), REGION, None, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    signer.add_auth(req)
    out_headers = dict(req.headers.items())
    previous = out_headers["Authorization"].rsplit("Signature=", 1)[1]
    _, amz_date, scope, _ = signer.last_string_to_sign.split("\n")
    date, region, service, _ = scope.split("/")
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret_key).encode(), date), region), service), "aws4_request")
    empty_hash = hashlib.sha256(b"").hexdigest()
    encoded = bytearray()
    for i, n in enumerate(sizes):
        chunk = body[i * chunk_size : i * chunk_size + n]
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, empty_hash, hashlib.sha256(chunk).hexdigest()]
        )
        previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        encoded += b"%x;chunk-signature=%s\r\n%s\r\n" % (n, previous.encode(), chunk)
    assert len(encoded) == encoded_len
    return requests.request(method, url, data=bytes(encoded), headers=out_headers, timeout=HTTP_TIMEOUT)


def s3_error(resp) -> dict:
    """The fields of an S3 XML error body, e.g. {'Code': 'NoSuchKey', 'Message': ...}."""
    assert resp.content, f"expected an XML error body, got an empty one (HTTP {resp.status_code})"
    try:
        root = ET.fromstring(resp.content)
    except ET.ParseError as e:
        raise AssertionError(f"error body is not XML ({e}): {resp.content[:500]!r}")
    assert root.tag == "Error", f"error body root is <{root.tag}>, not <Error>: {resp.content[:500]!r}"
    return {child.tag: (child.text or "") for child in root}


def xml_root(resp):
    assert resp.status_code == 200, f"HTTP {resp.status_code}: {resp.content[:500]!r}"
    return ET.fromstring(resp.content)


# -- aws CLI -------------------------------------------------------------------------------------


class AwsCli:
    """Runs the real `aws` command against one server, isolated from the developer's config."""

    def __init__(self, url: str, home: Path):
        self.url = url
        self.exe = shutil.which("aws")
        if not self.exe:
            raise RuntimeError("the aws CLI is not on PATH (tests/integration.rs installs it from requirements.txt)")
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.config_file = self.home / "config"
        self.credentials_file = self.home / "credentials"
        self.config_file.write_text("")
        self.credentials_file.write_text("")

    def env(self, config_file: Path | None = None) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ACCESS_KEY_ID=ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=SECRET_KEY,
            AWS_DEFAULT_REGION=REGION,
            AWS_CONFIG_FILE=str(config_file or self.config_file),
            AWS_SHARED_CREDENTIALS_FILE=str(self.credentials_file),
            AWS_PAGER="",
            AWS_EC2_METADATA_DISABLED="true",
            PYTHONIOENCODING="utf-8",
        )
        return env

    def run(self, *args: str, check: bool = True, cwd=None, config_file: Path | None = None, timeout: float = 120):
        cmd = [self.exe, "--endpoint-url", self.url, *args]
        p = subprocess.run(
            cmd,
            cwd=cwd,
            env=self.env(config_file),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )
        p.stdout_text = p.stdout.decode("utf-8", "replace")
        p.stderr_text = p.stderr.decode("utf-8", "replace")
        if check and p.returncode != 0:
            raise AssertionError(
                f"{' '.join(cmd)} exited {p.returncode}\n--- stdout ---\n{p.stdout_text}\n--- stderr ---\n{p.stderr_text}"
            )
        return p


def lines_starting(stdout: str, word: str) -> list[str]:
    """The lines of a CLI's output that start with `word` (e.g. 'upload: ')."""
    return [line for line in stdout.splitlines() if line.startswith(word)]


def read_tree(root: Path) -> dict:
    """{relative posix path: bytes} of every file under `root`."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def write_tree(root: Path, files: dict) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def expect_client_error(call, code: str, status: int, **kwargs):
    """Run a boto3 call that must fail with S3 error `code` and HTTP `status`; return the error."""
    from botocore.exceptions import ClientError

    try:
        result = call(**kwargs)
    except ClientError as e:
        err = e.response
        got = (err.get("Error", {}).get("Code"), err.get("ResponseMetadata", {}).get("HTTPStatusCode"))
        assert got == (code, status), f"expected {code}/{status}, got {got}: {err}"
        return err
    raise AssertionError(f"expected {code}/{status}, but the call succeeded: {result}")


# -- minis3's own command line ---------------------------------------------------------------------


def minis3_admin(url: str, *args: str, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY,
                 check: bool = True) -> "subprocess.CompletedProcess[str]":
    """`minis3 admin --endpoint URL ARGS...` signed with the given key (the root key by default);
    with `check`, it must succeed and its JSON answer is parsed into `.json`."""
    out = subprocess.run(
        [minis3_bin(), "admin", "--endpoint", url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
             "MINIS3_ACCESS_KEY": access_key, "MINIS3_SECRET_KEY": secret_key},
    )
    if check:
        assert out.returncode == 0, f"minis3 admin {' '.join(args)} failed: {out.stderr}"
        out.json = json.loads(out.stdout)
    return out


# -- what browsers do: unsigned requests, looking at a bucket's contents ----------------------------


def anonymous_client(url: str):
    """A boto3 client that sends no signature at all, as a page loading public assets does."""
    return s3_client(url, signature_version=UNSIGNED)


def keys_in(s3, bucket: str) -> list[str]:
    """Every key in `bucket` (the small buckets of these tests fit in one page)."""
    listed = s3.list_objects_v2(Bucket=bucket)
    assert not listed.get("IsTruncated"), "keys_in is for buckets that fit in one listing page"
    return [o["Key"] for o in listed.get("Contents", [])]
