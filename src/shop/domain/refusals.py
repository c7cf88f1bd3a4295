"""Why the aggregate refuses a change. Deliberately not DomainErrors: the services decide what a
refusal means to a client (tests/unit/test_layers.py keeps 4xx decisions in services/)."""

from __future__ import annotations


class Refused(Exception):
    """The order cannot make this change in its current state."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(Refused):
    """The lifecycle does not allow the move from the order's status."""


class AttemptInFlight(Refused):
    """Another payment attempt of the order is in flight until `until` (epoch seconds)."""

    def __init__(self, until: int):
        super().__init__("A payment of this order is in progress; try again shortly")
        self.until = until


class WindowClosed(Refused):
    """The order's payment window is over (the sweep may not have expired it yet)."""


class KeyReused(Refused):
    """The same Idempotency-Key was used for an attempt with another payment method."""


class NothingLeft(Refused):
    """The order has no successful charge, or all of it is refunded (or on its way back)."""


class ExceedsPayment(Refused):
    """The refund asked for is more than what is left of the charge."""


class ReturnTooLate(Refused):
    """The order was delivered longer ago than returns are accepted."""


class NoSuchReturn(Refused):
    """The order has no return with this id."""
