"""Bound to ANY on every path: API Gateway sends here only what no route claims,
so this answers CORS preflights (in the edge) and 405 for everything else."""

from ..edge import Reply, Request, endpoint
from ..errors import MethodNotAllowed


@endpoint()
def handler(request: Request) -> Reply:
    raise MethodNotAllowed(f"{request.event.get('httpMethod')} is not allowed on {request.event.get('resource')}")
