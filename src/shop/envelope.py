"""The response envelope and the one table that maps domain errors to statuses and codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import errors, jsonio

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# Domain error -> (status, code). Looked up along the class hierarchy, most specific first.
ERROR_TABLE: dict[type[errors.DomainError], tuple[int, str]] = {
    errors.InvalidJson: (400, "INVALID_JSON"),
    errors.ValidationFailed: (400, "VALIDATION_ERROR"),
    errors.InvalidCursor: (400, "INVALID_CURSOR"),
    errors.InvalidSignature: (400, "INVALID_SIGNATURE"),
    errors.InvalidResetToken: (400, "INVALID_RESET_TOKEN"),
    errors.Unauthorized: (401, "UNAUTHORIZED"),
    errors.Forbidden: (403, "FORBIDDEN"),
    errors.PaymentDeclined: (402, "PAYMENT_DECLINED"),
    errors.ProductNotFound: (404, "PRODUCT_NOT_FOUND"),
    errors.NotFound: (404, "NOT_FOUND"),
    errors.MethodNotAllowed: (405, "METHOD_NOT_ALLOWED"),
    errors.EmailTaken: (409, "EMAIL_TAKEN"),
    errors.OutOfStock: (409, "OUT_OF_STOCK"),
    errors.PriceChanged: (409, "PRICE_CHANGED"),
    errors.StockLimitReached: (409, "STOCK_LIMIT_REACHED"),
    errors.InvalidTransition: (409, "INVALID_TRANSITION"),
    errors.TooManyImages: (409, "TOO_MANY_IMAGES"),
    errors.CartEmpty: (409, "CART_EMPTY"),
    errors.CartFull: (409, "CART_FULL"),
    errors.PaymentInProgress: (409, "PAYMENT_IN_PROGRESS"),
    errors.OrderExpired: (409, "ORDER_EXPIRED"),
    errors.RefundExceedsPayment: (409, "REFUND_EXCEEDS_PAYMENT"),
    errors.NothingToRefund: (409, "NOTHING_TO_REFUND"),
    errors.ReturnWindowClosed: (409, "RETURN_WINDOW_CLOSED"),
    errors.PayloadTooLarge: (413, "PAYLOAD_TOO_LARGE"),
    errors.UnsupportedMediaType: (415, "UNSUPPORTED_MEDIA_TYPE"),
    errors.IdempotencyKeyReused: (422, "IDEMPOTENCY_KEY_REUSED"),
    errors.AmountNotChargeable: (422, "AMOUNT_NOT_CHARGEABLE"),
    errors.TooManyRequests: (429, "TOO_MANY_REQUESTS"),
    errors.ServiceUnavailable: (503, "SERVICE_UNAVAILABLE"),
}
INTERNAL_ERROR = {"success": False, "error": "Internal server error", "code": "INTERNAL_ERROR"}


@dataclass
class Reply:
    status: int
    data: Any = None
    pagination: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] | None = None  # more top-level members (a search's facets and total)

    def body(self) -> str:
        if self.status == 204:
            return ""
        envelope: dict[str, Any] = {"success": True, "data": self.data, **(self.extra or {})}
        if self.pagination is not None:
            envelope["pagination"] = self.pagination
        return jsonio.dumps(envelope)


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, data, headers=headers or {})


def created(data: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(201, data, headers=headers or {})


def page(result: Any, limit: int, extra: dict[str, Any] | None = None) -> Reply:
    """A list's page; `extra`: more top-level members (a search's facets and total)."""
    return Reply(200, result.items, pagination={"nextCursor": result.next_cursor, "limit": limit}, extra=extra)


class ErrorReply(Reply):
    def __init__(self, status: int, payload: dict[str, Any], headers: dict[str, str]):
        super().__init__(status, headers=headers)
        self.payload = payload

    def body(self) -> str:
        return jsonio.dumps(self.payload)


def status_of(error_class: type[errors.DomainError]) -> tuple[int, str]:
    return next(ERROR_TABLE[cls] for cls in error_class.__mro__ if cls in ERROR_TABLE)


def error_reply(error: errors.DomainError) -> ErrorReply:
    status, code = status_of(type(error))
    payload: dict[str, Any] = {"success": False, "error": error.message, "code": code}
    if error.details:
        payload["details"] = error.details
    elif isinstance(error, errors.ValidationFailed):
        payload["details"] = {}
    headers = {}
    if isinstance(error, errors.Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="shop-api"'
    if isinstance(error, errors.RetryLater):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, errors.MethodNotAllowed) and error.allow:
        headers["Allow"] = ", ".join(error.allow)
    return ErrorReply(status, payload, headers)
