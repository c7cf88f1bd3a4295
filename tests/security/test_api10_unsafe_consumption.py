"""API10:2023 Unsafe Consumption of APIs: what DynamoDB returns is validated before use.

A malformed item (a hand edit, a bad migration) is never priced, sold or shown: single
reads are a generic 500, lists skip it, and the log names the item, never its values.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke

GENERIC_500 = {"success": False, "error": "Internal server error", "code": "INTERNAL_ERROR"}


def corrupt(ddb, table, product_id, **attributes):
    """Overwrite attributes with raw DynamoDB values; None removes the attribute."""
    sets = {k: v for k, v in attributes.items() if v is not None}
    removes = [k for k, v in attributes.items() if v is None]
    names = {f"#{k}": k for k in attributes}
    expression = ""
    if sets:
        expression += "SET " + ", ".join(f"#{k} = :{k}" for k in sets)
    if removes:
        expression += " REMOVE " + ", ".join(f"#{k}" for k in removes)
    request = {"ExpressionAttributeNames": names, "UpdateExpression": expression}
    if sets:
        request["ExpressionAttributeValues"] = {f":{k}": v for k, v in sets.items()}
    ddb.update_item(TableName=table, Key={"id": {"S": product_id}, "type": {"S": "product"}}, **request)


CORRUPTIONS = {
    "price-as-text": {"price": {"S": "free"}},
    "negative-price": {"price": {"N": "-5"}},
    "missing-stock": {"stock": None},
    "stock-as-text": {"stock": {"S": "lots"}},
    "name-as-map": {"name": {"M": {"x": {"S": "y"}}}},
}


@pytest.mark.parametrize("corruption", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_malformed_product_is_a_clean_500_never_sold_and_left_out_of_lists(
    table, ddb, customer, product, corruption, log_lines
):
    good, bad = product(stock=5), product(stock=5)
    corrupt(ddb, table, bad["id"], **corruption)

    single = invoke("GET", f"/products/{bad['id']}")
    assert single.status == 500 and single.json == GENERIC_500

    listed = invoke("GET", "/products")
    assert listed.status == 200 and [p["id"] for p in listed.data] == [good["id"]]

    order = invoke("POST", "/orders", body=factories.order_body((bad["id"], 1)), token=customer.token)
    assert order.status == 500 and order.json == GENERIC_500
    assert invoke("GET", "/orders", token=customer.token).data == []

    warnings = [line for line in log_lines if '"malformed item"' in line]
    assert warnings and all(bad["id"] in line for line in warnings)
    assert not any("free" in line or "lots" in line for line in log_lines)


def test_a_malformed_order_is_a_clean_500(table, ddb, customer, product):
    placed = invoke("POST", "/orders", body=factories.order_body((product()["id"], 1)), token=customer.token).data
    ddb.update_item(
        TableName=table,
        Key={"id": {"S": placed["id"]}, "type": {"S": "order"}},
        UpdateExpression="SET totalAmount = :t",
        ExpressionAttributeValues={":t": {"S": "0"}},
    )
    assert invoke("GET", f"/orders/{placed['id']}", token=customer.token).json == GENERIC_500
    assert invoke("GET", "/orders", token=customer.token).data == []


def test_a_malformed_role_fails_closed_on_admin_routes(table, ddb, admin):
    ddb.update_item(
        TableName=table,
        Key={"id": {"S": admin.user_id}, "type": {"S": "user"}},
        UpdateExpression="SET #r = :r",
        ExpressionAttributeNames={"#r": "role"},
        ExpressionAttributeValues={":r": {"S": "superuser"}},
    )
    result = invoke("POST", "/products", body=factories.product_body(), token=admin.token)
    assert result.status == 500 and result.json == GENERIC_500
