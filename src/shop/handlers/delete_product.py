from ..edge import Reply, Request, endpoint, ok
from ..repository import repository
from ..services import products


@endpoint(auth="admin")
def handler(request: Request) -> Reply:
    return ok(products.delete(repository(), request.path("id")))
