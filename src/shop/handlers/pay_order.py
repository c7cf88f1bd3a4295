"""Pay an order

Charges the order's total through the configured provider (`fake` locally, `stripe` for real
money). Success answers the order, now `paid`, with its `payment`. A decline is a 402 and the order
stays `pending`, to be paid with another method. A retry, with the same `Idempotency-Key` or racing
the first request, never charges twice.
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
        409: "The order is not pending (`INVALID_TRANSITION`).",
    },
    who="the order's owner",
    example=Example(auth="customer", ids={"id": "order"}, body={"paymentMethod": "pm_card_visa"}),
)
def handler(request: Request):
    order, replayed = payments.pay(storage(), request.user, request.path("id"), request.data, request.idempotency_key())
    return ok(order, headers={"Idempotent-Replayed": "true"} if replayed else None)
