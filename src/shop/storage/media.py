"""The media bucket (S3): presigned uploads, bounded reads of them, renditions, deletions.

The clients are created on first use and kept for warm invocations. Signing needs no call
to S3 (the policy is signed with the function's own credentials, so its role must allow
s3:PutObject on uploads/); the local server points MEDIA_UPLOAD_ENDPOINT at itself, so the
form is posted to it and it enforces the policy as S3 does (devtools/local_routes/media.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .. import aws, config

RENDITION_CACHE = "public, max-age=31536000, immutable"  # a rendition's key never gets new content


@dataclass(frozen=True)
class Upload:
    url: str
    fields: dict[str, str]


class TooLarge(Exception):
    """The object holds more bytes than the read allows."""


class DeleteRefused(Exception):
    """S3 kept some of the keys of a DeleteObjects (its error codes, e.g. AccessDenied): a
    misconfigured role, never the client's fault, so nothing answers it as a 4xx."""


@functools.cache
def _client(endpoint_url: str | None, region: str) -> Any:
    # SigV4 (s3v4): what S3 requires of new buckets. The timeouts, retries and the request's
    # deadline are every AWS client's (shop.aws).
    return aws.client("s3", region, endpoint_url, signature_version="s3v4")


class Media:
    def __init__(self, bucket: str, region: str, upload_endpoint: str | None):
        self.bucket = bucket
        self.region = region
        self.upload_endpoint = upload_endpoint

    @property
    def s3(self) -> Any:
        return _client(None, self.region)

    def presign_upload(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> Upload:
        signer = _client(self.upload_endpoint, self.region) if self.upload_endpoint else self.s3
        post = signer.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return Upload(post["url"], dict(post["fields"]))

    def read(self, key: str, limit: int) -> bytes | None:
        """At most `limit` bytes of the object (a ranged GET); None when it does not exist;
        TooLarge when the object is bigger than `limit`."""
        from botocore.exceptions import ClientError

        try:
            response = self._call("get_object", Bucket=self.bucket, Key=key, Range=f"bytes=0-{limit}")
        except ClientError as error:
            code = aws.error_code(error)
            if code in ("NoSuchKey", "404"):
                return None
            if code == "InvalidRange":  # S3's answer to a ranged GET of an empty object
                return b""
            raise
        total = _total_size(response)
        body = response["Body"]
        try:
            data = body.read(limit + 1)
        finally:
            body.close()
        if len(data) > limit or (total is not None and total > limit):
            raise TooLarge()
        read: bytes = data
        return read

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call(
            "put_object", Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, CacheControl=RENDITION_CACHE
        )

    def delete(self, object_keys: list[str]) -> None:
        """DeleteObjects (a missing key is no error), 1,000 keys a call."""
        for start in range(0, len(object_keys), 1000):
            chunk = object_keys[start : start + 1000]
            if chunk:
                answer = self._call(
                    "delete_objects",
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True},
                )
                # S3 answers 200 and lists the keys it could not delete (AccessDenied, ...).
                refused = sorted({error.get("Code", "?") for error in answer.get("Errors", [])})
                if refused:
                    raise DeleteRefused(refused)

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        with aws.translated():  # S3 throttling or failing, or no time left: a 503 (aws.py)
            answer: dict[str, Any] = getattr(self.s3, operation)(**kwargs)
            return answer


def _total_size(response: dict[str, Any]) -> int | None:
    """The object's size from `Content-Range: bytes 0-n/total` (a ranged GET)."""
    content_range = response.get("ContentRange") or ""
    _, _, total = content_range.rpartition("/")
    return int(total) if total.isdigit() else None


@functools.cache
def media() -> Media:
    settings = config.media_settings()
    if not settings.bucket:
        raise config.ConfigError("MEDIA_BUCKET is not set")
    return Media(settings.bucket, config.settings().region, settings.upload_endpoint)


def s3_client() -> Any:
    """The S3 client every bucket of the shop is reached with (the search index's too)."""
    return _client(None, config.settings().region)


def reset() -> None:
    media.cache_clear()
    _client.cache_clear()
