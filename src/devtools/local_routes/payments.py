"""GET /_local/payments: the `fake` payment provider's ledger on `make run`, oldest first; and
POST /_local/payments/{reference}/authenticate {outcome: "approve" | "decline"}: the bank's 3-D
Secure page, after which the fake sends the API the signed webhook Stripe would send
(payment_intent.succeeded or payment_intent.payment_failed, signed with STRIPE_WEBHOOK_SECRET,
to LOCAL_API_URL/payments/webhook).

The ledger is the SQLite file every API worker shares ($LOCAL_DATA_DIR/payments.sqlite3,
shop.providers.fake), so this lists every charge (and, later, refund) whichever worker made it:
  200 {"success": true, "data": [{reference, orderId, kind, amount, currency, status, createdAt}, ...]}
`?orderId=` narrows the list. With PAYMENT_PROVIDER=stripe there is no local ledger: 404.

The bank's page itself is `GET /_local/payments/{reference}/authenticate?return_url=`, where the
storefront sends the customer (the API's `nextAction.url`): an HTML page with Approve and Decline,
posting the same outcome as a form; the answer then sends the browser back to `return_url` (303),
as Stripe returns a customer to its PaymentIntent's return_url, if it is a page of the storefront
(STOREFRONT_URL: never an open redirect), else it answers the JSON above.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request
import uuid
from html import escape
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

PREFIXES = ("/_local/payments",)


def _reply(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    from shop import jsonio

    return Response(jsonio.dumps(payload), status=status, mimetype="application/json", headers=headers)


def _event(reference: str, settled: dict[str, Any]) -> dict[str, Any]:
    succeeded = settled["status"] == "succeeded"
    intent: dict[str, Any] = {
        "id": reference,
        "object": "payment_intent",
        "amount": settled["amount"],
        "amount_received": settled["amount"] if succeeded else 0,
        "currency": settled["currency"],
        "metadata": {"orderId": settled["orderId"]},
        "status": "succeeded" if succeeded else "requires_payment_method",
    }
    if not succeeded:
        intent["last_payment_error"] = {"type": "card_error", "code": "authentication_required"}
    kind = "payment_intent.succeeded" if succeeded else "payment_intent.payment_failed"
    return {"id": "evt_" + uuid.uuid4().hex[:24], "object": "event", "type": kind, "data": {"object": intent}}


def send(raw: str, signature: str) -> int:
    """POSTs the signed event to the running API, as Stripe would; the API's status, or 0 when it
    gave none. A delivery the API did not take (a 503 during a fault) is Stripe's to retry later,
    not the bank page's failure: the payment was decided either way."""
    url = (os.environ.get("LOCAL_API_URL") or "http://127.0.0.1:3000").rstrip("/") + "/payments/webhook"
    headers = {"Content-Type": "application/json", "Stripe-Signature": signature}
    posted = urllib.request.Request(url, data=raw.encode(), headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(posted, timeout=10) as response:  # noqa: S310  # nosec B310  # the local API
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)
    except OSError:  # cut, or no answer in time
        return 0


def _return_url(wanted: str | None) -> str | None:
    """`wanted` when it is a page of the storefront, else None."""
    storefront = (os.environ.get("STOREFRONT_URL") or "").rstrip("/")
    if not wanted or not storefront or not wanted.startswith(storefront + "/"):
        return None
    return wanted if urlsplit(wanted).netloc == urlsplit(storefront).netloc else None


def _page(status: int, title: str, body: str) -> Response:
    storefront = urlsplit(os.environ.get("STOREFRONT_URL") or "")
    back = f" {storefront.scheme}://{storefront.netloc}" if storefront.netloc else ""
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    policy = f"default-src 'none'; form-action 'self'{back}; frame-ancestors 'none'"
    return Response(html, status=status, mimetype="text/html", headers={"Content-Security-Policy": policy})


