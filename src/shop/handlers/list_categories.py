"""List categories

Every category of the catalogue with its number of products, most products first.
Categories differing only in case are one (as in `GET /products?category=`). Answered from
the search index, never a Scan of the table.
"""

from ..edge import Example, Request, endpoint
from ..search import snapshots
from ..services import search


@endpoint(response="CategoryList", who="anyone: every category with its product count", example=Example())
def handler(request: Request):
    return search.categories(snapshots.current())
