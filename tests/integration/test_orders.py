"""Orders: server pricing, atomic stock, idempotency and ownership, on moto."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke

pytestmark = pytest.mark.dynamodb_local


def stock_of(product_id: str) -> int:
    return invoke("GET", f"/products/{product_id}").data["stock"]


def place_with_key(body, token, key):
    return invoke("POST", "/orders", body=body, token=token, headers={"Idempotency-Key": key})


def order_count(ddb, table, user_id: str) -> int:
    return ddb.query(
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"user#{user_id}"}},
    )["Count"]


def test_order_is_priced_by_the_server_and_takes_stock(table, ddb, customer, product):
    lamp, cable = product(price=19.99, stock=5), product(price=0.1, stock=100)
    body = factories.order_body((lamp["id"], 3), (cable["id"], 7))
    result = invoke("POST", "/orders", body=body, token=customer.token)
    assert result.status == 201, result.body
    order = result.data
    assert order["status"] == "pending" and order["userId"] == customer.user_id
    assert order["items"] == [
        {"productId": lamp["id"], "name": lamp["name"], "price": 19.99, "quantity": 3, "lineTotal": 59.97},
        {"productId": cable["id"], "name": cable["name"], "price": 0.1, "quantity": 7, "lineTotal": 0.7},
    ]
    assert order["totalAmount"] == 60.67
    assert order["shippingAddress"] == factories.ADDRESS
    assert stock_of(lamp["id"]) == 2 and stock_of(cable["id"]) == 93
    stored = ddb.get_item(TableName=table, Key={"id": {"S": order["id"]}, "type": {"S": "order"}})["Item"]
    assert stored["totalAmount"] == {"N": "60.67"}


def test_a_matching_client_price_is_accepted_and_a_stale_one_is_409(table, customer, product):
    lamp = product(price=19.99, stock=5)
    stale = factories.order_body((lamp["id"], 1))
    stale["items"][0]["price"] = 9.99
    result = invoke("POST", "/orders", body=stale, token=customer.token)
    assert result.status == 409 and result.code == "PRICE_CHANGED"
    assert "items.0.price" in result.json["details"]
    fresh = factories.order_body((lamp["id"], 1))
    fresh["items"][0]["price"] = 19.99
    assert invoke("POST", "/orders", body=fresh, token=customer.token).status == 201
    assert stock_of(lamp["id"]) == 4


def test_out_of_stock_and_missing_products_write_nothing(table, ddb, customer, product):
    plenty, scarce = product(stock=50), product(stock=2)
    short = invoke(
        "POST", "/orders", body=factories.order_body((plenty["id"], 1), (scarce["id"], 3)), token=customer.token
    )
    assert short.status == 409 and short.code == "OUT_OF_STOCK"
    assert scarce["id"] in short.json["details"]["items.1.quantity"][0]
    missing = invoke(
        "POST", "/orders", body=factories.order_body((plenty["id"], 1), ("ghost", 1)), token=customer.token
    )
    assert missing.status == 404 and missing.code == "PRODUCT_NOT_FOUND"
    assert missing.json["details"] == {"items.1.productId": ["Product ghost does not exist."]}
    assert stock_of(plenty["id"]) == 50 and stock_of(scarce["id"]) == 2
    assert order_count(ddb, table, customer.user_id) == 0


def test_transaction_rolls_back_when_stock_goes_between_check_and_write(table, ddb, customer, product, monkeypatch):
    """The pre-check passes, then another buyer takes the stock: the transaction's condition
    fails, and neither the order nor the other line's decrement is written."""
    from dataclasses import replace

    from shop.storage.products import DynamoProducts

    plenty, scarce = product(stock=50), product(stock=2)
    real_get_many = DynamoProducts.get_many

    def stale_read(self, ids):
        found = real_get_many(self, ids)
        found[scarce["id"]] = replace(found[scarce["id"]], stock=99)  # what a read just before a competing order saw
        return found

    monkeypatch.setattr(DynamoProducts, "get_many", stale_read)
    result = invoke(
        "POST", "/orders", body=factories.order_body((plenty["id"], 5), (scarce["id"], 3)), token=customer.token
    )
    assert result.status == 409 and result.code == "OUT_OF_STOCK"
    assert result.json["details"] == {"items.1.quantity": [f"Only 2 of {scarce['id']} left in stock."]}
    assert stock_of(plenty["id"]) == 50 and stock_of(scarce["id"]) == 2
    assert order_count(ddb, table, customer.user_id) == 0


