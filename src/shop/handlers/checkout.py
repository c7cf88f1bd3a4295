"""Turn the cart into an order

One transaction places the order at the catalogue's current prices, takes every line's stock and
empties the cart that was priced; on any failure the cart is untouched. The order waits for its
payment (`payment.status: requires_payment`) and expires unpaid after the payment window. With an
`Idempotency-Key`, a retry returns the same order (201, `Idempotent-Replayed: true`).
"""

from ..edge import Example, Request, created, endpoint
from ..schemas import CheckoutSchema
from ..services import checkout
from ..services.history import shown
from ..storage import storage


@endpoint(
    auth="user",
    body=CheckoutSchema,
    status=201,
    response="OrderEnvelope",
    idempotency_key=True,
    errors={
        404: "A product in the cart was deleted (`PRODUCT_NOT_FOUND`; `details` names the lines).",
        409: "The cart is empty (`CART_EMPTY`), short of stock (`OUT_OF_STOCK`, `details` names the lines), "
        "or its total is not `expectedTotal` (`PRICE_CHANGED`, `details.totalAmount`).",
        422: "The Idempotency-Key was used before for a different request (`IDEMPOTENCY_KEY_REUSED`), or the "
        "total is more than the payment provider can charge (`AMOUNT_NOT_CHARGEABLE`).",
    },
    who="signed-in user: the cart becomes a pending order",
    example=Example(
        auth="customer",
        body={"shippingAddress": "<address>"},
        headers={"Idempotency-Key": "example-checkout"},
        status=201,
    ),
)
def handler(request: Request):
    order, replayed = checkout.checkout(storage(), request.user, request.data, request.idempotency_key())
    # As every other answer shows an order (a replay reads the stored item).
    return created(shown(order), headers={"Idempotent-Replayed": "true"} if replayed else None)
