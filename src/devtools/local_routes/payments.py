"""GET /_local/payments: the `fake` payment provider's ledger on `make run`, oldest first.

The ledger is the SQLite file every API worker shares ($LOCAL_DATA_DIR/payments.sqlite3,
shop.providers.fake), so this lists every charge (and, later, refund) whichever worker made it:
  200 {"success": true, "data": [{reference, orderId, kind, amount, currency, status, createdAt}, ...]}
`?orderId=` narrows the list. With PAYMENT_PROVIDER=stripe there is no local ledger: 404.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

PREFIXES = ("/_local/payments",)


def _reply(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    from shop import jsonio

    return Response(jsonio.dumps(payload), status=status, mimetype="application/json", headers=headers)


def handle(request: Request) -> Response:
    from shop import providers

    if request.method != "GET":
        body = {"success": False, "error": "Method not allowed", "code": "METHOD_NOT_ALLOWED"}
        return _reply(405, body, {"Allow": "GET"})
    provider = providers.provider()
    if not hasattr(provider, "ledger"):
        return _reply(
            404, {"success": False, "error": "The stripe provider keeps no local ledger", "code": "NOT_FOUND"}
        )
    entries = provider.ledger()
    wanted = request.args.get("orderId")
    if wanted:
        entries = [entry for entry in entries if entry["orderId"] == wanted]
    return _reply(200, {"success": True, "data": entries})
