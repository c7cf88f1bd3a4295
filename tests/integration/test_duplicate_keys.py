"""A JSON body that names a key twice (issue 32, defect 3) is 400 `INVALID_JSON`, at any depth:
"last one wins" would let a client smuggle a value past whatever read the first one. Nothing
is written."""

from __future__ import annotations

import json

from tests import factories
from tests.apigw import invoke


def products_named(admin, name):
    listed = invoke("GET", "/products", token=admin.token, query={"limit": "100"})
    return [p for p in listed.data if p["name"] == name]


def test_a_key_given_twice_at_the_top_is_400_and_nothing_is_created(table, admin):
    body = json.dumps(factories.product_body(name="first"))[:-1] + ', "name": "second"}'
    result = invoke("POST", "/products", token=admin.token, raw_body=body)
    assert (result.status, result.code) == (400, "INVALID_JSON"), result.body
    assert result.json["error"] == "Duplicate key in a JSON object"
    assert products_named(admin, "first") == [] and products_named(admin, "second") == []


def test_a_key_given_twice_in_a_nested_object_is_400(table, customer, product):
    pid = product()["id"]
    body = json.dumps(factories.order_body((pid, 1)))
    body = body.replace('"shippingAddress": {', '"shippingAddress": {"city": "Elsewhere", ', 1)
    result = invoke("POST", "/orders", token=customer.token, raw_body=body)
    assert (result.status, result.code) == (400, "INVALID_JSON"), result.body
    assert invoke("GET", "/orders", token=customer.token).data == []


def test_the_same_key_in_sibling_objects_is_fine(table, customer, product):
    pid, other = product()["id"], product()["id"]
    result = invoke("POST", "/orders", token=customer.token, body=factories.order_body((pid, 1), (other, 2)))
    assert result.status == 201, result.body
