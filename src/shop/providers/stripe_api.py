"""The stripe provider, on the official `stripe` library, and the webhook signature check.

One PaymentIntent per order: it is created with an idempotency key derived from the order alone
(so every attempt finds the same intent) and confirmed with the method under a key derived from
the order and the method (so a retry of one attempt never charges twice, while a declined order
can still be paid with another method). Amounts go in the currency's minor unit, with `metadata.orderId`.

Nothing in this project talks to Stripe: the tests point the library at a local stand-in for its
API (tests/stripe_standin.py) through STRIPE_API_BASE.
"""

from __future__ import annotations

import time
from typing import Any

import stripe

from ..money import from_minor_units
from .base import Charge, Outcome, ProviderUnavailable, RefundOutcome, RefundRequest, UnknownPaymentMethod

# Two calls of at most 2 s to connect and 5 s to read stay inside the function's 20 s timeout;
# the client's own retry (same idempotency keys) is the retry, not the library's.
TIMEOUT_SECONDS = (2, 5)
WEBHOOK_TOLERANCE_SECONDS = 300


class SignatureRejected(Exception):
    """The webhook's Stripe-Signature does not verify (wrong secret, stale, tampered, absent)."""


class StripeProvider:
    name = "stripe"

    def __init__(self, api_key: str | None, api_base: str | None = None):
        if not api_key:
            self.client = None
            return
        addresses: dict[str, Any] = {"api": api_base} if api_base else {}
        self.client = stripe.StripeClient(
            api_key,
            base_addresses=addresses,  # type: ignore[arg-type]
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
        )

    def charge(self, charge: Charge) -> Outcome:
        if self.client is None:  # no STRIPE_SECRET_KEY (or its parameter): never a default
            raise ProviderUnavailable("stripe secret key is not configured")
        intent_id = None
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": charge.amount_minor,
                    "currency": charge.currency,
                    "metadata": {"orderId": charge.order_id},
                    # Not in stripe 16's typed params (it lists allowed_payment_method_types): sent as
                    # before; whether the API version still takes it is the payments owner's call.
                    "payment_method_types": ["card"],  # type: ignore[typeddict-unknown-key]
                },
                options={"idempotency_key": f"order-{charge.order_id}"},
            )
            intent_id = intent.id
            confirming: Any = {"payment_method": charge.payment_method}
            if charge.return_url:  # 3-D Secure: the bank sends the customer back here
                confirming["return_url"] = charge.return_url
            confirmed = self.client.v1.payment_intents.confirm(
                intent.id,
                params=confirming,
                options={"idempotency_key": charge.idempotency_key},
            )
        except stripe.CardError as declined:
            body: Any = declined.json_body or {}  # the parsed JSON body Stripe answered
            error = body.get("error") or {}
            return Outcome(False, intent_id, error.get("decline_code") or declined.code or "card_declined")
        except stripe.InvalidRequestError as invalid:
            answered: Any = invalid.json_body or {}  # the parsed JSON body Stripe answered
            paid = (answered.get("error") or {}).get("payment_intent") or {}
            if invalid.code == "payment_intent_unexpected_state" and paid.get("status") == "succeeded":
                return Outcome(True, paid.get("id"))  # the order's one intent already took the money
            if invalid.param == "payment_method" or invalid.code == "resource_missing":
                raise UnknownPaymentMethod(charge.payment_method) from None
            raise ProviderUnavailable(type(invalid).__name__) from None
        except stripe.StripeError as failed:  # connection, rate limit, auth, Stripe's 5xx
            raise ProviderUnavailable(type(failed).__name__) from None
        if confirmed.status == "succeeded":
            return Outcome(True, confirmed.id)
        # requires_action (3-D Secure), processing: not paid now; a webhook settles it later.
        # stripe 16's StripeObject is no dict (no .get): read the next action as its JSON says it.
        action = confirmed.to_dict().get("next_action") or {}
        url = (action.get("redirect_to_url") or {}).get("url")
        return Outcome(False, confirmed.id, confirmed.status, url)

    def refund(self, refund: RefundRequest) -> RefundOutcome:
        if self.client is None:
            raise ProviderUnavailable("stripe secret key is not configured")
        return _refund(self.client, refund)

    def release(self, order_id: str) -> str:
        """Cancels the order's PaymentIntents that can still charge (found by `metadata.orderId`
        through Stripe's search). "charged" when one already succeeded."""
        if self.client is None:
            raise ProviderUnavailable("stripe secret key is not configured")
        try:
            for intent in intents_of(self.client, order_id):
                if intent.status == "succeeded":
                    return "charged"
                if intent.status in CANCELLABLE:
                    self.client.v1.payment_intents.cancel(
                        intent.id,
                        params={"cancellation_reason": "abandoned"},
                        options={"idempotency_key": f"cancel-{intent.id}"},
                    )
        except stripe.InvalidRequestError as refused:  # it moved meanwhile (succeeded: Stripe says no)
            if refused.code == "payment_intent_unexpected_state":
                return "charged"
            raise ProviderUnavailable(type(refused).__name__) from None
        except stripe.StripeError as failed:
            raise ProviderUnavailable(type(failed).__name__) from None
        return "released"

    def ledger_of(self, order_id: str) -> list[dict[str, Any]]:
        """The order's charges (its PaymentIntents' amount received) and refunds (listed by intent)."""
        client = self._client()
        entries: list[dict[str, Any]] = []
        try:
            for intent in intents_of(client, order_id):
                currency = str(intent.currency)
                if intent.amount_received:
                    amount = from_minor_units(int(intent.amount_received), currency)
                    entries.append({"orderId": order_id, "kind": "charge", "amount": amount, "status": "succeeded"})
                listed = client.v1.refunds.list(params={"payment_intent": intent.id, "limit": 100})
                for refund in listed.auto_paging_iter():
                    amount = from_minor_units(int(refund.amount), currency)
                    status = str(refund.status)
                    entries.append({"orderId": order_id, "kind": "refund", "amount": amount, "status": status})
        except stripe.StripeError as failed:
            raise ProviderUnavailable(type(failed).__name__) from None
        return entries

    def active_since(self, since: float) -> set[str]:
        """Orders with a PaymentIntent or a Refund created since `since` (by `metadata.orderId`; a
        refund made in Stripe's dashboard, without it, by its PaymentIntent's)."""
        client = self._client()
        created = {"gte": int(since)}
        try:
            intents = client.v1.payment_intents.list(params={"created": created, "limit": 100})
            found = {_order_of(intent) for intent in intents.auto_paging_iter()}
            for refund in client.v1.refunds.list(params={"created": created, "limit": 100}).auto_paging_iter():
                order_id = _order_of(refund)
                if order_id is None and refund.payment_intent:
                    order_id = _order_of(client.v1.payment_intents.retrieve(str(refund.payment_intent)))
                found.add(order_id)
        except stripe.StripeError as failed:
            raise ProviderUnavailable(type(failed).__name__) from None
        return {str(order_id) for order_id in found if order_id}

    def _client(self) -> Any:
        if self.client is None:
            raise ProviderUnavailable("stripe secret key is not configured")
        return self.client


