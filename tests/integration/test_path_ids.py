"""Path ids are checked at the edge: one that no record can have (too long, or a character
outside A-Z a-z 0-9 . _ ~ -) is that route's 404, answered before any DynamoDB call. On
DynamoDB Local this is the difference between a 404 and a 500: DynamoDB rejects a key over
2,048 bytes with a ValidationException (moto does not, and answered 404 by chance).

Every route with a path parameter in serverless.yml is covered, so a new one is too."""

from __future__ import annotations

import re

import pytest

from devtools import serverless_config
from tests import factories
from tests.apigw import invoke

pytestmark = pytest.mark.dynamodb_local

BAD_IDS = {
    "over-dynamodb-key-limit": "a" * 2049,
    "multibyte-over-limit": "é" * 1100,  # 2,200 bytes in 1,100 characters
    "over-id-length": "a" * 129,
    "space": "a b",
    "hash": "order#1",
    "nul": "a\x00b",
    "non-ascii": "produkt-ü",
    "emoji": "\U0001f600",
}
BODIES = {
    ("PUT", "/products/{id}"): {"name": "Renamed"},
    ("PUT", "/orders/{id}/status"): {"status": "paid"},
}
NOT_FOUND_CODE = {"products": "PRODUCT_NOT_FOUND"}  # else NOT_FOUND (the edge's default `not_found`)
ROUTES_WITH_IDS = sorted(
    {(r.method, r.path) for r in serverless_config.routes() if "{" in r.path and r.method not in ("ANY", "OPTIONS")}
)


@pytest.mark.parametrize("bad", list(BAD_IDS.values()), ids=list(BAD_IDS))
@pytest.mark.parametrize(("method", "route"), ROUTES_WITH_IDS, ids=[f"{m} {p}" for m, p in ROUTES_WITH_IDS])
def test_an_id_no_record_can_have_is_a_404_before_any_dynamodb_call(table, admin, faults, method, route, bad):
    path = re.sub(r"\{[^}]+\}", lambda _: bad, route)
    faults.recount()
    result = invoke(method, path, token=admin.token, body=BODIES.get((method, route)))
    assert result.status == 404, result.body
    assert result.code == NOT_FOUND_CODE.get(route.split("/")[1], "NOT_FOUND")
    touched = {op: n for op, n in faults.attempts.items() if op != "GetItem" or n > 1}  # GetItem: the admin's role
    assert touched == {}, f"DynamoDB was asked about the id: {touched}"


def test_real_ids_still_reach_their_records(table, admin, customer, product):
    lamp = product()
    assert invoke("GET", f"/products/{lamp['id']}").status == 200
    order = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 1)), token=customer.token).data
    assert invoke("GET", f"/orders/{order['id']}", token=customer.token).status == 200
    assert invoke("GET", "/products/no-such.product_id~1").code == "PRODUCT_NOT_FOUND"


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_malformed_image_id_on_a_real_product_is_the_images_404(table, admin, faults, product, method):
    lamp = product()
    faults.recount()
    result = invoke(method, f"/products/{lamp['id']}/images/{'a' * 2049}", token=admin.token)
    assert (result.status, result.code) == (404, "NOT_FOUND")
    touched = {op: n for op, n in faults.attempts.items() if op != "GetItem" or n > 1}
    assert touched == {}, f"DynamoDB was asked about the id: {touched}"
