"""DynamoDB capacity units consumed per request, per route of the Locust shopper mix, as
DynamoDB Local computes them (ReturnConsumedCapacity=TOTAL on every call, summed).

Like the round trips (test_request_costs.py) they do not depend on machine speed: a change
that adds a read or a write, or makes an item cross a 1 KB / 4 KB boundary, fails here.
moto does not compute DynamoDB's units, so this runs on DynamoDB Local only
(`make test-dynamodb-local`, or scripts/test-dynamodb-local.sh tests/integration/test_capacity_units.py)."""

from __future__ import annotations

import json
import os
import pathlib
import uuid

import pytest

from devtools.request_costs import counting
from tests import factories
from tests.apigw import invoke
from tests.conftest import LOCAL_ENDPOINT

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture
def units(table):
    if LOCAL_ENDPOINT is None:
        pytest.skip("capacity units are DynamoDB's (Local's) arithmetic; moto's figures are not")
    from shop.storage import storage

    with counting(storage().client, capacity=True) as log:
        yield log


def measure(log, method, path, **kwargs):
    log.clear()
    result = invoke(method, path, **kwargs)
    return result.status, log.read_units, log.write_units


def test_capacity_units_per_request_of_the_shopper_mix(units, admin, customer, product):
    item = product(stock=50, category="Books")
    for _ in range(4):
        product(category="Books")
    address = factories.order_body((item["id"], 1))["shippingAddress"]
    login = {"email": customer.email, "password": customer.password}
    figures = {}
    figures["GET /health"] = measure(units, "GET", "/health")
    figures["GET /products"] = measure(units, "GET", "/products", query={"limit": "20"})
    figures["GET /products?category"] = measure(units, "GET", "/products", query={"category": "books", "limit": "20"})
    figures["GET /products/{id}"] = measure(units, "GET", f"/products/{item['id']}")
    figures["POST /auth/login"] = measure(units, "POST", "/auth/login", body=login)
    new_user = {"email": f"cap-{uuid.uuid4().hex[:8]}@example.com", "password": "Capacity-Pa55!", "name": "Cap"}
    figures["POST /auth/register"] = measure(units, "POST", "/auth/register", body=new_user)
    figures["PUT /cart/items/{productId}"] = measure(
        units, "PUT", f"/cart/items/{item['id']}", token=customer.token, body={"quantity": 1}
    )
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    checkout = {"shippingAddress": address}
    figures["POST /checkout"] = measure(
        units, "POST", "/checkout", token=customer.token, body=checkout, headers=headers
    )
    order_id = invoke("GET", "/orders", token=customer.token).data[0]["id"]
    figures["GET /orders"] = measure(units, "GET", "/orders", query={"limit": "20"}, token=customer.token)
    figures["GET /orders/{id}"] = measure(units, "GET", f"/orders/{order_id}", token=customer.token)
    if os.environ.get("COST_UNITS_FILE"):  # `make cost` prices what was measured here
        units_out = {name: {"read": read, "write": write} for name, (_, read, write) in figures.items()}
        pathlib.Path(os.environ["COST_UNITS_FILE"]).write_text(json.dumps(units_out, indent=2))
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
    }
