"""Round trips and items read per request, counted with botocore event hooks.

These counts do not depend on machine speed, so they are asserted here; docs/BENCHMARKS.md has the timings."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke


@pytest.fixture
def dynamodb_calls(table):
    from shop.repository import repository

    calls: list[tuple[str, int | None]] = []

    def record(http_response, parsed, model, **kwargs):
        calls.append((model.name, parsed.get("ScannedCount")))

    events = repository().client.meta.events
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
        ("GET", "/orders", customer.token, None): ["Query"],
        ("POST", "/orders", customer.token, "order"): ["BatchGetItem", "TransactWriteItems"],
        ("PUT", f"/products/{item['id']}", admin.token, "update"): ["GetItem", "UpdateItem"],  # role re-check + write
        ("GET", "/health", None, None): ["GetItem"],
    }
    bodies = {"order": factories.order_body((item["id"], 1)), "update": {"stock": 7}, None: None}
    for (method, path, token, body), expected in cases.items():
        dynamodb_calls.clear()
        result = invoke(method, path, token=token, body=bodies[body])
        assert result.status < 300, result.body
        assert [name for name, _ in dynamodb_calls] == expected, (method, path)
