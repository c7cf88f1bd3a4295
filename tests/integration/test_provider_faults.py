"""The soak's payment-provider faults (devtools.provider_faults), as the running local server
installs them: slow, failing, and answering after a timeout (the charge lands, its answer is lost).
What the customer sees, what the provider's ledger holds and what reconciliation says; through
the real payment and refund handlers. And what a function sees without the local server: nothing."""

from __future__ import annotations

import json
import os
import time
from decimal import Decimal

import pytest

from devtools import provider_faults
from tests.apigw import invoke, invoke_function
from tests.integration.test_payments import fake_provider, pay, place

__all__ = ["fake_provider"]


@pytest.fixture
def schedule(tmp_path, monkeypatch):
    """FAULT_SCHEDULE and FAULT_LOG as make soak sets them; the provider's class restored after."""
    from shop.providers.fake import FakeProvider

    for operation in provider_faults.OPERATIONS:
        monkeypatch.setattr(FakeProvider, operation, getattr(FakeProvider, operation))
    path, log = tmp_path / "faults.json", tmp_path / "faults.jsonl"
    monkeypatch.setenv("FAULT_SCHEDULE", str(path))
    monkeypatch.setenv("FAULT_LOG", str(log))

    writes = []

    def plan(*faults):
        path.write_text(json.dumps({"faults": [{"target": "payment", "rate": 1.0, "start": 0, **f} for f in faults]}))
        writes.append(faults)
        stamp = time.time() + len(writes)
        os.utime(path, (stamp, stamp))  # a rewrite within one mtime tick is read too

    plan.log = log  # type: ignore[attr-defined]
    plan()
    return plan


def injected(log):
    return [(e["target"], e["kind"], e["operation"]) for e in map(json.loads, log.read_text().splitlines())]


def differences(provider):
    from shop.services import reconcile
    from shop.storage import storage

    return [d.as_dict() for d in reconcile.compare(storage(), provider.ledger())]


def test_a_charge_whose_answer_is_lost_is_a_503_and_the_retry_with_its_key_pays_it_once(
    table, customer, product, fake_provider, schedule
):
    order = place(customer.token, product(price=12.5)["id"], 2)
    schedule({"kind": "lost", "seconds": 0.2, "operations": ["charge"], "end": time.time() + 60})
    assert provider_faults.install()

    lost = pay(customer.token, order["id"], key="soak-1")
    assert lost.status == 503 and lost.headers.get("Retry-After"), lost.body
    assert [(c.order_id, c.amount_minor) for c in fake_provider.succeeded(order["id"])] == [(order["id"], 2500)]
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data["status"] == "pending"
    assert injected(schedule.log) == [("payment", "lost", "charge")]

    schedule()  # the fault is over; the customer's client retries with the same key
    again = pay(customer.token, order["id"], key="soak-1")
    assert again.status == 200 and again.data["status"] == "paid", again.body
    assert len(fake_provider.succeeded(order["id"])) == 1  # charged once
    assert differences(fake_provider) == []


def test_a_failing_provider_charges_nothing_and_a_slow_one_answers_late(
    table, customer, product, fake_provider, schedule
):
    order = place(customer.token, product(price=10)["id"], 1)
    schedule({"kind": "error", "end": time.time() + 60})
    provider_faults.install()
    failed = pay(customer.token, order["id"], key="soak-2")
    assert failed.status == 503 and failed.headers.get("Retry-After"), failed.body
    assert fake_provider.ledger() == []

    schedule({"kind": "slow", "seconds": 0.6, "end": time.time() + 60})
    began = time.monotonic()
    slow = pay(customer.token, order["id"], key="soak-2")
    assert slow.status == 200 and slow.data["status"] == "paid", slow.body
    assert time.monotonic() - began >= 0.6
    assert injected(schedule.log) == [("payment", "error", "charge"), ("payment", "slow", "charge")]
    assert differences(fake_provider) == []


def test_a_refund_whose_answer_is_lost_stays_pending_and_the_sweep_settles_it_once(
    table, customer, admin, product, fake_provider, schedule
):
    order = place(customer.token, product(price=20)["id"], 1)
    assert pay(customer.token, order["id"]).status == 200
    schedule({"kind": "lost", "seconds": 0, "operations": ["refund"], "end": time.time() + 60})
    provider_faults.install()
    cancelled = invoke("POST", f"/orders/{order['id']}/cancel", token=admin.token)
    assert cancelled.status == 200 and [r["status"] for r in cancelled.data["refunds"]] == ["pending"], cancelled.body
    assert [(e["amount"], e["status"]) for e in fake_provider.refunds(order["id"])] == [(Decimal("20"), "succeeded")]

    schedule()
    sweep = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    invoke_function("expireOrders", sweep)  # asks again with the same key: the provider's first answer
    seen = invoke("GET", f"/orders/{order['id']}", token=customer.token).data
    assert [r["status"] for r in seen["refunds"]] == ["succeeded"]
    assert len(fake_provider.refunds(order["id"])) == 1
    assert differences(fake_provider) == []


def test_a_function_without_the_local_server_ignores_the_schedule(
    table, customer, product, fake_provider, tmp_path, monkeypatch
):
    """What a deployed function runs: the handler and the provider, never devtools. A schedule of
    nothing but failures changes nothing (and is not even read)."""
    path = tmp_path / "faults.json"
    fault = {"target": "payment", "kind": "error", "rate": 1.0, "start": 0, "end": time.time() + 60}
    path.write_text(json.dumps({"faults": [fault]}))
    monkeypatch.setenv("FAULT_SCHEDULE", str(path))
    order = place(customer.token, product(price=10)["id"], 1)
    paid = pay(customer.token, order["id"])
    assert paid.status == 200 and paid.data["status"] == "paid", paid.body
