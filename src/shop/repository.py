"""The only module that speaks DynamoDB.

Key design (one table, key `id` + `type`; see docs/DATA_MODEL.md):
  user            id=<userId>                type=user
  email guard     id=email#<email>           type=email         written with the user in one transaction
  product         id=<productId>             type=product       gsi1: product / <createdAt>#<id>
                                                                gsi2: category#<category> / <createdAt>#<id>
  order           id=<orderId>               type=order         gsi1: user#<userId> / <createdAt>#<id>
                                                                gsi2: status#<status> / <createdAt>#<id>
                                                                gsi3: user#<userId>#status#<status> / <createdAt>#<id>
  idempotency     id=idem#<userId>#<key>     type=idempotency   expiresAt (TTL)
  login throttle  id=login#<email>           type=throttle      attempts, expiresAt (TTL, end of the window)
  address limit   id=ip#<action>#<sourceIp>  type=throttle      attempts, expiresAt (TTL, end of the window)

Every request path is a GetItem, BatchGetItem, Query or a write; never a Scan.
DynamoDB error codes are translated into domain errors here and nowhere else.
"""

from __future__ import annotations

import functools
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from . import config, cursors
from .errors import (
    EmailTaken,
    InvalidCursor,
    InvalidTransition,
    NotFound,
    OutOfStock,
    PriceChanged,
    ProductNotFound,
    ServiceUnavailable,
    StockLimitReached,
)
from .integrity import checked, intact

UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "ResourceNotFoundException",
        "TransactionInProgressException",
        # A single-item write that meets a running transaction on the same item.
        "TransactionConflictException",
    }
)
RETRYABLE_CANCELLATIONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
TRANSACTION_ATTEMPTS = 6
KEY_FIELDS = ("id", "type")
INTERNAL_FIELDS = frozenset({"id", "type", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "expiresAt"})
INDEX_FIELDS = {"gsi1": ("gsi1pk", "gsi1sk"), "gsi2": ("gsi2pk", "gsi2sk"), "gsi3": ("gsi3pk", "gsi3sk")}
MAX_STOCK = 1_000_000
# A cancel re-plans its restock when a product vanishes between the read and the write.
RESTOCK_ATTEMPTS = 3
INTEGER_FIELDS = frozenset({"stock", "quantity"})

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    quantity: int
    price: Decimal


@dataclass(frozen=True)
class Attempt:
    """One attempt counted against a fixed window (login lockout, per-address limits)."""

    allowed: bool
    count: int
    window_ends: int  # epoch seconds; also the item's TTL


@dataclass(frozen=True)
class IdempotencyClaim:
    user_id: str
    key: str
    request_hash: str
    expires_at: int


class Repository(Protocol):
    """What the services need from storage; DynamoRepository and the tests' fake implement it."""

    def ping(self) -> None: ...
    def create_user(self, user: dict[str, Any]) -> None: ...
    def find_user_by_email(self, email: str) -> dict[str, Any] | None: ...
    def get_user(self, user_id: str) -> dict[str, Any] | None: ...
    def set_user_role(self, user_id: str, role: str) -> None: ...
    def put_product(self, product: dict[str, Any]) -> None: ...
    def get_product(self, product_id: str) -> dict[str, Any] | None: ...
    def get_products(self, product_ids: list[str]) -> dict[str, dict[str, Any]]: ...
    def update_product(self, product_id: str, changes: dict[str, Any], stock_delta: int = 0) -> dict[str, Any]: ...
    def delete_product(self, product_id: str) -> None: ...
    def list_products(self, category: str | None, limit: int, cursor: str | None) -> Page: ...
    def place_order(self, order: dict[str, Any], lines: list[OrderLine], claim: IdempotencyClaim | None) -> None: ...
    def get_order(self, order_id: str, consistent: bool = False) -> dict[str, Any] | None: ...
    def list_orders_for_user(self, user_id: str, limit: int, cursor: str | None, status: str | None = None) -> Page: ...
    def list_orders_by_status(self, status: str, limit: int, cursor: str | None) -> Page: ...
    def change_order_status(
        self, order: dict[str, Any], changes: dict[str, Any], restock: bool = False
    ) -> dict[str, Any]: ...
    def get_idempotency(self, user_id: str, key: str) -> dict[str, Any] | None: ...
    def take_attempt(self, counter_id: str, limit: int, window_seconds: int, now: int) -> Attempt: ...
    def clear_attempts(self, counter_id: str) -> None: ...


