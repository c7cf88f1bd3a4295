from ..edge import Reply, Request, endpoint, ok
from ..repository import repository
from ..schemas import ProductUpdateSchema
from ..services import products

_schema = ProductUpdateSchema()


@endpoint(auth="admin")
def handler(request: Request) -> Reply:
    return ok(products.update(repository(), request.path("id"), request.body(_schema)))
