"""The payment provider's webhooks in the soak, as Stripe sends them.

Stripe sends an event for every payment that succeeds or fails and every refund that settles,
signed with the endpoint's secret; it retries an event the endpoint did not answer with a 2xx,
delivers some events more than once, and in no particular order. The soak's courier
(load/soak_users.py, SoakCourier) plays that against the running server from the `fake`
provider's ledger (GET /_local/payments): each ledger entry is one event with a stable id, signed
as the fake's own 3-D Secure page signs it (devtools/local_routes/payments.py) and as the tests
do (tests/integration/test_webhook_and_expiry.py: `t=<time>,v1=<HMAC-SHA256 of "t.body">`).
At the end of the run, `deliver_unacknowledged` is Stripe's retry of every event that never
got its 200.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal
from typing import Any

import requests

SETTLED = ("succeeded", "failed")
MINOR_DIGITS = {"jpy": 0, "krw": 0}  # the soak runs in the default currency; these for completeness


def minor(amount: Any, currency: str) -> int:
    return int(Decimal(str(amount)).scaleb(MINOR_DIGITS.get(currency.lower(), 2)))


def event_of(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The event one ledger entry gives rise to; None while a charge awaits 3-D Secure."""
    status, kind = entry["status"], entry["kind"]
    if status not in SETTLED:
        return None
    seed = "|".join(str(entry[k]) for k in ("reference", "orderId", "kind", "status", "createdAt", "amount"))
    event_id = "evt_" + hashlib.sha256(seed.encode()).hexdigest()[:24]
    amount, currency = minor(entry["amount"], entry["currency"]), entry["currency"]
    metadata = {"orderId": entry["orderId"]}
    if kind == "refund":
        refund = {"id": entry["reference"], "object": "refund", "status": status, "amount": amount}
        found = {**refund, "currency": currency, "metadata": metadata}
        return {"id": event_id, "object": "event", "type": "refund.updated", "data": {"object": found}}
    succeeded = status == "succeeded"
    intent: dict[str, Any] = {
        "id": entry["reference"],
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if succeeded else 0,
        "currency": currency,
        "metadata": metadata,
        "status": "succeeded" if succeeded else "requires_payment_method",
    }
    if not succeeded:
        intent["last_payment_error"] = {"type": "card_error", "code": "card_declined"}
    kind_name = "payment_intent.succeeded" if succeeded else "payment_intent.payment_failed"
    return {"id": event_id, "object": "event", "type": kind_name, "data": {"object": intent}}


def signature(raw: str, secret: str, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.{raw}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def ledger(session: Any, url: str, **extra: Any) -> list[dict[str, Any]]:
    answer = session.get(f"{url}/_local/payments", timeout=120, **extra)
    return answer.json()["data"] if answer.status_code == 200 else []


def deliver_unacknowledged(url: str, secret: str, history: list[dict[str, Any]], tries: int = 5) -> list[dict]:
    """Stripe's retries: every event of the ledger that no delivery of the run got a 200 for,
    until it does (at most `tries` each). Returns what each delivery answered."""
    acknowledged = {e["eventId"] for e in history if e["kind"] == "webhook" and e["status"] == 200}
    session = requests.Session()
    results = []
    for entry in ledger(session, url):
        event = event_of(entry)
        if event is None or event["id"] in acknowledged:
            continue
        raw = json.dumps(event)
        for attempt in range(tries):
            headers = {"Content-Type": "application/json", "Stripe-Signature": signature(raw, secret)}
            try:
                answer = session.post(f"{url}/payments/webhook", data=raw, headers=headers, timeout=30)
                status, outcome = answer.status_code, (answer.json().get("data") or {}).get("outcome")
            except (requests.RequestException, ValueError):
                status, outcome = 0, None
            results.append({"eventId": event["id"], "type": event["type"], "status": status, "outcome": outcome})
            if status == 200:
                acknowledged.add(event["id"])
                break
            time.sleep(min(2**attempt, 5))
    return results
