"""The order aggregate's returns (shop.domain.order, shop.domain.returns) on their own: what a
request, a receive and a reject decide, and the one write each returns. No storage."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.clock import iso
from shop.domain.order import Order
from shop.domain.refusals import KeyReused, NoSuchReturn, NotAllowed, ReturnTooLate
from shop.domain.returns import Return

NOW = 1_900_000_000.0
DAY = 86400


def delivered(days_ago: float = 1, refunds=()):
    at = iso(NOW - days_ago * DAY)
    return Order.from_item(
        {
            "id": "o1",
            "userId": "u1",
            "status": "delivered",
            "items": [
                {"productId": "p1", "name": "Shirt", "price": Decimal("20"), "quantity": 3, "lineTotal": Decimal("60")},
                {"productId": "p2", "name": "Hat", "price": Decimal("15"), "quantity": 1, "lineTotal": Decimal("15")},
            ],
            "totalAmount": Decimal("75"),
            "payment": {"status": "succeeded", "amount": Decimal("75"), "currency": "usd", "reference": "pi_1"},
            "refunds": list(refunds),
            "statusHistory": [{"status": "delivered", "at": at, "by": "admin"}],
            "createdAt": iso(NOW - 40 * DAY),
            "updatedAt": at,
            "version": 4,
        }
    )


def applied(change):
    return Order.from_item(change.write.before | change.write.changes)


def test_a_request_is_priced_at_purchase_and_written_on_the_version_read():
    change = delivered().request_return("ret1", {"p1": 2, "p2": 1}, "Too small", NOW, 30)
    [asked] = change.order.returns
    assert (asked.amount, asked.status, asked.reason) == (Decimal("55"), "requested", "Too small")
    assert change.write.before["version"] == 4 and change.write.changes["version"] == 5
    assert set(change.write.changes) == {"returns", "version", "updatedAt"} and not change.write.restock_lines


@pytest.mark.parametrize(("days_ago", "open_"), [(29.99, True), (30, True), (30.01, False)])
def test_returns_close_after_the_window_counted_from_delivery(days_ago, open_):
    order = delivered(days_ago)
    if open_:
        assert order.request_return("ret1", {"p1": 1}, "x", NOW, 30).write is not None
    else:
        with pytest.raises(ReturnTooLate):
            order.request_return("ret1", {"p1": 1}, "x", NOW, 30)


def test_units_already_asked_for_are_not_returnable_until_rejected():
    order = applied(delivered().request_return("ret1", {"p1": 2}, "x", NOW, 30))
    with pytest.raises(NotAllowed, match="At most 1"):
        order.request_return("ret2", {"p1": 2}, "x", NOW, 30)
    with pytest.raises(NotAllowed):
        order.request_return("ret2", {"p3": 1}, "x", NOW, 30)
    rejected = applied(order.reject_return("ret1", "Worn", NOW))
    assert rejected.request_return("ret2", {"p1": 3}, "x", NOW, 30).write is not None


def test_a_receive_reserves_the_refund_and_restocks_the_units_in_one_write_once():
    order = applied(delivered().request_return("ret1", {"p1": 2}, "x", NOW, 30))
    change = order.receive_return("ret1", True, "r1", NOW)
    assert change.write.restock_lines == ({"productId": "p1", "quantity": 2},)
    assert set(change.write.changes) - {"updatedAt"} == {"returns", "refunds", "payment", "version"}
    [refund] = change.order.refunds
    assert (refund.id, refund.amount, refund.status, refund.reason) == (
        "r1",
        Decimal("40"),
        "pending",
        "return_received",
    )
    received = applied(change)
    assert received.receive_return("ret1", True, "r2", NOW).write is None  # received once
    with pytest.raises(NotAllowed):
        received.reject_return("ret1", "Worn", NOW)


def test_a_receive_without_restock_or_with_nothing_left_to_refund():
    refunded = [{"id": "r0", "amount": Decimal("75"), "reason": "x", "status": "succeeded", "createdAt": "t"}]
    order = applied(delivered(refunds=refunded).request_return("ret1", {"p2": 1}, "x", NOW, 30))
    change = order.receive_return("ret1", False, "r1", NOW)
    assert change.write.restock_lines == () and "refunds" not in change.write.changes
    [given] = change.order.returns
    assert (given.status, given.refund_id, given.restocked) == ("received", None, False)


def test_an_unknown_return_and_a_second_reject_with_another_reason():
    order = applied(delivered().request_return("ret1", {"p2": 1}, "x", NOW, 30))
    with pytest.raises(NoSuchReturn):
        order.receive_return("nope", True, "r1", NOW)
    rejected = applied(order.reject_return("ret1", "Worn", NOW))
    assert rejected.reject_return("ret1", "Worn", NOW).write is None
    with pytest.raises(NotAllowed):
        rejected.reject_return("ret1", "Stained", NOW)


def test_only_a_delivered_order_can_be_returned():
    shipped = Order.from_item({**delivered().item, "status": "shipped"})
    with pytest.raises(NotAllowed, match="only a delivered order"):
        shipped.request_return("ret1", {"p1": 1}, "x", NOW, 30)


def test_each_decision_and_the_refund_it_reserves_are_stamped_with_the_time_they_were_made():
    asked = applied(delivered().request_return("ret1", {"p1": 1}, "x", NOW - 60, 30))
    assert asked.returns[0].created_at == iso(NOW - 60) and asked.returns[0].decided_at is None
    received = asked.receive_return("ret1", False, "r1", NOW).order
    assert received.returns[0].decided_at == iso(NOW) and received.refunds[0].created_at == iso(NOW)
    rejected = asked.reject_return("ret1", "Worn", NOW + 5).order
    assert (rejected.returns[0].decided_at, rejected.returns[0].rejection) == (iso(NOW + 5), "Worn")


def test_units_in_two_earlier_returns_of_one_product_add_up():
    order = delivered()
    for return_id in ("ret1", "ret2"):
        order = applied(order.request_return(return_id, {"p1": 1}, "x", NOW, 30))
    with pytest.raises(NotAllowed, match=r"^At most 1 unit\(s\) of product p1 can be returned$"):
        order.request_return("ret3", {"p1": 2}, "x", NOW, 30)
    assert order.request_return("ret3", {"p1": 1}, "x", NOW, 30).write is not None


def test_refusals_say_what_was_refused():
    order = applied(delivered().request_return("ret1", {"p1": 1}, "x", NOW, 30))
    with pytest.raises(NotAllowed, match=r"^At most 0 unit\(s\) of product p3 can be returned$"):
        order.request_return("ret2", {"p3": 1}, "x", NOW, 30)
    with pytest.raises(NoSuchReturn, match=r"^Return not found$"):
        order.reject_return("nope", "Worn", NOW)
    received = applied(order.receive_return("ret1", True, "r1", NOW))
    with pytest.raises(NotAllowed, match=r"^Return is received; it cannot be rejected$"):
        received.reject_return("ret1", "Worn", NOW)


def test_a_receive_refunds_what_is_left_even_when_it_is_under_one_unit_of_money():
    refunded = [{"id": "r0", "amount": Decimal("74.50"), "reason": "x", "status": "succeeded", "createdAt": "t"}]
    order = applied(delivered(refunds=refunded).request_return("ret1", {"p2": 1}, "x", NOW, 30))
    change = order.receive_return("ret1", False, "r1", NOW)
    assert [(r.id, r.amount) for r in change.order.refunds] == [("r0", Decimal("74.50")), ("r1", Decimal("0.50"))]
    assert change.order.returns[0].refund_id == "r1"


def test_a_stored_return_reads_back_as_it_was_written_in_each_state():
    order = applied(delivered().request_return("ret1", {"p1": 2}, "Too small", NOW, 30))
    order = applied(order.request_return("ret2", {"p2": 1}, "Wrong colour", NOW, 30))
    order = applied(order.receive_return("ret1", True, "r1", NOW))
    order = applied(order.reject_return("ret2", "Worn", NOW))
    stored = [r.to_item() for r in order.returns]
    assert "restocked" in stored[0] and "restocked" not in stored[1]
    assert [Return.from_item(item) for item in stored] == list(order.returns)
    assert [(r.status, r.restocked, r.refund_id, r.rejection) for r in order.returns] == [
        ("received", True, "r1", None),
        ("rejected", False, None, "Worn"),
    ]


def test_the_window_counts_from_the_delivered_step_of_a_whole_history_or_else_the_last_update():
    whole = [
        {"status": "pending", "at": iso(NOW - 40 * DAY), "by": "customer"},
        {"status": "paid", "at": iso(NOW - 39 * DAY), "by": "customer"},
        {"status": "shipped", "at": iso(NOW - 35 * DAY), "by": "admin"},
        {"status": "delivered", "at": iso(NOW - 2 * DAY), "by": "admin"},
    ]
    recent = Order.from_item({**delivered().item, "statusHistory": whole})
    assert recent.request_return("ret1", {"p1": 1}, "x", NOW, 30).write is not None
    # An order whose history kept no delivered step: its last update is when it was delivered.
    trimmed = [{"status": "shipped", "at": iso(NOW - 35 * DAY), "by": "admin"}]
    late = Order.from_item({**delivered().item, "statusHistory": trimmed, "updatedAt": iso(NOW - 31 * DAY)})
    with pytest.raises(ReturnTooLate, match=r"^Returns are accepted for 30 days after delivery$"):
        late.request_return("ret1", {"p1": 1}, "x", NOW, 30)
    fresh = Order.from_item({**delivered().item, "statusHistory": trimmed, "updatedAt": iso(NOW - 29 * DAY)})
    assert fresh.request_return("ret1", {"p1": 1}, "x", NOW, 30).write is not None


def test_the_same_return_key_with_another_body_is_refused_by_name():
    order = applied(delivered().request_return("ret1", {"p1": 1}, "Too small", NOW, 30))
    assert order.request_return("ret1", {"p1": 1}, "Too small", NOW, 30).write is None  # the retry
    with pytest.raises(KeyReused, match=r"^Idempotency-Key was already used for another return$"):
        order.request_return("ret1", {"p1": 2}, "Too small", NOW, 30)
