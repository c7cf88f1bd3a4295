"""The OWASP API Security Top 10 (2023) matrix: one module per risk, attacks through the real handlers."""

from __future__ import annotations

# The accounts and the product factory the integration suite uses, shared rather than copied.
from tests.integration.conftest import Account, admin, customer, make_admin, other_customer, product, register

__all__ = ["Account", "admin", "customer", "make_admin", "other_customer", "product", "register"]
