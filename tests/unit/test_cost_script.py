"""`make cost`'s pricing (scripts/cost.py) of the capacity units and durations measured on DynamoDB Local."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The shape of what tests/integration/test_capacity_units.py writes: (read units, write units,
# function, measured ms) per request.
UNITS = {
    "GET /health": (0.5, 0, "health", 2.7),
    "GET /products": (0.5, 0, "listProducts", 4.5),
    "GET /products?category": (0.5, 0, "listProducts", 3.6),
    "GET /products/{id}": (0.5, 0, "getProduct", 2.9),
    "POST /auth/login": (2.0, 2.0, "login", 271.3),
    "POST /auth/register": (0, 3.0, "register", 264.9),
    "PUT /cart/items/{productId}": (3.0, 1.0, "putCartItem", 12.0),
    "POST /checkout": (4.0, 16.0, "checkout", 21.7),
    "GET /orders": (1.5, 0, "listOrders", 8.5),
    "GET /orders/{id}": (2.0, 0, "getOrder", 5.1),
}


def cost(tmp_path, units):
    path = tmp_path / "units.json"
    requests = {name: {"read": r, "write": w, "function": f, "ms": ms} for name, (r, w, f, ms) in units.items()}
    path.write_text(json.dumps({"repeats": 7, "bcrypt_rounds": 12, "requests": requests}))
    env = {"COST_UNITS_FILE": str(path), "PATH": ""}
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / "cost.py")], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def row(output, route):
    line = next(line for line in output.splitlines() if line.startswith(f"| `{route}` "))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_every_route_is_priced_from_its_units_duration_and_memory_with_the_assumptions_printed(tmp_path):
    output = cost(tmp_path, UNITS)
    checkout = row(output, "POST /checkout")
    # 7% of a million: 70,000 checkouts of 4 read and 16 write request units.
    assert checkout[5:7] == ["4", "16"]
    assert checkout[9] == f"{70_000 * (4 * 0.125 + 16 * 0.625) / 1e6:.2f}"
    # 12% of a million logins at 1024 MB (bcrypt's memory, from serverless.yml), 271.3 ms billed as 272.
    login = row(output, "POST /auth/login")
    assert login[2:5] == ["login", "1024", "271.3"]
    assert login[8] == f"{120_000 * (0.2 / 1e6 + 0.272 * 0.0000166667):.2f}"
    assert "**one million requests of the mix**" in output
    for assumption in ("API Gateway REST", "per GB-second", "write request units", "SES", "bcrypt at cost factor 12"):
        assert assumption in output


def test_one_more_read_or_20_ms_more_on_a_route_show_in_its_price_and_the_total(tmp_path):
    before = cost(tmp_path, UNITS)
    read, _, function, ms = UNITS["GET /products/{id}"]
    more_read = cost(tmp_path, {**UNITS, "GET /products/{id}": (read + 0.5, 0, function, ms)})
    slower = cost(tmp_path, {**UNITS, "GET /products/{id}": (read, 0, function, ms + 20)})
    assert float(row(more_read, "GET /products/{id}")[9]) > float(row(before, "GET /products/{id}")[9])
    assert float(row(slower, "GET /products/{id}")[8]) > float(row(before, "GET /products/{id}")[8])
    totals = [line for output in (before, more_read, slower) for line in output.splitlines() if "one million" in line]
    assert len(set(totals)) == 3
