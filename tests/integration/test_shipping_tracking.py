"""Tracking on a shipped order (issue 31, docs/API.md "Shipping details"): given with the
move to shipped, stored on the order, shown by GET /orders/{id}, and in the shipped email
(through the real events path, as tests/integration/test_order_events.py drives it)."""

from __future__ import annotations

import pytest

from devtools.local_jobs import order_events as job
from tests.apigw import invoke
from tests.integration.conftest import place_paid_order
from tests.integration.test_order_events import aws, emails, path, published  # noqa: F401  # fixtures

TRACKING = {"carrier": "UPS", "number": "1Z999AA10123456784", "url": "https://www.ups.com/track?n=1Z999AA1"}


def ship(admin, order_id, **body):
    return invoke("PUT", f"/orders/{order_id}/status", body={"status": "shipped", **body}, token=admin.token)


def order_item(ddb, table, order_id):
    key = {"id": {"S": order_id}, "type": {"S": "order"}}
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]


def test_tracking_given_with_shipped_is_stored_and_shown_to_the_owner(table, ddb, customer, admin, product):
    order_id = place_paid_order(customer, admin, product(stock=5)["id"])
    body = {"carrier": "  UPS ", "number": TRACKING["number"], "url": TRACKING["url"]}
    shipped = ship(admin, order_id, tracking=body)
    assert shipped.status == 200, shipped.body
    assert (shipped.data["status"], shipped.data["tracking"]) == ("shipped", TRACKING)
    seen = invoke("GET", f"/orders/{order_id}", token=customer.token)
    assert seen.data["tracking"] == TRACKING
    assert order_item(ddb, table, order_id)["tracking"]["M"]["number"] == {"S": TRACKING["number"]}


def test_shipping_without_tracking_still_works_and_shows_none(table, customer, admin, product):
    order_id = place_paid_order(customer, admin, product(stock=5)["id"])
    shipped = ship(admin, order_id)
    assert shipped.status == 200 and "tracking" not in shipped.data


@pytest.mark.parametrize(
    ("tracking", "fields"),
    [
        ({"carrier": "UPS"}, {"tracking.number"}),
        ({"carrier": "", "number": "1"}, {"tracking.carrier"}),
        ({"carrier": "UPS", "number": "x" * 201}, {"tracking.number"}),
        ({"carrier": "UPS", "number": "1", "url": "http://ups.example/t"}, {"tracking.url"}),
        ({"carrier": "UPS", "number": "1", "url": "https://" + "a" * 200}, {"tracking.url"}),
        ({"carrier": "UPS", "number": "1", "eta": "soon"}, {"tracking.eta"}),
        ("1Z999", {"tracking"}),
    ],
)
def test_bad_tracking_is_a_400_naming_the_field_and_the_order_stays_paid(
    table, customer, admin, product, tracking, fields
):
    order_id = place_paid_order(customer, admin, product(stock=5)["id"])
    refused = ship(admin, order_id, tracking=tracking)
    assert (refused.status, refused.code) == (400, "VALIDATION_ERROR")
    assert set(refused.json["details"]) == fields, refused.json["details"]
    assert invoke("GET", f"/orders/{order_id}", token=customer.token).data["status"] == "paid"


def test_tracking_is_only_for_a_move_to_shipped(table, customer, admin, product):
    order_id = place_paid_order(customer, admin, product(stock=5)["id"])
    body = {"status": "cancelled", "tracking": TRACKING}
    refused = invoke("PUT", f"/orders/{order_id}/status", body=body, token=admin.token)
    assert (refused.status, refused.code) == (400, "VALIDATION_ERROR") and "tracking" in refused.json["details"]


def test_the_shipped_email_carries_the_tracking(path, customer, admin, product):  # noqa: F811
    order_id = place_paid_order(customer, admin, product(stock=5)["id"])
    job.tick()
    assert ship(admin, order_id, tracking=TRACKING).status == 200
    job.tick()
    shipped = [e for e in published(path) if e["type"] == "order.shipped"]
    assert shipped[0]["order"]["tracking"] == TRACKING
    [mail] = [m for m in emails(order_id) if m["eventType"] == "order.shipped"]
    assert f"Tracking: UPS {TRACKING['number']}" in mail["text"]
    assert f"Track it at {TRACKING['url']}" in mail["text"]
    paid = [m for m in emails(order_id) if m["eventType"] == "order.paid"]
    assert all("Tracking" not in m["text"] for m in paid)
