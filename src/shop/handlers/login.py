"""Sign in

Unknown email and wrong password get the same 401, in about the same time.
"""

from ..edge import Example, Request, endpoint
from ..schemas import LoginSchema
from ..services import auth
from ..storage import storage


@endpoint(
    body=LoginSchema,
    response="SessionEnvelope",
    rate_limit="login",
    errors={
        401: "Unknown email or wrong password (`UNAUTHORIZED`, `Invalid credentials`).",
        429: "Five failed logins for this email from this address in 15 minutes; 50 for this email from "
        "everywhere, unless a login for it succeeded from this address lately; or too many logins from "
        "this address (`TOO_MANY_REQUESTS`); `Retry-After` says when to try again.",
    },
    who="anyone",
    example=Example(body={"email": "<customer>", "password": "<password>"}),  # nosec B105  # a placeholder the example world fills in
)
def handler(request: Request):
    return auth.login(storage(), source_ip=request.source_ip, **request.data)
