"""Show the cart with live prices

Names, prices and stock are the catalogue's current ones, joined at read time. A line is `ok`,
`insufficient_stock` (with `availableStock`) or `unavailable` (the product was deleted: the last
known name and price, `lineTotal` 0). `totalAmount` sums the lines that are not unavailable.
"""

from ..edge import Example, Request, endpoint
from ..services import carts
from ..storage import storage


@endpoint(
    auth="user",
    response="CartEnvelope",
    who="signed-in user, own cart (live prices and stock)",
    example=Example(auth="customer"),
)
def handler(request: Request):
    return carts.get(storage(), request.user)
