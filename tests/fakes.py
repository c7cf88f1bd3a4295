"""An in-memory Storage for unit-testing services without DynamoDB.

Thin on purpose: dicts, plus exactly the conditions the storage protocol promises
(shop/storage/protocol.py). tests/integration/test_storage_contract.py runs the same
contract against this fake and the DynamoDB storage, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from typing import Any

from shop import cursors
from shop.domain.cart import Cart
from shop.domain.image import Image
from shop.domain.product import Product
from shop.domain.user import Credentials, User
from shop.domain.write import Write
from shop.limits import MAX_STOCK
from shop.storage.failures import (
    AlreadyExists,
    CartChanged,
    EventSeen,
    Full,
    KeyClaimed,
    LinesRejected,
    Missing,
    Rejection,
    StatusChanged,
    StockOutOfBounds,
    VersionChanged,
)
from shop.storage.records import (
    Attempt,
    CartVersion,
    FailureCount,
    IdempotencyClaim,
    ImageSet,
    OrderLine,
    Page,
    WebhookEvent,
)

PAGE_KEY = ("createdAt", "id")


def _page(records: list[dict[str, Any]], scope: str, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
    """Newest first, `limit` at a time, with cursors signed and scoped like the real ones."""
    ordered = sorted(records, key=lambda r: (r["createdAt"], r["id"]), reverse=True)
    start = cursors.decode(cursor, scope, PAGE_KEY)
    if start is not None:
        ordered = [r for r in ordered if (r["createdAt"], r["id"]) < (start["createdAt"], start["id"])]
    chunk = ordered[:limit]
    more = len(ordered) > limit
    next_cursor = cursors.encode({f: chunk[-1][f] for f in PAGE_KEY}, scope) if more and chunk else None
    return Page(copy.deepcopy(chunk), next_cursor)


class FakeUsers:
    """Keeps the stored items (with their hash, as the table does); hands out User records, and
    Credentials only where the protocol does."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.emails: dict[str, str] = {}

    def create(self, credentials: Credentials) -> None:
        user = credentials.user
        if user.email in self.emails or user.id in self.records:
            raise AlreadyExists()
        self.emails[user.email] = user.id
        self.records[user.id] = credentials.to_item()

    def get(self, user_id: str) -> User | None:
        found = self.records.get(user_id)
        return User.from_item(copy.deepcopy(found)) if found is not None else None

    def find_by_email(self, email: str) -> User | None:
        user_id = self.emails.get(email)
        return self.get(user_id) if user_id else None

    def credentials(self, email: str) -> Credentials | None:
        user_id = self.emails.get(email)
        return self.credentials_of(user_id) if user_id else None

    def credentials_of(self, user_id: str) -> Credentials | None:
        found = self.records.get(user_id)
        return Credentials.from_item(copy.deepcopy(found)) if found is not None else None

    def set_role(self, user_id: str, role: str) -> None:
        if user_id not in self.records:
            raise Missing()
        self.records[user_id]["role"] = role

    def set_name(self, user_id: str, name: str, updated_at: str) -> User:
        if user_id not in self.records:
            raise Missing()
        self.records[user_id] |= {"name": name, "updatedAt": updated_at}
        return User.from_item(copy.deepcopy(self.records[user_id]))

    def set_password_hash(self, user_id: str, password_hash: str, updated_at: str) -> int:
        if user_id not in self.records:
            raise Missing()
        session = self.records[user_id].get("sessionVersion", 0) + 1
        self.records[user_id] |= {"passwordHash": password_hash, "updatedAt": updated_at, "sessionVersion": session}
        return session


