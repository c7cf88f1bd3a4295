"""What the soak's audit (load/audit.py) expects in the outbox for an order: one email per status
change that mails and one per refund mailed on its own (order.refunded), not a cancel's refund,
which the cancellation's email names (services/order_events)."""

from __future__ import annotations

import sys

from tests.load.conftest import ROOT

sys.path.insert(0, str(ROOT / "load"))
import audit  # load/ is Locust's folder, not a package


def test_a_refund_mailed_on_its_own_is_called_for_and_a_cancels_refund_is_not():
    history = [{"status": s} for s in ("pending", "paid", "cancelled")]
    cancelled = {"statusHistory": history, "refunds": [{"status": "succeeded", "reason": "order_cancelled"}]}
    refunds = [
        {"status": "succeeded", "reason": "requested_by_admin"},
        {"status": "pending", "reason": "return_received"},
        {"status": "succeeded", "reason": "order_not_payable"},
    ]
    refunded = {"statusHistory": history[:2], "refunds": refunds}

    assert audit.emails_called_for(cancelled) == {"order.created": 1, "order.paid": 1, "order.cancelled": 1}
    assert audit.emails_called_for(refunded) == {"order.created": 1, "order.paid": 1, "order.refunded": 2}
    assert audit.status_changes([cancelled, refunded]) == 7


def test_the_soak_waits_for_the_orders_the_sweep_will_still_change():
    import soak

    pending = {"status": "pending", "statusHistory": [{"status": "pending"}]}
    refund_due = {"status": "paid", "refunds": [{"status": "succeeded"}, {"status": "pending"}]}
    settled = [
        {"status": "expired"},
        {"status": "paid", "refunds": [{"status": "succeeded"}, {"status": "failed"}]},
        {"status": "cancelled", "refunds": None},
    ]

    assert soak.still_moving(settled) == 0
    assert soak.still_moving([*settled, pending]) == 1
    assert soak.still_moving([pending, refund_due, *settled]) == 2
