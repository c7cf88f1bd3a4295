"""Who uses the shop: browsers, shoppers, admins and buyers, in the weights 4:2:2:2.

Expected answers under contention (409 OUT_OF_STOCK, 409 PRICE_CHANGED) are marked
successes with catch_response; any other status a task did not expect is a failure.
Requests are named by route template so the statistics group per endpoint.
"""

from __future__ import annotations

import os
import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import addresses
from locust import HttpUser, between, events, task

PASSWORD = "Load-Test-Pa55!"
ADDRESS = {"street": "1 Load St", "city": "Springfield", "state": "IL", "zipCode": "62701", "country": "US"}
# What a correct server answers a buyer racing others for the catalogue (and admins editing it).
CART_CONFLICTS = frozenset({"OUT_OF_STOCK", "PRODUCT_NOT_FOUND", "CART_FULL"})
# A Shopper signs in every 2.5 s on average, far more often than a person: it moves to a new
# address before the per-address login limit (60 per 5 minutes by default) would refuse it.
LOGINS_PER_ADDRESS = 30
CHECKOUT_CONFLICTS = frozenset({"OUT_OF_STOCK", "PRODUCT_NOT_FOUND", "CART_EMPTY", "PRICE_CHANGED"})


@dataclass
class Shared:
    """What the test's setup provisions for every user: the admin token and a catalogue."""

    admin_token: str | None = None
    products: dict[str, dict[str, Any]] = field(default_factory=dict)  # seeded: bought, repriced, restocked
    categories: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def some_products(self, count: int) -> list[dict[str, Any]]:
        with self.lock:
            pool = list(self.products.values())
        return random.sample(pool, min(count, len(pool)))


shared = Shared()


def _envelope(response) -> dict[str, Any]:
    try:
        return response.json()
    except ValueError:
        return {}


def _sign_up(client, email: str, name: str) -> str | None:
    """Register; the token, or None when the request failed (Locust has counted the failure)."""
    response = client.post(
        "/auth/register", json={"email": email, "password": PASSWORD, "name": name}, name="POST /auth/register"
    )
    if response.status_code == 409:  # an earlier try went through but its answer was lost
        response = client.post("/auth/login", json={"email": email, "password": PASSWORD}, name="POST /auth/login")
    return (_envelope(response).get("data") or {}).get("token") if response.ok else None


@events.test_start.add_listener
def provision(environment, **kwargs):
    """Log in as the admin and learn the catalogue, once, before any user starts.

    Local server: ADMIN_EMAIL / ADMIN_PASSWORD are the ones load/run.py seeded it with.
    Deployed stage: export the credentials of an admin you promoted (make admin EMAIL=...)."""
    import requests

    host = environment.host.rstrip("/")
    email, password = os.environ.get("ADMIN_EMAIL"), os.environ.get("ADMIN_PASSWORD")
    if email and password:
        reply = requests.post(f"{host}/auth/login", json={"email": email, "password": password}, timeout=30)
        if reply.status_code == 200:
            shared.admin_token = reply.json()["data"]["token"]
    if shared.admin_token is None:
        environment.runner.quit()
        raise RuntimeError("no admin token: set ADMIN_EMAIL and ADMIN_PASSWORD to an admin's login")
    cursor, pages = None, int(os.environ.get("LOAD_CATALOGUE_PAGES", "5"))
    for _ in range(pages):
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        body = requests.get(f"{host}/products", params=params, timeout=30).json()
        for product in body["data"]:
            shared.products[product["id"]] = product
        cursor = body["pagination"]["nextCursor"]
        if not cursor:
            break
    shared.categories = sorted({p["category"] for p in shared.products.values()})
    if not shared.products:
        raise RuntimeError("the catalogue is empty: start the server with SEED=1 (or SEED_VOLUME=1)")


class LoopbackUser(HttpUser):
    """A user with a source address of its own (127.x.y.z) when the server is on this machine."""

    abstract = True

    def __init__(self, environment):
        super().__init__(environment)
        self.source_address = addresses.bind(self.client, self.host)


