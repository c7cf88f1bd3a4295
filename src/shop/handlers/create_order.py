from ..edge import Reply, Request, created, endpoint
from ..repository import repository
from ..schemas import OrderCreateSchema
from ..services import orders

_schema = OrderCreateSchema()


@endpoint(auth="user")
def handler(request: Request) -> Reply:
    key = request.idempotency_key()
    order, replayed = orders.place(repository(), request.user, request.body(_schema), key)
    return created(order, headers={"Idempotent-Replayed": "true"} if replayed else None)
