"""What the services need from storage, one protocol per aggregate.

The DynamoDB implementation (shop.storage.dynamo and the aggregate modules) and the tests'
in-memory fake (tests/fakes.py) both implement these; tests/integration/test_storage_contract.py
runs the same contract against both. Methods raise the neutral failures of
shop.storage.failures (and ServiceUnavailable when the table cannot answer), never an
HTTP-level error: what a failure means to a client is the services' decision.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # what the methods take and give, for the type checker only: a function imports
    # the records it uses (shop.storage.records, shop.domain) and never this module's protocols
    from ..domain.cart import Cart
    from ..domain.image import Image
    from ..domain.product import Product
    from ..domain.user import Credentials, User
    from ..domain.write import Write
    from .records import (
        Attempt,
        CartVersion,
        FailureCount,
        IdempotencyClaim,
        ImageSet,
        OrderLine,
        Page,
        WebhookEvent,
    )


class Users(Protocol):
    def create(self, credentials: Credentials) -> None:
        """Raises AlreadyExists when the email is registered."""

    def get(self, user_id: str) -> User | None: ...

    def find_by_email(self, email: str) -> User | None: ...

    def credentials(self, email: str) -> Credentials | None:
        """The user and their password hash (for signing in only), with the same reads whether
        or not the email is registered."""

    def credentials_of(self, user_id: str) -> Credentials | None:
        """The user and their password hash (for a password change only)."""

    def set_role(self, user_id: str, role: str) -> None:
        """Raises Missing when there is no such user."""

    def set_name(self, user_id: str, name: str, updated_at: str) -> User:
        """The user as changed. Raises Missing when there is no such user."""

    def set_password_hash(self, user_id: str, password_hash: str, updated_at: str) -> int:
        """Also moves the user's `sessionVersion` on by one, in the same write; returns it.
        Raises Missing when there is no such user."""


class Products(Protocol):
    def create(self, product: Product) -> None:
        """Raises AlreadyExists when the id is taken."""

    def get(self, product_id: str) -> Product | None: ...

    def get_many(self, product_ids: list[str]) -> dict[str, Product]:
        """The products that exist, by id (a consistent read)."""

    def update(self, product_id: str, changes: dict[str, Any], stock_delta: int = 0) -> Product:
        """SETs `changes` (stored attribute names, as validated by the schemas), ADDs
        `stock_delta`; returns the whole product. Raises Missing, or StockOutOfBounds when the
        delta would take the stock below 0 or above MAX_STOCK."""

    def delete(self, product_id: str) -> Product | None:
        """Returns the product as it was (with its `images`, for their files). Raises Missing."""

    def list_page(self, category: str | None, limit: int, cursor: str | None) -> Page[Product]: ...


class Images(Protocol):
    """The image records on a product item."""

    def read(self, product_id: str) -> ImageSet | None:
        """A consistent read; None when the product does not exist."""

    def add(self, product_id: str, image: Image, limit: int) -> None:
        """Adds one record with one conditional write, if fewer than `limit` records count (are
        not rejected). Raises Missing, Full, or VersionChanged when the item has no image map
        yet (`replace` writes the first)."""

    def replace(self, product_id: str, images: dict[str, Image], version: int) -> None:
        """Writes the whole set (and its count) if it is still at `version`. Raises Missing, or VersionChanged."""

    def settle(self, product_id: str, image: Image) -> None:
        """Replaces a `processing` record (ready or rejected). Raises Missing when the product or
        the record is gone, StatusChanged with the status found when it is not processing."""

    def remove(self, product_id: str, image_id: str) -> None:
        """Raises Missing when the product or the record is gone."""


class Orders(Protocol):
    def create(
        self,
        order: dict[str, Any],
        lines: list[OrderLine],
        claim: IdempotencyClaim | None,
        cart: CartVersion | None = None,
    ) -> None:
        """The order, every line's stock, the claim and (for a checkout) the deletion of the
        cart, all or nothing. Raises KeyClaimed, CartChanged when the cart is no longer the
        version read, or LinesRejected naming every line whose product is gone, repriced or short."""

    def get(self, order_id: str, consistent: bool = False) -> dict[str, Any] | None: ...

    def list_for_user(
        self, user_id: str, limit: int, cursor: str | None, status: str | None = None
    ) -> Page[dict[str, Any]]: ...

    def list_in_status(self, status: str, limit: int, cursor: str | None) -> Page[dict[str, Any]]: ...

    def save(self, write: Write) -> dict[str, Any]:
        """Stores an order aggregate's change: `write.changes` if the order is still at the
        version and status of `write.before`; with `write.restock`, every line's units go back to
        its product (if it still exists) in the same transaction, with `write.restock_lines`
        those units only (a received return). Returns the item as stored.
        Raises Missing, or StatusChanged with the status found (the same one when only the
        version moved: the caller decides again from a fresh read)."""

    def refunds_due(self, limit: int) -> Iterator[str]:
        """The ids of the orders holding a `pending` refund (kept in step by save), read `limit`
        at a time by Query (never a Scan)."""

    def created_since(self, status: str, created_since: str, limit: int) -> Iterator[dict[str, Any]]:
        """Every order now in `status` created at or after the ISO time `created_since`, oldest
        first, read `limit` at a time from the status index (never the whole table)."""

    def pending_before(self, created_before: str, limit: int) -> Iterator[dict[str, Any]]:
        """Every pending order created before the ISO time `created_before`, oldest first,
        read `limit` at a time from the status index (never the whole table)."""


class Carts(Protocol):
    def get(self, user_id: str) -> Cart | None:
        """The cart (a consistent read), or None."""

    def save(self, cart: Cart, expected_version: str | None, expires_at: int) -> None:
        """Writes the cart if the stored one is still `expected_version` (None: no cart yet).
        Raises CartChanged."""

    def clear(self, user_id: str) -> None: ...


class Payments(Protocol):
    def record_event(self, event: WebhookEvent, write: Write | None = None) -> None:
        """Records the event once and, with `write`, stores that order change as Orders.save
        does (on condition that the order is still at the version read), in one transaction.
        Raises EventSeen, or StatusChanged / Missing for the order (then nothing is recorded)."""

    def event_seen(self, event_id: str) -> bool: ...


class IdempotencyRecords(Protocol):
    def get(self, user_id: str, key: str) -> dict[str, Any] | None:
        """The unexpired record {requestHash, orderId, expiresAt}, or None."""


class Throttles(Protocol):
    def take(self, counter_id: str, limit: int, window_seconds: int, now: int) -> Attempt: ...

    def clear(self, counter_id: str) -> None: ...

    def read_failures(self, counter_ids: list[str]) -> dict[str, FailureCount]:
        """Every counter named, in one consistent read; an absent one is FailureCount()."""
        ...

    def count_failure(self, counter_id: str, limit: int, window_seconds: int, now: int) -> Attempt:
        """Count one failure in a fixed window that opens with the first; refused (not
        counted) once `limit` failures are in the window. Keeps `trusted_until`."""
        ...

    def record_success(self, counter_id: str, limit: int, trusted_until: int, now: int) -> Attempt:
        """Clear the failures and remember the success until `trusted_until`, unless `limit`
        failures are in the window by now: then refused, and nothing changes."""
        ...


class Notifications(Protocol):
    def claim(self, event_id: str, now: int, stale_before: int, expires_at: int, token: str = "") -> str:  # nosec B107  # a delivery claim's id, not a credential
        """One conditional write: "claimed" when this caller may send the event's email now
        (no record, a claim taken before `stale_before` by a sender that never finished, or
        this caller's own claim under `token`, its first write's answer lost); otherwise the
        record's state: "sent", or "sending" (another sender holds it)."""

    def mark_sent(self, event_id: str, now: int, message_id: str) -> None: ...

    def release(self, event_id: str, token: str = "") -> None:  # nosec B107  # a delivery claim's id, not a credential
        """Forget a claim whose email could not be sent (with `token`: only this caller's), so a
        retry may send it."""