class FakeProducts:
    """Keeps the stored shape (dicts, as a test may seed them); hands out Product records."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def create(self, product: Product) -> None:
        if product.id in self.records:
            raise AlreadyExists()
        self.records[product.id] = product.to_item()

    def get(self, product_id: str) -> Product | None:
        found = self.records.get(product_id)
        return Product.from_item(copy.deepcopy(found)) if found is not None else None

    def get_many(self, product_ids: list[str]) -> dict[str, Product]:
        return {pid: Product.from_item(copy.deepcopy(self.records[pid])) for pid in product_ids if pid in self.records}

    def update(self, product_id: str, changes: dict[str, Any], stock_delta: int = 0) -> Product:
        product = self.records.get(product_id)
        if product is None:
            raise Missing()
        if stock_delta and not 0 <= product["stock"] + stock_delta <= MAX_STOCK:
            raise StockOutOfBounds(product["stock"])
        product.update(copy.deepcopy(changes))
        product["stock"] += stock_delta
        return Product.from_item(copy.deepcopy(product))

    def delete(self, product_id: str) -> Product | None:
        old = self.records.pop(product_id, None)
        if old is None:
            raise Missing()
        return Product.from_item(old)

    def list_page(self, category: str | None, limit: int, cursor: str | None) -> Page[Product]:
        scope = "products" if category is None else "category#" + category.casefold()
        found = [
            p for p in self.records.values() if category is None or p["category"].casefold() == category.casefold()
        ]
        page = _page(found, scope, limit, cursor)
        return Page([Product.from_item(item) for item in page.items], page.next_cursor)


class FakeImages:
    """Image records on the fake's product records, as the DynamoDB side keeps them."""

    def __init__(self, products: FakeProducts) -> None:
        self.products = products

    def read(self, product_id: str) -> ImageSet | None:
        product = self.products.records.get(product_id)
        if product is None:
            return None
        images = {i: Image.from_item(i, r) for i, r in (product.get("images") or {}).items()}
        return ImageSet(images, product.get("imagesVersion", 0), frozenset(product.get("countingImages") or ()))

    def add(self, product_id: str, image: Image, limit: int) -> None:
        image_id, record = image.id, image.to_item()
        product = self.products.records.get(product_id)
        if product is None:
            raise Missing()
        if "images" not in product or "imagesVersion" not in product or image_id in product["images"]:
            raise VersionChanged()
        if len(product.get("countingImages") or ()) >= limit:
            raise Full()
        product["images"][image_id] = copy.deepcopy(record)
        product["imagesVersion"] += 1
        product["countingImages"] = {*product.get("countingImages", ()), image_id}

    def replace(self, product_id: str, images: dict[str, Image], version: int) -> None:
        product = self.products.records.get(product_id)
        if product is None:
            raise Missing()
        if product.get("imagesVersion", 0) != version:
            raise VersionChanged()
        product["images"], product["imagesVersion"] = {i: r.to_item() for i, r in images.items()}, version + 1
        counting = {i for i, r in images.items() if r.status != "rejected"}
        product["countingImages"] = counting
        if not counting:
            del product["countingImages"]

    def settle(self, product_id: str, image: Image) -> None:
        image_id, record = image.id, image.to_item()
        found = (self.products.records.get(product_id) or {}).get("images", {}).get(image_id)
        if found is None:
            raise Missing()
        if found["status"] != "processing":
            raise StatusChanged(found["status"])
        product = self.products.records[product_id]
        product["images"][image_id] = copy.deepcopy(record)
        product["imagesVersion"] += 1
        if record.get("status") == "rejected":
            self._uncount(product, image_id)

    @staticmethod
    def _uncount(product: dict[str, Any], image_id: str) -> None:
        counting = set(product.get("countingImages") or ()) - {image_id}
        product["countingImages"] = counting
        if not counting:
            del product["countingImages"]

    def remove(self, product_id: str, image_id: str) -> None:
        product = self.products.records.get(product_id)
        if product is None or image_id not in product.get("images", {}):
            raise Missing()
        del product["images"][image_id]
        product["imagesVersion"] += 1
        self._uncount(product, image_id)


class FakeIdempotency:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, user_id: str, key: str) -> dict[str, Any] | None:
        record = self.records.get((user_id, key))
        if record is None or record["expiresAt"] < time.time():
            return None
        return dict(record)

    def claimed(self, claim: IdempotencyClaim) -> dict[str, Any] | None:
        """The live claim on the key, read as the write's condition reads it (not through get)."""
        return FakeIdempotency.get(self, claim.user_id, claim.key)

    def claim(self, claim: IdempotencyClaim, order_id: str) -> None:
        self.records[(claim.user_id, claim.key)] = {
            "requestHash": claim.request_hash,
            "orderId": order_id,
            "expiresAt": claim.expires_at,
        }


class FakeCarts:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.expiry: dict[str, int] = {}

    def get(self, user_id: str) -> Cart | None:
        found = self.records.get(user_id)
        return Cart.from_item(copy.deepcopy(found)) if found is not None else None

    def save(self, cart: Cart, expected_version: str | None, expires_at: int) -> None:
        stored = self.records.get(cart.user_id)
        if (stored["version"] if stored else None) != expected_version:
            raise CartChanged()
        self.records[cart.user_id] = cart.to_item()
        self.expiry[cart.user_id] = expires_at

    def clear(self, user_id: str) -> None:
        self.records.pop(user_id, None)


