"""The media bucket's adapter on moto's S3, with S3's own failures injected: a read is bounded
(an object over the limit is refused, whatever the body delivered), a missing object is None,
an empty one is empty; deletions go 1,000 keys a call and a key S3 kept is an error naming
S3's codes; S3 failing or unreachable is a 503 with a Retry-After, a refusal stays an error."""

from __future__ import annotations

import contextlib
import io

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from shop.errors import ServiceUnavailable
from tests.faults import DynamoFaults, connect_timeout

LIMIT = 64


class _Raw(io.BytesIO):
    """A raw HTTP body as botocore reads one: streamed for parsing, read for an object's Body."""

    def stream(self, **_):
        yield self.getvalue()


def s3_error(status: int, code: str):
    def fault(url: str) -> AWSResponse:
        body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{code}</Message></Error>'
        return AWSResponse(url, status, {"Content-Type": "application/xml"}, _Raw(body.encode()))

    fault.__name__ = f"s3_{status}_{code}"
    return fault


@pytest.fixture
def media(table, backoff_delays):
    import boto3

    from shop.storage.media import media

    s3 = boto3.client("s3", region_name="us-east-1")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=media().bucket)
    yield media()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=media().bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=media().bucket, Key=item["Key"])


@pytest.fixture
def s3_faults(media):
    with DynamoFaults(media.s3, service="s3") as injector:
        yield injector


def keys_in(media) -> list[str]:
    found = media.s3.list_objects_v2(Bucket=media.bucket).get("Contents", [])
    return sorted(item["Key"] for item in found)


# --- bounded reads ---------------------------------------------------------------------------


def test_a_read_returns_an_object_of_up_to_the_limit_whole(media):
    media.s3.put_object(Bucket=media.bucket, Key="uploads/p/exact", Body=b"x" * LIMIT)
    media.s3.put_object(Bucket=media.bucket, Key="uploads/p/small", Body=b"small")
    assert media.read("uploads/p/exact", LIMIT) == b"x" * LIMIT
    assert media.read("uploads/p/small", LIMIT) == b"small"


def test_a_read_of_an_object_one_byte_over_the_limit_is_refused(media):
    from shop.storage.media import TooLarge

    media.s3.put_object(Bucket=media.bucket, Key="uploads/p/over", Body=b"x" * (LIMIT + 1))
    with pytest.raises(TooLarge):
        media.read("uploads/p/over", LIMIT)


def test_an_object_whose_size_is_over_the_limit_is_refused_even_if_few_bytes_arrived(media, s3_faults):
    from shop.storage.media import TooLarge

    def short_body(url: str) -> AWSResponse:
        # A 206 whose Content-Range gives the object's real size; the body came up short.
        headers = {"Content-Range": f"bytes 0-{LIMIT}/5000000", "Content-Length": "10"}
        return AWSResponse(url, 206, headers, _Raw(b"x" * 10))

    s3_faults.fail("GetObject", short_body)
    with pytest.raises(TooLarge):
        media.read("uploads/p/huge", LIMIT)


def test_a_missing_object_reads_as_none_and_an_empty_one_as_empty(media, s3_faults):
    media.s3.put_object(Bucket=media.bucket, Key="uploads/p/empty", Body=b"")
    assert media.read("uploads/p/never-sent", LIMIT) is None
    assert media.read("uploads/p/empty", LIMIT) == b""
    # S3's own answers for those two: a bare 404 (no error body), and InvalidRange for the empty one.
    s3_faults.fail("GetObject", s3_error(404, "404"), times=1)
    assert media.read("uploads/p/anything", LIMIT) is None
    s3_faults.fail("GetObject", s3_error(416, "InvalidRange"), times=1)
    assert media.read("uploads/p/anything", LIMIT) == b""


def test_a_read_s3_refuses_stays_an_error(media, s3_faults):
    s3_faults.fail("GetObject", s3_error(403, "AccessDenied"))
    with pytest.raises(ClientError) as refused:
        media.read("uploads/p/secret", LIMIT)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


# --- deletions -------------------------------------------------------------------------------


def test_deleting_2500_keys_takes_three_calls_of_at_most_1000_and_deletes_them_all(media):
    doomed = [f"images/p/{n:04d}" for n in range(2500)]
    for key in doomed[:3] + doomed[998:1003] + doomed[-3:]:
        media.s3.put_object(Bucket=media.bucket, Key=key, Body=b"x")
    media.s3.put_object(Bucket=media.bucket, Key="images/q/kept", Body=b"x")
    sizes = []

    def count(params, **_):
        sizes.append(len(params["Delete"]["Objects"]))

    media.s3.meta.events.register("provide-client-params.s3.DeleteObjects", count, unique_id="delete-sizes")
    try:
        media.delete(doomed)
    finally:
        media.s3.meta.events.unregister("provide-client-params.s3.DeleteObjects", unique_id="delete-sizes")

    assert sizes == [1000, 1000, 500]  # S3 refuses a DeleteObjects of more than 1,000 keys
    assert keys_in(media) == ["images/q/kept"]


def test_deleting_no_keys_calls_nothing(media, s3_faults):
    media.delete([])
    assert s3_faults.attempts.total() == 0


def test_keys_s3_kept_are_an_error_naming_its_codes(media, s3_faults):
    from shop.storage.media import DeleteRefused

    def kept(url: str) -> AWSResponse:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><DeleteResult>'
            "<Error><Key>a</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
            "<Error><Key>b</Key><Code>InternalError</Code><Message>Try again</Message></Error>"
            "<Error><Key>c</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
            "</DeleteResult>"
        )
        return AWSResponse(url, 200, {"Content-Type": "application/xml"}, _Raw(body.encode()))

    s3_faults.fail("DeleteObjects", kept)
    with pytest.raises(DeleteRefused) as refused:
        media.delete(["a", "b", "c"])
    assert refused.value.args == (["AccessDenied", "InternalError"],)


# --- S3 failing -------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(500, "InternalError"), (503, "SlowDown"), (503, "ServiceUnavailable")])
def test_s3_failing_after_retries_is_a_503_with_retry_after(media, s3_faults, status, code):
    s3_faults.fail("PutObject", s3_error(status, code))
    with pytest.raises(ServiceUnavailable) as unavailable:
        media.put("images/p/i/thumb.webp", b"RIFF", "image/webp")
    assert unavailable.value.retry_after >= 1
    assert s3_faults.attempts["PutObject"] == 3  # botocore retried it first


def test_s3_unreachable_is_a_503_with_retry_after(media, s3_faults):
    s3_faults.fail("DeleteObjects", connect_timeout)
    with pytest.raises(ServiceUnavailable) as unavailable:
        media.delete(["images/p/i/thumb.webp"])
    assert unavailable.value.retry_after >= 1


def test_no_time_left_for_an_attempt_is_a_503_with_retry_after(media, s3_faults):
    from shop import deadline

    class AlmostOut:
        def get_remaining_time_in_millis(self):
            return 100

    token = deadline.start(AlmostOut())
    try:
        with pytest.raises(ServiceUnavailable) as unavailable:
            media.read("uploads/p/i", LIMIT)
    finally:
        deadline.end(token)
    assert unavailable.value.retry_after >= 1
    assert s3_faults.attempts.total() == 0


def test_a_request_s3_refuses_is_not_a_503(media, s3_faults):
    s3_faults.fail("PutObject", s3_error(403, "AccessDenied"))
    with pytest.raises(ClientError) as refused:
        media.put("images/p/i/thumb.webp", b"RIFF", "image/webp")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
