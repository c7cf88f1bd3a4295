"""Remove a line from the cart

Answers with the cart, also when the product was not in it.
"""

from ..edge import Example, Request, endpoint
from ..services import carts
from ..storage import storage


@endpoint(
    auth="user",
    response="CartEnvelope",
    who="signed-in user",
    example=Example(auth="customer", ids={"productId": "product"}),
)
def handler(request: Request):
    return carts.remove_line(storage(), request.user, request.path("productId"))
