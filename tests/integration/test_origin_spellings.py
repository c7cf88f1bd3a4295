"""How an Origin header is matched against the allowlist: the same origin spelled another way
is allowed (and answered with the allowlist's spelling), a lookalike is not."""

from __future__ import annotations

import pytest

from tests.apigw import invoke
from tests.conftest import ALLOWED_ORIGIN


@pytest.mark.parametrize(
    "spelling",
    [ALLOWED_ORIGIN + "/", ALLOWED_ORIGIN + "//", ALLOWED_ORIGIN.upper(), ALLOWED_ORIGIN.upper() + "/"],
)
def test_the_same_origin_with_a_trailing_slash_or_in_capitals_is_answered_in_the_allowlists_spelling(table, spelling):
    result = invoke("GET", "/products", headers={"Origin": spelling})
    assert result.status == 200
    assert result.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "X-Request-Id" in result.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(
    "lookalike",
    [
        ALLOWED_ORIGIN + "X",
        ALLOWED_ORIGIN.upper() + "X/",
        "/" + ALLOWED_ORIGIN,
        ALLOWED_ORIGIN + " ",
        ALLOWED_ORIGIN + ".evil",
    ],
)
def test_an_origin_that_only_starts_like_an_allowed_one_gets_no_cors_headers(table, lookalike):
    result = invoke("GET", "/products", headers={"Origin": lookalike})
    assert result.status == 200
    assert not any(name.startswith("Access-Control-") for name in result.headers)


def test_a_preflight_from_the_origin_with_a_trailing_slash_is_allowed(table):
    result = invoke(
        "OPTIONS", "/orders", headers={"Origin": ALLOWED_ORIGIN + "/", "Access-Control-Request-Method": "POST"}
    )
    assert result.status == 204
    assert result.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
