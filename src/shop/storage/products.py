"""Products: the catalogue items and their two listing indexes."""

from __future__ import annotations

from typing import Any

from ..domain.product import Product
from ..integrity import checked
from ..limits import MAX_STOCK
from . import keys
from .dynamo import ConditionFailed, Table, public, written_by
from .failures import AlreadyExists, Missing, StockOutOfBounds
from .records import Page
from .write_marks import NOT_MINE, mine, new_token


class DynamoProducts:
    def __init__(self, table: Table):
        self.table = table

    def create(self, product: Product) -> None:
        stored = product.to_item()
        item = {**stored, "type": keys.PRODUCT, **keys.product_index_keys(stored)}
        try:
            self.table.put(
                item, ConditionExpression="attribute_not_exists(id)", ReturnValuesOnConditionCheckFailure="ALL_OLD"
            )
        except ConditionFailed as failed:
            if written_by(failed.item, stored):
                return  # this create, applied by an attempt whose answer was lost
            raise AlreadyExists() from None

    def get(self, product_id: str) -> Product | None:
        item = self.table.get(keys.key(product_id, keys.PRODUCT))
        return Product.from_item(public(checked(keys.PRODUCT, item))) if item else None

    def get_many(self, product_ids: list[str]) -> dict[str, Product]:
        items = self.table.get_many([keys.key(pid, keys.PRODUCT) for pid in product_ids])
        return {item["id"]: Product.from_item(public(checked(keys.PRODUCT, item))) for item in items}

    def update(self, product_id: str, changes: dict[str, Any], stock_delta: int = 0) -> Product:
        """SET the given fields; a non-zero `stock_delta` is applied with ADD, so it composes
        with concurrent orders' decrements instead of overwriting them, under a fresh write
        token: a resent request whose first answer was lost is not added twice."""
        values = dict(changes)
        if "category" in values:
            values["gsi2pk"] = keys.category(values["category"])
        names = {f"#f{i}": field for i, field in enumerate(values)}
        placeholders: dict[str, Any] = {f":v{i}": value for i, value in enumerate(values.values())}
        assignments = ", ".join(f"{n} = {v}" for n, v in zip(names, placeholders, strict=True))
        expression = f"SET {assignments}"
        # attribute_exists: a PUT racing a DELETE can never bring the product back.
        condition = "attribute_exists(id)"
        token = new_token()
        if stock_delta:
            expression += f", {keys.LAST_WRITE} = :token ADD stock :delta"
            placeholders[":delta"] = stock_delta
            placeholders[":token"] = token
            condition += f" AND {NOT_MINE}"
            if stock_delta < 0:
                condition += " AND stock >= :floor"
                placeholders[":floor"] = -stock_delta
            else:
                condition += " AND stock <= :ceiling"
                placeholders[":ceiling"] = MAX_STOCK - stock_delta
        key = keys.key(product_id, keys.PRODUCT)
        try:
            response = self.table.update(
                key,
                ConditionExpression=condition,
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=placeholders,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            current = failed.item or self.table.get(key, consistent=True)
            if current is None:
                raise Missing() from None
            if stock_delta and mine(current, token):
                # this very update, applied by an attempt whose answer was lost
                return Product.from_item(public(current))
            raise StockOutOfBounds(int(current["stock"])) from None
        return Product.from_item(public(response["Attributes"]))

    def delete(self, product_id: str) -> Product | None:
        try:
            old = self.table.delete(
                keys.key(product_id, keys.PRODUCT), ConditionExpression="attribute_exists(id)", ReturnValues="ALL_OLD"
            )
        except ConditionFailed:
            raise Missing() from None
        return Product.from_item(public(old)) if old else None

    def list_page(self, category: str | None, limit: int, cursor: str | None) -> Page[Product]:
        if category is None:
            found = self.table.query_page(keys.PRODUCT, "gsi1", keys.ALL_PRODUCTS, limit, cursor)
        else:
            found = self.table.query_page(keys.PRODUCT, "gsi2", keys.category(category), limit, cursor)
        return Page([Product.from_item(item) for item in found.items], found.next_cursor)
