"""Return units of a delivered order

The owner asks to send back some units of a `delivered` order, at most `RETURN_WINDOW_DAYS` (30 by
default) after its delivery and at most the units bought less those in earlier returns not rejected.
The return's amount is what the units cost at purchase; it is refunded when the shop receives them.
With an `Idempotency-Key` a retry is the same return (`Idempotent-Replayed: true`), never a second one.
"""

from ..edge import Example, Request, created, endpoint
from ..schemas.returns import ReturnRequestSchema
from ..services import returns
from ..storage import storage


@endpoint(
    auth="user",
    body=ReturnRequestSchema,
    status=201,
    response="ReturnEnvelope",
    idempotency_key=True,
    errors={
        404: "No such order, or someone else's (`NOT_FOUND`).",
        409: "The order is not delivered, or more units than are left to return (`INVALID_TRANSITION`); "
        "delivered longer ago than returns are accepted (`RETURN_WINDOW_CLOSED`).",
    },
    who="the order's owner",
    # The examples' world has the customer's order pending (src/shop/examples.py): not delivered, 409.
    example=Example(
        auth="customer",
        ids={"id": "order"},
        body={"items": [{"productId": "<product>", "quantity": 1}], "reason": "Too small"},
        status=409,
    ),
)
def handler(request: Request):
    shown, replayed = returns.request(
        storage(), request.user, request.path("id"), request.data, request.idempotency_key()
    )
    return created(shown, headers={"Idempotent-Replayed": "true"} if replayed else None)
