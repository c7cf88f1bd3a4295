"""Add a product to the catalogue

Server fields (`id`, `createdAt`, `updatedAt`) and unknown fields are a 400.
"""

from ..edge import Request, endpoint
from ..schemas import ProductCreateSchema
from ..services import products
from ..storage import storage


@endpoint(auth="admin", body=ProductCreateSchema, status=201, response="ProductEnvelope")
def handler(request: Request):
    return products.create(storage(), request.data)
