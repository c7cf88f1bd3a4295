"""Ask for a password reset link

202 whatever the email: an address with an account gets an email with a link to the storefront's
reset page carrying a single-use token valid 30 minutes. Known and unknown addresses get the same
answer, in the same time. Limited per source address, and in emails per address.
"""

from __future__ import annotations

import functools

from ..edge import Example, Request, endpoint
from ..mail import Mailer
from ..schemas import PasswordResetRequestSchema
from ..services import password_reset
from ..storage import storage


@functools.cache
def _mailer() -> Mailer:
    from .. import aws, config

    return Mailer(client=aws.client("ses", config.settings().region))


@endpoint(
    body=PasswordResetRequestSchema,
    status=202,
    response="AcceptedEnvelope",
    rate_limit="password-reset",
    errors={429: "Too many reset requests from this address in the window (`TOO_MANY_REQUESTS`)."},
    who="anyone: 202 always; an account gets a reset link by email",
    example=Example(body={"email": "<customer>"}, status=202),
)
def handler(request: Request):
    return password_reset.request(storage(), _mailer(), request.data["email"])
