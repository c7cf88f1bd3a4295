"""Register and login through the real handlers on moto."""

from __future__ import annotations

import pytest

from tests import factories
from tests.apigw import invoke
from tests.integration.conftest import register


def get_item(ddb, table, item_id, item_type):
    return ddb.get_item(TableName=table, Key={"id": {"S": item_id}, "type": {"S": item_type}}).get("Item")


def test_register_returns_a_token_and_a_customer_and_stores_only_a_hash(table, ddb):
    email = factories.email()
    result = invoke(
        "POST",
        "/auth/register",
        body={"email": f"  {email.upper()} ", "password": factories.STRONG_PASSWORD, "name": " Ann "},
    )
    assert result.status == 201
    user = result.data["user"]
    assert user == {"userId": user["userId"], "email": email, "name": "Ann", "role": "customer"}
    assert result.data["token"].count(".") == 2
    assert "passwordHash" not in result.body and factories.STRONG_PASSWORD not in result.body
    stored = get_item(ddb, table, user["userId"], "user")
    assert stored["passwordHash"]["S"].startswith("$2b$04$")
    assert get_item(ddb, table, f"email#{email}", "email")["userId"]["S"] == user["userId"]


def test_email_is_unique_case_insensitively(table):
    account = register()
    again = invoke(
        "POST",
        "/auth/register",
        body={"email": account.email.upper(), "password": factories.STRONG_PASSWORD, "name": "Bo"},
    )
    assert again.status == 409
    assert again.code == "EMAIL_TAKEN"


def test_register_reports_every_failing_field(table):
    result = invoke(
        "POST", "/auth/register", body={"email": "not-an-email", "password": "short", "name": "A", "role": "admin"}
    )
    assert result.status == 400
    assert result.code == "VALIDATION_ERROR"
    details = result.json["details"]
    assert set(details) == {"email", "password", "name", "role"}
    assert any("upper-case" in m for m in details["password"])


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("a" * 70 + "A1!", "72 bytes"),
        ("é" * 35 + "Aa1!", "72 bytes"),  # 74 bytes in UTF-8, 39 characters
        ("alllowercase1!", "upper-case"),
        ("NoDigitsHere!", "digit"),
        ("NoSymbols123", "neither"),
        ("Password1!", "common"),
    ],
)
def test_password_rules(table, password, problem):
    result = invoke("POST", "/auth/register", body={"email": factories.email(), "password": password, "name": "Ann"})
    assert result.status == 400
    assert any(problem in message for message in result.json["details"]["password"])


def test_login_gives_the_same_answer_for_unknown_email_and_wrong_password(table):
    account = register()
    ok = invoke("POST", "/auth/login", body={"email": account.email.upper(), "password": account.password})
    assert ok.status == 200
    assert ok.data["user"]["userId"] == account.user_id
    wrong = invoke("POST", "/auth/login", body={"email": account.email, "password": "Wrong-Pass-123"})
    unknown = invoke("POST", "/auth/login", body={"email": factories.email(), "password": "Wrong-Pass-123"})
    assert wrong.status == unknown.status == 401
    assert wrong.json == unknown.json == {"success": False, "error": "Invalid credentials", "code": "UNAUTHORIZED"}


def test_login_with_an_over_long_password_is_refused_not_truncated(table):
    account = register()
    result = invoke("POST", "/auth/login", body={"email": account.email, "password": account.password + "x" * 80})
    assert result.status == 401


def _register(email):
    return invoke("POST", "/auth/register", body={"email": email, "password": factories.STRONG_PASSWORD, "name": "Ann"})


@pytest.mark.parametrize(
    ("look_alike", "plain"),
    [
        ("\uff41dmin-{}@example.com", "admin-{}@example.com"),  # fullwidth a
        ("admin-{}@EXAMPLE.com", "admin-{}@example.com"),
        ("ad\u217fin-{}@example.com", "ad\u006din-{}@example.com"),  # SMALL ROMAN NUMERAL ONE THOUSAND is m
        ("admin-{}@example\uff0ecom", "admin-{}@example.com"),  # fullwidth full stop
        ("\ufb01nance-{}@example.com", "finance-{}@example.com"),  # the fi ligature
    ],
    ids=["fullwidth", "upper-case-domain", "roman-numeral", "fullwidth-dot", "ligature"],
)
def test_look_alike_spellings_are_the_same_account(table, ddb, look_alike, plain):
    tag = factories.email().split("@")[0]
    first = _register(plain.format(tag))
    assert first.status == 201, first.body
    again = _register(look_alike.format(tag))
    assert again.status == 409 and again.code == "EMAIL_TAKEN", again.body
    login = invoke("POST", "/auth/login", body={"email": look_alike.format(tag), "password": factories.STRONG_PASSWORD})
    assert login.status == 200 and login.data["user"]["email"] == plain.format(tag)


@pytest.mark.parametrize(
    "email",
    [
        "admin@\u0435xample.com",  # Cyrillic e among Latin letters
        "admin@ex\u0430mple.com",  # Cyrillic a
        "admin@\u03bfpenai.com",  # Greek omicron
        "\u0430dmin@example.com",  # Cyrillic a in the local part
        "admin@xn--xample-2of.com",  # the same Cyrillic e, sent as its A-label
    ],
    ids=["cyrillic-e-domain", "cyrillic-a-domain", "greek-o-domain", "cyrillic-local", "a-label-mixed"],
)
def test_mixed_script_and_non_ascii_look_alikes_are_refused(table, ddb, email):
    refused = _register(email)
    assert refused.status == 400 and refused.code == "VALIDATION_ERROR", refused.body
    assert "email" in refused.json["details"]
    guard_ids = [email, email.lower()]
    assert all(get_item(ddb, table, f"email#{e}", "email") is None for e in guard_ids)


def test_an_internationalized_domain_is_stored_in_its_idna_form(table, ddb):
    tag = factories.email().split("@")[0]
    created = _register(f"{tag}@B\u00fccher.example")
    assert created.status == 201, created.body
    assert created.data["user"]["email"] == f"{tag}@xn--bcher-kva.example"
    assert get_item(ddb, table, f"email#{tag}@xn--bcher-kva.example", "email") is not None
    assert _register(f"{tag}@xn--bcher-kva.example").code == "EMAIL_TAKEN"
    login = invoke(
        "POST", "/auth/login", body={"email": f"{tag}@b\u00fccher.example", "password": factories.STRONG_PASSWORD}
    )
    assert login.status == 200


def test_a_look_alike_at_login_is_just_a_failed_login(table):
    result = invoke("POST", "/auth/login", body={"email": "admin@\u0435xample.com", "password": "Whatever-1!"})
    assert result.status == 401 and result.code == "UNAUTHORIZED"
