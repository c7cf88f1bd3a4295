"""The deploy rehearsal (`make deploy-rehearsal`, part of `make test`; docs/DEPLOY.md).

    python -m devtools.deploy_rehearsal [--keep] [--makefile-from REV] [--region eu-west-1]

From a clean state (a copy of the repository's files as git sees them: no .cache, no
.serverless, no web build), it runs the very Makefile targets a deployer and the pipeline run,
`make deploy STAGE=dev` and `make remove STAGE=dev`, with every AWS call sent to a local moto
server on 127.0.0.1 (the pinned CLI through serverless-localstack, loaded by
deploy/plugins/emulator.js; boto3 through AWS_ENDPOINT_URL). It deploys the dev stage, deploys
again with one function's configuration changed and checks that only that function changed,
then removes the stage and checks that nothing of it is left. The account is first set up as
docs/DEPLOY.md's first-deploy steps say (API Gateway's logs role, a verified SES identity).

What moto's CloudFormation cannot create is removed in one step of the emulator plugin, which
prints it by type; cfn-lint, checkov and tests/deploy check that part. --makefile-from REV runs
the rehearsal with the Makefile of another commit (to show what it catches).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import socket
import subprocess  # nosec B404  # runs make, git: fixed commands
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from .serverless_config import ROOT

STAGE = "dev"
STACK = f"shop-api-{STAGE}"
CHANGED_FUNCTION = "health"
SES_IDENTITY = "rehearsal.shop-api.dev"
REGION = "us-east-1"


class RehearsalFailed(Exception):
    pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_copy(destination: Path, makefile_from: str | None = None) -> Path:
    """The repository's files as a fresh clone has them (tracked and new, never ignored ones),
    with the shared installs (.venv, node_modules) linked in, as CI restores them."""
    git = shutil.which("git") or "git"
    listing = subprocess.run(  # noqa: S603  # nosec B603
        [git, "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if source.is_symlink() or not source.is_file():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    for shared in (".venv", "node_modules"):
        (destination / shared).symlink_to((ROOT / shared).resolve())
    if makefile_from:
        makefile = subprocess.run(  # noqa: S603  # nosec B603
            [git, "show", f"{makefile_from}:Makefile"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        (destination / "Makefile").write_bytes(makefile)
    for leftover in (".cache", ".serverless", "web/dist", "web/node_modules"):
        if (destination / leftover).exists():
            raise RehearsalFailed(f"the copy is not clean: {leftover} exists")
    return destination


def supported_types() -> list[str]:
    """The resource types moto's CloudFormation creates (its model map, as the server uses it)."""
    from moto.cloudformation import parsing

    for service in ("apigateway", "awslambda", "cloudwatch", "dynamodb", "events", "iam", "kms", "logs", "s3"):
        __import__(f"moto.{service}.models")
    for service in ("sns", "sqs", "ssm", "ec2"):
        __import__(f"moto.{service}.models")
    return sorted(parsing.get_model_map())


def prepare_account(session: boto3.session.Session) -> None:
    """docs/DEPLOY.md's once-per-account steps: the logs role (make apigateway-logs-role), SES."""
    from . import deploy_preflight

    deploy_preflight.create_logs_role(session.client("apigateway"), session.client("iam"))
    session.client("ses").verify_domain_identity(Domain=SES_IDENTITY)


def make(clone: Path, env: dict[str, str], *targets: str) -> None:
    started = time.monotonic()
    print(f"\n$ make {' '.join(targets)}   (in a clean copy, AWS = the emulator)", flush=True)
    done = subprocess.run(["make", "--no-print-directory", *targets], cwd=clone, env=env)  # noqa: S603,S607  # nosec
    print(f"make {' '.join(targets)}: exit {done.returncode} after {time.monotonic() - started:.0f} s", flush=True)
    if done.returncode:
        raise RehearsalFailed(f"make {' '.join(targets)} failed (exit {done.returncode})")


def functions(session: boto3.session.Session) -> dict[str, dict[str, Any]]:
    found = {}
    for page in session.client("lambda").get_paginator("list_functions").paginate():
        for fn in page["Functions"]:
            if fn["FunctionName"].startswith(f"{STACK}-"):
                found[fn["FunctionName"].removeprefix(f"{STACK}-")] = fn
    return found


