"""DynamoDB capacity units consumed per request, per route of the Locust shopper mix, as
DynamoDB Local computes them (ReturnConsumedCapacity=TOTAL on every call, summed).

Like the round trips (test_request_costs.py) they do not depend on machine speed: a change
that adds a read or a write, or makes an item cross a 1 KB / 4 KB boundary, fails here.
moto does not compute DynamoDB's units, so this runs on DynamoDB Local only
(`make test-dynamodb-local`, or scripts/test-dynamodb-local.sh tests/integration/test_capacity_units.py).

Every request name the Locust users send (load/users.py) is measured, so that `make cost`
can price the whole mix. With COST_UNITS_FILE set (`make cost`), each request is also timed:
the median of REPEATS warm invocations of its handler, in-process, after one warm-up, with
bcrypt at the deployed cost (serverless.yml's BCRYPT_ROUNDS, not the tests' 4). The times go
to the file beside the units; they measure this machine, so nothing asserts them."""

from __future__ import annotations

import json
import os
import pathlib
import statistics
import time
import uuid

import pytest

from devtools import serverless_config
from devtools.request_costs import counting
from tests import factories
from tests.apigw import invoke, route_for
from tests.conftest import LOCAL_ENDPOINT
from tests.integration.conftest import register

pytestmark = pytest.mark.dynamodb_local

REPEATS = 7  # timed invocations per request, after a warm-up one (make cost only)


@pytest.fixture
def units(table):
    if LOCAL_ENDPOINT is None:
        pytest.skip("capacity units are DynamoDB's (Local's) arithmetic; moto's figures are not")
    from shop.storage import storage

    with counting(storage().client, capacity=True) as log:
        yield log


def measure(log, request):
    """(status, read units, write units) of one request; request() prepares it, uncounted, and
    returns invoke's (method, path, kwargs)."""
    method, path, kwargs = request()
    log.clear()
    result = invoke(method, path, **kwargs)
    return result.status, log.read_units, log.write_units


