"""Two edits of one cart at once: the one whose write meets the other's change reads the cart
again and applies itself on top, so neither edit is lost; an edit that keeps meeting others
gives up after its attempts with a 503 and `Retry-After: 1`, and the cart keeps what the others
wrote. Through the real handlers, on moto and on DynamoDB Local."""

from __future__ import annotations

import uuid

import pytest

from tests.apigw import invoke

pytestmark = pytest.mark.dynamodb_local


def put_line(token, product_id, quantity):
    return invoke("PUT", f"/cart/items/{product_id}", body={"quantity": quantity}, token=token)


def items(result):
    return [(item["productId"], item["quantity"]) for item in result.data["items"]]


@pytest.fixture
def before_put(table):
    """Run a callback once, just before the storage's next PutItem (a cart save) goes out."""
    from shop.storage import storage
    from tests import faults

    with faults.before_call(storage().client, "PutItem") as meanwhile:
        yield meanwhile


def test_an_added_line_that_meets_another_edit_is_added_on_top_of_it(table, customer, product, before_put):
    lamp, mug = product(stock=5), product(stock=5)
    before_put(lambda: put_line(customer.token, lamp["id"], 1))

    added = put_line(customer.token, mug["id"], 2)

    assert added.status == 200 and items(added) == [(lamp["id"], 1), (mug["id"], 2)]
    assert items(invoke("GET", "/cart", token=customer.token)) == [(lamp["id"], 1), (mug["id"], 2)]


def test_a_removal_that_meets_another_edit_keeps_that_edit(table, customer, product, before_put):
    lamp, mug, kettle = product(stock=5), product(stock=5), product(stock=5)
    put_line(customer.token, lamp["id"], 1)
    put_line(customer.token, mug["id"], 1)
    before_put(lambda: put_line(customer.token, kettle["id"], 3))

    removed = invoke("DELETE", f"/cart/items/{lamp['id']}", token=customer.token)

    assert removed.status == 200 and items(removed) == [(mug["id"], 1), (kettle["id"], 3)]
    assert items(invoke("GET", "/cart", token=customer.token)) == [(mug["id"], 1), (kettle["id"], 3)]


@pytest.mark.parametrize("edit", ["put", "remove"])
def test_an_edit_that_meets_another_at_every_attempt_is_a_503_and_changes_nothing(table, ddb, customer, product, edit):
    from shop.storage import storage
    from tests import faults

    lamp, mug = product(stock=5), product(stock=5)
    put_line(customer.token, lamp["id"], 1)
    key = {"id": {"S": f"cart#{customer.user_id}"}, "type": {"S": "cart"}}
    bumps = []

    def another_edit():  # another device rewrites the cart (a new version) just before each save
        bumps.append(uuid.uuid4().hex)
        ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET version = :v",
            ExpressionAttributeValues={":v": {"S": bumps[-1]}},
        )

    with faults.before_call(storage().client, "PutItem", every_time=True) as meanwhile:
        meanwhile(another_edit)
        if edit == "put":
            refused = put_line(customer.token, mug["id"], 2)
        else:
            refused = invoke("DELETE", f"/cart/items/{lamp['id']}", token=customer.token)

    assert (refused.status, refused.code, refused.headers["Retry-After"]) == (503, "SERVICE_UNAVAILABLE", "1")
    assert len(bumps) == 4  # each of its attempts read the cart again and tried once more
    stored = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert stored["version"]["S"] == bumps[-1]
    assert items(invoke("GET", "/cart", token=customer.token)) == [(lamp["id"], 1)]
