"""Receive the payment provider's events

Stripe's scheme, no bearer token: the raw body must verify against `Stripe-Signature` with
`STRIPE_WEBHOOK_SECRET` (at most 300 s old). `payment_intent.succeeded` for a pending order with the
right amount marks it paid; `payment_intent.payment_failed` records the decline. Every event is
handled once per id; the `outcome` says what it did.
"""

from ..edge import Example, Request, endpoint
from ..services import webhooks
from ..storage import storage


@endpoint(
    response="WebhookEnvelope",
    raw_body="A Stripe event (`{id, type, data: {object}}`), exactly as Stripe sent it.",
    signature_header="Stripe-Signature",
    errors={
        400: "The signature does not verify (`INVALID_SIGNATURE`), or the body is not an event (`INVALID_JSON`).",
    },
    who="the payment provider (Stripe's `Stripe-Signature`, no token)",
    example=Example(body={"id": "evt_example", "type": "charge.refunded", "data": {"object": {}}}),
)
def handler(request: Request):
    return webhooks.receive(storage(), request.raw_body(), request.headers.get("stripe-signature"))
