"""Empty the cart

Answers with the empty cart.
"""

from ..edge import Example, Request, endpoint
from ..services import carts
from ..storage import storage


@endpoint(auth="user", response="CartEnvelope", who="signed-in user", example=Example(auth="customer"))
def handler(request: Request):
    return carts.clear(storage(), request.user)
