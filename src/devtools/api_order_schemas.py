"""Response schemas of an order (its lines, history, payment, refunds, returns, tracking) and the field
helpers every response schema shares: for the OpenAPI document only (devtools.api_schemas)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shop.schemas import ORDER_STATUSES, AddressSchema

ROLES = ("customer", "admin")


def _true() -> fields.Boolean:
    return fields.Boolean(required=True, validate=validate.Equal(True))


def _false() -> fields.Boolean:
    return fields.Boolean(required=True, validate=validate.Equal(False))


def _amount(description: str = "", **metadata) -> fields.Float:
    """Money as a JSON number, exact to the cent (never a float on the server)."""
    return fields.Float(required=True, metadata={"description": description or "Exact to the cent.", **metadata})


def _stamp() -> fields.String:
    return fields.String(required=True, metadata={"format": "date-time", "example": "2025-01-31T12:00:00.000Z"})


class OrderItemSchema(Schema):
    productId = fields.String(required=True)
    name = fields.String(required=True)
    price = _amount("Catalogue price when the order was placed.")
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    lineTotal = _amount("price x quantity.")


class StatusChangeSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(ORDER_STATUSES))
    at = _stamp()
    by = fields.String(
        required=True,
        validate=validate.OneOf(["customer", "admin", "system"]),
        metadata={"description": "The role the change was made in (`customer`, `admin`, `system`), never a user id."},
    )


class DeclineSchema(Schema):
    reason = fields.String(required=True, metadata={"example": "card_declined"})
    method = fields.String()
    at = _stamp()
    eventId = fields.String()


class PaymentSchema(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(
            ("requires_payment", "requires_action", "processing", "succeeded", "partially_refunded", "refunded")
        ),
    )
    amount = _amount("The order's total.")
    currency = fields.String(required=True, metadata={"example": "usd"})
    provider = fields.String(validate=validate.OneOf(("fake", "stripe")))
    reference = fields.String(metadata={"description": "The provider's payment id (a PaymentIntent id)."})
    paidAt = fields.String(metadata={"format": "date-time"})
    idempotencyKey = fields.String(metadata={"description": "The Idempotency-Key of the request that paid."})
    eventId = fields.String(metadata={"description": "The webhook event that recorded the payment."})
    lastDecline = fields.Nested(DeclineSchema)
    refundedAmount = fields.Decimal(as_string=False, metadata={"description": "What refunds have given back."})
    attemptUntil = fields.Integer(
        metadata={"description": "Older orders only: a payment attempt is in flight until then."}
    )


class OrderRefundSchema(Schema):
    """A refund as an order lists it."""

    id = fields.String(required=True)
    amount = _amount("What is given back.")
    status = fields.String(required=True, validate=validate.OneOf(("pending", "succeeded", "failed")))
    reason = fields.String(required=True, metadata={"example": "order_cancelled"})
    createdAt = _stamp()


class RefundSchema(OrderRefundSchema):
    orderId = fields.UUID(required=True)


class ReturnLineSchema(Schema):
    productId = fields.String(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    price = _amount("The unit's price when the order was placed.")


class OrderReturnSchema(Schema):
    """A return as an order lists it."""

    id = fields.String(required=True)
    items = fields.List(fields.Nested(ReturnLineSchema), required=True)
    amount = _amount("What the units cost at purchase; refunded when the return is received.")
    reason = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("requested", "received", "rejected")))
    createdAt = _stamp()
    decidedAt = fields.String(metadata={"format": "date-time", "description": "When it was received or rejected."})
    restocked = fields.Boolean(metadata={"description": "Received: whether its units went back in stock."})
    refundId = fields.String(metadata={"description": "Received: the refund of its amount (in `refunds`)."})
    rejectionReason = fields.String(metadata={"description": "Rejected: the admin's reason."})


class ReturnSchema(OrderReturnSchema):
    orderId = fields.UUID(required=True)


class ShipmentTrackingSchema(Schema):
    carrier = fields.String(required=True, metadata={"example": "UPS"})
    number = fields.String(required=True, metadata={"example": "1Z999AA10123456784"})
    url = fields.String(metadata={"format": "uri", "example": "https://www.ups.com/track?tracknum=1Z999AA10123456784"})


class CustomerSchema(Schema):
    """Who placed the order, as the account was then; both null on orders placed before it was kept."""

    email = fields.String(required=True, allow_none=True, metadata={"example": "ada@example.com"})
    name = fields.String(required=True, allow_none=True, metadata={"example": "Ada Lovelace"})


class OrderSchema(Schema):
    id = fields.UUID(required=True)
    userId = fields.UUID(required=True)
    customer = fields.Nested(
        CustomerSchema,
        required=True,
        metadata={"description": "The customer's email and name when the order was placed."},
    )
    status = fields.String(required=True, validate=validate.OneOf(ORDER_STATUSES))
    items = fields.List(fields.Nested(OrderItemSchema), required=True, validate=validate.Length(min=1, max=50))
    totalAmount = _amount("Sum of the line totals.")
    shippingAddress = fields.Nested(AddressSchema, required=True)
    payment = fields.Nested(PaymentSchema, required=True)
    statusHistory = fields.List(fields.Nested(StatusChangeSchema), required=True)
    tracking = fields.Nested(
        ShipmentTrackingSchema, metadata={"description": "Set when the order shipped with tracking."}
    )
    refunds = fields.List(fields.Nested(OrderRefundSchema))
    returns = fields.List(fields.Nested(OrderReturnSchema))
    createdAt = _stamp()
    updatedAt = _stamp()
