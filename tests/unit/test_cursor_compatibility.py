"""A cursor stays valid from one release to the next. During a canary (docs/DEPLOY.md: 10% of
a function's traffic on the new version for 5 minutes) a client's next page may be answered
by either version, so a release that derived the cursor key or signed the scope differently
would turn those requests into 400 INVALID_CURSOR for clients in the middle of a list."""

from __future__ import annotations

import pytest

from shop import cursors
from shop.errors import InvalidCursor
from tests.conftest import reset_shop_caches

SECRET = "r" * 40
SCOPE = "gsi1|product"
KEY = {"id": "p1", "type": "product", "gsi1pk": "product", "gsi1sk": "2026-11-22T10:00:00.000Z#p1"}
# Issued for SECRET and SCOPE by every release so far: the key derivation and the signed
# message are unchanged since the first one (docs/DATA_MODEL.md, "Cursors").
ISSUED_BY_EARLIER_RELEASES = (
    "eyJnc2kxcGsiOiJwcm9kdWN0IiwiZ3NpMXNrIjoiMjAyNi0xMS0yMlQxMDowMDowMC4wMDBaI3AxIiwiaWQiOiJwMSIsInR5cGUiOiJwcm9kdWN0In0"
    ".S-ZqH0xHi33EZK7IPumueZo4WerREYLNW4qfoC4oWpY"
)


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.delenv("JWT_SECRET_PREVIOUS", raising=False)
    reset_shop_caches()
    yield
    reset_shop_caches()


def test_a_cursor_an_earlier_release_issued_still_pages(secret):
    assert cursors.decode(ISSUED_BY_EARLIER_RELEASES, SCOPE, tuple(KEY)) == KEY


def test_the_same_cursor_under_another_secret_is_refused(secret, monkeypatch):
    monkeypatch.setenv("JWT_SECRET", "s" * 40)
    reset_shop_caches()
    with pytest.raises(InvalidCursor):
        cursors.decode(ISSUED_BY_EARLIER_RELEASES, SCOPE, tuple(KEY))
