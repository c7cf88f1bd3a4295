"""A payment that meets another request: the provider's webhook recording this very payment
first is a success for the customer, any other payment (a different provider reference, an
admin) a conflict; a twin request, a cancel, the currency the provider is asked for. On the
in-memory fake, each race staged by running the other request at the moment it would land."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from shop.envelope import error_reply
from shop.errors import InvalidTransition, NotFound, PaymentDeclined, ServiceUnavailable, ValidationFailed
from shop.providers import Outcome, ProviderUnavailable
from shop.providers.fake import FakeProvider
from shop.services import orders, payments
from tests import factories
from tests.factories import add_product, caller
from tests.fakes import FakeStorage


class PaidMeanwhile:
    """Charges succeed with reference `pi_mine`; before answering, the order is marked paid with
    `recorded` as the reference (the webhook of the same payment, or another payment)."""

    name = "stripe"

    def __init__(self, store, recorded, key=None):
        self.store, self.recorded, self.key = store, recorded, key

    def charge(self, charge):
        stored = self.store.orders.records[charge.order_id]
        stored["status"] = "paid"
        stored["payment"] = {**stored["payment"], "status": "succeeded", "reference": self.recorded}
        if self.key:
            stored["payment"]["idempotencyKey"] = self.key
        return Outcome(succeeded=True, reference="pi_mine")


@pytest.fixture
def order():
    store = FakeStorage()
    add_product(store, "lamp")
    placed, _ = orders.create(
        store,
        caller(),
        {"items": [{"productId": "lamp", "quantity": 1}], "shippingAddress": dict(factories.ADDRESS)},
    )
    return store, placed


def test_the_webhook_recording_this_payment_first_is_answered_as_paid(order):
    store, placed = order
    paid, replayed = payments.pay(
        store, caller(), placed["id"], {"paymentMethod": "pm_card_visa"}, None, PaidMeanwhile(store, "pi_mine")
    )
    assert (paid["status"], paid["payment"]["reference"], replayed) == ("paid", "pi_mine", True)
    assert all(consistent for _, consistent in store.orders.reads)  # the read after the conflict sees it


def test_a_twin_with_the_same_key_recording_its_payment_first_is_answered_as_paid(order):
    store, placed = order
    twin = PaidMeanwhile(store, "pi_twin", key="k")
    paid, replayed = payments.pay(store, caller(), placed["id"], {"paymentMethod": "pm_card_visa"}, "k", twin)
    assert (paid["status"], paid["payment"]["reference"], replayed) == ("paid", "pi_twin", True)


@pytest.mark.parametrize("recorded", ["pi_other", None], ids=["another payment", "no reference (an admin)"])
def test_an_order_paid_otherwise_meanwhile_is_a_conflict(order, recorded):
    store, placed = order
    with pytest.raises(InvalidTransition) as refused:
        payments.pay(
            store, caller(), placed["id"], {"paymentMethod": "pm_card_visa"}, None, PaidMeanwhile(store, recorded)
        )
    assert refused.value.message == "Order changed while it was being paid"


def test_a_cancel_while_the_provider_is_charging_is_refused(order):
    store, placed = order
    provider = FakeProvider()
    real_charge = provider.charge
    refused = []

    def charge(charge):
        try:
            orders.cancel(store, caller(), placed["id"])
        except InvalidTransition as error:
            refused.append(error)
        return real_charge(charge)

    provider.charge = charge
    paid, _ = payments.pay(store, caller(), placed["id"], {"paymentMethod": "pm_card_visa"}, None, provider)
    assert len(refused) == 1 and paid["status"] == "paid"


def before_the_marker(store, meanwhile):
    """Runs `meanwhile` just before the order's first write (the attempt's marker) lands."""
    real = store.orders.save

    def save(write):
        store.orders.save = real
        meanwhile()
        return real(write)

    store.orders.save = save


def test_a_twin_request_that_pays_first_is_answered_with_its_payment(order):
    store, placed = order
    provider = FakeProvider()
    visa = {"paymentMethod": "pm_card_visa"}
    twin = []
    before_the_marker(store, lambda: twin.append(payments.pay(store, caller(), placed["id"], visa, "k", provider)))

    paid, replayed = payments.pay(store, caller(), placed["id"], visa, "k", provider)

    assert (paid, replayed) == (twin[0][0], True) and paid["status"] == "paid"
    assert len(provider.succeeded(placed["id"])) == 1
    assert all(consistent for _, consistent in store.orders.reads)  # each read sees the twin's write


def test_an_order_cancelled_before_the_marker_is_a_conflict_naming_its_status(order):
    store, placed = order
    provider = FakeProvider()
    before_the_marker(store, lambda: orders.cancel(store, caller(), placed["id"]))
    with pytest.raises(InvalidTransition) as refused:
        payments.pay(store, caller(), placed["id"], {"paymentMethod": "pm_card_visa"}, "k", provider)
    assert "cancelled" in refused.value.message
    assert provider.charges == []


def test_paying_an_order_not_pending_names_its_status(order):
    store, placed = order
    orders.cancel(store, caller(), placed["id"])
    with pytest.raises(InvalidTransition) as refused:
        payments.pay(store, caller(), placed["id"], {"paymentMethod": "pm_card_visa"}, None, FakeProvider())
    assert "cancelled" in refused.value.message


def test_someone_elses_order_is_not_found_as_reading_it_would_say(order):
    store, placed = order
    with pytest.raises(NotFound) as read:
        orders.get(store, caller("u2"), placed["id"])
    with pytest.raises(NotFound) as paid:
        payments.pay(store, caller("u2"), placed["id"], {"paymentMethod": "pm_card_visa"}, None, FakeProvider())
    assert paid.value.message == read.value.message


@pytest.fixture
def euro(monkeypatch):
    from shop import config

    monkeypatch.setenv("CURRENCY", "eur")
    config.reset()
    yield
    config.reset()


def test_an_order_in_another_currency_is_charged_and_recorded_in_it(euro, order):
    store, placed = order
    provider = FakeProvider()
    paid, _ = payments.pay(store, caller(), placed["id"], {"paymentMethod": "pm_card_visa"}, None, provider)
    assert [c.currency for c in provider.succeeded(placed["id"])] == ["eur"]
    assert paid["payment"]["currency"] == "eur"


class Declines:
    name = "fake"

    def charge(self, charge):
        return Outcome(succeeded=False, reference=None)  # a decline the provider gives no reason for


def test_a_decline_without_a_reason_is_declined_and_recorded_with_its_method_and_time(order):
    store, placed = order
    with pytest.raises(PaymentDeclined) as declined:
        payments.pay(store, caller(), placed["id"], {"paymentMethod": "pm_card_visa"}, None, Declines())
    assert declined.value.details == {"reason": ["declined"]}
    decline = store.orders.get(placed["id"])["payment"]["lastDecline"]
    assert (decline["reason"], decline["method"]) == ("declined", "pm_card_visa") and near(decline["at"])


def test_an_unknown_payment_method_is_400_naming_the_field_and_recorded_as_a_decline(order):
    store, placed = order
    with pytest.raises(ValidationFailed) as refused:
        payments.pay(store, caller(), placed["id"], {"paymentMethod": "pm_card_nope"}, None, FakeProvider())
    assert refused.value.details == {"paymentMethod": ["Unknown payment method."]}
    decline = store.orders.get(placed["id"])["payment"]["lastDecline"]
    assert decline["reason"] == "unknown_payment_method" and near(decline["at"])


def test_an_unreachable_provider_is_503_with_retry_after(order):
    store, placed = order

    class Down:
        name = "fake"

        def charge(self, charge):
            raise ProviderUnavailable()

    with pytest.raises(ServiceUnavailable) as refused:
        payments.pay(store, caller(), placed["id"], {"paymentMethod": "pm_card_visa"}, None, Down())
    assert int(error_reply(refused.value).headers["Retry-After"]) >= 1
    assert store.orders.get(placed["id"])["status"] == "pending"


def test_a_payment_without_an_idempotency_key_records_none(order):
    store, placed = order
    paid, _ = payments.pay(store, caller(), placed["id"], {"paymentMethod": "pm_card_visa"}, None, FakeProvider())
    assert "idempotencyKey" not in paid["payment"]
    assert "idempotencyKey" not in store.orders.get(placed["id"])["payment"]


def near(iso, seconds=60):
    return abs(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() - time.time()) < seconds
