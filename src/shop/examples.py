"""A route's example request (and a narrow response's shape), declared once next to its
handler (`@endpoint(example=..., response=Shape(...))`).

Every harness builds its request for the route from it: the Postman skeletons, the deadline
test, the Lambda probe of the packaged artifact and the cold-start benchmark. They seed the
same small world, so an example speaks of its records by role, never by id:

- `ids` maps each path parameter to a record: `"product"` (in stock, with a ready image),
  `"order"` (the customer's pending order of it), `"image"` (a processing image of the product);
  `fixed` gives a path parameter that names no record as it is (a return's `{action}`);
- strings in `query` and `body` that are a placeholder are replaced: `"<product>"` (its id),
  `"<email>"` (an address never registered), `"<customer>"` (the customer's email),
  `"<password>"` (the seeded accounts' password), `"<address>"` (a shipping address);
- `auth` is who sends it: `None`, `"customer"` (who owns the order and has the product in
  the cart) or `"admin"`;
- `status` is what the route answers in that world (the Lambda probe checks it).

Standard library only: the Lambda package carries it, and the probe reads it there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PLACEHOLDERS = ("<product>", "<email>", "<customer>", "<password>", "<address>")


@dataclass(frozen=True)
class Example:
    auth: str | None = None
    ids: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class Shape:
    """A response whose data is some fields of a shape devtools.api_schemas documents, so a
    narrow read needs no new schema: `response=Shape("Stock", of="Product", only=("id", "stock"))`
    is the envelope `StockEnvelope` around `{id, stock}` as ProductSchema describes them."""

    name: str
    of: str
    only: tuple[str, ...]


def fill(value: Any, values: dict[str, Any]) -> Any:
    """`value` with every placeholder string replaced by `values[placeholder]`, recursively."""
    if isinstance(value, str) and value in PLACEHOLDERS:
        return values[value]
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    return value


def path_of(resource: str, params: dict[str, str]) -> str:
    """`/products/{id}` with `{"id": "p-1"}` is `/products/p-1`."""
    for name, value in params.items():
        resource = resource.replace("{" + name + "}", value)
    return resource
