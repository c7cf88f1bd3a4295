"""API2:2023 Broken Authentication: forged, confused, expired and malformed tokens.

Login guessing is covered in test_login_abuse.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shop import tokens
from tests.apigw import invoke
from tests.conftest import TEST_SECRET

ISSUER, AUDIENCE = "shop-api", "shop-api-clients"


def claims(account, **overrides):
    now = int(time.time())
    base = {"sub": account.user_id, "email": account.email, "role": "customer", "iat": now, "exp": now + 600}
    base.update(iss=ISSUER, aud=AUDIENCE)
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload, key=TEST_SECRET, algorithm="HS256", kid=None):
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid or tokens.key_id(TEST_SECRET)})


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def victim():
    """An account that need not exist: every attack here is refused before any table read
    (and if one were accepted, the missing table would still not make it a 401)."""
    import uuid

    from tests.integration.conftest import Account

    return Account(str(uuid.uuid4()), "victim@example.com", "unused", "unused")


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def refused(token):
    result = invoke("GET", "/orders", token=token)
    assert result.status == 401, result.body
    assert result.code == "UNAUTHORIZED"
    assert result.headers["WWW-Authenticate"] == 'Bearer realm="shop-api"'
    return result


def test_a_well_formed_token_is_accepted(customer):
    assert invoke("GET", "/orders", token=sign(claims(customer))).status == 200


def test_alg_none_is_refused(victim):
    header = {"alg": "none", "typ": "JWT", "kid": tokens.key_id(TEST_SECRET)}
    refused(f"{b64(header)}.{b64(claims(victim))}.")


def test_rs256_token_with_an_attackers_key_is_refused(victim, rsa_key):
    refused(sign(claims(victim), rsa_key, "RS256"))


def test_hs256_signed_with_a_public_key_as_the_secret_is_refused(victim, rsa_key):
    """The classic RS/HS confusion: an HMAC keyed with a PEM public key the attacker knows."""
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": tokens.key_id(TEST_SECRET)}
    signing_input = f"{b64(header)}.{b64(claims(victim))}"
    digest = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    refused(f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}")


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_hmac_algorithms_with_the_right_secret_are_refused(victim, algorithm):
    refused(sign(claims(victim), algorithm=algorithm))


def test_a_token_signed_with_another_secret_is_refused(victim):
    refused(sign(claims(victim), key="another-secret-that-is-long-enough-1234"))


def test_a_tampered_payload_is_refused(victim):
    header, _, signature = sign(claims(victim)).split(".")
    refused(f"{header}.{b64(claims(victim, sub='someone-else'))}.{signature}")


@pytest.mark.parametrize("kid", [None, "", "unknown-kid", "../../etc/passwd"])
def test_a_missing_or_unknown_kid_is_refused(victim, kid):
    header = {"kid": kid} if kid is not None else {}
    refused(jwt.encode(claims(victim), TEST_SECRET, algorithm="HS256", headers=header or None))


def test_expired_tokens_are_refused_past_the_leeway(victim):
    now = int(time.time())
    result = refused(sign(claims(victim, iat=now - 3600, exp=now - tokens.LEEWAY_SECONDS - 5)))
    assert result.json["error"] == "Token has expired"


def test_tokens_issued_in_the_future_are_refused(victim):
    now = int(time.time())
    refused(sign(claims(victim, iat=now + 3600, exp=now + 7200)))


@pytest.mark.parametrize(
    "times",
    [
        lambda now: {"exp": str(now + 600)},
        lambda now: {"iat": str(now)},
        lambda now: {"exp": now + 600.5},
        lambda now: {"iat": float(now)},
        lambda now: {"exp": True},
        lambda now: {"nbf": str(now)},
    ],
    ids=["exp-string", "iat-string", "exp-float", "iat-float", "exp-bool", "nbf-string"],
)
def test_time_claims_must_be_json_integers(customer, times):
    """PyJWT turns "1700000000" into a number; the contract says the claims are integers."""
    refused(sign(claims(customer, **times(int(time.time())))))


@pytest.mark.parametrize(
    "lifetime",
    [
        lambda now: {"iat": now, "exp": 253402300799},  # 9999-12-31
        lambda now: {"iat": now, "exp": now + 3600 + tokens.LEEWAY_SECONDS + 60},
        lambda now: {"iat": now - 7 * 24 * 3600, "exp": now + 600},  # old iat, but exp - iat is a week
    ],
    ids=["year-9999", "ttl-plus-leeway-plus-a-minute", "a-week-long"],
)
def test_a_token_cannot_carry_a_lifetime_longer_than_the_configured_one(customer, lifetime):
    refused(sign(claims(customer, **lifetime(int(time.time())))))


def test_the_longest_allowed_lifetime_is_still_accepted(customer):
    now = int(time.time())
    token = sign(claims(customer, iat=now, exp=now + 3600 + tokens.LEEWAY_SECONDS))
    assert invoke("GET", "/orders", token=token).status == 200


def _flip_unused_bits(segment: str) -> str:
    """Another spelling of the same bytes: the last character's low bits carry no data."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    unused = {2: 4, 3: 2}[len(segment) % 4]  # chars in the last quantum -> bits that carry nothing
    last = alphabet.index(segment[-1])
    return segment[:-1] + alphabet[last ^ ((1 << unused) - 1)]


