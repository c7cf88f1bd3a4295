"""A PUT restamps `updatedAt` (docs/API.md: a server field, ISO-8601 UTC) and leaves
`createdAt` alone; the product keeps exactly its documented fields."""

from __future__ import annotations

import time

from tests import factories
from tests.apigw import invoke


def test_a_put_restamps_updated_at_and_keeps_created_at(admin, product):
    created = product()
    time.sleep(0.01)  # the stamps have millisecond resolution

    updated = invoke("PUT", f"/products/{created['id']}", body={"name": "Renamed"}, token=admin.token)

    assert updated.status == 200, updated.body
    assert set(updated.data) == factories.PRODUCT_FIELDS
    assert updated.data["createdAt"] == created["createdAt"]
    assert updated.data["updatedAt"] > created["updatedAt"]
    assert invoke("GET", f"/products/{created['id']}").data == updated.data
