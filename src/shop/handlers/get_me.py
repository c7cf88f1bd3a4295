"""Get the signed-in user's account

The caller's own id, email, name, role and creation time, read from the table (not from the token).
"""

from ..edge import Example, Request, endpoint
from ..services import accounts
from ..storage import storage


@endpoint(
    auth="user",
    response="ProfileEnvelope",
    who="signed-in user: own account (`id, email, name, role, createdAt`)",
    example=Example(auth="customer"),
)
def handler(request: Request):
    return accounts.me(storage(), request.user)
