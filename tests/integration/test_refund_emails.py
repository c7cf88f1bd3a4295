"""Truthful emails about money (issue 28, "Emails"): every refund the provider confirms mails the
customer "Refund of <amount> issued" once (an admin's refund, a received return, a late charge
given back), while a paid order's cancel names its refund in the cancellation email and sends no
second one. The whole events path: the table's stream, the publisher, SNS with the template's
filter policy, SQS, the notifier and SES, read back through the local outbox."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke
from tests.integration.test_order_events import aws, emails, job, path, published
from tests.integration.test_payments import fake_provider, pay, place

pytestmark = pytest.mark.dynamodb_local

__all__ = ["aws", "fake_provider", "path"]  # fixtures


def refunds_mailed(order_id):
    return [m for m in emails(order_id) if m["eventType"] == "order.refunded"]


def test_each_refund_is_one_event_and_one_email_naming_its_amount(path, customer, admin, product, fake_provider):
    order = place(customer.token, product(price=12.5, stock=10)["id"], 2)
    assert pay(customer.token, order["id"]).status == 200
    job.tick()
    published(path)

    first = invoke("POST", f"/orders/{order['id']}/refunds", token=admin.token, body={"amount": 5})
    assert first.status == 201 and first.data["status"] == "succeeded", first.body
    job.tick()
    job.tick()  # a second tick finds nothing new: one email per refund
    rest = invoke("POST", f"/orders/{order['id']}/refunds", token=admin.token, body={})
    assert rest.status == 201, rest.body
    job.tick()

    events = [e for e in published(path) if e["type"] == "order.refunded"]
    assert [e["refund"]["amount"] for e in events] == ["5.00", "20.00"]
    assert [e["refund"]["id"] for e in events] == [first.data["id"], rest.data["id"]]
    mailed = refunds_mailed(order["id"])
    assert sorted(m["subject"].split(" (")[0] for m in mailed) == [
        "Refund of 20.00 USD issued",
        "Refund of 5.00 USD issued",
    ]
    assert all(m["to"] == customer.email for m in mailed)
    assert any("A refund of 5.00 USD is issued to your payment method." in m["text"] for m in mailed)


def test_a_received_return_mails_its_refund(path, customer, admin, product, fake_provider):
    item = product(price=12.5, stock=10)
    placed = invoke("POST", "/orders", token=customer.token, body=factories.order_body((item["id"], 2)))
    order_id = placed.data["id"]
    assert pay(customer.token, order_id).status == 200
    for status in ("shipped", "delivered"):
        assert invoke("PUT", f"/orders/{order_id}/status", token=admin.token, body={"status": status}).status == 200
    body = {"items": [{"productId": item["id"], "quantity": 1}], "reason": "Too big"}
    asked = invoke("POST", f"/orders/{order_id}/returns", token=customer.token, body=body)
    assert asked.status == 201, asked.body
    job.tick()
    assert refunds_mailed(order_id) == []  # asking is not refunding

    received = invoke(
        "POST", f"/orders/{order_id}/returns/{asked.data['id']}/receive", token=admin.token, body={"restock": True}
    )
    assert received.status == 200, received.body
    job.tick()

    [mailed] = refunds_mailed(order_id)
    assert mailed["subject"].startswith("Refund of 12.50 USD issued")
    assert "We received the items you returned." in mailed["text"]


def test_a_paid_orders_cancel_names_its_refund_once_in_the_cancellation_email(
    path, customer, admin, product, fake_provider
):
    order = place(customer.token, product(price=12.5, stock=10)["id"], 2)
    assert pay(customer.token, order["id"]).status == 200
    cancelled = invoke("POST", f"/orders/{order['id']}/cancel", token=admin.token)
    assert cancelled.status == 200 and cancelled.data["refunds"][0]["status"] == "succeeded", cancelled.body
    job.tick()

    sent = emails(order["id"])
    assert [m["eventType"] for m in sent] == ["order.cancelled", "order.paid", "order.created"]
    assert "A refund of 25.00 USD is issued" in sent[0]["text"]
