"""Reconcile the provider's ledger with the orders (scheduled, not an HTTP route)

EventBridge invokes this once a day on AWS: the orders whose money may have moved in the last
RECONCILE_LOOKBACK_HOURS (26) are each compared with their charges and refunds at the provider;
every difference is logged by order id and counted in the ReconciliationDifferences metric, which
has an alarm. Locally, `make reconcile` compares the fake provider's whole ledger. See
shop.services.reconcile.
"""

from __future__ import annotations

from typing import Any

from ..services import reconcile
from ..storage import storage

# Its row in the generated routes tables (devtools.routes): it has no HTTP route of its own.
TRIGGER = "no route: EventBridge, once a day (locally `make reconcile`)"
WHO = "nobody: compares the provider's ledger with the orders"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return reconcile.scheduled(storage(), context)
