"""Failed logins racing on one counter whose window is over (TTL deletes late): only one of
them opens the new window, and the others are counted in it, not lost and not a 503
(shop.storage.throttles.count_failure; docs/SECURITY.md, "Login abuse")."""

from __future__ import annotations

import json
import time

from tests.apigw import invoke
from tests.faults import RequestFault

WRONG = "Wrong-Passw0rd!"
HERE = "198.51.100.1"


def counter(ddb, table, counter_id):
    key = {"id": {"S": counter_id}, "type": {"S": "throttle"}}
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return {k: int(v["N"]) for k, v in item.items() if "N" in v}


def test_a_failure_that_loses_the_race_to_open_the_new_window_is_counted_in_it(table, ddb, customer, faults):
    counter_id = f"login-from#{HERE}#{customer.email}"
    ended = str(int(time.time()) - 1)
    stale = {"failures": {"N": "4"}, "windowEnds": {"N": ended}, "expiresAt": {"N": ended}}
    ddb.put_item(TableName=table, Item={"id": {"S": counter_id}, "type": {"S": "throttle"}, **stale})
    raced = []

    def another_failure_opens_it_first(request, deliver):
        body = json.loads(request.body)
        if not raced and body["Key"]["id"]["S"] == counter_id and body["UpdateExpression"].startswith("SET failures"):
            raced.append(True)
            opened = str(int(time.time()) + 900)
            ddb.put_item(
                TableName=table,
                Item={
                    "id": {"S": counter_id},
                    "type": {"S": "throttle"},
                    **{"failures": {"N": "1"}, "windowEnds": {"N": opened}, "expiresAt": {"N": opened}},
                },
            )
        return deliver()

    faults.fail("UpdateItem", RequestFault(another_failure_opens_it_first))
    result = invoke("POST", "/auth/login", body={"email": customer.email, "password": WRONG}, source_ip=HERE)
    assert raced, "the login never tried to open the new window"
    assert result.status == 401
    assert counter(ddb, table, counter_id)["failures"] == 2  # the other's and this one's
