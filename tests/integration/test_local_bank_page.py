"""The local stand-in for the bank's 3-D Secure page (devtools/local_routes/payments.py), as the
storefront uses it on `make run`: the customer's browser opens `nextAction.url` with a
`return_url`, sees what is asked, presses Approve or Decline (a plain form post), and is sent back
to the storefront (303) once the fake has sent the API its signed webhook. A `return_url` outside
the storefront is never followed (no open redirect). Through the real handlers."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from tests.apigw import invoke
from tests.conftest import ALLOWED_ORIGIN
from tests.integration.test_payments import fake_provider, pay, place

pytestmark = pytest.mark.dynamodb_local

__all__ = ["fake_provider"]


@pytest.fixture
def bank(fake_provider, monkeypatch):
    from devtools.local_routes import payments as route
    from shop import config
    from tests.integration.test_webhook_and_expiry import WEBHOOK_SECRET

    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    config.reset()
    sent = []
    monkeypatch.setattr(  # the webhook reaches the API through its real handler (make run: over HTTP)
        route,
        "send",
        lambda raw, signature: (
            sent.append(invoke("POST", "/payments/webhook", raw_body=raw, headers={"Stripe-Signature": signature}))
            or sent[-1].status
        ),
    )
    route.sent = sent  # type: ignore[attr-defined]
    yield route
    config.reset()


def asked_for_3ds(customer, product):
    order = place(customer.token, product(price=12.5)["id"], 1)
    asked = pay(customer.token, order["id"], "pm_card_authenticationRequired")
    assert asked.status == 202, asked.body
    return order["id"], asked.data["payment"]["nextAction"]["url"]


def open_page(route, url, **query):
    return route.handle(Request(EnvironBuilder(path=url, query_string=query).get_environ()))


def press(route, url, outcome, return_url=None):
    form = {"outcome": outcome, **({"return_url": return_url} if return_url is not None else {})}
    return route.handle(Request(EnvironBuilder(path=url, method="POST", data=form).get_environ()))


def test_the_page_says_what_is_asked_and_approve_returns_the_customer_to_the_storefront(table, customer, product, bank):
    order_id, url = asked_for_3ds(customer, product)
    back = f"{ALLOWED_ORIGIN}/orders/{order_id}?authenticating=1"
    page = open_page(bank, url, return_url=back)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "12.50 USD" in html and '<html lang="en">' in html and "<h1>Test bank: confirm the payment</h1>" in html
    assert f'name="return_url" value="{back}"' in html.replace("&amp;", "&")
    assert 'value="approve"' in html and 'value="decline"' in html
    policy = page.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'") and f"form-action 'self' {ALLOWED_ORIGIN}" in policy

    answered = press(bank, url, "approve", back)
    assert (answered.status_code, answered.headers["Location"]) == (303, back)
    assert [r.status for r in bank.sent] == [200]
    order = invoke("GET", f"/orders/{order_id}", token=customer.token).data
    assert order["status"] == "paid" and order["payment"]["status"] == "succeeded"
    # Once answered, nothing is asked any more.
    assert open_page(bank, url, return_url=back).status_code == 404


def test_decline_returns_the_customer_with_the_order_still_payable(table, customer, product, bank):
    order_id, url = asked_for_3ds(customer, product)
    back = f"{ALLOWED_ORIGIN}/orders/{order_id}?authenticating=1"
    assert press(bank, url, "decline", back).status_code == 303
    order = invoke("GET", f"/orders/{order_id}", token=customer.token).data
    assert order["status"] == "pending" and order["payment"]["status"] == "requires_payment"
    assert order["payment"]["lastDecline"]["reason"] == "authentication_required"


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/orders/1",
        f"{ALLOWED_ORIGIN}.evil.example/orders/1",
        "//evil.example/x",
        "javascript:alert(1)",
    ],
)
def test_a_return_url_outside_the_storefront_is_never_followed(table, customer, product, bank, elsewhere):
    order_id, url = asked_for_3ds(customer, product)
    html = open_page(bank, url, return_url=elsewhere).get_data(as_text=True)
    assert "return_url" not in html and "evil" not in html
    answered = press(bank, url, "approve", elsewhere)
    assert answered.status_code == 200 and "Location" not in answered.headers
    assert invoke("GET", f"/orders/{order_id}", token=customer.token).data["status"] == "paid"


def test_a_page_for_nothing_awaiting_is_a_404_page(table, bank):
    page = open_page(bank, "/_local/payments/pi_fake_unknown/authenticate")
    assert page.status_code == 404 and "nothing to confirm" in page.get_data(as_text=True)


def test_a_webhook_the_api_refuses_is_said_not_dropped(table, customer, product, bank, monkeypatch):
    import io
    import json
    import urllib.error

    def refused(raw, signature):
        raise urllib.error.HTTPError("http://api/payments/webhook", 503, "Service Unavailable", {}, io.BytesIO(b""))

    monkeypatch.setattr(bank, "send", refused)
    _, url = asked_for_3ds(customer, product)
    answered = press(bank, url, "approve", f"{ALLOWED_ORIGIN}/orders/x")
    body = json.loads(answered.get_data())
    assert answered.status_code == 502 and body["code"] == "WEBHOOK_REFUSED"
    assert "STRIPE_WEBHOOK_SECRET" in body["error"]
