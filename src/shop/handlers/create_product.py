"""Add a product to the catalogue

Server fields (`id`, `createdAt`, `updatedAt`) and unknown fields are a 400.
"""

from ..edge import Example, Request, endpoint
from ..schemas import ProductCreateSchema
from ..services import products
from ..storage import storage


@endpoint(
    auth="admin",
    body=ProductCreateSchema,
    status=201,
    response="ProductEnvelope",
    who="admin",
    example=Example(
        auth="admin", body={"name": "Kettle", "price": 19.9, "category": "Kitchen", "stock": 3}, status=201
    ),
)
def handler(request: Request):
    return products.create(storage(), request.data)