def _bank_page(provider: Any, request: Request) -> Response:
    """The stand-in for the bank's 3-D Secure page (GET): what is asked, and two buttons."""
    reference = request.path.split("/")[3]
    waiting = [e for e in provider.ledger() if e["reference"] == reference and e["status"] == "requires_action"]
    if not waiting:
        return _page(404, "Test bank: nothing to confirm", "<p>No payment awaits authentication here.</p>")
    entry = waiting[-1]
    back = _return_url(request.args.get("return_url"))
    hidden = f'<input type="hidden" name="return_url" value="{escape(back)}">' if back else ""
    body = (
        f"<p>The shop asks you to confirm a payment of {escape(str(entry['amount']))} "
        f"{escape(str(entry['currency']).upper())} (<code>{escape(reference)}</code>).</p>"
        "<p>This page stands in for your bank's 3-D Secure check on <code>make run</code>.</p>"
        f'<form method="post">{hidden}<button type="submit" name="outcome" value="approve">Approve</button> '
        '<button type="submit" name="outcome" value="decline">Decline</button></form>'
    )
    return _page(200, "Test bank: confirm the payment", body)


def _authenticate(provider: Any, request: Request) -> Response:
    reference = request.path.split("/")[3]
    form = request.mimetype == "application/x-www-form-urlencoded"
    body = dict(request.form) if form else (request.get_json(silent=True) or {})
    if body.get("outcome") not in ("approve", "decline"):
        error = {"success": False, "error": "outcome must be approve or decline", "code": "VALIDATION_ERROR"}
        return _reply(400, error)
    settled = provider.authenticate(reference, body["outcome"] == "approve")
    if settled is None:
        return _reply(404, {"success": False, "error": "No payment awaits authentication", "code": "NOT_FOUND"})
    raw = json.dumps(_event(reference, settled))
    secret = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    at = int(time.time())
    mac = hmac.new(secret.encode(), f"{at}.{raw}".encode(), hashlib.sha256).hexdigest()
    try:
        delivered = send(raw, f"t={at},v1={mac}")
    except urllib.error.HTTPError as refused:  # say why, rather than drop the connection
        error = {
            "success": False,
            "error": f"The API answered the bank's webhook with HTTP {refused.code}"
            + (": is STRIPE_WEBHOOK_SECRET set?" if refused.code == 503 else ""),
            "code": "WEBHOOK_REFUSED",
        }
        return _reply(502, error)
    back = _return_url(body.get("return_url")) if form else None
    if back is not None:
        return Response(status=303, headers={"Location": back})
    return _reply(200, {"success": True, "data": {**settled, "webhookStatus": delivered}})


def handle(request: Request) -> Response:
    from shop import providers

    if request.method == "POST" and request.path.endswith("/authenticate") and request.path.count("/") == 4:
        provider = providers.provider()
        if not hasattr(provider, "authenticate"):
            return _reply(
                404, {"success": False, "error": "The stripe provider has no local bank", "code": "NOT_FOUND"}
            )
        return _authenticate(provider, request)
    if request.method == "GET" and request.path.endswith("/authenticate") and request.path.count("/") == 4:
        provider = providers.provider()
        if not hasattr(provider, "ledger"):
            return _page(404, "Test bank: nothing to confirm", "<p>The stripe provider has no local bank.</p>")
        return _bank_page(provider, request)
    if request.method != "GET":
        body = {"success": False, "error": "Method not allowed", "code": "METHOD_NOT_ALLOWED"}
        return _reply(405, body, {"Allow": "GET"})
    provider = providers.provider()
    if not hasattr(provider, "ledger"):
        return _reply(
            404, {"success": False, "error": "The stripe provider keeps no local ledger", "code": "NOT_FOUND"}
        )
    entries = provider.ledger()
    wanted = request.args.get("orderId")
    if wanted:
        entries = [entry for entry in entries if entry["orderId"] == wanted]
    return _reply(200, {"success": True, "data": entries})
