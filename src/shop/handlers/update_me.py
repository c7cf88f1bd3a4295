"""Change the signed-in user's name

The name is trimmed and must be 2 to 50 characters, as at registration; the answer is the whole account.
"""

from ..edge import Example, Request, endpoint
from ..schemas import ProfileUpdateSchema
from ..services import accounts
from ..storage import storage


@endpoint(
    auth="user",
    body=ProfileUpdateSchema,
    response="ProfileEnvelope",
    who="signed-in user: own name",
    example=Example(auth="customer", body={"name": "Renamed Person"}),
)
def handler(request: Request):
    return accounts.rename(storage(), request.user, request.data["name"])
