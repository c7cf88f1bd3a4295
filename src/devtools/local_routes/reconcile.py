"""GET /_local/reconcile: the fake provider's ledger against the orders on `make run`
(shop.services.reconcile), for `make reconcile`:
  200 {"success": true, "data": {"differences": [{orderId, status, due, held}, ...]}}
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

PREFIXES = ("/_local/reconcile",)


def handle(request: Request) -> Response:
    from shop import jsonio, providers
    from shop.services import reconcile
    from shop.storage import storage

    if request.method != "GET":
        body = {"success": False, "error": "Method not allowed", "code": "METHOD_NOT_ALLOWED"}
        return Response(jsonio.dumps(body), status=405, mimetype="application/json", headers={"Allow": "GET"})
    provider = providers.provider()
    if not hasattr(provider, "ledger"):
        body = {"success": False, "error": "The stripe provider keeps no local ledger", "code": "NOT_FOUND"}
        return Response(jsonio.dumps(body), status=404, mimetype="application/json")
    differences = [d.as_dict() for d in reconcile.compare(storage(), provider.ledger())]
    return Response(jsonio.dumps({"success": True, "data": {"differences": differences}}), mimetype="application/json")
