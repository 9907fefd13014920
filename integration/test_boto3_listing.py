"""Listings through boto3 (and raw requests where boto3 hides the wire): ListObjectsV2 pages,
delimiters, start-after, encoding-type=url, fetch-owner, ListObjects v1 markers, UTF-8 byte
order, the 1000-key cap and 1000-key DeleteObjects."""

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_plus

import pytest

from support import S3_NS, signed_request, xml_root


def put_keys(s3, bucket, keys, body=b""):
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=body), keys))


def utf8_sorted(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def contents(resp):
    return [o["Key"] for o in resp.get("Contents", [])]


def prefixes(resp):
    return [p["Prefix"] for p in resp.get("CommonPrefixes", [])]


def test_empty_bucket_lists_nothing(s3, bucket):
    resp = s3.list_objects_v2(Bucket=bucket)
    assert resp["KeyCount"] == 0
    assert "Contents" not in resp
    assert resp["IsTruncated"] is False
    assert resp["Name"] == bucket
    v1 = s3.list_objects(Bucket=bucket)
    assert "Contents" not in v1 and v1["IsTruncated"] is False


def test_v2_paginator_with_small_pages(s3, bucket):
    keys = [f"key-{i:02d}" for i in range(25)]
    put_keys(s3, bucket, keys, body=b"12345")
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 7}))

    assert [len(contents(p)) for p in pages] == [7, 7, 7, 4]
    assert [k for p in pages for k in contents(p)] == keys
    for i, page in enumerate(pages):
        last = i == len(pages) - 1
        assert page["KeyCount"] == len(contents(page))
        assert page["MaxKeys"] == 7
        assert page["IsTruncated"] is (not last)
        assert ("NextContinuationToken" in page) is (not last)
        for obj in page["Contents"]:
            assert obj["Size"] == 5
            assert obj["ETag"] == '"827ccb0eea8a706c4c34a16891f84e7b"'
            assert obj["LastModified"] is not None


def test_v2_delimiter_gives_common_prefixes(s3, bucket):
    keys = ["photos/2023/a.jpg", "photos/2023/b.jpg", "photos/2024/c.jpg", "photos/d.jpg", "docs/readme", "top.txt"]
    put_keys(s3, bucket, keys)

    root = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert contents(root) == ["top.txt"]
    assert prefixes(root) == ["docs/", "photos/"]
    assert root["KeyCount"] == 3  # keys and common prefixes both count
    assert root["Delimiter"] == "/"

    photos = s3.list_objects_v2(Bucket=bucket, Prefix="photos/", Delimiter="/")
    assert contents(photos) == ["photos/d.jpg"]
    assert prefixes(photos) == ["photos/2023/", "photos/2024/"]
    assert photos["Prefix"] == "photos/"

    deep = s3.list_objects_v2(Bucket=bucket, Prefix="photos/2023/", Delimiter="/")
    assert contents(deep) == ["photos/2023/a.jpg", "photos/2023/b.jpg"]
    assert prefixes(deep) == []

    # A prefix that is not on a "/" boundary, and a delimiter other than "/".
    assert contents(s3.list_objects_v2(Bucket=bucket, Prefix="pho")) == keys[:4]
    by_dot = s3.list_objects_v2(Bucket=bucket, Prefix="photos/2023/", Delimiter=".")
    assert prefixes(by_dot) == ["photos/2023/a.", "photos/2023/b."]
    assert contents(s3.list_objects_v2(Bucket=bucket, Prefix="nothing-here/")) == []


def test_v2_pages_across_common_prefixes(s3, bucket):
    # Each common prefix counts against max-keys, and a continuation token after a prefix must
    # skip every key under it.
    keys = [f"a/{i}" for i in range(5)] + ["b"] + [f"c/{i}" for i in range(5)] + ["d"]
    put_keys(s3, bucket, keys)
    entries, token, pages = [], None, 0
    while True:
        kwargs = {"ContinuationToken": token} if token else {}
        page = s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=1, **kwargs)
        pages += 1
        assert page["KeyCount"] == 1
        entries += contents(page) + prefixes(page)
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
        assert pages < 20
    assert entries == ["a/", "b", "c/", "d"]


