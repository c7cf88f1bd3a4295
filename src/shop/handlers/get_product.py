from ..edge import Reply, Request, endpoint, ok
from ..repository import repository
from ..services import products


@endpoint()
def handler(request: Request) -> Reply:
    return ok(products.get(repository(), request.path("id")))
