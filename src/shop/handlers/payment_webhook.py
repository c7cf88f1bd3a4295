"""Receive the payment provider's events

Stripe's scheme, no bearer token: the raw body must verify against `Stripe-Signature` with
`STRIPE_WEBHOOK_SECRET` (at most 300 s old). `payment_intent.succeeded` for a pending order with the
right amount marks it paid; `payment_intent.payment_failed` records the decline. Every event is
handled once per id; the `outcome` says what it did.
"""

from ..edge import Request, endpoint
from ..services import webhooks
from ..storage import storage


@endpoint(
    response="WebhookEnvelope",
    errors={
        400: "The signature does not verify (`INVALID_SIGNATURE`), or the body is not an event (`INVALID_JSON`).",
        413: "Body over 64 KiB (`PAYLOAD_TOO_LARGE`).",
    },
)
def handler(request: Request):
    return webhooks.receive(storage(), request.raw_body(), request.headers.get("stripe-signature"))
