"""A payment provider without a network, for make run and the tests.

It takes Stripe's test payment-method names and behaves as Stripe documents for them:
- idempotency: the same key with the same parameters answers the first outcome and charges
  nothing; the same key with other parameters is refused (IdempotencyConflict);
- one PaymentIntent per order: once an order's payment succeeded, confirming it again (another
  attempt, another method) charges nothing and answers that payment.

Its ledger is a SQLite file every worker process of the local server shares ($LOCAL_DATA_DIR/
payments.sqlite3, or FAKE_PAYMENTS_LEDGER); each write is one immediate transaction, so two
processes charging one order at once serialize on the file and the UNIQUE idempotency key.
Without either variable (the tests), each provider keeps a ledger of its own in a temporary file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..clock import iso, now_iso
from ..money import from_minor_units
from .base import Charge, IdempotencyConflict, Outcome, RefundOutcome, RefundRequest, UnknownPaymentMethod

SUCCEEDING = frozenset({"pm_card_visa", "pm_card_mastercard"})
AUTHENTICATING = "pm_card_authenticationRequired"  # 3-D Secure: the bank's page decides (authenticate())
DECLINING = {
    "pm_card_chargeDeclined": "card_declined",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
}
SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    params TEXT NOT NULL,
    reference TEXT NOT NULL,
    order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    method TEXT,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_order ON ledger (order_id, kind, status);
"""


def _outcome(status: str, reference: str, reason: str | None) -> Outcome:
    if status == "requires_action":
        return Outcome(False, reference, "requires_action", f"/_local/payments/{reference}/authenticate")
    return Outcome(status == "succeeded", reference, reason)


def ledger_path() -> str:
    explicit = os.environ.get("FAKE_PAYMENTS_LEDGER")
    if explicit:
        return explicit
    data_dir = os.environ.get("LOCAL_DATA_DIR")
    if data_dir:
        os.makedirs(data_dir, exist_ok=True)
        return os.path.join(data_dir, "payments.sqlite3")
    handle, path = tempfile.mkstemp(prefix="fake-payments-", suffix=".sqlite3")
    os.close(handle)
    return path


def intent_reference(order_id: str) -> str:
    """One payment per order, like one PaymentIntent per order."""
    return "pi_fake_" + hashlib.sha256(order_id.encode()).hexdigest()[:24]


