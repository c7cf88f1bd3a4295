"""AWS: the one client factory and the one translation of its failures.

`client` makes every AWS client of the shop (DynamoDB, S3, SSM, SNS, SES): one configuration of
timeouts and retries for all of them, and the request's deadline checked before every attempt
(deadline.py). Created lazily and cached by their callers for warm invocations; boto3 is
imported only here.

`translated` turns what a call raises when AWS cannot serve it (throttling, a 5xx left after
botocore's retries, a connection that failed, too little of the invocation left for another
attempt) into storage's neutral `ServiceUnavailable` (a 503 with Retry-After). An answer that
is about the request itself (a failed condition, a missing key, access denied) is left to the
caller, which knows what it means (storage/dynamo.py, storage/media.py).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from . import deadline
from .errors import ServiceUnavailable

# Error codes that mean the service could not serve the call now, whatever its HTTP status.
UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "ResourceNotFoundException",  # DynamoDB's table or index still being created (or gone)
        "TransactionInProgressException",
        # A single-item write that meets a running transaction on the same item.
        "TransactionConflictException",
        "SlowDown",  # S3's throttle
    }
)


def region() -> str:
    """The function's region (Lambda sets AWS_REGION); us-east-1 for tools without one."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def client(service: str, region: str, endpoint_url: str | None = None, **options: Any) -> Any:
    """`options`: more botocore Config settings (S3's `signature_version`)."""
    import boto3
    from botocore.config import Config

    made = boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(
            # total_max_attempts counts the first attempt (botocore's max_attempts would not).
            retries={"mode": "standard", "total_max_attempts": deadline.ATTEMPTS},
            connect_timeout=deadline.CONNECT_TIMEOUT,
            read_timeout=deadline.READ_TIMEOUT,
            tcp_keepalive=True,
            **options,
        ),
    )
    # First, before anything else that answers a send (moto in tests, fault injectors).
    made.meta.events.register_first(
        f"before-send.{made.meta.service_model.service_id.hyphenize()}", deadline.before_attempt
    )
    return made


def error_code(error: Any) -> str:
    """The AWS error code of a botocore ClientError ("" when it has none)."""
    return str(error.response.get("Error", {}).get("Code", ""))


def unavailable(error: BaseException, *, refusals: bool = False) -> ServiceUnavailable | None:
    """The 503 that `error` (raised by an AWS call) is, or None when it is the request's own
    answer. `refusals`: every error answer counts as unavailability (a secret that cannot be
    read, a topic that refuses a publish: nothing a client could change)."""
    if isinstance(error, deadline.DeadlineReached):
        return ServiceUnavailable(retry_after=1)
    from botocore.exceptions import BotoCoreError, ClientError  # loaded with the client that raised

    if isinstance(error, BotoCoreError):  # connection refused, timeouts, retries exhausted in transport
        return ServiceUnavailable(retry_after=2)
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        # Any 5xx left after botocore's retries is the service's trouble, not the request's.
        if refusals or error_code(error) in UNAVAILABLE_CODES or status >= 500:
            return ServiceUnavailable(retry_after=1)
    return None


@contextlib.contextmanager
def translated(*, refusals: bool = False) -> Iterator[None]:
    """Around AWS calls: raise `unavailable(error)` in place of the error when it is one."""
    try:
        yield
    except Exception as error:
        failure = unavailable(error, refusals=refusals)
        if failure is None:
            raise
        raise failure from None
