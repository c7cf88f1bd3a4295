"""Move an order along its lifecycle

pending → paid → shipped → delivered, and pending|paid → cancelled (which returns the stock). Each move
is a conditional write on the status that was read, and is appended to `statusHistory`. A move to
`shipped` may carry `tracking` (carrier, number, an https url), shown on the order and in its email.
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
    example=Example(auth="admin", ids={"id": "order"}, body={"status": "cancelled"}),
)
def handler(request: Request):
    data = request.data
    return orders.update_status(storage(), request.user, request.path("id"), data["status"], data.get("tracking"))
