"""pytest wiring for the end-to-end suite: the shared server, clients and per-test buckets.

Owns: isolating the run from the developer's AWS settings, the session-scoped server (a fresh
minis3 on a free port with a temporary data dir), the boto3 client and aws CLI fixtures, the
`minis3_only` marker, and printing server logs when anything failed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

import support

_ISOLATION_DIR = tempfile.TemporaryDirectory(prefix="minis3-aws-home-")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "minis3_only: checks behaviour that moto, the developer's stand-in, does not emulate "
        "(minis3's own auth, health, restart and flags, and S3 details moto gets wrong); "
        "deselected only by a developer's moto loop",
    )
    # Nothing from the developer's AWS setup may leak into boto3 or the CLI: no profile,
    # endpoint, region or credential variables, and empty config/credentials files.
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[name]
    home = Path(_ISOLATION_DIR.name)
    (home / "config").write_text("")
    (home / "credentials").write_text("")
    os.environ["AWS_CONFIG_FILE"] = str(home / "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(home / "credentials")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    # Nor may a proxy setting send loopback traffic elsewhere.
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = ",".join(filter(None, [os.environ.get(name), "127.0.0.1", "localhost"]))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not (terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")):
        return
    for server in support.Server.started:
        terminalreporter.write_sep("-", "minis3 server log")
        terminalreporter.write_line(server.log_report())


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    try:
        srv = support.Server(tmp_path_factory.mktemp("data")).start()
    except RuntimeError as e:
        # Every test needs it: one clear message instead of a hundred identical errors.
        pytest.exit(f"the shared server did not start: {e}", returncode=3)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def s3(server):
    return support.s3_client(server.url)


@pytest.fixture(scope="session")
def cli(server, tmp_path_factory):
    return support.AwsCli(server.url, tmp_path_factory.mktemp("aws-home"))


@pytest.fixture
def bucket(s3, request):
    """A fresh, empty bucket for one test."""
    name = support.bucket_name(request.node.name)
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def s3v4(server):
    """A boto3 client that presigns with SigV4 (botocore's default presigner for S3 is SigV2)."""
    return support.s3_client(server.url, signature_version="s3v4")
