"""List products, newest first

One DynamoDB Query on an index per page, never a Scan. `category` matches case-insensitively.
Unknown query parameters are ignored.
"""

from ..edge import Example, Request, endpoint, page
from ..schemas import ProductPageQuerySchema
from ..services import products
from ..storage import storage


@endpoint(query=ProductPageQuerySchema, response="ProductPage", who="anyone", example=Example(query={"limit": "5"}))
def handler(request: Request):
    query = request.params
    return page(
        products.list_page(storage(), query.get("category"), query["limit"], query.get("cursor")), query["limit"]
    )