def warm(request, status):
    """The request's function and the median wall time (ms) of REPEATS invocations after a
    warm-up one, each prepared untimed by request() and answering `status`."""
    times = []
    for _ in range(1 + REPEATS):
        method, path, kwargs = request()
        started = time.perf_counter()
        result = invoke(method, path, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
        assert result.status == status, (method, path, result.body)
    return {"function": route_for(method, path)[0].function, "ms": round(statistics.median(times[1:]), 1)}


def test_capacity_units_per_request_of_the_shopper_mix(units, limits, admin, customer, product):
    item = product(stock=50, category="Books")
    for _ in range(4):
        product(category="Books")
    shopper, owner = {"token": customer.token}, {"token": admin.token}
    cart_line = f"/cart/items/{item['id']}"
    address = factories.order_body((item["id"], 1))["shippingAddress"]
    logins = [{"email": customer.email, "password": customer.password}]
    checkouts, payments = [], []  # each checkout's and each accepted payment's invoke arguments

    def sign_up():
        body = {"email": f"cap-{uuid.uuid4().hex[:8]}@example.com", "password": "Capacity-Pa55!", "name": "Cap"}
        return "POST", "/auth/register", {"body": body}

    def next_page():  # the second page, as a Browser follows nextCursor
        cursor = invoke("GET", "/products", query={"limit": "2"}).json["pagination"]["nextCursor"]
        return "GET", "/products", {"query": {"limit": "20", "cursor": cursor}}

    def check_out():  # the cart a checkout empties, filled again first
        invoke("PUT", cart_line, body={"quantity": 1}, **shopper)
        body, headers = {"shippingAddress": address}, {"Idempotency-Key": uuid.uuid4().hex}
        checkouts.append({"body": body, "headers": headers, **shopper})
        return "POST", "/checkout", checkouts[-1]

    def pay(card):  # a new order, placed first
        method, path, kwargs = check_out()
        order_id = invoke(method, path, **kwargs).data["id"]
        body, headers = {"paymentMethod": card}, {"Idempotency-Key": uuid.uuid4().hex}
        return "POST", f"/orders/{order_id}/payment", {"body": body, "headers": headers, **shopper}

    def pay_by_card():
        payments.append(pay("pm_card_visa"))
        return payments[-1]

    def latest_order():
        return invoke("GET", "/orders", **shopper).data[0]["id"]

    def new_product():
        return product(category="Load Test")["id"]

    load_product = {"name": "Load product", "price": 12.5, "category": "Load Test", "stock": 10}
    reprice = {"price": 24.5, "stock": 7}
    requests = {  # in the order measured: each request's units depend on what came before
        "GET /health": lambda: ("GET", "/health", {}),
        "GET /products": lambda: ("GET", "/products", {"query": {"limit": "20"}}),
        "GET /products?category": lambda: ("GET", "/products", {"query": {"category": "books", "limit": "20"}}),
        "GET /products/{id}": lambda: ("GET", f"/products/{item['id']}", {}),
        "POST /auth/login": lambda: ("POST", "/auth/login", {"body": logins[-1]}),
        "POST /auth/register": sign_up,
        "PUT /cart/items/{productId}": lambda: ("PUT", cart_line, {"body": {"quantity": 1}, **shopper}),
        "POST /checkout": check_out,
        "GET /orders": lambda: ("GET", "/orders", {"query": {"limit": "20"}, **shopper}),
        "GET /orders/{id}": lambda: ("GET", f"/orders/{latest_order()}", shopper),
        "GET /products?cursor": next_page,
        "POST /checkout (idempotent retry)": lambda: ("POST", "/checkout", checkouts[0]),
        "POST /orders/{id}/payment": pay_by_card,
        "POST /orders/{id}/payment (declined)": lambda: pay("pm_card_chargeDeclined"),
        "POST /orders/{id}/payment (idempotent retry)": lambda: payments[0],
        "POST /products": lambda: ("POST", "/products", {"body": load_product, **owner}),
        "PUT /products/{id}": lambda: ("PUT", f"/products/{new_product()}", {"body": reprice, **owner}),
        "PUT /products/{id} (catalogue)": lambda: ("PUT", f"/products/{item['id']}", {"body": {"stock": 100}, **owner}),
        "DELETE /products/{id}": lambda: ("DELETE", f"/products/{new_product()}", owner),
    }
    figures = {name: measure(units, request) for name, request in requests.items()}
    # (status, read units, write units); transactions bill twice, a strongly consistent read a
    # whole unit per 4 KB, an eventually consistent one half. Every signed-in request reads its
    # user once, strongly (1.0: the session version that a password change or reset bumps,
    # docs/SECURITY.md), before the route's own reads.
    assert figures == {
        "GET /health": (200, 0.5, 0),
        "GET /products": (200, 0.5, 0),
        "GET /products?category": (200, 0.5, 0),
        "GET /products/{id}": (200, 0.5, 0),
        "POST /auth/login": (200, 2.0, 2.0),
        "POST /auth/register": (201, 0, 3.0),
        "PUT /cart/items/{productId}": (200, 3.0, 1.0),
        "POST /checkout": (201, 4.0, 16.0),
        "GET /orders": (200, 1.5, 0),
        "GET /orders/{id}": (200, 2.0, 0),
        # The rest of what the Locust users send. An order is in all three indexes (each projects
        # ALL): an update of it is billed in the table and again in each index, twice in one whose
        # key it changes (the status, once paid): a payment's two updates are 8 + 12 units.
        "GET /products?cursor": (200, 0.5, 0),
        "POST /checkout (idempotent retry)": (201, 3.0, 0),
        "POST /orders/{id}/payment": (200, 2.0, 20.0),
        "POST /orders/{id}/payment (declined)": (402, 3.0, 16.0),
        "POST /orders/{id}/payment (idempotent retry)": (200, 2.0, 0),
        "POST /products": (201, 1.0, 3.0),
        "PUT /products/{id}": (200, 1.0, 3.0),
        "PUT /products/{id} (catalogue)": (200, 1.0, 3.0),
        "DELETE /products/{id}": (200, 1.0, 3.0),
    }
    if os.environ.get("COST_UNITS_FILE"):  # `make cost` prices what was measured here
        rounds = serverless_config.load()["provider"]["environment"]["BCRYPT_ROUNDS"]
        limits(BCRYPT_ROUNDS=rounds)  # sign-ups and logins at the deployed cost
        deployed = register()  # whose password hash has that cost, for the timed logins
        logins.append({"email": deployed.email, "password": deployed.password})
        measured = {
            name: {"read": read, "write": write, **warm(requests[name], status)}
            for name, (status, read, write) in figures.items()
        }
        how = {"repeats": REPEATS, "bcrypt_rounds": int(rounds)}
        pathlib.Path(os.environ["COST_UNITS_FILE"]).write_text(json.dumps({**how, "requests": measured}, indent=2))
