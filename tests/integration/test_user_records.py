"""What registration writes (docs/DATA_MODEL.md): the user item holds email, name, role,
passwordHash, createdAt and updatedAt, the two stamps equal and in UTC; the email guard holds
the userId. Read straight from the table, on moto and on DynamoDB Local."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from tests import factories
from tests.apigw import invoke

pytestmark = pytest.mark.dynamodb_local


def raw(ddb, table, item_id, item_type):
    from boto3.dynamodb.types import TypeDeserializer

    key = {"id": {"S": item_id}, "type": {"S": item_type}}
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return {k: TypeDeserializer().deserialize(v) for k, v in item.items()} if item else None


def test_a_registered_user_is_stored_with_its_documented_fields_and_both_stamps(table, ddb):
    email = factories.email()
    body = {"email": email, "password": factories.STRONG_PASSWORD, "name": "Ada Lovelace"}
    registered = invoke("POST", "/auth/register", body=body)
    assert registered.status == 201, registered.body
    user_id = registered.data["user"]["userId"]

    user = raw(ddb, table, user_id, "user")

    assert user["id"] == user_id
    assert set(user) == {"id", "type", "email", "name", "role", "passwordHash", "createdAt", "updatedAt"}
    assert (user["email"], user["name"], user["role"]) == (email, "Ada Lovelace", "customer")
    assert user["createdAt"] == user["updatedAt"] and user["createdAt"].endswith("Z")
    stamped = datetime.fromisoformat(user["createdAt"].replace("Z", "+00:00")).timestamp()
    assert abs(stamped - time.time()) < 60
    assert raw(ddb, table, f"email#{email}", "email")["userId"] == user_id