class Browser(LoopbackUser):
    """Anonymous: lists, filters by category, follows nextCursor, opens a product."""

    weight = 4
    wait_time = between(0.5, 2)

    @task(3)
    def list_products(self):
        cursor = None
        for page in range(random.randint(1, 3)):
            params = {"limit": "20", **({"cursor": cursor} if cursor else {})}
            name = "GET /products" if page == 0 else "GET /products?cursor"
            response = self.client.get("/products", params=params, name=name)
            cursor = _envelope(response).get("pagination", {}).get("nextCursor")
            if not cursor:
                break

    @task(2)
    def filter_by_category(self):
        if shared.categories:
            category = random.choice(shared.categories).lower()
            self.client.get("/products", params={"category": category, "limit": "20"}, name="GET /products?category")

    @task(3)
    def view_product(self):
        for product in shared.some_products(1):
            self.client.get(f"/products/{product['id']}", name="GET /products/{id}")


class Shopper(LoopbackUser):
    """Signs up, then signs in now and then (bcrypt on every one)."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        self.email = f"shopper-{uuid.uuid4().hex[:12]}@load.example"
        self.logins = 0
        self.registered = _sign_up(self.client, self.email, "Load Shopper") is not None

    @task(4)
    def log_in(self):
        if not self.registered:  # the sign-up failed (already counted): try it again, not a doomed login
            self.registered = _sign_up(self.client, self.email, "Load Shopper") is not None
            return
        self.logins += 1
        if self.logins % LOGINS_PER_ADDRESS == 0:  # a person signs in from a new network now and then
            self.source_address = addresses.bind(self.client, self.host)
        self.client.post("/auth/login", json={"email": self.email, "password": PASSWORD}, name="POST /auth/login")

    @task(1)
    def browse(self):
        self.client.get("/products", params={"limit": "10"}, name="GET /products")


class Admin(LoopbackUser):
    """Product CRUD with the admin token from setup; reprices and restocks the seeded catalogue."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {shared.admin_token}"}
        self.mine: list[str] = []

    @task(3)
    def create_product(self):
        body = {
            "name": f"Load product {uuid.uuid4().hex[:8]}",
            "price": round(random.uniform(1, 500), 2),
            "category": "Load Test",
            "stock": random.randint(1, 100),
        }
        response = self.client.post("/products", json=body, headers=self.headers, name="POST /products")
        if response.status_code == 201:
            self.mine.append(_envelope(response)["data"]["id"])

    @task(2)
    def update_own_product(self):
        if self.mine:
            body = {"price": round(random.uniform(1, 500), 2), "stock": random.randint(0, 100)}
            self.client.put(
                f"/products/{random.choice(self.mine)}", json=body, headers=self.headers, name="PUT /products/{id}"
            )

    @task(1)
    def delete_own_product(self):
        if self.mine:
            product_id = self.mine.pop(random.randrange(len(self.mine)))
            self.client.delete(f"/products/{product_id}", headers=self.headers, name="DELETE /products/{id}")

    @task(2)
    def restock_or_reprice_catalogue(self):
        """Keeps buyers able to buy, and makes prices they saw earlier go stale now and then."""
        for product in shared.some_products(1):
            body: dict[str, Any] = {"stock": 100_000}
            if random.random() < 0.2:
                body["price"] = float(round(float(product["price"]) * random.choice((0.9, 1.1)), 2)) or 1
            response = self.client.put(
                f"/products/{product['id']}", json=body, headers=self.headers, name="PUT /products/{id} (catalogue)"
            )
            if response.status_code == 200:
                with shared.lock:
                    shared.products[product["id"]] = _envelope(response)["data"]


