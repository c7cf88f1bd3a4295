"""Move an order along its lifecycle

pending → paid → shipped → delivered, and pending|paid → cancelled (which returns the stock). Each move
is a conditional write on the status that was read, and is appended to `statusHistory`.
"""

from ..edge import Example, Request, endpoint
from ..schemas import OrderStatusSchema
from ..services import orders
from ..storage import storage


@endpoint(
    auth="admin",
    body=OrderStatusSchema,
    response="OrderEnvelope",
    errors={
        404: "No such order (`NOT_FOUND`).",
        409: "The move is not allowed from the current status (`INVALID_TRANSITION`).",
    },
    who="admin",
    example=Example(auth="admin", ids={"id": "order"}, body={"status": "paid"}),
)
def handler(request: Request):
    return orders.update_status(storage(), request.user, request.path("id"), request.data["status"])
