"""Get one order

The owner sees their order and an admin sees any; for anyone else it does not exist.
"""

from ..edge import Example, Request, endpoint
from ..services import orders
from ..storage import storage


@endpoint(
    auth="user",
    response="OrderEnvelope",
    errors={404: "No such order, or someone else's (`NOT_FOUND`)."},
    who="the order's owner, or an admin",
    example=Example(auth="customer", ids={"id": "order"}),
)
def handler(request: Request):
    return orders.get(storage(), request.user, request.path("id"))
