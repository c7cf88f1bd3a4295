"""Fast bulk loading for the volume profile and the growth benchmarks.

Items are built here in the storage's own shape (its keys from shop.storage.keys, as in
docs/DATA_MODEL.md) and written with BatchWriteItem, 25 at a time, straight into
the table: no handler, no bcrypt, no transaction per item. The embedded moto lives
inside the server process, so the local server calls this at start-up when
SEED_VOLUME=1; another process cannot reach that table.
"""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from shop.storage import keys

BATCH_SIZE = 25  # BatchWriteItem's limit
WRITERS = 8
CATEGORIES = ("Books", "Electronics", "Kitchen", "Outdoors", "Toys", "Garden", "Music", "Sports")
ADDRESS = {"street": "1 Main St", "city": "Springfield", "state": "IL", "zipCode": "62701", "country": "US"}
DEFAULT_PRODUCTS = 10_000
DEFAULT_ORDERS = 50_000
ORDERS_PER_USER = 50

_serializer = TypeSerializer()


@dataclass(frozen=True)
class SeedReport:
    products: int
    orders: int
    seconds: float

    def line(self) -> str:
        rate = (self.products + self.orders) / self.seconds if self.seconds else 0.0
        return (
            f"Bulk-seeded {self.products} products and {self.orders} orders in {self.seconds:.1f} s "
            f"({rate:,.0f} items/s)."
        )


def _stamp(base: datetime, offset: int) -> str:
    return (base - timedelta(milliseconds=offset)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def product_items(count: int, base: datetime | None = None, stock: int = 1_000_000) -> list[dict[str, Any]]:
    base = base or datetime.now(UTC)
    items = []
    for index in range(count):
        product_id = str(uuid.uuid4())
        category = CATEGORIES[index % len(CATEGORIES)]
        created = _stamp(base, index)
        product = {
            "id": product_id,
            "name": f"Bulk product {index}",
            "description": "Preloaded for the volume profile.",
            "price": Decimal(f"{5 + index % 200}.{index % 100:02d}"),
            "category": category,
            "stock": stock,
            "createdAt": created,
            "updatedAt": created,
        }
        items.append({**product, "type": keys.PRODUCT, **keys.product_index_keys(product)})
    return items


def order_items(
    count: int, products: list[dict[str, Any]], user_ids: list[str], base: datetime | None = None
) -> list[dict[str, Any]]:
    """Orders spread evenly over `user_ids`, each for one product line."""
    base = base or datetime.now(UTC)
    items = []
    for index in range(count):
        order_id = str(uuid.uuid4())
        product = products[index % len(products)]
        quantity = 1 + index % 3
        total = product["price"] * quantity
        created = _stamp(base, index)
        user_id = user_ids[index % len(user_ids)]
        order = {
            "id": order_id,
            "userId": user_id,
            "status": "pending",
            "items": [
                {
                    "productId": product["id"],
                    "name": product["name"],
                    "price": product["price"],
                    "quantity": quantity,
                    "lineTotal": total,
                }
            ],
            "totalAmount": total,
            "shippingAddress": ADDRESS,
            "statusHistory": [{"status": "pending", "at": created, "by": "customer"}],
            "createdAt": created,
            "updatedAt": created,
        }
        items.append({**order, "type": keys.ORDER, **keys.order_index_keys(order)})
    return items


def batch_write(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    """Straight into the embedded moto's table; elsewhere BatchWriteItem in chunks of 25,
    WRITERS calls in flight, resending what comes back unprocessed."""
    from . import embedded_dynamodb

    direct = embedded_dynamodb.direct_writer(client)
    if direct is not None:
        direct(table, [_serialize(item) for item in items])
        return
    chunks = [items[start : start + BATCH_SIZE] for start in range(0, len(items), BATCH_SIZE)]
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for _ in pool.map(lambda chunk: _write_chunk(client, table, chunk), chunks):
            pass


def _write_chunk(client: Any, table: str, chunk: list[dict[str, Any]]) -> None:
    pending: dict[str, Any] = {table: [{"PutRequest": {"Item": _serialize(item)}} for item in chunk]}
    for attempt in range(8):
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if not pending:
            return
        time.sleep(0.05 * 2**attempt)
    raise RuntimeError("BatchWriteItem left items unprocessed after retries")


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in item.items()}


def seed_volume(client: Any, table: str, products: int, orders: int, user_ids: list[str] | None = None) -> SeedReport:
    """Write `products` products and `orders` orders (by `user_ids`, or by synthetic users,
    ORDERS_PER_USER each, who have no login) into `table`."""
    started = time.perf_counter()
    catalogue = product_items(products)
    batch_write(client, table, catalogue)
    if orders:
        users = user_ids or [str(uuid.uuid4()) for _ in range(max(1, orders // ORDERS_PER_USER))]
        batch_write(client, table, order_items(orders, catalogue or product_items(1), users))
    return SeedReport(products, orders, time.perf_counter() - started)


def seed_from_environment(client: Any, table: str) -> SeedReport | None:
    """SEED_VOLUME=1 loads VOLUME_PRODUCTS (10,000) products and VOLUME_ORDERS (50,000) orders."""
    if os.environ.get("SEED_VOLUME", "0") != "1":
        return None
    products = int(os.environ.get("VOLUME_PRODUCTS", DEFAULT_PRODUCTS))
    orders = int(os.environ.get("VOLUME_ORDERS", DEFAULT_ORDERS))
    return seed_volume(client, table, products, orders)
