"""Bound to ANY on every path: API Gateway sends here only what no route claims,
so this answers CORS preflights (in the edge) and 405 for everything else."""

from ..edge import Reply, Request, endpoint
from ..errors import MethodNotAllowed

# The methods of each path as serverless.yml routes them, for the Allow header of a 405
# (RFC 9110). tests/integration/test_fuzz_findings.py keeps this in step with serverless.yml.
METHODS_BY_PATH = {
    "/auth/register": ("POST",),
    "/auth/login": ("POST",),
    "/products": ("GET", "POST"),
    "/products/{id}": ("GET", "PUT", "DELETE"),
    "/orders": ("GET", "POST"),
    "/orders/{id}": ("GET",),
    "/orders/{id}/cancel": ("POST",),
    "/orders/{id}/status": ("PUT",),
    "/health": ("GET",),
}


@endpoint()
def handler(request: Request) -> Reply:
    resource = request.event.get("resource") or ""
    allow = (*METHODS_BY_PATH.get(resource, ()), "OPTIONS")
    raise MethodNotAllowed(f"{request.event.get('httpMethod')} is not allowed on {resource}", allow=allow)
