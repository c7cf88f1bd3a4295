"""`make cost`'s pricing (scripts/cost.py) of the capacity units DynamoDB Local measured."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
# What tests/integration/test_capacity_units.py measured (and asserts) on DynamoDB Local.
UNITS = {
    "GET /health": (0.5, 0),
    "GET /products": (0.5, 0),
    "GET /products?category": (0.5, 0),
    "GET /products/{id}": (0.5, 0),
    "POST /auth/login": (2.0, 2.0),
    "POST /auth/register": (0, 3.0),
    "PUT /cart/items/{productId}": (2.0, 1.0),
    "POST /checkout": (3.0, 16.0),
    "GET /orders": (0.5, 0),
    "GET /orders/{id}": (1.0, 0),
}


def cost(tmp_path, units):
    path = tmp_path / "units.json"
    path.write_text(json.dumps({route: {"read": r, "write": w} for route, (r, w) in units.items()}))
    env = {"COST_UNITS_FILE": str(path), "PATH": ""}
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / "cost.py")], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def row(output, route):
    line = next(line for line in output.splitlines() if line.startswith(f"| `{route}` "))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_every_route_is_priced_from_its_units_and_memory_with_the_assumptions_printed(tmp_path):
    output = cost(tmp_path, UNITS)
    checkout = row(output, "POST /checkout")
    # 7% of a million: 70,000 checkouts of 3 read and 16 write request units.
    assert checkout[5:7] == ["3", "16"]
    assert checkout[9] == f"{70_000 * (3 * 0.125 + 16 * 0.625) / 1e6:.2f}"
    login = row(output, "POST /auth/login")
    assert login[3] == "1024"  # bcrypt's memory, from serverless.yml
    assert "**one million requests of the mix**" in output
    for assumption in ("API Gateway REST", "per GB-second", "write request units", "SES", "not measurements"):
        assert assumption in output


def test_one_more_read_on_a_route_shows_in_its_price_and_the_total(tmp_path):
    before = cost(tmp_path, UNITS)
    after = cost(tmp_path, {**UNITS, "GET /products/{id}": (1.0, 0)})
    assert float(row(after, "GET /products/{id}")[9]) > float(row(before, "GET /products/{id}")[9])
    total = [line for line in (before, after) for line in line.splitlines() if "one million requests" in line]
    assert total[0] != total[1]
