"""List your own orders, newest first

A customer gets their own orders, optionally only those in `status`. An admin with `status` gets every
order in that status; without it, their own. Served by one Query on an index.
"""

from ..edge import Example, Request, endpoint, page
from ..schemas import OrderPageQuerySchema
from ..services import orders
from ..storage import storage


@endpoint(
    auth="user",
    query=OrderPageQuerySchema,
    response="OrderPage",
    who="signed-in user, own orders; an admin with `status` sees every order in it",
    example=Example(auth="admin", query={"status": "pending"}),
)
def handler(request: Request):
    query = request.params
    result = orders.list_page(storage(), request.user, query["limit"], query.get("cursor"), query.get("status"))
    return page(result, query["limit"])
