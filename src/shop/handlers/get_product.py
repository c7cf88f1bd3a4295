"""Get one product"""

from ..edge import Request, endpoint
from ..errors import ProductNotFound
from ..services import products
from ..storage import storage


@endpoint(
    not_found=ProductNotFound,
    response="ProductEnvelope",
    errors={404: "No product with this id (`PRODUCT_NOT_FOUND`)."},
)
def handler(request: Request):
    return products.get(storage(), request.path("id"))
