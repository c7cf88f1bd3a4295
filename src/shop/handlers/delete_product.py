"""Remove a product

Orders keep their own copy of the name and price. The product's image files are deleted too.
"""

from ..edge import Example, Request, endpoint
from ..errors import ProductNotFound
from ..services import products
from ..storage import storage
from ..storage.media import media


@endpoint(
    not_found=ProductNotFound,
    auth="admin",
    response="DeletedEnvelope",
    errors={404: "No product with this id (`PRODUCT_NOT_FOUND`)."},
    who="admin",
    example=Example(auth="admin", ids={"id": "product"}),
)
def handler(request: Request):
    return products.delete(storage(), request.path("id"), media)
