"""Change the signed-in user's password

The current password is checked like a login (a wrong one is a 401 that counts towards the login
lockout); the new one follows the registration rules. Every token issued before the change stops
working: the answer carries a new token for this client.
"""

from ..edge import Example, Request, endpoint
from ..schemas import PasswordChangeSchema
from ..services import auth
from ..storage import storage


@endpoint(
    auth="user",
    body=PasswordChangeSchema,
    response="SessionEnvelope",
    errors={
        401: "The current password is not right (`UNAUTHORIZED`); it counts towards the login lockout.",
        429: "Too many failed logins or password checks for this account (`TOO_MANY_REQUESTS`); "
        "`Retry-After` says when to try again.",
    },
    who="signed-in user (current password required; older tokens stop working)",
    example=Example(auth="customer", body={"currentPassword": "<password>", "newPassword": "N3w-Horse-Battery!"}),
)
def handler(request: Request):
    data = request.data
    return auth.change_password(
        storage(), request.user, data["currentPassword"], data["newPassword"], source_ip=request.source_ip
    )
