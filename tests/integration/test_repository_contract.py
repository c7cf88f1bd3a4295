"""The repository's contract, called directly: what each method writes, reads and raises.

Runs on moto and again on DynamoDB Local; where the two disagree, DynamoDB Local is right."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

from shop.errors import (
    EmailTaken,
    InvalidCursor,
    InvalidTransition,
    NotFound,
    OutOfStock,
    PriceChanged,
    ProductNotFound,
    StockLimitReached,
)
from shop.repository import IdempotencyClaim, IdempotencyConflict, OrderLine

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture
def repo(table):
    from shop.repository import repository

    return repository()


def a_product(repo, stock=5, price="9.99", category="Tools", created="2026-01-01T00:00:00.000Z"):
    product = {
        "id": str(uuid.uuid4()),
        "name": "Thing",
        "price": Decimal(price),
        "category": category,
        "stock": stock,
        "createdAt": created,
        "updatedAt": created,
    }
    repo.put_product(product)
    return product


def an_order(user_id, lines, status="pending", created="2026-01-02T00:00:00.000Z"):
    return {
        "id": str(uuid.uuid4()),
        "userId": user_id,
        "status": status,
        "items": [
            {"productId": line.product_id, "name": "Thing", "price": line.price, "quantity": line.quantity}
            for line in lines
        ],
        "totalAmount": sum((line.price * line.quantity for line in lines), Decimal("0")),
        "statusHistory": [{"status": status, "at": created, "by": user_id}],
        "createdAt": created,
        "updatedAt": created,
    }


def test_users_are_unique_by_email_and_roles_change_only_for_existing_users(repo):
    user = {"userId": "u-1", "email": "a@example.com", "name": "A", "role": "customer", "passwordHash": "h"}
    repo.create_user(user)
    with pytest.raises(EmailTaken):
        repo.create_user({**user, "userId": "u-2"})
    assert repo.find_user_by_email("a@example.com")["userId"] == "u-1"
    assert repo.get_user("u-2") is None and repo.find_user_by_email("b@example.com") is None
    repo.set_user_role("u-1", "admin")
    assert repo.get_user("u-1")["role"] == "admin"
    with pytest.raises(NotFound):
        repo.set_user_role("ghost", "admin")


def test_products_round_trip_and_writes_to_missing_ones_create_nothing(repo, ddb, table):
    product = a_product(repo)
    assert repo.get_product(product["id"]) == product
    with pytest.raises(Exception):  # noqa: B017 - the second Put of one id must fail, whatever the code
        repo.put_product(product)
    updated = repo.update_product(product["id"], {"name": "New", "category": "Other"}, stock_delta=-2)
    assert updated["name"] == "New" and updated["stock"] == 3
    assert [p["id"] for p in repo.list_products("other", 10, None).items] == [product["id"]]
    with pytest.raises(OutOfStock):
        repo.update_product(product["id"], {"name": "X"}, stock_delta=-4)
    with pytest.raises(StockLimitReached):
        repo.update_product(product["id"], {"name": "X"}, stock_delta=1_000_000)
    repo.delete_product(product["id"])
    for write in (
        lambda: repo.update_product(product["id"], {"name": "X"}),
        lambda: repo.update_product(product["id"], {"name": "X"}, stock_delta=1),
        lambda: repo.delete_product(product["id"]),
    ):
        with pytest.raises(ProductNotFound):
            write()
    assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": product["id"]}, "type": {"S": "product"}})
    assert repo.get_products([product["id"], "ghost"]) == {}


def test_list_pages_are_newest_first_bounded_and_cursor_scoped(repo):
    made = [a_product(repo, created=f"2026-01-0{day}T00:00:00.000Z") for day in range(1, 6)]
    first = repo.list_products(None, 2, None)
    assert [p["id"] for p in first.items] == [made[4]["id"], made[3]["id"]]
    second = repo.list_products(None, 2, first.next_cursor)
    third = repo.list_products(None, 2, second.next_cursor)
    assert [p["id"] for p in second.items + third.items] == [made[2]["id"], made[1]["id"], made[0]["id"]]
    assert third.next_cursor is None
    with pytest.raises(InvalidCursor):
        repo.list_products("tools", 2, first.next_cursor)


def test_place_order_is_all_or_nothing(repo):
    plenty, scarce = a_product(repo, stock=10), a_product(repo, stock=1)
    lines = [OrderLine(plenty["id"], 2, Decimal("9.99")), OrderLine(scarce["id"], 2, Decimal("9.99"))]
    with pytest.raises(OutOfStock) as short:
        repo.place_order(an_order("u-1", lines), lines, None)
    assert short.value.details == {"items.1.quantity": [f"Only 1 of {scarce['id']} left in stock."]}
    repriced = [OrderLine(plenty["id"], 1, Decimal("1.00"))]
    with pytest.raises(PriceChanged):
        repo.place_order(an_order("u-1", repriced), repriced, None)
    missing = [OrderLine("ghost", 1, Decimal("1.00"))]
    with pytest.raises(ProductNotFound):
        repo.place_order(an_order("u-1", missing), missing, None)
    assert repo.get_product(plenty["id"])["stock"] == 10 and repo.list_orders_for_user("u-1", 10, None).items == []
    good = [OrderLine(plenty["id"], 3, Decimal("9.99"))]
    order = an_order("u-1", good)
    repo.place_order(order, good, None)
    assert repo.get_order(order["id"], consistent=True)["status"] == "pending"
    assert repo.get_product(plenty["id"])["stock"] == 7


def test_an_idempotency_claim_is_taken_once_and_reports_the_winner(repo):
    product = a_product(repo, stock=10)
    lines = [OrderLine(product["id"], 1, Decimal("9.99"))]
    claim = IdempotencyClaim("u-1", "key-1", "hash-1", int(time.time()) + 60)
    first = an_order("u-1", lines)
    repo.place_order(first, lines, claim)
    with pytest.raises(IdempotencyConflict) as conflict:
        repo.place_order(an_order("u-1", lines), lines, claim)
    assert conflict.value.record["orderId"] == first["id"] and conflict.value.record["requestHash"] == "hash-1"
    assert repo.get_product(product["id"])["stock"] == 9
    assert repo.get_idempotency("u-1", "key-1")["orderId"] == first["id"]
    assert repo.get_idempotency("u-2", "key-1") is None


def test_an_expired_claim_that_ttl_has_not_yet_removed_can_be_taken_again(repo):
    product = a_product(repo, stock=10)
    lines = [OrderLine(product["id"], 1, Decimal("9.99"))]
    repo.place_order(an_order("u-1", lines), lines, IdempotencyClaim("u-1", "k", "h", int(time.time()) - 5))
    assert repo.get_idempotency("u-1", "k") is None
    second = an_order("u-1", lines)
    repo.place_order(second, lines, IdempotencyClaim("u-1", "k", "h2", int(time.time()) + 60))
    assert repo.get_idempotency("u-1", "k")["orderId"] == second["id"]


def test_status_changes_are_conditional_keep_indexes_in_step_and_restock(repo):
    product = a_product(repo, stock=10)
    lines = [OrderLine(product["id"], 4, Decimal("9.99"))]
    order = an_order("u-1", lines)
    repo.place_order(order, lines, None)
    paid = {"status": "paid", "statusHistory": [*order["statusHistory"], {"status": "paid"}], "updatedAt": "t1"}
    moved = repo.change_order_status(order, paid)
    assert moved["status"] == "paid"
    assert [o["id"] for o in repo.list_orders_by_status("paid", 10, None).items] == [order["id"]]
    assert repo.list_orders_by_status("pending", 10, None).items == []
    assert [o["id"] for o in repo.list_orders_for_user("u-1", 10, None, "paid").items] == [order["id"]]
    with pytest.raises(InvalidTransition):  # `order` still says pending: a stale read
        repo.change_order_status(order, {**paid, "status": "cancelled"}, restock=True)
    assert repo.get_product(product["id"])["stock"] == 6
    cancelled = {**paid, "status": "cancelled", "updatedAt": "t2"}
    repo.change_order_status(repo.get_order(order["id"], consistent=True), cancelled, restock=True)
    assert repo.get_product(product["id"])["stock"] == 10
    assert repo.get_order(order["id"], consistent=True)["status"] == "cancelled"
    with pytest.raises(NotFound):
        repo.change_order_status({**order, "id": "ghost"}, paid)
    with pytest.raises(NotFound):
        repo.change_order_status({**order, "id": "ghost"}, cancelled, restock=True)
