"""Cancel an order and return its stock

The owner may cancel while the order is `pending`; an admin while it is `pending` or `paid`. The status
change and the return of every line's stock are one transaction.
"""

from ..edge import Example, Request, endpoint
from ..services import orders
from ..storage import storage


@endpoint(
    auth="user",
    response="OrderEnvelope",
    errors={
        404: "No such order, or someone else's (`NOT_FOUND`).",
        409: "The order's status does not allow cancelling (`INVALID_TRANSITION`).",
    },
    who="the owner while `pending`, an admin while `pending` or `paid`",
    example=Example(auth="customer", ids={"id": "order"}),
)
def handler(request: Request):
    return orders.cancel(storage(), request.user, request.path("id"))
