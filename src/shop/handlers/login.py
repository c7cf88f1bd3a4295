from ..edge import Reply, Request, endpoint, ok
from ..repository import repository
from ..schemas import LoginSchema
from ..services import auth

_schema = LoginSchema()


@endpoint(rate_limit="login")
def handler(request: Request) -> Reply:
    return ok(auth.login(repository(), **request.body(_schema)))
