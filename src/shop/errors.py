"""Domain errors. They know nothing of HTTP: the edge maps each class to a status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    message = "Request failed"

    def __init__(self, message: str | None = None, details: dict[str, list[str]] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details


class ValidationFailed(DomainError):
    message = "Validation failed"


class InvalidJson(DomainError):
    message = "Request body is not valid JSON"


class InvalidCursor(DomainError):
    message = "Invalid pagination cursor"


class InvalidResetToken(DomainError):
    message = "This password reset link is used, expired or not valid; ask for a new one"


class Unauthorized(DomainError):
    message = "Authentication required"


class InvalidCredentials(Unauthorized):
    message = "Invalid credentials"


class Forbidden(DomainError):
    message = "You are not allowed to do this"


class NotFound(DomainError):
    message = "Resource not found"


class ProductNotFound(NotFound):
    message = "Product not found"


class MethodNotAllowed(DomainError):
    message = "Method not allowed"

    def __init__(self, message: str | None = None, allow: tuple[str, ...] = ()):
        super().__init__(message)
        self.allow = allow  # the path's methods, for the Allow header a 405 must carry


class EmailTaken(DomainError):
    message = "Email is already registered"


class OutOfStock(DomainError):
    message = "Not enough stock"


class StockLimitReached(DomainError):
    message = "Stock would exceed its limit"


class PriceChanged(DomainError):
    message = "Price has changed"


class InvalidTransition(DomainError):
    message = "Order cannot move to that status"


class TooManyImages(DomainError):
    message = "This product has the most images it may have"


class CartEmpty(DomainError):
    message = "The cart is empty"


class CartFull(DomainError):
    message = "The cart has as many lines as it may hold"


class PaymentDeclined(DomainError):
    message = "The payment was declined"


class InvalidSignature(DomainError):
    message = "Invalid webhook signature"


class PayloadTooLarge(DomainError):
    message = "Request body is too large"


class UnsupportedMediaType(DomainError):
    message = "Content-Type must be application/json"


class IdempotencyKeyReused(DomainError):
    message = "Idempotency-Key was already used for a different request"


class RetryLater(DomainError):
    """Base for errors that tell the client when to come back."""

    def __init__(self, message: str | None = None, retry_after: int = 1, details: Any = None):
        super().__init__(message, details)
        self.retry_after = retry_after


class TooManyRequests(RetryLater):
    message = "Too many requests"


class ServiceUnavailable(RetryLater):
    message = "Service temporarily unavailable"


class PaymentInProgress(RetryLater):
    message = "A payment of this order is in progress; try again shortly"


class OrderExpired(DomainError):
    message = "The order's payment window is over"


class AmountNotChargeable(DomainError):
    message = "The order's total is more than the payment provider can charge"


class RefundExceedsPayment(DomainError):
    message = "The refund is more than what is left of the charge"


class NothingToRefund(DomainError):
    message = "The order has nothing left to refund"


class ReturnWindowClosed(DomainError):
    message = "The order can no longer be returned"
