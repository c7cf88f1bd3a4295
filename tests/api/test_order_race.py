"""100 buyers race for 10 units over real HTTP, half of them sending every request twice with
one Idempotency-Key. Runs on the embedded moto and again on DynamoDB Local."""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests import factories
from tests.api.test_blackbox import admin_token, bearer, register

pytestmark = [pytest.mark.blackbox, pytest.mark.dynamodb_local]

BUYERS = 100
UNITS = 10


def test_a_hundred_buyers_half_retrying_buy_exactly_the_ten_units_there_are(server):
    token = admin_token(server)
    item = requests.post(
        f"{server.url}/products", json=factories.product_body(stock=UNITS), headers=bearer(token), timeout=10
    ).json()["data"]
    with ThreadPoolExecutor(max_workers=16) as pool:
        buyers = list(pool.map(lambda _: register(server)["token"], range(BUYERS)))
    body = factories.order_body((item["id"], 1))
    # Even buyers are retriers: the same request, same key, twice, racing each other.
    attempts = [(b, f"race-{uuid.uuid4().hex}" if b % 2 == 0 else None) for b in range(BUYERS)]
    attempts += [(b, key) for b, key in attempts if key is not None]
    random.shuffle(attempts)

    def buy(attempt):
        buyer, key = attempt
        headers = bearer(buyers[buyer]) | ({"Idempotency-Key": key} if key else {})
        response = requests.post(f"{server.url}/orders", json=body, headers=headers, timeout=60)
        for _ in range(5):  # as a client does with a 503 (a deadline hit on a busy machine): again, later
            if response.status_code != 503:
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
            response = requests.post(f"{server.url}/orders", json=body, headers=headers, timeout=60)
        return buyer, response.status_code, response.json(), response.headers.get("Idempotent-Replayed")

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(buy, attempts))

    assert len(results) == BUYERS + BUYERS // 2
    by_buyer = defaultdict(list)
    for buyer, status, payload, replayed in results:
        assert status in (201, 409), payload
        if status == 409:
            assert payload["code"] == "OUT_OF_STOCK"
        by_buyer[buyer].append((status, payload.get("data", {}).get("id"), replayed))
    sold = {order_id for answers in by_buyer.values() for status, order_id, _ in answers if status == 201}
    assert len(sold) == UNITS
    for buyer in range(0, BUYERS, 2):  # both tries of a retrier tell the same story
        (first, second) = sorted(by_buyer[buyer], key=lambda answer: answer[2] or "")
        assert first[:2] == second[:2], by_buyer[buyer]
        if first[0] == 201:
            assert (first[2], second[2]) == (None, "true")
    assert requests.get(f"{server.url}/products/{item['id']}", timeout=10).json()["data"]["stock"] == 0

    def stored_orders(buyer_token):
        response = requests.get(f"{server.url}/orders", headers=bearer(buyer_token), timeout=10)
        return [order["id"] for order in response.json()["data"]]

    with ThreadPoolExecutor(max_workers=16) as pool:
        stored = [order_id for ids in pool.map(stored_orders, buyers) for order_id in ids]
    # every 201 is in the table, and nothing else was written (a 503 retried above wrote nothing)
    assert sorted(stored) == sorted(sold)
