"""Where a function's cold init goes: `make bench-cold-budget FUNCTIONS="listOrders getOrder"`.

The same harness as scripts/cold_start.py (the packaged zip unzipped, a fresh CPython 3.12 with
`-I -S -B`, only the artifact and the runtime's boto3 on sys.path, the function's environment,
the same moto server and events), but each process runs with `-X importtime` and times the
AWS clients it makes and the calls it sends. Per function, the median over ROUNDS processes of:
- the import of the handler module, and the first invocation, in wall milliseconds;
- import time by top-level package (the self times of `-X importtime`, so a package's figure
  is its own modules' execution, not that of what it imports), split between the handler's
  import (init) and the first invocation (imports made on first use);
- each `shop.aws.client` creation (boto3's service model load and client class) and each AWS
  call (wall time of `_make_api_call`: signing, the HTTP round trip to moto, parsing).
The timers wrap `shop.aws.client` after the handler's import; they add microseconds.
Prints a Markdown table per function. Timings, so say the load average beside them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cold_start  # the sibling script, for its seeding and events

CHILD = """
import json, sys, time
job = json.loads(sys.argv[1])
sys.path[:0] = [job["task"], *job.get("layers", []), job["runtime"]]
import importlib
module_name, _, function_name = job["handler"].rpartition(".")
started = time.perf_counter()
module = importlib.import_module(module_name.replace("/", "."))
imported = time.perf_counter()
sys.stderr.write("@@invoke\\n")
timed = {"clients": [], "calls": []}
aws = sys.modules.get("src.shop.aws")  # the handler string's package: src/shop/handlers/...
if aws is not None:
    made = aws.client
    def client(service, *args, **kwargs):
        begun = time.perf_counter()
        out = made(service, *args, **kwargs)
        timed["clients"].append([service, time.perf_counter() - begun])
        send = out._make_api_call
        def call(operation, params):
            begun = time.perf_counter()
            try:
                return send(operation, params)
            finally:
                timed["calls"].append([service + "." + operation, time.perf_counter() - begun])
        out._make_api_call = call
        return out
    aws.client = client
reply = getattr(module, function_name)(job["event"], None)
done = time.perf_counter()
print(json.dumps({"import": imported - started, "invoke": done - imported, **timed,
                  "status": reply.get("statusCode")}))
"""

GROUPS = {
    "boto3": "boto3, botocore, urllib3, dateutil, jmespath, s3transfer",
    "botocore": "boto3, botocore, urllib3, dateutil, jmespath, s3transfer",
    "urllib3": "boto3, botocore, urllib3, dateutil, jmespath, s3transfer",
    "dateutil": "boto3, botocore, urllib3, dateutil, jmespath, s3transfer",
    "jmespath": "boto3, botocore, urllib3, dateutil, jmespath, s3transfer",
    "s3transfer": "boto3, botocore, urllib3, dateutil, jmespath, s3transfer",
    "aws_lambda_powertools": "Powertools (+ typing_extensions)",
    "typing_extensions": "Powertools (+ typing_extensions)",
    "jwt": "PyJWT",
    "marshmallow": "marshmallow",
    "src": "shop (the project)",  # imported as src.shop, from the handler string
}


def _imports(stderr: str) -> dict[str, dict[str, float]]:
    """Self import time (ms) per group, for the handler's import and for the invocation."""
    phases: dict[str, dict[str, float]] = {"init": defaultdict(float), "invoke": defaultdict(float)}
    phase = "init"
    for line in stderr.splitlines():
        if line == "@@invoke":
            phase = "invoke"
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        top = name.split(".")[0]
        group = GROUPS.get(top) or ("standard library" if top in sys.stdlib_module_names else f"other: {top}")
        phases[phase][group] += int(self_us) / 1000
    return phases


def _modules(stderr: str) -> dict[str, float]:
    """Self import time (ms) per module, both phases."""
    found = {}
    for line in stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
            found[name] = int(self_us) / 1000
    return found


