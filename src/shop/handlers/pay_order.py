"""Pay an order

Charges the order's total through the configured provider (`fake` locally, `stripe` for real
money). Success answers the order, now `paid`, with its `payment`. A decline is a 402 and the order
stays `pending`, to be paid with another method. One attempt at a time: while one is in flight,
another is a 409 `PAYMENT_IN_PROGRESS`; at most one charge per order, whatever the methods.
"""

from ..edge import Request, endpoint, ok
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
)
def handler(request: Request):
    order, replayed = payments.pay(storage(), request.user, request.path("id"), request.data, request.idempotency_key())
    return ok(order, headers={"Idempotent-Replayed": "true"} if replayed else None)
