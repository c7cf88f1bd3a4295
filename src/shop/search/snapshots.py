"""Versioned snapshots of the search index in S3, and the pointer that names the current one.

    s3://<SEARCH_BUCKET>/snapshots/<version, 12 digits>.tar.gz   the index directory
    s3://<SEARCH_BUCKET>/current.json                           {"version": n, "key": ..., "products": n}

The indexer (one at a time: reserved concurrency 1) opens the current snapshot, applies a
stream batch, and publishes the next version: the archive first, then the pointer, so a
pointer never names a missing archive. Readers (the search functions) open the current
snapshot under /tmp at init, look at the pointer at most every SEARCH_POINTER_SECONDS, and
swap to a NEWER version only: an older pointer (two publications out of order) never rolls
them back. A swap is one assignment; a request keeps the index it started with.

SEARCH_BUCKET is a private bucket of its own (serverless.yml, SearchIndexBucket).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

from .. import aws
from ..config import ConfigError
from ..errors import ServiceUnavailable
from ..log import logger
from ..storage.media import s3_client
from .tantivy_index import TantivyIndex

PREFIX = "snapshots/"
POINTER = "current.json"
KEPT_VERSIONS = 3  # snapshots kept behind the current one, for readers still downloading them
LOCK_FILES = (".tantivy-writer.lock", ".tantivy-meta.lock")


def snapshot_key(version: int) -> str:
    return f"{PREFIX}{version:012d}.tar.gz"


def _bucket() -> str:
    bucket = os.environ.get("SEARCH_BUCKET", "").strip()
    if not bucket:
        raise ConfigError("SEARCH_BUCKET is not set")
    return bucket


def s3() -> Any:
    """The shop's S3 client (shop.storage.media): one configuration, one cache."""
    return s3_client()


def _unavailable_on_failure() -> contextlib.AbstractContextManager[None]:
    """S3 failing, unreachable, refusing, or the invocation's time running out: a 503 (retry
    later), by the shop's one translation of AWS failures (aws.py)."""
    return aws.translated(refusals=True)


def read_pointer() -> dict[str, Any] | None:
    """The current pointer, or None before the first publication."""
    client = s3()
    with _unavailable_on_failure():
        try:
            body = client.get_object(Bucket=_bucket(), Key=POINTER)["Body"].read()
        except client.exceptions.NoSuchKey:
            return None
    pointer = json.loads(body)
    return pointer if isinstance(pointer, dict) and isinstance(pointer.get("version"), int) else None


def _pack(path: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", compresslevel=1) as archive:
        for name in sorted(os.listdir(path)):
            if name not in LOCK_FILES:
                archive.add(os.path.join(path, name), arcname=name)
    return out.getvalue()


def _unpack(data: bytes, path: str) -> None:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        archive.extractall(path, filter="data")  # no links, no paths outside `path`


def download(version: int, path: str) -> TantivyIndex:
    """Snapshot `version` unpacked into `path` (emptied first) and opened."""
    with _unavailable_on_failure():
        data = s3().get_object(Bucket=_bucket(), Key=snapshot_key(version))["Body"].read()
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    _unpack(data, path)
    return TantivyIndex(path)


def publish(index: TantivyIndex, version: int) -> dict[str, Any]:
    """Upload the index as `version`, then point to it unless the pointer already names a
    version at least as new (a publication that lost a race never moves it back)."""
    client, bucket = s3(), _bucket()
    data = _pack(index.path)
    pointer = {"version": version, "key": snapshot_key(version), "products": index.count(), "bytes": len(data)}
    with _unavailable_on_failure():
        client.put_object(Bucket=bucket, Key=snapshot_key(version), Body=data, ContentType="application/gzip")
        current = read_pointer()
        if current is not None and current["version"] >= version:
            return current
        body = json.dumps(pointer).encode()
        client.put_object(Bucket=bucket, Key=POINTER, Body=body, ContentType="application/json")
        stale = [snapshot_key(v) for v in range(max(1, version - KEPT_VERSIONS - 5), version - KEPT_VERSIONS)]
        if stale:
            client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale], "Quiet": True})
    return pointer


@dataclass
class Loaded:
    version: int  # 0: no snapshot published yet (an empty index)
    index: TantivyIndex


class Reader:
    """The current snapshot of one process, refreshed from the pointer at most every
    `check_seconds`. Thread-safe: one thread downloads, the others go on with what they have."""

    def __init__(self, root: str, check_seconds: float):
        self.root = root
        self.check_seconds = check_seconds
        self.loaded: Loaded | None = None
        self.checked_at = 0.0
        self._lock = threading.Lock()

    def index(self) -> TantivyIndex:
        loaded = self.loaded
        if loaded is not None and time.monotonic() - self.checked_at < self.check_seconds:
            return loaded.index
        if not self._lock.acquire(blocking=loaded is None):
            return loaded.index  # type: ignore[union-attr]  # another thread is refreshing
        try:
            return self._refresh().index
        finally:
            self._lock.release()

    def _refresh(self) -> Loaded:
        current = self.loaded
        try:
            pointer = read_pointer()
            version = pointer["version"] if pointer else 0
            if current is None or version > current.version:
                folder = tempfile.mkdtemp(prefix=f"v{version}-", dir=self._root())
                index = download(version, folder) if version else TantivyIndex(folder)
                self.loaded = Loaded(version, index)  # the swap: requests that hold the old one finish on it
                self._prune(keep={folder, current.index.path if current else folder})
        except ServiceUnavailable:
            if current is None:
                raise
            logger.warning("search snapshot check failed", extra={"version": current.version})
        self.checked_at = time.monotonic()
        return self.loaded  # type: ignore[return-value]

    def _prune(self, keep: set[str]) -> None:
        """Remove the folders of snapshots older than the previous one (its files may still be
        read by a request that started before the swap)."""
        for name in os.listdir(self.root):
            path = os.path.join(self.root, name)
            if path not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def _root(self) -> str:
        os.makedirs(self.root, exist_ok=True)
        return self.root


_reader: Reader | None = None


def current() -> TantivyIndex:
    """This process's reader of the current snapshot (made on first use)."""
    global _reader
    if _reader is None:
        base = os.environ.get("SEARCH_DIR") or os.path.join(tempfile.gettempdir(), "shop-search")
        check = float(os.environ.get("SEARCH_POINTER_SECONDS", "5"))
        _reader = Reader(os.path.join(base, f"reader-{os.getpid()}"), check)
    return _reader.index()


def reset() -> None:
    """Forget the reader (tests; a new bucket)."""
    global _reader
    _reader = None
