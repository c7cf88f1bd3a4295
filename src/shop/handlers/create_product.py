from ..edge import Reply, Request, created, endpoint
from ..repository import repository
from ..schemas import ProductCreateSchema
from ..services import products

_schema = ProductCreateSchema()


@endpoint(auth="admin")
def handler(request: Request) -> Reply:
    return created(products.create(repository(), request.body(_schema)))
