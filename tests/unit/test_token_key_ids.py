"""A token an earlier release issued still verifies after a deploy. During a canary
(docs/DEPLOY.md) a client's next request may reach either version, and a rotation keeps the
previous secret only to verify: both work only while every release names a secret by the same
`kid`. The literal below is the `kid` every release so far gives the secret SECRET."""

from __future__ import annotations

import jwt
import pytest

from tests.conftest import reset_shop_caches

SECRET = "k" * 40
KID_OF_EARLIER_RELEASES = "f5e2c047396e3d38"


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.delenv("JWT_SECRET_PREVIOUS", raising=False)
    reset_shop_caches()
    yield SECRET
    reset_shop_caches()


def test_a_token_is_issued_under_the_kid_earlier_releases_gave_its_secret(secret):
    from shop import tokens

    token = tokens.issue("user-1", "ada@example.com", "customer")

    assert jwt.get_unverified_header(token)["kid"] == KID_OF_EARLIER_RELEASES


def test_a_token_an_earlier_release_signed_is_accepted(secret):
    from shop import tokens

    claims = jwt.decode(tokens.issue("user-1", "ada@example.com", "customer"), options={"verify_signature": False})
    earlier = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": KID_OF_EARLIER_RELEASES})

    caller = tokens.verify(earlier)

    assert (caller.user_id, caller.claims_admin) == ("user-1", False)
