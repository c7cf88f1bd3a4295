"""A cancel skips the lines whose product was deleted since the order (docs/ORDERS.md,
"Cancelling returns the stock") and still returns every other line's stock, whichever line
the deleted product was on."""

from __future__ import annotations

from tests import factories
from tests.apigw import invoke


def test_lines_after_a_deleted_product_still_get_their_stock_back(table, customer, admin, product):
    gone, kept, also_kept = product(stock=5), product(stock=5), product(stock=5)
    body = factories.order_body((gone["id"], 3), (kept["id"], 2), (also_kept["id"], 1))
    placed = invoke("POST", "/orders", body=body, token=customer.token)
    assert placed.status == 201, placed.body
    assert invoke("DELETE", f"/products/{gone['id']}", token=admin.token).status == 200

    cancelled = invoke("POST", f"/orders/{placed.data['id']}/cancel", token=customer.token)

    assert cancelled.status == 200, cancelled.body
    assert [invoke("GET", f"/products/{p['id']}").data["stock"] for p in (kept, also_kept)] == [5, 5]
    assert invoke("GET", f"/products/{gone['id']}").status == 404
