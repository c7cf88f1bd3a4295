"""`make cost`: the price of one million requests of the Locust shopper mix, per route and in total.

Measured by tests/integration/test_capacity_units.py (run by `make cost`, written to
COST_UNITS_FILE): each request's DynamoDB capacity units on DynamoDB Local and its warm handler
duration on this machine. Lambda memory comes from serverless.yml. Everything else is an
ASSUMPTION, printed with the table: the list prices, the share of each route in the mix, the
events a request sends and the duration of the functions those events invoke.
"""

from __future__ import annotations

import json
import math
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
# (route, ASSUMED share of the mix). The shares are a rounded guess after the Locust users'
# weights (Browser 4, Shopper 2, Admin 2, Buyer 2), not counted from a run; `?cursor` pages are
# in GET /products; the admin's routes and payments are left out.
MIX = [
    ("GET /products", 0.24),
    ("GET /products?category", 0.08),
    ("GET /products/{id}", 0.16),
    ("POST /auth/login", 0.12),
    ("POST /auth/register", 0.06),
    ("PUT /cart/items/{productId}", 0.14),
    ("POST /checkout", 0.07),
    ("GET /orders", 0.07),
    ("GET /orders/{id}", 0.06),
]
# Per checkout, ASSUMED: one order event published (SNS), delivered through one queue (SQS:
# send, receive, delete), one email (SES), and two stream-triggered invocations
# (publishOrderEvents, notifyCustomers) of the duration below.
EVENT_FUNCTIONS = (("publishOrderEvents", 100), ("notifyCustomers", 100))


def memory_mb(config: dict, function: str) -> int:
    return int(config["functions"][function].get("memorySize") or config["provider"].get("memorySize") or 1024)


def main() -> int:
    measured = json.loads(pathlib.Path(os.environ.get("COST_UNITS_FILE", ".cache/cost/units.json")).read_text())
    config = serverless_config.load()
    price = list(PRICES.values())
    gb_s = price[2]
    rows, total = [], 0.0
    for route, share in MIX:
        requests = 1_000_000 * share
        used = measured["requests"][route]
        function, duration_ms = used["function"], used["ms"]
        gateway = requests * price[0] / 1e6
        memory = memory_mb(config, function)
        # Lambda bills each invocation's duration in whole milliseconds, rounded up.
        lam = requests * price[1] / 1e6 + requests * memory / 1024 * math.ceil(duration_ms) / 1000 * gb_s
        dynamo = requests * (used["read"] * price[3] + used["write"] * price[4]) / 1e6
        events = 0.0
        if route == "POST /checkout":
            events = requests * (price[5] + 3 * price[6]) / 1e6 + requests * price[7] / 1000
            for name, ms in EVENT_FUNCTIONS:
                events += requests * price[1] / 1e6 + requests * memory_mb(config, name) / 1024 * ms / 1000 * gb_s
        cost = gateway + lam + dynamo + events
        total += cost
        rows.append((route, share, function, memory, duration_ms, used, gateway, lam, dynamo, events, cost))
    head = "| route | share | function | MB | measured ms | RRU | WRU | API GW $ | Lambda $ | DynamoDB $ | events $ |"
    print(head + " total $ |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for route, share, function, memory, ms, used, gateway, lam, dynamo, events, cost in rows:
        print(
            f"| `{route}` | {share:.0%} | {function} | {memory} | {ms:.1f} | {used['read']:g} | {used['write']:g} "
            f"| {gateway:.2f} | {lam:.2f} | {dynamo:.2f} | {events:.2f} | {cost:.2f} |"
        )
    print(f"| **one million requests of the mix** | 100% | | | | | | | | | | **{total:.2f}** |")
    print("\nAssumptions (list prices, us-east-1, USD):")
    for name, value in PRICES.items():
        print(f"- {name}: {value:.10g}".rstrip("0"))
    print(
        f"- measured ms: the median of {measured['repeats']} warm invocations of the request's handler after one\n"
        "  warm-up, in-process, on DynamoDB Local, on this machine (tests/integration/test_capacity_units.py):\n"
        "  an estimate of Lambda's duration, not a Lambda measurement (Lambda's CPU share at that memory and\n"
        "  in-region DynamoDB round trips differ); billed per 1 ms, rounded up; Lambda memory: serverless.yml\n"
        f"- sign-ups and logins: bcrypt at cost factor {measured['bcrypt_rounds']}, serverless.yml's BCRYPT_ROUNDS\n"
        "- units: small items (a catalogue of 5 products, one cart line, one order); a page of 20 products reads more"
    )
    print("- each checkout: 1 SNS publish, 3 SQS requests, 1 SES email;")
    print("  publishOrderEvents and notifyCustomers invoked once each, 100 ms (assumed)")
    print("- the mix: the shares above, a rounded guess after the Locust users' weights, not counted from a run;")
    print("  admin routes, payments and the other routes are not priced")
    print("- no free tier, no CloudWatch logs, no data transfer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
