"""Requests from one address racing on its counter when the window is over (TTL deletes
late): one of them opens the new window and the others are counted in it, and a counter that
never settles gives up after three rounds with a 503 the client may retry, not a hang
(shop.storage.throttles.take; docs/SECURITY.md, "Login abuse")."""

from __future__ import annotations

import json
import time

from tests import factories
from tests.apigw import invoke
from tests.faults import RequestFault

HERE = "192.0.2.60"
COUNTER = f"ip#register#{HERE}"


def register():
    body = {"email": factories.email(), "password": factories.STRONG_PASSWORD, "name": "Ann"}
    return invoke("POST", "/auth/register", body=body, source_ip=HERE)


def put_counter(ddb, table, attempts, expires_at):
    item = {"attempts": {"N": str(attempts)}, "expiresAt": {"N": str(expires_at)}}
    ddb.put_item(TableName=table, Item={"id": {"S": COUNTER}, "type": {"S": "throttle"}, **item})


def attempts(ddb, table):
    key = {"id": {"S": COUNTER}, "type": {"S": "throttle"}}
    return int(ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["attempts"]["N"])


def on_the_counter(request):
    body = json.loads(request.body)
    return (body.get("Key") or body.get("Item"))["id"]["S"] == COUNTER


def test_a_request_that_loses_the_race_to_open_the_new_window_is_counted_in_it(table, ddb, faults):
    put_counter(ddb, table, 20, int(time.time()) - 1)
    raced = []

    def another_request_opens_it_first(request, deliver):
        if not raced and on_the_counter(request):
            raced.append(True)
            put_counter(ddb, table, 1, int(time.time()) + 300)
        return deliver()

    faults.fail("PutItem", RequestFault(another_request_opens_it_first))
    assert register().status == 201
    assert raced, "the request never tried to open the new window"
    assert attempts(ddb, table) == 2  # the other's and this one's


def test_a_counter_that_never_settles_is_a_503_after_three_rounds(table, ddb, faults):
    """With a one-second window (IP_LIMIT_WINDOW_SECONDS' floor), requests a second apart
    can keep ending and reopening each other's windows: each round finds the window over,
    and loses the reopening to another request. The test plays those other requests."""
    rounds = []

    def expired_when_counted(request, deliver):
        if on_the_counter(request):
            put_counter(ddb, table, 1, int(time.time()) - 1)
        return deliver()

    def reopened_by_another(request, deliver):
        if on_the_counter(request):
            rounds.append(True)
            put_counter(ddb, table, 1, int(time.time()) + 300)
        return deliver()

    faults.fail("UpdateItem", RequestFault(expired_when_counted))
    faults.fail("PutItem", RequestFault(reopened_by_another))
    result = register()
    assert (result.status, result.code, result.headers["Retry-After"]) == (503, "SERVICE_UNAVAILABLE", "1")
    assert len(rounds) == 3
