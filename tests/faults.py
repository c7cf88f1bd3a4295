"""Fault injection for the storage's AWS clients, through botocore's event hooks.

moto answers calls from a `before-send` hook. `DynamoFaults` takes that hook's place on
one client and, for the operations a test chooses, answers with a throttle, a 5xx, a
transaction conflict or a timeout *instead of* moto, so the failed request never reaches
the table (as when DynamoDB refuses it). Every HTTP attempt is counted, so tests can prove
botocore retried, and how often; `sent` keeps each attempt's parsed JSON body.

`before_call` is the other kind of race: the request goes through, but another writer's
change lands first, between the storage's read and its write.

A `RequestFault` sees the request and may deliver it first: `lost_response` lets DynamoDB
commit the write and then loses the answer (a read timeout, which botocore retries), and
`stale_unless_consistent` answers an eventually consistent GetItem as a replica that has
not seen the latest write yet. Delivery goes to moto, or over HTTP when the client talks
to a real endpoint (DynamoDB Local), so these faults work on both.
"""

from __future__ import annotations

import collections
import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from moto.core.models import botocore_stubber


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_: Any):
        yield self.data


def error_response(url: str, status: int, code: str, **extra: Any) -> AWSResponse:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": code, **extra}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault-injected"}
    return AWSResponse(url, status, headers, _Body(body))


def throttled(url: str) -> AWSResponse:
    return error_response(url, 400, "ProvisionedThroughputExceededException")


def request_limit(url: str) -> AWSResponse:
    return error_response(url, 400, "ThrottlingException")


def internal_error(url: str) -> AWSResponse:
    return error_response(url, 500, "InternalServerError")


def unlisted_500(url: str) -> AWSResponse:
    """A plain 500 whose error code the storage does not list: the status alone decides."""
    return error_response(url, 500, "InternalFailure")


def unknown_5xx(url: str) -> AWSResponse:
    return error_response(url, 502, "BadGateway")


def transaction_conflict(url: str) -> AWSResponse:
    return error_response(
        url,
        400,
        "TransactionCanceledException",
        CancellationReasons=[{"Code": "TransactionConflict", "Message": "conflict"}] * 3,
    )


def read_timeout(url: str) -> AWSResponse:
    raise ReadTimeoutError(endpoint_url=url)


def connect_timeout(url: str) -> AWSResponse:
    raise ConnectTimeoutError(endpoint_url=url)


Fault = Callable[[str], AWSResponse]


class RequestFault:
    """A fault that sees the request: `answer(request, deliver)` returns the response,
    where `deliver()` sends the request on to the backend and returns its response."""

    def __init__(self, answer: Callable[[Any, Callable[[], AWSResponse]], AWSResponse]):
        self.answer = answer
        self.__name__ = answer.__name__


def _lost_response(request: Any, deliver: Callable[[], AWSResponse]) -> AWSResponse:
    deliver()  # DynamoDB applies the write...
    raise ReadTimeoutError(endpoint_url=request.url)  # ...and its answer never arrives


def _stale_unless_consistent(request: Any, deliver: Callable[[], AWSResponse]) -> AWSResponse:
    if json.loads(request.body or b"{}").get("ConsistentRead"):
        return deliver()
    body = b"{}"  # what a replica that has not applied the last write yet answers
    return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.0"}, _Body(body))


lost_response = RequestFault(_lost_response)
stale_unless_consistent = RequestFault(_stale_unless_consistent)


class DynamoFaults:
    """Faults for one client: DynamoDB's by default, or another service's (`service="ssm"`)."""

    def __init__(self, client: Any, service: str = "dynamodb"):
        self.client = client
        self.service = service
        self._every: Fault | RequestFault | None = None
        self.attempts: collections.Counter[str] = collections.Counter()
        self.sent: collections.defaultdict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        self._faults: dict[str, tuple[Fault | RequestFault, int | None]] = {}

    def fail(self, operation: str, fault: Fault | RequestFault, times: int | None = None) -> None:
        """Attempts of `operation` (e.g. "TransactWriteItems") fail with `fault`: the
        next `times` of them, or every one when `times` is None. Attempts are counted
        from here on."""
        self.attempts.clear()
        self.sent.clear()
        self._faults[operation] = (fault, times)

    def recount(self) -> None:
        """Count attempts (and keep bodies) from here on, failing nothing new."""
        self.attempts.clear()
        self.sent.clear()

    def fail_every_operation(self, fault: Fault | RequestFault) -> None:
        """Every attempt of every operation fails with `fault` (counted from here on)."""
        self.recount()
        self._every = fault

    def heal(self) -> None:
        self._faults.clear()
        self._every = None

    def __call__(self, event_name: str, request: Any, **kwargs: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        self.attempts[operation] += 1
        try:
            self.sent[operation].append(json.loads(request.body or b"{}"))
        except (ValueError, TypeError):  # S3's bodies are XML or the object's bytes
            self.sent[operation].append({})
        fault, times = self._faults.get(operation, (self._every, None))

        def deliver() -> AWSResponse:
            response = botocore_stubber(event_name=event_name, request=request, **kwargs)
            # None: moto is not running, so the client talks to a real endpoint.
            return response if response is not None else self.client._endpoint.http_session.send(request)

        if fault is not None:
            if times is not None:
                self._faults[operation] = (fault, times - 1) if times > 1 else (self._every, None)
            if isinstance(fault, RequestFault):
                return fault.answer(request, deliver)
            return fault(request.url)
        return deliver()

    def __enter__(self) -> DynamoFaults:
        self.client.meta.events.unregister("before-send", botocore_stubber)
        self.client.meta.events.register(f"before-send.{self.service}", self)
        return self

    def __exit__(self, *_: Any) -> None:
        self.client.meta.events.unregister(f"before-send.{self.service}", self)
        self.client.meta.events.register("before-send", botocore_stubber)


Meanwhile = Callable[[Callable[[], Any]], None]


@contextlib.contextmanager
def before_call(client: Any, *operations: str, every_time: bool = False) -> Iterator[Meanwhile]:
    """Yields `meanwhile(callback)`: the callback runs just before the client's next call of one
    of `operations` (e.g. "UpdateItem") goes out, once; with `every_time`, before every call."""
    callbacks: list[Callable[[], Any]] = []

    def fire(**_: Any) -> None:
        if every_time:
            for callback in callbacks:
                callback()
            return
        while callbacks:
            callbacks.pop()()

    for operation in operations:
        client.meta.events.register(f"before-call.dynamodb.{operation}", fire)
    try:
        yield callbacks.append
    finally:
        for operation in operations:
            client.meta.events.unregister(f"before-call.dynamodb.{operation}", fire)