class FakeOrders:
    def __init__(self, products: FakeProducts, idempotency: FakeIdempotency, carts: FakeCarts) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.products = products
        self.idempotency = idempotency
        self.carts = carts
        self.reads: list[tuple[str, bool]] = []  # (order id, consistent): what each get asked for

    def create(
        self,
        order: dict[str, Any],
        lines: list[OrderLine],
        claim: IdempotencyClaim | None,
        cart: CartVersion | None = None,
    ) -> None:
        if claim is not None and self.idempotency.claimed(claim) is not None:
            raise KeyClaimed(self.idempotency.claimed(claim))
        if cart is not None and (self.carts.records.get(cart.user_id) or {}).get("version") != cart.version:
            raise CartChanged()
        rejections = []
        for index, line in enumerate(lines):
            product = self.products.get(line.product_id)
            if product is None or product.price != line.price or product.stock < line.quantity:
                rejections.append(Rejection(index, line, product))
        if rejections:
            raise LinesRejected(rejections)
        for line in lines:
            self.products.records[line.product_id]["stock"] -= line.quantity
        self.records[order["id"]] = copy.deepcopy(order)
        if claim is not None:
            self.idempotency.claim(claim, order["id"])
        if cart is not None:
            self.carts.records.pop(cart.user_id)

    def get(self, order_id: str, consistent: bool = False) -> dict[str, Any] | None:
        self.reads.append((order_id, consistent))
        return copy.deepcopy(self.records.get(order_id))

    def list_for_user(
        self, user_id: str, limit: int, cursor: str | None, status: str | None = None
    ) -> Page[dict[str, Any]]:
        mine = [o for o in self.records.values() if o["userId"] == user_id and status in (None, o["status"])]
        return _page(mine, f"user#{user_id}#{status}", limit, cursor)

    def list_in_status(self, status: str, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        return _page([o for o in self.records.values() if o["status"] == status], f"status#{status}", limit, cursor)

    def pending_before(self, created_before: str, limit: int) -> Iterator[dict[str, Any]]:
        found = sorted(
            (o for o in self.records.values() if o["status"] == "pending" and o["createdAt"] < created_before),
            key=lambda o: (o["createdAt"], o["id"]),
        )
        yield from copy.deepcopy(found)

    def created_since(self, status: str, created_since: str, limit: int) -> Iterator[dict[str, Any]]:
        found = sorted(
            (o for o in self.records.values() if o["status"] == status and o["createdAt"] >= created_since),
            key=lambda o: (o["createdAt"], o["id"]),
        )
        yield from copy.deepcopy(found)

    def refunds_due(self, limit: int) -> Iterator[str]:
        due = [o for o in self.records.values() if any(r.get("status") == "pending" for r in o.get("refunds") or [])]
        yield from [o["id"] for o in due]

    def save(self, write: Write) -> dict[str, Any]:
        return self.update_status(write.before, write.changes, write.restock, write.restock_lines)

    def update_status(
        self,
        order: dict[str, Any],
        changes: dict[str, Any],
        restock: bool = False,
        lines: tuple[dict[str, Any], ...] = (),
    ) -> dict[str, Any]:
        stored = self.records.get(order["id"])
        if stored is None:
            raise Missing()
        if stored["status"] != order["status"] or stored.get("version") != order.get("version"):
            raise StatusChanged(stored["status"], copy.deepcopy(stored))
        stored.update(copy.deepcopy(changes))
        if restock or lines:
            for line in lines or stored["items"]:
                if line["productId"] in self.products.records:
                    product = self.products.records[line["productId"]]
                    product["stock"] = min(MAX_STOCK, product["stock"] + line["quantity"])
        return copy.deepcopy(stored)


class FakePayments:
    def __init__(self, orders: FakeOrders) -> None:
        self.orders = orders
        self.events: dict[str, WebhookEvent] = {}

    def record_event(self, event: WebhookEvent, write: Write | None = None) -> None:
        if event.event_id in self.events:
            raise EventSeen()
        if write is not None:
            self.orders.save(write)
        self.events[event.event_id] = event

    def event_seen(self, event_id: str) -> bool:
        return event_id in self.events


class FakeThrottles:
    def __init__(self) -> None:
        self.counters: dict[str, tuple[int, int]] = {}
        self.failures: dict[str, FailureCount] = {}

    def take(self, counter_id: str, limit: int, window_seconds: int, now: int) -> Attempt:
        count, ends = self.counters.get(counter_id, (0, 0))
        if ends <= now:
            count, ends = 0, now + window_seconds
        if count >= limit:
            return Attempt(False, count, ends)
        self.counters[counter_id] = (count + 1, ends)
        return Attempt(True, count + 1, ends)

    def clear(self, counter_id: str) -> None:
        self.counters.pop(counter_id, None)

    def read_failures(self, counter_ids: list[str]) -> dict[str, FailureCount]:
        return {c: self.failures.get(c, FailureCount()) for c in counter_ids}

    def count_failure(self, counter_id: str, limit: int, window_seconds: int, now: int) -> Attempt:
        found = self.failures.get(counter_id, FailureCount())
        if found.window_ends <= now:  # no window yet, or it is over: a new one opens
            found = FailureCount(0, now + window_seconds, found.trusted_until)
        if found.failures >= limit:
            return Attempt(False, found.failures, found.window_ends)
        self.failures[counter_id] = FailureCount(found.failures + 1, found.window_ends, found.trusted_until)
        return Attempt(True, found.failures + 1, found.window_ends)

    def record_success(self, counter_id: str, limit: int, trusted_until: int, now: int) -> Attempt:
        found = self.failures.get(counter_id, FailureCount())
        if found.failures >= limit and found.window_ends > now:
            return Attempt(False, found.failures, found.window_ends)
        self.failures[counter_id] = FailureCount(0, 0, trusted_until)
        return Attempt(True, 0, trusted_until)


class FakeNotifications:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def claim(self, event_id: str, now: int, stale_before: int, expires_at: int, token: str = "") -> str:
        record = self.records.get(event_id)
        if record is not None and token and record.get("claimToken") == token and record["state"] == "sending":
            return "claimed"
        if record is not None and not (record["state"] == "sending" and record["claimedAt"] < stale_before):
            return record["state"]
        self.records[event_id] = {"state": "sending", "claimedAt": now, "expiresAt": expires_at, "claimToken": token}
        return "claimed"

    def mark_sent(self, event_id: str, now: int, message_id: str) -> None:
        self.records.setdefault(event_id, {}).update(state="sent", sentAt=now, messageId=message_id)

    def release(self, event_id: str, token: str = "") -> None:
        record = self.records.get(event_id, {})
        if record.get("state") == "sending" and (not token or record.get("claimToken") == token):
            del self.records[event_id]


class FakeResets:
    def __init__(self, users: FakeUsers) -> None:
        self.users = users
        self.records: dict[str, dict[str, Any]] = {}

    def create(self, token_hash: str, record: dict[str, Any], expires_at: int) -> None:
        if token_hash in self.records:
            raise AlreadyExists()
        self.records[token_hash] = {"id": "reset#" + token_hash, **copy.deepcopy(record), "expiresAt": expires_at}
        self.records[token_hash] = {k: v for k, v in self.records[token_hash].items() if v is not None}

    def get(self, token_hash: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.records.get(token_hash))

    def redeem(
        self, token_hash: str, user_id: str, session: int, password_hash: str, updated_at: str, now: int
    ) -> None:
        record = self.records.get(token_hash)
        user = self.users.records.get(user_id)
        if record is None or record["expiresAt"] <= now or record.get("userId") != user_id:
            raise Missing()
        if user is None or user.get("sessionVersion", 0) != session:
            raise Missing()
        del self.records[token_hash]
        user |= {"passwordHash": password_hash, "updatedAt": updated_at, "sessionVersion": session + 1}


class FakeStorage:
    def __init__(self) -> None:
        self.users = FakeUsers()
        self.products = FakeProducts()
        self.images = FakeImages(self.products)
        self.idempotency = FakeIdempotency()
        self.carts = FakeCarts()
        self.orders = FakeOrders(self.products, self.idempotency, self.carts)
        self.payments = FakePayments(self.orders)
        self.throttles = FakeThrottles()
        self.notifications = FakeNotifications()
        self.resets = FakeResets(self.users)

    def ping(self) -> None:
        return None
