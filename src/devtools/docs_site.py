"""GET /, GET /openapi.json and GET /docs on the local server only (never a Lambda route).

/docs is Swagger UI from the pinned npm package swagger-ui-dist, served from
node_modules/ (`npm ci`), so the page needs no CDN.
"""

from __future__ import annotations

import functools
import html
import mimetypes
import os
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


HOME = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Shop API (local)</title>
</head>
<body>
  <h1>Shop API, local server</h1>
  <ul>
    <li><a href="/docs">/docs</a>: the API, browsable (Swagger UI)</li>
    <li><a href="/openapi.json">/openapi.json</a>: its OpenAPI document</li>
    <li><a href="/health">/health</a>: health check</li>
{storefront}  </ul>
</body>
</html>
"""


def configured_url() -> str:
    """The address the server was started on (never the request's Host header)."""
    return os.environ.get("LOCAL_API_URL") or "http://127.0.0.1:{}".format(os.environ.get("PORT", "3000"))


def home_page() -> str:
    storefront = ""
    web_url = os.environ.get("LOCAL_WEB_URL")
    if web_url:
        storefront = f'    <li><a href="{html.escape(web_url)}">{html.escape(web_url)}</a>: the storefront</li>\n'
    return HOME.format(storefront=storefront)


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
    if request.path == "/":
        return _reply(home_page(), "text/html", csp="default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
    if path == "/openapi.json":
        return _reply(spec_for(configured_url()), "application/json", csp="default-src 'none'")
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
