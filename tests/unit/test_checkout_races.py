"""Checkout and cart edits that meet another request: a twin retry with the same
Idempotency-Key, stock taken between the pricing and the transaction, a cart edited meanwhile.
On the in-memory fake storage, each race staged by running the other request at the moment
it would land."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.envelope import error_reply
from shop.errors import CartEmpty, IdempotencyKeyReused, OutOfStock, PriceChanged, ServiceUnavailable
from shop.services import carts, checkout
from tests import factories
from tests.factories import add_product, caller
from tests.fakes import FakeStorage

ADDRESS = {"shippingAddress": dict(factories.ADDRESS)}


@pytest.fixture
def store():
    return FakeStorage()


def before_next(store, aggregate, method, meanwhile):
    """The next call of store.<aggregate>.<method> first runs `meanwhile` (the other request)."""
    target = getattr(store, aggregate)
    real = getattr(target, method)

    def call(*args, **kwargs):
        setattr(target, method, real)
        meanwhile()
        return real(*args, **kwargs)

    setattr(target, method, call)


def counted(store, aggregate, method):
    target = getattr(store, aggregate)
    real = getattr(target, method)
    calls = []

    def call(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    setattr(target, method, call)
    return calls


def checkout_meeting_a_twin(store, aggregate, method):
    """Checks out two lamps with key "k" while a twin with the same key checks out first, just
    before this request's next store.<aggregate>.<method>: returns this answer and [the twin's]."""
    add_product(store, "lamp")
    carts.put_line(store, caller(), "lamp", 2)
    twin = []
    before_next(store, aggregate, method, lambda: twin.append(checkout.checkout(store, caller(), ADDRESS, "k")))
    return checkout.checkout(store, caller(), ADDRESS, "k"), twin


def test_a_twin_that_empties_the_cart_first_is_answered_with_the_twins_order(store):
    # the twin checks out after this request looked for the key and before it reads the cart
    (order, replayed), twin = checkout_meeting_a_twin(store, "carts", "get")

    assert (order, replayed) == (twin[0][0], True)
    assert store.products.get("lamp").stock == 3


def test_a_twin_that_claims_the_key_during_the_transaction_is_answered_with_the_twins_order(store):
    (order, replayed), twin = checkout_meeting_a_twin(store, "orders", "create")

    assert (order, replayed) == (twin[0][0], True)
    assert store.products.get("lamp").stock == 3


def test_stock_taken_between_pricing_and_the_transaction_is_out_of_stock_and_keeps_the_cart(store):
    add_product(store, "lamp", stock=5)
    carts.put_line(store, caller(), "lamp", 2)
    cart = store.carts.get("u1")

    def sold_out():
        store.products.records["lamp"]["stock"] = 1

    before_next(store, "orders", "create", sold_out)
    with pytest.raises(OutOfStock):
        checkout.checkout(store, caller(), ADDRESS)
    assert store.carts.get("u1") == cart and store.orders.records == {}


def edit_on_every_save(store, user_id="u1"):
    """Every write of the cart (or checkout of it) meets an edit that landed first."""
    real_save, real_create = store.carts.save, store.orders.create

    def touch():
        store.carts.records[user_id] = {**store.carts.records[user_id], "version": object()}

    store.carts.save = lambda *args: (touch(), real_save(*args))[1]
    store.orders.create = lambda *args: (touch(), real_create(*args))[1]


def test_a_checkout_that_loses_every_race_with_cart_edits_is_503_with_retry_after(store):
    add_product(store, "lamp")
    carts.put_line(store, caller(), "lamp", 1)
    edit_on_every_save(store)
    with pytest.raises(ServiceUnavailable) as refused:
        checkout.checkout(store, caller(), ADDRESS)
    assert int(error_reply(refused.value).headers["Retry-After"]) >= 1
    assert store.orders.records == {}


def test_a_removal_that_meets_an_edit_is_applied_to_the_edited_cart(store):
    add_product(store, "lamp")
    add_product(store, "desk")
    carts.put_line(store, caller(), "lamp", 1)
    before_next(store, "carts", "save", lambda: carts.put_line(store, caller(), "desk", 2))

    shown = factories.shown(carts.remove_line(store, caller(), "lamp"))

    assert [(item["productId"], item["quantity"]) for item in shown["items"]] == [("desk", 2)]
    assert [line.product_id for line in store.carts.get("u1").lines] == ["desk"]


def test_a_removal_that_loses_every_race_is_503_with_retry_after(store):
    add_product(store, "lamp")
    carts.put_line(store, caller(), "lamp", 1)
    edit_on_every_save(store)
    with pytest.raises(ServiceUnavailable) as refused:
        carts.remove_line(store, caller(), "lamp")
    assert int(error_reply(refused.value).headers["Retry-After"]) >= 1


def test_a_retry_with_its_key_answers_from_the_claim_without_reading_the_cart(store):
    add_product(store, "lamp")
    carts.put_line(store, caller(), "lamp", 1)
    order, _ = checkout.checkout(store, caller(), ADDRESS, "k")
    carts.put_line(store, caller(), "lamp", 3)  # a new cart, after the first checkout
    cart_reads = counted(store, "carts", "get")

    assert checkout.checkout(store, caller(), ADDRESS, "k") == (order, True)
    assert cart_reads == [] and len(store.carts.get("u1").lines) == 1


def test_an_empty_cart_without_a_key_looks_for_no_claim(store):
    claim_reads = counted(store, "idempotency", "get")
    with pytest.raises(CartEmpty):
        checkout.checkout(store, caller(), ADDRESS)
    assert claim_reads == []


def test_a_retry_with_another_expected_total_is_another_request(store):
    add_product(store, "lamp", "20.00")
    carts.put_line(store, caller(), "lamp", 2)
    checkout.checkout(store, caller(), {**ADDRESS, "expectedTotal": Decimal("40.00")}, "k")
    with pytest.raises(IdempotencyKeyReused):
        checkout.checkout(store, caller(), {**ADDRESS, "expectedTotal": Decimal("45.00")}, "k")


def test_a_retry_whose_address_lists_its_fields_in_another_order_is_the_same_request(store):
    add_product(store, "lamp")
    carts.put_line(store, caller(), "lamp", 1)
    order, _ = checkout.checkout(store, caller(), ADDRESS, "k")
    reordered = dict(reversed(list(ADDRESS["shippingAddress"].items())))
    assert list(reordered) != list(ADDRESS["shippingAddress"])

    assert checkout.checkout(store, caller(), {"shippingAddress": reordered}, "k") == (order, True)


def test_an_unexpected_total_says_so_and_names_the_current_total(store):
    add_product(store, "lamp", "20.00")
    carts.put_line(store, caller(), "lamp", 2)
    with pytest.raises(PriceChanged) as moved:
        checkout.checkout(store, caller(), {**ADDRESS, "expectedTotal": Decimal("39.99")})
    assert moved.value.message == "The cart's total is not the expected one"
    assert moved.value.details == {"totalAmount": ["The cart's total is now 40.00."]}