def _order_of(thing: Any) -> str | None:
    """`metadata.orderId` of a PaymentIntent or a Refund (a StripeObject is no dict: its JSON)."""
    order_id = (thing.to_dict().get("metadata") or {}).get("orderId")
    return str(order_id) if order_id else None


# The PaymentIntent statuses a cancel applies to (Stripe: not processing, succeeded, canceled).
CANCELLABLE = frozenset({"requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"})


def intents_of(client: Any, order_id: str) -> list[Any]:
    """The order's PaymentIntents, by Stripe's search on `metadata.orderId` (every page)."""
    query = f"metadata['orderId']:'{order_id}'"  # an order id is a UUID: nothing to escape
    found: list[Any] = []
    page: Any = None
    while True:
        params: Any = {"query": query, "limit": 100, **({"page": page} if page else {})}
        result = client.v1.payment_intents.search(params=params)
        found.extend(result.data)
        if not result.has_more or not result.next_page:
            return found
        page = result.next_page


REFUND_STATUSES = {"succeeded": "succeeded", "pending": "pending", "requires_action": "pending"}


def _refund(client: Any, refund: RefundRequest) -> RefundOutcome:
    """Stripe's Refund.create on the order's PaymentIntent, under the refund's own key."""
    try:
        created = client.v1.refunds.create(
            params={
                "payment_intent": refund.reference,
                "amount": refund.amount_minor,
                "metadata": {"orderId": refund.order_id},
            },
            options={"idempotency_key": refund.idempotency_key},
        )
    except stripe.InvalidRequestError as refused:  # already refunded, more than charged: Stripe says no
        return RefundOutcome("failed", None) if refused.http_status == 400 else _unavailable(refused)
    except stripe.StripeError as failed:
        _unavailable(failed)
    return RefundOutcome(REFUND_STATUSES.get(str(created.status), "failed"), created.id)


def _unavailable(error: Exception) -> RefundOutcome:
    raise ProviderUnavailable(type(error).__name__) from None


def verify(payload: bytes, header: str | None, secret: str) -> None:
    """Stripe's own check: t=<unix>,v1=<HMAC-SHA256 of "<t>.<payload>">, at most 300 s old;
    and, which the library does not check, at most 300 s ahead of this clock."""
    try:
        stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS)
    except (stripe.SignatureVerificationError, UnicodeDecodeError):
        raise SignatureRejected() from None
    stamps = [item.split("=", 1)[1] for item in (header or "").split(",") if item.strip().startswith("t=")]
    if not stamps or not stamps[0].strip().isdigit():  # verify_header read one: it cannot be missing
        raise SignatureRejected()
    if int(stamps[0]) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
        raise SignatureRejected()
