"""Get one order

The owner sees their order and an admin sees any; for anyone else it does not exist.
"""

from ..edge import Request, endpoint
from ..services import orders
from ..storage import storage


@endpoint(auth="user", response="OrderEnvelope", errors={404: "No such order, or someone else's (`NOT_FOUND`)."})
def handler(request: Request):
    return orders.get(storage(), request.user, request.path("id"))
