"""Orders: placed with their stock in one transaction, moved by conditional writes (the stock
items themselves: storage/stock.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..domain.product import Product
from ..domain.write import Write
from ..errors import ServiceUnavailable
from ..integrity import checked, intact
from . import keys, stock
from .dynamo import Cancelled, ConditionFailed, Table, deserialize, public, written_by
from .failures import CartChanged, KeyClaimed, LinesRejected, Missing, Rejection, StatusChanged
from .idempotency import DynamoIdempotency, claim_put
from .records import CartVersion, IdempotencyClaim, OrderLine, Page

# A cancel re-plans its restock when a product vanishes between the read and the write.
RESTOCK_ATTEMPTS = 3


class DynamoOrders:
    def __init__(self, table: Table):
        self.table = table

    def create(
        self,
        order: dict[str, Any],
        lines: list[OrderLine],
        claim: IdempotencyClaim | None,
        cart: CartVersion | None = None,
    ) -> None:
        """Write the order, take every line's stock, (optionally) claim the idempotency key
        and (for a checkout) delete the cart as read, in one transaction: all of it, or none."""
        items: list[dict[str, Any]] = [claim_put(claim, order["id"])] if claim is not None else []
        order_item = {**order, "type": keys.ORDER, **keys.order_index_keys(order)}
        order_index = len(items)
        items.append(
            {
                "Put": {
                    "Item": order_item,
                    "ConditionExpression": "attribute_not_exists(id)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )
        first_line = len(items)
        items.extend(stock.take(line, order["createdAt"]) for line in lines)
        if cart is not None:
            items.append(empty_cart(cart))
        try:
            self.table.transact(items)
        except Cancelled as cancelled:
            if cancelled.failed(order_index) and written_by(cancelled.old_item(order_index), order):
                return  # this order, committed by an attempt whose answer was lost: placed once
            if claim is not None and cancelled.failed(0):
                record = cancelled.old_item(0) or DynamoIdempotency(self.table).get(claim.user_id, claim.key)
                raise KeyClaimed(record) from None
            if cart is not None and cancelled.failed(len(items) - 1):
                raise CartChanged() from None
            rejections = [
                Rejection(offset, line, self._product_as_found(cancelled, first_line + offset, line))
                for offset, line in enumerate(lines)
                if cancelled.failed(first_line + offset)
            ]
            if rejections:
                raise LinesRejected(rejections) from None
            raise ServiceUnavailable(retry_after=1) from None

    def _product_as_found(self, cancelled: Cancelled, index: int, line: OrderLine) -> Product | None:
        found = cancelled.old_item(index) or self.table.get(keys.key(line.product_id, keys.PRODUCT), consistent=True)
        return Product.from_item(public(found)) if found else None

    def get(self, order_id: str, consistent: bool = False) -> dict[str, Any] | None:
        item = self.table.get(keys.key(order_id, keys.ORDER), consistent)
        return public(checked(keys.ORDER, item)) if item else None

    def list_for_user(
        self, user_id: str, limit: int, cursor: str | None, status: str | None = None
    ) -> Page[dict[str, Any]]:
        index = "gsi1" if status is None else "gsi3"
        return self.table.query_page(keys.ORDER, index, keys.user_orders(user_id, status), limit, cursor)

    def list_in_status(self, status: str, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        return self.table.query_page(keys.ORDER, "gsi2", keys.orders_in_status(status), limit, cursor)

    def pending_before(self, created_before: str, limit: int) -> Iterator[dict[str, Any]]:
        partition = keys.orders_in_status("pending")
        for item in self.table.query_below("gsi2", partition, created_before, limit):
            if intact(keys.ORDER, item):
                yield public(item)

    def created_since(self, status: str, created_since: str, limit: int) -> Iterator[dict[str, Any]]:
        """Every order now in `status` created at or after the ISO time `created_since`, oldest
        first, `limit` per Query on the status index (never the whole table)."""
        partition = keys.orders_in_status(status)
        for item in self.table.query_below("gsi2", partition, created_since, limit, above=True):
            if intact(keys.ORDER, item):
                yield public(item)

    def save(self, write: Write) -> dict[str, Any]:
        """Store an aggregate's change (shop.domain.order): one conditional write on the version
        and status the order was read at, or one transaction with its restock. Returns the item
        as stored. Raises Missing, or StatusChanged (with the status found, the same one when
        only the version moved)."""
        return self.update_status(write.before, write.changes, write.restock, write.restock_lines)

    def update_status(
        self,
        order: dict[str, Any],
        changes: dict[str, Any],
        restock: bool = False,
        lines: tuple[dict[str, Any], ...] = (),
    ) -> dict[str, Any]:
        """Apply `changes` to `order` (as read) on condition that it is still at the version and
        status read. With `restock`, every line's quantity goes back to its product in the same
        transaction; with `lines` ({productId, quantity}: a received return), those units only."""
        moved = {**order, **changes}
        key, update = status_update(order, changes)
        marker = refund_marker(order, changes)
        if not restock and not lines and marker is None:
            try:
                self.table.update(key, **update)
            except ConditionFailed as failed:
                if _written(failed.item, changes):
                    return moved  # this write, applied by an attempt whose answer was lost
                raise self._status_failure(order["id"], failed.item) from None
            return moved
        for _ in range(RESTOCK_ATTEMPTS):
            try:
                given = {**order, "items": list(lines)} if lines else order
                restocked = stock.give_back(self.table, given, moved["updatedAt"]) if restock or lines else []
                self.table.transact([{"Update": {"Key": key, **update}}, *([marker] if marker else []), *restocked])
                return moved
            except Cancelled as cancelled:
                if cancelled.failed(0):
                    if _written(cancelled.old_item(0), changes):
                        return moved  # committed, stock returned, by an attempt whose answer was lost
                    raise self._status_failure(order["id"], cancelled.old_item(0)) from None
                if not cancelled.any_failed():
                    raise ServiceUnavailable(retry_after=1) from None
                # A product was deleted after the read below: plan the restock again without it.
        raise ServiceUnavailable(retry_after=1)

    def refunds_due(self, limit: int) -> Iterator[str]:
        """The ids of the orders with a refund the provider has yet to confirm (their markers, one
        partition, `limit` per Query)."""
        request: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": "id = :due",
            "ExpressionAttributeValues": {":due": {"S": keys.REFUNDS_DUE}},
            "Limit": limit,
        }
        while True:
            response = self.table.call("query", **request)
            yield from (deserialize(item)["orderId"] for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _status_failure(self, order_id: str, current: dict[str, Any] | None) -> Exception:
        return status_failure(self.table, order_id, current)


def status_failure(table: Table, order_id: str, current: dict[str, Any] | None) -> Exception:
    """Why a write conditional on the order's status failed, from the item as found."""
    current = current or table.get(keys.key(order_id, keys.ORDER), consistent=True)
    if current is None:
        return Missing()
    return StatusChanged(current["status"], public(checked(keys.ORDER, current)))


