"""A user who just wrote reads their own write: an order is read with a strongly consistent
GetItem, so a GET right after the POST (or after a move) cannot 404 or show the old status
while the write reaches the other replicas. moto and DynamoDB Local are always consistent;
the `stale_unless_consistent` fault answers an eventually consistent GetItem as a replica
that has not applied the write yet, the way DynamoDB can for up to about a second."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke
from tests.faults import stale_unless_consistent
from tests.integration.conftest import pay_order

pytestmark = pytest.mark.dynamodb_local


def test_an_order_is_readable_right_after_it_is_placed(table, customer, product, faults):
    placed = invoke("POST", "/orders", body=factories.order_body((product()["id"], 1)), token=customer.token)
    assert placed.status == 201, placed.body
    faults.fail("GetItem", stale_unless_consistent)

    read = invoke("GET", f"/orders/{placed.data['id']}", token=customer.token)

    assert read.status == 200, read.body
    assert read.data == placed.data
    assert all(call.get("ConsistentRead") for call in faults.sent["GetItem"])


def test_an_admin_reads_the_order_they_just_moved(table, customer, admin, product, faults):
    placed = invoke("POST", "/orders", body=factories.order_body((product()["id"], 1)), token=customer.token)
    pay_order(customer.token, placed.data["id"])
    moved = invoke("PUT", f"/orders/{placed.data['id']}/status", body={"status": "shipped"}, token=admin.token)
    assert moved.status == 200, moved.body
    faults.fail("GetItem", stale_unless_consistent)

    read = invoke("GET", f"/orders/{placed.data['id']}", token=admin.token)

    assert read.status == 200, read.body
    assert read.data["status"] == "shipped"


def test_the_catalogue_and_the_health_probe_read_eventually_consistent_at_half_the_cost(table, product, faults):
    """docs/DATA_MODEL.md: `get product` is a plain GetItem. Product pages are the most read
    route and nobody reads them right after their own write, so they take half the capacity."""
    lamp = product()
    faults.recount()

    assert invoke("GET", f"/products/{lamp['id']}").status == 200
    assert invoke("GET", "/health").status == 200

    assert [call.get("ConsistentRead") for call in faults.sent["GetItem"]] == [False, False]
