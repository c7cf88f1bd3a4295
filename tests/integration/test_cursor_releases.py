"""A list cursor an earlier release handed out still pages after a deploy: during a canary
(docs/DEPLOY.md: 10% of a function's traffic on the new version for 5 minutes) a client's
next page may be answered by either version. The cursor below is what every release so far
issues for /products under the secret SECRET (the list's scope `gsi1|product` is signed in,
docs/DATA_MODEL.md "Cursors"); see also tests/unit/test_cursor_compatibility.py."""

from __future__ import annotations

from tests.apigw import invoke
from tests.conftest import reset_shop_caches

SECRET = "r" * 40

# Starts after a product created 2026-11-22T10:00:00.000Z with the id "p-earlier".
ISSUED_BY_EARLIER_RELEASES = (
    "eyJnc2kxcGsiOiJwcm9kdWN0IiwiZ3NpMXNrIjoiMjAyNi0xMS0yMlQxMDowMDowMC4wMDBaI3AtZWFybGllciIsImlkIjoicC1l"
    "YXJsaWVyIiwidHlwZSI6InByb2R1Y3QifQ.MtcUfRpdNo6WMzziLGt1dY_bL517sstNWmcCLlAhUF4"
)


def test_a_products_cursor_an_earlier_release_issued_still_pages(table, product, monkeypatch, request):
    product()  # newer than the cursor's item: not on the page after it
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.delenv("JWT_SECRET_PREVIOUS", raising=False)
    reset_shop_caches()
    request.addfinalizer(reset_shop_caches)  # no cached SECRET outlives the test

    page = invoke("GET", "/products", query={"limit": "5", "cursor": ISSUED_BY_EARLIER_RELEASES})

    assert page.status == 200, page.body
    assert page.data == [] and page.json["pagination"]["nextCursor"] is None
