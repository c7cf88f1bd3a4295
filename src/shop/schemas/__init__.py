"""Request schemas (marshmallow). Unknown fields are errors; every failing field is reported.

The search query string's schema is in schemas/search.py (this module is at its size limit)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from .. import email_addresses
from ..common_passwords import COMMON_PASSWORDS
from ..lazy_regex import compiled_on_use
from ..limits import MAX_IMAGE_BYTES, MAX_PRICE, MAX_STOCK

with compiled_on_use("marshmallow"):  # its Email regex: 80 ms at import, needed by register only
    from marshmallow import Schema, ValidationError, fields, validate, validates_schema

CENT = Decimal("0.01")
ORDER_STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled", "expired")


# What no free text may hold: the C0 and C1 controls (NUL, ESC, DEL, NEL, ...) and the
# bidirectional embeddings, overrides and isolates that make "exe.jpg" display as "gpj.exe".
# A multi-line field (a description) may still break lines and tab.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LINE_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class Trimmed(fields.String):
    """Free text: surrounding whitespace removed before length checks, and refused when it
    holds a control or bidi-override character (CONTROLS; LINE_CONTROLS when `multiline`).
    Every free-text field of every schema is one of these, so the rule lives here only."""

    checks_controls = True

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refused = LINE_CONTROLS if multiline else CONTROLS

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if self.checks_controls and self.refused.search(text):
            raise ValidationError("Must not contain control or bidirectional-override characters.")
        return text.strip()


class Email(Trimmed):
    """An address in its one spelling (shop.email_addresses): NFKC, lower case, an IDNA domain;
    look-alikes that have none are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        try:
            return email_addresses.normalize(super()._deserialize(value, attr, data, **kwargs))
        except email_addresses.LookAlike as refused:
            raise ValidationError(str(refused)) from None


class LoginEmail(Trimmed):
    """At login nothing is refused: an address with no spelling matches no account (401)."""

    checks_controls = False

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        return email_addresses.normalize_for_lookup(super()._deserialize(value, attr, data, **kwargs))


