"""Product writes that race other writes: a PUT never resurrects a deleted product, and a
relative stock edit never loses an order's decrement. On moto and on DynamoDB Local."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import factories
from tests.apigw import invoke

pytestmark = pytest.mark.dynamodb_local


def raw_product(ddb, table, product_id):
    return ddb.get_item(
        TableName=table, Key={"id": {"S": product_id}, "type": {"S": "product"}}, ConsistentRead=True
    ).get("Item")


def test_a_delete_landing_just_before_a_put_wins_and_the_put_is_404(table, ddb, admin, product, before_update):
    doomed = product(stock=4)
    before_update(lambda: ddb.delete_item(TableName=table, Key={"id": {"S": doomed["id"]}, "type": {"S": "product"}}))
    result = invoke("PUT", f"/products/{doomed['id']}", body={"name": "Back from the dead"}, token=admin.token)
    assert result.status == 404 and result.code == "PRODUCT_NOT_FOUND"
    assert raw_product(ddb, table, doomed["id"]) is None


def test_puts_racing_a_delete_on_threads_never_recreate_the_product(table, ddb, admin, product):
    doomed = product(stock=4)

    def put(index):
        return invoke("PUT", f"/products/{doomed['id']}", body={"stockDelta": 1}, token=admin.token).status

    def delete():
        return invoke("DELETE", f"/products/{doomed['id']}", token=admin.token).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        puts = [pool.submit(put, i) for i in range(12)]
        deleted = pool.submit(delete)
        puts += [pool.submit(put, i) for i in range(12)]
    assert deleted.result() == 200
    assert {f.result() for f in puts} <= {200, 404}
    assert raw_product(ddb, table, doomed["id"]) is None
    assert invoke("GET", f"/products/{doomed['id']}").status == 404


def test_stock_delta_adds_and_takes_and_never_goes_below_zero(table, admin, product):
    lamp = product(stock=10)
    path = f"/products/{lamp['id']}"
    assert invoke("PUT", path, body={"stockDelta": 5}, token=admin.token).data["stock"] == 15
    taken = invoke("PUT", path, body={"stockDelta": -15, "price": 12.5}, token=admin.token)
    assert taken.status == 200 and taken.data["stock"] == 0 and taken.data["price"] == 12.5
    short = invoke("PUT", path, body={"stockDelta": -1, "name": "Renamed"}, token=admin.token)
    assert short.status == 409 and short.code == "OUT_OF_STOCK"
    assert short.json["details"] == {"stockDelta": ["Only 0 in stock; cannot remove 1."]}
    assert invoke("GET", path).data["name"] == lamp["name"]  # the whole update failed
    invoke("PUT", path, body={"stock": 999_999}, token=admin.token)
    over = invoke("PUT", path, body={"stockDelta": 2}, token=admin.token)
    assert over.status == 409 and over.code == "STOCK_LIMIT_REACHED" and "stockDelta" in over.json["details"]
    assert invoke("GET", path).data["stock"] == 999_999
    gone = invoke("PUT", "/products/ghost", body={"stockDelta": 1}, token=admin.token)
    assert gone.status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"stock": 3, "stockDelta": 1},
        {"stockDelta": 0},
        {"stockDelta": 1.5},
        {"stockDelta": "2"},
        {"stockDelta": True},
        {"stockDelta": -1_000_001},
    ],
)
def test_stock_delta_is_validated(table, admin, product, body):
    lamp = product(stock=10)
    result = invoke("PUT", f"/products/{lamp['id']}", body=body, token=admin.token)
    assert result.status == 400 and "stockDelta" in result.json["details"], result.body
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 10


def test_a_delta_never_loses_an_order_that_lands_between_read_and_write(table, admin, customer, product, before_update):
    lamp = product(stock=10)

    def order_three():
        result = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 3)), token=customer.token)
        assert result.status == 201

    before_update(order_three)
    result = invoke("PUT", f"/products/{lamp['id']}", body={"stockDelta": 5}, token=admin.token)
    assert result.status == 200 and result.data["stock"] == 12  # 10 - 3 + 5


def test_deltas_and_orders_on_threads_add_up(table, admin, customer, product):
    lamp = product(stock=20)

    def buy(_):
        body = factories.order_body((lamp["id"], 1))
        return invoke("POST", "/orders", body=body, token=customer.token).status

    def restock(_):
        return invoke("PUT", f"/products/{lamp['id']}", body={"stockDelta": 2}, token=admin.token).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        bought = [pool.submit(buy, i) for i in range(15)]
        restocked = [pool.submit(restock, i) for i in range(6)]
    assert [f.result() for f in bought].count(201) == 15
    assert {f.result() for f in restocked} == {200}
    assert invoke("GET", f"/products/{lamp['id']}").data["stock"] == 20 - 15 + 12
