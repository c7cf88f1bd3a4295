"""Place an order

The server prices every line from the catalogue; a line that carries `price` must match it. Stock is
taken and the order written in one transaction. With an `Idempotency-Key`, a retry of the same request
returns the same order (201, `Idempotent-Replayed: true`) and takes stock once.
"""

from ..edge import Example, Request, created, endpoint
from ..schemas import OrderCreateSchema
from ..services import orders
from ..services.history import shown
from ..storage import storage


@endpoint(
    auth="user",
    body=OrderCreateSchema,
    status=201,
    response="OrderEnvelope",
    idempotency_key=True,
    errors={
        404: "A product does not exist (`PRODUCT_NOT_FOUND`; `details` names every such line).",
        409: "A line's `price` differs from the catalogue (`PRICE_CHANGED`), or there is not enough stock "
        "(`OUT_OF_STOCK`); `details` names every such line.",
        422: "The Idempotency-Key was used before for a different request (`IDEMPOTENCY_KEY_REUSED`), or the "
        "total is more than the payment provider can charge (`AMOUNT_NOT_CHARGEABLE`).",
    },
    who="signed-in user",
    example=Example(
        auth="customer",
        body={"items": [{"productId": "<product>", "quantity": 1}], "shippingAddress": "<address>"},
        headers={"Idempotency-Key": "example-order"},
        status=201,
    ),
)
def handler(request: Request):
    order, replayed = orders.create(storage(), request.user, request.data, request.idempotency_key())
    # As every other answer shows an order (a replay reads the stored item).
    return created(shown(order), headers={"Idempotent-Replayed": "true"} if replayed else None)