def category_key(category: str) -> str:
    return "category#" + category.casefold()


def user_orders_key(user_id: str, status: str | None = None) -> str:
    """Partition of a user's orders (gsi1), or of those in one status (gsi3)."""
    return f"user#{user_id}" if status is None else f"user#{user_id}#status#{status}"


def status_key(status: str) -> str:
    """Partition of every order in one status (gsi2)."""
    return "status#" + status


def order_index_keys(order: dict[str, Any]) -> dict[str, str]:
    """The index keys an order carries for its current status; rewritten on every transition."""
    sort_key = f"{order['createdAt']}#{order['id']}"
    return {
        "gsi1pk": user_orders_key(order["userId"]),
        "gsi1sk": sort_key,
        "gsi2pk": status_key(order["status"]),
        "gsi2sk": sort_key,
        "gsi3pk": user_orders_key(order["userId"], order["status"]),
        "gsi3sk": sort_key,
    }


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    plain = {k: _deserializer.deserialize(v) for k, v in item.items()}
    return _normalize(plain)


def _normalize(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: int(v) if k in INTEGER_FIELDS and isinstance(v, Decimal) else _normalize(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    return value


def _public(item: dict[str, Any], id_field: str = "id") -> dict[str, Any]:
    """Strip storage-only attributes; the domain sees plain records."""
    return {id_field: item["id"], **{k: v for k, v in item.items() if k not in INTERNAL_FIELDS}}


class _ConditionFailed(Exception):
    def __init__(self, item: dict[str, Any] | None):
        self.item = item


class _Cancelled(Exception):
    def __init__(self, reasons: list[dict[str, Any]]):
        self.reasons = reasons

    def code(self, index: int) -> str:
        return self.reasons[index].get("Code", "None") if index < len(self.reasons) else "None"

    def old_item(self, index: int) -> dict[str, Any] | None:
        item = self.reasons[index].get("Item") if index < len(self.reasons) else None
        return _deserialize(item) if item else None


@functools.cache
def _client(endpoint_url: str | None, region: str):
    return boto3.client(
        "dynamodb",
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(
            # Three attempts in all (botocore's max_attempts would count retries only). The
            # worst case of one call, 3 x (0.5 + 1.5) s plus at most 3 s of backoff, stays
            # under the 10 s function timeout, so a client sees our 503, not a gateway 504.
            retries={"mode": "standard", "total_max_attempts": 3},
            connect_timeout=0.5,
            read_timeout=1.5,
            tcp_keepalive=True,
        ),
    )


class DynamoRepository:
    def __init__(self, table_name: str, client: Any):
        self.table = table_name
        self.client = client

    # -- plumbing -------------------------------------------------------------------
    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raw = error.response.get("Item")
                raise _ConditionFailed(_deserialize(raw) if raw else None) from None
            if code == "TransactionCanceledException":
                raise _Cancelled(error.response.get("CancellationReasons", [])) from None
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            # Any 5xx left after botocore's retries is DynamoDB's trouble, not the request's.
            if code in UNAVAILABLE_CODES or status >= 500:
                raise ServiceUnavailable(retry_after=1) from None
            raise
        except BotoCoreError:
            # Connection refused, timeouts, retries exhausted at the transport level.
            raise ServiceUnavailable(retry_after=2) from None

    def _transact(self, items: list[dict[str, Any]]) -> None:
        """TransactWriteItems, retried with jitter on conflicts with other transactions."""
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                self._call("transact_write_items", TransactItems=items)
                return
            except _Cancelled as cancelled:
                codes = {reason.get("Code") for reason in cancelled.reasons}
                if not codes & RETRYABLE_CANCELLATIONS or codes & {"ConditionalCheckFailed"}:
                    raise
                time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311  # nosec B311  # retry jitter, not crypto
        raise ServiceUnavailable(retry_after=1)

    def _get(self, key_id: str, key_type: str, consistent: bool = False) -> dict[str, Any] | None:
        response = self._call(
            "get_item",
            TableName=self.table,
            Key=_serialize({"id": key_id, "type": key_type}),
            ConsistentRead=consistent,
        )
        item = response.get("Item")
        return _deserialize(item) if item else None

    def _query_page(self, kind: str, index: str, partition: str, limit: int, cursor: str | None) -> Page:
        pk_field, sk_field = INDEX_FIELDS[index]
        scope = f"{index}|{partition}"
        key_fields = (*KEY_FIELDS, pk_field, sk_field)
        start = cursors.decode(cursor, scope, key_fields)
        if start is not None and start[pk_field] != partition:
            raise InvalidCursor()
        request: dict[str, Any] = {
            "TableName": self.table,
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
            request["ExclusiveStartKey"] = _serialize(start)
        raw = self._call("query", **request).get("Items", [])
        items = [_deserialize(item) for item in raw]
        page, more = items[:limit], len(items) > limit
        next_cursor = None
        if more and page:
            last = page[-1]
            next_cursor = cursors.encode({f: last[f] for f in key_fields}, scope)
        return Page(items=[_public(item) for item in page if intact(kind, item)], next_cursor=next_cursor)

    # -- health ---------------------------------------------------------------------
    def ping(self) -> None:
        self._get("health", "health")

    # -- users ----------------------------------------------------------------------
    def create_user(self, user: dict[str, Any]) -> None:
        user_item = {**{k: v for k, v in user.items() if k != "userId"}, "id": user["userId"], "type": "user"}
        guard = {"id": "email#" + user["email"], "type": "email", "userId": user["userId"]}
        try:
            self._transact(
                [
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": _serialize(guard),
                            "ConditionExpression": "attribute_not_exists(id)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": _serialize(user_item),
                            "ConditionExpression": "attribute_not_exists(id)",
                        }
                    },
                ]
            )
        except _Cancelled as cancelled:
            if cancelled.code(0) == "ConditionalCheckFailed":
                raise EmailTaken() from None
            raise

    def find_user_by_email(self, email: str) -> dict[str, Any] | None:
        guard = self._get("email#" + email, "email", consistent=True)
        return self.get_user(guard["userId"]) if guard else None

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        item = self._get(user_id, "user", consistent=True)
        return _public(checked("user", item), "userId") if item else None

    def set_user_role(self, user_id: str, role: str) -> None:
        try:
            self._call(
                "update_item",
                TableName=self.table,
                Key=_serialize({"id": user_id, "type": "user"}),
                UpdateExpression="SET #role = :role",
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeNames={"#role": "role"},
                ExpressionAttributeValues=_serialize({":role": role}),
            )
        except _ConditionFailed:
            raise NotFound("User not found") from None

    # -- products -------------------------------------------------------------------
    @staticmethod
    def _product_item(product: dict[str, Any]) -> dict[str, Any]:
        sort_key = f"{product['createdAt']}#{product['id']}"
        return {
            **product,
            "type": "product",
            "gsi1pk": "product",
            "gsi1sk": sort_key,
            "gsi2pk": category_key(product["category"]),
            "gsi2sk": sort_key,
        }

    def put_product(self, product: dict[str, Any]) -> None:
        self._call(
            "put_item",
            TableName=self.table,
            Item=_serialize(self._product_item(product)),
            ConditionExpression="attribute_not_exists(id)",
        )

    def get_product(self, product_id: str) -> dict[str, Any] | None:
        item = self._get(product_id, "product")
        return _public(checked("product", item)) if item else None

    def get_products(self, product_ids: list[str]) -> dict[str, dict[str, Any]]:
        keys = [_serialize({"id": pid, "type": "product"}) for pid in dict.fromkeys(product_ids)]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {self.table: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
            for attempt in range(5):
                response = self._call("batch_get_item", RequestItems=pending)
                for item in response.get("Responses", {}).get(self.table, []):
                    product = _public(checked("product", _deserialize(item)))
                    found[product["id"]] = product
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311  # nosec B311  # retry jitter, not crypto
            if pending:
                raise ServiceUnavailable(retry_after=1)
        return found

    def update_product(self, product_id: str, changes: dict[str, Any], stock_delta: int = 0) -> dict[str, Any]:
        """SET the given fields; a non-zero `stock_delta` is applied with ADD, so it composes
        with concurrent orders' decrements instead of overwriting them."""
        values = dict(changes)
        if "category" in values:
            values["gsi2pk"] = category_key(values["category"])
        names = {f"#f{i}": field for i, field in enumerate(values)}
        placeholders: dict[str, Any] = {f":v{i}": value for i, value in enumerate(values.values())}
        assignments = ", ".join(f"{n} = {v}" for n, v in zip(names, placeholders, strict=True))
        expression = f"SET {assignments}"
        # attribute_exists: a PUT racing a DELETE can never bring the product back.
        condition = "attribute_exists(id)"
        if stock_delta:
            expression += " ADD stock :delta"
            placeholders[":delta"] = stock_delta
            if stock_delta < 0:
                condition += " AND stock >= :floor"
                placeholders[":floor"] = -stock_delta
            else:
                condition += " AND stock <= :ceiling"
                placeholders[":ceiling"] = MAX_STOCK - stock_delta
        try:
            response = self._call(
                "update_item",
                TableName=self.table,
                Key=_serialize({"id": product_id, "type": "product"}),
                ConditionExpression=condition,
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=_serialize(placeholders),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except _ConditionFailed as failed:
            current = failed.item or self._get(product_id, "product", consistent=True)
            if current is None:
                raise ProductNotFound() from None
            raise _stock_delta_failure(stock_delta, int(current["stock"])) from None
        return _public(_deserialize(response["Attributes"]))

    def delete_product(self, product_id: str) -> None:
        try:
            self._call(
                "delete_item",
                TableName=self.table,
                Key=_serialize({"id": product_id, "type": "product"}),
                ConditionExpression="attribute_exists(id)",
            )
        except _ConditionFailed:
            raise ProductNotFound() from None

    def list_products(self, category: str | None, limit: int, cursor: str | None) -> Page:
        if category is None:
            return self._query_page("product", "gsi1", "product", limit, cursor)
        return self._query_page("product", "gsi2", category_key(category), limit, cursor)

    # -- orders ---------------------------------------------------------------------
    def place_order(self, order: dict[str, Any], lines: list[OrderLine], claim: IdempotencyClaim | None) -> None:
        """Write the order, take every line's stock and (optionally) claim the
        idempotency key in one transaction: all of it happens, or none of it."""
        order_item = {**order, "type": "order", **order_index_keys(order)}
        items: list[dict[str, Any]] = []
        if claim is not None:
            record = {
                "id": f"idem#{claim.user_id}#{claim.key}",
                "type": "idempotency",
                "requestHash": claim.request_hash,
                "orderId": order["id"],
                "expiresAt": claim.expires_at,
            }
            items.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": _serialize(record),
                        # An expired record may still exist until TTL deletes it.
                        "ConditionExpression": "attribute_not_exists(id) OR expiresAt < :now",
                        "ExpressionAttributeValues": {":now": {"N": str(int(time.time()))}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            )
        items.append(
            {
                "Put": {
                    "TableName": self.table,
                    "Item": _serialize(order_item),
                    "ConditionExpression": "attribute_not_exists(id)",
                }
            }
        )
        first_line = len(items)
        for line in lines:
            items.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": _serialize({"id": line.product_id, "type": "product"}),
                        "UpdateExpression": "SET stock = stock - :qty, updatedAt = :now",
                        "ConditionExpression": "attribute_exists(id) AND stock >= :qty AND price = :price",
                        "ExpressionAttributeValues": _serialize(
                            {":qty": line.quantity, ":price": line.price, ":now": order["createdAt"]}
                        ),
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            )
        try:
            self._transact(items)
        except _Cancelled as cancelled:
            if claim is not None and cancelled.code(0) == "ConditionalCheckFailed":
                existing = cancelled.old_item(0) or self.get_idempotency(claim.user_id, claim.key)
                raise IdempotencyConflict(existing) from None
            for offset, line in enumerate(lines):
                index = first_line + offset
                if cancelled.code(index) != "ConditionalCheckFailed":
                    continue
                current = cancelled.old_item(index) or self._get(line.product_id, "product", consistent=True)
                raise _line_failure(offset, line, current) from None
            raise

    def get_order(self, order_id: str, consistent: bool = False) -> dict[str, Any] | None:
        item = self._get(order_id, "order", consistent)
        return _public(checked("order", item)) if item else None

    def list_orders_for_user(self, user_id: str, limit: int, cursor: str | None, status: str | None = None) -> Page:
        if status is None:
            return self._query_page("order", "gsi1", user_orders_key(user_id), limit, cursor)
        return self._query_page("order", "gsi3", user_orders_key(user_id, status), limit, cursor)

    def list_orders_by_status(self, status: str, limit: int, cursor: str | None) -> Page:
        return self._query_page("order", "gsi2", status_key(status), limit, cursor)

    def change_order_status(
        self, order: dict[str, Any], changes: dict[str, Any], restock: bool = False
    ) -> dict[str, Any]:
        """Move `order` (as read) to `changes["status"]`, on condition that its status is still
        the one read. Statuses never repeat along the lifecycle, so that condition also proves
        nothing else (history, keys) changed in between. With `restock`, every line's quantity
        goes back to its product in the same transaction."""
        moved = {**order, **changes}
        values = {
            ":expected": order["status"],
            ":status": moved["status"],
            ":history": moved["statusHistory"],
            ":now": moved["updatedAt"],
        }
        keys = order_index_keys(moved)
        update = {
            "TableName": self.table,
            "Key": _serialize({"id": order["id"], "type": "order"}),
            "ConditionExpression": "#status = :expected",
            "UpdateExpression": "SET #status = :status, statusHistory = :history, updatedAt = :now, "
            "gsi2pk = :gsi2pk, gsi3pk = :gsi3pk",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": _serialize({**values, ":gsi2pk": keys["gsi2pk"], ":gsi3pk": keys["gsi3pk"]}),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if not restock:
            try:
                self._call("update_item", **update)
            except _ConditionFailed as failed:
                raise self._transition_failure(order["id"], failed.item) from None
            return moved
        for _ in range(RESTOCK_ATTEMPTS):
            try:
                self._transact([{"Update": update}, *self._restock_items(order, moved["updatedAt"])])
                return moved
            except _Cancelled as cancelled:
                if cancelled.code(0) == "ConditionalCheckFailed":
                    raise self._transition_failure(order["id"], cancelled.old_item(0)) from None
                if "ConditionalCheckFailed" not in {reason.get("Code") for reason in cancelled.reasons}:
                    raise
                # A product was deleted after the read below: plan the restock again without it.
        raise ServiceUnavailable(retry_after=1)

    def _restock_items(self, order: dict[str, Any], now: str) -> list[dict[str, Any]]:
        """ADD each line's quantity back to its product. Products deleted since the order are
        skipped (found by a consistent read), and `attribute_exists` guards the rest, so a
        restock can never recreate a deleted product as a stock-only stub."""
        existing = self.get_products([line["productId"] for line in order["items"]])
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _serialize({"id": line["productId"], "type": "product"}),
                    "UpdateExpression": "ADD stock :qty SET updatedAt = :now",
                    "ConditionExpression": "attribute_exists(id)",
                    "ExpressionAttributeValues": _serialize({":qty": line["quantity"], ":now": now}),
                }
            }
            for line in order["items"]
            if line["productId"] in existing
        ]

    def _transition_failure(self, order_id: str, current: dict[str, Any] | None) -> Exception:
        current = current or self._get(order_id, "order", consistent=True)
        if current is None:
            return NotFound("Order not found")
        return InvalidTransition(f"Order is {current['status']} now")

    def get_idempotency(self, user_id: str, key: str) -> dict[str, Any] | None:
        item = self._get(f"idem#{user_id}#{key}", "idempotency", consistent=True)
        if item is None or item.get("expiresAt", 0) < int(time.time()):
            return None
        return item

    # -- throttles ------------------------------------------------------------------
    def take_attempt(self, counter_id: str, limit: int, window_seconds: int, now: int) -> Attempt:
        """Count one attempt in a fixed window that opens with the first attempt.

        Increment-then-check in one conditional UpdateItem: ADD is atomic and the
        condition refuses the increment once `limit` attempts are in the window, so
        parallel requests cannot all read the same old count and slip past. The first
        attempt creates the item in that same write: no read before it.
        """
        key = _serialize({"id": counter_id, "type": "throttle"})
        window_ends = now + window_seconds
        for _ in range(3):
            try:
                response = self._call(
                    "update_item",
                    TableName=self.table,
                    Key=key,
                    UpdateExpression="ADD attempts :one SET expiresAt = if_not_exists(expiresAt, :ends)",
                    ConditionExpression="attribute_not_exists(id) OR (expiresAt > :now AND attempts < :limit)",
                    ExpressionAttributeValues=_serialize(
                        {":one": 1, ":ends": window_ends, ":now": now, ":limit": limit}
                    ),
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                counter = _deserialize(response["Attributes"])
                return Attempt(True, int(counter["attempts"]), int(counter["expiresAt"]))
            except _ConditionFailed as failed:
                old = failed.item or {}
                if int(old.get("expiresAt", 0)) > now:
                    return Attempt(False, int(old.get("attempts", limit)), int(old["expiresAt"]))
            # The window is over but TTL has not removed the item yet (TTL deletes lazily,
            # often hours later): open a new window. The condition lets only one of several
            # racing requests do it; the others loop and count against the new window.
            try:
                self._call(
                    "put_item",
                    TableName=self.table,
                    Item=_serialize({"id": counter_id, "type": "throttle", "attempts": 1, "expiresAt": window_ends}),
                    ConditionExpression="attribute_not_exists(id) OR expiresAt <= :now",
                    ExpressionAttributeValues=_serialize({":now": now}),
                )
                return Attempt(True, 1, window_ends)
            except _ConditionFailed:
                continue
        raise ServiceUnavailable(retry_after=1)

    def clear_attempts(self, counter_id: str) -> None:
        self._call("delete_item", TableName=self.table, Key=_serialize({"id": counter_id, "type": "throttle"}))


class IdempotencyConflict(Exception):
    """The key is already claimed; the service decides between replay and 422."""

    def __init__(self, record: dict[str, Any] | None):
        self.record = record


def _line_failure(offset: int, line: OrderLine, current: dict[str, Any] | None) -> Exception:
    field = f"items.{offset}"
    if current is None:
        return ProductNotFound(details={f"{field}.productId": [f"Product {line.product_id} does not exist."]})
    if Decimal(current["price"]) != line.price:
        return PriceChanged(details={f"{field}.price": [f"Price of {line.product_id} is now {current['price']}."]})
    return OutOfStock(
        details={f"{field}.quantity": [f"Only {int(current['stock'])} of {line.product_id} left in stock."]}
    )


def _stock_delta_failure(delta: int, stock: int) -> Exception:
    if delta < 0:
        return OutOfStock(details={"stockDelta": [f"Only {stock} in stock; cannot remove {-delta}."]})
    return StockLimitReached(details={"stockDelta": [f"Stock would exceed {MAX_STOCK} (it is {stock})."]})


def make_repository() -> DynamoRepository:
    cfg = config.settings()
    return DynamoRepository(cfg.table_name, _client(cfg.dynamodb_endpoint_url, cfg.region))


@functools.cache
def repository() -> DynamoRepository:
    """The process-wide repository, created on first use and kept for warm invocations."""
    return make_repository()


__all__ = [
    "Attempt",
    "DynamoRepository",
    "IdempotencyClaim",
    "IdempotencyConflict",
    "OrderLine",
    "Page",
    "Repository",
    "repository",
]