class FakeProvider:
    name = "fake"

    def __init__(self, path: str | None = None) -> None:
        self.path = path or ledger_path()
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.executescript(SCHEMA)  # IF NOT EXISTS: every process may run it, any number of times
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time, across processes
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def charge(self, charge: Charge) -> Outcome:
        known = charge.payment_method in SUCCEEDING or charge.payment_method in DECLINING
        if not known and charge.payment_method != AUTHENTICATING:
            raise UnknownPaymentMethod(charge.payment_method)
        params = json.dumps([charge.order_id, charge.amount_minor, charge.currency, charge.payment_method])
        reference = intent_reference(charge.order_id)
        with self._transaction() as db:
            seen = db.execute("SELECT * FROM ledger WHERE idempotency_key = ?", (charge.idempotency_key,)).fetchone()
            if seen is not None:
                if seen["params"] != params:
                    raise IdempotencyConflict(charge.idempotency_key)
                return _outcome(seen["status"], seen["reference"], seen["reason"])
            if self._paid(db, charge.order_id):  # the intent already succeeded: nothing is charged
                return Outcome(True, reference)
            succeeded = charge.payment_method in SUCCEEDING
            reason = DECLINING.get(charge.payment_method)
            status = "succeeded" if succeeded else "failed"
            if charge.payment_method == AUTHENTICATING:
                status, reason = "requires_action", "requires_action"
            db.execute(
                "INSERT INTO ledger (idempotency_key, params, reference, order_id, kind, method, amount, currency,"
                " status, reason, created_at) VALUES (?, ?, ?, ?, 'charge', ?, ?, ?, ?, ?, ?)",
                (
                    charge.idempotency_key,
                    params,
                    reference,
                    charge.order_id,
                    charge.payment_method,
                    charge.amount_minor,
                    charge.currency,
                    status,
                    reason,
                    now_iso(),
                ),
            )
            return _outcome(status, reference, reason)

    def authenticate(self, reference: str, approve: bool) -> dict[str, Any] | None:
        """The bank's page: the charge awaiting authentication of this payment succeeds or fails.
        Returns it ({orderId, amount, currency, status}), or None when none awaits."""
        with self._transaction() as db:
            query = "SELECT * FROM ledger WHERE reference = ? AND kind = 'charge' AND status = 'requires_action'"
            row = db.execute(query, (reference,)).fetchone()
            if row is None:
                return None
            status = "succeeded" if approve and not self._paid(db, row["order_id"]) else "failed"
            reason = None if status == "succeeded" else "authentication_failed"
            db.execute("UPDATE ledger SET status = ?, reason = ? WHERE seq = ?", (status, reason, row["seq"]))
            return {"orderId": row["order_id"], "amount": row["amount"], "currency": row["currency"], "status": status}

    def release(self, order_id: str) -> str:
        """Cancels the order's charges awaiting authentication (as Stripe cancels a PaymentIntent):
        the bank's page then finds none. "charged" when one already succeeded."""
        with self._transaction() as db:
            if self._paid(db, order_id):
                return "charged"
            query = "UPDATE ledger SET status = 'canceled', reason = 'abandoned'"
            query += " WHERE order_id = ? AND kind = 'charge' AND status = 'requires_action'"
            db.execute(query, (order_id,))
            return "released"

    def refund(self, refund: RefundRequest) -> RefundOutcome:
        """Gives back part or all of the order's charge, never more than is left of it."""
        params = json.dumps([refund.order_id, refund.reference, refund.amount_minor, refund.currency])
        reference = "re_fake_" + hashlib.sha256(refund.idempotency_key.encode()).hexdigest()[:24]
        with self._transaction() as db:
            seen = db.execute("SELECT * FROM ledger WHERE idempotency_key = ?", (refund.idempotency_key,)).fetchone()
            if seen is not None:
                if seen["params"] != params:
                    raise IdempotencyConflict(refund.idempotency_key)
                return RefundOutcome(seen["status"], seen["reference"])
            sums = "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE order_id = ? AND kind = ?"
            sums += " AND status = 'succeeded'"
            charged = db.execute(sums, (refund.order_id, "charge")).fetchone()[0]
            given_back = db.execute(sums, (refund.order_id, "refund")).fetchone()[0]
            status = "succeeded" if 0 < refund.amount_minor <= charged - given_back else "failed"
            db.execute(
                "INSERT INTO ledger (idempotency_key, params, reference, order_id, kind, method, amount, currency,"
                " status, reason, created_at) VALUES (?, ?, ?, ?, 'refund', NULL, ?, ?, ?, ?, ?)",
                (
                    refund.idempotency_key,
                    params,
                    reference,
                    refund.order_id,
                    refund.amount_minor,
                    refund.currency,
                    status,
                    None if status == "succeeded" else "charge_already_refunded",
                    now_iso(),
                ),
            )
            return RefundOutcome(status, reference)

    def refunds(self, order_id: str) -> list[dict[str, Any]]:
        return [entry for entry in self.ledger() if entry["orderId"] == order_id and entry["kind"] == "refund"]

    @staticmethod
    def _paid(db: sqlite3.Connection, order_id: str) -> bool:
        query = "SELECT 1 FROM ledger WHERE order_id = ? AND kind = 'charge' AND status = 'succeeded'"
        return db.execute(query, (order_id,)).fetchone() is not None

    def _rows(self, where: str = "1 = 1", args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._transaction() as db:
            # `where` is one of this module's own constant clauses; values always go in as parameters
            query = f"SELECT * FROM ledger WHERE {where} ORDER BY seq"  # noqa: S608  # nosec B608
            return db.execute(query, args).fetchall()

    @staticmethod
    def _as_charge(row: sqlite3.Row) -> Charge:
        return Charge(row["order_id"], row["amount"], row["currency"], row["method"], row["idempotency_key"])

    @property
    def charges(self) -> list[Charge]:
        """Every charge that reached the "card network" (succeeded or declined)."""
        return [self._as_charge(row) for row in self._rows("kind = 'charge'")]

    def succeeded(self, order_id: str) -> list[Charge]:
        """The charges that took money for this order."""
        rows = self._rows("kind = 'charge' AND status = 'succeeded' AND order_id = ?", (order_id,))
        return [self._as_charge(row) for row in rows]

    def ledger_of(self, order_id: str) -> list[dict[str, Any]]:
        return [entry for entry in self.ledger() if entry["orderId"] == order_id]

    def active_since(self, since: float) -> set[str]:
        return {row["order_id"] for row in self._rows("created_at >= ?", (iso(since),))}

    def ledger(self) -> list[dict[str, Any]]:
        """Every charge and refund, oldest first, as GET /_local/payments shows them."""
        return [
            {
                "reference": row["reference"],
                "orderId": row["order_id"],
                "kind": row["kind"],
                "amount": from_minor_units(row["amount"], row["currency"]),
                "currency": row["currency"],
                "status": row["status"],
                "createdAt": row["created_at"],
            }
            for row in self._rows()
        ]
