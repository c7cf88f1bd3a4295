"""A cart line as stored and as refused: the stock boundary, what each refusal tells the
client, what the table keeps of a line (docs/DATA_MODEL.md: productId, quantity, name, price,
addedAt; a random version; a 30-day TTL), and edits that read the cart right after another
edit while a replica lags. Through the real handlers, on moto and on DynamoDB Local."""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal

import pytest

from tests.apigw import invoke
from tests.faults import stale_unless_consistent

pytestmark = pytest.mark.dynamodb_local


def put_line(token, product_id, quantity):
    return invoke("PUT", f"/cart/items/{product_id}", body={"quantity": quantity}, token=token)


def stored_cart(ddb, table, user_id):
    from boto3.dynamodb.types import TypeDeserializer

    key = {"id": {"S": f"cart#{user_id}"}, "type": {"S": "cart"}}
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return {k: TypeDeserializer().deserialize(v) for k, v in item.items()} if item else None


def near(iso, seconds=60):
    return abs(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() - time.time()) < seconds


def test_a_line_may_take_the_whole_stock_and_not_one_more(table, customer, product):
    lamp = product(stock=3)
    assert put_line(customer.token, lamp["id"], 3).status == 200
    short = put_line(customer.token, lamp["id"], 4)
    assert (short.status, short.code) == (409, "OUT_OF_STOCK")
    assert short.json["details"] == {"quantity": [f"Only 3 of {lamp['id']} left in stock."]}
    assert invoke("GET", "/cart", token=customer.token).data["items"][0]["quantity"] == 3


def test_an_unknown_product_is_named_in_the_404(table, customer):
    missing = put_line(customer.token, "no-such-product", 1)
    assert (missing.status, missing.code) == (404, "PRODUCT_NOT_FOUND")
    assert missing.json["details"] == {"productId": ["Product no-such-product does not exist."]}


def test_the_table_keeps_each_line_with_its_name_price_and_when_it_was_added(table, ddb, customer, product, admin):
    lamp = product(price=24.5, stock=5)
    first = put_line(customer.token, lamp["id"], 1)
    cart = stored_cart(ddb, table, customer.user_id)
    [line] = cart["lines"]
    assert {k: line[k] for k in ("productId", "quantity", "name", "price")} == {
        "productId": lamp["id"],
        "quantity": 1,
        "name": lamp["name"],
        "price": Decimal("24.5"),
    }
    assert near(line["addedAt"]) and near(cart["updatedAt"]) and cart["updatedAt"] == first.data["updatedAt"]
    assert cart["userId"] == customer.user_id and isinstance(cart["version"], str) and len(cart["version"]) >= 16

    invoke("PUT", f"/products/{lamp['id']}", body={"price": 20, "name": "Desk lamp"}, token=admin.token)
    assert put_line(customer.token, lamp["id"], 2).status == 200
    again = stored_cart(ddb, table, customer.user_id)
    [changed] = again["lines"]
    assert (changed["quantity"], changed["name"], changed["price"]) == (2, "Desk lamp", Decimal("20"))
    assert changed["addedAt"] == line["addedAt"]  # set once, when the line was added
    assert again["version"] != cart["version"]


def test_a_line_of_a_deleted_product_shows_its_name_and_price_as_last_set(table, customer, product, admin):
    lamp = product(price=24.5, stock=5)
    put_line(customer.token, lamp["id"], 1)
    invoke("PUT", f"/products/{lamp['id']}", body={"price": 20, "name": "Desk lamp"}, token=admin.token)
    put_line(customer.token, lamp["id"], 2)
    invoke("DELETE", f"/products/{lamp['id']}", token=admin.token)
    [line] = invoke("GET", "/cart", token=customer.token).data["items"]
    assert (line["status"], line["name"], line["price"], line["quantity"]) == ("unavailable", "Desk lamp", 20, 2)


def test_edits_read_the_cart_the_last_edit_wrote_though_a_replica_lags(table, customer, product, faults):
    lamp, mug = product(stock=5), product(stock=5)
    assert put_line(customer.token, lamp["id"], 1).status == 200
    faults.fail("GetItem", stale_unless_consistent)

    added = put_line(customer.token, mug["id"], 2)
    shown = invoke("GET", "/cart", token=customer.token)
    removed = invoke("DELETE", f"/cart/items/{lamp['id']}", token=customer.token)

    assert added.status == 200 and [i["productId"] for i in added.data["items"]] == [lamp["id"], mug["id"]]
    assert [i["productId"] for i in shown.data["items"]] == [lamp["id"], mug["id"]]
    assert removed.status == 200 and [i["productId"] for i in removed.data["items"]] == [mug["id"]]
