"""Services against the in-memory fake storage: the rules, without DynamoDB."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.domain.order import HISTORY_LIMIT
from shop.errors import (
    EmailTaken,
    IdempotencyKeyReused,
    InvalidCredentials,
    NotFound,
    OutOfStock,
    PriceChanged,
    ProductNotFound,
)
from shop.services import auth, orders, products
from shop.tokens import Caller, verify
from tests import factories
from tests.fakes import FakeStorage


@pytest.fixture
def repo():
    return FakeStorage()


def buyer(user_id="u1", role="customer"):
    return Caller(user_id=user_id, email=f"{user_id}@example.com", role=role)


def payload(*lines, **line_extra):
    return {
        "items": [{"productId": pid, "quantity": qty, **line_extra} for pid, qty in lines],
        "shippingAddress": dict(factories.ADDRESS),
    }


def add_product(repo, price="10.00", stock=5, name="Thing"):
    return factories.shown(
        products.create(repo, {"name": name, "price": Decimal(price), "category": "C", "stock": stock})
    )


def test_register_then_login_issues_verifiable_tokens(repo):
    session = auth.register(repo, "a@example.com", factories.STRONG_PASSWORD, "Ann")
    assert verify(session.token).user_id == session.user.id
    assert repo.users.records[session.user.id]["passwordHash"] != factories.STRONG_PASSWORD
    assert auth.login(repo, "a@example.com", factories.STRONG_PASSWORD, "192.0.2.1").user == session.user
    with pytest.raises(EmailTaken):
        auth.register(repo, "a@example.com", factories.STRONG_PASSWORD, "Ann")


def test_login_failures_are_indistinguishable(repo):
    auth.register(repo, "a@example.com", factories.STRONG_PASSWORD, "Ann")
    with pytest.raises(InvalidCredentials) as wrong:
        auth.login(repo, "a@example.com", "Nope-nope-1", "192.0.2.1")
    with pytest.raises(InvalidCredentials) as unknown:
        auth.login(repo, "b@example.com", "Nope-nope-1", "192.0.2.1")
    assert str(wrong.value) == str(unknown.value) == "Invalid credentials"


def test_promote_unknown_user_is_not_found(repo):
    with pytest.raises(NotFound):
        auth.promote_to_admin(repo, "ghost@example.com")


def test_a_new_password_replaces_the_old_one_and_unknown_emails_are_not_found(repo):
    auth.register(repo, "reset@example.com", "Old-pass-123", "R")
    auth.set_password(repo, " Reset@Example.com ", "New-pass-456")
    assert auth.login(repo, "reset@example.com", "New-pass-456", "192.0.2.1").user.email == "reset@example.com"
    with pytest.raises(InvalidCredentials):
        auth.login(repo, "reset@example.com", "Old-pass-123", "192.0.2.1")
    with pytest.raises(NotFound):
        auth.set_password(repo, "ghost@example.com", "New-pass-456")


def test_order_totals_are_exact_decimals(repo):
    a, b = add_product(repo, "0.10", 100), add_product(repo, "0.20", 100)
    order, replayed = orders.create(repo, buyer(), payload((a["id"], 3), (b["id"], 1)))
    assert not replayed
    assert order["totalAmount"] == Decimal("0.50")
    assert [i["lineTotal"] for i in order["items"]] == [Decimal("0.30"), Decimal("0.20")]
    assert repo.products.records[a["id"]]["stock"] == 97


def test_the_worst_problem_is_reported_for_every_line_that_has_it(repo):
    a, b = add_product(repo, stock=1), add_product(repo, stock=1)
    with pytest.raises(OutOfStock) as short:
        orders.create(repo, buyer(), payload((a["id"], 2), (b["id"], 2)))
    assert set(short.value.details) == {"items.0.quantity", "items.1.quantity"}
    with pytest.raises(PriceChanged):
        orders.create(repo, buyer(), payload((a["id"], 2), price=Decimal("1.00")))
    with pytest.raises(ProductNotFound) as missing:
        orders.create(repo, buyer(), payload((a["id"], 2), ("ghost", 1), price=Decimal("1.00")))
    assert set(missing.value.details) == {"items.1.productId"}
    assert repo.orders.records == {}


def test_idempotency_replays_by_parsed_body_not_bytes(repo):
    a, b = add_product(repo), add_product(repo)
    first, _ = orders.create(repo, buyer(), payload((a["id"], 1), (b["id"], 2)), "key")
    same_lines_reordered = payload((b["id"], 2), (a["id"], 1))
    again, replayed = orders.create(repo, buyer(), same_lines_reordered, "key")
    assert replayed and again["id"] == first["id"]
    assert repo.products.records[a["id"]]["stock"] == 4
    with pytest.raises(IdempotencyKeyReused):
        orders.create(repo, buyer(), payload((a["id"], 2)), "key")


def test_request_hash_ignores_line_order_but_not_quantities():
    base = payload(("a", 1), ("b", 2))
    assert orders.request_hash(base) == orders.request_hash(payload(("b", 2), ("a", 1)))
    assert orders.request_hash(base) != orders.request_hash(payload(("a", 1), ("b", 3)))


def test_orders_are_hidden_from_other_customers_but_not_admins(repo):
    a = add_product(repo)
    order, _ = orders.create(repo, buyer("owner"), payload((a["id"], 1)))
    with pytest.raises(NotFound):
        orders.get(repo, buyer("stranger"), order["id"])
    auth.register(repo, "boss@example.com", factories.STRONG_PASSWORD, "Boss")
    boss = repo.users.find_by_email("boss@example.com")
    # an admin claim alone is not enough: the table must agree
    with pytest.raises(NotFound):
        orders.get(repo, buyer(boss.id, role="admin"), order["id"])
    auth.promote_to_admin(repo, "boss@example.com")
    assert orders.get(repo, buyer(boss.id, role="admin"), order["id"])["id"] == order["id"]


def test_product_lifecycle(repo):
    created = add_product(repo, name="Lamp")
    assert products.get(repo, created["id"]).name == "Lamp"
    updated = factories.shown(products.update(repo, created["id"], {"stock": 9}))
    assert updated["stock"] == 9 and updated["updatedAt"] >= created["updatedAt"]
    assert products.delete(repo, created["id"]) == {"id": created["id"], "deleted": True}
    with pytest.raises(ProductNotFound):
        products.get(repo, created["id"])


def test_status_history_keeps_the_last_twenty_transitions(repo):
    a = add_product(repo)
    order, _ = orders.create(repo, buyer("owner"), payload((a["id"], 1)))
    old = [{"status": "pending", "at": f"t{i}", "by": "system"} for i in range(25)]
    repo.orders.records[order["id"]]["statusHistory"] = old
    auth.register(repo, "boss@example.com", factories.STRONG_PASSWORD, "Boss")
    auth.promote_to_admin(repo, "boss@example.com")
    boss = buyer(repo.users.find_by_email("boss@example.com").id, role="admin")
    moved = orders.update_status(repo, boss, order["id"], "cancelled")
    assert len(moved["statusHistory"]) == HISTORY_LIMIT
    assert moved["statusHistory"][0] == old[6]
    assert moved["statusHistory"][-1]["status"] == "cancelled" and moved["statusHistory"][-1]["by"] == "admin"


def test_the_lifecycle_table_never_revisits_a_status():
    """The conditional writes rely on it: a status, once left, is never entered again."""
    reachable = {"pending"}
    frontier = ["pending"]
    paths = {"pending": {"pending"}}
    while frontier:
        current = frontier.pop()
        for nxt in orders.TRANSITIONS[current]:
            assert nxt not in paths[current], (current, nxt)
            paths[nxt] = paths[current] | {nxt}
            reachable.add(nxt)
            frontier.append(nxt)
    assert reachable == set(orders.TRANSITIONS)


def test_a_stale_admin_claim_cannot_list_everyones_orders(repo):
    a = add_product(repo)
    orders.create(repo, buyer("someone"), payload((a["id"], 1)))
    mine, _ = orders.create(repo, buyer("claimer"), payload((a["id"], 1)))
    listed = orders.list_page(repo, buyer("claimer", role="admin"), 10, None, "pending")
    assert [o["id"] for o in listed.items] == [mine["id"]]


def test_a_twin_try_that_finds_the_stock_gone_answers_with_its_twins_order(repo, monkeypatch):
    """Both tries of one key pass the record check before either commits; one takes the last
    unit, the other then sees no stock: it must replay its twin's order, not answer 409."""
    a = add_product(repo, stock=1)
    won, _ = orders.create(repo, buyer(), payload((a["id"], 1)), idempotency_key="k")
    real = repo.idempotency.get
    calls = []

    def missed_once(user_id, key):
        calls.append(key)
        return None if len(calls) == 1 else real(user_id, key)

    monkeypatch.setattr(repo.idempotency, "get", missed_once)
    twin, replayed = orders.create(repo, buyer(), payload((a["id"], 1)), idempotency_key="k")
    assert replayed and twin["id"] == won["id"] and len(calls) == 2
    with pytest.raises(OutOfStock):  # without a key, no stock is no stock
        orders.create(repo, buyer(), payload((a["id"], 1)))


def test_a_twin_whose_claim_loses_the_race_replays_the_winner(repo, monkeypatch):
    a = add_product(repo, stock=5)
    won, _ = orders.create(repo, buyer(), payload((a["id"], 1)), idempotency_key="k")
    monkeypatch.setattr(repo.idempotency, "get", lambda user_id, key: None)  # read before the winner committed
    twin, replayed = orders.create(repo, buyer(), payload((a["id"], 1)), idempotency_key="k")
    assert replayed and twin["id"] == won["id"]
    assert repo.products.records[a["id"]]["stock"] == 4
