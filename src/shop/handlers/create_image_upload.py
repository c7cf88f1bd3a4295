"""Start a product image upload

Returns an S3 presigned POST: send `multipart/form-data` to `upload.url` with every field of
`upload.fields`, then the file as the last field, `file`. The policy pins the key, the content
type and a length of 1 byte to 5 MiB, and expires after 10 minutes. The file is then decoded and
resized in the background; `GET /products/{id}/images/{imageId}` tells when it is ready.
"""

from ..edge import Example, Request, endpoint
from ..errors import ProductNotFound
from ..schemas import ImageUploadSchema
from ..services import images
from ..storage import storage
from ..storage.media import media


@endpoint(
    auth="admin",
    not_found=ProductNotFound,
    body=ImageUploadSchema,
    status=201,
    response="ImageUploadEnvelope",
    errors={
        404: "No product with this id (`PRODUCT_NOT_FOUND`).",
        409: "The product has 10 images already, counting uploads in progress (`TOO_MANY_IMAGES`).",
    },
    who="admin: an S3 presigned POST for one image",
    example=Example(
        auth="admin", ids={"id": "product"}, body={"contentType": "image/png", "contentLength": 2048}, status=201
    ),
)
def handler(request: Request):
    return images.create_upload(storage(), media(), request.path("id"), request.data["contentType"])
