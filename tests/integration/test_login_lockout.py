"""Login lockouts as a client and an operator see them, through the real handler on moto:
the 429, its message and its exact Retry-After, the counters in the table, and the log
line (docs/SECURITY.md, "Login abuse"; docs/API.md, POST /auth/login).

The throttle's clock is held still, so Retry-After is exactly the rest of the window."""

from __future__ import annotations

import json

import pytest

from tests.apigw import invoke

WRONG = "Wrong-Passw0rd!"
HERE = "198.51.100.1"
WINDOW = 15 * 60  # LOGIN_LOCKOUT_SECONDS' default
TRUST = 30 * 24 * 3600  # LOGIN_TRUST_SECONDS' default
LOCKED = {"success": False, "error": "Too many failed logins; try again later", "code": "TOO_MANY_REQUESTS"}


def login(email, password, source_ip=HERE):
    return invoke("POST", "/auth/login", body={"email": email, "password": password}, source_ip=source_ip)


def counter(ddb, table, counter_id):
    key = {"id": {"S": counter_id}, "type": {"S": "throttle"}}
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return {k: int(v["N"]) for k, v in item.items() if "N" in v} if item else None


def five_wrong_guesses_finish_first(monkeypatch, email):
    """The next password check waits until five wrong guesses for `email` have been answered:
    the login it belongs to passed the gate before they were counted."""
    from shop import passwords

    checked = passwords.verify_password
    racing = []

    def others_first(password, password_hash):
        if not racing:
            racing.append(True)
            assert [login(email, WRONG).status for _ in range(5)] == [401] * 5
        return checked(password, password_hash)

    monkeypatch.setattr(passwords, "verify_password", others_first)


def lockouts(log_lines):
    return [line for line in map(json.loads, log_lines) if line.get("message") == "login locked"]


def test_the_lockout_answers_until_the_window_ends_and_retry_after_counts_down_to_it(table, customer, clock):
    opened = clock[0]
    for _ in range(5):
        assert login(customer.email, WRONG).status == 401
    locked = login(customer.email, customer.password)  # the right password changes nothing
    assert (locked.status, locked.json) == (429, LOCKED)
    assert locked.headers["Retry-After"] == str(WINDOW)
    assert login(customer.email, customer.password, source_ip="198.51.100.2").status == 200  # not elsewhere
    clock[0] = opened + WINDOW - 1  # the last second of the window
    last = login(customer.email, customer.password)
    assert (last.status, last.headers["Retry-After"]) == (429, "1")
    clock[0] = opened + WINDOW  # the window is over
    assert login(customer.email, customer.password).status == 200


def test_four_failures_are_below_the_limit_and_a_success_clears_them_and_trusts_the_address(
    table, ddb, customer, clock
):
    for _ in range(4):
        assert login(customer.email, WRONG).status == 401
    assert counter(ddb, table, f"login-from#{HERE}#{customer.email}")["failures"] == 4
    assert login(customer.email, customer.password).status == 200
    assert counter(ddb, table, f"login-from#{HERE}#{customer.email}") == {
        "trustedUntil": clock[0] + TRUST,
        "expiresAt": clock[0] + TRUST,
    }
    assert [login(customer.email, WRONG).status for _ in range(6)] == [401] * 5 + [429]


def test_a_counter_whose_window_ended_starts_a_new_window_at_the_first_failure(table, ddb, customer, clock):
    """TTL deletes late: a counter full of failures whose window is over counts afresh."""
    ended = clock[0] - 1
    for counter_id in (f"login-from#{HERE}#{customer.email}", f"login#{customer.email}"):
        item = {"failures": {"N": "500"}, "windowEnds": {"N": str(ended)}, "expiresAt": {"N": str(ended)}}
        ddb.put_item(TableName=table, Item={"id": {"S": counter_id}, "type": {"S": "throttle"}, **item})
    assert login(customer.email, WRONG).status == 401
    for counter_id in (f"login-from#{HERE}#{customer.email}", f"login#{customer.email}"):
        fresh = counter(ddb, table, counter_id)
        assert (fresh["failures"], fresh["windowEnds"]) == (1, clock[0] + WINDOW)
    assert login(customer.email, customer.password).status == 200


def test_a_failure_in_the_second_its_window_ends_opens_the_next_window(table, ddb, customer, clock):
    opened = clock[0]
    assert login(customer.email, WRONG).status == 401
    clock[0] = opened + WINDOW  # windowEnds itself: the old window no longer counts
    assert login(customer.email, WRONG).status == 401
    fresh = counter(ddb, table, f"login-from#{HERE}#{customer.email}")
    assert (fresh["failures"], fresh["windowEnds"]) == (1, opened + 2 * WINDOW)


