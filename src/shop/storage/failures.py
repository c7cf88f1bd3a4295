"""Neutral failures: what storage found, never what it means to an API client.

The services turn these into the API's errors (a 404 or a 409, with request-field
`details`); tests/unit/test_layers.py keeps HTTP-level conflicts out of this package.
None of these is a DomainError, so one that a service forgot to translate is a 500
that a test notices, not a plausible-looking 4xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.product import Product
from .records import OrderLine


class StorageFailure(Exception):
    """A write's condition did not hold."""


class AlreadyExists(StorageFailure):
    """The item (or the unique value it guards, such as an email) exists already."""


class Missing(StorageFailure):
    """The item to change does not exist."""


class StockOutOfBounds(StorageFailure):
    """A stock change would leave the range 0..MAX_STOCK; `stock` is the count found."""

    def __init__(self, stock: int):
        super().__init__(f"stock is {stock}")
        self.stock = stock


class StatusChanged(StorageFailure):
    """The order is no longer in the status (or at the version) it was read in; `status` is the
    one found, `found` the order as found when the failed write returned it (else None)."""

    def __init__(self, status: str, found: dict[str, Any] | None = None):
        super().__init__(f"status is {status}")
        self.status = status
        self.found = found


class VersionChanged(StorageFailure):
    """Someone changed the item since it was read (an optimistic-concurrency check failed)."""


class Full(StorageFailure):
    """A bounded collection on the item holds its limit already (a conditional add refused)."""


class KeyClaimed(StorageFailure):
    """The idempotency key is claimed already; `record` is the claim (None if it just expired)."""

    def __init__(self, record: dict[str, Any] | None):
        super().__init__("idempotency key claimed")
        self.record = record


@dataclass(frozen=True)
class Rejection:
    index: int  # the line's position in the order
    line: OrderLine
    product: Product | None  # as found: None when it no longer exists


class LinesRejected(StorageFailure):
    """Lines whose product is gone, repriced, or short of stock, with each product as found."""

    def __init__(self, rejections: list[Rejection]):
        super().__init__(f"{len(rejections)} line(s) rejected")
        self.rejections = rejections


class CartChanged(StorageFailure):
    """The cart is not the version that was read (edited, emptied or checked out since)."""


class EventSeen(StorageFailure):
    """A webhook event with this id was recorded already."""
