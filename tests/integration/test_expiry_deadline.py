"""The scheduled expiry sweep within its invocation's time (services.expiry.scheduled): it
stops while an expiry still fits before the Lambda deadline, and its one log line says what
it did and whether it left work for the next run."""

from __future__ import annotations

import json
import time
import types
import uuid

from devtools.lambda_runtime import LambdaContext
from shop.services import expiry
from tests import factories
from tests.apigw import invoke, invoke_function

SCHEDULED = {"version": "0", "id": "e", "detail-type": "Scheduled Event", "source": "aws.events"}


def _an_hour_later(monkeypatch) -> None:
    """The sweep's clock an hour on: every order placed now is past the 30-minute window."""
    later = time.time() + 3600
    monkeypatch.setattr(expiry, "time", types.SimpleNamespace(time=lambda: later))


def _sweep_lines(log_lines) -> list[dict]:
    lines = [json.loads(line) for line in log_lines]
    return [{k: line.get(k) for k in ("expired", "skipped", "more")} for line in lines if "expired" in line]


def test_a_run_short_of_time_leaves_the_orders_to_the_next_run_and_says_so(
    table, customer, product, monkeypatch, log_lines
):
    lamp = product(stock=5)
    placed = invoke("POST", "/orders", token=customer.token, body=factories.order_body((lamp["id"], 1)))
    assert placed.status == 201, placed.body
    _an_hour_later(monkeypatch)
    # Time for the Query (one attempt) but not for an expiry's two round trips.
    assert expiry.STOP_MARGIN > 6
    short = LambdaContext("expireOrders", str(uuid.uuid4()), timeout_s=6)

    assert invoke_function("expireOrders", SCHEDULED, short) == {"expired": 0, "skipped": 0}
    assert invoke("GET", f"/orders/{placed.data['id']}", token=customer.token).data["status"] == "pending"
    assert invoke_function("expireOrders", SCHEDULED) == {"expired": 1, "skipped": 0}
    assert invoke("GET", f"/orders/{placed.data['id']}", token=customer.token).data["status"] == "expired"

    assert _sweep_lines(log_lines) == [
        {"expired": 0, "skipped": 0, "more": True},
        {"expired": 1, "skipped": 0, "more": False},
    ]
