from ..edge import Reply, Request, endpoint, page
from ..repository import repository
from ..schemas import ProductPageQuerySchema
from ..services import products

_schema = ProductPageQuerySchema()


@endpoint()
def handler(request: Request) -> Reply:
    query = request.params(_schema)
    return page(
        products.list_page(repository(), query.get("category"), query["limit"], query.get("cursor")), query["limit"]
    )
