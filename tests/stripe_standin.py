"""A local HTTP stand-in for Stripe's API: the few PaymentIntent and Refund endpoints the stripe
provider calls (create, confirm with 3-D Secure, cancel, search by metadata; refunds, listed),
answering with the shapes Stripe documents, and recording what the library sent.

This is NOT Stripe and nothing in this project talks to Stripe: the tests point the official
`stripe` library at this server (STRIPE_API_BASE) to check the provider's requests for real
(form fields, amount in cents, currency, metadata, the Idempotency-Key header, the bearer key)
and its handling of Stripe's success and decline answers.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

API_KEY = "sk_test_standin_" + uuid.uuid4().hex
DECLINES = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": ("card_declined", "insufficient_funds"),
}
SUCCEEDING = {"pm_card_visa", "pm_card_mastercard"}
AUTHENTICATING = "pm_card_authenticationRequired"  # 3-D Secure: requires_action until the bank answers


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class StripeStandIn:
    requests: list[Seen] = field(default_factory=list)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    replies: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # by Idempotency-Key
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        if seen.headers.get("authorization") != f"Bearer {API_KEY}":
            return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}
        form_body = seen.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        if seen.method == "POST" and not form_body:
            return 400, {"error": {"type": "invalid_request_error", "message": "form-encoded bodies only"}}
        key = seen.headers.get("idempotency-key")
        with self.lock:
            if key and key in self.replies:  # Stripe replays the first answer to a key
                return self.replies[key]
            reply = self._route(seen)
            if key:
                self.replies[key] = reply
            return reply

    def _route(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        form = {k: v[0] for k, v in seen.form.items()}
        parts = seen.path.split("?", 1)[0].strip("/").split("/")
        if seen.method == "POST" and parts == ["v1", "payment_intents"]:
            intent = {
                "id": "pi_" + uuid.uuid4().hex[:24],
                "object": "payment_intent",
                "amount": int(form["amount"]),
                "amount_received": 0,
                "currency": form["currency"],
                "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
                "payment_method_types": [v for k, v in form.items() if k.startswith("payment_method_types[")],
                "status": "requires_payment_method",
                "created": int(time.time()),
                "client_secret": "pi_secret_" + uuid.uuid4().hex,
                "livemode": False,
                "last_payment_error": None,
            }
            self.intents[intent["id"]] = intent
            return 200, intent
        if (
            seen.method == "POST"
            and len(parts) == 4
            and parts[:2] == ["v1", "payment_intents"]
            and parts[3] == "confirm"
        ):
            intent = self.intents.get(parts[2])
            if intent is None:
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "intent"}}
            method = form.get("payment_method", "")
            if intent["status"] == "succeeded":  # Stripe: a succeeded intent cannot be confirmed again
                error = {
                    "type": "invalid_request_error",
                    "code": "payment_intent_unexpected_state",
                    "message": "This PaymentIntent's status is succeeded.",
                    "payment_intent": intent,
                }
                return 400, {"error": error}
            if method in DECLINES:
                code, decline = DECLINES[method]
                error = {
                    "type": "card_error",
                    "code": code,
                    "decline_code": decline,
                    "message": "Your card was declined.",
                    "payment_intent": {**intent, "status": "requires_payment_method"},
                }
                intent["last_payment_error"] = error
                return 402, {"error": error}
            if method == AUTHENTICATING:
                if "return_url" not in form:  # Stripe: a redirect-based next action needs one when confirming
                    error = {"type": "invalid_request_error", "param": "return_url", "message": "return_url required"}
                    return 400, {"error": error}
                redirect = {"url": f"https://hooks.stripe.invalid/3ds/{intent['id']}", "return_url": form["return_url"]}
                intent.update(
                    status="requires_action", next_action={"type": "redirect_to_url", "redirect_to_url": redirect}
                )
                return 200, intent
            if method not in SUCCEEDING:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "param": "payment_method",
                        "message": f"No such PaymentMethod: '{method}'",
                    }
                }
            intent.update(
                status="succeeded", amount_received=intent["amount"], payment_method="pm_" + uuid.uuid4().hex[:14]
            )
            return 200, intent
        if (
            seen.method == "POST"
            and len(parts) == 4
            and parts[:2] == ["v1", "payment_intents"]
            and parts[3] == "cancel"
        ):
            intent = self.intents.get(parts[2])
            if intent is None:
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "intent"}}
            if intent["status"] in ("succeeded", "processing", "canceled"):
                error = {"type": "invalid_request_error", "code": "payment_intent_unexpected_state"}
                return 400, {"error": {**error, "payment_intent": intent}}
            intent.update(status="canceled", cancellation_reason=form.get("cancellation_reason"), next_action=None)
            return 200, intent
        if seen.method == "GET" and parts == ["v1", "payment_intents", "search"]:
            # Only the one query the provider sends: metadata['orderId']:'<id>'
            wanted = form["query"].split(":", 1)[1].strip("'")
            found = [i for i in self.intents.values() if i["metadata"].get("orderId") == wanted]
            return 200, {
                "object": "search_result",
                "data": found,
                "has_more": False,
                "next_page": None,
                "url": seen.path,
            }
        if seen.method == "GET" and parts[:2] == ["v1", "payment_intents"] and len(parts) == 3:
            intent = self.intents.get(parts[2])
            if intent is None:
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "intent"}}
            return 200, intent
        if seen.method == "GET" and parts[1] in ("payment_intents", "refunds") and len(parts) == 2:
            # Lists: by payment_intent (refunds) and created[gte], one page (has_more false).
            found = list((self.intents if parts[1] == "payment_intents" else self.refunds).values())
            if "payment_intent" in form:
                found = [r for r in found if r["payment_intent"] == form["payment_intent"]]
            if "created[gte]" in form:
                found = [r for r in found if r["created"] >= int(form["created[gte]"])]
            return 200, {"object": "list", "data": found, "has_more": False, "url": f"/v1/{parts[1]}"}
        if seen.method == "POST" and parts == ["v1", "refunds"]:
            intent = self.intents.get(form.get("payment_intent", ""))
            if intent is None:
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "id"}}
            amount = int(form.get("amount", intent["amount_received"]))
            left = intent["amount_received"] - intent.get("amount_refunded", 0)
            if intent["status"] != "succeeded" or not 0 < amount <= left:
                return 400, {"error": {"type": "invalid_request_error", "code": "charge_already_refunded"}}
            intent["amount_refunded"] = intent.get("amount_refunded", 0) + amount
            refund = {
                "id": "re_" + uuid.uuid4().hex[:24],
                "object": "refund",
                "amount": amount,
                "currency": intent["currency"],
                "payment_intent": intent["id"],
                "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
                "status": "succeeded",
                "created": int(time.time()),
            }
            self.refunds[refund["id"]] = refund
            return 200, refund
        return 404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}


def serve() -> tuple[ThreadingHTTPServer, StripeStandIn]:
    """Start the stand-in on a free loopback port; the caller shuts it down."""
    state = StripeStandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            seen = Seen("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, parse_qs(body))
            state.requests.append(seen)
            self._reply(*state.answer(seen))

        def do_GET(self):
            query = self.path.split("?", 1)[1] if "?" in self.path else ""
            seen = Seen("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, parse_qs(query))
            state.requests.append(seen)
            self._reply(*state.answer(seen))

        def _reply(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", "req_" + uuid.uuid4().hex[:14])
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state
