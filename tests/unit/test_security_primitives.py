"""Tokens, cursors, passwords and configuration: the primitives the edge relies on."""

from __future__ import annotations

import time

import jwt
import pytest

from shop import config, cursors, passwords, tokens
from shop.errors import InvalidCursor, Unauthorized
from tests.conftest import TEST_SECRET, reset_shop_caches


@pytest.fixture(autouse=True)
def fresh_settings():
    reset_shop_caches()
    yield
    reset_shop_caches()


def test_issued_tokens_carry_every_required_claim():
    token = tokens.issue("u1", "a@example.com", "customer")
    claims = jwt.decode(token, TEST_SECRET, algorithms=["HS256"], audience="shop-api-clients")
    assert {"sub", "email", "role", "iat", "exp", "iss", "aud", "jti"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 3600
    assert jwt.get_unverified_header(token)["kid"] == tokens.key_id(TEST_SECRET)
    assert tokens.verify(token) == tokens.Caller("u1", "a@example.com", "customer")


def test_rotation_previous_secret_still_verifies(monkeypatch):
    old = tokens.issue("u1", "a@example.com", "customer")
    monkeypatch.setenv("JWT_SECRET_PREVIOUS", TEST_SECRET)
    monkeypatch.setenv("JWT_SECRET", "n" * 40)
    reset_shop_caches()
    assert tokens.verify(old).user_id == "u1"
    new = tokens.issue("u2", "b@example.com", "admin")
    assert tokens.verify(new).role == "admin"
    monkeypatch.delenv("JWT_SECRET_PREVIOUS")
    reset_shop_caches()
    with pytest.raises(Unauthorized):
        tokens.verify(old)


def test_expired_tokens_are_refused_after_the_leeway(monkeypatch):
    monkeypatch.setenv("JWT_TTL_SECONDS", "60")
    reset_shop_caches()
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 60 - tokens.LEEWAY_SECONDS + 5)
    within_leeway = tokens.issue("u1", "a@example.com", "customer")
    monkeypatch.setattr(time, "time", lambda: real_time() - 60 - tokens.LEEWAY_SECONDS - 5)
    expired = tokens.issue("u1", "a@example.com", "customer")
    monkeypatch.setattr(time, "time", real_time)
    assert tokens.verify(within_leeway).user_id == "u1"
    with pytest.raises(Unauthorized, match="expired"):
        tokens.verify(expired)


def test_hs_token_signed_with_another_algorithm_is_refused():
    forged = jwt.encode({"sub": "u1"}, TEST_SECRET, algorithm="HS512", headers={"kid": tokens.key_id(TEST_SECRET)})
    with pytest.raises(Unauthorized):
        tokens.verify(forged)


@pytest.mark.parametrize(("name", "value"), [("JWT_SECRET", "short"), ("JWT_SECRET", ""), ("TABLE_NAME", "")])
def test_missing_or_weak_configuration_stops_start_up(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    reset_shop_caches()
    with pytest.raises(config.ConfigError):
        config.settings()
        config.signing_secrets()


def test_wildcard_cors_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://a.example,*")
    with pytest.raises(config.ConfigError, match="not allowed"):
        config.settings()


@pytest.mark.parametrize(
    ("name", "value"), [("BCRYPT_ROUNDS", "3"), ("BCRYPT_ROUNDS", "twelve"), ("JWT_TTL_SECONDS", "5")]
)
def test_numeric_settings_are_bounded(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError):
        config.settings()


def test_secret_can_come_from_ssm(monkeypatch):
    import boto3
    from moto import mock_aws

    with mock_aws():
        boto3.client("ssm", region_name="us-east-1").put_parameter(
            Name="/shop/test/jwt-secret", Value="s" * 48, Type="SecureString"
        )
        monkeypatch.delenv("JWT_SECRET")
        monkeypatch.setenv("JWT_SECRET_PARAMETER", "/shop/test/jwt-secret")
        reset_shop_caches()
        assert config.signing_secrets() == ("s" * 48, None)
        monkeypatch.setenv("JWT_SECRET_PARAMETER", "/shop/test/missing")
        reset_shop_caches()
        with pytest.raises(config.ConfigError, match="does not exist"):
            config.signing_secrets()


def test_cursor_round_trip_and_scope_binding():
    key = {"id": "p1", "type": "product", "gsi1pk": "product", "gsi1sk": "2026#p1"}
    fields = tuple(key)
    cursor = cursors.encode(key, "gsi1|product")
    assert cursors.decode(cursor, "gsi1|product", fields) == key
    assert cursors.encode(None, "x") is None and cursors.decode(None, "x", fields) is None
    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, "gsi1|user#someone", fields)
    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, "gsi1|product", ("id", "type"))


def test_passwords_hash_and_verify():
    hashed = passwords.hash_password("Corr3ct-Horse")
    assert hashed.startswith("$2b$04$")
    assert passwords.verify_password("Corr3ct-Horse", hashed)
    assert not passwords.verify_password("corr3ct-horse", hashed)
    assert not passwords.verify_password("Corr3ct-Horse", None)
    assert not passwords.verify_password("x" * 100, hashed)
