"""Change some fields of a product

A partial update: send at least one field. Returns the whole updated product. `stock` sets the count
(a stocktake); `stockDelta` adds to it atomically, so it never loses a concurrent order's decrement.
"""

from ..edge import Example, Request, endpoint
from ..errors import ProductNotFound
from ..schemas import ProductUpdateSchema
from ..services import products
from ..storage import storage


@endpoint(
    not_found=ProductNotFound,
    auth="admin",
    body=ProductUpdateSchema,
    response="ProductEnvelope",
    errors={
        404: "No product with this id (`PRODUCT_NOT_FOUND`).",
        409: "`stockDelta` would take the stock below 0 (`OUT_OF_STOCK`) or above 1,000,000 (`STOCK_LIMIT_REACHED`).",
    },
    who="admin",
    example=Example(auth="admin", ids={"id": "product"}, body={"stockDelta": 1}),
)
def handler(request: Request):
    return products.update(storage(), request.path("id"), request.data)
