"""An order says who placed it (issue 31, "Admin orders page an operator can work from"): the
account's email and name when it was placed, stored on the order by POST /orders and POST
/checkout, shown to its owner and to admins (one order, and the admin's list by status). Later
moves keep it; orders stored before it was kept read with both null, and still move."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

from tests import factories
from tests.apigw import invoke
from tests.integration.conftest import register
from tests.integration.test_payments import fake_provider

__all__ = ["fake_provider"]


def stored_order(order_id):
    from shop.storage import storage

    return storage().orders.get(order_id, consistent=True)


def place(account, product_id, quantity=1):
    placed = invoke(
        "POST",
        "/orders",
        token=account.token,
        body={"items": [{"productId": product_id, "quantity": quantity}], "shippingAddress": factories.ADDRESS},
    )
    assert placed.status == 201, placed.body
    return placed.data


def test_post_orders_stores_the_customers_email_and_name_shown_to_the_owner_and_admins(table, admin, product):
    ada = register(name="  Ada Lovelace ")
    lamp = product(stock=5)
    order = place(ada, lamp["id"])
    expected = {"email": ada.email, "name": "Ada Lovelace"}
    assert order["customer"] == expected
    assert stored_order(order["id"])["customer"] == expected

    own = invoke("GET", f"/orders/{order['id']}", token=ada.token)
    assert own.status == 200 and own.data["customer"] == expected
    seen = invoke("GET", f"/orders/{order['id']}", token=admin.token)
    assert seen.status == 200 and seen.data["customer"] == expected
    listed = invoke("GET", "/orders", token=admin.token, query={"status": "pending"})
    assert listed.status == 200
    assert [o["customer"] for o in listed.data if o["id"] == order["id"]] == [expected]


def test_another_customer_still_learns_nothing(table, customer, other_customer, product):
    order = place(customer, product(stock=5)["id"])
    peek = invoke("GET", f"/orders/{order['id']}", token=other_customer.token)
    assert peek.status == 404 and peek.code == "NOT_FOUND"
    assert customer.email not in str(peek.body)


def test_checkout_stores_the_customer_too(table, product):
    bo = register(name="Bo Checkout")
    lamp = product(stock=5)
    assert invoke("PUT", f"/cart/items/{lamp['id']}", token=bo.token, body={"quantity": 2}).status == 200
    done = invoke("POST", "/checkout", token=bo.token, body={"shippingAddress": factories.ADDRESS})
    assert done.status == 201, done.body
    assert done.data["customer"] == {"email": bo.email, "name": "Bo Checkout"}
    assert stored_order(done.data["id"])["customer"] == {"email": bo.email, "name": "Bo Checkout"}


def test_the_name_is_the_one_at_the_time_of_the_order(table, admin, product):
    cy = register(name="Cy Before")
    lamp = product(stock=5)
    first = place(cy, lamp["id"])
    assert invoke("PUT", "/me", token=cy.token, body={"name": "Cy After"}).status == 200
    second = place(cy, lamp["id"])
    assert invoke("GET", f"/orders/{first['id']}", token=admin.token).data["customer"]["name"] == "Cy Before"
    assert invoke("GET", f"/orders/{second['id']}", token=admin.token).data["customer"]["name"] == "Cy After"


def test_the_customer_stays_on_the_order_through_cancel_and_shipping(table, admin, customer, product, fake_provider):
    lamp = product(stock=5)
    cancelled = place(customer, lamp["id"])
    assert invoke("POST", f"/orders/{cancelled['id']}/cancel", token=customer.token).status == 200
    shipped = place(customer, lamp["id"])
    paid = invoke(
        "POST", f"/orders/{shipped['id']}/payment", token=customer.token, body={"paymentMethod": "pm_card_visa"}
    )
    assert paid.status == 200, paid.body
    moved = invoke(
        "PUT",
        f"/orders/{shipped['id']}/status",
        token=admin.token,
        body={"status": "shipped", "tracking": {"carrier": "DHL", "number": "JD1"}},
    )
    assert moved.status == 200, moved.body
    for order_id in (cancelled["id"], shipped["id"]):
        assert stored_order(order_id)["customer"] == {"email": customer.email, "name": "Test User"}
        assert invoke("GET", f"/orders/{order_id}", token=admin.token).data["customer"]["email"] == customer.email
    assert moved.data["customer"]["email"] == customer.email


def test_an_order_stored_before_customers_were_kept_reads_as_unknown_and_still_moves(table, admin, customer, product):
    from shop.storage import storage

    lamp = product(stock=5)
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    older = {
        "id": str(uuid.uuid4()),
        "userId": customer.user_id,
        "status": "pending",
        "items": [
            {"productId": lamp["id"], "name": lamp["name"], "price": Decimal("10"), "quantity": 1, "lineTotal": 10}
        ],
        "totalAmount": Decimal("10"),
        "shippingAddress": factories.ADDRESS,
        "payment": {"status": "requires_payment", "amount": Decimal("10"), "currency": "usd"},
        "statusHistory": [{"status": "pending", "at": now, "by": "customer"}],
        "createdAt": now,
        "updatedAt": now,
    }
    storage().orders.create(older, [], None)
    read = invoke("GET", f"/orders/{older['id']}", token=admin.token)
    assert read.status == 200 and read.data["customer"] == {"email": None, "name": None}
    listed = invoke("GET", "/orders", token=admin.token, query={"status": "pending"})
    assert [o["customer"] for o in listed.data if o["id"] == older["id"]] == [{"email": None, "name": None}]
    cancelled = invoke("POST", f"/orders/{older['id']}/cancel", token=admin.token)
    assert cancelled.status == 200 and cancelled.data["status"] == "cancelled", cancelled.body
    assert cancelled.data["customer"] == {"email": None, "name": None}
    assert "customer" not in stored_order(older["id"])  # nothing invented for it
