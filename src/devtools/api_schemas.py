"""Response schemas (marshmallow) for the OpenAPI document only.

The handlers answer with records (rendered by their as_api()) and plain dicts; these schemas describe them so that
apispec can render them and schemathesis can hold the server to them. They live in
devtools, not in the Lambda package, so no function loads them at cold start.
Every schema forbids unknown fields, so a leaked attribute (a hash, an index key)
breaks the spec and the fuzzer says so.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shop.examples import Shape

from .api_order_schemas import (  # noqa: F401  # the order schemas are named here too (projection, ENVELOPES)
    ROLES,
    DeclineSchema,
    OrderItemSchema,
    OrderRefundSchema,
    OrderSchema,
    PaymentSchema,
    RefundSchema,
    ReturnSchema,
    ShipmentTrackingSchema,
    StatusChangeSchema,
    _amount,
    _false,
    _stamp,
    _true,
)

# The statuses an order can be in. A branch that adds a transition adds its status here.


class ImageUrlsSchema(Schema):
    thumb = fields.String(required=True, metadata={"format": "uri", "description": "WebP, 320 px wide (or less)."})
    large = fields.String(required=True, metadata={"format": "uri", "description": "WebP, 1280 px wide (or less)."})


class ProductImageSchema(Schema):
    id = fields.UUID(required=True)
    urls = fields.Nested(ImageUrlsSchema, required=True)
    width = fields.Integer(required=True, metadata={"description": "Of the upright original, in pixels."})
    height = fields.Integer(required=True)


class ImageStateSchema(Schema):
    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("processing", "ready", "rejected")))
    reason = fields.String(metadata={"description": "Why it was rejected (`not_an_image`, `too_many_pixels`, ...)."})
    urls = fields.Nested(ImageUrlsSchema)
    width = fields.Integer()
    height = fields.Integer()


class PresignedPostSchema(Schema):
    url = fields.String(required=True, metadata={"format": "uri", "description": "POST the form here."})
    fields = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "Send each as a form field, before the file (field `file`)."},
    )


class ImageUploadStartedSchema(Schema):
    imageId = fields.UUID(required=True)
    upload = fields.Nested(PresignedPostSchema, required=True)
    expiresAt = _stamp()


class ProductSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True, metadata={"example": "Desk Lamp"})
    description = fields.String(metadata={"example": "A warm light for late reading."})
    price = _amount(example=24.5)
    category = fields.String(required=True, metadata={"example": "Home"})
    stock = fields.Integer(required=True, validate=validate.Range(min=0), metadata={"example": 12})
    imageUrl = fields.String(metadata={"format": "uri"})
    images = fields.List(
        fields.Nested(ProductImageSchema),
        required=True,
        validate=validate.Length(max=10),
        metadata={"description": "Ready images, in upload order."},
    )
    createdAt = _stamp()
    updatedAt = _stamp()


class DeletedSchema(Schema):
    id = fields.String(required=True)
    deleted = _true()


class CartLineSchema(Schema):
    productId = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "The catalogue's, or the last known if deleted."})
    price = _amount("The catalogue's current price (the last known if deleted).")
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    lineTotal = _amount("price x quantity; 0 when unavailable.")
    status = fields.String(required=True, validate=validate.OneOf(("ok", "insufficient_stock", "unavailable")))
    availableStock = fields.Integer(metadata={"description": "With insufficient_stock: the units in stock."})


class CartSchema(Schema):
    items = fields.List(fields.Nested(CartLineSchema), required=True, validate=validate.Length(max=50))
    totalAmount = _amount("Sum of the lines that are not unavailable.")
    itemCount = fields.Integer(required=True, metadata={"description": "Units in the cart, all lines."})
    updatedAt = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})


class WebhookReceiptSchema(Schema):
    eventId = fields.String(required=True)
    type = fields.String(required=True, metadata={"example": "payment_intent.succeeded"})
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(
            (
                "paid",
                "payment_failed",
                "duplicate",
                "ignored",
                "unknown_order",
                "not_pending",
                "amount_mismatch",
                "refunded_not_payable",
                "refund_succeeded",
                "refund_failed",
                "refund_recorded",
            )
        ),
    )


class UserSchema(Schema):
    userId = fields.UUID(required=True)
    email = fields.String(required=True, metadata={"example": "ann@example.com"})
    name = fields.String(required=True, metadata={"example": "Ann"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class SessionSchema(Schema):
    token = fields.String(required=True, metadata={"description": "JWT (HS256); send as `Authorization: Bearer`."})
    user = fields.Nested(UserSchema, required=True)


class ProfileSchema(Schema):
    id = fields.UUID(required=True)
    email = fields.String(required=True, metadata={"example": "ann@example.com"})
    name = fields.String(required=True, metadata={"example": "Ann"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    createdAt = _stamp()


class AcceptedSchema(Schema):
    accepted = _true()


class PasswordResetDoneSchema(Schema):
    passwordReset = _true()


class HealthChecksSchema(Schema):
    dynamodb = fields.String(required=True, validate=validate.Equal("ok"))


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.Equal("ok"))
    checks = fields.Nested(HealthChecksSchema, required=True)


class PaginationSchema(Schema):
    nextCursor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null on the last page."},
    )
    limit = fields.Integer(required=True, validate=validate.Range(min=1, max=100))


class ErrorSchema(Schema):
    success = _false()
    error = fields.String(required=True, metadata={"description": "A message for people; may change."})
    code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Z][A-Z_]*$"),
        metadata={"description": "A stable UPPER_SNAKE_CODE for programs."},
    )
    details = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "Every failing field by path (`items.0.quantity`, `shippingAddress.city`, "
            "`body` for rules over the whole body)."
        },
    )


def envelope(name: str, data: fields.Field, paginated: bool = False) -> type[Schema]:
    """`{"success": true, "data": ...}` (plus `pagination` on lists) around `data`."""
    attributes: dict[str, fields.Field] = {"success": _true(), "data": data}
    if paginated:
        attributes["pagination"] = fields.Nested(PaginationSchema, required=True)
    return Schema.from_dict(attributes, name=name)


class CategoryCountSchema(Schema):
    value = fields.String(required=True, metadata={"example": "Home"})
    count = fields.Integer(required=True, validate=validate.Range(min=1), metadata={"example": 12})


class PriceRangeSchema(Schema):
    min = fields.Integer(required=True, metadata={"example": 10})
    max = fields.Integer(required=True, allow_none=True, metadata={"description": "null: no upper bound"})
    count = fields.Integer(required=True, validate=validate.Range(min=1))


class SearchFacetsSchema(Schema):
    categories = fields.List(fields.Nested(CategoryCountSchema), required=True)
    priceRanges = fields.List(fields.Nested(PriceRangeSchema), required=True)


def _search_page() -> type[Schema]:
    page = envelope("SearchPage", fields.List(fields.Nested(ProductSchema), required=True), paginated=True)
    facets = {
        "facets": fields.Nested(SearchFacetsSchema, required=True, metadata={"description": "Over the whole result."}),
        "total": fields.Integer(required=True, metadata={"description": "Products in the whole result."}),
    }
    return Schema.from_dict({**page._declared_fields, **facets}, name="SearchPage")


ENVELOPES: dict[str, type[Schema]] = {
    "SearchPage": _search_page(),
    "CategoryList": envelope("CategoryList", fields.List(fields.Nested(CategoryCountSchema), required=True)),
    "ProductEnvelope": envelope("ProductEnvelope", fields.Nested(ProductSchema, required=True)),
    "ProductPage": envelope("ProductPage", fields.List(fields.Nested(ProductSchema), required=True), paginated=True),
    "DeletedEnvelope": envelope("DeletedEnvelope", fields.Nested(DeletedSchema, required=True)),
    "OrderEnvelope": envelope("OrderEnvelope", fields.Nested(OrderSchema, required=True)),
    "RefundEnvelope": envelope("RefundEnvelope", fields.Nested(RefundSchema, required=True)),
    "ReturnEnvelope": envelope("ReturnEnvelope", fields.Nested(ReturnSchema, required=True)),
    "OrderPage": envelope("OrderPage", fields.List(fields.Nested(OrderSchema), required=True), paginated=True),
    "SessionEnvelope": envelope("SessionEnvelope", fields.Nested(SessionSchema, required=True)),
    "ProfileEnvelope": envelope("ProfileEnvelope", fields.Nested(ProfileSchema, required=True)),
    "AcceptedEnvelope": envelope("AcceptedEnvelope", fields.Nested(AcceptedSchema, required=True)),
    "PasswordResetEnvelope": envelope("PasswordResetEnvelope", fields.Nested(PasswordResetDoneSchema, required=True)),
    "ImageUploadEnvelope": envelope("ImageUploadEnvelope", fields.Nested(ImageUploadStartedSchema, required=True)),
    "ImageEnvelope": envelope("ImageEnvelope", fields.Nested(ImageStateSchema, required=True)),
    "HealthEnvelope": envelope("HealthEnvelope", fields.Nested(HealthSchema, required=True)),
    "CartEnvelope": envelope("CartEnvelope", fields.Nested(CartSchema, required=True)),
    "WebhookEnvelope": envelope("WebhookEnvelope", fields.Nested(WebhookReceiptSchema, required=True)),
}


def projection(shape: Shape) -> type[Schema]:
    """The envelope of `shape`: the fields it names of `<of>Schema` above, as that schema declares them."""
    whole: type[Schema] = globals()[f"{shape.of}Schema"]
    declared = whole._declared_fields
    data = Schema.from_dict({name: declared[name] for name in shape.only}, name=f"{shape.name}Schema")
    return envelope(f"{shape.name}Envelope", fields.Nested(data, required=True))
