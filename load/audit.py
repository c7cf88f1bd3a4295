"""The soak's audit (`make audit`, and the end of `make soak`): is every unit of stock, every order,
every event, every webhook and every answer accounted for? It reads only the API (as the admin), the local stores
(the outbox, the dead-letter queue, the payment ledger when the server has one) and what the soak's
clients wrote down (load/soak_users.py), and judges each check with its numbers.

    python load/audit.py --url http://127.0.0.1:3000 --history load/reports/soak-history.jsonl \
        --initial load/reports/soak-initial.json [--faults FILE] [--aws http://127.0.0.1:PORT]

ADMIN_EMAIL and ADMIN_PASSWORD are the admin's login. Exit code 1 on any violation.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from audit_traffic import check_webhooks, count_traffic

LIVE = ("pending", "paid", "shipped", "delivered")
ENDED = ("cancelled", "expired")
EVENT_OF_STATUS = {"pending": "order.created"} | {s: f"order.{s}" for s in ("paid", "shipped", "delivered", *ENDED)}
GRACE_SECONDS = 15  # an answer this close to an injected fault or a disruption is explained by it
# The local routes read whole stores (the outbox: the local endpoint's entire state); on a loaded
# machine (CI's two cores) that takes far longer than an API call.
READ_SECONDS = 180


class Api:
    def __init__(self, url: str, email: str, password: str):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        answer = self.session.post(
            f"{self.url}/auth/login", json={"email": email, "password": password}, timeout=READ_SECONDS
        )
        answer.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {answer.json()['data']['token']}"

    def get(self, path: str, **params: str) -> Any:
        answer = self.session.get(f"{self.url}{path}", params=params, timeout=READ_SECONDS)
        answer.raise_for_status()
        return answer.json()

    def pages(self, path: str, **params: str) -> list[dict[str, Any]]:
        items, cursor = [], None
        while True:
            body = self.get(path, limit="100", **params, **({"cursor": cursor} if cursor else {}))
            items += body["data"]
            cursor = body.get("pagination", {}).get("nextCursor")
            if not cursor:
                return items


def read_lines(path: Path | None) -> list[dict[str, Any]]:
    if path is None or not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def subset_sums(values: list[int]) -> set[int]:
    sums = {0}
    for value in values:
        sums |= {total + value for total in sums}
    return sums


def check_stock(api: Api, initial: dict[str, int], history: list[dict], orders: list[dict]) -> dict[str, Any]:
    definite, ambiguous = collections.Counter(), collections.defaultdict(list)
    for entry in history:
        if entry["kind"] == "restock":
            definite[entry["product"]] += entry["delta"]
        elif entry["kind"] == "restock_ambiguous":
            ambiguous[entry["product"]].append(entry["delta"])
    held = collections.Counter()
    for order in orders:
        if order["status"] in LIVE:
            for line in order["items"]:
                held[line["productId"]] += int(line["quantity"])
    wrong, negative = [], []
    for product_id, start in initial.items():
        current = int(api.get(f"/products/{product_id}")["data"]["stock"])
        if current < 0:
            negative.append(product_id)
        unexplained = current - (start + definite[product_id] - held[product_id])
        if unexplained not in subset_sums(ambiguous[product_id]):
            wrong.append({"product": product_id, "current": current, "unexplained": unexplained})
    return {
        "name": "stock",
        "passed": not wrong and not negative,
        "numbers": {
            "products": len(initial),
            "restocks": sum(1 for e in history if e["kind"] == "restock"),
            "ambiguousRestocks": sum(len(v) for v in ambiguous.values()),
            "unitsInLiveOrders": sum(held.values()),
            "productsOff": len(wrong),
            "negative": len(negative),
        },
        "violations": wrong[:20] + [{"product": p, "negative": True} for p in negative[:20]],
    }


def check_orders(api: Api, history: list[dict]) -> dict[str, Any]:
    seen = [entry for entry in history if entry["kind"] == "order"]
    wrong = []
    for entry in seen:
        order = api.get(f"/orders/{entry['id']}")["data"]
        lines = sorted((i["productId"], int(i["quantity"]), str(i["price"])) for i in order["items"])
        expected = sorted((i["productId"], int(i["quantity"]), str(i["price"])) for i in entry["items"])
        if lines != expected or Decimal(str(order["totalAmount"])) != Decimal(str(entry["total"])):
            wrong.append({"order": entry["id"], "seen": entry["total"], "stored": order["totalAmount"]})
    replays = [entry for entry in history if entry["kind"] == "replay"]
    other = [entry for entry in replays if entry["first"] != entry["again"]]
    return {
        "name": "orders",
        "passed": not wrong and not other,
        "numbers": {
            "ordersSeen": len(seen),
            "differ": len(wrong),
            "replays": len(replays),
            "replaysWithAnotherOrder": len(other),
            "undecidedCheckouts": sum(1 for e in history if e["kind"] == "checkout_undecided"),
        },
        "violations": wrong[:20] + other[:20],
    }


# A refund the provider confirmed is one "Refund of <amount> issued" email (order.refunded), except
# a cancel's, which the cancellation's own email names (services/order_events.NAMED_BY_ITS_CHANGE).
REFUNDED = "order.refunded"
NAMED_BY_ITS_CHANGE = frozenset({"order_cancelled"})


def refunds_mailed(order: dict) -> int:
    return sum(
        1
        for refund in order.get("refunds") or []
        if refund.get("status") == "succeeded" and refund.get("reason") not in NAMED_BY_ITS_CHANGE
    )


def emails_called_for(order: dict) -> collections.Counter:
    """The emails an order's history calls for, by event type: one per status change that mails,
    one per refund mailed on its own."""
    wanted = collections.Counter(EVENT_OF_STATUS.get(step["status"]) for step in order.get("statusHistory", []))
    wanted.pop(None, None)
    if refunds_mailed(order):
        wanted[REFUNDED] = refunds_mailed(order)
    return wanted


def status_changes(orders: list[dict]) -> int:
    """How many emails the orders call for (one per status change that mails, one per refund mailed)."""
    return sum(sum(emails_called_for(order).values()) for order in orders)


def check_events(api: Api, orders: list[dict], dead_letters: list[dict] | None) -> dict[str, Any]:
    mails = collections.Counter(
        (mail.get("orderId"), mail.get("eventType")) for mail in api.get("/_local/outbox")["data"]
    )
    wrong, expected_total = [], 0
    for order in orders:
        for event_type, times in emails_called_for(order).items():
            expected_total += times
            sent = mails.pop((order["id"], event_type), 0)
            if sent != times:
                wrong.append({"order": order["id"], "event": event_type, "changes": times, "emails": sent})
    strays = [{"order": key[0], "event": key[1], "emails": n} for key, n in mails.items() if key[0]]
    dlq = dead_letters if dead_letters is not None else []
    return {
        "name": "events",
        "passed": not wrong and not strays and not dlq,
        "numbers": {
            "stateChanges": expected_total,
            "emailsMissingOrDoubled": len(wrong),
            "emailsWithoutAChange": len(strays),
            "deadLetters": len(dlq) if dead_letters is not None else "not read",
        },
        "violations": wrong[:20] + strays[:20] + dlq[:5],
    }


def explained(at: float, windows: list[tuple[float, float]]) -> bool:
    return any(start - GRACE_SECONDS <= at <= end + GRACE_SECONDS for start, end in windows)


def check_answers(history: list[dict], faults: list[dict], disruptions: list[tuple[float, float]]) -> dict[str, Any]:
    fault_windows = [(entry["at"], entry["at"]) for entry in faults]
    bad = []
    counts = collections.Counter()
    for entry in (e for e in history if e["kind"] == "answer"):
        during_disruption = explained(entry["at"], disruptions)
        if entry["status"] == 503 and entry.get("retryAfter") and explained(entry["at"], fault_windows + disruptions):
            counts["503 with Retry-After during faults"] += 1
        elif during_disruption:
            counts["cut or 5xx while a worker was killed or the server restarted"] += 1
        else:
            counts["unexplained"] += 1
            bad.append(entry)
    return {"name": "answers", "passed": not bad, "numbers": dict(counts), "violations": bad[:20]}


def latency(requests_made: list[dict], windows: list[tuple[float, float]]) -> dict[str, Any]:
    """Per-route percentiles of the answers given outside every fault and disruption window
    (reported, not judged: the soak is about what is lost, the load profiles judge speed)."""
    by_route: dict[str, list[float]] = collections.defaultdict(list)
    for entry in requests_made:
        if entry["status"] and not explained(entry["at"], windows):
            by_route[entry["route"]].append(float(entry["ms"]))
    numbers = {}
    for route, values in sorted(by_route.items()):
        values.sort()
        p50, p95 = values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.95))]
        numbers[route] = f"n {len(values)} p50 {p50:.0f} ms p95 {p95:.0f} ms"
    return {"name": "latency", "passed": True, "numbers": numbers, "violations": []}


def check_money(api: Api) -> dict[str, Any]:
    """No order charged twice in the provider's ledger, and reconciliation (the ledger against the
    orders: charged - refunded = what is due) finds no difference."""
    answer = api.session.get(f"{api.url}/_local/payments", timeout=READ_SECONDS)
    if answer.status_code == 404:
        return {
            "name": "money",
            "passed": False,
            "numbers": {"ledger": "this server has no provider ledger (GET /_local/payments): not audited"},
            "violations": [],
        }
    answer.raise_for_status()
    charges = collections.Counter(
        entry["orderId"]
        for entry in answer.json()["data"]
        if entry["kind"] == "charge" and entry["status"] == "succeeded"
    )
    doubled = [{"order": order_id, "charges": n} for order_id, n in charges.items() if n > 1]
    reconciled = api.session.get(f"{api.url}/_local/reconcile", timeout=READ_SECONDS)
    reconciled.raise_for_status()
    differences = reconciled.json()["data"]["differences"]
    return {
        "name": "money",
        "passed": not doubled and not differences,
        "numbers": {
            "ordersCharged": len(charges),
            "ordersChargedTwice": len(doubled),
            "reconciliationDifferences": len(differences),
        },
        "violations": doubled[:20] + differences[:20],
    }


def dead_letters(aws_url: str | None) -> list[dict] | None:
    if not aws_url:
        return None
    import boto3

    local = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}  # the local moto server's dummies
    sqs = boto3.client("sqs", endpoint_url=aws_url, region_name="us-east-1", **local)
    queue = sqs.get_queue_url(QueueName=os.environ.get("ORDER_EVENTS_DLQ", "shop-api-local-order-events-dlq"))
    messages = sqs.receive_message(QueueUrl=queue["QueueUrl"], MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [{"deadLetter": message.get("Body", "")[:300]} for message in messages.get("Messages", [])]


def _dead_letters(args: argparse.Namespace) -> list[dict] | None:
    """The DLQ now, and what a soak read from it before it restarted the server (which empties it)."""
    now = dead_letters(args.aws)
    before = getattr(args, "dead_letters_before", None) or []
    return None if now is None and not before else (now or []) + before


def skipped(name: str, why: str) -> dict[str, Any]:
    return {"name": name, "passed": True, "skipped": why, "numbers": {}, "violations": []}


def audit(args: argparse.Namespace, disruptions: list[tuple[float, float]] = ()) -> list[dict[str, Any]]:
    """Every check; those that need what a soak's clients wrote down are skipped without it."""
    api = Api(args.url, os.environ["ADMIN_EMAIL"], os.environ["ADMIN_PASSWORD"])
    history = read_lines(Path(args.history) if args.history else None)
    orders = [order for status in LIVE + ENDED for order in api.pages("/orders", status=status)]
    faults = read_lines(Path(args.faults) if args.faults else None)
    without = "no soak history (--history, --initial): only a soak knows what its clients saw"
    return [
        check_stock(api, json.loads(Path(args.initial).read_text()), history, orders)
        if args.initial
        else skipped("stock", without),
        check_orders(api, history) if args.history else skipped("orders", without),
        check_events(api, orders, _dead_letters(args)),
        check_money(api),
        check_answers(history, faults, list(disruptions)) if args.history else skipped("answers", without),
        check_webhooks(history) if args.history else skipped("webhooks", without),
        count_traffic(history, read_lines(Path(args.requests) if getattr(args, "requests", None) else None)),
    ]


