from ..edge import Reply, Request, endpoint, page
from ..repository import repository
from ..schemas import PageQuerySchema
from ..services import orders

_schema = PageQuerySchema()


@endpoint(auth="user")
def handler(request: Request) -> Reply:
    query = request.params(_schema)
    return page(orders.list_page(repository(), request.user, query["limit"], query.get("cursor")), query["limit"])
