"""API2 / API6: password guessing is stopped per email and per source address.

Lockout: 5 failed logins for one email in 15 minutes, then 429 with Retry-After, whatever
the password, counted with one conditional write per attempt (no read-then-write race).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import factories
from tests.apigw import invoke

WRONG = "Wrong-Passw0rd!"


def login(email: str, password: str, source_ip: str = "198.51.100.1"):
    return invoke("POST", "/auth/login", body={"email": email, "password": password}, source_ip=source_ip)


def counter(ddb, table, counter_id):
    item = ddb.get_item(TableName=table, Key={"id": {"S": counter_id}, "type": {"S": "throttle"}}).get("Item")
    return {k: int(v["N"]) for k, v in item.items() if "N" in v} if item else None


def test_five_failures_lock_the_email_with_retry_after_even_for_the_right_password(table, ddb, customer):
    for _ in range(5):
        assert login(customer.email, WRONG).status == 401
    locked = login(customer.email, customer.password)
    assert locked.status == 429
    assert locked.json == {
        "success": False,
        "error": "Too many failed logins; try again later",
        "code": "TOO_MANY_REQUESTS",
    }
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    stored = counter(ddb, table, f"login#{customer.email}")
    assert stored["attempts"] == 5
    assert time.time() < stored["expiresAt"] <= time.time() + 15 * 60 + 1  # the TTL attribute


def test_unknown_emails_lock_the_same_way_so_lockout_reveals_nothing(table):
    email = factories.email()
    assert [login(email, WRONG).status for _ in range(6)] == [401] * 5 + [429]


def test_the_lockout_is_per_email(table, customer, other_customer):
    for _ in range(5):
        login(customer.email, WRONG)
    assert login(customer.email, customer.password).status == 429
    assert login(other_customer.email, other_customer.password).status == 200


def test_a_successful_login_resets_the_email_counter(table, ddb, customer):
    for _ in range(4):
        assert login(customer.email, WRONG).status == 401
    assert login(customer.email, customer.password).status == 200
    assert counter(ddb, table, f"login#{customer.email}") is None
    assert [login(customer.email, WRONG).status for _ in range(6)] == [401] * 5 + [429]


def test_an_expired_window_that_ttl_has_not_deleted_yet_starts_afresh(table, ddb, customer):
    ddb.put_item(
        TableName=table,
        Item={
            "id": {"S": f"login#{customer.email}"},
            "type": {"S": "throttle"},
            "attempts": {"N": "5"},
            "expiresAt": {"N": str(int(time.time()) - 1)},
        },
    )
    assert login(customer.email, customer.password).status == 200


def test_parallel_guesses_cannot_slip_past_the_limit(table, ddb, customer):
    """20 guesses released at once: if the count were read, then checked, then written,
    all 20 would see 0 failures and reach the password check."""
    guesses = 20
    start = threading.Barrier(guesses)

    def guess(_):
        start.wait()
        return login(customer.email, WRONG).status

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        statuses = sorted(pool.map(guess, range(guesses)))
    assert statuses == [401] * 5 + [429] * 15
    assert counter(ddb, table, f"login#{customer.email}")["attempts"] == 5


def test_lockouts_are_logged_with_the_email_masked(table, customer, log_lines):
    for _ in range(6):
        login(customer.email, WRONG)
    locked = [line for line in log_lines if '"login locked"' in line]
    assert len(locked) == 1
    masked = customer.email[0] + "***@example.com"
    assert masked in locked[0] and customer.email not in locked[0]


@pytest.fixture
def tight_limits(monkeypatch):
    from tests.conftest import reset_shop_caches

    monkeypatch.setenv("REGISTER_IP_LIMIT", "3")
    monkeypatch.setenv("LOGIN_IP_LIMIT", "4")
    monkeypatch.setenv("IP_LIMIT_WINDOW_SECONDS", "120")
    reset_shop_caches()
    yield
    monkeypatch.undo()
    reset_shop_caches()


def register(source_ip: str):
    body = {"email": factories.email(), "password": factories.STRONG_PASSWORD, "name": "Ann"}
    return invoke("POST", "/auth/register", body=body, source_ip=source_ip)


def test_register_is_limited_per_source_address(table, tight_limits):
    assert [register("192.0.2.10").status for _ in range(3)] == [201] * 3
    refused = register("192.0.2.10")
    assert refused.status == 429 and refused.code == "TOO_MANY_REQUESTS"
    assert 0 < int(refused.headers["Retry-After"]) <= 120
    assert register("192.0.2.11").status == 201  # another address has its own budget


def test_login_is_limited_per_source_address_across_emails(table, tight_limits, customer):
    # Spraying one password over many emails from one address: the email lockout never
    # triggers, the address limit does.
    statuses = [login(factories.email(), WRONG, source_ip="192.0.2.20").status for _ in range(4)]
    assert statuses == [401] * 4
    assert login(customer.email, customer.password, source_ip="192.0.2.20").status == 429
    assert login(customer.email, customer.password, source_ip="192.0.2.21").status == 200


def test_invalid_bodies_count_against_the_address_too(table, tight_limits):
    for _ in range(3):
        assert invoke("POST", "/auth/register", body={}, source_ip="192.0.2.30").status == 400
    assert register("192.0.2.30").status == 429


def test_round_trips_added_to_login_and_register(table, customer):
    """Documented in docs/SECURITY.md: the first request from an address or for an email
    creates its counter in the same single write, with no read in front of it."""
    from shop.storage import storage

    calls: list[str] = []

    def record(model, **_):
        calls.append(model.name)

    events = storage().client.meta.events
    events.register("before-call.dynamodb", record)
    try:
        assert login(customer.email, customer.password, source_ip="192.0.2.40").status == 200
        ok_login = list(calls)
        calls.clear()
        assert login(customer.email, WRONG, source_ip="192.0.2.40").status == 401
        failed_login = list(calls)
        calls.clear()
        assert register("192.0.2.41").status == 201
        registration = list(calls)
    finally:
        events.unregister("before-call.dynamodb", record)
    assert ok_login == ["UpdateItem", "UpdateItem", "GetItem", "GetItem", "DeleteItem"]
    assert failed_login == ["UpdateItem", "UpdateItem", "GetItem", "GetItem"]
    assert registration == ["UpdateItem", "TransactWriteItems"]
