from ..edge import Reply, Request, created, endpoint
from ..repository import repository
from ..schemas import RegisterSchema
from ..services import auth

_schema = RegisterSchema()


@endpoint(rate_limit="register")
def handler(request: Request) -> Reply:
    return created(auth.register(repository(), **request.body(_schema)))
