"""GET /openapi.json and GET /docs on the local server only (never a Lambda route).

/docs is Swagger UI from the pinned npm package swagger-ui-dist, served from
node_modules/ (`npm ci`), so the page needs no CDN.
"""

from __future__ import annotations

import functools
import mimetypes
import uuid
from pathlib import Path

from werkzeug.wrappers import Request, Response

from . import openapi
from .serverless_config import ROOT

SWAGGER_UI = ROOT / "node_modules" / "swagger-ui-dist"
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})
# The page loads only its own files; Swagger UI sets inline styles, nothing else inline.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Shop API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
"""
INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
  tryItOutEnabled: false
});
"""


@functools.cache
def _document() -> dict:
    return openapi.build()


def spec_for(host_url: str) -> str:
    """The spec with this server as its only server, so "Try it out" calls it."""
    document = dict(_document())
    document["servers"] = [{"url": host_url.rstrip("/"), "description": "this local server"}]
    return openapi.render(document)


def _reply(body: str | bytes, mimetype: str, csp: str = DOCS_CSP, status: int = 200) -> Response:
    response = Response(body, status, mimetype=mimetype)
    response.headers.update(
        {
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "X-Request-Id": str(uuid.uuid4()),
        }
    )
    return response


def respond(request: Request) -> Response | None:
    """The response for a docs path, or None to let the API route the request."""
    path = request.path.rstrip("/") or "/"
    if request.method not in ("GET", "HEAD"):
        return None
    if path == "/openapi.json":
        return _reply(spec_for(request.host_url), "application/json", csp="default-src 'none'")
    if path == "/docs":
        if not (SWAGGER_UI / "swagger-ui-bundle.js").exists():
            return _reply("Swagger UI is not installed: run `npm ci`.\n", "text/plain", status=503)
        return _reply(PAGE, "text/html")
    if path == "/docs/init.js":
        return _reply(INIT, "text/javascript")
    name = path.removeprefix("/docs/")
    if path.startswith("/docs/") and name in ASSETS:
        asset = Path(SWAGGER_UI / name)
        if asset.exists():
            return _reply(asset.read_bytes(), mimetypes.guess_type(name)[0] or "application/octet-stream")
    return None
