"""What an order refused by the catalogue check costs (docs/BENCHMARKS.md, round trips per
request): the caller's session check and the batch read of its products and nothing else when it carries no
`Idempotency-Key`; with one, the key's record is read again (a concurrent retry may be what
took the stock, docs/API.md) and the refusal stands when no order holds the key."""

from __future__ import annotations

import pytest

from devtools.request_costs import counting
from tests import factories
from tests.apigw import invoke


@pytest.fixture
def calls(table):
    from shop.storage import storage

    with counting(storage().client) as log:
        yield log


@pytest.mark.parametrize(
    ("key", "operations"),
    # The first GetItem of each is the edge's session check of the caller (docs/SECURITY.md).
    [(None, ["GetItem", "BatchGetItem"]), ("refused-1", ["GetItem", "GetItem", "BatchGetItem", "GetItem"])],
)
def test_an_order_short_of_stock_reads_the_key_record_only_when_it_has_a_key(
    table, calls, customer, product, key, operations
):
    scarce = product(stock=1)
    headers = {"Idempotency-Key": key} if key else None
    calls.clear()

    refused = invoke(
        "POST", "/orders", body=factories.order_body((scarce["id"], 2)), token=customer.token, headers=headers
    )

    assert refused.status == 409 and refused.code == "OUT_OF_STOCK", refused.body
    assert calls.operations == operations
