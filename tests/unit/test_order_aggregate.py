"""The order aggregate (shop.domain.order) on its own: each method's decision and the one write it
returns. No storage: what a method refuses, what it changes, and what it leaves alone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.clock import iso
from shop.domain.order import Order
from shop.domain.refusals import AttemptInFlight, ExceedsPayment, KeyReused, NotAllowed, NothingLeft, WindowClosed

NOW = 1_900_000_000.0
WINDOW = 1800


def stored(**also):
    item = {
        "id": "o1",
        "userId": "u1",
        "status": "pending",
        "items": [
            {"productId": "p1", "name": "Lamp", "price": Decimal("20"), "quantity": 1, "lineTotal": Decimal("20")}
        ],
        "totalAmount": Decimal("20"),
        "statusHistory": [{"status": "pending", "at": "2030-03-17T17:46:00.000Z", "by": "customer"}],
        "createdAt": "2030-03-17T17:46:00.000Z",  # 40 s before NOW
        "updatedAt": "2030-03-17T17:46:00.000Z",
        **also,
    }
    return Order.from_item(item)


def begun(order, attempt="a1", method="pm_card_visa", key=None, now=NOW):
    change = order.begin_attempt(attempt, method, key, now, int(now) + 60, WINDOW)
    return Order.from_item(change.write.before | change.write.changes)


def paid(order=None):
    order = begun(order or stored())
    change = order.record_charge("a1", {"provider": "fake", "reference": "pi_1"}, "customer", NOW)
    return Order.from_item(change.write.before | change.write.changes)


def test_an_attempt_is_one_write_on_the_version_read_and_blocks_every_other_attempt_cancel_and_expiry():
    order = stored()
    change = order.begin_attempt("a1", "pm_card_visa", None, NOW, int(NOW) + 60, WINDOW)
    assert change.write.before.get("version") is None and change.write.changes["version"] == 1
    assert set(change.write.changes) == {"payment", "version", "updatedAt"} and not change.write.restock
    held = Order.from_item(change.write.before | change.write.changes)
    for refused in (
        lambda: held.begin_attempt("a2", "pm_card_mastercard", None, NOW, int(NOW) + 60, WINDOW),
        lambda: held.cancel("customer", NOW),
        lambda: held.expire(NOW),
    ):
        with pytest.raises(AttemptInFlight) as blocked:
            refused()
        assert blocked.value.until == int(NOW) + 60
    assert held.expire(NOW + 61).write.restock  # a marker that passed no longer holds the order


def test_a_decline_clears_only_its_own_attempts_marker():
    order = begun(stored(), "a1")
    other = Order.from_item(order.to_item())
    declined = other.record_decline("a-stale", {"reason": "card_declined"}, NOW)  # another attempt's answer
    assert declined.write is not None
    after = Order.from_item(declined.write.before | declined.write.changes)
    assert after.payment.live_attempt(int(NOW)) is not None
    mine = after.record_decline("a1", {"reason": "card_declined"}, NOW)
    settled = Order.from_item(mine.write.before | mine.write.changes)
    assert settled.payment.live_attempt(int(NOW)) is None
    assert settled.record_decline("a1", {"reason": "card_declined"}, NOW).write is None  # recorded once


def test_refusals_name_why():
    with pytest.raises(WindowClosed):
        stored().begin_attempt("a1", "pm_card_visa", None, NOW + WINDOW, int(NOW) + WINDOW + 60, WINDOW)
    keyed = begun(stored(), "a1", key="k")
    keyed = Order.from_item(keyed.to_item() | keyed.record_decline("a1", {"reason": "x"}, NOW).write.changes)
    assert keyed.payment.live_attempt(int(NOW)) is None  # refused for the key, not for an attempt in flight
    with pytest.raises(KeyReused):
        keyed.begin_attempt("a2", "pm_card_mastercard", "k", NOW, int(NOW) + 60, WINDOW)
    with pytest.raises(NotAllowed):
        stored().move("paid", "admin", NOW)
    with pytest.raises(NotAllowed):
        paid().begin_attempt("a2", "pm_card_visa", None, NOW, int(NOW) + 60, WINDOW)


def test_older_shapes_read_with_defaults():
    bare = Order.from_item({"id": "o", "userId": "u", "status": "paid", "totalAmount": Decimal("5"), "items": []})
    assert (bare.version, bare.payment.status, bare.payment.amount, bare.refunds) == (0, "requires_payment", 5, ())
    marked = stored(payment={"status": "requires_payment", "amount": Decimal("20"), "attemptUntil": int(NOW) + 5})
    with pytest.raises(AttemptInFlight):
        marked.cancel("customer", NOW)
    assert "attemptUntil" not in marked.expire(NOW + 6).write.changes.get("payment", {})


def test_refunds_never_exceed_the_charge_and_a_failed_one_frees_its_amount():
    order = paid()
    with pytest.raises(NothingLeft):
        stored().refund("r0", None, "x", None, NOW)
    with pytest.raises(ExceedsPayment):
        order.refund("r1", Decimal("20.01"), "x", None, NOW)
    first = order.refund("r1", Decimal("15"), "x", "k1", NOW)
    order = Order.from_item(first.write.before | first.write.changes)
    assert order.refund("r-other-id", Decimal("15"), "x", "k1", NOW).write is None  # the same key: the same refund
    with pytest.raises(ExceedsPayment):
        order.refund("r2", Decimal("6"), "x", None, NOW)  # 15 is reserved while pending
    failed = order.settle_refund("r1", "failed", "re_1", NOW)
    order = Order.from_item(failed.write.before | failed.write.changes)
    assert order.left_to_refund() == 20 and order.payment.status == "succeeded"
    rest = order.refund("r2", None, "x", None, NOW)
    order = Order.from_item(rest.write.before | rest.write.changes)
    done = order.settle_refund("r2", "succeeded", "re_2", NOW)
    order = Order.from_item(done.write.before | done.write.changes)
    assert (order.payment.status, order.payment.get("refundedAmount"), order.left_to_refund()) == ("refunded", 20, 0)


def test_a_paid_orders_cancel_refunds_it_and_a_late_charge_on_a_cancelled_one_is_given_back():
    cancel = paid().cancel("admin", NOW, "r1")
    assert cancel.write.restock and [(r.amount, r.reason) for r in cancel.order.refunds] == [(20, "order_cancelled")]
    gone = stored().cancel("customer", NOW)
    cancelled = Order.from_item(gone.write.before | gone.write.changes)
    late = cancelled.record_charge(None, {"provider": "stripe", "reference": "pi_9"}, "system", NOW, refund_id="r9")
    assert late.order.status == "cancelled" and late.order.payment.get("reference") == "pi_9"
    assert [(r.amount, r.reason, r.status) for r in late.order.refunds] == [(20, "order_not_payable", "pending")]
    again = Order.from_item(late.write.before | late.write.changes)
    assert again.record_charge(None, {"reference": "pi_9"}, "system", NOW, refund_id="r9").write is None


def applied(change):
    return Order.from_item(change.write.before | change.write.changes)


def test_answers_that_change_nothing_write_nothing_and_keep_the_order_as_read():
    order = paid()
    for change in (
        order.record_decline("a-unknown", {"reason": "card_declined"}, NOW),  # a late, stray decline
        order.require_action("a-unknown", "https://bank.example/3ds", NOW),
        order.end_attempt("a-unknown", NOW),
        order.end_attempt("a1", NOW),  # a succeeded attempt stays succeeded
    ):
        assert change.write is None and change.order is order


def test_an_attempt_that_ends_without_an_answer_is_marked_failed_and_stops_holding_the_order():
    order = begun(stored(), "a1")
    ended = applied(order.end_attempt("a1", NOW))
    assert ended.payment.attempt("a1").status == "failed"
    assert ended.payment.live_attempt(int(NOW)) is None and ended.status == "pending"


def test_3ds_marks_its_attempt_and_a_decline_after_it_drops_the_next_action():
    waiting = applied(begun(stored(), "a1").require_action("a1", "https://bank.example/3ds", NOW))
    assert waiting.payment.attempt("a1").status == "requires_action"
    assert waiting.payment.get("nextAction") == {"type": "redirect_to_url", "url": "https://bank.example/3ds"}
    declined = applied(waiting.record_decline("a1", {"reason": "authentication_failed"}, NOW + 5))
    assert declined.payment.status == "requires_payment" and declined.payment.get("nextAction") is None
    assert declined.payment.get("lastDecline")["reason"] == "authentication_failed"
    assert "nextAction" not in declined.to_item()["payment"]


def test_a_3ds_answer_for_an_order_no_longer_pending_changes_nothing():
    held = begun(stored(), "a1")
    cancelled = applied(held.cancel("customer", NOW + 61))  # the attempt's marker has passed
    change = cancelled.require_action("a1", "https://bank.example/3ds", NOW + 62)
    assert change.write is None and change.order is cancelled


def test_a_refund_as_the_api_shows_it_has_no_idempotency_key_or_provider_reference():
    order = paid()
    refunded = applied(order.refund("r1", Decimal("5"), "requested_by_admin", "key-1", NOW))
    settled = applied(refunded.settle_refund("r1", "succeeded", "re_1", NOW))
    [refund] = settled.refunds
    assert (refund.key, refund.reference) == ("key-1", "re_1")  # stored
    assert refund.shown("o1") == {
        "id": "r1",
        "orderId": "o1",
        "amount": Decimal("5"),
        "reason": "requested_by_admin",
        "status": "succeeded",
        "createdAt": refund.created_at,
    }


def test_a_refund_asked_again_by_its_id_or_its_key_is_the_same_refund():
    first = applied(paid().refund("r1", Decimal("5"), "scratched", None, NOW))
    assert first.refund("r1", Decimal("5"), "scratched", None, NOW + 1).write is None  # by id, no key
    keyed = applied(first.refund("r2", Decimal("5"), "dented", "key-2", NOW))
    assert keyed.refund("r3", Decimal("5"), "dented", "key-2", NOW + 1).write is None  # by key, a new id
    assert [(r.id, r.amount) for r in keyed.refunds] == [("r1", Decimal("5")), ("r2", Decimal("5"))]


def test_a_refund_of_an_order_never_charged_says_so():
    with pytest.raises(NothingLeft, match=r"^The order has no successful charge$"):
        stored().refund("r1", None, "x", None, NOW)


def test_refund_refusals_say_what_is_left_and_the_last_cents_can_be_refunded():
    order = applied(paid().refund("r1", Decimal("19.50"), "x", None, NOW - 30))
    assert order.refunds[0].created_at == iso(NOW - 30)
    with pytest.raises(ExceedsPayment, match=r"^At most 0\.50 is left to refund$"):
        order.refund("r2", Decimal("0.51"), "x", None, NOW)
    last = applied(order.refund("r2", None, "x", None, NOW))  # under one unit of money
    assert [r.amount for r in last.refunds] == [Decimal("19.50"), Decimal("0.50")]
    with pytest.raises(NothingLeft, match=r"^All of the charge is refunded or on its way back$"):
        last.refund("r3", None, "x", None, NOW)
