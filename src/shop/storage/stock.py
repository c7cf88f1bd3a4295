"""Stock: where an order takes its products' units, and where a cancel or an expiry gives them back.

Both are transaction items, never writes of their own: storage/orders.py puts them in the same
DynamoDB transaction as the order's write (create, or the status move with `restock`), so an order
holds its stock exactly while it exists and is not cancelled or expired. An admin's `stockDelta`
is a product update (storage/products.py).
"""

from __future__ import annotations

from typing import Any

from ..limits import MAX_STOCK
from . import keys
from .dynamo import Table
from .records import OrderLine


def take(line: OrderLine, now: str) -> dict[str, Any]:
    """Take the line's quantity from its product, on condition that the product exists, has that
    many and still has the price the order was priced at; a failed condition returns the product
    as found (the order's rejection names it)."""
    return {
        "Update": {
            "Key": keys.key(line.product_id, keys.PRODUCT),
            "UpdateExpression": "SET stock = stock - :qty, updatedAt = :now",
            "ConditionExpression": "attribute_exists(id) AND stock >= :qty AND price = :price",
            "ExpressionAttributeValues": {":qty": line.quantity, ":price": line.price, ":now": now},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def give_back(table: Table, order: dict[str, Any], now: str) -> list[dict[str, Any]]:
    """Give each line's quantity back to its product, never past MAX_STOCK. Products
    deleted since the order are skipped (found by a consistent read), and
    `attribute_exists` guards the rest, so a restock can never recreate a deleted product
    as a stock-only stub. The plan follows the stock as read: ADD the quantity while the
    sum fits (on condition it still does), else SET the limit (on condition the sum still
    reaches it); a stock that moved across the line in between fails the condition, and
    orders.update_status plans again."""
    product_keys = [keys.key(line["productId"], keys.PRODUCT) for line in order["items"]]
    stock = {item["id"]: int(item.get("stock", 0)) for item in table.get_many(product_keys)}
    plan = []
    for line in order["items"]:
        if line["productId"] not in stock:
            continue
        ceiling = MAX_STOCK - line["quantity"]
        fits = stock[line["productId"]] <= ceiling
        plan.append(
            {
                "Update": {
                    "Key": keys.key(line["productId"], keys.PRODUCT),
                    "UpdateExpression": "ADD stock :qty SET updatedAt = :now"
                    if fits
                    else "SET stock = :max, updatedAt = :now",
                    "ConditionExpression": "attribute_exists(id) AND stock "
                    + ("<= :ceiling" if fits else "> :ceiling"),
                    "ExpressionAttributeValues": {
                        **({":qty": line["quantity"]} if fits else {":max": MAX_STOCK}),
                        ":ceiling": ceiling,
                        ":now": now,
                    },
                }
            }
        )
    return plan
