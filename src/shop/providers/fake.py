"""A payment provider without a network, for make run and the tests.

It takes Stripe's test payment-method names and behaves as Stripe documents for them, including
idempotency: a second charge with the same key answers the first one's outcome and charges
nothing. `charges` lists every charge that reached the "card network", so tests can count them.
The ledger lives in this process (each local server worker has its own).
"""

from __future__ import annotations

import hashlib
import threading

from .base import Charge, Outcome, UnknownPaymentMethod

SUCCEEDING = frozenset({"pm_card_visa", "pm_card_mastercard"})
DECLINING = {
    "pm_card_chargeDeclined": "card_declined",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
}


class FakeProvider:
    name = "fake"

    def __init__(self) -> None:
        self.charges: list[Charge] = []
        self._outcomes: dict[str, Outcome] = {}
        self._lock = threading.Lock()

    def charge(self, charge: Charge) -> Outcome:
        if charge.payment_method not in SUCCEEDING and charge.payment_method not in DECLINING:
            raise UnknownPaymentMethod(charge.payment_method)
        with self._lock:
            seen = self._outcomes.get(charge.idempotency_key)
            if seen is not None:
                return seen
            self.charges.append(charge)
            # One payment per order, like one PaymentIntent per order.
            reference = "pi_fake_" + hashlib.sha256(charge.order_id.encode()).hexdigest()[:24]
            outcome = Outcome(charge.payment_method in SUCCEEDING, reference, DECLINING.get(charge.payment_method))
            self._outcomes[charge.idempotency_key] = outcome
            return outcome

    def succeeded(self, order_id: str) -> list[Charge]:
        """The charges that took money for this order."""
        with self._lock:
            return [c for c in self.charges if c.order_id == order_id and c.payment_method in SUCCEEDING]
