from __future__ import annotations

import time
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from tests import factories, faults
from tests.apigw import invoke
from tests.conftest import reset_shop_caches


@dataclass
class Account:
    user_id: str
    email: str
    password: str
    token: str


def register(email: str | None = None, password: str = factories.STRONG_PASSWORD, name: str = "Test User") -> Account:
    email = email or factories.email()
    result = invoke("POST", "/auth/register", body={"email": email, "password": password, "name": name})
    assert result.status == 201, result.body
    return Account(result.data["user"]["userId"], email, password, result.data["token"])


def make_admin() -> Account:
    from shop.services import auth
    from shop.storage import storage

    account = register(name="Test Admin")
    auth.promote_to_admin(storage(), account.email)
    login = invoke("POST", "/auth/login", body={"email": account.email, "password": account.password})
    account.token = login.data["token"]
    return account


@pytest.fixture
def customer(table) -> Account:
    return register()


@pytest.fixture
def other_customer(table) -> Account:
    return register()


@pytest.fixture
def admin(table) -> Account:
    return make_admin()


@pytest.fixture
def product(admin):
    """Create a product as the admin; returns a function so tests can make several."""

    def create(**overrides):
        result = invoke("POST", "/products", body=factories.product_body(**overrides), token=admin.token)
        assert result.status == 201, result.body
        return result.data

    return create


@pytest.fixture
def placed(customer, product):
    """A pending order of 2 of a product with 5 in stock: (order id, product id)."""
    lamp = product(stock=5)
    order = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 2)), token=customer.token)
    assert order.status == 201, order.body
    return order.data["id"], lamp["id"]


def pay_order(token: str, order_id: str, method: str = "pm_card_visa"):
    """The owner pays the order through the payment route (the configured provider, `fake` in
    tests): the only way an order becomes paid."""
    paid = invoke("POST", f"/orders/{order_id}/payment", body={"paymentMethod": method}, token=token)
    assert paid.status == 200, paid.body
    return paid


def place_paid_order(customer: Account, admin: Account, product_id: str) -> str:
    """An order of 2 of `product_id`, paid by its owner; its id."""
    placed = invoke("POST", "/orders", body=factories.order_body((product_id, 2)), token=customer.token)
    assert placed.status == 201, placed.body
    pay_order(customer.token, placed.data["id"])
    return placed.data["id"]


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, a whole second that moves only by hand."""
    from shop.services import throttle

    now = [int(time.time())]
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: now[0]))
    return now


@pytest.fixture
def limits(monkeypatch):
    """Set throttle settings for one test (read once per process, so the cache is reset)."""

    def set_limits(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, str(value))
        reset_shop_caches()

    yield set_limits
    reset_shop_caches()


def _before_storage_call(*operations: str, every_time: bool = False):
    from shop.storage import storage

    return faults.before_call(storage().client, *operations, every_time=every_time)


@pytest.fixture
def before_update(table):
    """Run a callback once, just before the storage's next UpdateItem goes out."""
    with _before_storage_call("UpdateItem") as meanwhile:
        yield meanwhile


@pytest.fixture
def before_transaction(table):
    """Run a callback once, just before the storage's next TransactWriteItems goes out."""
    with _before_storage_call("TransactWriteItems") as meanwhile:
        yield meanwhile


@pytest.fixture
def before_write(table):
    """Run a callback once, just before the storage's next UpdateItem or TransactWriteItems goes out."""
    with _before_storage_call("UpdateItem", "TransactWriteItems") as meanwhile:
        yield meanwhile


@pytest.fixture
def before_each_update(table):
    """Run every callback before every UpdateItem the storage sends."""
    with _before_storage_call("UpdateItem", every_time=True) as meanwhile:
        yield meanwhile
