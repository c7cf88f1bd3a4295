"""The import graph of src/ keeps the layers (CONTRIBUTING.md, "How the layers divide the work"):
an import never runs from a lower layer to a higher one, no modules import each other in a
circle, and no module of src/shop or src/devtools is over 300 lines.

Every import counts, at module level or inside a function (a lazy import is still a
dependency). The layers of src/shop, top to bottom:

  handlers                     one Lambda function each
  edge                         HTTP: edge.py, envelope.py, inputs.py, schemas.py
  services                     the rules
  adapters                     what speaks to the outside: storage/, providers/, search/, events_topic.py, mail.py
  base                         everything else: config, aws, log, errors, deadline, tokens, limits, ...

src/devtools sits above all of them (it runs the shop locally and may import any of it); the
shop never imports devtools, which is not deployed.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
RANKS = {"base": 0, "adapters": 1, "services": 2, "edge": 3, "handlers": 4, "devtools": 5}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for package in ("shop", "devtools") for p in sorted((SRC / package).rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "devtools":
        return "devtools"
    below = parts[1] if len(parts) > 1 else ""
    if below in ("handlers", "services"):
        return below
    if below in ("edge", "envelope", "inputs", "schemas"):
        return "edge"
    if below in ("storage", "providers", "search", "events_topic", "mail"):
        return "adapters"
    return "base"


def imports_of(module: str, source: str | None = None) -> set[str]:
    """The modules of src/shop and src/devtools that `module` imports (a name imported from a
    package that is a module counts as that module)."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source if source is not None else path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found |= {
                f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules() else target for alias in node.names
            }
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name in modules() and name != module}


def upward(module: str, source: str | None = None) -> list[str]:
    rank = RANKS[layer(module)]
    return sorted(name for name in imports_of(module, source) if RANKS[layer(name)] > rank)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_import_runs_up_a_layer(module):
    assert upward(module) == [], f"{module} ({layer(module)}) imports a higher layer"


def test_no_modules_import_each_other_in_a_circle():
    assert circles({name: imports_of(name) for name in modules()}) == []


def _sized(path: Path):
    return pytest.param(path, id=str(path.relative_to(SRC)))


@pytest.mark.parametrize("path", [_sized(p) for p in modules().values()])
def test_no_module_grows_past_300_lines(path):
    assert len(path.read_text().splitlines()) <= 300, f"{path.name}: split it by what it owns"


def test_the_checks_see_what_they_forbid():
    """A service importing the edge's logger (what three modules did), a storage module importing
    a service, and two modules importing each other are each found."""
    assert upward("shop.services.order_events", "from ..edge import logger") == ["shop.edge"]
    assert upward("shop.storage.orders", "from ..services import orders") == ["shop.services.orders"]
    assert upward("shop.config", "def f():\n    from devtools import seed") == ["devtools.seed"]
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
