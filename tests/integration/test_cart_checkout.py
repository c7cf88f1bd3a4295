"""Cart and checkout through the real handlers: live prices, line statuses, limits, and the
checkout transaction (order + stock + emptying the cart), with its races. On moto and on
DynamoDB Local."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import factories
from tests.apigw import invoke

pytestmark = pytest.mark.dynamodb_local


def put_line(token, product_id, quantity):
    return invoke("PUT", f"/cart/items/{product_id}", body={"quantity": quantity}, token=token)


def checkout(token, key=None, **body):
    headers = {"Idempotency-Key": key} if key else None
    return invoke(
        "POST", "/checkout", token=token, body={"shippingAddress": factories.ADDRESS, **body}, headers=headers
    )


def stock_of(product_id):
    return invoke("GET", f"/products/{product_id}").data["stock"]


def test_the_cart_joins_live_prices_and_stock_and_marks_every_line(table, admin, customer, product):
    lamp, mug, gone = product(price=24.5, stock=5), product(price=3.25, stock=2), product(price=9.99, stock=1)
    empty = invoke("GET", "/cart", token=customer.token)
    assert empty.status == 200
    assert empty.data == {"items": [], "totalAmount": 0, "itemCount": 0, "updatedAt": None}
    assert put_line(customer.token, lamp["id"], 2).status == 200
    assert put_line(customer.token, mug["id"], 2).status == 200
    assert put_line(customer.token, gone["id"], 1).status == 200
    invoke("PUT", f"/products/{lamp['id']}", body={"price": 20}, token=admin.token)
    invoke("PUT", f"/products/{mug['id']}", body={"stock": 1}, token=admin.token)
    invoke("DELETE", f"/products/{gone['id']}", token=admin.token)

    cart = invoke("GET", "/cart", token=customer.token).data
    lines = {line["productId"]: line for line in cart["items"]}
    assert lines[lamp["id"]] == {
        "productId": lamp["id"],
        "name": lamp["name"],
        "price": 20,
        "quantity": 2,
        "lineTotal": 40,
        "status": "ok",
    }
    assert lines[mug["id"]]["status"] == "insufficient_stock" and lines[mug["id"]]["availableStock"] == 1
    assert lines[gone["id"]] | {"price": 9.99} == {
        "productId": gone["id"],
        "name": gone["name"],
        "price": 9.99,
        "quantity": 1,
        "lineTotal": 0,
        "status": "unavailable",
    }
    assert cart["totalAmount"] == 46.5 and cart["itemCount"] == 5
    assert [line["productId"] for line in cart["items"]] == [lamp["id"], mug["id"], gone["id"]]


def test_cart_edits_answer_the_whole_cart_and_refuse_what_they_must(table, customer, product):
    lamp = product(price=24.5, stock=5)
    set_three = put_line(customer.token, lamp["id"], 3)
    assert set_three.data["items"][0]["quantity"] == 3 and set_three.data["totalAmount"] == 73.5
    assert put_line(customer.token, lamp["id"], 1).data["itemCount"] == 1  # sets, never adds
    short = put_line(customer.token, lamp["id"], 6)
    assert (short.status, short.code) == (409, "OUT_OF_STOCK") and "quantity" in short.json["details"]
    missing = put_line(customer.token, "no-such-product", 1)
    assert (missing.status, missing.code) == (404, "PRODUCT_NOT_FOUND")
    for bad in (0, 1001, 1.5, "2", None):
        assert put_line(customer.token, lamp["id"], bad).status == 400
    assert invoke("GET", "/cart", token=customer.token).data["items"][0]["quantity"] == 1
    removed = invoke("DELETE", f"/cart/items/{lamp['id']}", token=customer.token)
    assert removed.status == 200 and removed.data["items"] == []
    again = invoke("DELETE", f"/cart/items/{lamp['id']}", token=customer.token)
    assert again.status == 200 and again.data["items"] == []
    put_line(customer.token, lamp["id"], 2)
    cleared = invoke("DELETE", "/cart", token=customer.token)
    assert cleared.status == 200 and cleared.data["items"] == [] and cleared.data["totalAmount"] == 0
    assert invoke("GET", "/cart", token=customer.token).data["items"] == []
    assert invoke("GET", "/cart").status == 401


def test_a_cart_holds_fifty_products_and_the_fifty_first_is_cart_full(table, ddb, customer, product):
    from shop.storage import storage

    ids = [product(stock=3)["id"] for _ in range(51)]
    for pid in ids[:50]:
        assert put_line(customer.token, pid, 1).status == 200
    full = put_line(customer.token, ids[50], 1)
    assert (full.status, full.code) == (409, "CART_FULL")
    assert put_line(customer.token, ids[0], 2).status == 200  # changing a line that is there is fine
    cart = invoke("GET", "/cart", token=customer.token).data
    assert len(cart["items"]) == 50 and cart["itemCount"] == 51
    raw = ddb.get_item(TableName=table, Key={"id": {"S": f"cart#{customer.user_id}"}, "type": {"S": "cart"}})["Item"]
    import time

    assert 29 * 86400 < int(raw["expiresAt"]["N"]) - time.time() <= 30 * 86400  # the TTL: 30 days
    assert storage().carts.get(customer.user_id).user_id == customer.user_id


def test_carts_are_private_to_their_owner(table, customer, other_customer, product):
    lamp = product()
    put_line(customer.token, lamp["id"], 2)
    assert invoke("GET", "/cart", token=other_customer.token).data["items"] == []
    assert checkout(other_customer.token).code == "CART_EMPTY"
    assert invoke("GET", "/cart", token=customer.token).data["itemCount"] == 2


def test_checkout_places_the_order_takes_stock_and_empties_the_cart(table, customer, product):
    lamp, mug = product(price=24.5, stock=5), product(price=3.25, stock=4)
    put_line(customer.token, lamp["id"], 2)
    put_line(customer.token, mug["id"], 1)
    placed = checkout(customer.token, expectedTotal=52.25)
    assert placed.status == 201, placed.body
    order = placed.data
    assert order["status"] == "pending" and order["totalAmount"] == 52.25
    assert order["payment"] == {"status": "requires_payment", "amount": 52.25, "currency": "usd"}
    assert [(i["productId"], i["quantity"], i["lineTotal"]) for i in order["items"]] == [
        (lamp["id"], 2, 49),
        (mug["id"], 1, 3.25),
    ]
    assert (stock_of(lamp["id"]), stock_of(mug["id"])) == (3, 3)
    assert invoke("GET", "/cart", token=customer.token).data["items"] == []
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data == order
    assert checkout(customer.token).code == "CART_EMPTY"


def test_orders_from_post_orders_carry_the_payment_object_too(table, customer, product):
    lamp = product(price=24.5)
    placed = invoke("POST", "/orders", token=customer.token, body=factories.order_body((lamp["id"], 2)))
    assert placed.data["payment"] == {"status": "requires_payment", "amount": 49, "currency": "usd"}


def test_every_checkout_failure_leaves_the_cart_and_the_stock_untouched(table, admin, customer, product):
    lamp, mug = product(price=10, stock=5), product(price=5, stock=5)
    put_line(customer.token, lamp["id"], 2)
    put_line(customer.token, mug["id"], 3)
    before = invoke("GET", "/cart", token=customer.token).data

    stale = checkout(customer.token, expectedTotal=30)
    assert (stale.status, stale.code) == (409, "PRICE_CHANGED")
    assert stale.json["details"] == {"totalAmount": ["The cart's total is now 35.00."]}

    invoke("PUT", f"/products/{mug['id']}", body={"stock": 2}, token=admin.token)
    short = checkout(customer.token)
    assert (short.status, short.code) == (409, "OUT_OF_STOCK") and list(short.json["details"]) == ["items.1.quantity"]
    invoke("PUT", f"/products/{mug['id']}", body={"stock": 5}, token=admin.token)

    invoke("DELETE", f"/products/{lamp['id']}", token=admin.token)
    gone = checkout(customer.token)
    assert (gone.status, gone.code) == (404, "PRODUCT_NOT_FOUND")

    bad = invoke("POST", "/checkout", token=customer.token, body={"shippingAddress": {"city": ""}, "x": 1})
    assert bad.status == 400 and {"x", "shippingAddress.city", "shippingAddress.street"} <= set(bad.json["details"])
    assert invoke("GET", "/cart", token=customer.token).data["itemCount"] == before["itemCount"]
    assert stock_of(mug["id"]) == 5
    assert invoke("GET", "/orders", token=customer.token).data == []


def test_a_checkout_retry_with_its_key_returns_the_same_order_and_another_body_is_422(table, customer, product):
    lamp = product(price=10, stock=5)
    put_line(customer.token, lamp["id"], 2)
    first = checkout(customer.token, key="co-1")
    again = checkout(customer.token, key="co-1")
    assert (first.status, again.status) == (201, 201) and again.data["id"] == first.data["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = checkout(customer.token, key="co-1", expectedTotal=20)
    assert (other.status, other.code) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert stock_of(lamp["id"]) == 3


def test_twenty_concurrent_checkouts_with_one_key_make_one_order(table, customer, product):
    lamp = product(price=10, stock=50)
    put_line(customer.token, lamp["id"], 3)
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: checkout(customer.token, key="same-key"), range(20)))
    assert {r.status for r in results} == {201}, [r.body for r in results if r.status != 201]
    assert len({r.data["id"] for r in results}) == 1
    assert stock_of(lamp["id"]) == 47
    assert len(invoke("GET", "/orders", token=customer.token).data) == 1


def test_twenty_concurrent_checkouts_with_different_keys_make_one_order_and_nineteen_cart_empty(
    table, customer, product
):
    lamp = product(price=10, stock=50)
    put_line(customer.token, lamp["id"], 3)
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda i: checkout(customer.token, key=f"key-{i}"), range(20)))
    statuses = sorted((r.status, r.code) for r in results)
    assert statuses == [(201, None)] + [(409, "CART_EMPTY")] * 19, statuses
    assert stock_of(lamp["id"]) == 47
    assert len(invoke("GET", "/orders", token=customer.token).data) == 1


def test_checkouts_of_different_carts_racing_for_the_last_units_never_oversell(table, product):
    from tests.integration.conftest import register

    lamp = product(price=10, stock=5)
    buyers = [register() for _ in range(8)]
    for buyer in buyers:
        assert put_line(buyer.token, lamp["id"], 2).status == 200
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda b: checkout(b.token), buyers))
    placed = [r for r in results if r.status == 201]
    assert len(placed) == 2 and {r.code for r in results if r.status != 201} == {"OUT_OF_STOCK"}
    assert stock_of(lamp["id"]) == 1
    losers = [b for b, r in zip(buyers, results, strict=True) if r.status != 201]
    assert all(invoke("GET", "/cart", token=b.token).data["itemCount"] == 2 for b in losers)


def test_a_cart_edit_racing_a_checkout_never_makes_an_order_that_differs_from_the_emptied_cart(
    table, customer, product
):
    """Whatever interleaving the threads take, the order holds exactly the cart as it was when it
    was emptied: the edits before it are in the order, the edits after it are in the new cart."""
    lamp = product(price=10, stock=1000)
    for round_ in range(6):
        put_line(customer.token, lamp["id"], 1)
        with ThreadPoolExecutor(max_workers=6) as pool:
            edits = [pool.submit(put_line, customer.token, lamp["id"], q) for q in (2, 3, 4, 5, 6)]
            placed = pool.submit(checkout, customer.token)
        # Six writers on one cart: an edit that loses every optimistic retry is an honest 503.
        assert {e.result().status for e in edits} <= {200, 503}
        result = placed.result()
        cart_after = invoke("GET", "/cart", token=customer.token).data
        if result.status == 201:
            ordered = result.data["items"][0]["quantity"]
            edit_quantities = {1, 2, 3, 4, 5, 6}
            assert ordered in edit_quantities
            # The cart now is either empty or holds an edit that landed after the checkout.
            assert cart_after["items"] == [] or cart_after["items"][0]["quantity"] in edit_quantities
        else:
            assert result.code == "CART_EMPTY" or result.status == 503, result.body
        invoke("DELETE", "/cart", token=customer.token)
        orders = invoke("GET", "/orders", token=customer.token, query={"limit": "100"}).data
        taken = sum(o["items"][0]["quantity"] for o in orders)
        assert stock_of(lamp["id"]) == 1000 - taken, round_


def test_an_edit_landing_between_the_checkouts_read_and_its_write_is_in_the_order(
    table, customer, product, before_transaction
):
    lamp, mug = product(price=10, stock=10), product(price=2, stock=10)
    put_line(customer.token, lamp["id"], 1)
    before_transaction(lambda: put_line(customer.token, mug["id"], 4))
    placed = checkout(customer.token)
    assert placed.status == 201, placed.body
    assert sorted((i["productId"], i["quantity"]) for i in placed.data["items"]) == sorted(
        [(lamp["id"], 1), (mug["id"], 4)]
    )
    assert placed.data["totalAmount"] == 18
    assert invoke("GET", "/cart", token=customer.token).data["items"] == []
    assert (stock_of(lamp["id"]), stock_of(mug["id"])) == (9, 6)


def test_a_clear_and_refill_between_read_and_write_is_not_mistaken_for_the_cart_read(
    table, customer, product, before_transaction
):
    """The version is random, not a counter: a refilled cart never matches the one priced."""
    lamp, mug = product(price=10, stock=10), product(price=2, stock=10)
    put_line(customer.token, lamp["id"], 1)

    def clear_and_refill():
        invoke("DELETE", "/cart", token=customer.token)
        put_line(customer.token, mug["id"], 2)

    before_transaction(clear_and_refill)
    placed = checkout(customer.token)
    assert placed.status == 201 and [(i["productId"], i["quantity"]) for i in placed.data["items"]] == [(mug["id"], 2)]
    assert stock_of(lamp["id"]) == 10


def test_the_new_paths_answer_405_with_their_methods_and_preflights(table, customer):
    from tests.conftest import ALLOWED_ORIGIN

    token = customer.token
    for result, allow in (
        (invoke("PATCH", "/cart", token=token), {"DELETE", "GET", "OPTIONS"}),
        (invoke("GET", "/cart/items/p-1", token=token), {"DELETE", "PUT", "OPTIONS"}),
        (invoke("GET", "/checkout", token=token), {"POST", "OPTIONS"}),
        (invoke("GET", "/orders/x/payment", token=token), {"POST", "OPTIONS"}),
        (invoke("GET", "/payments/webhook"), {"POST", "OPTIONS"}),
    ):
        assert (result.status, result.code) == (405, "METHOD_NOT_ALLOWED"), allow
        assert set(result.headers["Allow"].split(", ")) == allow
    preflight = invoke("OPTIONS", "/checkout", headers={"Origin": ALLOWED_ORIGIN})
    assert preflight.status == 204 and preflight.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