def test_a_wrong_guess_in_flight_while_others_use_up_the_budget_gets_the_lockout(
    table, ddb, customer, clock, monkeypatch, log_lines
):
    """It passed the gate before the fifth failure was counted, so its own count is refused:
    it is answered as the next guess would be, 429, and the lockout is logged."""
    five_wrong_guesses_finish_first(monkeypatch, customer.email)
    in_flight = login(customer.email, WRONG)
    assert (in_flight.status, in_flight.json, in_flight.headers["Retry-After"]) == (429, LOCKED, str(WINDOW))
    assert counter(ddb, table, f"login-from#{HERE}#{customer.email}")["failures"] == 5
    [logged] = lockouts(log_lines)
    assert (logged["email"], logged["scope"]) == (customer.email[0] + "***@example.com", "address")


def test_a_right_password_in_flight_while_the_budget_is_used_up_gets_the_lockout_not_a_token(
    table, customer, clock, monkeypatch, log_lines
):
    five_wrong_guesses_finish_first(monkeypatch, customer.email)
    raced = login(customer.email, customer.password)
    assert (raced.status, raced.json, raced.headers["Retry-After"]) == (429, LOCKED, str(WINDOW))
    [logged] = lockouts(log_lines)
    assert (logged["email"], logged["scope"]) == (customer.email[0] + "***@example.com", "address")


def test_the_email_wide_limit_locks_new_addresses_but_not_one_with_a_recent_success(
    table, customer, clock, limits, log_lines
):
    limits(LOGIN_EMAIL_MAX_FAILURES=3)
    home = "198.51.100.80"
    assert login(customer.email, customer.password, source_ip=home).status == 200
    opened = clock[0]
    for bot in range(3):  # one failure each: no address reaches its own limit
        assert login(customer.email, WRONG, source_ip=f"203.0.113.{bot + 1}").status == 401
    clock[0] = opened + 60
    elsewhere = login(customer.email, customer.password, source_ip="198.51.100.81")
    assert (elsewhere.status, elsewhere.json) == (429, LOCKED)
    assert elsewhere.headers["Retry-After"] == str(WINDOW - 60)
    [logged] = lockouts(log_lines)
    assert (logged["email"], logged["scope"]) == (customer.email[0] + "***@example.com", "email")
    assert login(customer.email, customer.password, source_ip=home).status == 200  # trusted
    clock[0] = opened + WINDOW
    assert login(customer.email, customer.password, source_ip="198.51.100.81").status == 200


def test_the_email_wide_limit_is_reached_only_at_its_count(table, customer, clock, limits):
    limits(LOGIN_EMAIL_MAX_FAILURES=3)
    for bot in range(2):
        assert login(customer.email, WRONG, source_ip=f"203.0.113.{bot + 1}").status == 401
    assert login(customer.email, customer.password, source_ip="198.51.100.81").status == 200


@pytest.mark.parametrize(
    ("email", "logged_as"),
    [
        ("ann.lee@example.com", "a***@example.com"),
        # A quoted local part may hold an @: the domain is what follows the last one.
        ('"ann@home"@example.com', '"***@example.com'),
        ("ann.lee", "***"),  # login accepts any text; without an @ nothing of it is shown
    ],
)
def test_a_lockout_is_logged_with_the_email_masked(table, email, logged_as, log_lines):
    assert [login(email, WRONG).status for _ in range(6)] == [401] * 5 + [429]
    [logged] = lockouts(log_lines)
    assert (logged["email"], logged["scope"]) == (logged_as, "address")


@pytest.mark.parametrize(("trust_left", "status"), [(1, 200), (0, 429)])
def test_a_trust_mark_ends_at_its_second(table, ddb, customer, clock, limits, trust_left, status):
    limits(LOGIN_EMAIL_MAX_FAILURES=3)
    now = clock[0]
    marks = {
        f"login-from#{HERE}#{customer.email}": {"trustedUntil": now + trust_left, "expiresAt": now + trust_left},
        f"login#{customer.email}": {"failures": 3, "windowEnds": now + 600, "expiresAt": now + 600},
    }
    for counter_id, fields in marks.items():
        item = {"id": {"S": counter_id}, "type": {"S": "throttle"}} | {k: {"N": str(v)} for k, v in fields.items()}
        ddb.put_item(TableName=table, Item=item)
    assert login(customer.email, customer.password).status == status
