"""What tokens.verify refuses, and what it tells the client (docs/API.md, "Token"): the one
canonical base64url spelling, integer time claims, no lifetime past JWT_TTL_SECONDS plus the
leeway, and "Token has expired" (log in again) apart from "Invalid token"."""

from __future__ import annotations

import time
from types import SimpleNamespace

import jwt
import pytest

from shop import tokens
from shop.errors import Unauthorized
from tests.conftest import TEST_SECRET, reset_shop_caches

TTL = 3600  # JWT_TTL_SECONDS' default
LONGEST = TTL + tokens.LEEWAY_SECONDS


@pytest.fixture(autouse=True)
def fresh_settings():
    reset_shop_caches()
    yield
    reset_shop_caches()


@pytest.fixture
def now(monkeypatch):
    """tokens' own clock, held still (PyJWT keeps the real one: within its leeway)."""
    fixed = int(time.time())
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: fixed))
    return fixed


def sign(now, **overrides):
    claims = {"sub": "u1", "email": "a@example.com", "role": "customer", "iat": now, "exp": now + 600}
    claims |= {"iss": "shop-api", "aud": "shop-api-clients"} | overrides
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256", headers={"kid": tokens.key_id(TEST_SECRET)})


def refused_as(token):
    with pytest.raises(Unauthorized) as refused:
        tokens.verify(token)
    return refused.value.message


def test_the_control_token_is_accepted(now):
    assert tokens.verify(sign(now)) == tokens.Caller("u1", "a@example.com", "customer")


def test_an_expired_token_says_so(now):
    assert refused_as(sign(now, iat=now - 3600, exp=now - tokens.LEEWAY_SECONDS - 5)) == "Token has expired"


@pytest.mark.parametrize(
    "lifetime",
    [
        lambda now: {"iat": now, "exp": now + LONGEST + 1},  # one second longer than allowed
        lambda now: {"iat": now - 7 * 24 * 3600, "exp": now + 600},  # exp - iat is a week
        lambda now: {"iat": now + 10, "exp": now + 10 + LONGEST},  # exp - iat allowed, exp too far from now
    ],
    ids=["exp-minus-iat-by-a-second", "a-week-long", "exp-past-now-plus-the-longest"],
)
def test_no_token_lives_longer_than_the_ttl_and_the_leeway(now, lifetime):
    assert refused_as(sign(now, **lifetime(now))) == "Invalid token"


def test_the_longest_lifetime_is_accepted_to_the_second(now):
    assert tokens.verify(sign(now, iat=now, exp=now + LONGEST)).user_id == "u1"


@pytest.mark.parametrize(
    "times",
    [
        lambda now: {"exp": str(now + 600)},
        lambda now: {"iat": float(now)},
        lambda now: {"iat": str(now)},
        lambda now: {"nbf": str(now)},
    ],
    ids=["exp-string", "iat-float", "iat-string", "nbf-string"],
)
def test_time_claims_must_be_json_integers(now, times):
    assert refused_as(sign(now, **times(now))) == "Invalid token"


def test_an_integer_nbf_is_accepted(now):
    assert tokens.verify(sign(now, nbf=now)).user_id == "u1"


def _flip_unused_bits(segment):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    unused = {2: 4, 3: 2}[len(segment) % 4]
    return segment[:-1] + alphabet[alphabet.index(segment[-1]) ^ ((1 << unused) - 1)]


@pytest.mark.parametrize(
    "respell",
    [
        lambda h, p, s: f"{h}.{p}.{s}=",
        lambda h, p, s: f"{h}=.{p}.{s}",
        lambda h, p, s: f"{h}.{p}.{_flip_unused_bits(s)}",
        lambda h, p, s: f"{h}.{p}.{s}".replace("-", "+").replace("_", "/"),
        lambda h, p, s: f"{h}.{p}.{s}.{s}",
        lambda h, p, s: f"{h}.{p}.{s}!",
    ],
    ids=["sig-pad", "header-pad", "sig-unused-bits", "sig-std-alphabet", "four-segments", "stray-character"],
)
def test_only_the_canonical_spelling_verifies(now, respell):
    token = next(t for t in (sign(now, jti=str(i)) for i in range(200)) if {"-", "_"} & set(t.split(".")[2]))
    if len(token.split(".")[2]) % 4 == 0:  # no unused bits to flip in a whole last quantum
        token = next(t for t in (sign(now, jti=f"x{i}") for i in range(200)) if len(t.split(".")[2]) % 4)
    spelled = respell(*token.split("."))
    assert spelled != token
    assert refused_as(spelled) == "Invalid token"
    assert tokens.verify(token).user_id == "u1"


@pytest.mark.parametrize(
    "forge",
    [
        lambda now: jwt.encode({"sub": "u1"}, TEST_SECRET, algorithm="HS256", headers={"kid": "unknown"}),
        lambda now: jwt.encode(
            {"sub": "u1"}, TEST_SECRET, algorithm="HS512", headers={"kid": tokens.key_id(TEST_SECRET)}
        ),
        lambda now: sign(now, aud="someone-else"),
        lambda now: sign(now, role="superuser"),
        lambda now: sign(now, email=7),
        lambda now: sign(now, sub=7),
    ],
    ids=["unknown-kid", "another-alg", "audience", "role", "email-not-a-string", "sub-not-a-string"],
)
def test_every_other_refusal_says_invalid_token(now, forge):
    assert refused_as(forge(now)) == "Invalid token"


def test_every_issued_token_has_its_own_id(now):
    """Two logins in the same second get two tokens, each with its own jti (docs/API.md)."""
    issued = [tokens.issue("u1", "a@example.com", "customer") for _ in range(2)]
    ids = [jwt.decode(t, TEST_SECRET, algorithms=["HS256"], audience="shop-api-clients")["jti"] for t in issued]
    assert issued[0] != issued[1] and ids[0] != ids[1]
