"""What a record read back from the table must look like before any code uses it.

The table is trusted storage, not a trusted input: a hand edit, a bad migration or a
bug elsewhere can leave a price that is a string or a product without stock. Such an
item is never priced, sold or shown: single reads fail with a generic 500, lists skip
it, and both log the item's id and the failing field names (never the values).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .log import logger


class CorruptItem(Exception):
    """Deliberately not a DomainError: the edge answers it with its generic 500."""

    def __init__(self, kind: str, item_id: str, fields: list[str]):
        super().__init__(f"{kind} {item_id} is malformed: {', '.join(fields)}")


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _money(value: Any) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value > 0


def _lines(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(
            isinstance(line, dict)
            and _text(line.get("productId"))
            and _money(line.get("price"))
            and _count(line.get("quantity"))
            for line in value
        )
    )


SHAPES: dict[str, dict[str, Callable[[Any], bool]]] = {
    "user": {"id": _text, "email": _text, "role": lambda v: v in ("customer", "admin"), "passwordHash": _text},
    "product": {"id": _text, "name": _text, "price": _money, "category": _text, "stock": _count, "createdAt": _text},
    "order": {"id": _text, "userId": _text, "status": _text, "items": _lines, "totalAmount": _money},
}


def problems(kind: str, item: dict[str, Any]) -> list[str]:
    return [name for name, valid in SHAPES[kind].items() if not valid(item.get(name))]


def _report(kind: str, item: dict[str, Any], fields: list[str]) -> None:
    logger.warning("malformed item", extra={"itemType": kind, "itemId": str(item.get("id")), "fields": fields})


def checked(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    """The item, or CorruptItem when it does not have the shape this code writes."""
    bad = problems(kind, item)
    if bad:
        _report(kind, item, bad)
        raise CorruptItem(kind, str(item.get("id")), bad)
    return item


def intact(kind: str, item: dict[str, Any]) -> bool:
    """For lists: a malformed item is logged and left out instead of failing the page."""
    bad = problems(kind, item)
    if bad:
        _report(kind, item, bad)
    return not bad
