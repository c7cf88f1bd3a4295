"""Customer notifications: one email per order event that mails (docs/EVENTS.md), however
many times its message arrives.

A delivery record per event id is claimed by one conditional write before SES is called
and marked sent after; an SES failure releases it, so the retry sends. A sender that died
between the two leaves a claim that goes stale after STALE_CLAIM_SECONDS (longer than the
function's timeout), and a later delivery takes it over.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import TYPE_CHECKING, Any

from .. import order_emails
from ..log import logger
from ..storage.notifications import CLAIMED, SENT

if TYPE_CHECKING:  # the storage a service is given (shop.storage.protocol, for the type checker)
    from ..storage.protocol import Storage


STALE_CLAIM_SECONDS = 120
# Longer than a message can live: 4 days in the queue plus 14 in the DLQ before a redrive.
RECORD_TTL_SECONDS = 30 * 24 * 3600
MAILED = frozenset(order_emails.WORDING)


class DeliveryInFlight(RuntimeError):
    """Another delivery of the same event holds its claim: this message is retried later."""


class UnusableEvent(ValueError):
    """A message that is not an order event the notifier knows: it fails every time and
    ends in the dead-letter queue, where someone can look at it."""


def _checked(event: Any) -> dict[str, Any]:
    try:
        ok = (
            isinstance(event, dict)
            and isinstance(event["eventId"], str)
            and event["eventId"]
            and event["type"] in MAILED
            and isinstance(event["order"]["id"], str)
            and isinstance(event["order"]["userId"], str)
        )
    except (KeyError, TypeError):
        ok = False
    if not ok:
        raise UnusableEvent("not a mailed order event")
    checked: dict[str, Any] = event
    return checked


def notify(store: Storage, mailer: Any, event: Any, now: int | None = None) -> str:
    """Email the order's owner about `event`. Returns what happened: "sent", "duplicate"
    (already sent for this event id) or "no-recipient" (the user is gone). Raises
    UnusableEvent, DeliveryInFlight while another delivery of the same event is sending, and
    whatever SES raised (after releasing the claim)."""
    event = _checked(event)
    now = int(time.time()) if now is None else now
    event_id, order = event["eventId"], event["order"]
    token = uuid.uuid4().hex  # this delivery's: a resent claim whose answer was lost is still its own
    try:
        state = store.notifications.claim(event_id, now, now - STALE_CLAIM_SECONDS, now + RECORD_TTL_SECONDS, token)
    except Exception:
        # The claim's outcome is unknown (its answers lost past the retries): if it landed, it is
        # this delivery's, and nobody would send until it went stale. Give it back (ours only).
        with contextlib.suppress(Exception):
            store.notifications.release(event_id, token)
        raise
    if state == SENT:
        return "duplicate"
    if state != CLAIMED:
        raise DeliveryInFlight(event_id)
    try:  # anything failing before the email is out (the recipient's read, SES) releases the claim
        user = store.users.get(order["userId"])
        if user is None:
            store.notifications.mark_sent(event_id, now, "")
            return "no-recipient"
        email = order_emails.render(event, user.name or "customer")
        headers = {"X-Shop-Order-Id": order["id"], "X-Shop-Event-Type": event["type"], "X-Shop-Event-Id": event_id}
        message_id = mailer.send(user.email, email.subject, email.text, email.html, headers)
    except Exception:
        store.notifications.release(event_id, token)
        raise
    try:
        store.notifications.mark_sent(event_id, now, message_id)
    except Exception as error:
        # The email is out: failing the message now would only dead-letter it, or resend the email
        # once the claim went stale. The claim stays held; a duplicate of this event within
        # STALE_CLAIM_SECONDS waits, one after that would send again (an SNS duplicate, rare).
        ids = {"eventId": event_id, "orderId": order["id"], "errorType": type(error).__name__}
        logger.warning("order email sent, its delivery record not marked", extra=ids)  # safe: ids only
    return "sent"
