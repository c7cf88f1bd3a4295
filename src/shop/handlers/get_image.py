"""Get the state of one product image

`processing` until the upload has been decoded, then `ready` (with its URLs and size) or
`rejected` (with a `reason`: `not_an_image`, `corrupt_image`, `too_many_pixels`, `trailing_data`,
`too_large`, `empty_file`, `not_uploaded`, ...).
"""

from ..edge import Example, Request, endpoint
from ..errors import ProductNotFound
from ..services import images
from ..storage import storage


@endpoint(
    auth="admin",
    not_found=ProductNotFound,
    response="ImageEnvelope",
    errors={404: "No product with this id (`PRODUCT_NOT_FOUND`), or no such image on it (`NOT_FOUND`)."},
    who="admin: processing, ready or rejected",
    example=Example(auth="admin", ids={"id": "product", "imageId": "image"}),
)
def handler(request: Request):
    return images.get(storage(), request.path("id"), request.path("imageId"))
