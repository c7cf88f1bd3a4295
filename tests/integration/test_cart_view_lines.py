"""GET /cart, line by line: a line of a deleted product does not hide the lines after it, and a
line that takes exactly the stock left is fine, one more is `insufficient_stock` with the
stock that is left. Through the real handlers, on moto and on DynamoDB Local."""

from __future__ import annotations

import pytest

from tests.apigw import invoke

pytestmark = pytest.mark.dynamodb_local


def put_line(token, product_id, quantity):
    return invoke("PUT", f"/cart/items/{product_id}", body={"quantity": quantity}, token=token)


def test_a_deleted_products_line_is_shown_and_the_lines_after_it_are_priced(table, customer, product, admin):
    gone, mug = product(price=10, stock=5), product(price=4.5, stock=5)
    assert put_line(customer.token, gone["id"], 1).status == 200
    assert put_line(customer.token, mug["id"], 2).status == 200
    assert invoke("DELETE", f"/products/{gone['id']}", token=admin.token).status == 200

    cart = invoke("GET", "/cart", token=customer.token).data

    assert [(i["productId"], i["status"]) for i in cart["items"]] == [(gone["id"], "unavailable"), (mug["id"], "ok")]
    assert cart["items"][1]["lineTotal"] == 9
    assert (cart["totalAmount"], cart["itemCount"]) == (9, 3)


def test_a_line_of_exactly_the_stock_left_is_ok_and_one_sold_meanwhile_makes_it_short(table, customer, product, admin):
    lamp = product(stock=3)
    assert put_line(customer.token, lamp["id"], 3).status == 200

    [line] = invoke("GET", "/cart", token=customer.token).data["items"]
    assert line["status"] == "ok" and "availableStock" not in line

    assert invoke("PUT", f"/products/{lamp['id']}", body={"stock": 2}, token=admin.token).status == 200
    [short] = invoke("GET", "/cart", token=customer.token).data["items"]
    assert (short["status"], short["availableStock"], short["quantity"]) == ("insufficient_stock", 2, 3)
