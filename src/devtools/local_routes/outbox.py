"""GET /_local/outbox: the emails the notifier sent on `make run`, newest first.

They are never delivered: SES is the local AWS endpoint's (moto), which keeps every sent
message. This route reads them from moto's backend, over HTTP from the endpoint named by
AWS_ENDPOINT_URL_SES (`/moto-api/data.json`, so it works from any process), or directly
when moto runs in this process (the tests). Each is parsed back from its MIME source:
  200 {"success": true, "data": [{to, subject, text, orderId, eventType, sentAt}, ...]}
`?to=` and `?orderId=` narrow the list.

moto keeps them in memory only, so `make run` keeps them across a restart as it keeps the table:
at its stop, `keep()` adds the messages of that run to LOCAL_DATA_DIR/outbox.json, which this
route reads before the live ones (`make reset` and FRESH=1 clear it).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import urllib.request
from email.utils import parsedate_to_datetime
from typing import Any

from werkzeug.wrappers import Request, Response

PREFIXES = ("/_local/outbox",)


KEPT = "outbox.json"


def _kept() -> list[str]:
    folder = os.environ.get("LOCAL_DATA_DIR")
    path = os.path.join(folder, KEPT) if folder else None
    if path and os.path.exists(path):
        with open(path) as kept:
            return list(json.load(kept))
    return []


def keep(folder: str) -> int:
    """Add this run's messages to the kept ones (at make run's stop); how many were added."""
    live = _live_messages()
    if live:
        path = os.path.join(folder, KEPT)
        os.environ.setdefault("LOCAL_DATA_DIR", folder)
        merged = _kept() + live
        with open(path + ".tmp", "w") as out:
            json.dump(merged, out)
        os.replace(path + ".tmp", path)
    return len(live)


def _raw_messages() -> list[str]:
    """The MIME source of every message sent, oldest first: the kept runs', then this one's."""
    return _kept() + _live_messages()


def _live_messages() -> list[str]:
    """The MIME source of every message sent through moto's SES since it started, oldest first."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_SES") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        url = endpoint.rstrip("/") + "/moto-api/data.json"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  # nosec B310  # the local moto endpoint
            models = json.load(response)
        return [message["raw_data"] for message in models.get("ses", {}).get("RawMessage", [])]
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import RawMessage, ses_backends

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    sent = ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
    return [message.raw_data for message in sent if isinstance(message, RawMessage)]


def _entry(raw: str) -> dict[str, Any]:
    message = email.message_from_string(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    date = message["Date"]
    return {
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or ""),
        "text": body.get_content() if body is not None else "",
        "orderId": message["X-Shop-Order-Id"],
        "eventType": message["X-Shop-Event-Type"],
        "sentAt": parsedate_to_datetime(date).isoformat().replace("+00:00", "Z") if date else None,
    }


def _reply(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json", headers=headers)


def handle(request: Request) -> Response:
    if request.method != "GET":
        body = {"success": False, "error": "Method not allowed", "code": "METHOD_NOT_ALLOWED"}
        return _reply(405, body, {"Allow": "GET"})
    entries = [_entry(raw) for raw in reversed(_raw_messages())]  # moto appends in send order
    for field in ("to", "orderId"):
        wanted = request.args.get(field)
        if wanted:
            entries = [e for e in entries if (e[field] or "").casefold() == wanted.casefold()]
    return _reply(200, {"success": True, "data": entries})
