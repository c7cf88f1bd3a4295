"""Receive or reject a return

Admin only. `POST .../receive` `{restock}`: the units arrived; the return's amount (at most what is
left of the charge) is refunded through the provider that charged, and with `restock: true` its
units go back in stock, in the same transaction as the order's write, once: a retry (or a second
admin at the same moment) refunds and restocks nothing more. `POST .../reject` `{reason}`: refused.
Answers with the order, its `returns` and `refunds`.
"""

from ..edge import Example, Request, endpoint
from ..schemas.returns import ReturnDecisionSchema
from ..services import returns
from ..storage import storage


@endpoint(
    auth="admin",
    body=ReturnDecisionSchema,
    response="OrderEnvelope",
    errors={
        400: "`receive` without `restock` or with `reason`, `reject` without `reason` or with `restock` "
        "(`VALIDATION_ERROR`).",
        404: "No such order, return or action (`NOT_FOUND`): the action is `receive` or `reject`.",
        409: "The return was already decided the other way (`INVALID_TRANSITION`).",
    },
    who="admin: a return received (refund, optional restock) or rejected",
    # The examples' world has no return: the route reads the order and answers 404.
    example=Example(
        auth="admin",
        ids={"id": "order", "returnId": "order"},
        fixed={"action": "receive"},
        body={"restock": True},
        status=404,
    ),
)
def handler(request: Request):
    path = request.path
    return returns.decide(storage(), path("id"), path("returnId"), path("action"), request.data)
