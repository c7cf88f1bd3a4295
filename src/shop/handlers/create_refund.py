"""Refund an order

Admin only. Gives back `amount` (without it: everything not yet refunded) of the order's charge
through the provider that charged it. The refund is reserved on the order before the provider is
asked, so concurrent refunds never exceed the charge; with an `Idempotency-Key` a retry is the same
refund (`Idempotent-Replayed: true`), never a second one. If the provider cannot be reached the
refund is `pending` and is asked again until it succeeds.
"""

from ..edge import Example, Request, created, endpoint
from ..schemas import RefundRequestSchema
from ..services import refunds
from ..storage import storage


@endpoint(
    auth="admin",
    body=RefundRequestSchema,
    status=201,
    response="RefundEnvelope",
    idempotency_key=True,
    errors={
        404: "No such order (`NOT_FOUND`).",
        409: "More than is left of the charge (`REFUND_EXCEEDS_PAYMENT`), or the order has no successful "
        "charge or nothing left of it (`NOTHING_TO_REFUND`).",
    },
    who="admin: part or all of the order's charge back",
    # The examples' world has the customer's order pending (src/shop/examples.py): nothing was
    # charged yet, so the route reads the order and answers 409 NOTHING_TO_REFUND.
    example=Example(auth="admin", ids={"id": "order"}, body={"amount": 1}, status=409),
)
def handler(request: Request):
    refund, replayed = refunds.create(storage(), request.path("id"), request.data, request.idempotency_key())
    return created(refund, headers={"Idempotent-Replayed": "true"} if replayed else None)
