"""The v2 shopping flow over real HTTP against the local server: fill a cart, see live totals,
check out with a key, a declined card (402) then pm_card_visa, and the order paid. The expiry of
an unpaid order goes through the same sweep the local server's background job runs."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests import factories
from tests.api.test_blackbox import admin_token, bearer, register

pytestmark = pytest.mark.blackbox


def test_fill_a_cart_check_out_be_declined_then_pay(server):
    admin = admin_token(server)
    body = {"name": f"Kettle {uuid.uuid4().hex[:6]}", "price": 12.5, "category": "Kitchen", "stock": 5}
    product = requests.post(f"{server.url}/products", json=body, headers=bearer(admin), timeout=10).json()["data"]
    buyer = bearer(register(server)["token"])

    put = requests.put(f"{server.url}/cart/items/{product['id']}", json={"quantity": 2}, headers=buyer, timeout=10)
    assert put.status_code == 200 and put.json()["data"]["totalAmount"] == 25
    cart = requests.get(f"{server.url}/cart", headers=buyer, timeout=10).json()["data"]
    assert cart["items"][0]["status"] == "ok" and cart["itemCount"] == 2

    checkout = {"shippingAddress": factories.ADDRESS, "expectedTotal": 25}
    keyed = {**buyer, "Idempotency-Key": uuid.uuid4().hex}
    placed = requests.post(f"{server.url}/checkout", json=checkout, headers=keyed, timeout=10)
    assert placed.status_code == 201, placed.text
    order = placed.json()["data"]
    assert order["payment"] == {"status": "requires_payment", "amount": 25, "currency": "usd"}
    again = requests.post(f"{server.url}/checkout", json=checkout, headers=keyed, timeout=10)
    assert again.status_code == 201 and again.json()["data"]["id"] == order["id"]
    assert requests.get(f"{server.url}/cart", headers=buyer, timeout=10).json()["data"]["items"] == []

    pay_url = f"{server.url}/orders/{order['id']}/payment"
    declined = requests.post(pay_url, json={"paymentMethod": "pm_card_chargeDeclined"}, headers=buyer, timeout=10)
    assert declined.status_code == 402 and declined.json()["code"] == "PAYMENT_DECLINED"
    paid = requests.post(pay_url, json={"paymentMethod": "pm_card_visa"}, headers=buyer, timeout=10)
    assert paid.status_code == 200, paid.text
    assert paid.json()["data"]["status"] == "paid" and paid.json()["data"]["payment"]["status"] == "succeeded"
    seen = requests.get(f"{server.url}/orders/{order['id']}", headers=buyer, timeout=10).json()["data"]
    assert seen["status"] == "paid"
    stock = requests.get(f"{server.url}/products/{product['id']}", timeout=10).json()["data"]["stock"]
    assert stock == 3


def test_an_unpaid_order_expires_on_the_local_servers_sweep_and_its_stock_returns(tmp_path):
    """The expiry sweep runs as the local server's background job (devtools.local_jobs)."""
    import time

    from tests.api.conftest import start_server, stop_server

    server = start_server(tmp_path, PAYMENT_WINDOW_SECONDS="2", EXPIRY_SWEEP_SECONDS="1", TABLE_NAME="shop-expiry")
    try:
        admin = admin_token(server)
        body = {"name": "Clock", "price": 5, "category": "Home", "stock": 3}
        product = requests.post(f"{server.url}/products", json=body, headers=bearer(admin), timeout=10).json()["data"]
        buyer = bearer(register(server)["token"])
        requests.put(f"{server.url}/cart/items/{product['id']}", json={"quantity": 2}, headers=buyer, timeout=10)
        order = requests.post(
            f"{server.url}/checkout", json={"shippingAddress": factories.ADDRESS}, headers=buyer, timeout=10
        ).json()["data"]
        deadline = time.monotonic() + 20
        status = "pending"
        while status == "pending" and time.monotonic() < deadline:
            time.sleep(0.5)
            status = requests.get(f"{server.url}/orders/{order['id']}", headers=buyer, timeout=10).json()["data"][
                "status"
            ]
        assert status == "expired"
        assert requests.get(f"{server.url}/products/{product['id']}", timeout=10).json()["data"]["stock"] == 3
        paid = requests.post(
            f"{server.url}/orders/{order['id']}/payment",
            json={"paymentMethod": "pm_card_visa"},
            headers=buyer,
            timeout=10,
        )
        assert paid.status_code == 409 and paid.json()["code"] == "INVALID_TRANSITION"
    finally:
        assert stop_server(server) == 0
