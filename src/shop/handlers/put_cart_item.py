"""Set a cart line's quantity

Adds the product to the cart or changes its quantity (1 to 1000), and answers with the whole cart.
A cart holds at most 50 products and reserves no stock; it disappears 30 days after its last edit.
"""

from ..edge import Example, Request, endpoint
from ..schemas import CartQuantitySchema
from ..services import carts
from ..storage import storage


@endpoint(
    auth="user",
    body=CartQuantitySchema,
    response="CartEnvelope",
    errors={
        404: "The product does not exist (`PRODUCT_NOT_FOUND`).",
        409: "More units than in stock (`OUT_OF_STOCK`), or a 51st product (`CART_FULL`).",
    },
    who="signed-in user",
    example=Example(auth="customer", ids={"productId": "product"}, body={"quantity": 3}),
)
def handler(request: Request):
    return carts.put_line(storage(), request.user, request.path("productId"), request.data["quantity"])
