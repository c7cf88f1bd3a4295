from ..edge import Reply, Request, endpoint, ok
from ..repository import repository
from ..services import health


@endpoint()
def handler(request: Request) -> Reply:
    return ok(health.check(repository()))
