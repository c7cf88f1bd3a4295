"""DynamoDB plumbing: the client, calls and their error translation, transactions, batch
reads, paging and (de)serialization. The aggregate modules (users, products, orders,
idempotency, throttles) build requests; only this module sends them.

DynamoDB's answers are read here and nowhere else: a failed condition becomes ConditionFailed
(with the item as found), a cancelled transaction Cancelled (with the reasons per item);
throttling and DynamoDB's own failures become ServiceUnavailable through aws.translated, as
for every AWS client.
"""

from __future__ import annotations

import functools
import random
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from .. import aws, config, cursors
from ..errors import InvalidCursor, ServiceUnavailable
from ..integrity import intact
from . import keys
from .records import Page

RETRYABLE_CANCELLATIONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
TRANSACTION_ATTEMPTS = 6
BATCH_GET_LIMIT = 100
BATCH_GET_ATTEMPTS = 5
# Reads one list page may take when DynamoDB stops at 1 MB: 3 MB at most, within Lambda's
# 6 MB response.
QUERY_PAGES = 3
INTEGER_FIELDS = frozenset(
    {"stock", "quantity", "width", "height", "uploadExpiresAt", "imagesVersion", "sessionVersion"}
)
CONDITION_FAILED = "ConditionalCheckFailed"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class ConditionFailed(Exception):
    """A conditional single-item write failed; `item` is the item as found (None if absent
    or not returned)."""

    def __init__(self, item: dict[str, Any] | None):
        self.item = item


class Cancelled(Exception):
    """TransactWriteItems was cancelled; one reason per item, in request order."""

    def __init__(self, reasons: list[dict[str, Any]]):
        self.reasons = reasons

    def code(self, index: int) -> str:
        return self.reasons[index].get("Code", "None") if index < len(self.reasons) else "None"

    def failed(self, index: int) -> bool:
        return self.code(index) == CONDITION_FAILED

    def any_failed(self) -> bool:
        return any(reason.get("Code") == CONDITION_FAILED for reason in self.reasons)

    def old_item(self, index: int) -> dict[str, Any] | None:
        item = self.reasons[index].get("Item") if index < len(self.reasons) else None
        return deserialize(item) if item else None


