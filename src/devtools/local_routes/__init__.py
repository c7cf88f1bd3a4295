"""HTTP routes of the local server only (never deployed).

Every module in this package defines

    PREFIXES = ("/_local/outbox",)
    def handle(request: werkzeug.wrappers.Request) -> werkzeug.wrappers.Response: ...

and the local server answers a path equal to a prefix, or under it (prefix + "/..."),
before the API's routes. Two modules claiming one prefix stop the start.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable

from werkzeug.wrappers import Request, Response

Handler = Callable[[Request], Response]


@functools.cache
def table() -> tuple[tuple[str, Handler], ...]:
    """(prefix, handle) of every route module, longest prefix first."""
    found: dict[str, Handler] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda entry: entry.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for prefix in module.PREFIXES:
            if not prefix.startswith("/") or prefix.endswith("/"):
                raise ValueError(f"{module.__name__}: a prefix starts with / and does not end with one: {prefix!r}")
            if prefix in found:
                raise ValueError(f"{module.__name__}: prefix {prefix} is claimed twice")
            found[prefix] = module.handle
    return tuple(sorted(found.items(), key=lambda entry: len(entry[0]), reverse=True))


def dispatch(request: Request) -> Response | None:
    """The local route's response, or None when no module claims the path."""
    path = request.path
    for prefix, handle in table():
        if path == prefix or path.startswith(prefix + "/"):
            return with_security_headers(handle(request))
    return None


def with_security_headers(response: Response) -> Response:
    """The API's security headers (shop.envelope.SECURITY_HEADERS) on a local answer, where the
    route has not set its own (the media's caching and CSP)."""
    from shop.envelope import SECURITY_HEADERS

    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