def stack_resources(session: boto3.session.Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    pages = session.client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=STACK)
    for page in pages:
        for resource in page["StackResourceSummaries"]:
            counts[resource["ResourceType"]] = counts.get(resource["ResourceType"], 0) + 1
    return dict(sorted(counts.items()))


def change_one_function(clone: Path) -> None:
    """One function's configuration (its timeout) changes; nothing else does."""
    path = clone / "serverless.yml"
    text = path.read_text()
    pattern = re.compile(rf"(\n  {CHANGED_FUNCTION}:\n(?:    .*\n)*?    timeout: )(\d+)")
    match = pattern.search(text)
    if not match:
        raise RehearsalFailed(f"serverless.yml: {CHANGED_FUNCTION} declares no timeout to change")
    path.write_text(text[: match.start(2)] + str(int(match.group(2)) + 1) + text[match.end(2) :])


def rehearse(keep: bool = False, makefile_from: str | None = None, region: str = REGION) -> None:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the server's access log, not ours
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    workdir = Path(tempfile.mkdtemp(prefix="deploy-rehearsal-"))
    try:
        endpoint = f"http://localhost:{port}"  # serverless-localstack wants a host name
        aws = {
            "AWS_ACCESS_KEY_ID": "rehearsal",
            "AWS_SECRET_ACCESS_KEY": "rehearsal",  # nosec B105  # the local emulator's dummy key
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ENDPOINT_URL": endpoint,
        }
        os.environ.update(aws)  # this process's own calls go to the emulator too
        session = boto3.session.Session()
        prepare_account(session)
        clone = clean_copy(workdir / "shop-api", makefile_from)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE", "SLS_"))},
            **aws,
            "SHOP_EMULATOR_ENDPOINT": endpoint,
            "SHOP_EMULATOR_NODE_MODULES": str(ROOT / ".cache" / "emulator-node" / "node_modules"),
            "SHOP_EMULATOR_SUPPORTED_TYPES": ",".join(supported_types()),
            "SES_SENDER_IDENTITY": SES_IDENTITY,
            "SES_SENDER_ADDRESS": f"orders@{SES_IDENTITY}",
            "CORS_ALLOWED_ORIGINS": "",
        }
        make(clone, env, "deploy", f"STAGE={STAGE}")
        first = functions(session)
        print(f"\ndeployed {STACK}: {sum(stack_resources(session).values())} resources in the emulator's stack")
        print(json.dumps(stack_resources(session), indent=1))

        change_one_function(clone)
        make(clone, env, "deploy", f"STAGE={STAGE}")
        second = functions(session)
        changed = sorted(n for n in second if second[n]["Timeout"] != first.get(n, {}).get("Timeout"))
        if changed != [CHANGED_FUNCTION]:
            raise RehearsalFailed(f"the second deploy changed {changed}, not only {CHANGED_FUNCTION}")
        new_code = sorted(n for n in second if second[n]["CodeSha256"] != first.get(n, {}).get("CodeSha256"))
        if new_code:  # the same code makes the same zip (deploy/plugins/function-zips.js)
            raise RehearsalFailed(f"the second deploy, with no code changed, changed the code of {new_code}")
        print(f"second deploy: only {CHANGED_FUNCTION}'s configuration changed; the same code for all {len(second)}")

        make(clone, env, "remove", f"STAGE={STAGE}")
        stacks = session.client("cloudformation").list_stacks()["StackSummaries"]
        alive = [s["StackName"] for s in stacks if s["StackName"] == STACK and s["StackStatus"] != "DELETE_COMPLETE"]
        if alive or functions(session):
            raise RehearsalFailed(f"after make remove, left: stack {alive}, functions {sorted(functions(session))}")
        buckets = [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]]
        if buckets:
            raise RehearsalFailed(f"after make remove, buckets are left: {buckets}")
        print(f"\nrehearsal passed: {STACK} created, updated (one function) and removed on the emulator ({region})")
    finally:
        server.stop()
        if keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.deploy_rehearsal", description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument("--makefile-from", help="the Makefile of this git revision instead")
    parser.add_argument("--region", default=REGION, help=f"the region deployed to (default {REGION})")
    args = parser.parse_args(argv)
    try:
        rehearse(args.keep, args.makefile_from, args.region)
    except RehearsalFailed as failure:
        print(f"deploy rehearsal FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
