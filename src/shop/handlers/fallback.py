"""Bound to ANY on every path: API Gateway sends here only what no route claims,
so this answers CORS preflights (in the edge) and 405 for everything else."""

import functools
import json
import os

from ..edge import Request, endpoint
from ..errors import MethodNotAllowed

# Its row in the generated routes tables (devtools.routes).
TRIGGER = "`ANY` on every path above"
WHO = "CORS preflight (204) and 405 for methods a path lacks"

# The order an Allow header lists methods in, whatever order serverless.yml routes them in.
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


@functools.cache
def route_methods() -> dict[str, list[str]]:
    """Each path's methods, derived from serverless.yml's routes at package time
    (deploy/plugins/route-fallback.js), for the Allow header a 405 must carry (RFC 9110)."""
    methods: dict[str, list[str]] = json.loads(os.environ.get("ROUTE_METHODS") or "{}")
    return methods


@endpoint()
def handler(request: Request):
    resource = request.event.get("resource") or ""
    allow = (*sorted(route_methods().get(resource, ()), key=METHOD_ORDER.index), "OPTIONS")
    raise MethodNotAllowed(f"{request.event.get('httpMethod')} is not allowed on {resource}", allow=allow)
