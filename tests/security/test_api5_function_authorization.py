"""API5:2023 Broken Function Level Authorization: customers and strangers on admin routes."""

from __future__ import annotations

import time

import jwt
import pytest

from shop import tokens
from tests import factories
from tests.apigw import invoke
from tests.conftest import TEST_SECRET

ADMIN_ROUTES = [
    ("POST", "/products", factories.product_body()),
    ("PUT", "/products/{id}", {"price": 0.01}),
    ("DELETE", "/products/{id}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_customers_get_403_and_nothing_changes(customer, product, method, path, body):
    existing = product(price=50)
    result = invoke(method, path.format(id=existing["id"]), body=body, token=customer.token)
    assert result.status == 403 and result.code == "FORBIDDEN"
    assert invoke("GET", f"/products/{existing['id']}").data == existing


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_anonymous_callers_get_401(table, method, path, body):
    result = invoke(method, path.format(id="any"), body=body)
    assert result.status == 401 and result.code == "UNAUTHORIZED"


def test_a_customer_holding_a_validly_signed_admin_claim_is_still_refused(customer):
    """Even a leaked signing key cannot mint admins: the role is re-read from the table."""
    now = int(time.time())
    claims = {
        "sub": customer.user_id,
        "email": customer.email,
        "role": "admin",
        "iat": now,
        "exp": now + 600,
        "iss": "shop-api",
        "aud": "shop-api-clients",
    }
    forged = jwt.encode(claims, TEST_SECRET, algorithm="HS256", headers={"kid": tokens.key_id(TEST_SECRET)})
    result = invoke("POST", "/products", body=factories.product_body(), token=forged)
    assert result.status == 403


def test_method_override_headers_do_not_change_the_route(customer, product):
    existing = product()
    headers = {"X-HTTP-Method-Override": "DELETE", "X-Method-Override": "DELETE"}
    assert invoke("GET", f"/products/{existing['id']}", headers=headers, token=customer.token).status == 200
    assert invoke("GET", f"/products/{existing['id']}").status == 200
