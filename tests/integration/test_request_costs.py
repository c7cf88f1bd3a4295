"""DynamoDB round trips and items read per request, for every endpoint, and that the
list endpoints read the same whatever the size of the table.

The figures are published in docs/BENCHMARKS.md (`make bench`); they do not depend on
machine speed, so they are asserted here and a change in them fails CI."""

from __future__ import annotations

import pytest

from devtools import bulk_seed
from devtools.request_costs import counting, items_read
from tests import factories
from tests.apigw import invoke
from tests.integration.conftest import register


@pytest.fixture
def calls(table):
    from shop.storage import storage

    with counting(storage().client) as log:
        yield log


def costs(log, method, path, **kwargs):
    log.clear()
    result = invoke(method, path, **kwargs)
    return result, log.operations, log.items_read


def test_every_endpoint_makes_the_documented_round_trips_and_reads(table, calls, admin, customer, product):
    item = product(stock=50, category="Books")
    for _ in range(4):
        product(category="Books")
    order_body = factories.order_body((item["id"], 1))
    placed, ops, read = costs(calls, "POST", "/orders", token=customer.token, body=order_body)
    # Every signed-in request first reads its user (1 item): the token's session and role.
    assert (placed.status, ops, read) == (201, ["GetItem", "BatchGetItem", "TransactWriteItems"], 2)
    order_id = placed.data["id"]

    login = {"email": customer.email, "password": customer.password}
    # (method, path, invoke arguments, (status, operations, items read))
    expected = [
        ("GET", "/health", {}, (200, ["GetItem"], 0)),
        ("GET", "/products", {"query": {"limit": "3"}}, (200, ["Query"], 4)),
        ("GET", "/products", {"query": {"limit": "3", "category": "books"}}, (200, ["Query"], 4)),
        ("GET", f"/products/{item['id']}", {}, (200, ["GetItem"], 1)),
        (
            "PUT",
            f"/products/{item['id']}",
            {"token": admin.token, "body": {"stock": 60}},
            (200, ["GetItem", "UpdateItem"], 1),
        ),
        ("GET", "/orders", {"token": customer.token}, (200, ["GetItem", "Query"], 2)),
        ("GET", f"/orders/{order_id}", {"token": customer.token}, (200, ["GetItem", "GetItem"], 2)),
        # An admin reading someone else's order: the role was confirmed by the same first read.
        ("GET", f"/orders/{order_id}", {"token": admin.token}, (200, ["GetItem", "GetItem"], 2)),
        # The per-address limit (one conditional write), one read of both failed-login counters
        # (none yet), the email guard and the user; a successful login then writes its trust mark.
        (
            "POST",
            "/auth/login",
            {"body": login},
            (200, ["UpdateItem", "BatchGetItem", "GetItem", "GetItem", "PutItem"], 2),
        ),
        (
            "POST",
            "/products",
            {"token": admin.token, "body": factories.product_body()},
            (201, ["GetItem", "PutItem"], 1),
        ),
    ]
    for method, path, kwargs, want in expected:
        result, ops, read = costs(calls, method, path, **kwargs)
        assert (result.status, ops, read) == want, (method, path, result.body)

    # An idempotent retry is answered from the record: no stock taken, no transaction.
    keyed = factories.order_body((item["id"], 2))
    first, ops, _ = costs(calls, "POST", "/orders", token=customer.token, body=keyed, headers={"Idempotency-Key": "k1"})
    assert (first.status, ops) == (201, ["GetItem", "GetItem", "BatchGetItem", "TransactWriteItems"])
    again, ops, read = costs(
        calls, "POST", "/orders", token=customer.token, body=keyed, headers={"Idempotency-Key": "k1"}
    )
    assert (again.status, again.data["id"], ops, read) == (201, first.data["id"], ["GetItem"] * 3, 3)

    deleted, ops, read = costs(calls, "DELETE", f"/products/{item['id']}", token=admin.token)
    assert (deleted.status, ops, read) == (200, ["GetItem", "DeleteItem"], 1)
    email = factories.email()
    body = {"email": email, "password": factories.STRONG_PASSWORD, "name": "New User"}
    # the per-address registration counter (one conditional write), then the user and email guard
    registered, ops, read = costs(calls, "POST", "/auth/register", body=body)
    assert (registered.status, ops, read) == (201, ["UpdateItem", "TransactWriteItems"], 0)


