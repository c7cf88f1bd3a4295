"""What a login reads. The email's guard is read strongly consistent, so a login right after
registering finds the account even while a replica lags; and an unknown email costs the same
DynamoDB calls, in the same order and of the same kind, as a known one with a wrong password,
so neither the timing nor the consumed capacity tells which emails are registered. On moto and
on DynamoDB Local (the lag is injected: tests/faults.py)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke
from tests.faults import stale_unless_consistent

pytestmark = pytest.mark.dynamodb_local


def login(email, password):
    return invoke("POST", "/auth/login", body={"email": email, "password": password})


def test_a_login_right_after_registering_finds_the_account_though_a_replica_lags(table, faults):
    email = factories.email()
    body = {"email": email, "password": factories.STRONG_PASSWORD, "name": "New Customer"}
    assert invoke("POST", "/auth/register", body=body).status == 201
    faults.fail("GetItem", stale_unless_consistent)

    result = login(email, factories.STRONG_PASSWORD)

    assert result.status == 200, result.body
    assert faults.attempts["GetItem"] >= 2


def test_an_unknown_email_reads_what_a_known_one_with_a_wrong_password_reads(table, faults, customer):
    def calls():
        return [
            (operation, body.get("ConsistentRead"))
            for operation in ("GetItem", "BatchGetItem", "Query")
            for body in faults.sent[operation]
        ]

    faults.recount()
    known = login(customer.email, "Wrong-Password-123!")
    known_calls = calls()
    faults.recount()
    unknown = login(factories.email(), "Wrong-Password-123!")

    assert (known.status, unknown.status) == (401, 401)
    assert known.json["error"] == unknown.json["error"]
    assert calls() == known_calls
    assert [flag for operation, flag in known_calls if operation == "GetItem"] == [True, True]