def test_order_validation_names_every_path(table, customer):
    body = {
        "items": [{"productId": "a", "quantity": 0}, {"productId": "b", "quantity": 1.5, "price": -1}],
        "shippingAddress": {"street": "", "city": "X"},
        "coupon": "FREE",
    }
    result = invoke("POST", "/orders", body=body, token=customer.token)
    assert result.status == 400
    assert set(result.json["details"]) == {
        "items.0.quantity",
        "items.1.quantity",
        "items.1.price",
        "shippingAddress.street",
        "shippingAddress.state",
        "shippingAddress.zipCode",
        "shippingAddress.country",
        "coupon",
    }


@pytest.mark.parametrize(
    "items",
    [[], [{"productId": f"p{i}", "quantity": 1} for i in range(51)], [{"productId": "same", "quantity": 1}] * 2],
)
def test_line_count_and_duplicate_lines_are_rejected(table, customer, items):
    result = invoke(
        "POST", "/orders", body={"items": items, "shippingAddress": factories.ADDRESS}, token=customer.token
    )
    assert result.status == 400 and result.code == "VALIDATION_ERROR"


def test_idempotent_retry_returns_the_same_order_and_takes_stock_once(table, ddb, customer, product):
    lamp = product(stock=5)
    body = factories.order_body((lamp["id"], 2))
    first = place_with_key(body, customer.token, "order-123")
    retry = place_with_key(body, customer.token, "order-123")
    assert first.status == retry.status == 201
    assert retry.data["id"] == first.data["id"]
    assert retry.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert stock_of(lamp["id"]) == 3
    assert order_count(ddb, table, customer.user_id) == 1
    changed = factories.order_body((lamp["id"], 1))
    reused = place_with_key(changed, customer.token, "order-123")
    assert reused.status == 422 and reused.code == "IDEMPOTENCY_KEY_REUSED"


def test_idempotency_keys_are_per_user_and_validated(table, customer, other_customer, product):
    lamp = product(stock=5)
    body = factories.order_body((lamp["id"], 1))
    mine = place_with_key(body, customer.token, "k1")
    theirs = place_with_key(body, other_customer.token, "k1")
    assert mine.status == theirs.status == 201 and mine.data["id"] != theirs.data["id"]
    for bad in ("", "has space", "x" * 65, "semi;colon"):
        result = place_with_key(body, customer.token, bad)
        assert result.status == 400 and "Idempotency-Key" in result.json["details"]


def test_orders_are_private_to_their_owner_and_visible_to_admins(table, customer, other_customer, admin, product):
    lamp = product(stock=5)
    order = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 1)), token=customer.token).data
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data == order
    hidden = invoke("GET", f"/orders/{order['id']}", token=other_customer.token)
    missing = invoke("GET", "/orders/does-not-exist", token=other_customer.token)
    assert hidden.status == missing.status == 404 and hidden.json == missing.json
    assert invoke("GET", f"/orders/{order['id']}", token=admin.token).data["id"] == order["id"]
    assert invoke("GET", "/orders", token=other_customer.token).data == []
    assert invoke("GET", f"/orders/{order['id']}").status == 401


def test_own_orders_paginate_newest_first_and_cursors_do_not_cross_users(table, customer, other_customer, product):
    lamp = product(stock=50)
    ids = [
        invoke("POST", "/orders", body=factories.order_body((lamp["id"], 1)), token=customer.token).data["id"]
        for _ in range(3)
    ]
    first = invoke("GET", "/orders", token=customer.token, query={"limit": "2"})
    assert [o["id"] for o in first.data] == ids[::-1][:2]
    cursor = first.json["pagination"]["nextCursor"]
    second = invoke("GET", "/orders", token=customer.token, query={"limit": "2", "cursor": cursor})
    assert [o["id"] for o in second.data] == [ids[0]] and second.json["pagination"]["nextCursor"] is None
    stolen = invoke("GET", "/orders", token=other_customer.token, query={"cursor": cursor})
    assert stolen.status == 400 and stolen.code == "INVALID_CURSOR"
