"""The bodies of the returns routes (marshmallow, through shop.schemas: its lazy Email regex)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema  # loaded by shop.schemas first

from . import OrderLineSchema, _text

ACTIONS = ("receive", "reject")


class ReturnRequestSchema(Schema):
    items = fields.List(fields.Nested(OrderLineSchema), required=True, validate=validate.Length(min=1, max=50))
    reason = _text(1, 500, multiline=True, required=True)

    @validates_schema
    def _distinct_products(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen: set[str] = set()
        for index, line in enumerate(data.get("items", [])):
            if line["productId"] in seen:
                raise ValidationError({f"items.{index}.productId": ["Each product may appear once per return."]})
            seen.add(line["productId"])


class ReturnDecisionSchema(Schema):
    """`receive` takes `{restock}`, `reject` takes `{reason}` (the route's `{action}` says which: the
    service checks that the body is the one its action takes)."""

    restock = fields.Boolean(truthy={True}, falsy={False}, metadata={"description": "receive: units back in stock."})
    reason = _text(1, 500, multiline=True, metadata={"description": "reject: why the return is refused."})
