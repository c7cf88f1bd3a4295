"""Product CRUD, roles, pagination and filters through the real handlers on moto."""

from __future__ import annotations

from tests import factories
from tests.apigw import invoke


def test_admin_creates_a_product_priced_exactly(table, ddb, admin):
    result = invoke("POST", "/products", body=factories.product_body(price=19.99, name="  Lamp "), token=admin.token)
    assert result.status == 201
    product = result.data
    assert product["name"] == "Lamp" and product["price"] == 19.99 and product["stock"] == 10
    assert product["createdAt"].endswith("Z") and product["createdAt"] == product["updatedAt"]
    stored = ddb.get_item(TableName=table, Key={"id": {"S": product["id"]}, "type": {"S": "product"}})["Item"]
    assert stored["price"] == {"N": "19.99"}
    assert invoke("GET", f"/products/{product['id']}").data == product


def test_customers_and_anonymous_callers_cannot_write_products(table, customer, product):
    existing = product()
    forbidden = invoke("POST", "/products", body=factories.product_body(), token=customer.token)
    assert forbidden.status == 403 and forbidden.code == "FORBIDDEN"
    anonymous = invoke("PUT", f"/products/{existing['id']}", body={"stock": 1})
    assert anonymous.status == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert invoke("DELETE", f"/products/{existing['id']}", token=customer.token).status == 403
    assert invoke("GET", f"/products/{existing['id']}").data["stock"] == existing["stock"]


def test_server_fields_and_bad_values_are_rejected_with_every_field_named(table, admin):
    body = factories.product_body(
        id="mine", createdAt="2020-01-01", price=10.001, stock=-1, imageUrl="http://x.example/a.png"
    )
    result = invoke("POST", "/products", body=body, token=admin.token)
    assert result.status == 400 and result.code == "VALIDATION_ERROR"
    assert set(result.json["details"]) == {"id", "createdAt", "price", "stock", "imageUrl"}


def test_non_numbers_are_not_coerced(table, admin):
    result = invoke("POST", "/products", body=factories.product_body(price="19.99", stock=True), token=admin.token)
    assert result.status == 400
    assert set(result.json["details"]) == {"price", "stock"}


def test_partial_update_returns_the_whole_product(table, admin, product):
    existing = product(category="Lamps")
    result = invoke("PUT", f"/products/{existing['id']}", body={"price": 25, "category": "Lighting"}, token=admin.token)
    assert result.status == 200
    assert result.data["price"] == 25 and result.data["category"] == "Lighting"
    assert result.data["name"] == existing["name"] and result.data["updatedAt"] >= existing["updatedAt"]
    by_category = invoke("GET", "/products", query={"category": "lighting"}).data
    assert [p["id"] for p in by_category] == [existing["id"]]
    assert invoke("GET", "/products", query={"category": "Lamps"}).data == []


def test_empty_update_is_a_400_and_unknown_product_a_404_that_creates_nothing(table, ddb, admin):
    assert invoke("PUT", "/products/nope", body={}, token=admin.token).status == 400
    missing = invoke("PUT", "/products/nope", body={"stock": 3}, token=admin.token)
    assert missing.status == 404 and missing.code == "PRODUCT_NOT_FOUND"
    assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": "nope"}, "type": {"S": "product"}})


def test_delete_then_get_is_404_and_a_second_delete_too(table, admin, product):
    existing = product()
    deleted = invoke("DELETE", f"/products/{existing['id']}", token=admin.token)
    assert deleted.status == 200 and deleted.data == {"id": existing["id"], "deleted": True}
    assert invoke("GET", f"/products/{existing['id']}").code == "PRODUCT_NOT_FOUND"
    assert invoke("DELETE", f"/products/{existing['id']}", token=admin.token).status == 404
    assert invoke("PUT", f"/products/{existing['id']}", body={"stock": 5}, token=admin.token).status == 404
    assert invoke("GET", f"/products/{existing['id']}").status == 404


def test_pagination_walks_every_product_newest_first_exactly_once(table, product):
    created = [product(category="Walk")["id"] for _ in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": "3", "category": "walk"} | ({"cursor": cursor} if cursor else {})
        result = invoke("GET", "/products", query=query)
        assert result.status == 200 and result.json["pagination"]["limit"] == 3
        seen += [p["id"] for p in result.data]
        cursor = result.json["pagination"]["nextCursor"]
        pages += 1
        assert pages < 10, "pagination does not terminate"
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(created))


def test_limit_bounds_and_bad_cursors_are_400(table, product):
    product(category="A")
    product(category="A")
    product(category="B")
    for limit in ("0", "101", "abc", "1.5"):
        assert invoke("GET", "/products", query={"limit": limit}).code == "VALIDATION_ERROR"
    cursor = invoke("GET", "/products", query={"limit": "1", "category": "a"}).json["pagination"]["nextCursor"]
    assert cursor
    assert invoke("GET", "/products", query={"cursor": cursor, "category": "a"}).status == 200
    other_list = invoke("GET", "/products", query={"cursor": cursor, "category": "b"})
    assert other_list.status == 400 and other_list.code == "INVALID_CURSOR"
    assert invoke("GET", "/products", query={"cursor": cursor}).code == "INVALID_CURSOR"
    tampered = ("A" if cursor[0] != "A" else "B") + cursor[1:]
    assert invoke("GET", "/products", query={"cursor": tampered, "category": "a"}).code == "INVALID_CURSOR"
    for junk in ("garbage", "a.b.c", "x" * 2000):
        assert invoke("GET", "/products", query={"cursor": junk}).status == 400


def test_unknown_product_is_404(table):
    result = invoke("GET", "/products/does-not-exist")
    assert result.status == 404 and result.code == "PRODUCT_NOT_FOUND"
