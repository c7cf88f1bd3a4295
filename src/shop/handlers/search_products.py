"""Search products

Full-text search over the catalogue's names, descriptions and categories, with typo
tolerance (one edit for words of 4 to 7 characters, two for 8 or more) and the last word
matched as a prefix; ranked by relevance (a name match above a description match) unless
`sort` says otherwise. `facets` and `total` count the whole result, not the page. Answered
from the search index, fed by the table's stream: a change shows within seconds.
"""

from ..edge import Example, Request, endpoint, page
from ..schemas.search import SearchQuerySchema
from ..search import snapshots
from ..services import search


@endpoint(
    query=SearchQuerySchema,
    response="SearchPage",
    who="anyone: full text with typos, facets (docs/SEARCH.md)",
    example=Example(query={"q": "lamp", "limit": "5"}),
)
def handler(request: Request):
    found = search.search(snapshots.current(), request.params)
    return page(found, request.params["limit"], extra={"facets": found.facets, "total": found.total})
