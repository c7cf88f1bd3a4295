"""An in-memory Repository for unit-testing services without DynamoDB."""

from __future__ import annotations

import copy
import time
from decimal import Decimal
from typing import Any

from shop.errors import EmailTaken, InvalidTransition, NotFound, OutOfStock, PriceChanged, ProductNotFound
from shop.repository import Attempt, IdempotencyClaim, IdempotencyConflict, OrderLine, Page


class FakeRepository:
    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.emails: dict[str, str] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[tuple[str, str], dict[str, Any]] = {}
        self.attempts: dict[str, tuple[int, int]] = {}

    def ping(self) -> None:
        return None

    def create_user(self, user: dict[str, Any]) -> None:
        if user["email"] in self.emails:
            raise EmailTaken()
        self.emails[user["email"]] = user["userId"]
        self.users[user["userId"]] = copy.deepcopy(user)

    def find_user_by_email(self, email: str) -> dict[str, Any] | None:
        user_id = self.emails.get(email)
        return copy.deepcopy(self.users[user_id]) if user_id else None

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.users.get(user_id))

    def set_user_role(self, user_id: str, role: str) -> None:
        self.users[user_id]["role"] = role

    def put_product(self, product: dict[str, Any]) -> None:
        self.products[product["id"]] = copy.deepcopy(product)

    def get_product(self, product_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.products.get(product_id))

    def get_products(self, product_ids: list[str]) -> dict[str, dict[str, Any]]:
        return {pid: copy.deepcopy(self.products[pid]) for pid in product_ids if pid in self.products}

    def update_product(self, product_id: str, changes: dict[str, Any], stock_delta: int = 0) -> dict[str, Any]:
        if product_id not in self.products:
            raise ProductNotFound()
        if self.products[product_id]["stock"] + stock_delta < 0:
            raise OutOfStock()
        self.products[product_id].update(changes)
        self.products[product_id]["stock"] += stock_delta
        return copy.deepcopy(self.products[product_id])

    def delete_product(self, product_id: str) -> None:
        if self.products.pop(product_id, None) is None:
            raise ProductNotFound()

    def _page(self, records: list[dict[str, Any]], limit: int, cursor: str | None) -> Page:
        ordered = sorted(records, key=lambda r: (r["createdAt"], r["id"]), reverse=True)
        start = int(cursor) if cursor else 0
        chunk = ordered[start : start + limit]
        return Page(copy.deepcopy(chunk), str(start + limit) if start + limit < len(ordered) else None)

    def list_products(self, category: str | None, limit: int, cursor: str | None) -> Page:
        records = [
            p for p in self.products.values() if category is None or p["category"].casefold() == category.casefold()
        ]
        return self._page(records, limit, cursor)

    def place_order(self, order: dict[str, Any], lines: list[OrderLine], claim: IdempotencyClaim | None) -> None:
        if claim is not None and (claim.user_id, claim.key) in self.idempotency:
            raise IdempotencyConflict(self.idempotency[(claim.user_id, claim.key)])
        for line in lines:
            product = self.products.get(line.product_id)
            if product is None:
                raise ProductNotFound()
            if Decimal(product["price"]) != line.price:
                raise PriceChanged()
            if product["stock"] < line.quantity:
                raise OutOfStock()
        for line in lines:
            self.products[line.product_id]["stock"] -= line.quantity
        self.orders[order["id"]] = copy.deepcopy(order)
        if claim is not None:
            self.idempotency[(claim.user_id, claim.key)] = {
                "requestHash": claim.request_hash,
                "orderId": order["id"],
                "expiresAt": claim.expires_at,
            }

    def get_order(self, order_id: str, consistent: bool = False) -> dict[str, Any] | None:
        return copy.deepcopy(self.orders.get(order_id))

    def list_orders_for_user(self, user_id: str, limit: int, cursor: str | None, status: str | None = None) -> Page:
        mine = [o for o in self.orders.values() if o["userId"] == user_id and status in (None, o["status"])]
        return self._page(mine, limit, cursor)

    def list_orders_by_status(self, status: str, limit: int, cursor: str | None) -> Page:
        return self._page([o for o in self.orders.values() if o["status"] == status], limit, cursor)

    def change_order_status(
        self, order: dict[str, Any], changes: dict[str, Any], restock: bool = False
    ) -> dict[str, Any]:
        stored = self.orders.get(order["id"])
        if stored is None:
            raise NotFound("Order not found")
        if stored["status"] != order["status"]:
            raise InvalidTransition()
        stored.update(copy.deepcopy(changes))
        if restock:
            for line in stored["items"]:
                if line["productId"] in self.products:
                    self.products[line["productId"]]["stock"] += line["quantity"]
        return copy.deepcopy(stored)

    def get_idempotency(self, user_id: str, key: str) -> dict[str, Any] | None:
        record = self.idempotency.get((user_id, key))
        if record is None or record["expiresAt"] < time.time():
            return None
        return dict(record)

    def take_attempt(self, counter_id: str, limit: int, window_seconds: int, now: int) -> Attempt:
        count, ends = self.attempts.get(counter_id, (0, 0))
        if ends <= now:
            count, ends = 0, now + window_seconds
        if count >= limit:
            return Attempt(False, count, ends)
        self.attempts[counter_id] = (count + 1, ends)
        return Attempt(True, count + 1, ends)

    def clear_attempts(self, counter_id: str) -> None:
        self.attempts.pop(counter_id, None)
