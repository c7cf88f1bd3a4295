"""Empty the cart

Answers with the empty cart.
"""

from ..edge import Request, endpoint
from ..services import carts
from ..storage import storage


@endpoint(auth="user", response="CartEnvelope")
def handler(request: Request):
    return carts.clear(storage(), request.user)
