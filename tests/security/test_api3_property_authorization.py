"""API3:2023 Broken Object Property Level Authorization: mass assignment and over-exposure."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke


def test_register_cannot_assign_a_role(table, ddb):
    email = factories.email()
    body = {"email": email, "password": factories.STRONG_PASSWORD, "name": "Mallory", "role": "admin"}
    result = invoke("POST", "/auth/register", body=body)
    assert result.status == 400 and "role" in result.json["details"]
    guard = ddb.get_item(TableName=table, Key={"id": {"S": f"email#{email}"}, "type": {"S": "email"}})
    assert "Item" not in guard  # nothing was created


@pytest.mark.parametrize(
    "field", [{"userId": "someone-else"}, {"status": "delivered"}, {"totalAmount": 0.01}, {"id": "chosen-id"}]
)
def test_order_server_fields_cannot_be_assigned(customer, product, field):
    body = factories.order_body((product()["id"], 1), **field)
    result = invoke("POST", "/orders", body=body, token=customer.token)
    assert result.status == 400 and set(field) <= set(result.json["details"])


def test_a_line_cannot_carry_its_own_name_or_total(customer, product):
    body = factories.order_body((product()["id"], 1))
    body["items"][0].update(name="Free", lineTotal=0.01)
    result = invoke("POST", "/orders", body=body, token=customer.token)
    assert result.status == 400
    assert {"items.0.name", "items.0.lineTotal"} <= set(result.json["details"])


@pytest.mark.parametrize("field", [{"id": "chosen"}, {"createdAt": "2000-01-01T00:00:00Z"}, {"updatedAt": "x"}])
def test_product_server_fields_cannot_be_assigned(admin, field):
    created = invoke("POST", "/products", body=factories.product_body(**field), token=admin.token)
    assert created.status == 400 and set(field) <= set(created.json["details"])


def test_product_update_cannot_move_its_id(admin, product):
    existing = product()
    result = invoke("PUT", f"/products/{existing['id']}", body={"id": "other"}, token=admin.token)
    assert result.status == 400 and "id" in result.json["details"]
    assert invoke("GET", f"/products/{existing['id']}").status == 200


def test_responses_expose_no_storage_or_secret_attributes(customer, product):
    login = invoke("POST", "/auth/login", body={"email": customer.email, "password": customer.password})
    assert set(login.data["user"]) == {"userId", "email", "name", "role"}
    item = product()
    order = invoke("POST", "/orders", body=factories.order_body((item["id"], 1)), token=customer.token).data
    storage = {"type", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "expiresAt", "passwordHash"}
    for record in (item, invoke("GET", f"/products/{item['id']}").data, order):
        assert not storage & set(record)
