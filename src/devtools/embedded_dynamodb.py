"""moto's DynamoDB, in this process, made safe for a threaded server."""

from __future__ import annotations

import contextlib
import copy
import os
import threading
import types
from typing import Any

_lock = threading.RLock()
_started = None


def start() -> None:
    """Start moto in-process. Its backends are not thread-safe (a transaction checks its
    conditions and then applies them without a lock), so every request to it is
    serialized here, as DynamoDB itself serializes conflicting writes to an item."""
    global _started
    if _started is not None:
        return
    from moto import mock_aws
    from moto.core.botocore_stubber import BotocoreStubber

    for name, value in {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # nosec B105  # moto's placeholder credential, not a secret
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)

    original = BotocoreStubber.__call__
    if not getattr(original, "_serialized", False):

        def serialized(self, event_name, request, **kwargs):
            with _lock:
                return original(self, event_name, request, **kwargs)

        serialized._serialized = True  # type: ignore[attr-defined]
        BotocoreStubber.__call__ = serialized  # type: ignore[method-assign]
    install_item_level_rollback()
    _started = mock_aws()
    _started.start()


def stop() -> None:
    global _started
    if _started is not None:
        _started.stop()
        _started = None


# --- Transactions: roll back the items a transaction touched, not whole tables ----------------
#
# moto's DynamoDBBackend.transact_write_items backs up every table it writes to with
# `copy.deepcopy(table)` before applying the operations one by one, and puts the copies back
# when the transaction is cancelled. That makes every order O(items in the table): on a
# 60,000-item table one order took seconds. A transaction can only change the items it names
# (at most 100 keys), and moto derives its indexes from the items at query time
# (Table.query walks Table.items), so restoring those items restores the table.
#
# The wrapper below snapshots the named items (deep copies: moto's update_item mutates an
# Item in place), lets moto's own code run with the whole-table copy turned into the
# identity (so moto's rollback assignment is a no-op), and puts the snapshots back if moto
# raises (TransactionCanceledException, validation errors, ...). Everything else, cancellation
# reasons, ALL_OLD items and validation, is moto's code, unchanged. It is safe because every
# request to moto runs under `_lock` (above): nothing else can read or write between the
# operations. A table's stream (moto appends a record per write) is cut back to its length
# before the transaction, so a cancelled transaction leaves no stream record, as on DynamoDB.

_SNAPSHOT_FAILED = object()


def install_item_level_rollback() -> None:
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items
    if getattr(original, "_item_level_rollback", False):
        return

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshot = _snapshot_touched_items(self.tables, transact_items)
        if snapshot is _SNAPSHOT_FAILED:
            return original(self, transact_items)
        streams = [(t.stream_shard, len(t.stream_shard.items)) for t in self.tables.values() if t.stream_shard]
        moto_copy = models.copy
        models.copy = _TABLES_NOT_COPIED  # moto's `copy.deepcopy(table)` backup becomes the identity
        try:
            return original(self, transact_items)
        except BaseException:
            _restore(snapshot)
            for shard, length in streams:
                del shard.items[length:]
            raise
        finally:
            models.copy = moto_copy

    transact_write_items._item_level_rollback = True  # type: ignore[attr-defined]
    transact_write_items.__wrapped__ = original  # type: ignore[attr-defined]  # moto's, for the benchmark
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _identity_for_tables(value: Any, memo: Any = None) -> Any:
    from moto.dynamodb.models.table import Table

    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


_TABLES_NOT_COPIED = types.SimpleNamespace(copy=copy.copy, deepcopy=_identity_for_tables)


def _snapshot_touched_items(tables: dict[str, Any], transact_items: list[dict[str, Any]]) -> Any:
    """[(table, hash value, range value or None, deep copy of the item or None)] before the
    transaction, or _SNAPSHOT_FAILED when moto's own whole-table backup must be used."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    snapshot, seen = [], set()
    try:
        for entry in transact_items:
            for op in entry.values():
                table = tables.get(op.get("TableName"))
                if table is None:
                    continue  # moto reports the missing table; nothing of it can change
                key = op.get("Item") if "Item" in op else op.get("Key")
                if not key or table.hash_key_attr not in key:
                    continue  # moto rejects the operation before writing anything
                hash_value = DynamoType(key[table.hash_key_attr])
                range_value = None
                if table.range_key_attr is not None:
                    if table.range_key_attr not in key:
                        continue
                    range_value = DynamoType(key[table.range_key_attr])
                if (id(table), hash_value, range_value) in seen:
                    continue
                seen.add((id(table), hash_value, range_value))
                stored = table.items.get(hash_value)  # .get: items is a defaultdict
                if range_value is not None:
                    stored = stored.get(range_value) if stored else None
                snapshot.append((table, hash_value, range_value, copy.deepcopy(stored)))
    except Exception:  # an odd key (e.g. unhashable) is moto's to reject: keep its full backup
        return _SNAPSHOT_FAILED
    return snapshot


def _restore(snapshot: list[tuple[Any, Any, Any, Any]]) -> None:
    for table, hash_value, range_value, before in reversed(snapshot):
        if range_value is None:
            if before is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = before
        elif before is None:
            bucket = table.items.get(hash_value)
            if bucket is not None:
                bucket.pop(range_value, None)
        else:
            table.items[hash_value][range_value] = before


def direct_writer(client: Any) -> Any:
    """For bulk loading into the embedded moto: a function(table_name, items) that puts items
    (in DynamoDB JSON) straight into moto's table, skipping botocore's serialization and moto's
    HTTP-shaped parsing on both sides (about 10 times faster). None when `client` does not talk
    to the embedded moto (DynamoDB Local, AWS), which get BatchWriteItem."""
    meta = getattr(client, "meta", None)  # test doubles wrap a client without one: BatchWriteItem
    if _started is None or meta is None or "amazonaws.com" not in (meta.endpoint_url or ""):
        return None
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][client.meta.region_name]

    def write(table_name: str, items: list[dict[str, Any]]) -> None:
        with _lock:
            table = backend.get_table(table_name)
            for item in items:
                table.put_item(item)

    return write


@contextlib.contextmanager
def moto_whole_table_copies() -> Any:
    """moto's own transact_write_items for a while: what a transaction cost before the
    item-level rollback (benchmarks/bench.py measures both)."""
    from moto.dynamodb import models

    patched = models.DynamoDBBackend.transact_write_items
    models.DynamoDBBackend.transact_write_items = patched.__wrapped__  # type: ignore[method-assign]
    try:
        yield
    finally:
        models.DynamoDBBackend.transact_write_items = patched  # type: ignore[method-assign]
