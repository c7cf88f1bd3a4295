"""Table changes as the services see them: a DynamoDB Streams record of an order item,
its old and new images as plain records. Other items' records are None."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import keys
from .dynamo import deserialize, public


@dataclass(frozen=True)
class OrderChange:
    record_id: str  # the stream record's eventID: the same on every delivery of the record
    sequence: str  # its SequenceNumber: what a partial batch failure names
    kind: str  # INSERT or MODIFY
    old: dict[str, Any] | None
    new: dict[str, Any]
    at: float | None  # ApproximateCreationDateTime, epoch seconds


def order_change(record: dict[str, Any]) -> OrderChange | None:
    """The change of an order item in a Lambda DynamoDB Streams record; None for any other
    item, a removal, or a record without the new image (the stream must carry both)."""
    change = record.get("dynamodb") or {}
    item_type = (change.get("Keys") or {}).get("type", {}).get("S")
    if item_type != keys.ORDER or record.get("eventName") not in ("INSERT", "MODIFY") or "NewImage" not in change:
        return None
    old = change.get("OldImage")
    created = change.get("ApproximateCreationDateTime")
    return OrderChange(
        record_id=str(record.get("eventID", "")),
        sequence=str(change.get("SequenceNumber", "")),
        kind=record["eventName"],
        old=public(deserialize(old)) if old else None,
        new=public(deserialize(change["NewImage"])),
        at=float(created) if created is not None else None,
    )


@dataclass(frozen=True)
class ProductChange:
    product_id: str
    sequence: str  # the stream record's SequenceNumber
    product: dict[str, Any] | None  # the product as stored now; None: deleted


def product_change(record: dict[str, Any]) -> ProductChange | None:
    """The change of a product item in a Lambda DynamoDB Streams record; None for any other
    item (or a record without the image it needs)."""
    change = record.get("dynamodb") or {}
    item_keys = change.get("Keys") or {}
    if (item_keys.get("type") or {}).get("S") != keys.PRODUCT or "S" not in (item_keys.get("id") or {}):
        return None
    sequence = str(change.get("SequenceNumber", ""))
    if record.get("eventName") == "REMOVE":
        return ProductChange(item_keys["id"]["S"], sequence, None)
    if record.get("eventName") not in ("INSERT", "MODIFY") or "NewImage" not in change:
        return None
    return ProductChange(item_keys["id"]["S"], sequence, public(deserialize(change["NewImage"])))
