"""Get one product"""

from ..edge import Example, Request, endpoint
from ..errors import ProductNotFound
from ..services import products
from ..storage import storage


@endpoint(
    not_found=ProductNotFound,
    response="ProductEnvelope",
    errors={404: "No product with this id (`PRODUCT_NOT_FOUND`)."},
    who="anyone",
    example=Example(ids={"id": "product"}),
)
def handler(request: Request):
    return products.get(storage(), request.path("id"))