def main() -> None:
    from tests.deploy.conftest import lambda_resources

    from devtools import serverless_config

    package = Path(os.environ.get("SHOP_PACKAGE_DIR", cold_start.ROOT / ".serverless"))
    python, runtime = os.environ["LAMBDA_PYTHON"], os.environ["LAMBDA_RUNTIME_SITE"]
    template = serverless_config.compiled_template(package / "cloudformation-template-update-stack.json")
    wanted = os.environ.get("FUNCTIONS", "").split()
    top = int(os.environ.get("BUDGET_MODULES", "12"))
    functions = {n: p for n, p in lambda_resources(template).items() if n in wanted}
    results: dict[str, list[dict]] = {name: [] for name in functions}
    with cold_start.moto_server(python) as endpoint:
        events = cold_start._seed(endpoint, template)
        # What bench-cold's baseline (a bare `boto3.client("dynamodb")`) imports: the same modules every time.
        done = subprocess.run(  # noqa: S603 - our own interpreter and code
            [
                python,
                "-I",
                "-S",
                "-B",
                "-X",
                "importtime",
                "-c",
                cold_start.CHILD,
                json.dumps({"task": runtime, "runtime": runtime, "handler": None}),
            ],
            capture_output=True,
            text=True,
            env={"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"},
            check=True,
        )
        bare = set(_modules(done.stderr))
        with tempfile.TemporaryDirectory() as work:
            for name, properties in functions.items():
                task, layers = cold_start.unpack(package, template, name, properties, Path(work))
                env = cold_start.function_environment(properties, endpoint, task)
                for _ in range(cold_start.ROUNDS):
                    job = {"task": str(task), "layers": layers, "runtime": runtime, "handler": properties["Handler"]}
                    job["event"] = events[name]()
                    done = subprocess.run(  # noqa: S603 - our own interpreter and code
                        [python, "-I", "-S", "-B", "-X", "importtime", "-c", CHILD, json.dumps(job)],
                        capture_output=True,
                        text=True,
                        env=env,
                        check=False,
                    )
                    if done.returncode != 0:
                        raise SystemExit(done.stderr[-3000:])
                    result = json.loads(done.stdout.strip().splitlines()[-1])
                    result["imports"] = _imports(done.stderr)
                    result["modules"] = _modules(done.stderr)
                    results[name].append(result)
    load = " / ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"Median of {cold_start.ROUNDS} processes per function (-X importtime on), load average after: {load}\n")
    for name, runs in results.items():
        median = lambda values: statistics.median(values) * 1000 if values else 0.0  # noqa: E731
        print(
            f"**{name}** (status {runs[0]['status']}): handler import {median([r['import'] for r in runs]):.0f} ms, "
            f"first invocation {median([r['invoke'] for r in runs]):.0f} ms\n"
        )
        print("| part | at init (ms) | at first request (ms) |\n|---|---:|---:|")
        groups = sorted({g for r in runs for phase in r["imports"].values() for g in phase})
        for group in groups:
            init = statistics.median(r["imports"]["init"].get(group, 0.0) for r in runs)
            invoke = statistics.median(r["imports"]["invoke"].get(group, 0.0) for r in runs)
            print(f"| import: {group} | {init:.1f} | {invoke:.1f} |")
        for kind in ("clients", "calls"):
            keys = sorted({k for r in runs for k, _ in r[kind]})
            for key in keys:
                values = [sum(s for k, s in r[kind] if k == key) for r in runs]
                label = f"client {key}" if kind == "clients" else f"call {key}"
                print(f"| {label} | | {median(values):.1f} |")
        beyond = {m for r in runs for m in r["modules"] if m not in bare}
        mine = {m: statistics.median(r["modules"].get(m, 0.0) for r in runs) for m in beyond}
        print(
            f"\nModules the bare client does not import: {len(beyond)}, {sum(mine.values()):.1f} ms of self time; "
            f"the {top} largest: "
            + ", ".join(f"`{m}` {ms:.1f}" for m, ms in sorted(mine.items(), key=lambda kv: -kv[1])[:top])
        )
        print()


if __name__ == "__main__":
    main()
