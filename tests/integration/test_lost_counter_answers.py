"""A counter's UpdateItem that DynamoDB applies but whose answer is lost (issue 32, defect 5):
botocore resends the same request, which must not be applied a second time. A restock by
`stockDelta` and a failed login's counters carry a request token in their condition: the resent
request finds its own token, and storage answers with the write it made. By fault injection
(`lost_response`: the request is delivered, then the read times out), on moto and DynamoDB Local."""

from __future__ import annotations

import pytest
from botocore.exceptions import ReadTimeoutError

from tests.apigw import invoke
from tests.faults import RequestFault, lost_response

pytestmark = pytest.mark.dynamodb_local


def stock_of(product_id: str) -> int:
    return invoke("GET", f"/products/{product_id}").data["stock"]


@pytest.mark.parametrize(("delta", "expected"), [(3, 8), (-2, 3)])
def test_a_stock_delta_whose_answer_was_lost_is_applied_once(table, admin, product, faults, delta, expected):
    lamp = product(stock=5)
    faults.fail("UpdateItem", lost_response, times=1)

    changed = invoke("PUT", f"/products/{lamp['id']}", body={"stockDelta": delta}, token=admin.token)

    assert changed.status == 200, changed.body
    assert changed.data["stock"] == expected
    assert faults.attempts["UpdateItem"] == 2  # the applied attempt and botocore's resend
    faults.heal()
    assert stock_of(lamp["id"]) == expected
    assert set(changed.data) == set(invoke("GET", f"/products/{lamp['id']}").data)  # no storage field shown


def test_two_stock_deltas_in_a_row_both_apply(table, admin, product):
    lamp = product(stock=5)
    for _ in range(2):
        assert invoke("PUT", f"/products/{lamp['id']}", body={"stockDelta": 1}, token=admin.token).status == 200
    assert stock_of(lamp["id"]) == 7


_lost: set[bytes] = set()


def _lose_failure_counts(request, deliver):
    """Each failure count's first attempt is applied and its answer lost; botocore's resend
    of that same request is answered."""
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    if b"ADD failures" in body and body not in _lost:
        _lost.add(body)
        deliver()
        raise ReadTimeoutError(endpoint_url=request.url)
    return deliver()


lose_failure_counts = RequestFault(_lose_failure_counts)


def failure_counts(ddb, table):
    items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]  # the test's own table
    return sorted(int(i["failures"]["N"]) for i in items if i["type"]["S"] == "throttle" and "failures" in i)


def test_a_failed_login_whose_counts_were_lost_counts_once(table, ddb, customer, faults):
    faults.fail("UpdateItem", lose_failure_counts)  # the address's and the email's counter, each once

    wrong = invoke("POST", "/auth/login", body={"email": customer.email, "password": "Wrong-password-1"})

    assert wrong.status == 401, wrong.body
    faults.heal()
    assert failure_counts(ddb, table) == [1, 1]
    again = invoke("POST", "/auth/login", body={"email": customer.email, "password": "Wrong-password-1"})
    assert again.status == 401
    assert failure_counts(ddb, table) == [2, 2]
