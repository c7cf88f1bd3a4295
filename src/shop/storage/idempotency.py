"""Idempotency records: a key claimed by the write it protects, in the same transaction."""

from __future__ import annotations

import time
from typing import Any

from . import keys
from .dynamo import Table
from .records import IdempotencyClaim


def claim_put(claim: IdempotencyClaim, order_id: str) -> dict[str, Any]:
    """The transaction item that claims the key for `order_id`."""
    record = {
        **keys.idempotency(claim.user_id, claim.key),
        "requestHash": claim.request_hash,
        "orderId": order_id,
        keys.TTL_FIELD: claim.expires_at,
    }
    return {
        "Put": {
            "Item": record,
            # An expired record may still exist until TTL deletes it.
            "ConditionExpression": "attribute_not_exists(id) OR expiresAt < :now",
            "ExpressionAttributeValues": {":now": int(time.time())},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def unexpired(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if record is None or record.get(keys.TTL_FIELD, 0) < int(time.time()):
        return None
    return record


class DynamoIdempotency:
    def __init__(self, table: Table):
        self.table = table

    def get(self, user_id: str, key: str) -> dict[str, Any] | None:
        return unexpired(self.table.get(keys.idempotency(user_id, key), consistent=True))
