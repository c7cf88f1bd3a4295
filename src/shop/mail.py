"""Mail: the one way the shop sends an email (SES, as the configured sender), used by
notifyCustomers for the order emails (their wording: order_emails.py) and by the password-reset
request for its link. The client is made on
first use by shop.aws and kept for warm invocations."""

from __future__ import annotations

import functools
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from . import aws, config


@functools.cache
def _ses(region: str) -> Any:
    return aws.client("ses", region)


class Mailer:
    """SES, sending as the configured address: plain text and HTML in one message."""

    def __init__(self, sender: str | None = None, client: Any = None):
        """`client`: an SES client of the caller's (an HTTP route's, with the request's
        deadline, shop.aws); by default this module's own."""
        self.sender = sender or config.required("SES_SENDER_ADDRESS")
        self.client = client

    def send(self, to: str, subject: str, text: str, html: str, headers: dict[str, str]) -> str:
        """Returns SES's message id."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        for name, value in headers.items():
            message[name] = value
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        response = (self.client or _ses(aws.region())).send_raw_email(
            Source=self.sender, Destinations=[to], RawMessage={"Data": message.as_bytes()}
        )
        return str(response["MessageId"])


def reset() -> None:
    """Forget the cached client (tests and tools change the environment)."""
    _ses.cache_clear()
