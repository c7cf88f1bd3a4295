"""Round trips and items read per request, counted with botocore event hooks.

These counts do not depend on machine speed, so they are asserted here; docs/BENCHMARKS.md has the timings."""

from __future__ import annotations

import uuid

import pytest

from tests import factories
from tests.apigw import invoke
from tests.integration.conftest import pay_order


@pytest.fixture
def dynamodb_calls(table):
    from shop.storage import storage

    calls: list[tuple[str, int | None]] = []

    def record(http_response, parsed, model, **kwargs):
        calls.append((model.name, parsed.get("ScannedCount")))

    events = storage().client.meta.events
    events.register("after-call.dynamodb", record, unique_id="read-costs")
    yield calls
    events.unregister("after-call.dynamodb", unique_id="read-costs")


def test_listing_reads_one_page_plus_one_item_whatever_else_is_in_the_table(table, dynamodb_calls, product, customer):
    for _ in range(3):
        product(category="Tiny")
    for _ in range(40):
        product(category="Crowded")
    dynamodb_calls.clear()
    result = invoke("GET", "/products", query={"category": "tiny", "limit": "2"})
    assert len(result.data) == 2
    assert dynamodb_calls == [("Query", 3)]
    dynamodb_calls.clear()
    invoke("GET", "/products", query={"limit": "5"})
    assert dynamodb_calls == [("Query", 6)]


def test_round_trips_per_route(table, dynamodb_calls, product, customer, admin):
    item = product(stock=5)
    cases = {
        ("GET", f"/products/{item['id']}", None, None): ["GetItem"],
        # A signed-in request first reads its user: the token's session and role (docs/SECURITY.md).
        ("GET", "/orders", customer.token, None): ["GetItem", "Query"],
        ("POST", "/orders", customer.token, "order"): ["GetItem", "BatchGetItem", "TransactWriteItems"],
        ("PUT", f"/products/{item['id']}", admin.token, "update"): ["GetItem", "UpdateItem"],  # session/role + write
        ("GET", "/health", None, None): ["GetItem"],
    }
    bodies = {"order": factories.order_body((item["id"], 1)), "update": {"stock": 7}, None: None}
    for (method, path, token, body), expected in cases.items():
        dynamodb_calls.clear()
        result = invoke(method, path, token=token, body=bodies[body])
        assert result.status < 300, result.body
        assert [name for name, _ in dynamodb_calls] == expected, (method, path)


def _noise(customer_id: str, count: int):
    """`count` items no access pattern under test should touch: products of another category,
    other users' orders, this customer's orders in another status, users, idempotency records."""
    for n in range(count):
        key = f"noise-{n:05d}-{uuid.uuid4().hex[:6]}"
        sort = f"2025-01-01T00:00:00.000Z#{key}"
        kind = n % 5
        if kind == 0:
            yield {
                "id": key,
                "type": "product",
                "gsi1pk": "product",
                "gsi1sk": sort,
                "gsi2pk": "category#noise",
                "gsi2sk": sort,
                "name": "Noise",
                "price": 1,
                "stock": 1,
                "category": "Noise",
            }
        elif kind in (1, 2):
            owner = customer_id if kind == 1 else f"someone-{n}"
            yield {
                "id": key,
                "type": "order",
                "userId": owner,
                "status": "shipped",
                "gsi1pk": f"user#{owner}",
                "gsi1sk": sort,
                "gsi2pk": "status#shipped",
                "gsi2sk": sort,
                "gsi3pk": f"user#{owner}#status#shipped",
                "gsi3sk": sort,
            }
        elif kind == 3:
            yield {"id": key, "type": "user", "email": f"{key}@example.com", "role": "customer"}
        else:
            yield {"id": f"idem#{customer_id}#{key}", "type": "idempotency", "orderId": key, "expiresAt": 9999999999}


def _load(ddb, table, items) -> None:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    batch = []
    for item in items:
        batch.append({"PutRequest": {"Item": {k: serializer.serialize(v) for k, v in item.items()}}})
        if len(batch) == 25:
            _write(ddb, table, batch)
            batch = []
    if batch:
        _write(ddb, table, batch)


def _write(ddb, table, batch) -> None:
    pending = {table: batch}
    while pending:
        pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


@pytest.mark.dynamodb_local
def test_every_access_pattern_reads_the_same_with_5000_unrelated_items(
    table, ddb, dynamodb_calls, product, customer, admin
):
    """Each pattern's (operation, ScannedCount) is page + 1 at most, and identical whether the
    table holds 10 other items or 5,000 more."""
    items = [product(category="Tiny", stock=50) for _ in range(3)]
    orders = [
        invoke("POST", "/orders", body=factories.order_body((items[0]["id"], 1)), token=customer.token).data
        for _ in range(4)
    ]
    for order in orders[:3]:
        pay_order(customer.token, order["id"])
    page = {"limit": "2"}
    patterns = {
        "list products": ("GET", "/products", None, page),
        "by category": ("GET", "/products", None, page | {"category": "tiny"}),
        "own orders": ("GET", "/orders", customer.token, page),
        "own orders by status": ("GET", "/orders", customer.token, page | {"status": "paid"}),
        "orders by status": ("GET", "/orders", admin.token, page | {"status": "paid"}),
        "product by id": ("GET", f"/products/{items[0]['id']}", None, None),
        "order by id": ("GET", f"/orders/{orders[0]['id']}", customer.token, None),
    }

    def measure():
        costs = {}
        for name, (method, path, token, query) in patterns.items():
            dynamodb_calls.clear()
            result = invoke(method, path, token=token, query=query)
            assert result.status == 200, (name, result.body)
            costs[name] = list(dynamodb_calls)
        return costs

    small = measure()
    assert small == {
        "list products": [("Query", 3)],
        "by category": [("Query", 3)],
        # A signed-in request's first GetItem is its session check (and an admin's role re-check).
        "own orders": [("GetItem", None), ("Query", 3)],
        "own orders by status": [("GetItem", None), ("Query", 3)],
        "orders by status": [("GetItem", None), ("Query", 3)],
        "product by id": [("GetItem", None)],
        "order by id": [("GetItem", None), ("GetItem", None)],
    }
    _load(ddb, table, _noise(customer.user_id, 5000))
    assert measure() == small
