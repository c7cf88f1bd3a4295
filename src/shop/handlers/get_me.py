"""Get the signed-in user's account

The caller's own id, email, name, role and creation time, read from the table (not from the token).
"""

from ..edge import Request, endpoint
from ..services import accounts
from ..storage import storage


@endpoint(auth="user", response="ProfileEnvelope")
def handler(request: Request):
    return accounts.me(storage(), request.user)