class PasswordResets(Protocol):
    def create(self, token_hash: str, record: dict[str, Any], expires_at: int) -> None: ...

    def get(self, token_hash: str) -> dict[str, Any] | None:
        """The record (userId, sessionVersion, createdAt, expiresAt), consistent; None if absent."""

    def redeem(
        self, token_hash: str, user_id: str, session: int, password_hash: str, updated_at: str, now: int
    ) -> None:
        """Delete the record and set the user's hash (moving sessionVersion on) in one atomic
        step, on condition that the record is there, unexpired at `now`, for `user_id`, and the
        user's sessionVersion is still `session`. Raises Missing otherwise (nothing changes)."""


class Storage(Protocol):
    """Every aggregate's store (read-only: the DynamoDB one makes each on first use)."""

    @property
    def users(self) -> Users: ...

    @property
    def products(self) -> Products: ...

    @property
    def images(self) -> Images: ...

    @property
    def orders(self) -> Orders: ...

    @property
    def idempotency(self) -> IdempotencyRecords: ...

    @property
    def throttles(self) -> Throttles: ...

    @property
    def carts(self) -> Carts: ...

    @property
    def payments(self) -> Payments: ...

    @property
    def notifications(self) -> Notifications: ...

    @property
    def resets(self) -> PasswordResets: ...
    def ping(self) -> None:
        """Raises ServiceUnavailable when the table cannot be reached."""
