"""DynamoDB faults (throttling, 5xx, timeouts, transaction conflicts) injected under the
real handlers: after bounded retries the client gets 503 SERVICE_UNAVAILABLE with
Retry-After, never a 500 with internals, and an order is written whole or not at all."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke
from tests.faults import (
    connect_timeout,
    internal_error,
    read_timeout,
    request_limit,
    throttled,
    transaction_conflict,
    unknown_5xx,
    unlisted_500,
)

BOTOCORE_MAX_ATTEMPTS = 3  # src/shop/storage/dynamo.py: retries={"mode": "standard", "total_max_attempts": 3}
TRANSACTION_ATTEMPTS = 6  # src/shop/storage/dynamo.py: conflicts are retried by the storage itself
RETRIED_BY_BOTOCORE = [
    throttled,
    request_limit,
    internal_error,
    unlisted_500,
    unknown_5xx,
    read_timeout,
    connect_timeout,
]


def assert_unavailable(result):
    assert result.status == 503, result.body
    assert result.json == {"success": False, "error": "Service temporarily unavailable", "code": "SERVICE_UNAVAILABLE"}
    assert int(result.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("fault", RETRIED_BY_BOTOCORE, ids=lambda f: f.__name__)
def test_a_read_that_keeps_failing_is_retried_a_bounded_number_of_times_then_503(
    product, faults, backoff_delays, fault, log_lines
):
    created = product()
    faults.fail("GetItem", fault)
    result = invoke("GET", f"/products/{created['id']}")
    assert_unavailable(result)
    assert faults.attempts["GetItem"] == BOTOCORE_MAX_ATTEMPTS
    assert len(backoff_delays) == BOTOCORE_MAX_ATTEMPTS - 1  # a backoff before each retry
    assert all(0 <= delay <= 20 for delay in backoff_delays)
    line = log_lines[-1]
    assert '"status":503' in line and "SERVICE_UNAVAILABLE" in line


def test_a_transient_fault_is_hidden_by_the_retries(product, faults):
    created = product()
    faults.fail("GetItem", throttled, times=BOTOCORE_MAX_ATTEMPTS - 1)
    result = invoke("GET", f"/products/{created['id']}")
    assert result.status == 200 and result.data["id"] == created["id"]
    assert faults.attempts["GetItem"] == BOTOCORE_MAX_ATTEMPTS


def table_state(ddb, table, customer, product_id):
    stock = ddb.get_item(TableName=table, Key={"id": {"S": product_id}, "type": {"S": "product"}})["Item"]["stock"]
    orders = ddb.query(
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"user#{customer.user_id}"}},
    )["Items"]
    claim = ddb.get_item(
        TableName=table, Key={"id": {"S": f"idem#{customer.user_id}#retry-me"}, "type": {"S": "idempotency"}}
    ).get("Item")
    return int(stock["N"]), len(orders), claim is not None


@pytest.mark.parametrize(
    ("fault", "attempts"),
    [(f, BOTOCORE_MAX_ATTEMPTS) for f in RETRIED_BY_BOTOCORE] + [(transaction_conflict, TRANSACTION_ATTEMPTS)],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_an_order_whose_transaction_fails_is_not_written_at_all(
    table, ddb, customer, product, faults, fault, attempts, monkeypatch
):
    monkeypatch.setattr("shop.storage.dynamo.time.sleep", lambda _: None)  # the storage's own jitter
    first, second = product(stock=5), product(stock=7)
    body = factories.order_body((first["id"], 2), (second["id"], 3))
    headers = {"Idempotency-Key": "retry-me"}
    faults.fail("TransactWriteItems", fault)

    assert_unavailable(invoke("POST", "/orders", body=body, token=customer.token, headers=headers))
    assert faults.attempts["TransactWriteItems"] == attempts
    assert table_state(ddb, table, customer, first["id"]) == (5, 0, False)
    assert table_state(ddb, table, customer, second["id"])[0] == 7

    # The client retries as told, with the same key, once DynamoDB recovers: one order.
    faults.heal()
    placed = invoke("POST", "/orders", body=body, token=customer.token, headers=headers)
    assert placed.status == 201, placed.body
    assert table_state(ddb, table, customer, first["id"]) == (3, 1, True)
    assert table_state(ddb, table, customer, second["id"])[0] == 4


def test_a_throttled_login_counter_is_503_not_a_lockout_or_a_500(customer, faults):
    faults.fail("UpdateItem", throttled)
    result = invoke("POST", "/auth/login", body={"email": customer.email, "password": customer.password})
    assert_unavailable(result)
    assert faults.attempts["UpdateItem"] == BOTOCORE_MAX_ATTEMPTS


def test_a_failing_admin_recheck_is_503_never_a_silent_pass(admin, faults):
    faults.fail("GetItem", internal_error)
    result = invoke("POST", "/products", body=factories.product_body(), token=admin.token)
    assert_unavailable(result)
    assert faults.attempts["PutItem"] == 0  # nothing was written


def test_client_retries_are_bounded_by_the_shared_configuration():
    """The bounds the deadline relies on (shop.deadline; every function is checked against
    its timeout in tests/integration/test_deadlines.py)."""
    from shop import deadline
    from shop.storage.dynamo import client

    config = client(None, "us-east-1").meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": BOTOCORE_MAX_ATTEMPTS}
    assert (config.connect_timeout, config.read_timeout) == (deadline.CONNECT_TIMEOUT, deadline.READ_TIMEOUT)
    assert deadline.ATTEMPTS == BOTOCORE_MAX_ATTEMPTS
