"""DynamoDB stops a Query at 1 MB of items, whatever its Limit, and says where with a
LastEvaluatedKey. A page of large items is still full (the storage follows the key), and
when it cannot be (more than QUERY_PAGES reads), the cursor starts after the last item
returned: nothing is ever unreachable. On moto and on DynamoDB Local, which both stop at 1 MB."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from shop.domain.product import Product
from tests.apigw import invoke

pytestmark = pytest.mark.dynamodb_local


def big_products(count: int, size: int, category: str = "Bulky") -> list[str]:
    from shop.storage import storage

    ids = []
    for n in range(count):
        created = f"2026-01-01T00:00:{n:02d}.000Z"
        product = {
            "id": str(uuid.uuid4()),
            "name": f"Crate {n}",
            "description": "x" * size,  # far past the API's 2,000 characters: written straight to storage
            "price": Decimal("10.00"),
            "category": category,
            "stock": 1,
            "createdAt": created,
            "updatedAt": created,
        }
        storage().products.create(Product.from_item(product))
        ids.append(product["id"])
    return ids[::-1]  # newest first


def walk(path: str, token: str | None = None, limit: int = 100) -> list[list[str]]:
    pages, cursor = [], None
    for _ in range(20):  # loop guard
        query = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        result = invoke("GET", path, query=query, token=token)
        assert result.status == 200, result.body
        pages.append([item["id"] for item in result.data])
        cursor = result.json["pagination"]["nextCursor"]
        if cursor is None:
            return pages
    raise AssertionError("more than 20 pages")


@pytest.mark.parametrize("path", ["/products", "/products?category=bulky"])
def test_thirty_products_of_50_kb_come_back_in_one_page_of_100(table, path):
    expected = big_products(30, 50_000)
    route, _, category = path.partition("?category=")
    query = {"limit": "100", **({"category": category} if category else {})}

    result = invoke("GET", route, query=query)

    assert result.status == 200, result.body
    assert [item["id"] for item in result.data] == expected
    assert result.json["pagination"]["nextCursor"] is None


def test_thirty_orders_of_50_kb_come_back_in_one_page_of_100(table, customer):
    from shop.storage import storage

    expected = []
    line = {"productId": str(uuid.uuid4()), "name": "Crate", "price": Decimal("1.00"), "quantity": 1}
    line["lineTotal"] = line["price"]
    for n in range(30):
        created = f"2026-01-02T00:00:{n:02d}.000Z"
        order = {
            "id": str(uuid.uuid4()),
            "userId": customer.user_id,
            "status": "pending",
            "items": [line],
            "totalAmount": Decimal("1.00"),
            "shippingAddress": {"street": "y" * 50_000, "city": "c", "state": "s", "zipCode": "z", "country": "US"},
            "statusHistory": [{"status": "pending", "at": created, "by": customer.user_id}],
            "createdAt": created,
            "updatedAt": created,
        }
        storage().orders.create(order, [], None)
        expected.append(order["id"])

    assert walk("/orders", token=customer.token) == [expected[::-1]]


def test_a_page_dynamodb_cut_short_hands_out_a_cursor_and_every_item_is_reached_once(table):
    expected = big_products(14, 350_000)  # about 2 per 1 MB read: more than QUERY_PAGES reads hold

    pages = walk("/products")

    assert len(pages) > 1 and all(pages)
    assert [pid for page in pages for pid in page] == expected


def test_after_a_1_mb_stop_the_next_query_asks_only_for_the_items_still_missing(table):
    """docs/SECURITY.md: a page reads at most limit + 1 items, also when DynamoDB cuts a
    Query short and the storage follows its LastEvaluatedKey."""
    from shop.storage import storage

    big_products(30, 50_000)  # about 20 items per 1 MB read
    sent: list[int] = []
    read: list[int] = []

    def before(params, **_):
        sent.append(params["Limit"])

    def after(parsed, **_):
        read.append(parsed["Count"])

    events = storage().client.meta.events
    events.register("provide-client-params.dynamodb.Query", before, unique_id="long-pages-limit")
    events.register("after-call.dynamodb.Query", after, unique_id="long-pages-count")
    try:
        result = invoke("GET", "/products", query={"limit": "25"})
    finally:
        events.unregister("provide-client-params.dynamodb.Query", unique_id="long-pages-limit")
        events.unregister("after-call.dynamodb.Query", unique_id="long-pages-count")

    assert result.status == 200, result.body
    assert len(result.data) == 25
    assert len(read) == 2 and read[0] < 25, (sent, read)  # the first read was cut short at 1 MB
    assert sent == [26, 26 - read[0]]
    assert sum(read) == 26


def test_a_1_mb_stop_right_after_a_full_page_still_hands_out_the_cursor_to_the_rest(table):
    """The page is full and DynamoDB stopped at 1 MB just there: only one more read tells whether
    anything follows, so the storage asks for that one item instead of ending the listing."""
    from shop.storage import storage

    expected = big_products(30, 50_000)
    read: list[int] = []

    def after(parsed, **_):
        read.append(parsed["Count"])

    events = storage().client.meta.events
    events.register("after-call.dynamodb.Query", after, unique_id="full-page-count")
    try:
        invoke("GET", "/products", query={"limit": "100"})
        per_read = read[0]  # how many of these items one 1 MB read holds, on this backend
        assert per_read < 29, read
        read.clear()
        pages = walk("/products", limit=per_read)
    finally:
        events.unregister("after-call.dynamodb.Query", unique_id="full-page-count")

    assert [len(page) for page in pages] == [per_read, 30 - per_read]
    assert [pid for page in pages for pid in page] == expected
