"""Set a new password with a reset token

The token from the reset email, used once: the password (registration's rules) replaces the old
one, and every token issued before, sessions and reset links alike, stops working.
"""

from ..edge import Example, Request, endpoint
from ..schemas import PasswordResetConfirmSchema
from ..services import auth
from ..storage import storage


@endpoint(
    body=PasswordResetConfirmSchema,
    response="PasswordResetEnvelope",
    errors={
        400: "The token is used, expired or not one this service issued (`INVALID_RESET_TOKEN`); "
        "`INVALID_JSON` or `VALIDATION_ERROR` (with `details`) for the body.",
    },
    who="anyone holding a reset token (single use, 30 minutes)",
    # A token this service never issued: the whole path up to the token's read, then a 400.
    example=Example(body={"token": "t" * 43, "password": "<password>"}, status=400),  # nosec B105  # a placeholder the example world fills in
)
def handler(request: Request):
    return auth.confirm_reset(storage(), request.data["token"], request.data["password"])
