"""The audit's checks of what the soak's clients did beyond buying (load/audit.py runs them):

- webhooks: every event the courier delivered (load/soak_webhooks.py: duplicated, reordered,
  retried until a 200) was acknowledged in the end, and no event was applied twice: of all the 200
  answers one event got, at most one has an outcome other than `duplicate`;
- traffic: what was done, counted (payments by method and answer, 3-D Secure approvals and
  declines at the local bank, refunds by outcome, searches by status). Reported, not judged: the
  money, stock and events checks judge what it left behind.
"""

from __future__ import annotations

import collections
from typing import Any


def check_webhooks(history: list[dict[str, Any]]) -> dict[str, Any]:
    deliveries = [e for e in history if e["kind"] == "webhook"]
    taken: dict[str, list[str]] = collections.defaultdict(list)
    for entry in deliveries:
        if entry["status"] == 200:
            taken[entry["eventId"]].append(entry.get("outcome") or "")
    events = {e["eventId"] for e in deliveries}
    never = sorted(events - set(taken))
    twice = {event: outcomes for event, outcomes in taken.items() if sum(o != "duplicate" for o in outcomes) > 1}
    outcomes = collections.Counter(o for found in taken.values() for o in found)
    return {
        "name": "webhooks",
        "passed": not never and not twice,
        "numbers": {
            "events": len(events),
            "deliveries": len(deliveries),
            "deliveredTwiceAtOnce": sum(1 for e in deliveries if e.get("twin")) // 2,
            "notTakenAtFirst": sum(1 for e in deliveries if e["status"] != 200),
            "retriedAtTheEnd": sum(1 for e in deliveries if e.get("final")),
            "outcomes": dict(sorted(outcomes.items())),
            "neverAcknowledged": len(never),
            "appliedTwice": len(twice),
        },
        "violations": [{"event": e, "neverAcknowledged": True} for e in never[:10]]
        + [{"event": e, "outcomes": o} for e, o in list(twice.items())[:10]],
    }


def count_traffic(history: list[dict[str, Any]], requests_made: list[dict[str, Any]]) -> dict[str, Any]:
    payments = collections.Counter(f"{e['method']} {e['status']}" for e in history if e["kind"] == "payment")
    payments.update(f"{e['method']} declined" for e in history if e["kind"] == "decline")
    secure = collections.Counter(
        f"{e['outcome']} -> {e.get('settled') or e['status']}" for e in history if e["kind"] == "three_d_secure"
    )
    refunds = collections.Counter(
        f"{e['status']} {e.get('refund') or e.get('code')}" for e in history if e["kind"] == "refund"
    )
    searches = collections.Counter(str(e["status"]) for e in requests_made if e["route"] == "GET /search")
    return {
        "name": "traffic",
        "passed": True,
        "numbers": {
            "payments": dict(sorted(payments.items())),
            "threeDSecure": dict(sorted(secure.items())),
            "refunds": dict(sorted(refunds.items())),
            "refundsUndecided": sum(1 for e in history if e["kind"] == "refund_undecided"),
            "searches": dict(sorted(searches.items())),
            "cancels": sum(1 for e in requests_made if e["route"] == "POST /orders/{id}/cancel"),
        },
        "violations": [],
    }
