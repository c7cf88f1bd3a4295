"""The plain records storage and the services pass each other (pages, order lines, counters,
claims): standard library only, so a function that needs one does not import every
aggregate's domain module with the protocols (shop.storage.protocol re-exports them).

Typed named tuples, not frozen dataclasses: as immutable and as typed, and every function
imports this module at its cold start, where a frozen dataclass costs about 0.5 ms to make
(six generated methods, each exec'd) and a named tuple 0.1 ms."""

# Annotations evaluated as written (no __future__ import): a named tuple compiles each string
# annotation it is given, which doubled the cost of making it at every cold start.

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

if TYPE_CHECKING:
    from ..domain.image import Image

T = TypeVar("T")


class Page(NamedTuple, Generic[T]):
    """One page of a list, and the cursor of the next (None: the last page)."""

    items: list[T]
    next_cursor: str | None


class OrderLine(NamedTuple):
    """One line's claim on stock: taken only if the product still has this price and enough units."""

    product_id: str
    quantity: int
    price: Decimal


@dataclass(frozen=True)  # not a named tuple: its `count` would hide tuple.count
class Attempt:
    """One attempt counted against a fixed window (login lockout, per-address limits)."""

    allowed: bool
    count: int
    window_ends: int  # epoch seconds; also the item's TTL


class FailureCount(NamedTuple):
    """Failed logins counted in a fixed window, and until when a successful login from
    the same place is remembered (0: never, or no such counter)."""

    failures: int = 0
    window_ends: int = 0
    trusted_until: int = 0


class IdempotencyClaim(NamedTuple):
    user_id: str
    key: str
    request_hash: str
    expires_at: int


class CartVersion(NamedTuple):
    """The cart a checkout read: emptied in the order's transaction only if still this version."""

    user_id: str
    version: str


class WebhookEvent(NamedTuple):
    """A provider's event, recorded once per id (the record expires with the table's TTL)."""

    event_id: str
    event_type: str
    order_id: str | None
    outcome: str
    expires_at: int


class ImageSet(NamedTuple):
    """A product's image records (imageId -> record), the version they were read at, and the ids
    the item counts against the limit (its records not rejected; empty on an item written before
    the count existed, which the service then rewrites with `replace`)."""

    images: "dict[str, Image]"  # a string: the image record is imported only for the type checker
    version: int
    counting: frozenset[str] = frozenset()
