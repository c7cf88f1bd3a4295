"""A transaction cancelled by a conflict with another one is retried by the storage layer
(docs/DATA_MODEL.md: "retried with jitter a few times, then 503"), pausing between attempts.

The pauses are the retry budget: each a random draw whose ceiling grows from attempt to
attempt (backing off from a contended item), and all of them together, at their longest,
no longer than the one botocore backoff a function's timeout is sized to hold
(deadline.MAX_BACKOFF; CONTRIBUTING: "one AWS attempt with its worst backoff")."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from shop import deadline
from shop.storage import dynamo
from tests import factories
from tests.apigw import invoke
from tests.faults import transaction_conflict


@pytest.fixture
def longest_pauses(monkeypatch):
    """The pauses the storage sleeps, each drawn at the top of its range."""
    slept: list[float] = []
    monkeypatch.setattr(dynamo, "random", SimpleNamespace(uniform=lambda a, b: max(a, b)))
    monkeypatch.setattr(dynamo, "time", SimpleNamespace(sleep=slept.append))
    return slept


def test_a_conflicted_order_is_placed_after_short_growing_pauses(table, customer, product, faults, longest_pauses):
    body = factories.order_body((product(stock=5)["id"], 1))
    retries = dynamo.TRANSACTION_ATTEMPTS - 1
    faults.fail("TransactWriteItems", transaction_conflict, times=retries)

    placed = invoke("POST", "/orders", token=customer.token, body=body)

    assert placed.status == 201, placed.body
    assert faults.attempts["TransactWriteItems"] == dynamo.TRANSACTION_ATTEMPTS
    assert len(longest_pauses) == retries
    assert longest_pauses[0] > 0, "the first retry may wait too"
    assert all(a < b for a, b in itertools.pairwise(longest_pauses)), longest_pauses
    assert sum(longest_pauses) <= deadline.MAX_BACKOFF, longest_pauses


def test_a_transaction_that_keeps_conflicting_is_503_after_its_attempts(
    table, customer, product, faults, longest_pauses
):
    body = factories.order_body((product(stock=5)["id"], 1))
    faults.fail("TransactWriteItems", transaction_conflict)

    result = invoke("POST", "/orders", token=customer.token, body=body)

    assert result.status == 503 and result.code == "SERVICE_UNAVAILABLE"
    assert int(result.headers["Retry-After"]) >= 1
    assert faults.attempts["TransactWriteItems"] == dynamo.TRANSACTION_ATTEMPTS
    assert sum(longest_pauses) <= deadline.MAX_BACKOFF
