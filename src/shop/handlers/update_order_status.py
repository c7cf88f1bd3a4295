from ..edge import Reply, Request, endpoint, ok
from ..repository import repository
from ..schemas import OrderStatusSchema
from ..services import orders

_schema = OrderStatusSchema()


@endpoint(auth="admin")
def handler(request: Request) -> Reply:
    status = request.body(_schema)["status"]
    return ok(orders.move(repository(), request.user, request.path("id"), status))
