"""Promote a registered user to admin, in whichever table the environment points at.

    python -m devtools.admin promote someone@example.com      (make admin EMAIL=...)

Against the running `make run` when there is one (it writes its table and endpoint to
LOCAL_DATA_DIR/run.json); otherwise TABLE_NAME and DYNAMODB_ENDPOINT_URL (DynamoDB Local,
...) or, without an endpoint, AWS with the usual credentials and AWS_REGION.
"""

from __future__ import annotations

import argparse
import os
import sys


def _target() -> str | None:
    """Point the environment at the table to change; None, or a one-line reason why not."""
    if os.environ.get("TABLE_NAME"):
        return None
    from .run_files import running_state

    state = running_state()
    if state is None:
        return "no make run is running (start it, or set TABLE_NAME, and DYNAMODB_ENDPOINT_URL for a local table)"
    from .local_env import DUMMY_AWS

    os.environ.update({"TABLE_NAME": state["table"], "DYNAMODB_ENDPOINT_URL": state["dynamodb"], **DUMMY_AWS})
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.admin", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    promote = commands.add_parser("promote", help="give a registered user the admin role")
    promote.add_argument("email")
    args = parser.parse_args(argv)
    problem = _target()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from botocore.exceptions import BotoCoreError

    from shop.email_addresses import normalize_for_lookup
    from shop.errors import DomainError
    from shop.services import auth
    from shop.storage import storage

    try:
        found = storage().users.find_by_email(normalize_for_lookup(args.email))
        if found is not None and found.role == "admin":
            print(f"{found.email} ({found.id}) is already an admin of table {os.environ['TABLE_NAME']}.")
            return 0
        user = auth.promote_to_admin(storage(), args.email)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    except BotoCoreError as error:  # no credentials, no endpoint: one line, not a traceback
        print(f"error: cannot reach table {os.environ['TABLE_NAME']}: {error}", file=sys.stderr)
        return 2
    print(f"{user.email} ({user.id}) is now an admin of table {os.environ['TABLE_NAME']}.")
    print("Their next sign-in carries the role: a token issued before it stays a customer's until it expires.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