def test_v2_start_after(s3, bucket):
    keys = [f"key-{i:02d}" for i in range(15)]
    put_keys(s3, bucket, keys)
    resp = s3.list_objects_v2(Bucket=bucket, StartAfter="key-10")
    assert contents(resp) == keys[11:]
    assert resp["StartAfter"] == "key-10"
    # start-after need not be an existing key.
    assert contents(s3.list_objects_v2(Bucket=bucket, StartAfter="key-03x")) == keys[4:]
    assert s3.list_objects_v2(Bucket=bucket, StartAfter="zzz")["KeyCount"] == 0
    # With a continuation token, start-after no longer matters.
    first = s3.list_objects_v2(Bucket=bucket, StartAfter="key-05", MaxKeys=3)
    assert contents(first) == keys[6:9]
    rest = s3.list_objects_v2(
        Bucket=bucket, StartAfter="key-05", ContinuationToken=first["NextContinuationToken"]
    )
    assert contents(rest) == keys[9:]


ENCODED_KEYS = ["with space/a b.txt", "unicode/ключ 日本.txt", "plus+and%percent", "q?uery#hash&amp", "tilde~star*"]


def test_v2_encoding_type_url_round_trip(s3, bucket):
    put_keys(s3, bucket, ENCODED_KEYS)
    # botocore asks for encoding-type=url on its own and decodes what comes back...
    auto = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert contents(auto) == utf8_sorted(k for k in ENCODED_KEYS if "/" not in k)
    assert prefixes(auto) == ["unicode/", "with space/"]
    assert contents(s3.list_objects_v2(Bucket=bucket)) == utf8_sorted(ENCODED_KEYS)
    # ...but leaves the keys encoded when the caller asked for it explicitly.
    explicit = s3.list_objects_v2(Bucket=bucket, EncodingType="url")
    assert explicit["EncodingType"] == "url"
    raw = contents(explicit)
    assert raw != utf8_sorted(ENCODED_KEYS)
    assert [unquote_plus(k) for k in raw] == utf8_sorted(ENCODED_KEYS)


def test_v2_encoding_type_url_on_the_wire(server, s3, bucket):
    put_keys(s3, bucket, ENCODED_KEYS)

    resp, _ = signed_request("GET", f"{server.url}/{bucket}?list-type=2&encoding-type=url")
    root = xml_root(resp)
    raw = [e.text for e in root.iter(f"{S3_NS}Key")]
    for k in raw:
        assert k.isascii() and " " not in k and "+and" not in k, f"key not URL-encoded: {k!r}"
    assert [unquote_plus(k) for k in raw] == utf8_sorted(ENCODED_KEYS)
    assert root.find(f"{S3_NS}EncodingType").text == "url"

    # Without encoding-type the XML carries the keys as they are.
    resp, _ = signed_request("GET", f"{server.url}/{bucket}?list-type=2")
    plain = [e.text for e in xml_root(resp).iter(f"{S3_NS}Key")]
    assert plain == utf8_sorted(ENCODED_KEYS)


@pytest.mark.minis3_only
def test_list_responses_echo_their_parameters(s3, bucket):
    keys = [f"e/{i}" for i in range(5)]
    put_keys(s3, bucket, keys)
    first = s3.list_objects_v2(Bucket=bucket, Prefix="e/", MaxKeys=2, StartAfter="e/0")
    assert (first["Prefix"], first["MaxKeys"], first["StartAfter"]) == ("e/", 2, "e/0")
    token = first["NextContinuationToken"]
    second = s3.list_objects_v2(Bucket=bucket, Prefix="e/", MaxKeys=2, ContinuationToken=token)
    assert second["ContinuationToken"] == token
    assert contents(second) == ["e/3", "e/4"]
    v1 = s3.list_objects(Bucket=bucket, Marker="e/1", MaxKeys=2)
    assert (v1["Marker"], v1["MaxKeys"]) == ("e/1", 2)
    assert contents(v1) == ["e/2", "e/3"]


