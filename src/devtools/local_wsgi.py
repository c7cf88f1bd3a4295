"""What gunicorn runs for `make run` (devtools.runner starts it).

    gunicorn --worker-class devtools.gunicorn_glue.EnvelopeWorker \
        --logger-class devtools.gunicorn_glue.JsonLogger devtools.local_wsgi:app

`app` is the LocalGateway (API Gateway events, exactly as the one-process mode builds them)
on the API's port, and the storefront (web/dist, SPA fallback to index.html) on WEB_PORT,
told apart by the port the connection came in on. Imported by the workers only.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from . import local_routes, provider_faults, serverless_config, site_config
from .serverless_config import ROOT

WEB_DIST = Path(os.environ.get("WEB_DIST") or ROOT / "web" / "dist")


def storefront_policy() -> str:
    """The storefront's CSP: its own files, the API it calls, images from the media URL and any
    https host (a product's imageUrl); no framing, no inline or evaluated script."""
    from urllib.parse import urlsplit

    def origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    api = origin(os.environ.get("LOCAL_API_URL", ""))
    media = origin(os.environ.get("MEDIA_BASE_URL", ""))
    return (
        (
            f"default-src 'self'; script-src 'self'; connect-src 'self' {api}; img-src 'self' data: https: {media}; "
            "style-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
        .replace("  ", " ")
        .replace(" ;", ";")
    )


BUILDING = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5"><title>Building the storefront</title></head>
<body><p>The storefront is being built (make run builds it in the background: about a minute on a
first run). This page reloads itself; the API already answers.</p></body></html>
"""


def building_page() -> Response:
    """What the site's port answers before web/dist exists: 503 with Retry-After, a page that
    reloads itself (make run builds the storefront after the API is up; `make web` by hand)."""
    response = Response(BUILDING, 503, mimetype="text/html")
    response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = storefront_policy()
    return local_routes.with_security_headers(response)


class WebApp:
    """The storefront's built files; any other path that is not a file gets index.html (the
    SPA routes in the browser). Nothing outside web/dist is served; config.json names this
    run's API (devtools.site_config)."""

    def __init__(self, root: Path = WEB_DIST):
        self.root = root.resolve()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.respond(request)(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("Method not allowed\n", 405, {"Allow": "GET, HEAD"}, mimetype="text/plain")
        relative = request.path.lstrip("/")
        if relative == site_config.NAME:  # this run's API address, never a built file's
            response = Response(site_config.local_document(), mimetype="application/json")
            response.headers["Cache-Control"] = "no-store"
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response
        candidate = (self.root / relative).resolve() if relative else self.root / "index.html"
        inside = candidate == self.root or self.root in candidate.parents
        if not (inside and candidate.is_file()):
            candidate = self.root / "index.html"
        if not candidate.is_file():
            return building_page()
        response = Response(
            candidate.read_bytes(), mimetype=mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        )
        response.headers["Cache-Control"] = "no-cache" if candidate.name == "index.html" else "public, max-age=300"
        response.headers["Content-Security-Policy"] = storefront_policy()
        return local_routes.with_security_headers(response)


class LocalApp:
    def __init__(self) -> None:
        from .local_server import LocalGateway

        self.gateway = LocalGateway(serverless_config.routes())
        for route in self.gateway.routes:
            self.gateway.handler_for(route)
        local_routes.table()
        provider_faults.install()  # make soak only (FAULT_SCHEDULE): the fake provider's bad days
        self.web = WebApp()
        self.web_port = int(os.environ.get("WEB_PORT", "5173"))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        try:
            port = sock.getsockname()[1] if sock is not None else None
        except OSError:
            port = None
        if port == self.web_port:
            return self.web(environ, start_response)
        return self.gateway(environ, start_response)


# Built when a worker imports this module (after the fork), with every handler imported, so
# that a new worker answers its first request as fast as the others.
app = LocalApp()
