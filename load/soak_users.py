"""The soak's users (`make soak`): browsers, buyers and admins whose every outcome that matters to
the audit is written down as it happens (load/audit.py reads it).

They behave as careful clients do under faults: a checkout whose answer was a 503, a connection
cut or a 5xx is sent again with the same Idempotency-Key until the answer is definite, so every
order a client believes it placed is on record; a restock (a relative `stockDelta`) is sent once,
and one whose answer never came is written down as *ambiguous*: the audit then accepts the stock
with or without it, and nothing else.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from typing import Any

import gevent
from locust import HttpUser, between, events, task
from users import ADDRESS, CART_CONFLICTS, CHECKOUT_CONFLICTS, PASSWORD, Browser, _envelope, shared

__all__ = ["Browser", "SoakAdmin", "SoakBuyer"]

HISTORY = os.environ.get("SOAK_HISTORY", "reports/soak-history.jsonl")
REQUESTS = os.environ.get("SOAK_REQUESTS", "reports/soak-requests.jsonl")
DEFINITE_TRIES = 8
_lock = threading.Lock()


def record(kind: str, **fields: Any) -> None:
    with _lock, open(HISTORY, "a") as history:
        history.write(json.dumps({"kind": kind, "at": time.time(), **fields}, default=str) + "\n")


@events.request.add_listener
def _answers(request_type, name, response_time, response=None, exception=None, **_):
    """Every answer that was not an answer the shop chose to give: 5xx and cut connections."""
    status = getattr(response, "status_code", 0) or 0
    with _lock, open(REQUESTS, "a") as requests_file:
        requests_file.write(
            json.dumps({"at": time.time(), "route": name, "ms": response_time, "status": status}) + "\n"
        )
    if status >= 500 or (exception is not None and status == 0):
        headers = getattr(response, "headers", None) or {}
        record(
            "answer",
            route=name,
            status=status,
            retryAfter=headers.get("Retry-After"),
            ms=response_time,
            error=type(exception).__name__ if exception else None,
        )


def _uncertain(response) -> bool:
    """No definite answer: the request may or may not have been applied."""
    return response.status_code == 0 or response.status_code >= 500


class SoakBuyer(HttpUser):
    weight = 4
    wait_time = between(0.5, 2)

    def on_start(self):
        self.email = f"soak-{uuid.uuid4().hex[:12]}@soak.example"
        self.headers: dict[str, str] = {}
        self.orders: list[str] = []

    def _signed_in(self) -> bool:
        if not self.headers:
            body = {"email": self.email, "password": PASSWORD, "name": "Soak Buyer"}
            answer = self.client.post("/auth/register", json=body, name="POST /auth/register")
            if answer.status_code in (409, 0) or answer.status_code >= 500:
                credentials = {"email": self.email, "password": PASSWORD}
                answer = self.client.post("/auth/login", json=credentials, name="POST /auth/login")
            token = (_envelope(answer).get("data") or {}).get("token")
            if token:
                self.headers = {"Authorization": f"Bearer {token}"}
        return bool(self.headers)

    def _definite(self, send, expected: tuple[int, ...]) -> Any:
        """Send until the answer is definite (each try with the same idempotency key). Answers the
        faults explain are judged by the audit against the fault log, not by Locust; a definite
        answer outside `expected` is a Locust failure."""
        for attempt in range(DEFINITE_TRIES):
            with send() as answer:
                if _uncertain(answer):
                    answer.success()
                    time.sleep(min(0.2 * 2**attempt, 3))
                    continue
                if answer.status_code in expected:
                    answer.success()
                else:
                    answer.failure(f"{answer.status_code} {_envelope(answer).get('code')}")
                return answer
        return None

    @task(4)
    def buy(self):
        if not self._signed_in():
            return
        for product in shared.some_products(random.randint(1, 2)):
            body = {"quantity": random.randint(1, 2)}
            name = "PUT /cart/items/{productId}"
            with self.client.put(
                f"/cart/items/{product['id']}", json=body, headers=self.headers, name=name, catch_response=True
            ) as answer:
                if answer.status_code == 409 and _envelope(answer).get("code") in CART_CONFLICTS:
                    answer.success()
        key = uuid.uuid4().hex
        headers = {**self.headers, "Idempotency-Key": key}

        def checkout():
            body = {"shippingAddress": ADDRESS}
            return self.client.post("/checkout", json=body, headers=headers, name="POST /checkout", catch_response=True)

        answer = self._definite(checkout, (201, 404, 409))
        if answer is None:
            record("checkout_undecided", key=key, user=self.email)
            return
        envelope = _envelope(answer)
        if answer.status_code != 201:
            if envelope.get("code") not in CHECKOUT_CONFLICTS:
                record("checkout_refused", key=key, status=answer.status_code, code=envelope.get("code"))
            return
        order = envelope["data"]
        self.orders.append(order["id"])
        record("order", id=order["id"], key=key, items=order["items"], total=order["totalAmount"], user=self.email)
        if random.random() < 0.2:  # a replay: the same key must give the same order
            replay = self._definite(checkout, (201,))
            if replay is not None and replay.status_code == 201:
                record("replay", key=key, first=order["id"], again=_envelope(replay)["data"]["id"])
        self._pay(order["id"])

    def _pay(self, order_id: str) -> None:
        methods = ["pm_card_visa"] if random.random() < 0.8 else ["pm_card_chargeDeclined", "pm_card_mastercard"]
        for method in methods:
            headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}

            def pay(method=method, headers=headers):
                path = f"/orders/{order_id}/payment"
                body = {"paymentMethod": method}
                return self.client.post(
                    path, json=body, headers=headers, name="POST /orders/{id}/payment", catch_response=True
                )

            answer = self._definite(pay, (200, 202, 402, 409))
            if answer is None:
                return
            if answer.status_code in (402, 409):  # a declined card, or an order that moved meanwhile
                record("decline" if answer.status_code == 402 else "pay_refused", id=order_id, method=method)
                continue
            return

    @task(1)
    def cancel_one(self):
        """Cancel one of its orders; now and then with a double click (two at once): the stock must
        come back once."""
        if not self.orders or not self._signed_in():
            return
        order_id = self.orders.pop(random.randrange(len(self.orders)))
        clicks = 2 if random.random() < 0.3 else 1
        greenlets = [gevent.spawn(self._cancel, order_id) for _ in range(clicks)]
        gevent.joinall(greenlets, timeout=60)

    def _cancel(self, order_id: str) -> None:
        path, name = f"/orders/{order_id}/cancel", "POST /orders/{id}/cancel"
        with self.client.post(path, headers=self.headers, name=name, catch_response=True) as answer:
            if answer.status_code == 409:
                answer.success()  # paid and not cancellable by its owner, or the other click won


class SoakAdmin(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {shared.admin_token}"}

    @task(3)
    def restock(self):
        for product in shared.some_products(1):
            delta = random.randint(1, 20)
            path = f"/products/{product['id']}"
            with self.client.put(
                path,
                json={"stockDelta": delta},
                headers=self.headers,
                name="PUT /products/{id} (restock)",
                catch_response=True,
            ) as answer:
                if _uncertain(answer):
                    answer.success()
                    record("restock_ambiguous", product=product["id"], delta=delta)
                elif answer.status_code == 200:
                    record("restock", product=product["id"], delta=delta)

    @task(1)
    def reprice(self):
        for product in shared.some_products(1):
            price = float(round(random.uniform(5, 80), 2))
            self.client.put(
                f"/products/{product['id']}", json={"price": price}, headers=self.headers, name="PUT /products/{id}"
            )

    @task(2)
    def ship_and_deliver(self):
        for status, target in (("paid", "shipped"), ("shipped", "delivered")):
            listing = self.client.get(
                "/orders", params={"status": status, "limit": "5"}, headers=self.headers, name="GET /orders?status"
            )
            for order in (_envelope(listing).get("data") or [])[:2]:
                with self.client.put(
                    f"/orders/{order['id']}/status",
                    json={"status": target},
                    headers=self.headers,
                    name="PUT /orders/{id}/status",
                    catch_response=True,
                ) as answer:
                    if answer.status_code == 409:
                        answer.success()  # another admin moved it first
