"""Remove a product image

The image leaves the product first, then its files leave the bucket.
"""

from ..edge import Example, Request, endpoint
from ..errors import ProductNotFound
from ..services import images
from ..storage import storage
from ..storage.media import media


@endpoint(
    auth="admin",
    not_found=ProductNotFound,
    response="DeletedEnvelope",
    errors={404: "No product with this id (`PRODUCT_NOT_FOUND`), or no such image on it (`NOT_FOUND`)."},
    who="admin",
    example=Example(auth="admin", ids={"id": "product", "imageId": "image"}),
)
def handler(request: Request):
    return images.delete(storage(), media(), request.path("id"), request.path("imageId"))
