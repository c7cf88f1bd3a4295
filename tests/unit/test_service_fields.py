"""Rules whose breakage a client would see but no other fast test noticed (docs/TESTING.md):
which reads are consistent, what a status change writes, and which lines a failure names."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from shop.errors import PriceChanged, ProductNotFound
from shop.services import orders
from tests import factories
from tests.fakes import FakeStorage
from tests.unit.test_services import add_product, buyer, payload


@pytest.fixture
def repo():
    return FakeStorage()


def placed(repo, owner):
    product = add_product(repo, stock=5)
    order, _ = orders.create(repo, owner, payload((product["id"], 1)))
    return order


@pytest.mark.parametrize(
    ("action", "args"),
    [(orders.cancel, ()), (orders.update_status, ("cancelled",))],
    ids=["cancel", "update_status"],
)
def test_reads_before_a_lifecycle_move_are_consistent(repo, action, args):
    # An eventually consistent read could see a status that is already gone (moto is always
    # consistent, so only the flag the service asks for shows this).
    owner, admin = buyer("u1"), buyer("a1", role="admin")
    repo.users.records["a1"] = {"id": "a1", "email": "a1@example.com", "role": "admin"}
    order = placed(repo, owner)
    repo.orders.reads.clear()
    action(repo, admin, order["id"], *args)
    reads = [consistent for order_id, consistent in repo.orders.reads if order_id == order["id"]]
    assert reads and all(reads)


def test_a_status_change_stamps_the_history_entry_and_updated_at(repo, monkeypatch):
    owner = buyer("u1")
    order = placed(repo, owner)
    at = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC).timestamp()
    monkeypatch.setattr(orders, "time", SimpleNamespace(time=lambda: at))  # the services' clock only
    moved = orders.cancel(repo, owner, order["id"])
    assert moved["updatedAt"] == "2031-05-06T07:08:09.000Z"
    assert moved["statusHistory"][-1]["status"] == "cancelled"
    assert moved["statusHistory"][-1]["at"] == "2031-05-06T07:08:09.000Z"
    assert moved["createdAt"] == order["createdAt"]
    stored = repo.orders.records[order["id"]]
    assert (stored["updatedAt"], stored["statusHistory"][-1]["at"]) == (moved["updatedAt"], moved["updatedAt"])


def test_every_missing_product_is_named_not_only_the_first(repo):
    known = add_product(repo)
    body = payload(("missing-1", 1), (known["id"], 1), ("missing-2", 2))
    with pytest.raises(ProductNotFound) as raised:
        orders.create(repo, buyer(), body)
    assert set(raised.value.details) == {"items.0.productId", "items.2.productId"}
    assert "missing-2" in raised.value.details["items.2.productId"][0]


def test_a_price_change_names_the_current_price_of_every_repriced_line(repo):
    first, second = add_product(repo, price="12.50"), add_product(repo, price="3.00")
    body = {
        "items": [
            {"productId": first["id"], "quantity": 1, "price": Decimal("10.00")},
            {"productId": second["id"], "quantity": 1, "price": Decimal("2.99")},
        ],
        "shippingAddress": dict(factories.ADDRESS),
    }
    with pytest.raises(PriceChanged) as raised:
        orders.create(repo, buyer(), body)
    assert raised.value.details == {
        "items.0.price": [f"Price of {first['id']} is now 12.50."],
        "items.1.price": [f"Price of {second['id']} is now 3.00."],
    }
