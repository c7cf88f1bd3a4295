from ..edge import Reply, Request, endpoint, page
from ..repository import repository
from ..schemas import OrderPageQuerySchema
from ..services import orders

_schema = OrderPageQuerySchema()


@endpoint(auth="user")
def handler(request: Request) -> Reply:
    query = request.params(_schema)
    result = orders.list_page(repository(), request.user, query["limit"], query.get("cursor"), query.get("status"))
    return page(result, query["limit"])
