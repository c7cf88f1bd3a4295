"""Keeping the search index up to date: the table stream's product changes, applied in
order and published as the next snapshot (search/snapshots.py), and the full rebuild from
the table for a new stage or a lost snapshot. One indexer at a time (reserved concurrency 1).

Applying a batch is idempotent: each record sets a product to its new image (or removes
it), so a batch delivered twice, or retried from a record, leaves the index as once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any

from ..errors import ServiceUnavailable
from ..log import logger
from ..search import snapshots
from ..search.tantivy_index import TantivyIndex
from ..storage.changes import ProductChange, product_change

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


REBUILD_PAGE = 100

# The indexer's working copy, kept for warm invocations: (version, index).
_working: dict[str, Any] = {}


def _root() -> str:
    base = os.environ.get("SEARCH_DIR") or os.path.join(tempfile.gettempdir(), "shop-search")
    return os.path.join(base, f"indexer-{os.getpid()}")


def _fresh_folder() -> str:
    shutil.rmtree(_root(), ignore_errors=True)
    os.makedirs(_root())
    return tempfile.mkdtemp(dir=_root())


def _open_current() -> tuple[int, TantivyIndex]:
    """The published index to change: the working copy if it is still the current version."""
    pointer = snapshots.read_pointer()
    version = pointer["version"] if pointer else 0
    if _working.get("version") == version:
        return version, _working["index"]
    _working.clear()
    folder = _fresh_folder()
    index = snapshots.download(version, folder) if version else TantivyIndex(folder)
    return version, index


def apply(changes: list[ProductChange]) -> dict[str, Any] | None:
    """Apply the changes in order and publish the next version; the new pointer (None when
    there was nothing to apply)."""
    if not changes:
        return None
    version, index = _open_current()
    try:
        for change in changes:
            if change.product is None:
                index.delete([change.product_id])
            else:
                index.upsert([change.product])
        index.commit()
        pointer = snapshots.publish(index, version + 1)
    except BaseException:
        _working.clear()  # the copy may hold changes that were never published: start again from S3
        raise
    _working.clear()
    if pointer["version"] == version + 1:  # ours is the current version (else another was newer)
        _working.update(version=pointer["version"], index=index)
    return pointer


def apply_records(records: list[dict[str, Any]]) -> list[str]:
    """A Lambda DynamoDB Streams batch. Returns the sequence numbers to report as failed: the
    first product record when the batch could not be published (Lambda retries from it)."""
    changes = [c for c in (product_change(record) for record in records) if c is not None]
    failed: list[str] = []
    pointer = None
    try:
        pointer = apply(changes)
    except ServiceUnavailable:
        failed = [changes[0].sequence]
    logger.info(
        "search index",
        extra={
            "function": "indexProducts",
            "records": len(records),
            "productChanges": len(changes),
            "version": pointer["version"] if pointer else None,
            "failedFrom": failed[0] if failed else None,
        },
    )
    return failed


def rebuild(store: Storage) -> dict[str, Any]:
    """A new index of every product, read from the table a page at a time (the products'
    index, never a Scan), published as the next version."""
    pointer = snapshots.read_pointer()
    version = pointer["version"] if pointer else 0
    _working.clear()
    index = TantivyIndex(_fresh_folder())
    cursor = None
    while True:
        page = store.products.list_page(None, REBUILD_PAGE, cursor)
        index.upsert([product.to_item() for product in page.items])
        cursor = page.next_cursor
        if cursor is None:
            break
    index.commit()
    published = snapshots.publish(index, version + 1)
    logger.info("search index rebuilt", extra={"version": published["version"], "products": published["products"]})
    return published


def invoked(event: dict[str, Any]) -> dict[str, Any]:
    """What indexProducts answers: a stream batch's failures (from the first record not
    published), or, for a one-off `{"rebuild": true}`, the rebuilt index's version and size."""
    if event.get("rebuild") is True:
        from ..storage import storage

        pointer = rebuild(storage())
        return {"version": pointer["version"], "products": pointer["products"]}
    failed = apply_records(event.get("Records") or [])
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