def serialize(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    normalized: dict[str, Any] = _normalize({k: _deserializer.deserialize(v) for k, v in item.items()})
    return normalized


def _normalize(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: int(v) if k in INTEGER_FIELDS and isinstance(v, Decimal) else _normalize(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    return value


# What others may change on a record right after it is created (an order taking stock).
CHANGED_BY_OTHERS = frozenset({"stock", "updatedAt"})


def written_by(found: dict[str, Any] | None, record: dict[str, Any], id_field: str = "id") -> bool:
    """Whether the item a create's condition found is `record` itself: the write of this very
    request, committed by an attempt whose answer was lost. A record gets a fresh random id
    and its creation time when the request starts, so an equal item is that write."""
    if found is None:
        return False
    mine = public(found, id_field)
    return all(mine.get(field) == value for field, value in record.items() if field not in CHANGED_BY_OTHERS)


def public(item: dict[str, Any], id_field: str = "id") -> dict[str, Any]:
    """Strip storage-only attributes: the item a record of shop.domain is read from (`from_item`)."""
    return {id_field: item["id"], **{k: v for k, v in item.items() if k not in keys.STORAGE_FIELDS}}


def _wire(request: dict[str, Any]) -> dict[str, Any]:
    """A request with its items, keys and values in DynamoDB's typed JSON."""
    return {k: serialize(v) if k in _TYPED_FIELDS else v for k, v in request.items()}


_TYPED_FIELDS = frozenset({"Item", "Key", "ExpressionAttributeValues"})


def _jitter(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311  # nosec B311  # retry jitter, not crypto


@functools.cache
def client(endpoint_url: str | None, region: str) -> Any:
    # Timeouts, retries and the deadline: shop.aws and shop.deadline.
    return aws.client("dynamodb", region, endpoint_url)


class Table:
    """One table and the client that reaches it."""

    def __init__(self, name: str, dynamodb: Any):
        self.name = name
        self.client = dynamodb

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        # DynamoDB's answers about the request (a failed condition, a cancelled transaction) are
        # storage's to read; what says DynamoDB could not serve it is every AWS client's (aws.py).
        with aws.translated():
            try:
                answer: dict[str, Any] = getattr(self.client, operation)(**kwargs)
                return answer
            except ClientError as error:
                code = aws.error_code(error)
                if code == "ConditionalCheckFailedException":
                    raw = error.response.get("Item")
                    raise ConditionFailed(deserialize(raw) if raw else None) from None
                if code == "TransactionCanceledException":
                    raise Cancelled(error.response.get("CancellationReasons", [])) from None
                raise

    def transact(self, items: list[dict[str, Any]]) -> None:
        """TransactWriteItems of plain-valued operations ({"Put": {"Item": ..., ...}}) on this
        table, retried with jitter on conflicts with other transactions; raises Cancelled
        when a condition failed.

        Each attempt carries its own ClientRequestToken, which botocore's retries of that
        attempt resend: when DynamoDB committed it and the answer was lost (a read timeout),
        the retry is recognized as the same request and succeeds without applying it twice.
        Where that cannot help (an endpoint that ignores the token, or a retry after the
        token's ten minutes), the retry fails its conditions and the aggregate checks whether
        what it found is its own write (see users.create, orders.create, update_status)."""
        request = [{op: {"TableName": self.name, **_wire(spec)} for op, spec in item.items()} for item in items]
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                self.call("transact_write_items", TransactItems=request, ClientRequestToken=str(uuid.uuid4()))
                return
            except Cancelled as cancelled:
                codes = {reason.get("Code") for reason in cancelled.reasons}
                if not codes & RETRYABLE_CANCELLATIONS or CONDITION_FAILED in codes:
                    raise
                _jitter(attempt)
        raise ServiceUnavailable(retry_after=1)

    def get(self, key: dict[str, str], consistent: bool = False) -> dict[str, Any] | None:
        response = self.call("get_item", TableName=self.name, Key=serialize(key), ConsistentRead=consistent)
        item = response.get("Item")
        return deserialize(item) if item else None

    def get_many(self, item_keys: list[dict[str, str]]) -> list[dict[str, Any]]:
        """BatchGetItem (consistent), in chunks of 100, retrying unprocessed keys."""
        unique = list({(k["id"], k["type"]): k for k in item_keys}.values())
        found: list[dict[str, Any]] = []
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            chunk = [serialize(k) for k in unique[start : start + BATCH_GET_LIMIT]]
            pending: dict[str, Any] = {self.name: {"Keys": chunk, "ConsistentRead": True}}
            for attempt in range(BATCH_GET_ATTEMPTS):
                response = self.call("batch_get_item", RequestItems=pending)
                found.extend(deserialize(item) for item in response.get("Responses", {}).get(self.name, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                _jitter(attempt)
            if pending:
                raise ServiceUnavailable(retry_after=1)
        return found

    def put(self, item: dict[str, Any], **request: Any) -> None:
        self.call("put_item", **_wire({"TableName": self.name, "Item": item, **request}))

    def update(self, key: dict[str, str], **request: Any) -> dict[str, Any]:
        """UpdateItem with plain values; the response's Attributes come back deserialized."""
        response = self.call("update_item", **_wire({"TableName": self.name, "Key": key, **request}))
        if "Attributes" in response:
            return {**response, "Attributes": deserialize(response["Attributes"])}
        return response

    def delete(self, key: dict[str, str], **request: Any) -> dict[str, Any] | None:
        """DeleteItem; the old item (deserialized) when ReturnValues asked for it."""
        response = self.call("delete_item", **_wire({"TableName": self.name, "Key": key, **request}))
        old = response.get("Attributes")
        return deserialize(old) if old else None

    def query_page(self, kind: str, index: str, partition: str, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """One page of `partition` in `index`, newest first; items of the wrong shape are left out."""
        pk_field, sk_field = keys.INDEXES[index]
        scope = f"{index}|{partition}"
        key_fields = (*keys.KEY_FIELDS, pk_field, sk_field)
        start = cursors.decode(cursor, scope, key_fields)
        if start is not None and start[pk_field] != partition:
            raise InvalidCursor()
        request: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": pk_field},
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ScanIndexForward": False,
            # One item past the page tells whether another page exists, so the last
            # page never hands out a cursor to an empty one.
            "Limit": limit + 1,
        }
        if start is not None:
            request["ExclusiveStartKey"] = serialize(start)
        # DynamoDB stops a Query at 1 MB whatever the Limit, with a LastEvaluatedKey: follow it
        # (asking only for what is still missing) for up to QUERY_PAGES reads, so a page of
        # large items is still full. If it stopped early even so, there may be more: the page
        # is what was read, and the cursor starts after its last item.
        items: list[dict[str, Any]] = []
        stopped_early = False
        for _ in range(QUERY_PAGES):
            response = self.call("query", **{**request, "Limit": limit + 1 - len(items)})
            items.extend(deserialize(item) for item in response.get("Items", []))
            stopped_early = "LastEvaluatedKey" in response and len(items) <= limit
            if not stopped_early:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        page, more = items[:limit], len(items) > limit or stopped_early
        next_cursor = None
        if more and page:
            last = page[-1]
            next_cursor = cursors.encode({f: last[f] for f in key_fields}, scope)
        return Page(items=[public(item) for item in page if intact(kind, item)], next_cursor=next_cursor)

    def query_below(
        self, index: str, partition: str, below: str, limit: int, above: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every item of `partition` in `index` whose sort key is below `below` (with `above`: at
        or above it), oldest first, `limit` per Query, following LastEvaluatedKey (internal paging)."""
        pk_field, sk_field = keys.INDEXES[index]
        request: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk AND #sk " + (">=" if above else "<") + " :below",
            "ExpressionAttributeNames": {"#pk": pk_field, "#sk": sk_field},
            "ExpressionAttributeValues": {":pk": {"S": partition}, ":below": {"S": below}},
            "ScanIndexForward": True,
            "Limit": limit,
        }
        while True:
            response = self.call("query", **request)
            yield from (deserialize(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def connect() -> Table:
    cfg = config.settings()
    return Table(cfg.table_name, client(cfg.dynamodb_endpoint_url, cfg.region))