def status_update(order: dict[str, Any], changes: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The key and UpdateItem arguments that SET `changes` (and the status index keys) on
    condition that the order is still at the version and in the status it was read in (an item
    stored before versions: still without one)."""
    index_keys = keys.order_index_keys({**order, **changes})
    values = {**changes, "gsi2pk": index_keys["gsi2pk"], "gsi3pk": index_keys["gsi3pk"]}
    names = {f"#f{i}": field for i, field in enumerate(values)}
    expression_values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(values.values())}
    expression_values[":expected"] = order["status"]
    condition = "#status = :expected AND "
    if "version" in order:
        condition += "#version = :version"
        expression_values[":version"] = order["version"]
    else:
        condition += "attribute_not_exists(#version)"
    update = {
        "ConditionExpression": condition,
        "UpdateExpression": "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(values))),
        "ExpressionAttributeNames": {**names, "#status": "status", "#version": "version"},
        "ExpressionAttributeValues": expression_values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    return keys.key(order["id"], keys.ORDER), update


def _refund_due(refunds: Any) -> bool:
    return isinstance(refunds, list) and any(isinstance(r, dict) and r.get("status") == "pending" for r in refunds)


def refund_marker(order: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any] | None:
    """The transaction item that keeps the order's refund-due marker in step with the write: put
    when a refund becomes pending, deleted when none is left (so the sweep finds them by Query)."""
    if "refunds" not in changes:
        return None
    before, after = _refund_due(order.get("refunds")), _refund_due(changes["refunds"])
    if after and not before:
        return {"Put": {"Item": {**keys.refund_due(order["id"]), "orderId": order["id"]}}}
    if before and not after:
        return {"Delete": {"Key": keys.refund_due(order["id"])}}
    return None


def empty_cart(cart: CartVersion) -> dict[str, Any]:
    """The transaction item that deletes the cart a checkout read, if it is still that version."""
    return {
        "Delete": {
            "Key": keys.cart(cart.user_id),
            "ConditionExpression": "version = :version",
            "ExpressionAttributeValues": {":version": cart.version},
        }
    }


def _written(found: dict[str, Any] | None, changes: dict[str, Any]) -> bool:
    """Whether the order as found already holds exactly these changes: this very write (its
    version, history entry and time are its own), applied by an attempt whose answer was lost."""
    return found is not None and all(found.get(name) == value for name, value in changes.items())
