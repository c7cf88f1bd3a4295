"""`make reconcile`: asks the running local server (make run) to compare the fake provider's
ledger with the orders, and prints each difference by order id. Exit status 1 if any."""

from __future__ import annotations

import json
import os
import sys
import urllib.request


def main() -> int:
    base = os.environ.get("LOCAL_API_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '3000')}"
    with urllib.request.urlopen(base.rstrip("/") + "/_local/reconcile", timeout=60) as response:  # noqa: S310  # nosec B310  # the local server
        differences = json.load(response)["data"]["differences"]
    for difference in differences:
        print(
            f"{difference['orderId']}: {difference['status'] or 'no such order'}, "
            f"due {difference['due']}, the provider holds {difference['held']}"
        )
    print(f"{len(differences)} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
