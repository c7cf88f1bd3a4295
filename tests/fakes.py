"""An in-memory Storage for unit-testing services without DynamoDB.

Thin on purpose: dicts, plus exactly the conditions the storage protocol promises
(shop/storage/protocol.py). tests/integration/test_storage_contract.py runs the same
contract against this fake and the DynamoDB storage, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from shop import cursors
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
from shop.storage.protocol import (
    Attempt,
    CartVersion,
    FailureCount,
    IdempotencyClaim,
    ImageSet,
    OrderLine,
    Page,
    WebhookEvent,
    Write,
)

PAGE_KEY = ("createdAt", "id")


def _page(records: list[dict[str, Any]], scope: str, limit: int, cursor: str | None) -> Page:
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
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.emails: dict[str, str] = {}

    def create(self, user: dict[str, Any]) -> None:
        if user["email"] in self.emails or user["userId"] in self.records:
            raise AlreadyExists()
        self.emails[user["email"]] = user["userId"]
        self.records[user["userId"]] = copy.deepcopy(user)

    def get(self, user_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.records.get(user_id))

    def find_by_email(self, email: str) -> dict[str, Any] | None:
        user_id = self.emails.get(email)
        return self.get(user_id) if user_id else None

    def set_role(self, user_id: str, role: str) -> None:
        if user_id not in self.records:
            raise Missing()
        self.records[user_id]["role"] = role

    def set_name(self, user_id: str, name: str, updated_at: str) -> dict[str, Any]:
        if user_id not in self.records:
            raise Missing()
        self.records[user_id] |= {"name": name, "updatedAt": updated_at}
        return self.get(user_id)

    def set_password_hash(self, user_id: str, password_hash: str, updated_at: str) -> int:
        if user_id not in self.records:
            raise Missing()
        session = self.records[user_id].get("sessionVersion", 0) + 1
        self.records[user_id] |= {"passwordHash": password_hash, "updatedAt": updated_at, "sessionVersion": session}
        return session


class FakeProducts:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def create(self, product: dict[str, Any]) -> None:
        if product["id"] in self.records:
            raise AlreadyExists()
        self.records[product["id"]] = copy.deepcopy(product)

    def get(self, product_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.records.get(product_id))

    def get_many(self, product_ids: list[str]) -> dict[str, dict[str, Any]]:
        return {pid: copy.deepcopy(self.records[pid]) for pid in product_ids if pid in self.records}

    def update(self, product_id: str, changes: dict[str, Any], stock_delta: int = 0) -> dict[str, Any]:
        product = self.records.get(product_id)
        if product is None:
            raise Missing()
        if stock_delta and not 0 <= product["stock"] + stock_delta <= MAX_STOCK:
            raise StockOutOfBounds(product["stock"])
        product.update(copy.deepcopy(changes))
        product["stock"] += stock_delta
        return copy.deepcopy(product)

    def delete(self, product_id: str) -> dict[str, Any]:
        old = self.records.pop(product_id, None)
        if old is None:
            raise Missing()
        return old

    def list_page(self, category: str | None, limit: int, cursor: str | None) -> Page:
        scope = "products" if category is None else "category#" + category.casefold()
        found = [
            p for p in self.records.values() if category is None or p["category"].casefold() == category.casefold()
        ]
        return _page(found, scope, limit, cursor)


class FakeImages:
    """Image records on the fake's product records, as the DynamoDB side keeps them."""

    def __init__(self, products: FakeProducts) -> None:
        self.products = products

    def read(self, product_id: str) -> ImageSet | None:
        product = self.products.records.get(product_id)
        if product is None:
            return None
        images = copy.deepcopy(product.get("images") or {})
        return ImageSet(images, product.get("imagesVersion", 0), frozenset(product.get("countingImages") or ()))

    def add(self, product_id: str, image_id: str, record: dict[str, Any], limit: int) -> None:
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

    def replace(self, product_id: str, images: dict[str, dict[str, Any]], version: int) -> None:
        product = self.products.records.get(product_id)
        if product is None:
            raise Missing()
        if product.get("imagesVersion", 0) != version:
            raise VersionChanged()
        product["images"], product["imagesVersion"] = copy.deepcopy(images), version + 1
        counting = {i for i, r in images.items() if r.get("status") != "rejected"}
        product["countingImages"] = counting
        if not counting:
            del product["countingImages"]

    def settle(self, product_id: str, image_id: str, record: dict[str, Any]) -> None:
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

    def get(self, user_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.records.get(user_id))

    def save(self, cart: dict[str, Any], expected_version: str | None, expires_at: int) -> None:
        stored = self.records.get(cart["userId"])
        if (stored["version"] if stored else None) != expected_version:
            raise CartChanged()
        self.records[cart["userId"]] = copy.deepcopy(cart)
        self.expiry[cart["userId"]] = expires_at

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
            if product is None or Decimal(product["price"]) != line.price or product["stock"] < line.quantity:
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

    def list_for_user(self, user_id: str, limit: int, cursor: str | None, status: str | None = None) -> Page:
        mine = [o for o in self.records.values() if o["userId"] == user_id and status in (None, o["status"])]
        return _page(mine, f"user#{user_id}#{status}", limit, cursor)

    def list_in_status(self, status: str, limit: int, cursor: str | None) -> Page:
        return _page([o for o in self.records.values() if o["status"] == status], f"status#{status}", limit, cursor)

    def pending_before(self, created_before: str, limit: int) -> Iterator[dict[str, Any]]:
        found = sorted(
            (o for o in self.records.values() if o["status"] == "pending" and o["createdAt"] < created_before),
            key=lambda o: (o["createdAt"], o["id"]),
        )
        yield from copy.deepcopy(found)

    def refunds_due(self, limit: int) -> Iterator[str]:
        due = [o for o in self.records.values() if any(r.get("status") == "pending" for r in o.get("refunds") or [])]
        yield from [o["id"] for o in due]

    def save(self, write: Write) -> dict[str, Any]:
        return self.update_status(write.before, write.changes, restock=write.restock)

    def update_status(self, order: dict[str, Any], changes: dict[str, Any], restock: bool = False) -> dict[str, Any]:
        stored = self.records.get(order["id"])
        if stored is None:
            raise Missing()
        if stored["status"] != order["status"] or stored.get("version") != order.get("version"):
            raise StatusChanged(stored["status"], copy.deepcopy(stored))
        stored.update(copy.deepcopy(changes))
        if restock:
            for line in stored["items"]:
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
