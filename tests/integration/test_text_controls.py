"""Control characters and bidirectional overrides in free text (issue 32, defect 4): NUL, the
other C0 and C1 controls, and U+202A-U+202E / U+2066-U+2069 are a 400 `VALIDATION_ERROR` naming
the field, in every free-text field of every body, and nothing is written. A line break or a
tab in a product's description, and text in any script, are still taken."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke

REFUSED = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202a", "\u202e", "\u2066", "\u2069"]


def refused(result, field):
    assert (result.status, result.code) == (400, "VALIDATION_ERROR"), result.body
    assert field in result.json["details"], result.json["details"]


@pytest.mark.parametrize("char", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
@pytest.mark.parametrize("field", ["name", "description", "category"])
def test_a_product_with_a_control_or_bidi_character_is_refused(table, admin, field, char):
    body = factories.product_body(**{field: f"Nice{char}thing"})
    refused(invoke("POST", "/products", token=admin.token, body=body), field)
    assert invoke("GET", "/products").data == []


@pytest.mark.parametrize("char", ["\x00", "\u202e"])
def test_an_update_a_registration_an_order_and_a_checkout_refuse_them_too(table, admin, customer, product, char):
    pid = product(name="Plain")["id"]
    refused(invoke("PUT", f"/products/{pid}", token=admin.token, body={"name": f"Evil{char}gpj.exe"}), "name")
    assert invoke("GET", f"/products/{pid}").data["name"] == "Plain"
    body = {"email": "someone@example.com", "password": factories.STRONG_PASSWORD, "name": f"Mal{char}lory"}
    refused(invoke("POST", "/auth/register", body=body), "name")
    address = {**factories.ADDRESS, "street": f"1 Main{char} St"}
    refused(
        invoke(
            "POST", "/orders", token=customer.token, body={**factories.order_body((pid, 1)), "shippingAddress": address}
        ),
        "shippingAddress.street",
    )
    invoke("PUT", f"/cart/items/{pid}", body={"quantity": 1}, token=customer.token)
    refused(
        invoke("POST", "/checkout", token=customer.token, body={"shippingAddress": address}), "shippingAddress.street"
    )
    assert invoke("GET", "/orders", token=customer.token).data == []


def test_line_breaks_in_a_description_and_any_script_are_taken(table, admin):
    body = factories.product_body(name="Café ☕ 東京 مرحبا", description="Line one.\nLine two,\twith a tab.")
    created = invoke("POST", "/products", token=admin.token, body=body)
    assert created.status == 201, created.body
    assert (created.data["name"], created.data["description"]) == (body["name"], body["description"])
