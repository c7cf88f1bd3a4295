"""Refunds (issue 28): partial and full, once per key, never past the charge, even at once; a paid
order's cancel refunds it in the same request; a charge that lands on a cancelled order is given
back; a provider that fails leaves the refund pending and a later ask settles it once. Through the
real handlers and the fake provider's ledger, on moto and on DynamoDB Local."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from tests.apigw import invoke, invoke_function
from tests.integration.conftest import pay_order
from tests.integration.test_payments import fake_provider, place
from tests.integration.test_webhook_and_expiry import deliver, event, webhook_secret

pytestmark = pytest.mark.dynamodb_local

__all__ = ["fake_provider", "webhook_secret"]


def refund(admin, order_id, body=None, key=None):
    headers = {"Idempotency-Key": key} if key else None
    return invoke("POST", f"/orders/{order_id}/refunds", token=admin.token, body=body or {}, headers=headers)


def ledger_refunds(provider, order_id):
    return [(entry["amount"], entry["status"]) for entry in provider.refunds(order_id)]


@pytest.fixture
def paid(customer, product, fake_provider):
    order = place(customer.token, product(price=20, stock=5)["id"], 1)
    pay_order(customer.token, order["id"])
    return order["id"]


def test_partial_refunds_add_up_and_the_rest_is_refunded_without_an_amount(table, customer, admin, paid, fake_provider):
    first = refund(admin, paid, {"amount": 5, "reason": "scratched"})
    assert first.status == 201, first.body
    assert {k: first.data[k] for k in ("orderId", "amount", "status", "reason")} == {
        "orderId": paid,
        "amount": 5,
        "status": "succeeded",
        "reason": "scratched",
    }
    order = invoke("GET", f"/orders/{paid}", token=customer.token).data
    assert order["payment"]["status"] == "partially_refunded" and order["payment"]["refundedAmount"] == 5
    rest = refund(admin, paid)
    assert rest.status == 201 and (rest.data["amount"], rest.data["reason"]) == (15, "requested_by_admin")
    order = invoke("GET", f"/orders/{paid}", token=customer.token).data
    assert order["payment"]["status"] == "refunded" and order["payment"]["refundedAmount"] == 20
    assert [r["amount"] for r in order["refunds"]] == [5, 15] and order["status"] == "paid"
    nothing = refund(admin, paid, {"amount": 1})
    assert (nothing.status, nothing.code) == (409, "NOTHING_TO_REFUND")
    assert ledger_refunds(fake_provider, paid) == [(Decimal("5"), "succeeded"), (Decimal("15"), "succeeded")]


def test_more_than_is_left_is_409_and_an_unpaid_order_has_nothing_to_refund(table, customer, admin, product, paid):
    too_much = refund(admin, paid, {"amount": 20.01})
    assert (too_much.status, too_much.code) == (409, "REFUND_EXCEEDS_PAYMENT"), too_much.body
    pending = place(customer.token, product(price=20)["id"], 1)
    unpaid = refund(admin, pending["id"], {"amount": 1})
    assert (unpaid.status, unpaid.code) == (409, "NOTHING_TO_REFUND")
    assert refund(customer, paid, {"amount": 1}).status == 403


def test_a_retry_with_the_same_key_is_the_same_refund(table, admin, paid, fake_provider):
    first = refund(admin, paid, {"amount": 3}, key="r-1")
    again = refund(admin, paid, {"amount": 3}, key="r-1")
    assert (first.status, again.status) == (201, 201) and again.headers.get("Idempotent-Replayed") == "true"
    assert again.data == first.data
    assert ledger_refunds(fake_provider, paid) == [(Decimal("3"), "succeeded")]


def test_concurrent_refunds_never_exceed_the_charge(table, admin, paid, fake_provider):
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: refund(admin, paid, {"amount": 8}), range(6)))
    assert sorted(r.status for r in results) == [201, 201, 409, 409, 409, 409]
    assert {r.code for r in results if r.status == 409} == {"REFUND_EXCEEDS_PAYMENT"}
    assert sum(amount for amount, status in ledger_refunds(fake_provider, paid) if status == "succeeded") == 16


def test_an_admin_cancel_of_a_paid_order_refunds_it_in_full_in_the_same_request(
    table, customer, admin, paid, fake_provider
):
    cancelled = invoke("POST", f"/orders/{paid}/cancel", token=admin.token)
    assert cancelled.status == 200, cancelled.body
    assert cancelled.data["status"] == "cancelled" and cancelled.data["payment"]["status"] == "refunded"
    assert [(r["amount"], r["status"], r["reason"]) for r in cancelled.data["refunds"]] == [
        (20, "succeeded", "order_cancelled")
    ]
    assert ledger_refunds(fake_provider, paid) == [(Decimal("20"), "succeeded")]


def test_a_refund_the_provider_could_not_take_stays_pending_and_is_settled_once_later(
    table, customer, admin, paid, fake_provider, monkeypatch
):
    from shop.providers import ProviderUnavailable
    from shop.providers.fake import FakeProvider

    real = FakeProvider.refund

    def down(self, request):
        raise ProviderUnavailable("down")

    monkeypatch.setattr(FakeProvider, "refund", down)
    cancelled = invoke("POST", f"/orders/{paid}/cancel", token=admin.token)
    assert cancelled.status == 200 and cancelled.data["status"] == "cancelled", cancelled.body
    assert [r["status"] for r in cancelled.data["refunds"]] == ["pending"]
    assert fake_provider.refunds(paid) == []

    monkeypatch.setattr(FakeProvider, "refund", real)
    sweep = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    invoke_function("expireOrders", sweep)  # the scheduled sweep asks the provider again
    invoke_function("expireOrders", sweep)  # nothing due any more: never a second refund

    seen = invoke("GET", f"/orders/{paid}", token=customer.token).data
    assert [r["status"] for r in seen["refunds"]] == ["succeeded"] and seen["payment"]["status"] == "refunded"
    assert ledger_refunds(fake_provider, paid) == [(Decimal("20"), "succeeded")]


def test_a_charge_that_lands_on_a_cancelled_order_is_refunded_automatically(
    table, customer, product, webhook_secret, fake_provider
):
    order = place(customer.token, product(price=10)["id"], 1)
    assert invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token).status == 200
    late = event("payment_intent.succeeded", order["id"], 1000)
    from shop.providers import Charge

    # The provider did take the money (say, the customer's bank approved it after the cancel).
    fake_provider.charge(Charge(order["id"], 1000, "usd", "pm_card_visa", "late-1"))

    result = deliver(late)
    assert result.status == 200 and result.data["outcome"] == "refunded_not_payable", result.body
    assert deliver(late).data["outcome"] == "duplicate"
    seen = invoke("GET", f"/orders/{order['id']}", token=customer.token).data
    assert seen["status"] == "cancelled"
    assert [(r["amount"], r["reason"], r["status"]) for r in seen["refunds"]] == [
        (10, "order_not_payable", "succeeded")
    ]
    assert ledger_refunds(fake_provider, order["id"]) == [(Decimal("10"), "succeeded")]


def test_the_providers_refund_webhooks_settle_the_refund_they_name(table, customer, admin, paid, webhook_secret):
    import hashlib

    given = refund(admin, paid, {"amount": 5})
    assert given.status == 201 and given.data["status"] == "succeeded"
    reference = "re_fake_" + hashlib.sha256(f"refund-{paid}-{given.data['id']}".encode()).hexdigest()[:24]
    failed = {
        "id": "evt_refund_failed_" + given.data["id"],
        "object": "event",
        "type": "refund.failed",
        "data": {"object": {"id": reference, "object": "refund", "status": "failed", "metadata": {"orderId": paid}}},
    }

    result = deliver(failed)

    assert result.status == 200 and result.data["outcome"] == "refund_failed", result.body
    assert deliver(failed).data["outcome"] == "duplicate"
    order = invoke("GET", f"/orders/{paid}", token=customer.token).data
    assert [r["status"] for r in order["refunds"]] == ["failed"]
    assert order["payment"]["status"] == "succeeded" and order["payment"]["refundedAmount"] == 0
    again = refund(admin, paid)  # what failed to go back may be refunded again
    assert again.status == 201 and again.data["amount"] == 20
