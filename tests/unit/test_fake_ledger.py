"""The fake provider's ledger (shop.providers.fake): one file every worker process shares, with
Stripe's idempotency (same key and parameters: the first outcome, nothing charged; same key,
other parameters: refused) and one payment per order, whichever process charges it."""

from __future__ import annotations

import json
import multiprocessing
import uuid
from decimal import Decimal

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shop.providers import Charge, IdempotencyConflict
from shop.providers.fake import FakeProvider


def _charge_from_a_process(path, order_id, method, start, results):
    start.wait(10)
    provider = FakeProvider(path)
    outcome = provider.charge(Charge(order_id, 1000, "usd", method, f"order-{order_id}-attempt-{uuid.uuid4().hex}"))
    results.put(outcome.succeeded)


def test_two_processes_charging_one_order_at_once_take_one_payment(tmp_path):
    path = str(tmp_path / "payments.sqlite3")
    FakeProvider(path)  # the schema, as the first worker creates it
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    methods = ["pm_card_visa", "pm_card_mastercard"] * 3
    workers = [
        context.Process(target=_charge_from_a_process, args=(path, "order-1", m, start, results)) for m in methods
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(30)
    assert [worker.exitcode for worker in workers] == [0] * len(workers)
    assert sorted(results.get(timeout=5) for _ in workers) == [True] * len(workers)  # each answers paid...
    ledger = FakeProvider(path)
    assert len(ledger.succeeded("order-1")) == 1  # ...by the one payment that took money
    assert len(ledger.charges) == 1


def test_a_key_replays_its_outcome_and_refuses_other_parameters(tmp_path):
    provider = FakeProvider(str(tmp_path / "ledger.sqlite3"))
    declined = Charge("order-2", 500, "usd", "pm_card_chargeDeclined", "order-2-attempt-a")
    first, again = provider.charge(declined), provider.charge(declined)
    assert first == again and not first.succeeded and first.reason == "card_declined"
    with pytest.raises(IdempotencyConflict):
        provider.charge(Charge("order-2", 500, "usd", "pm_card_visa", "order-2-attempt-a"))
    assert len(provider.charges) == 1
    paid = provider.charge(Charge("order-2", 500, "usd", "pm_card_visa", "order-2-attempt-b"))
    assert paid.succeeded and paid.reference == first.reference  # one PaymentIntent per order


def test_the_local_route_lists_the_ledger_of_every_worker(tmp_path, monkeypatch):
    from devtools.local_routes import payments as route
    from shop import providers

    monkeypatch.setenv("FAKE_PAYMENTS_LEDGER", str(tmp_path / "shared.sqlite3"))
    monkeypatch.setenv("PAYMENT_PROVIDER", "fake")
    providers.reset()
    try:
        other_worker = FakeProvider()  # another process's provider: the same file
        other_worker.charge(Charge("order-3", 1999, "usd", "pm_card_visa", "order-3-attempt-a"))
        other_worker.charge(Charge("order-4", 500, "usd", "pm_card_chargeDeclined", "order-4-attempt-a"))
        listed = route.handle(
            Request(EnvironBuilder(path="/_local/payments", query_string={"orderId": "order-3"}).get_environ())
        )
        assert listed.status_code == 200
        [entry] = json.loads(listed.get_data())["data"]
        assert {k: entry[k] for k in ("orderId", "kind", "status", "currency")} == {
            "orderId": "order-3",
            "kind": "charge",
            "status": "succeeded",
            "currency": "usd",
        }
        assert Decimal(str(entry["amount"])) == Decimal("19.99") and entry["reference"].startswith("pi_fake_")
        everything = route.handle(Request(EnvironBuilder(path="/_local/payments").get_environ()))
        assert [e["status"] for e in json.loads(everything.get_data())["data"]] == ["succeeded", "failed"]
        posted = route.handle(Request(EnvironBuilder(path="/_local/payments", method="POST").get_environ()))
        assert posted.status_code == 405
    finally:
        providers.reset()
