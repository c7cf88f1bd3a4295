"""The order lifecycle: who may move an order where, stock returned on cancel, history and
index keys kept in step. Runs on moto and on DynamoDB Local."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke
from tests.integration.conftest import pay_order

pytestmark = pytest.mark.dynamodb_local


def stock_of(product_id: str) -> int:
    return invoke("GET", f"/products/{product_id}").data["stock"]


def place(token: str, *lines: tuple[str, int]) -> dict:
    result = invoke("POST", "/orders", body=factories.order_body(*lines), token=token)
    assert result.status == 201, result.body
    return result.data


def move(order_id: str, status: str, token: str):
    return invoke("PUT", f"/orders/{order_id}/status", body={"status": status}, token=token)


def stored_order(ddb, table, order_id: str) -> dict:
    return ddb.get_item(TableName=table, Key={"id": {"S": order_id}, "type": {"S": "order"}}, ConsistentRead=True)[
        "Item"
    ]


def test_an_admin_walks_an_order_to_delivered_and_every_step_is_recorded(table, ddb, customer, admin, product):
    lamp = product(stock=5)
    order = place(customer.token, (lamp["id"], 2))
    assert order["statusHistory"] == [{"status": "pending", "at": order["createdAt"], "by": "customer"}]
    for status in ("paid", "shipped", "delivered"):
        result = pay_order(customer.token, order["id"]) if status == "paid" else move(order["id"], status, admin.token)
        assert result.status == 200, result.body
        assert result.data["status"] == status and result.data["updatedAt"] >= order["updatedAt"]
        item = stored_order(ddb, table, order["id"])
        assert item["status"]["S"] == status
        assert item["gsi2pk"]["S"] == f"status#{status}"
        assert item["gsi3pk"]["S"] == f"user#{customer.user_id}#status#{status}"
        assert item["gsi1pk"]["S"] == f"user#{customer.user_id}"
    fetched = invoke("GET", f"/orders/{order['id']}", token=customer.token).data
    assert [(h["status"], h["by"]) for h in fetched["statusHistory"]] == [
        ("pending", "customer"),
        ("paid", "customer"),
        ("shipped", "admin"),
        ("delivered", "admin"),
    ]
    # Who the admin was is the admin's business (the request log has it), not the customer's.
    listed = invoke("GET", "/orders", token=customer.token)
    for seen in (fetched, listed.body, result.body):
        assert admin.user_id not in str(seen)
    history = stored_order(ddb, table, order["id"])["statusHistory"]["L"]
    assert [entry["M"]["by"]["S"] for entry in history] == ["customer", "customer", "admin", "admin"]
    assert "gsi2pk" not in fetched and "gsi3pk" not in fetched
    assert stock_of(lamp["id"]) == 3  # delivering returns nothing


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "shipped"),
        ([], "delivered"),
        ([], "pending"),
        ([], "paid"),  # only a payment marks an order paid
        (["paid"], "paid"),
        (["paid"], "pending"),
        (["paid", "shipped"], "cancelled"),
        (["paid", "shipped", "delivered"], "shipped"),
        (["cancelled"], "paid"),
    ],
)
def test_illegal_moves_are_409_and_change_nothing(table, ddb, customer, admin, product, path, target):
    order = place(customer.token, (product(stock=5)["id"], 1))
    for status in path:
        moved = pay_order(customer.token, order["id"]) if status == "paid" else move(order["id"], status, admin.token)
        assert moved.status == 200
    before = stored_order(ddb, table, order["id"])
    result = move(order["id"], target, admin.token)
    assert result.status == 409 and result.code == "INVALID_TRANSITION", result.body
    assert stored_order(ddb, table, order["id"]) == before


def test_the_owner_cancels_a_pending_order_and_gets_exactly_its_stock_back(table, ddb, customer, product):
    lamp, cable = product(stock=10), product(stock=100)
    order = place(customer.token, (lamp["id"], 3), (cable["id"], 17))
    assert (stock_of(lamp["id"]), stock_of(cable["id"])) == (7, 83)
    cancelled = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
    assert cancelled.status == 200, cancelled.body
    assert cancelled.data["status"] == "cancelled"
    assert cancelled.data["statusHistory"][-1]["status"] == "cancelled"
    assert cancelled.data["statusHistory"][-1]["by"] == "customer"
    assert (stock_of(lamp["id"]), stock_of(cable["id"])) == (10, 100)
    again = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
    assert again.status == 409 and again.code == "INVALID_TRANSITION"
    assert (stock_of(lamp["id"]), stock_of(cable["id"])) == (10, 100)
    assert stored_order(ddb, table, order["id"])["gsi2pk"] == {"S": "status#cancelled"}


def test_customers_cannot_cancel_others_orders_or_move_statuses(table, customer, other_customer, admin, product):
    lamp = product(stock=5)
    order = place(customer.token, (lamp["id"], 2))
    theirs = invoke("POST", f"/orders/{order['id']}/cancel", token=other_customer.token)
    missing = invoke("POST", "/orders/no-such-order/cancel", token=other_customer.token)
    assert theirs.status == missing.status == 404 and theirs.json == missing.json
    for token in (customer.token, other_customer.token):
        forbidden = move(order["id"], "paid", token)
        assert forbidden.status == 403 and forbidden.code == "FORBIDDEN"
    assert invoke("POST", f"/orders/{order['id']}/cancel").status == 401
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).data["status"] == "pending"
    assert stock_of(lamp["id"]) == 3


def test_only_an_admin_cancels_a_paid_order(table, customer, admin, product):
    lamp = product(stock=5)
    order = place(customer.token, (lamp["id"], 4))
    pay_order(customer.token, order["id"])
    late = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
    assert late.status == 409 and late.code == "INVALID_TRANSITION"
    assert stock_of(lamp["id"]) == 1
    by_admin = invoke("POST", f"/orders/{order['id']}/cancel", token=admin.token)
    assert by_admin.status == 200 and by_admin.data["statusHistory"][-1]["by"] == "admin"
    assert stock_of(lamp["id"]) == 5


def test_cancelling_through_the_status_route_returns_stock_too(table, customer, admin, product):
    lamp = product(stock=5)
    order = place(customer.token, (lamp["id"], 5))
    assert move(order["id"], "cancelled", admin.token).data["status"] == "cancelled"
    assert stock_of(lamp["id"]) == 5


def test_a_product_deleted_since_the_order_is_not_recreated_by_the_restock(table, ddb, customer, admin, product):
    kept, gone = product(stock=5), product(stock=5)
    order = place(customer.token, (kept["id"], 2), (gone["id"], 3))
    assert invoke("DELETE", f"/products/{gone['id']}", token=admin.token).status == 200
    cancelled = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
    assert cancelled.status == 200, cancelled.body
    assert stock_of(kept["id"]) == 5
    assert "Item" not in ddb.get_item(
        TableName=table, Key={"id": {"S": gone["id"]}, "type": {"S": "product"}}, ConsistentRead=True
    )


def test_a_product_deleted_between_the_read_and_the_write_is_skipped_on_a_second_plan(
    table, ddb, customer, admin, product, monkeypatch
):
    """The restock plan is made from a consistent read; if the product goes after that read,
    its `attribute_exists` guard cancels the transaction and the cancel is planned again."""
    from shop.storage.dynamo import Table

    kept, doomed = product(stock=5), product(stock=5)
    order = place(customer.token, (kept["id"], 1), (doomed["id"], 2))
    real_get_many = Table.get_many
    reads = []

    def read_then_delete(self, item_keys):
        found = real_get_many(self, item_keys)
        if not reads:
            ddb.delete_item(TableName=table, Key={"id": {"S": doomed["id"]}, "type": {"S": "product"}})
        reads.append(sorted(item["id"] for item in found))
        return found

    monkeypatch.setattr(Table, "get_many", read_then_delete)
    cancelled = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
    assert cancelled.status == 200, cancelled.body
    assert len(reads) == 2 and reads[1] == [kept["id"]]
    assert stock_of(kept["id"]) == 5
    assert "Item" not in ddb.get_item(
        TableName=table, Key={"id": {"S": doomed["id"]}, "type": {"S": "product"}}, ConsistentRead=True
    )


def test_a_transition_on_a_stale_read_fails_its_condition_and_returns_no_stock(
    table, ddb, customer, admin, product, monkeypatch
):
    """The admin ships the order between the owner's read and the owner's cancel: the cancel's
    condition on the status it read fails, so nothing is cancelled and no stock comes back."""
    from shop.storage.orders import DynamoOrders

    lamp = product(stock=5)
    order = place(customer.token, (lamp["id"], 2))
    stale = invoke("GET", f"/orders/{order['id']}", token=customer.token).data
    pay_order(customer.token, order["id"])
    real_get_order = DynamoOrders.get

    def stale_read(self, order_id, consistent=False):
        fresh = real_get_order(self, order_id, consistent)
        return {**fresh, "status": stale["status"], "statusHistory": stale["statusHistory"]}

    monkeypatch.setattr(DynamoOrders, "get", stale_read)
    result = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
    assert result.status == 409 and result.code == "INVALID_TRANSITION"
    assert "paid" in result.json["error"]
    assert stored_order(ddb, table, order["id"])["status"] == {"S": "paid"}
    assert stock_of(lamp["id"]) == 3


def test_status_bodies_are_validated(table, customer, admin, product):
    order = place(customer.token, (product(stock=5)["id"], 1))
    for body in ({}, {"status": "lost"}, {"status": "paid", "note": "x"}, {"status": 1}):
        result = invoke("PUT", f"/orders/{order['id']}/status", body=body, token=admin.token)
        assert result.status == 400 and result.code == "VALIDATION_ERROR", body
    missing = move("no-such-order", "paid", admin.token)
    assert missing.status == 404 and missing.code == "NOT_FOUND"


def test_admins_list_every_order_in_a_status_newest_first(table, customer, other_customer, admin, product):
    lamp = product(stock=50)
    mine = [place(customer.token, (lamp["id"], 1))["id"] for _ in range(2)]
    theirs = [place(other_customer.token, (lamp["id"], 1))["id"] for _ in range(2)]
    pay_order(customer.token, mine[0])
    pending = [mine[1], *theirs]  # oldest first
    first = invoke("GET", "/orders", token=admin.token, query={"status": "pending", "limit": "2"})
    assert [o["id"] for o in first.data] == pending[::-1][:2]
    cursor = first.json["pagination"]["nextCursor"]
    second = invoke("GET", "/orders", token=admin.token, query={"status": "pending", "limit": "2", "cursor": cursor})
    assert [o["id"] for o in second.data] == [pending[0]] and second.json["pagination"]["nextCursor"] is None
    paid = invoke("GET", "/orders", token=admin.token, query={"status": "paid"})
    assert [o["id"] for o in paid.data] == [mine[0]]
    crossed = invoke("GET", "/orders", token=admin.token, query={"status": "paid", "cursor": cursor})
    assert crossed.status == 400 and crossed.code == "INVALID_CURSOR"
    assert invoke("GET", "/orders", token=admin.token, query={"status": "lost"}).status == 400


def test_customers_filter_their_own_orders_by_status(table, customer, other_customer, admin, product):
    lamp = product(stock=50)
    paid, pending = (place(customer.token, (lamp["id"], 1))["id"] for _ in range(2))
    place(other_customer.token, (lamp["id"], 1))
    pay_order(customer.token, paid)
    own_pending = invoke("GET", "/orders", token=customer.token, query={"status": "pending"})
    assert [o["id"] for o in own_pending.data] == [pending]
    own_paid = invoke("GET", "/orders", token=customer.token, query={"status": "paid"})
    assert [o["id"] for o in own_paid.data] == [paid]
    assert invoke("GET", "/orders", token=other_customer.token, query={"status": "paid"}).data == []
    assert [o["id"] for o in invoke("GET", "/orders", token=customer.token).data] == [pending, paid]


def test_lifecycle_paths_answer_405_with_allow_and_preflight(table):
    wrong = invoke("GET", "/orders/some-order/cancel")
    assert wrong.status == 405 and wrong.code == "METHOD_NOT_ALLOWED"
    assert wrong.headers["Allow"] == "POST, OPTIONS"
    assert invoke("DELETE", "/orders/some-order/status").headers["Allow"] == "PUT, OPTIONS"
    assert invoke("OPTIONS", "/orders/some-order/status").status == 204


def test_a_history_written_with_user_ids_is_shown_with_roles(table, ddb, customer, admin, product):
    """Orders recorded before `by` held a role carry the actor's userId: shown as a role too."""
    order = place(customer.token, (product(stock=5)["id"], 1))
    pay_order(customer.token, order["id"])
    legacy = [
        {"M": {"status": {"S": "pending"}, "at": {"S": order["createdAt"]}, "by": {"S": customer.user_id}}},
        {"M": {"status": {"S": "paid"}, "at": {"S": order["createdAt"]}, "by": {"S": admin.user_id}}},
    ]
    ddb.update_item(
        TableName=table,
        Key={"id": {"S": order["id"]}, "type": {"S": "order"}},
        UpdateExpression="SET statusHistory = :h",
        ExpressionAttributeValues={":h": {"L": legacy}},
    )
    for result in (
        invoke("GET", f"/orders/{order['id']}", token=customer.token),
        invoke("GET", f"/orders/{order['id']}", token=admin.token),
        invoke("POST", f"/orders/{order['id']}/cancel", token=admin.token),
    ):
        assert result.status == 200, result.body
        assert [h["by"] for h in result.data["statusHistory"]][:2] == ["customer", "admin"]
        assert admin.user_id not in result.body and customer.user_id not in str(result.data["statusHistory"])
    listed = invoke("GET", "/orders", token=customer.token).data
    assert [h["by"] for h in listed[0]["statusHistory"]] == ["customer", "admin", "admin"]


@pytest.mark.parametrize("route", ["cancel", "status"])
def test_a_cancel_never_takes_stock_past_the_limit(table, customer, admin, product, route):
    lamp = product(stock=10)
    order = place(customer.token, (lamp["id"], 5))
    stocktake = invoke("PUT", f"/products/{lamp['id']}", body={"stock": 999_998}, token=admin.token)
    assert stocktake.status == 200, stocktake.body

    if route == "cancel":
        cancelled = invoke("POST", f"/orders/{order['id']}/cancel", token=customer.token)
    else:
        cancelled = move(order["id"], "cancelled", admin.token)

    assert cancelled.status == 200, cancelled.body
    assert stock_of(lamp["id"]) == 1_000_000
    # and the limit holds for the next edit too
    more = invoke("PUT", f"/products/{lamp['id']}", body={"stockDelta": 1}, token=admin.token)
    assert more.status == 409 and more.code == "STOCK_LIMIT_REACHED"