@pytest.mark.parametrize(
    "respell",
    [
        lambda h, p, s: f"{h}.{p}.{s}=",
        lambda h, p, s: f"{h}.{p}.{s}==",
        lambda h, p, s: f"{h}.{p}=.{s}",
        lambda h, p, s: f"{h}=.{p}.{s}",
        lambda h, p, s: f"{h}.{p}.{_flip_unused_bits(s)}",
        lambda h, p, s: f"{h}.{p}.{s}".replace("-", "+").replace("_", "/"),
    ],
    ids=["sig-pad", "sig-double-pad", "payload-pad", "header-pad", "sig-unused-bits", "sig-std-alphabet"],
)
def test_only_the_canonical_base64url_spelling_of_a_token_verifies(customer, respell):
    # A token whose signature holds "-" or "_" (about 3 in 4 do; JSON segments almost never
    # do), so that every respelling differs from the original.
    token = next(t for t in iter(lambda: sign(claims(customer, jti=str(uuid.uuid4()))), None) if _respellable(t))
    header, payload, signature = token.split(".")
    spelled = respell(header, payload, signature)
    assert spelled != token
    refused(spelled)
    assert invoke("GET", "/orders", token=token).status == 200


def _respellable(token: str) -> bool:
    return bool({"-", "_"} & set(token.split(".")[2]))


@pytest.mark.parametrize(("claim", "value"), [("aud", "someone-else"), ("iss", "evil-issuer")])
def test_wrong_audience_or_issuer_is_refused(victim, claim, value):
    refused(sign(claims(victim, **{claim: value})))


@pytest.mark.parametrize("missing", ["sub", "iss", "aud", "exp", "iat", "email", "role"])
def test_every_required_claim_is_required(victim, missing):
    refused(sign(claims(victim, **{missing: None})))


def test_an_unknown_role_claim_is_refused(victim):
    refused(sign(claims(victim, role="superuser")))


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token abc.def.ghi",
        "Bearer abc",
        "Bearer a.b.c.d.e",
        "Bearer \x00.\x00.\x00",
        "Bearer " + "a" * 5000 + ".b.c",
    ],
)
def test_malformed_authorization_headers_are_401_not_500(header):
    result = invoke("GET", "/orders", headers={"Authorization": header})
    assert result.status == 401 and result.code == "UNAUTHORIZED"


def test_tokens_signed_with_the_previous_secret_verify_during_rotation_only(customer, monkeypatch):
    from tests.conftest import reset_shop_caches

    old = customer.token
    monkeypatch.setenv("JWT_SECRET", "n" * 48)
    reset_shop_caches()
    refused(old)
    monkeypatch.setenv("JWT_SECRET_PREVIOUS", TEST_SECRET)
    reset_shop_caches()
    assert invoke("GET", "/orders", token=old).status == 200
    monkeypatch.undo()
    reset_shop_caches()


def test_cursors_issued_before_a_rotation_still_page_during_it_and_only_then(product, monkeypatch):
    """A session that survives a rotation (its token verifies with JWT_SECRET_PREVIOUS) must be
    able to go on paging: its cursor was signed with the same previous secret."""
    from tests.conftest import reset_shop_caches

    category = f"rotation-{uuid.uuid4().hex[:8]}"
    made = [product(category=category)["id"] for _ in range(3)]
    first = invoke("GET", "/products", query={"category": category, "limit": "1"})
    cursor = first.json["pagination"]["nextCursor"]
    assert cursor and first.data[0]["id"] == made[-1]

    monkeypatch.setenv("JWT_SECRET", "n" * 48)
    monkeypatch.setenv("JWT_SECRET_PREVIOUS", TEST_SECRET)
    reset_shop_caches()
    during = invoke("GET", "/products", query={"category": category, "limit": "1", "cursor": cursor})
    assert during.status == 200, during.body
    assert [p["id"] for p in during.data] == [made[-2]]
    # Cursors handed out during the rotation are signed with the new secret and outlive it.
    fresh = during.json["pagination"]["nextCursor"]

    monkeypatch.delenv("JWT_SECRET_PREVIOUS")
    reset_shop_caches()
    after = invoke("GET", "/products", query={"category": category, "limit": "1", "cursor": cursor})
    assert after.status == 400 and after.code == "INVALID_CURSOR"
    last = invoke("GET", "/products", query={"category": category, "limit": "1", "cursor": fresh})
    assert [p["id"] for p in last.data] == [made[0]]
    monkeypatch.undo()
    reset_shop_caches()


def test_a_demoted_admins_token_stops_working_for_admin_actions_at_once(admin, ddb, table):
    from shop.storage import storage
    from tests import factories

    assert invoke("POST", "/products", body=factories.product_body(), token=admin.token).status == 201
    storage().users.set_role(admin.user_id, "customer")
    result = invoke("POST", "/products", body=factories.product_body(), token=admin.token)
    assert result.status == 403 and result.code == "FORBIDDEN"


def test_a_deleted_admins_token_stops_working_for_admin_actions_at_once(admin, ddb, table):
    from tests import factories

    ddb.delete_item(TableName=table, Key={"id": {"S": admin.user_id}, "type": {"S": "user"}})
    result = invoke("POST", "/products", body=factories.product_body(), token=admin.token)
    # No account, no session: every signed-in request reads the user (docs/SECURITY.md).
    assert result.status == 401 and result.code == "UNAUTHORIZED"
