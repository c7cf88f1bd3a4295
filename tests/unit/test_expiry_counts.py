"""What one expiry sweep reports (services.expiry.sweep, the expireOrders function's result and
log line): every order it expired and every one it had to leave, counted one by one."""

from __future__ import annotations

import time

from shop.services import expiry, order_writes, orders
from tests.factories import add_product, caller
from tests.fakes import FakeStorage
from tests.unit.test_shopping_services import ADDRESS

WINDOW = 1800  # PAYMENT_WINDOW_SECONDS' default


def test_a_sweep_counts_each_expired_and_each_skipped_order():
    store = FakeStorage()
    add_product(store, "lamp", stock=10)
    line = {"items": [{"productId": "lamp", "quantity": 1}], **ADDRESS}
    placed = [orders.create(store, caller(), line)[0] for _ in range(5)]
    later = time.time() + WINDOW + 1
    for order in placed[:2]:  # a payment attempt in flight holds these two off
        begin = lambda o: o.begin_attempt("a1", "pm_card_visa", None, time.time(), int(later) + 60, WINDOW)  # noqa: E731
        order_writes.apply(store, order["id"], begin)

    assert expiry.sweep(store, now=later).as_dict() == {"expired": 3, "skipped": 2}
    assert [store.orders.get(o["id"])["status"] for o in placed] == ["pending"] * 2 + ["expired"] * 3
    assert store.products.get("lamp").stock == 8
