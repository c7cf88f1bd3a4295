"""`make soak [SOAK_SECONDS=600]`: the whole shop for minutes, under load and faults at once, then
the audit (load/audit.py).

It starts `make run` itself (devtools.runner: DynamoDB Local, gunicorn workers, the background
jobs) on free ports with a fresh data folder and a fault schedule, runs the soak's Locust users
(load/soak_users.py) and, meanwhile, on a fixed timeline (fractions of the run):

    0.10-0.20  DynamoDB throttles (20% of requests)      0.25-0.33  DynamoDB 500s (15%)
    0.38-0.48  lost answers on DynamoDB writes (10%)       0.52-0.58  DynamoDB timeouts (5%, 4 s)
    0.62-0.72  SNS, SQS and SES failures (30%)             0.45       one gunicorn worker SIGKILLed
    0.80       the whole make run stopped and started again (same data)
    0.04-0.14  the payment provider slow (30% of charges and refunds, 3 s)
    0.22-0.30  the payment provider failing (30%; nothing charged)
    0.64-0.76  the payment provider answering after the timeout (30%: charged, answer lost)

Then faults stop, the provider's webhooks that were never acknowledged are delivered again (as
Stripe retries them), the event pipeline is given time to drain, and the audit judges stock,
orders, events, money, answers and webhooks. The report goes to load/reports/soak-<time>.md and .json; the exit code
is 1 on any violation.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from argparse import Namespace
from pathlib import Path

import audit
import soak_webhooks
from audit import READ_SECONDS
from run import REPORTS, ROOT, stop

from devtools import server_process
from devtools.server_process import free_port

FAULTS = (
    (0.10, 0.20, {"target": "dynamodb", "kind": "throttle", "rate": 0.2}),
    (0.25, 0.33, {"target": "dynamodb", "kind": "error", "rate": 0.15}),
    (
        0.38,
        0.48,
        {
            "target": "dynamodb",
            "kind": "lost",
            "rate": 0.1,
            "operations": ["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"],
        },
    ),
    (0.52, 0.58, {"target": "dynamodb", "kind": "timeout", "rate": 0.05, "seconds": 4}),
    (0.62, 0.72, {"target": "sns", "kind": "error", "rate": 0.3}),
    (0.62, 0.72, {"target": "sqs", "kind": "error", "rate": 0.3}),
    (0.62, 0.72, {"target": "ses", "kind": "error", "rate": 0.3}),
    (0.04, 0.14, {"target": "payment", "kind": "slow", "rate": 0.3, "seconds": 3}),
    (0.22, 0.30, {"target": "payment", "kind": "error", "rate": 0.3}),
    (0.64, 0.76, {"target": "payment", "kind": "lost", "rate": 0.3, "seconds": 2}),
)
KILL_AT, RESTART_AT = 0.45, 0.80


class Soak:
    def __init__(self, seconds: int):
        self.seconds = seconds
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.name = f"soak-{stamp}"
        self.folder = REPORTS / f"{self.name}-data"
        self.schedule = REPORTS / f"{self.name}-faults.json"
        self.fault_log = REPORTS / f"{self.name}-faults.jsonl"
        self.history = REPORTS / f"{self.name}-history.jsonl"
        self.requests = REPORTS / f"{self.name}-requests.jsonl"
        self.initial = REPORTS / f"{self.name}-initial.json"
        self.port, self.web_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.disruptions: list[tuple[float, float]] = []
        self.dead_letters: list[dict] = []  # kept across the restart (keep_dead_letters)
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "WEB_PORT": str(self.web_port),
            "LOCAL_DATA_DIR": str(self.folder),
            "FAULT_SCHEDULE": str(self.schedule),
            "FAULT_LOG": str(self.fault_log),
            "ADMIN_EMAIL": os.environ.get("ADMIN_EMAIL", "admin@example.com"),
            "ADMIN_PASSWORD": "Aa1!" + secrets.token_urlsafe(12),
            "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(24),  # the courier signs with it
            "WORKERS": os.environ.get("WORKERS", "3"),
            "PAYMENT_WINDOW_SECONDS": os.environ.get("PAYMENT_WINDOW_SECONDS", str(max(60, seconds // 4))),
            "EXPIRY_SWEEP_SECONDS": "10",
            "LOGIN_IP_LIMIT": "100000",
            "REGISTER_IP_LIMIT": "100000",
            "SOAK_HISTORY": str(self.history),
            "SOAK_REQUESTS": str(self.requests),
            "PYTHONPATH": str(ROOT / "src"),
        }
        self.env.pop("DYNAMODB_ENDPOINT_URL", None)

    def start_server(self, fresh: bool) -> subprocess.Popen:
        env = {**self.env, "FRESH": "1" if fresh else ""}
        self.starts = getattr(self, "starts", 0) + 1
        log = REPORTS / f"{self.name}-server-{self.starts}.log"
        return server_process.launch(env, log, timeout=300, module="devtools.runner")

    def plan_faults(self, started: float) -> None:
        self.fault_windows = [(started + a * self.seconds, started + b * self.seconds) for a, b, _ in FAULTS]
        faults = [
            {**fault, "start": started + a * self.seconds, "end": started + b * self.seconds} for a, b, fault in FAULTS
        ]
        self.schedule.write_text(json.dumps({"faults": faults}))

    def snapshot_stock(self) -> None:
        api = audit.Api(self.url, self.env["ADMIN_EMAIL"], self.env["ADMIN_PASSWORD"])
        products = api.pages("/products")
        self.initial.write_text(json.dumps({product["id"]: int(product["stock"]) for product in products}))

    def kill_a_worker(self, server: subprocess.Popen) -> None:
        workers = gunicorn_workers(server.pid)
        if not workers:
            print("soak: no gunicorn worker found to kill", flush=True)
            return
        began = time.time()
        os.kill(workers[0], signal.SIGKILL)
        print(f"soak: SIGKILL gunicorn worker {workers[0]}", flush=True)
        self.disruptions.append((began, time.time() + 5))

    def restart(self, server: subprocess.Popen) -> subprocess.Popen:
        began = time.time()
        self.keep_dead_letters()
        stop(server)
        again = self.start_server(fresh=False)
        self.disruptions.append((began, time.time()))
        print(f"soak: make run restarted in {time.time() - began:.1f} s", flush=True)
        return again

    def keep_dead_letters(self) -> None:
        """The dead-letter queue lives in the local AWS endpoint's memory, which a restart
        empties: what is in it now is kept for the audit (read just before the stop)."""
        try:
            aws = json.loads((self.folder / "run.json").read_text()).get("aws")
            self.dead_letters += audit.dead_letters(aws) or []
        except Exception as error:
            self.dead_letters.append({"deadLetter": f"not read before the restart ({type(error).__name__})"})


def gunicorn_workers(root: int) -> list[int]:
    """The gunicorn worker processes below `root` (children of the gunicorn master)."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])

    def below(pid: int) -> bool:
        while pid in parents and pid > 1:
            if pid == root:
                return True
            pid = parents[pid]
        return False

    return sorted(
        pid for pid, parent in parents.items() if below(pid) and "gunicorn" in commands.get(parent, "") and pid != root
    )