def print_checks(checks: list[dict[str, Any]]) -> None:
    for check in checks:
        numbers = check.get("skipped") or ", ".join(f"{k} {v}" for k, v in check["numbers"].items())
        verdict = "SKIP" if check.get("skipped") else "PASS" if check["passed"] else "FAIL"
        print(f"{verdict}  {check['name']:<8} {numbers}")
        for violation in check["violations"][:5]:
            print(f"        {json.dumps(violation, default=str)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="the API; default: the running make run's (.local/run.json)")
    parser.add_argument("--history")
    parser.add_argument("--initial")
    parser.add_argument("--faults")
    parser.add_argument("--aws", help="the local AWS endpoint (for the dead-letter queue); default: make run's")
    args = parser.parse_args()
    state_file = Path(os.environ.get("LOCAL_DATA_DIR") or Path(__file__).resolve().parents[1] / ".local") / "run.json"
    if (not args.url or not args.aws) and state_file.exists():
        state = json.loads(state_file.read_text())
        args.url, args.aws = args.url or state["url"], args.aws or state.get("aws")
    if not args.url:
        parser.error("no --url, and no running make run (.local/run.json)")
    if not os.environ.get("ADMIN_PASSWORD"):
        parser.error("ADMIN_PASSWORD (and ADMIN_EMAIL, default admin@example.com) must be the admin's login")
    os.environ.setdefault("ADMIN_EMAIL", "admin@example.com")
    checks = audit(args)
    print_checks(checks)
    return 0 if all(check["passed"] for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
