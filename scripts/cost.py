"""`make cost`: the price of one million requests of the Locust shopper mix, per request and in total.

Measured by tests/integration/test_capacity_units.py (run by `make cost`, written to
COST_UNITS_FILE), for every request the Locust users send: its DynamoDB capacity units on
DynamoDB Local and its warm handler duration on this machine. Lambda memory comes from
serverless.yml. The mix is counted from a Locust run's stats CSV (COST_MIX_CSV), else derived
from the Locust users (load/users.py). The rest is ASSUMED and printed with the table: the list
prices, the events a request sends and the duration of the functions those events invoke.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from devtools import serverless_config  # noqa: E402

USERS = ROOT / "load" / "users.py"
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
# The requests one run of each task of load/users.py sends, read from its body (expected counts).
# A task added there, or renamed, stops `make cost` until it is read here.
TASKS = {
    # 1 to 3 pages, uniformly, while there is a next one: the catalogue (30 seeded products, and
    # the admins add more) has more than 40 products.
    "Browser.list_products": {"GET /products": 1, "GET /products?cursor": 1},
    "Browser.filter_by_category": {"GET /products?category": 1},
    "Browser.view_product": {"GET /products/{id}": 1},
    "Shopper.log_in": {"POST /auth/login": 1},
    "Shopper.browse": {"GET /products": 1},
    "Admin.create_product": {"POST /products": 1},
    "Admin.update_own_product": {"PUT /products/{id}": 1},
    "Admin.delete_own_product": {"DELETE /products/{id}": 1},
    "Admin.restock_or_reprice_catalogue": {"PUT /products/{id} (catalogue)": 1},
    # 1 to 3 cart lines; a retried checkout 15% of the time, a declined card first 20%, a retried
    # payment 10%; conflicts (out of stock, a changed price) left out.
    "Buyer.buy": {
        "PUT /cart/items/{productId}": 2,
        "POST /checkout": 1,
        "POST /checkout (idempotent retry)": 0.15,
        "POST /orders/{id}/payment (declined)": 0.2,
        "POST /orders/{id}/payment": 1,
        "POST /orders/{id}/payment (idempotent retry)": 0.1,
    },
    "Buyer.list_orders": {"GET /orders": 1},
    "Buyer.view_order": {"GET /orders/{id}": 1},
}
# What each user sends once, at its start (on_start), spread over a session of SESSION_S (an
# admin only takes the token the test's setup got).
ON_START = {"Shopper": {"POST /auth/register": 1}, "Buyer": {"POST /auth/register": 1}, "Admin": {}}
SESSION_S = 300  # the load profile's length (load/shapes.py, Load): its users live that long at most
# The events a request causes, ASSUMED, each delivered on its own (no batching): an emailed order
# event is 1 SNS publish, 3 SQS requests (send, receive, delete), 1 SES email, and one invocation
# each of publishOrderEvents and notifyCustomers; a failed payment's event is published only
# (the email queue's filter policy drops it).
EMAILED = {"sns": 1, "sqs": 3, "ses": 1, "functions": ("publishOrderEvents", "notifyCustomers")}
EVENTS = {
    "POST /checkout": EMAILED,
    "POST /orders/{id}/payment": EMAILED,
    "POST /orders/{id}/payment (declined)": {"sns": 1, "sqs": 0, "ses": 0, "functions": ("publishOrderEvents",)},
}
NO_EVENTS = {"sns": 0, "sqs": 0, "ses": 0, "functions": ()}
EVENT_FUNCTION_MS = 100  # ASSUMED warm duration of publishOrderEvents and notifyCustomers


def memory_mb(config: dict, function: str) -> int:
    return int(config["functions"][function].get("memorySize") or config["provider"].get("memorySize") or 1024)


def locust_users(tree: ast.Module) -> dict[str, tuple[float, float, dict[str, float], bool]]:
    """Each user class of a locustfile: (weight, mean wait in s, {task: weight}, has on_start)."""
    users = {}
    for node in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        fields = {t.id: s.value for s in node.body if isinstance(s, ast.Assign) for t in s.targets if hasattr(t, "id")}
        if "weight" not in fields:
            continue  # abstract
        low, high = (ast.literal_eval(arg) for arg in fields["wait_time"].args)  # between(low, high)
        tasks = {}
        for method in (item for item in node.body if isinstance(item, ast.FunctionDef)):
            for decorator in method.decorator_list:  # @task(weight) or @task
                call = decorator if isinstance(decorator, ast.Call) else ast.Call(decorator, [], [])
                if getattr(call.func, "id", "") == "task":
                    tasks[method.name] = ast.literal_eval(call.args[0]) if call.args else 1
        has_on_start = any(getattr(item, "name", "") == "on_start" for item in node.body)
        users[node.name] = (ast.literal_eval(fields["weight"]), (low + high) / 2, tasks, has_on_start)
    return users


def derived_mix(source: str) -> dict[str, float]:
    """Requests per second per name for one user of `source`'s (a locustfile's) mix of users: each
    runs a task per mean wait (requests take no time), chosen by the tasks' weights, and sends
    what TASKS and ON_START say. Stops when they no longer read `source`."""
    tree = ast.parse(source)
    users = locust_users(tree)
    tasks = {f"{name}.{task}" for name, (_, _, weights, _) in users.items() for task in weights}
    starts = {name for name, (*_, has_on_start) in users.items() if has_on_start}
    named = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    unnamed = {request for sent in [*TASKS.values(), *ON_START.values()] for request in sent} - named
    if tasks != set(TASKS) or starts != set(ON_START) or unnamed:
        raise SystemExit(
            "scripts/cost.py's reading of load/users.py is out of date: tasks "
            f"{sorted(tasks ^ set(TASKS))}, on_start {sorted(starts ^ set(ON_START))}, names {sorted(unnamed)}"
        )
    rates: dict[str, float] = {}
    all_weights = sum(weight for weight, *_ in users.values())
    for name, (weight, wait, weights, _) in users.items():
        share = weight / all_weights
        for task, task_weight in weights.items():
            for request, count in TASKS[f"{name}.{task}"].items():
                rates[request] = rates.get(request, 0) + share / wait * task_weight / sum(weights.values()) * count
        for request, count in ON_START.get(name, {}).items():
            rates[request] = rates.get(request, 0) + share * count / SESSION_S
    return rates


def counted_mix(path: str) -> dict[str, float]:
    """Requests per name in a Locust stats CSV (load/run.py's --csv: <profile>_stats.csv)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # Neither the total nor the users' consistency checks (request_type CHECK) are requests.
    return {row["Name"]: float(row["Request Count"]) for row in rows if row["Type"] not in ("", "CHECK")}


def main() -> int:
    measured = json.loads(pathlib.Path(os.environ.get("COST_UNITS_FILE", ".cache/cost/units.json")).read_text())
    requests = measured["requests"]
    csv_path = os.environ.get("COST_MIX_CSV")
    mix = counted_mix(csv_path) if csv_path else derived_mix(USERS.read_text())
    unmeasured = sorted(set(mix) - set(requests))
    if unmeasured:
        raise SystemExit(f"no units or duration measured for {unmeasured}: tests/integration/test_capacity_units.py")
    config = serverless_config.load()
    price = list(PRICES.values())
    gb_s = price[2]

    def lambda_cost(count: float, function: str, ms: float) -> float:
        # Lambda bills each invocation's duration in whole milliseconds, rounded up.
        return count * price[1] / 1e6 + count * memory_mb(config, function) / 1024 * math.ceil(ms) / 1000 * gb_s

    # The rows in the users' order (TASKS), then whatever else the run sent.
    order = dict.fromkeys([*(name for sent in [*TASKS.values(), *ON_START.values()] for name in sent), *mix])
    rows, total = [], 0.0
    for name in (name for name in order if name in mix):
        used, share = requests[name], mix[name] / sum(mix.values())
        count = 1_000_000 * share
        gateway = count * price[0] / 1e6
        lam = lambda_cost(count, used["function"], used["ms"])
        dynamo = count * (used["read"] * price[3] + used["write"] * price[4]) / 1e6
        sent = EVENTS.get(name, NO_EVENTS)
        events = count * (sent["sns"] * price[5] + sent["sqs"] * price[6]) / 1e6 + count * sent["ses"] * price[7] / 1000
        events += sum(lambda_cost(count, function, EVENT_FUNCTION_MS) for function in sent["functions"])
        cost = gateway + lam + dynamo + events
        total += cost
        rows.append((name, share, used, memory_mb(config, used["function"]), gateway, lam, dynamo, events, cost))
    head = "| request | share | function | MB | measured ms | RRU | WRU | API GW $ | Lambda $ | DynamoDB $ | events $ |"
    print(head + " total $ |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, share, used, memory, gateway, lam, dynamo, events, cost in rows:
        print(
            f"| `{name}` | {share:.1%} | {used['function']} | {memory} | {used['ms']:.1f} | {used['read']:g} "
            f"| {used['write']:g} | {gateway:.2f} | {lam:.2f} | {dynamo:.2f} | {events:.2f} | {cost:.2f} |"
        )
    print(f"| **one million requests of the mix** | 100% | | | | | | | | | | **{total:.2f}** |")
    print("\nAssumptions (list prices, us-east-1, USD):")
    for name, value in PRICES.items():
        print(f"- {name}: {value:.10g}".rstrip("0"))
    print(
        f"- measured ms: the median of {measured['repeats']} warm invocations of the request's handler after a\n"
        "  warm-up one, in-process, on DynamoDB Local, on this machine (tests/integration/test_capacity_units.py):\n"
        "  an estimate of Lambda's duration, not a Lambda measurement (Lambda's CPU share at that memory and\n"
        "  in-region DynamoDB round trips differ); billed per 1 ms, rounded up; Lambda memory: serverless.yml\n"
        f"- sign-ups and logins: bcrypt at cost factor {measured['bcrypt_rounds']}, serverless.yml's BCRYPT_ROUNDS\n"
        "- payments: the fake provider (a local ledger) answered in the measured ms; on AWS the handler also\n"
        "  waits for Stripe's API, which is not measured: payOrder's duration and price are a lower bound\n"
        "- units: small items (a catalogue of 5 products, one cart line, one order); a page of 20 products reads more"
    )
    print(
        "- each checkout and accepted payment: 1 SNS publish, 3 SQS requests, 1 SES email, publishOrderEvents and\n"
        "  notifyCustomers invoked once each; each declined payment: 1 SNS publish, publishOrderEvents invoked once;\n"
        f"  both functions {EVENT_FUNCTION_MS} ms (assumed), no batching"
    )
    if csv_path:
        print(f"- the mix: counted from {csv_path} ({sum(mix.values()):,.0f} requests)")
    else:
        print(
            "- the mix: derived from load/users.py (user weights, mean waits and task weights read from it; the\n"
            "  requests of each task as scripts/cost.py reads them; requests take no time; one sign-up per Shopper\n"
            f"  and Buyer per {SESSION_S} s); COST_MIX_CSV=<a Locust run's *_stats.csv> counts them instead"
        )
    print(
        "- not priced: notifyCustomers' DynamoDB reads and writes, indexProducts (product changes feed the\n"
        "  search index), the Locust run's own setup requests, free tier, CloudWatch, data transfer"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
