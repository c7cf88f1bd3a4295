from ..edge import Reply, Request, endpoint, ok
from ..repository import repository
from ..services import orders


@endpoint(auth="user")
def handler(request: Request) -> Reply:
    return ok(orders.cancel(repository(), request.user, request.path("id")))