@pytest.mark.minis3_only
def test_v2_fetch_owner(s3, bucket):
    put_keys(s3, bucket, ["x", "y"])
    without = s3.list_objects_v2(Bucket=bucket)
    assert all("Owner" not in o for o in without["Contents"])
    owned = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)
    for o in owned["Contents"]:
        assert o["Owner"]["ID"], o


def test_v1_marker_pagination(s3, bucket):
    keys = [f"m/{i:02d}" for i in range(10)] + ["z"]
    put_keys(s3, bucket, keys)

    seen, marker, pages = [], "", 0
    while True:
        page = s3.list_objects(Bucket=bucket, MaxKeys=4, Marker=marker)
        pages += 1
        assert page["MaxKeys"] == 4
        seen += contents(page)
        if not page["IsTruncated"]:
            break
        # Without a delimiter S3 may leave NextMarker out: clients continue from the last key.
        marker = page.get("NextMarker") or contents(page)[-1]
        assert pages < 10
    assert seen == keys
    assert pages == 3

    via_paginator = [
        k for p in s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3}) for k in contents(p)
    ]
    assert via_paginator == keys


@pytest.mark.minis3_only
def test_v1_next_marker_with_delimiter(s3, bucket):
    put_keys(s3, bucket, [f"m/{i:02d}" for i in range(10)] + ["z"])
    grouped = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=1)
    assert prefixes(grouped) == ["m/"] and contents(grouped) == []
    assert grouped["IsTruncated"] is True
    assert grouped["NextMarker"] == "m/"
    after = s3.list_objects(Bucket=bucket, Delimiter="/", Marker=grouped["NextMarker"])
    assert contents(after) == ["z"] and prefixes(after) == []
    assert after["IsTruncated"] is False


def test_listing_is_in_utf8_byte_order(s3, bucket):
    # UTF-16 order would put the emoji (a surrogate pair) before U+FF21; UTF-8 puts it after.
    keys = ["a", "Z", "z", "~", "é", "日本", "\uff21", "😀", "\ufb01", "a/b", "a-b", "a\u00a0"]
    put_keys(s3, bucket, keys)
    want = utf8_sorted(keys)
    assert want.index("😀") > want.index("\uff21")
    assert contents(s3.list_objects_v2(Bucket=bucket)) == want
    paged = [k for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2}) for k in contents(p)]
    assert paged == want
    assert contents(s3.list_objects_v2(Bucket=bucket, StartAfter="\uff21")) == want[want.index("\uff21") + 1 :]
    assert contents(s3.list_objects(Bucket=bucket)) == want


@pytest.mark.minis3_only
def test_max_keys_cap_and_delete_objects_of_1000(s3, bucket):
    keys = [f"many/{i:04d}" for i in range(1001)]
    put_keys(s3, bucket, keys)

    default = s3.list_objects_v2(Bucket=bucket)
    assert default["KeyCount"] == 1000
    assert default["MaxKeys"] == 1000
    assert default["IsTruncated"] is True
    assert contents(default) == keys[:1000]

    capped = s3.list_objects_v2(Bucket=bucket, MaxKeys=5000)
    assert capped["KeyCount"] == 1000
    assert capped["IsTruncated"] is True
    rest = s3.list_objects_v2(Bucket=bucket, MaxKeys=5000, ContinuationToken=capped["NextContinuationToken"])
    assert contents(rest) == keys[1000:]
    assert rest["IsTruncated"] is False

    assert len(contents(s3.list_objects(Bucket=bucket))) == 1000

    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[:1000]]})
    assert len(resp["Deleted"]) == 1000
    assert resp.get("Errors", []) == []
    assert contents(s3.list_objects_v2(Bucket=bucket)) == keys[1000:]
