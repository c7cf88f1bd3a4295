"""The soak's users (`make soak`): browsers, buyers and admins whose every outcome that matters to
the audit is written down as it happens (load/audit.py reads it).

They behave as careful clients do under faults: a checkout whose answer was a 503, a connection
cut or a 5xx is sent again with the same Idempotency-Key until the answer is definite, so every
order a client believes it placed is on record; a restock (a relative `stockDelta`) is sent once,
and one whose answer never came is written down as *ambiguous*: the audit then accepts the stock
with or without it, and nothing else.

Besides: 3-D Secure payments approved or declined at the local bank page, searches, admin refunds
(retried with their Idempotency-Key like checkouts), and the provider's webhooks delivered by a
courier as Stripe delivers them: every settled ledger entry, some twice at once, in shuffled order,
again until acknowledged (load/soak_webhooks.py).
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
import soak_webhooks
from locust import HttpUser, between, constant, events, task
from users import ADDRESS, CART_CONFLICTS, CHECKOUT_CONFLICTS, PASSWORD, Browser, _envelope, shared

__all__ = ["Browser", "SoakAdmin", "SoakBuyer", "SoakCourier", "SoakSearcher"]

HISTORY = os.environ.get("SOAK_HISTORY", "reports/soak-history.jsonl")
REQUESTS = os.environ.get("SOAK_REQUESTS", "reports/soak-requests.jsonl")
DEFINITE_TRIES = 8
THREE_D_SECURE = "pm_card_authenticationRequired"
UNPAID = 0.2  # the share of orders left unpaid: the owner's cancels and the expiry sweep get work
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


def definite(send, expected: tuple[int, ...]) -> Any:
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


class SoakBuyer(HttpUser):
    weight = 4
    wait_time = between(0.5, 2)

    def on_start(self):
        self.email = f"soak-{uuid.uuid4().hex[:12]}@soak.example"
        self.headers: dict[str, str] = {}
        self.orders: list[str] = []
        self.unpaid: list[str] = []

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
        return definite(send, expected)

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
        if random.random() < UNPAID:  # left pending: cancelled by its owner later, or expired by the sweep
            self.unpaid.append(order["id"])
            return
        self._pay(order["id"])

    def _pay(self, order_id: str) -> None:
        draw = random.random()
        methods = (
            ["pm_card_visa"]
            if draw < 0.65
            else [THREE_D_SECURE]
            if draw < 0.85
            else ["pm_card_chargeDeclined", "pm_card_mastercard"]
        )
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
            record("payment", id=order_id, method=method, status=answer.status_code)
            if answer.status_code == 202:
                self._authenticate(order_id, (_envelope(answer).get("data") or {}).get("payment") or {})
            return

    def _authenticate(self, order_id: str, payment: dict[str, Any]) -> None:
        """3-D Secure: the customer approves (mostly) or declines at the bank's page; the bank's
        webhook settles the order (and the courier delivers it again if it was not taken)."""
        url = (payment.get("nextAction") or {}).get("url")
        if not url:
            return
        outcome = "approve" if random.random() < 0.8 else "decline"
        name = "POST /_local/payments/{ref}/authenticate"
        with self.client.post(url, json={"outcome": outcome}, name=name, catch_response=True) as answer:
            if answer.status_code == 404:
                answer.success()  # settled meanwhile (the order expired and the attempt with it)
            data = _envelope(answer).get("data") or {}
            record("three_d_secure", id=order_id, outcome=outcome, status=answer.status_code,
                   settled=data.get("status"), webhookStatus=data.get("webhookStatus"))  # fmt: skip

    @task(1)
    def cancel_one(self):
        """Cancel one of its orders; now and then with a double click (two at once): the stock must
        come back once."""
        if not self.orders or not self._signed_in():
            return
        mine = self.unpaid if self.unpaid and random.random() < 0.8 else self.orders  # mostly one it can cancel
        order_id = mine.pop(random.randrange(len(mine)))
        for other in (self.orders, self.unpaid):
            if order_id in other:
                other.remove(order_id)
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

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {shared.admin_token}"}

    def _signed_out(self, answer) -> bool:
        """A 401: make run's restart sets the seeded admin's password again, which ends its
        sessions (as a password change does). Sign in again, as the admin would; the refused
        request was not applied (the token is checked before anything is written)."""
        if answer.status_code != 401:
            return False
        if hasattr(answer, "success"):
            answer.success()
        body = {"email": os.environ.get("ADMIN_EMAIL", ""), "password": os.environ.get("ADMIN_PASSWORD", "")}
        login = self.client.post("/auth/login", json=body, name="POST /auth/login (admin again)")
        token = (_envelope(login).get("data") or {}).get("token")
        if token:
            shared.admin_token = token
        return True

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
                if self._signed_out(answer):
                    return
                if _uncertain(answer):
                    answer.success()
                    record("restock_ambiguous", product=product["id"], delta=delta)
                elif answer.status_code == 200:
                    record("restock", product=product["id"], delta=delta)

    @task(1)
    def reprice(self):
        for product in shared.some_products(1):
            price = float(round(random.uniform(5, 80), 2))
            with self.client.put(
                f"/products/{product['id']}",
                json={"price": price},
                headers=self.headers,
                name="PUT /products/{id}",
                catch_response=True,
            ) as answer:
                self._signed_out(answer)

    @task(2)
    def ship_and_deliver(self):
        for status, target in (("paid", "shipped"), ("shipped", "delivered")):
            with self.client.get(
                "/orders",
                params={"status": status, "limit": "5"},
                headers=self.headers,
                name="GET /orders?status",
                catch_response=True,
            ) as listing:
                if self._signed_out(listing):
                    return
            for order in (_envelope(listing).get("data") or [])[:2]:
                with self.client.put(
                    f"/orders/{order['id']}/status",
                    json={"status": target},
                    headers=self.headers,
                    name="PUT /orders/{id}/status",
                    catch_response=True,
                ) as answer:
                    if self._signed_out(answer):
                        return
                    if answer.status_code == 409:
                        answer.success()  # another admin moved it first

    @task(1)
    def refund(self):
        """A part of a paid order given back, with an Idempotency-Key; retried with it until the
        answer is definite, so a lost answer never becomes a second refund."""
        with self.client.get(
            "/orders",
            params={"status": "paid", "limit": "10"},
            headers=self.headers,
            name="GET /orders?status",
            catch_response=True,
        ) as listing:
            if self._signed_out(listing):
                return
        paid = _envelope(listing).get("data") or []
        if not paid:
            return
        order = random.choice(paid)
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}

        def send():
            return self.client.post(
                f"/orders/{order['id']}/refunds",
                json={"amount": 1, "reason": "soak"},
                headers=headers,
                name="POST /orders/{id}/refunds",
                catch_response=True,
            )

        answer = definite(send, (201, 401, 409))
        if answer is not None and self._signed_out(answer):
            return
        if answer is None:
            record("refund_undecided", id=order["id"])
            return
        data = _envelope(answer).get("data") or {}
        record("refund", id=order["id"], status=answer.status_code, refund=data.get("status"),
               code=_envelope(answer).get("code"))  # fmt: skip


class SoakSearcher(HttpUser):
    """Searches the catalogue by words of its product names, one with a typo now and then."""

    weight = 1
    wait_time = between(0.5, 2)

    @task
    def search(self):
        for product in shared.some_products(1):
            words = [w for w in str(product.get("name", "")).split() if w.isalpha()] or ["lamp"]
            word = random.choice(words).lower()
            if len(word) > 4 and random.random() < 0.3:
                word = word[:-2] + word[-1] + word[-2]  # a typo the search forgives
            params = {"q": word, "limit": "10", **({"inStock": "true"} if random.random() < 0.3 else {})}
            self.client.get("/search", params=params, name="GET /search")


class SoakCourier(HttpUser):
    """The provider's webhooks, as Stripe delivers them: every settled ledger entry's event,
    in shuffled order, some twice at once, a few already acknowledged ones again, and any not
    yet answered with a 200 again at the next round."""

    fixed_count = 1
    wait_time = constant(2)

    def on_start(self):
        self.secret = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
        self.acknowledged: set[str] = set()

    @task
    def deliver(self):
        entries = soak_webhooks.ledger(self.client, "", name="GET /_local/payments")
        found = [event for event in map(soak_webhooks.event_of, entries) if event is not None]
        due = [event for event in found if event["id"] not in self.acknowledged]
        again = random.sample([e for e in found if e["id"] in self.acknowledged], min(2, len(found) - len(due)))
        batch = due[:12] + again
        random.shuffle(batch)  # reordered
        for event in batch:
            copies = 2 if random.random() < 0.25 else 1  # duplicated, at once
            gevent.joinall([gevent.spawn(self._send, event, copies > 1) for _ in range(copies)], timeout=60)

    def _send(self, event: dict[str, Any], twin: bool) -> None:
        raw = json.dumps(event)
        headers = {"Content-Type": "application/json", "Stripe-Signature": soak_webhooks.signature(raw, self.secret)}
        with self.client.post(
            "/payments/webhook", data=raw, headers=headers, name="POST /payments/webhook", catch_response=True
        ) as answer:
            if _uncertain(answer):
                answer.success()  # the fault log explains it; redelivered at the next round
            outcome = (_envelope(answer).get("data") or {}).get("outcome")
            if answer.status_code == 200:
                self.acknowledged.add(event["id"])
            order_id = event["data"]["object"]["metadata"]["orderId"]
            record("webhook", eventId=event["id"], type=event["type"], order=order_id, status=answer.status_code,
                   outcome=outcome, twin=twin)  # fmt: skip
