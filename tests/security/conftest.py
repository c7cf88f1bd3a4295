"""The OWASP API Security Top 10 (2023) matrix: one module per risk, attacks through the real handlers."""

from __future__ import annotations

import pytest

# The accounts and the product factory the integration suite uses, shared rather than copied.
from tests.integration.conftest import Account, admin, customer, make_admin, other_customer, product, register

__all__ = ["Account", "admin", "customer", "make_admin", "other_customer", "product", "register"]


@pytest.fixture
def backoff_delays(monkeypatch):
    """botocore's retry delays, recorded instead of slept, so fault tests stay fast."""
    from botocore.retries import standard

    delays: list[float] = []
    computed = standard.ExponentialBackoff.delay_amount

    def record(self, context):
        delays.append(computed(self, context))
        return 0.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", record)
    return delays


@pytest.fixture
def faults(table, backoff_delays):
    from shop.storage import storage
    from tests.faults import DynamoFaults

    with DynamoFaults(storage().client) as injector:
        yield injector
