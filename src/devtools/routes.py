"""The route registry: every function of serverless.yml with what its handler declares.

An HTTP function's handler declares its operation with `@endpoint(...)` (auth, schemas,
status, response, errors, `who` and an `example` request, shop.examples) and says what it
is in its module docstring; a function without a route of its own (a stream, a queue, a
schedule, the fallback) says how it is reached and by whom in `TRIGGER` and `WHO`. Every
list of route facts is generated from here (devtools.generate) or built from it when a
harness runs (the deadline test, the Lambda probe, the cold-start benchmark), so adding a
route means: serverless.yml, the handler, the service (and storage), tests.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from shop.edge import Operation
from shop.examples import Example, fill, path_of

from . import serverless_config


class UndocumentedFunction(RuntimeError):
    """A function whose handler declares no operation, no docstring, no example or no row."""


@dataclass(frozen=True)
class Declared:
    """One function and what its handler declares."""

    function: str
    module: ModuleType
    route: serverless_config.Route | None  # None: no HTTP route of its own
    operation: Operation | None  # None: not an @endpoint
    summary: str
    description: str

    @property
    def example(self) -> Example:
        if self.operation is None or self.operation.example is None:  # declared() refuses an HTTP one
            raise UndocumentedFunction(f"{self.function} declares no example request")
        return self.operation.example

    @property
    def who(self) -> str:
        return getattr(self.module, "WHO", None) or (self.operation.who if self.operation else "")

    @property
    def route_text(self) -> str:
        """`GET /products?category=&limit=&cursor=` (optional `Idempotency-Key`), or its TRIGGER."""
        trigger = getattr(self.module, "TRIGGER", None)
        if trigger or self.route is None or self.operation is None:
            return trigger or ""
        text = f"{self.route.method} {self.route.path}"
        if self.operation.query is not None:
            text += "?" + "&".join(f"{name}=" for name in self.operation.query._declared_fields)
        text = f"`{text}`"
        if self.operation.idempotency_key:
            text += " (optional `Idempotency-Key`)"
        return text


def _module(handler: str) -> tuple[ModuleType, Any]:
    module_name, _, attribute = handler.rpartition(".")
    module = importlib.import_module(module_name.removeprefix("src/").replace("/", "."))
    return module, getattr(module, attribute, None)


def declared(config: dict[str, Any] | None = None) -> list[Declared]:
    """Every function of serverless.yml, in its order, with its declaration; loud when one is missing."""
    config = config or serverless_config.load()
    by_function = {r.function: r for r in serverless_config.routes(config) if r.method != "ANY"}
    found = []
    for name, function in config["functions"].items():
        module, handler = _module(function["handler"])
        operation = getattr(handler, "operation", None)
        route = by_function.get(name)
        text = (module.__doc__ or "").strip()
        summary, _, description = text.partition("\n")
        entry = Declared(name, module, route, operation, summary.strip(), " ".join(description.split()))
        if route is not None:
            if not isinstance(operation, Operation) or not text:
                raise UndocumentedFunction(
                    f"{name}: its handler ({function['handler']}) must be an @endpoint(...) in a module whose "
                    "docstring gives the summary (first line) and the description"
                )
            if operation.example is None or not operation.who:
                raise UndocumentedFunction(
                    f"{name}: declare who may call it and an example request in its @endpoint(who=..., "
                    "example=Example(...)) (shop/examples.py, CONTRIBUTING.md 'Adding an endpoint')"
                )
        elif not getattr(module, "TRIGGER", None) or not getattr(module, "WHO", None):
            raise UndocumentedFunction(
                f"{name}: a function without a route of its own says how it is reached and by whom in "
                "module-level TRIGGER and WHO strings (its row in the routes tables)"
            )
        found.append(entry)
    return found


def http(config: dict[str, Any] | None = None) -> list[Declared]:
    """The functions with a route of their own (not the fallback), in serverless.yml's order."""
    return [entry for entry in declared(config) if entry.route is not None]


@dataclass(frozen=True)
class Request:
    """An example made concrete for one harness's world."""

    method: str
    resource: str
    path: str
    path_params: dict[str, str] | None
    query: dict[str, str] | None
    body: Any
    auth: str | None
    headers: dict[str, str]


def request(entry: Declared, ids: dict[str, str], values: dict[str, Any]) -> Request:
    """`entry`'s example with `ids` ("product" -> its id) for path parameters and `values` for placeholders."""
    if entry.route is None:
        raise UndocumentedFunction(f"{entry.function} has no route of its own: no request to make")
    example = entry.example
    params = {**example.fixed, **{name: ids[record] for name, record in example.ids.items()}}
    return Request(
        method=entry.route.method,
        resource=entry.route.path,
        path=path_of(entry.route.path, params),
        path_params=params or None,
        query=fill(example.query, values),
        body=fill(example.body, values),
        auth=example.auth,
        headers=dict(example.headers),
    )