def test_list_reads_do_not_grow_with_the_table(table, ddb, calls):
    """A page of 20 reads 21 items with 400 or 3,400 items in the table (the benchmarks
    go to 100,000; the count is the same, only the load takes longer)."""
    customer = register()
    reads = []
    for total in (400, 3_000):
        bulk_seed.seed_volume(ddb, table, products=total // 2, orders=total // 2, user_ids=[customer.user_id])
        for query, token in (({}, None), ({"category": "books"}, None), ({}, customer.token)):
            path = "/orders" if token else "/products"
            result, ops, read = costs(calls, "GET", path, token=token, query={**query, "limit": "20"})
            assert result.status == 200 and len(result.data) == 20, result.body
            reads.append((path, tuple(query), ops, read))
    assert reads[:3] == reads[3:]
    # A page of products reads 21 items; of orders, also the caller's user (its session check).
    assert {(path, read) for path, _, _, read in reads} == {("/products", 21), ("/orders", 22)}


def test_bulk_seeded_items_are_what_the_api_serves(table, ddb):
    customer = register()
    report = bulk_seed.seed_volume(ddb, table, products=30, orders=7, user_ids=[customer.user_id])
    assert (report.products, report.orders) == (30, 7)
    assert "30 products and 7 orders" in report.line()
    listed = invoke("GET", "/products", query={"limit": "100"})
    assert len(listed.data) == 30
    product = invoke("GET", f"/products/{listed.data[0]['id']}").data
    assert set(product) >= {"id", "name", "price", "category", "stock", "createdAt", "updatedAt"}
    orders = invoke("GET", "/orders", token=customer.token, query={"limit": "100"})
    assert len(orders.data) == 7
    assert all(order["userId"] == customer.user_id for order in orders.data)
    # The catalogue's seeded stock is real stock: an order against it is taken atomically.
    placed = invoke("POST", "/orders", token=customer.token, body=factories.order_body((product["id"], 3)))
    assert placed.status == 201, placed.body
    assert invoke("GET", f"/products/{product['id']}").data["stock"] == product["stock"] - 3


def test_bulk_seed_from_environment(table, ddb, monkeypatch):
    monkeypatch.delenv("SEED_VOLUME", raising=False)
    assert bulk_seed.seed_from_environment(ddb, table) is None
    monkeypatch.setenv("SEED_VOLUME", "1")
    monkeypatch.setenv("VOLUME_PRODUCTS", "26")
    monkeypatch.setenv("VOLUME_ORDERS", "60")
    report = bulk_seed.seed_from_environment(ddb, table)
    assert (report.products, report.orders) == (26, 60)
    count = ddb.scan(TableName=table, Select="COUNT")["Count"]  # test-only check of the whole table
    assert count == 86


def test_items_read_counts_what_each_operation_returned():
    assert items_read("Query", {"ScannedCount": 7, "Count": 2}) == 7
    assert items_read("GetItem", {}) == 0
    assert items_read("BatchGetItem", {"Responses": {"t": [{}, {}]}}) == 2
    assert items_read("PutItem", {}) == 0


def test_unprocessed_batch_items_are_resent(monkeypatch):
    sent = []

    class Flaky:
        def batch_write_item(self, RequestItems):  # noqa: N803 - boto3's parameter name
            sent.append(len(RequestItems["t"]))
            if len(sent) == 1:
                return {"UnprocessedItems": {"t": RequestItems["t"][:3]}}
            return {}

    monkeypatch.setattr(bulk_seed.time, "sleep", lambda s: None)
    bulk_seed.batch_write(Flaky(), "t", bulk_seed.product_items(25))
    assert sent == [25, 3]

    class Stuck:
        def batch_write_item(self, RequestItems):  # noqa: N803
            return {"UnprocessedItems": RequestItems}

    with pytest.raises(RuntimeError):
        bulk_seed.batch_write(Stuck(), "t", bulk_seed.product_items(1))


def test_the_cart_checkout_and_payment_routes_make_the_documented_round_trips(table, calls, customer, product):
    """Cart reads join live prices with one BatchGetItem; checkout is read cart, read products,
    one transaction; a payment is read, mark, result (the provider call is not DynamoDB)."""
    from shop import providers

    providers.reset()
    lamp, mug = product(stock=50), product(stock=50)
    token = customer.token
    expected = [
        # Each starts with the caller's session check: one GetItem of the user, 1 item read.
        ("GET", "/cart", {}, (200, ["GetItem", "GetItem"], 1)),  # no cart yet: nothing to price
        (
            "PUT",
            f"/cart/items/{lamp['id']}",
            {"body": {"quantity": 2}},
            (200, ["GetItem", "GetItem", "BatchGetItem", "PutItem"], 2),
        ),
        (
            "PUT",
            f"/cart/items/{mug['id']}",
            {"body": {"quantity": 1}},
            (200, ["GetItem", "GetItem", "BatchGetItem", "PutItem"], 4),
        ),
        ("GET", "/cart", {}, (200, ["GetItem", "GetItem", "BatchGetItem"], 4)),
        ("DELETE", f"/cart/items/{mug['id']}", {}, (200, ["GetItem", "GetItem", "PutItem", "BatchGetItem"], 3)),
        ("DELETE", "/cart/items/not-in-cart", {}, (200, ["GetItem", "GetItem", "BatchGetItem"], 3)),
    ]
    for method, path, kwargs, want in expected:
        result, ops, read = costs(calls, method, path, token=token, **kwargs)
        assert (result.status, ops, read) == want, (method, path, result.body)

    body = {"shippingAddress": factories.ADDRESS}
    placed, ops, read = costs(calls, "POST", "/checkout", token=token, body=body)
    assert (placed.status, ops, read) == (201, ["GetItem", "GetItem", "BatchGetItem", "TransactWriteItems"], 3)
    keyed, ops, _ = costs(calls, "POST", "/checkout", token=token, body=body, headers={"Idempotency-Key": "c1"})
    assert (keyed.status, ops) == (409, ["GetItem"] * 4)  # session, record, empty cart, record again

    order_id = placed.data["id"]
    pay = {"paymentMethod": "pm_card_visa"}
    paid, ops, read = costs(calls, "POST", f"/orders/{order_id}/payment", token=token, body=pay)
    assert (paid.status, ops, read) == (200, ["GetItem", "GetItem", "UpdateItem", "UpdateItem"], 2)
    cleared, ops, read = costs(calls, "DELETE", "/cart", token=token)
    assert (cleared.status, ops, read) == (200, ["GetItem", "DeleteItem"], 1)
