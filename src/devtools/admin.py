"""Promote a registered user to admin, in whichever table the environment points at.

    python -m devtools.admin promote someone@example.com

Uses TABLE_NAME and DYNAMODB_ENDPOINT_URL (DynamoDB Local, ...) or, without an
endpoint, AWS with the usual credentials and AWS_REGION.
"""

from __future__ import annotations

import argparse
import sys

from shop.errors import DomainError
from shop.services import auth
from shop.storage import storage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.admin", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    promote = commands.add_parser("promote", help="give a registered user the admin role")
    promote.add_argument("email")
    args = parser.parse_args(argv)
    try:
        user = auth.promote_to_admin(storage(), args.email)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    print(f"{user['email']} ({user['userId']}) is now an admin.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
