"""Register a customer account

Creates a `customer` and returns a token for it. The email is trimmed and lower-cased; the password
needs 8 to 72 bytes (UTF-8) with a lower-case letter, an upper-case letter, a digit and a character
that is neither, and must not be a well-known password. Admins are never self-registered.
"""

from ..edge import Example, Request, endpoint
from ..schemas import RegisterSchema
from ..services import auth
from ..storage import storage


@endpoint(
    body=RegisterSchema,
    status=201,
    response="SessionEnvelope",
    rate_limit="register",
    errors={
        409: "The email is already registered (`EMAIL_TAKEN`), compared case-insensitively.",
        429: "Too many registrations from this address in the window (`TOO_MANY_REQUESTS`).",
    },
    who="anyone",
    example=Example(body={"email": "<email>", "password": "<password>", "name": "New Person"}, status=201),  # nosec B105  # a placeholder the example world fills in
)
def handler(request: Request):
    return auth.register(storage(), **request.data)
