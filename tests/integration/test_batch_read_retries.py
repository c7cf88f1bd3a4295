"""BatchGetItem may leave keys unprocessed (DynamoDB does under load): the storage reads them
again, pausing between attempts, and answers 503 with Retry-After when some are still
unread after its attempts, never a 404 for a product that exists."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from shop.storage import dynamo
from tests import factories
from tests.apigw import invoke


@pytest.fixture
def unprocessed(table, monkeypatch):
    """Answer the next `times` BatchGetItem calls with every key unprocessed."""
    from shop.storage import storage

    monkeypatch.setattr(dynamo, "random", SimpleNamespace(uniform=lambda a, b: max(a, b)))
    monkeypatch.setattr(dynamo, "time", SimpleNamespace(sleep=lambda seconds: None))
    state = {"left": 0, "calls": 0}

    def answer(params, **kwargs):
        state["calls"] += 1
        if state["left"] == 0:
            return None
        state["left"] -= 1
        http = SimpleNamespace(status_code=200, headers={})
        return http, {"Responses": {}, "UnprocessedKeys": json.loads(params["body"])["RequestItems"]}

    events = storage().client.meta.events
    events.register("before-call.dynamodb.BatchGetItem", answer, unique_id="unprocessed")

    def fail(times):
        state["left"], state["calls"] = times, 0
        return state

    yield fail
    events.unregister("before-call.dynamodb.BatchGetItem", unique_id="unprocessed")


def test_unprocessed_keys_are_read_again_until_every_line_is_priced(customer, product, unprocessed):
    body = factories.order_body((product(stock=5)["id"], 1), (product(stock=5)["id"], 2))
    state = unprocessed(dynamo.BATCH_GET_ATTEMPTS - 1)

    placed = invoke("POST", "/orders", token=customer.token, body=body)

    assert placed.status == 201, placed.body
    assert len(placed.data["items"]) == 2
    assert state["calls"] == dynamo.BATCH_GET_ATTEMPTS


def test_keys_still_unread_after_every_attempt_are_503_not_404(customer, product, unprocessed):
    body = factories.order_body((product(stock=5)["id"], 1))
    state = unprocessed(10 * dynamo.BATCH_GET_ATTEMPTS)

    result = invoke("POST", "/orders", token=customer.token, body=body)

    assert result.status == 503 and result.code == "SERVICE_UNAVAILABLE", result.body
    assert int(result.headers["Retry-After"]) >= 1
    assert state["calls"] == dynamo.BATCH_GET_ATTEMPTS
