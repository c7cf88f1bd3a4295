"""Logins and registrations per source address, as a client sees them through the real
handlers on moto: the 429, the message that names the address's limit (not a lockout of the
account) and the exact Retry-After, the end of the window (docs/SECURITY.md, "Login abuse").

The throttle's clock is held still, so Retry-After is exactly the rest of the window."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke

WINDOW = 120
# Which limit was hit matters to the client: an address's rate, not the account's lockout.
FROM_THIS_ADDRESS = {"success": False, "error": "Too many requests from this address", "code": "TOO_MANY_REQUESTS"}


@pytest.fixture
def tight_limits(table, limits):
    limits(REGISTER_IP_LIMIT=3, LOGIN_IP_LIMIT=4, IP_LIMIT_WINDOW_SECONDS=WINDOW)


def register(source_ip):
    body = {"email": factories.email(), "password": factories.STRONG_PASSWORD, "name": "Ann"}
    return invoke("POST", "/auth/register", body=body, source_ip=source_ip)


def login(source_ip):
    body = {"email": factories.email(), "password": factories.STRONG_PASSWORD}
    return invoke("POST", "/auth/login", body=body, source_ip=source_ip)


@pytest.mark.parametrize(("attempt", "limit", "status"), [(register, 3, 201), (login, 4, 401)])
def test_past_its_limit_an_address_waits_exactly_until_its_window_ends(tight_limits, clock, attempt, limit, status):
    opened = clock[0]
    assert [attempt("192.0.2.10").status for _ in range(limit)] == [status] * limit
    refused = attempt("192.0.2.10")
    assert (refused.status, refused.json, refused.headers["Retry-After"]) == (429, FROM_THIS_ADDRESS, str(WINDOW))
    clock[0] = opened + WINDOW - 1  # the last second of the window
    last = attempt("192.0.2.10")
    assert (last.status, last.headers["Retry-After"]) == (429, "1")
    assert attempt("192.0.2.11").status == status  # another address has its own budget
    clock[0] = opened + WINDOW  # the window is over: a new one, with the whole budget
    assert [attempt("192.0.2.10").status for _ in range(limit + 1)] == [status] * limit + [429]


def test_logins_and_registrations_have_separate_budgets_per_address(tight_limits):
    assert [login("192.0.2.20").status for _ in range(4)] == [401] * 4  # the login budget is used up
    assert login("192.0.2.20").status == 429
    assert register("192.0.2.20").status == 201  # registering from there is not held back by it
