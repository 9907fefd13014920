"""The real `aws` CLI against the server: mb/rb, cp up and down, ls, sync (up, no-op, changed,
--delete, down), presign, rm --recursive and a few s3api calls. Files stay under the CLI's
8 MiB multipart threshold: multipart transfers, mv and large trees are test_transfer.py's."""

import hashlib
import json
import os

import pytest
import requests

from support import bucket_name, expect_client_error, lines_starting, md5_etag, read_tree, write_tree


def ls_entries(stdout: str):
    """`aws s3 ls` lines -> ([(size, name)], [PRE prefixes])."""
    objects, dirs = [], []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        parts = line.split(maxsplit=3)
        if parts[0] == "PRE":
            dirs.append(line.split("PRE", 1)[1].strip())
        else:
            objects.append((int(parts[2]), parts[3]))
    return objects, dirs


def test_mb_ls_rb(cli, s3):
    name = bucket_name("cli-mb")
    out = cli.run("s3", "mb", f"s3://{name}").stdout_text
    assert out.strip() == f"make_bucket: {name}"
    s3.head_bucket(Bucket=name)

    listed = cli.run("s3", "ls").stdout_text
    assert name in [line.split()[-1] for line in listed.splitlines()]

    out = cli.run("s3", "rb", f"s3://{name}").stdout_text
    assert out.strip() == f"remove_bucket: {name}"
    expect_client_error(s3.head_bucket, "404", 404, Bucket=name)
    assert name not in cli.run("s3", "ls").stdout_text


def test_rb_refuses_non_empty_bucket(cli, s3, bucket):
    s3.put_object(Bucket=bucket, Key="dir/file", Body=b"x")
    p = cli.run("s3", "rb", f"s3://{bucket}", check=False)
    assert p.returncode != 0
    assert "BucketNotEmpty" in p.stderr_text
    s3.head_bucket(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="dir/file")["Body"].read() == b"x"

    cli.run("s3", "rb", "--force", f"s3://{bucket}")
    expect_client_error(s3.head_bucket, "404", 404, Bucket=bucket)


