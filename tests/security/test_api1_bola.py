"""API1:2023 Broken Object Level Authorization: another user's order, by id or by cursor."""

from __future__ import annotations

from tests import factories
from tests.apigw import invoke


def place(account, product_id):
    result = invoke("POST", "/orders", body=factories.order_body((product_id, 1)), token=account.token)
    assert result.status == 201, result.body
    return result.data


def test_another_users_order_by_id_is_indistinguishable_from_a_missing_one(customer, other_customer, product):
    order = place(customer, product()["id"])
    stolen = invoke("GET", f"/orders/{order['id']}", token=other_customer.token)
    missing = invoke("GET", "/orders/00000000-0000-0000-0000-000000000000", token=other_customer.token)
    assert stolen.status == missing.status == 404
    assert stolen.json == missing.json == {"success": False, "error": "Order not found", "code": "NOT_FOUND"}
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).status == 200


def test_listing_returns_only_the_callers_orders(customer, other_customer, product):
    item = product(stock=100)["id"]
    mine = {place(customer, item)["id"] for _ in range(2)}
    place(other_customer, item)
    listed = invoke("GET", "/orders", token=customer.token, query={"limit": "100"})
    assert {order["id"] for order in listed.data} == mine
    assert all(order["userId"] == customer.user_id for order in listed.data)


def test_another_users_cursor_cannot_read_their_orders(customer, other_customer, product):
    item = product(stock=100)["id"]
    for _ in range(3):
        place(customer, item)
    first = invoke("GET", "/orders", token=customer.token, query={"limit": "1"})
    cursor = first.json["pagination"]["nextCursor"]
    assert cursor
    replayed = invoke("GET", "/orders", token=other_customer.token, query={"limit": "1", "cursor": cursor})
    assert replayed.status == 400 and replayed.code == "INVALID_CURSOR"
    assert invoke("GET", "/orders", token=customer.token, query={"limit": "1", "cursor": cursor}).status == 200


def test_a_forged_cursor_pointing_at_another_users_partition_is_refused(customer, other_customer, product):
    import base64
    import json

    item = product(stock=100)["id"]
    for _ in range(2):
        place(other_customer, item)
    payload = {"gsi1pk": f"user#{other_customer.user_id}", "gsi1sk": "9999", "id": "x", "type": "order"}
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    forged = invoke("GET", "/orders", token=customer.token, query={"cursor": f"{encoded}.AAAA"})
    assert forged.status == 400 and forged.code == "INVALID_CURSOR"


def test_an_order_id_in_the_products_route_reads_nothing(customer, product):
    order = place(customer, product()["id"])
    assert invoke("GET", f"/products/{order['id']}").status == 404  # ids are typed: an order is not a product


def test_paying_another_users_order_is_indistinguishable_from_a_missing_one_and_charges_nothing(
    customer, other_customer, product
):
    from shop import providers

    providers.reset()
    order = place(customer, product()["id"])
    body = {"paymentMethod": "pm_card_visa"}
    stolen = invoke("POST", f"/orders/{order['id']}/payment", body=body, token=other_customer.token)
    missing = invoke(
        "POST", "/orders/00000000-0000-0000-0000-000000000000/payment", body=body, token=other_customer.token
    )
    assert stolen.status == missing.status == 404 and stolen.json == missing.json
    assert providers.provider().charges == []
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data["status"] == "pending"


def test_a_cart_is_addressed_by_the_token_alone(customer, other_customer, product):
    """No cart id in any path: a caller can only ever reach the cart of the token's subject."""
    item = product()["id"]
    invoke("PUT", f"/cart/items/{item}", body={"quantity": 2}, token=customer.token)
    assert invoke("GET", "/cart", token=other_customer.token).data["items"] == []
    assert invoke("DELETE", "/cart", token=other_customer.token).status == 200
    assert invoke("GET", "/cart", token=customer.token).data["itemCount"] == 2