class WholeNumber(fields.Integer):
    """An integer that must arrive as a JSON integer (not 1.0, "1" or true)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> int:
        if isinstance(value, bool | Decimal):  # JSON 1.0 parses to Decimal, true to bool
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Money(fields.Field[Decimal]):
    """A JSON number > 0 and <= 1,000,000 with at most two decimals, kept as Decimal."""

    default_error_messages = {
        "invalid": "Must be a number.",
        "places": "Must have at most 2 decimal places.",
        "range": "Must be greater than 0 and at most {maximum}.",
    }

    def __init__(self, maximum: Decimal = MAX_PRICE, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.maximum = maximum

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self.make_error("invalid")
        amount = Decimal(value)
        if not amount.is_finite():
            raise self.make_error("invalid")
        # The range first: quantize needs the result to fit Decimal's 28 significant digits,
        # which an amount in range always does (10**27 + 0.001 would raise InvalidOperation).
        if not Decimal(0) < amount <= self.maximum:
            raise self.make_error("range", maximum=self.maximum)
        exponent = amount.as_tuple().exponent  # an int: the amount is finite
        if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(CENT):
            raise self.make_error("places")
        return amount.quantize(CENT)


def https_url(value: str) -> None:
    # A URI is ASCII (RFC 3986): clients percent-encode anything else.
    if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        raise ValidationError("Must be an https URL.")
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise ValidationError("Must be an https URL.") from None
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError("Must be an https URL.")


def strong_password(value: str) -> None:
    problems = []
    size = len(value.encode())
    if size < 8 or size > 72:
        problems.append("Must be 8 to 72 bytes long.")
    if not re.search(r"[a-z]", value):
        problems.append("Must contain a lower-case letter.")
    if not re.search(r"[A-Z]", value):
        problems.append("Must contain an upper-case letter.")
    if not re.search(r"[0-9]", value):
        problems.append("Must contain a digit.")
    if not re.search(r"[^A-Za-z0-9]", value):
        problems.append("Must contain a character that is neither a letter nor a digit.")
    if value.lower() in COMMON_PASSWORDS:
        problems.append("Is too common.")
    if problems:
        raise ValidationError(problems)


def _text(low: int, high: int, multiline: bool = False, **kwargs: Any) -> Trimmed:
    return Trimmed(validate=validate.Length(min=low, max=high), multiline=multiline, **kwargs)


class RegisterSchema(Schema):
    email = Email(required=True, validate=[validate.Length(max=254), validate.Email()])
    password = fields.String(required=True, validate=[validate.Length(max=1024), strong_password])
    name = _text(2, 50, required=True)


class LoginSchema(Schema):
    email = LoginEmail(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class ProfileUpdateSchema(Schema):
    name = _text(2, 50, required=True)


class PasswordChangeSchema(Schema):
    currentPassword = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    newPassword = fields.String(required=True, validate=[validate.Length(max=1024), strong_password])


class PasswordResetRequestSchema(Schema):
    # As at login: an address with no spelling is refused nothing and matches no account.
    email = LoginEmail(required=True, validate=validate.Length(min=1, max=254))


class PasswordResetConfirmSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, validate=[validate.Length(max=1024), strong_password])


class ProductCreateSchema(Schema):
    name = _text(1, 200, required=True)
    description = _text(0, 2000, multiline=True)
    price = Money(required=True)
    category = _text(1, 50, required=True)
    stock = WholeNumber(required=True, validate=validate.Range(min=0, max=MAX_STOCK))
    imageUrl = fields.String(validate=[validate.Length(max=2048), https_url])


class ProductUpdateSchema(Schema):
    name = _text(1, 200)
    description = _text(0, 2000, multiline=True)
    price = Money()
    category = _text(1, 50)
    stock = WholeNumber(validate=validate.Range(min=0, max=MAX_STOCK))
    stockDelta = WholeNumber(validate=[validate.Range(min=-MAX_STOCK, max=MAX_STOCK), validate.NoneOf([0])])
    imageUrl = fields.String(validate=[validate.Length(max=2048), https_url])

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("Send at least one field to change.", "_schema")

    @validates_schema
    def _one_way_to_change_stock(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "stock" in data and "stockDelta" in data:
            raise ValidationError("Send either stock or stockDelta, not both.", "stockDelta")


IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


class ImageUploadSchema(Schema):
    contentType = fields.String(required=True, validate=validate.OneOf(IMAGE_TYPES))
    contentLength = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_IMAGE_BYTES))


class OrderLineSchema(Schema):
    productId = _text(1, 64, required=True)
    quantity = WholeNumber(required=True, validate=validate.Range(min=1, max=1000))
    price = Money()


class AddressSchema(Schema):
    street = _text(1, 200, required=True)
    city = _text(1, 200, required=True)
    state = _text(1, 200, required=True)
    zipCode = _text(1, 200, required=True)
    country = _text(1, 200, required=True)


class OrderCreateSchema(Schema):
    items = fields.List(fields.Nested(OrderLineSchema), required=True, validate=validate.Length(min=1, max=50))
    shippingAddress = fields.Nested(AddressSchema, required=True)

    @validates_schema
    def _distinct_products(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen: set[str] = set()
        errors: dict[str, list[str]] = {}
        for index, line in enumerate(data.get("items", [])):
            if line["productId"] in seen:
                errors[f"items.{index}.productId"] = ["Each product may appear once per order."]
            seen.add(line["productId"])
        if errors:
            raise ValidationError(errors)


class TrackingSchema(Schema):
    carrier = _text(1, 200, required=True)
    number = _text(1, 200, required=True)
    url = fields.String(validate=[validate.Length(min=1, max=200), https_url])


class OrderStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(ORDER_STATUSES))
    tracking = fields.Nested(TrackingSchema, metadata={"description": "Only with `shipped`: the parcel's tracking."})

    @validates_schema
    def _tracking_when_shipped(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "tracking" in data and data.get("status") != "shipped":
            raise ValidationError("Only a move to shipped carries tracking.", "tracking")


class PageQuerySchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(validate=validate.Length(min=1, max=1024))


class ProductPageQuerySchema(PageQuerySchema):
    category = _text(1, 50)


class OrderPageQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))


class CartQuantitySchema(Schema):
    quantity = WholeNumber(required=True, validate=validate.Range(min=1, max=1000))


class CheckoutSchema(Schema):
    shippingAddress = fields.Nested(AddressSchema, required=True)
    # A cart's total can reach 50 lines x 1,000 units x the highest price.
    expectedTotal = Money(
        maximum=MAX_PRICE * 50 * 1000,
        metadata={"description": "The total the client showed; 409 PRICE_CHANGED if it moved."},
    )


class RefundRequestSchema(Schema):
    amount = Money(maximum=Decimal("999999.99"))
    reason = _text(1, 200)


class PaymentRequestSchema(Schema):
    paymentMethod = fields.String(
        required=True,
        validate=validate.Regexp(r"^pm_[A-Za-z0-9_]{1,120}$", error="Must be a payment method id (pm_...)."),
    )