def test_cp_up_and_down(cli, s3, bucket, tmp_path):
    data = os.urandom(5 * 1024 * 1024 + 123)  # a few MiB, under the 8 MiB multipart threshold
    src = tmp_path / "upload.bin"
    src.write_bytes(data)

    out = cli.run("s3", "cp", "--no-progress", str(src), f"s3://{bucket}/dir/file.bin").stdout_text
    uploads = lines_starting(out, "upload: ")
    assert len(uploads) == 1 and uploads[0].endswith(f"upload.bin to s3://{bucket}/dir/file.bin"), out
    head = s3.head_object(Bucket=bucket, Key="dir/file.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == md5_etag(data)

    dst = tmp_path / "download.bin"
    out = cli.run("s3", "cp", "--no-progress", f"s3://{bucket}/dir/file.bin", str(dst)).stdout_text
    downloads = lines_starting(out, "download: ")
    assert len(downloads) == 1 and downloads[0].startswith(f"download: s3://{bucket}/dir/file.bin to "), out
    assert hashlib.md5(dst.read_bytes()).hexdigest() == hashlib.md5(data).hexdigest()
    assert dst.read_bytes() == data


def test_cp_with_content_type_and_metadata(cli, s3, bucket, tmp_path):
    src = tmp_path / "page.html"
    src.write_bytes(b"<html>hi</html>")
    cli.run(
        "s3", "cp", "--no-progress", str(src), f"s3://{bucket}/page.html",
        "--content-type", "text/html; charset=utf-8",
        "--cache-control", "no-cache",
        "--metadata", "origin=cli,version=7",
    )
    head = json.loads(cli.run("s3api", "head-object", "--bucket", bucket, "--key", "page.html").stdout_text)
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == "no-cache"
    assert head["Metadata"] == {"origin": "cli", "version": "7"}
    assert head["ContentLength"] == len(b"<html>hi</html>")
    assert head["ETag"] == md5_etag(b"<html>hi</html>")

    # The CLI guesses a type from the extension when it is not given one.
    (tmp_path / "guess.json").write_bytes(b"{}")
    cli.run("s3", "cp", "--no-progress", str(tmp_path / "guess.json"), f"s3://{bucket}/guess.json")
    assert s3.head_object(Bucket=bucket, Key="guess.json")["ContentType"] == "application/json"


def test_ls_buckets_objects_and_recursive(cli, s3, bucket):
    bodies = {"top.txt": b"12345", "dir/a.txt": b"1", "dir/sub/b.txt": b"123", "dir/sub/c d.txt": b""}
    for k, v in bodies.items():
        s3.put_object(Bucket=bucket, Key=k, Body=v)

    assert bucket in cli.run("s3", "ls").stdout_text

    objects, dirs = ls_entries(cli.run("s3", "ls", f"s3://{bucket}").stdout_text)
    assert objects == [(5, "top.txt")]
    assert dirs == ["dir/"]

    objects, dirs = ls_entries(cli.run("s3", "ls", f"s3://{bucket}/dir/").stdout_text)
    assert objects == [(1, "a.txt")]
    assert dirs == ["sub/"]

    out = cli.run("s3", "ls", "--recursive", "--summarize", f"s3://{bucket}").stdout_text
    objects, dirs = ls_entries("\n".join(l for l in out.splitlines() if l[:1].isdigit()))
    assert sorted(objects) == sorted((len(v), k) for k, v in bodies.items())
    assert dirs == []
    assert "Total Objects: 4" in out
    assert f"Total Size: {sum(len(v) for v in bodies.values())}" in out


def test_ls_missing_bucket_fails(cli):
    p = cli.run("s3", "ls", f"s3://{bucket_name('cli-missing')}", check=False)
    assert p.returncode != 0
    assert "NoSuchBucket" in p.stderr_text


SYNC_TREE = {
    "index.html": b"<html>index</html>",
    "empty.txt": b"",
    "docs/guide.md": b"# guide\n" * 100,
    "docs/with space.txt": b"spaces in a file name",
    "docs/ünïcode-名前.txt": "unicode name".encode(),
    "assets/img/logo.bin": bytes(range(256)) * 800,
    "assets/img/deeper/nested/file.dat": os.urandom(64 * 1024),
}


def test_sync_up_noop_change_delete_and_down(cli, s3, bucket, tmp_path):
    src = tmp_path / "src"
    # Files written just now, as a user's would be: their sub-second mtimes must not look newer
    # than the objects uploaded from them.
    write_tree(src, SYNC_TREE)
    target = f"s3://{bucket}/site"

    out = cli.run("s3", "sync", "--no-progress", str(src), target).stdout_text
    uploaded = lines_starting(out, "upload: ")
    assert len(uploaded) == len(SYNC_TREE), out
    listed = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {f"site/{k}": len(v) for k, v in SYNC_TREE.items()}

    # Nothing changed: a second sync must transfer nothing and say nothing.
    again = cli.run("s3", "sync", "--no-progress", str(src), target)
    assert again.stdout_text == "", again.stdout_text
    assert again.stderr_text == "", again.stderr_text

    # One file grows: exactly that one goes up.
    (src / "docs/guide.md").write_bytes(SYNC_TREE["docs/guide.md"] + b"more\n")
    out = cli.run("s3", "sync", "--no-progress", str(src), target).stdout_text
    assert [line.split(" to ")[-1] for line in lines_starting(out, "upload: ")] == [f"{target}/docs/guide.md"]
    assert s3.get_object(Bucket=bucket, Key="site/docs/guide.md")["Body"].read().endswith(b"more\n")

    # A local deletion is mirrored with --delete.
    (src / "index.html").unlink()
    out = cli.run("s3", "sync", "--no-progress", "--delete", str(src), target).stdout_text
    assert lines_starting(out, "delete: ") == [f"delete: {target}/index.html"]
    expect_client_error(s3.head_object, "404", 404, Bucket=bucket, Key="site/index.html")

    # Down into a fresh directory: the same tree, byte for byte.
    dst = tmp_path / "dst"
    out = cli.run("s3", "sync", "--no-progress", target, str(dst)).stdout_text
    assert len(lines_starting(out, "download: ")) == len(SYNC_TREE) - 1
    assert read_tree(dst) == read_tree(src)
    assert cli.run("s3", "sync", "--no-progress", target, str(dst)).stdout_text == ""


@pytest.mark.parametrize("signature", ["default", "s3v4"])
def test_presign_then_fetch_with_requests(cli, s3, bucket, tmp_path, signature):
    s3.put_object(Bucket=bucket, Key="shared/report 1.txt", Body=b"presigned by the CLI")
    # Left alone, the CLI (through botocore) presigns S3 URLs with SigV2; a user's config can ask
    # for SigV4 the documented way. Both must work.
    config = None
    if signature == "s3v4":
        config = tmp_path / "config"
        config.write_text("[default]\ns3 =\n    signature_version = s3v4\n")
    url = cli.run(
        "s3", "presign", f"s3://{bucket}/shared/report 1.txt", "--expires-in", "300", config_file=config
    ).stdout_text.strip()
    assert url.startswith(cli.url + "/"), url
    assert ("X-Amz-Signature=" in url) == (signature == "s3v4"), url
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, r.content
    assert r.content == b"presigned by the CLI"


def test_rm_recursive(cli, s3, bucket):
    doomed = [f"logs/2024/{i}.log" for i in range(4)] + ["logs/top.log"]
    kept = ["keep/a.txt", "logs-not-a-prefix-match.txt"]
    for k in doomed + kept:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    out = cli.run("s3", "rm", "--recursive", f"s3://{bucket}/logs/").stdout_text
    assert sorted(line.split("s3://", 1)[1] for line in lines_starting(out, "delete: ")) == sorted(
        f"{bucket}/{k}" for k in doomed
    )
    remaining = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert remaining == kept

    cli.run("s3", "rm", f"s3://{bucket}/keep/a.txt")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["logs-not-a-prefix-match.txt"]


def test_s3api_calls(cli, bucket, tmp_path):
    body = tmp_path / "body.txt"
    body.write_bytes(b"from s3api")
    put = json.loads(
        cli.run("s3api", "put-object", "--bucket", bucket, "--key", "api/obj.txt", "--body", str(body),
                "--content-type", "text/plain").stdout_text
    )
    assert put["ETag"] == md5_etag(b"from s3api")

    head = json.loads(cli.run("s3api", "head-object", "--bucket", bucket, "--key", "api/obj.txt").stdout_text)
    assert head["ContentLength"] == 10
    assert head["ContentType"] == "text/plain"
    assert head["ETag"] == put["ETag"]

    location = json.loads(cli.run("s3api", "get-bucket-location", "--bucket", bucket).stdout_text)
    assert location["LocationConstraint"] is None

    listed = json.loads(cli.run("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "api/").stdout_text)
    assert [o["Key"] for o in listed["Contents"]] == ["api/obj.txt"]

    out = tmp_path / "out.txt"
    got = json.loads(cli.run("s3api", "get-object", "--bucket", bucket, "--key", "api/obj.txt", "--range", "bytes=5-", str(out)).stdout_text)
    assert got["ContentRange"] == "bytes 5-9/10"
    assert out.read_bytes() == b"s3api"

    missing = cli.run("s3api", "head-object", "--bucket", bucket, "--key", "api/missing", check=False)
    assert missing.returncode != 0
    assert "404" in missing.stderr_text


def test_s3api_put_object_if_none_match(cli, s3, bucket, tmp_path):
    body = tmp_path / "lock.txt"
    body.write_bytes(b"held")
    args = ("s3api", "put-object", "--bucket", bucket, "--key", "lock", "--body", str(body), "--if-none-match", "*")
    cli.run(*args)
    again = cli.run(*args, check=False)
    assert again.returncode != 0
    assert "PreconditionFailed" in again.stderr_text
    assert s3.get_object(Bucket=bucket, Key="lock")["Body"].read() == b"held"
