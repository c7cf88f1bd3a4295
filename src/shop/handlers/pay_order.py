"""Pay an order

Charges the order's total through the configured provider (`fake` locally, `stripe` for real
money). Success answers the order, now `paid`, with its `payment`. A decline is a 402 and the order
stays `pending`, to be paid with another method. A card that needs 3-D Secure answers 202 with
`payment: {status: "requires_action", nextAction: {type: "redirect_to_url", url}}`; the provider's
webhook marks the order paid (or records the decline) once the customer authenticates. One attempt
at a time: while one is in flight, another is a 409 `PAYMENT_IN_PROGRESS`; at most one charge per
order, whatever the methods.
"""

from ..edge import Example, Request, endpoint, ok
from ..schemas import PaymentRequestSchema
from ..services import payments
from ..storage import storage


@endpoint(
    auth="user",
    body=PaymentRequestSchema,
    response="OrderEnvelope",
    idempotency_key=True,
    errors={
        402: "The payment was declined (`PAYMENT_DECLINED`; `details.reason`: `card_declined`, "
        "`insufficient_funds`, ...).",
        404: "No such order, or someone else's (`NOT_FOUND`).",
        409: "The order is not pending (`INVALID_TRANSITION`), another payment of it is in flight "
        "(`PAYMENT_IN_PROGRESS`, with `Retry-After`), or its payment window is over (`ORDER_EXPIRED`).",
        422: "The `Idempotency-Key` was used with another payment method (`IDEMPOTENCY_KEY_REUSED`).",
    },
    who="the order's owner",
    example=Example(auth="customer", ids={"id": "order"}, body={"paymentMethod": "pm_card_visa"}),
)
def handler(request: Request):
    order, replayed = payments.pay(storage(), request.user, request.path("id"), request.data, request.idempotency_key())
    awaiting = order["payment"]["status"] == "requires_action"  # 3-D Secure: payment.nextAction.url
    return ok(order, status=202 if awaiting else 200, headers={"Idempotent-Replayed": "true"} if replayed else None)
