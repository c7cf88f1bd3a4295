"""The query string of GET /search (marshmallow, through shop.schemas: its lazy Email regex)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema  # loaded by shop.schemas first

from ..limits import MAX_PRICE
from . import PageQuerySchema, _text


class PriceBound(fields.Decimal):
    """A price filter from a query string: a number from 0 to the highest price."""

    default_error_messages = {"range": "Must be from 0 to {maximum}."}

    def __init__(self, **kwargs: Any):
        super().__init__(allow_nan=False, metadata={"minimum": 0, "maximum": int(MAX_PRICE)}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        amount = super()._deserialize(value, attr, data, **kwargs)
        if not Decimal(0) <= amount <= MAX_PRICE:
            raise self.make_error("range", maximum=MAX_PRICE)
        return amount


class SearchQuerySchema(PageQuerySchema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    category = _text(1, 50)
    minPrice = PriceBound()
    maxPrice = PriceBound()
    inStock = fields.Boolean(load_default=False)
    sort = fields.String(
        load_default="relevance", validate=validate.OneOf(("relevance", "price_asc", "price_desc", "newest"))
    )

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        low, high = data.get("minPrice"), data.get("maxPrice")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must not be below minPrice.", "maxPrice")