class Buyer(LoopbackUser):
    """Fills a cart, checks out (retrying some with the same Idempotency-Key), pays (some declined
    first), and reads the orders back."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        self.email = f"buyer-{uuid.uuid4().hex[:12]}@load.example"
        self.headers: dict[str, str] = {}
        self._sign_up()
        self.orders: list[str] = []
        self.seen = shared.some_products(50)  # the prices this buyer saw while browsing

    def _sign_up(self) -> bool:
        """True once the buyer has a token. A failed sign-up is counted once, as what it was,
        and retried; it never turns into a stream of 401s on every later request."""
        if not self.headers:
            token = _sign_up(self.client, self.email, "Load Buyer")
            if token is not None:
                self.headers = {"Authorization": f"Bearer {token}"}
        return bool(self.headers)

    def _refresh(self) -> None:
        self.seen = shared.some_products(50)

    def _expect(self, response, wanted: int, conflicts: frozenset[str] = frozenset()) -> dict[str, Any] | None:
        """The envelope of an answer that is right for this request, else a counted failure."""
        envelope = _envelope(response)
        if response.status_code == wanted:
            response.success()
            return envelope
        if envelope.get("code") in conflicts:
            self._refresh()
            response.success()  # the server refused to oversell, to sell a gone product, or a declined card
            return None
        response.failure(f"{response.status_code} {envelope.get('code')}")
        return None

    def _fill_cart(self) -> None:
        for product in random.sample(self.seen, min(len(self.seen), random.randint(1, 3))):
            body = {"quantity": random.randint(1, 3)}
            path, name = f"/cart/items/{product['id']}", "PUT /cart/items/{productId}"
            with self.client.put(path, json=body, headers=self.headers, name=name, catch_response=True) as response:
                self._expect(response, 200, CART_CONFLICTS)

    def _checkout(self, key: str, name: str) -> str | None:
        headers = {**self.headers, "Idempotency-Key": key}
        body = {"shippingAddress": ADDRESS}
        with self.client.post("/checkout", json=body, headers=headers, name=name, catch_response=True) as response:
            envelope = self._expect(response, 201, CHECKOUT_CONFLICTS)
            return envelope["data"]["id"] if envelope else None

    def _pay(self, order_id: str, method: str, key: str, name: str) -> bool:
        path, headers = f"/orders/{order_id}/payment", {**self.headers, "Idempotency-Key": key}
        body = {"paymentMethod": method}
        with self.client.post(path, json=body, headers=headers, name=name, catch_response=True) as response:
            if method == "pm_card_chargeDeclined":
                self._expect(response, 402)
                return False
            return self._expect(response, 200) is not None

    @task(4)
    def buy(self):
        """Fill the cart, check out (sometimes twice with one key), pay (sometimes declined first)."""
        if not self._sign_up():
            return
        self._fill_cart()
        key = uuid.uuid4().hex
        order_id = self._checkout(key, "POST /checkout")
        if order_id is None:
            return
        self.orders.append(order_id)
        if random.random() < 0.15:  # the client lost the answer and retries: same key, same body
            again = self._checkout(key, "POST /checkout (idempotent retry)")
            if again is not None and again != order_id:
                events.request.fire(
                    request_type="CHECK",
                    name="idempotent retry returned another order",
                    response_time=0,
                    response_length=0,
                    exception=AssertionError(f"{again} != {order_id}"),
                )
        if random.random() < 0.2:  # a declined card first (402), then another method
            self._pay(order_id, "pm_card_chargeDeclined", uuid.uuid4().hex, "POST /orders/{id}/payment (declined)")
        pay_key = uuid.uuid4().hex
        if self._pay(order_id, "pm_card_visa", pay_key, "POST /orders/{id}/payment") and random.random() < 0.1:
            self._pay(order_id, "pm_card_visa", pay_key, "POST /orders/{id}/payment (idempotent retry)")

    @task(2)
    def list_orders(self):
        if not self._sign_up():
            return
        self.client.get("/orders", params={"limit": "20"}, headers=self.headers, name="GET /orders")

    @task(2)
    def view_order(self):
        if self.orders:
            self.client.get(f"/orders/{random.choice(self.orders)}", headers=self.headers, name="GET /orders/{id}")