def run(seconds: int, users: int) -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    soak = Soak(seconds)
    server = soak.start_server(fresh=True)
    try:
        soak.snapshot_stock()
        started = time.time()
        soak.plan_faults(started)
        command = [
            sys.executable, "-m", "locust", "-f", str(ROOT / "load" / "soak_users.py"), "--headless",
            "--host", soak.url, "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{seconds}s",
            "--csv", str(REPORTS / soak.name), "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        locust = subprocess.Popen(command, cwd=ROOT / "load", env=soak.env)  # noqa: S603 - fixed arguments
        holder = {"server": server}

        def timeline() -> None:
            time.sleep(KILL_AT * seconds)
            soak.kill_a_worker(holder["server"])
            time.sleep((RESTART_AT - KILL_AT) * seconds)
            holder["server"] = soak.restart(holder["server"])

        thread = threading.Thread(target=timeline, daemon=True)
        thread.start()
        locust_code = locust.wait()
        thread.join(timeout=600)
        server = holder["server"]
        soak.schedule.write_text(json.dumps({"faults": []}))
        redeliver(soak)
        settle(soak, limit=max(300, int(soak.env["PAYMENT_WINDOW_SECONDS"]) + 120))
        state = json.loads((soak.folder / "run.json").read_text())
        args = Namespace(
            url=soak.url,
            history=soak.history,
            initial=soak.initial,
            faults=soak.fault_log,
            aws=state.get("aws"),
            requests=soak.requests,
            dead_letters_before=soak.dead_letters,
        )
        os.environ.update({k: soak.env[k] for k in ("ADMIN_EMAIL", "ADMIN_PASSWORD")})
        checks = audit.audit(args, soak.disruptions)
        checks.append(audit.latency(audit.read_lines(soak.requests), soak.fault_windows + soak.disruptions))
    finally:
        stop(server)
    return report(soak, checks, locust_code, time.time() - started)


def redeliver(soak: Soak) -> None:
    """Stripe's retries, once the faults are over: every event no delivery got a 200 for."""
    retried = soak_webhooks.deliver_unacknowledged(
        soak.url, soak.env["STRIPE_WEBHOOK_SECRET"], audit.read_lines(soak.history)
    )
    with soak.history.open("a") as history:
        for entry in retried:
            history.write(json.dumps({"kind": "webhook", "at": time.time(), "final": True, **entry}) + "\n")
    print(f"soak: {len(retried)} webhook deliveries retried after the run", flush=True)


def settle(soak: Soak, quiet_seconds: float = 10, limit: float = 300) -> None:
    """Wait until the shop is still and the events of the last changes have been mailed: no order
    is left pending and no refund unconfirmed (the sweep goes on after the clients stop, and an
    order it expires or a refund it settles while the audit reads would be an email the audit's
    listing has no change for), the outbox has stopped growing and it holds at least one email
    per change of the orders; or `limit` passed (then the audit judges what is there). A slow
    machine only makes this wait longer; a lost email still fails the events check."""
    import requests

    api = audit.Api(soak.url, soak.env["ADMIN_EMAIL"], soak.env["ADMIN_PASSWORD"])
    deadline, last, still_since = time.time() + limit, -1, time.time()
    while time.time() < deadline:
        time.sleep(5)  # the outbox is read from the local endpoint's whole state: not too often
        try:
            count = len(requests.get(f"{soak.url}/_local/outbox", timeout=READ_SECONDS).json()["data"])
        except requests.RequestException as error:  # a loaded machine: ask again
            print(f"soak: the outbox did not answer ({type(error).__name__}); asking again", flush=True)
            continue
        if count != last:
            last, still_since = count, time.time()
        elif time.time() - still_since >= quiet_seconds:
            orders = [order for status in audit.LIVE + audit.ENDED for order in api.pages("/orders", status=status)]
            expected = audit.status_changes(orders)
            moving = still_moving(orders)
            if count >= expected and not moving:
                return
            print(f"soak: {count} emails for {expected} changes, {moving} orders still moving; waiting", flush=True)
            still_since = time.time()


def still_moving(orders: list[dict]) -> int:
    """The orders the shop will still change with no client asking: a pending one (the sweep
    expires it) and one with a refund the provider has not confirmed (the sweep asks again, and
    mails it when it does)."""
    return sum(
        1
        for order in orders
        if order["status"] == "pending" or any(r.get("status") == "pending" for r in order.get("refunds") or [])
    )


def report(soak: Soak, checks: list[dict], locust_code: int, elapsed: float) -> int:
    audit.print_checks(checks)
    faults = audit.read_lines(soak.fault_log)
    injected: dict[str, int] = {}
    for entry in faults:
        key = f"{entry['target']} {entry['kind']}"
        injected[key] = injected.get(key, 0) + 1
    passed = all(check["passed"] for check in checks)
    summary = {"name": soak.name, "seconds": soak.seconds, "elapsed": round(elapsed), "passed": passed}
    summary |= {"injected": injected, "disruptions": soak.disruptions, "checks": checks, "locustExit": locust_code}
    (REPORTS / f"{soak.name}.json").write_text(json.dumps(summary, indent=2, default=str))
    lines = [
        f"# {soak.name}: {'PASS' if passed else 'FAIL'}",
        "",
        f"{soak.seconds} s of load, {elapsed:.0f} s in all.",
        "",
    ]
    lines += ["## Faults injected", "", "| fault | count |", "|---|---:|"]
    lines += [f"| {key} | {count} |" for key, count in sorted(injected.items())]
    lines += ["", f"Disruptions: a gunicorn worker SIGKILLed, make run restarted ({len(soak.disruptions)}).", ""]
    lines += ["## Checks", "", "| check | verdict | numbers |", "|---|---|---|"]
    for check in checks:
        numbers = ", ".join(f"{k}: {v}" for k, v in check["numbers"].items())
        lines.append(f"| {check['name']} | {'pass' if check['passed'] else 'FAIL'} | {numbers} |")
    (REPORTS / f"{soak.name}.md").write_text("\n".join(lines) + "\n")
    print(f"{'PASS' if passed else 'FAIL'} ({soak.name}; report in load/reports/{soak.name}.md)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(run(int(os.environ.get("SOAK_SECONDS", "600")), int(os.environ.get("SOAK_USERS", "12"))))
