"""`make cost`: the price of one million requests of the Locust shopper mix, per route and in total.

DynamoDB capacity units per request are measured on DynamoDB Local (tests/integration/
test_capacity_units.py, run by `make cost`, writes them to COST_UNITS_FILE); Lambda memory
comes from serverless.yml. Everything else is an ASSUMPTION, printed with the table: the
list prices, each function's duration (no timing measured on a shared machine is
publishable), the share of each route in the mix and the events a request sends.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from devtools import serverless_config  # noqa: E402

# List prices, us-east-1, USD (ASSUMED current; check https://aws.amazon.com/pricing before quoting).
PRICES = {
    "API Gateway REST, per million requests (first 333M)": 3.50,
    "Lambda, per million invocations": 0.20,
    "Lambda x86, per GB-second": 0.0000166667,
    "DynamoDB on-demand, per million read request units": 0.125,
    "DynamoDB on-demand, per million write request units": 0.625,
    "SNS, per million publishes": 0.50,
    "SQS, per million requests": 0.40,
    "SES, per thousand emails": 0.10,
}
# (route, ASSUMED share of the mix, function, ASSUMED warm duration in ms). The shares are a
# rounded guess after the Locust users' weights (Browser 4, Shopper 2, Admin 2, Buyer 2), not
# counted from a run; `?cursor` pages are in GET /products; the admin's routes and payments are
# left out (their units are not measured yet).
MIX = [
    ("GET /products", 0.24, "listProducts", 60),
    ("GET /products?category", 0.08, "listProducts", 60),
    ("GET /products/{id}", 0.16, "getProduct", 40),
    ("POST /auth/login", 0.12, "login", 300),
    ("POST /auth/register", 0.06, "register", 300),
    ("PUT /cart/items/{productId}", 0.14, "putCartItem", 80),
    ("POST /checkout", 0.07, "checkout", 150),
    ("GET /orders", 0.07, "listOrders", 60),
    ("GET /orders/{id}", 0.06, "getOrder", 40),
]
# Per checkout, ASSUMED: one order event published (SNS), delivered through one queue (SQS:
# send, receive, delete), one email (SES), and two stream-triggered invocations
# (publishOrderEvents, notifyCustomers) of the duration below.
EVENT_FUNCTIONS = (("publishOrderEvents", 100), ("notifyCustomers", 100))


def memory_mb(config: dict, function: str) -> int:
    return int(config["functions"][function].get("memorySize") or config["provider"].get("memorySize") or 1024)


def main() -> int:
    units = json.loads(pathlib.Path(os.environ.get("COST_UNITS_FILE", ".cache/cost/units.json")).read_text())
    config = serverless_config.load()
    price = list(PRICES.values())
    gb_s = price[2]
    rows, total = [], 0.0
    for route, share, function, duration_ms in MIX:
        requests = 1_000_000 * share
        used = units[route]
        gateway = requests * price[0] / 1e6
        memory = memory_mb(config, function)
        lam = requests * price[1] / 1e6 + requests * memory / 1024 * duration_ms / 1000 * gb_s
        dynamo = requests * (used["read"] * price[3] + used["write"] * price[4]) / 1e6
        events = 0.0
        if route == "POST /checkout":
            events = requests * (price[5] + 3 * price[6]) / 1e6 + requests * price[7] / 1000
            for name, ms in EVENT_FUNCTIONS:
                events += requests * price[1] / 1e6 + requests * memory_mb(config, name) / 1024 * ms / 1000 * gb_s
        cost = gateway + lam + dynamo + events
        total += cost
        rows.append((route, share, function, memory, duration_ms, used, gateway, lam, dynamo, events, cost))
    head = "| route | share | function | MB | assumed ms | RRU | WRU | API GW $ | Lambda $ | DynamoDB $ | events $ |"
    print(head + " total $ |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for route, share, function, memory, ms, used, gateway, lam, dynamo, events, cost in rows:
        print(
            f"| `{route}` | {share:.0%} | {function} | {memory} | {ms} | {used['read']:g} | {used['write']:g} "
            f"| {gateway:.2f} | {lam:.2f} | {dynamo:.2f} | {events:.2f} | {cost:.2f} |"
        )
    print(f"| **one million requests of the mix** | 100% | | | | | | | | | | **{total:.2f}** |")
    print("\nAssumptions (prices are list prices, us-east-1, USD; durations are not measurements):")
    for name, value in PRICES.items():
        print(f"- {name}: {value:.10g}".rstrip("0"))
    print("- each route's warm duration: the 'assumed ms' column; Lambda memory: serverless.yml")
    print("- each checkout: 1 SNS publish, 3 SQS requests, 1 SES email;")
    print("  publishOrderEvents and notifyCustomers invoked once each, 100 ms")
    print("- the mix: the shares above, a rounded guess after the Locust users' weights, not counted from a run;")
    print("  admin routes, payments and the other routes are not priced (their units are not measured yet)")
    print("- no free tier, no CloudWatch logs, no data transfer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
