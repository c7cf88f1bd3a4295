"""Every function answers before its timeout in serverless.yml, whatever DynamoDB and SSM do.

On a simulated clock, each function's request runs against backends where every attempt
hangs until its read timeout, or answers just inside it; botocore's backoff and the
storage's jitter take their longest, and bcrypt the time it takes at cost 12 on Lambda.
The time the request took must fit the function's timeout: the deadline the edge derives
from the Lambda context (shop.deadline) stops retrying in time, however many calls the
request makes. Without it one DynamoDB call could take 3 x (0.5 + 1.5) s + 1 s + 2 s = 9 s,
in functions with a 6 s timeout. A new function's request is its handler's declared example
(`@endpoint(example=...)`); an event function is covered by the budget check below."""

from __future__ import annotations

import pytest

from devtools import routes, serverless_config
from shop import deadline
from tests import factories
from tests.apigw import FUNCTIONS, invoke, make_event, timeout_of
from tests.faults import DynamoFaults, RequestFault

BCRYPT_SECONDS = 0.5  # cost 12 on 1,024 MB is about a quarter second (docs/BENCHMARKS.md)
API_GATEWAY_LIMIT = 29  # seconds: the REST API's integration timeout
LAMBDA_LIMIT = 900  # seconds: the longest a Lambda function may run
ROUTES = {r.function: r for r in serverless_config.routes() if r.method not in ("ANY",)}
# A request per HTTP function that passes validation, so it goes as far into the backends as it
# can: each route's declared example (devtools.routes), filled in with the world below.
DECLARED = {entry.function: entry for entry in routes.http()}
WEBHOOK_SECRET = "whsec_deadline_" + "s" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Context:
    def __init__(self, function: str, clock: Clock):
        self.function_name, self.aws_request_id = function, "simulated"
        self._clock, self._ends = clock, clock.now + timeout_of(function)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends - self._clock.now) * 1000))


@pytest.fixture
def clock(monkeypatch):
    from botocore.retries import standard

    clock = Clock()
    monkeypatch.setattr(deadline, "_now", lambda: clock.now)
    monkeypatch.setattr("time.sleep", clock.sleep)  # botocore's backoff and the storage's jitter
    monkeypatch.setattr(  # the longest backoff botocore may draw (throttling's base scale, 1 s)
        standard.ExponentialBackoff, "delay_amount", lambda self, context: min(2 ** (context.attempt_number - 1), 20)
    )
    monkeypatch.setattr("shop.storage.dynamo.random.uniform", lambda low, high: high)
    for name in ("hash_password", "verify_password"):
        real = getattr(__import__("shop.passwords", fromlist=[name]), name)

        def slow(*args, real=real):
            clock.sleep(BCRYPT_SECONDS)
            return real(*args)

        monkeypatch.setattr(f"shop.passwords.{name}", slow)
    return clock


def hang(clock: Clock) -> RequestFault:
    from botocore.exceptions import ReadTimeoutError

    def hang_until_read_timeout(request, deliver):
        clock.sleep(deadline.CONNECT_TIMEOUT + deadline.READ_TIMEOUT)
        raise ReadTimeoutError(endpoint_url=request.url)

    return RequestFault(hang_until_read_timeout)


def slow(clock: Clock) -> RequestFault:
    def answer_just_in_time(request, deliver):
        clock.sleep(deadline.CONNECT_TIMEOUT + deadline.READ_TIMEOUT - 0.01)
        return deliver()

    return RequestFault(answer_just_in_time)


@pytest.fixture
def world(table, admin, customer, product, monkeypatch):
    """The records the requests name, and the secret read from SSM as on AWS (a cold start)."""
    import os

    import boto3

    from shop import config
    from tests import iam
    from tests.conftest import TEST_SECRET

    lamp = product(stock=50)
    order = invoke("POST", "/orders", body=factories.order_body((lamp["id"], 1)), token=customer.token).data
    image = invoke(
        "POST",
        f"/products/{lamp['id']}/images",
        body={"contentType": "image/png", "contentLength": 9},
        token=admin.token,
    ).data
    name = os.environ.get("JWT_SECRET_PARAMETER") or "/shop-test/jwt-secret"
    boto3.client("ssm", region_name="us-east-1", **iam.harness_credentials()).put_parameter(
        Name=name, Value=TEST_SECRET, Type="SecureString", Overwrite=True
    )
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.setenv("JWT_SECRET_PARAMETER", name)
    # The webhook function's own parameter (under IAM enforcement its role allows that one only).
    webhook_parameter = "/" + name.strip("/").rsplit("/", 1)[0] + "/stripe-webhook-secret"
    boto3.client("ssm", region_name="us-east-1", **iam.harness_credentials()).put_parameter(
        Name=webhook_parameter, Value=WEBHOOK_SECRET, Type="SecureString", Overwrite=True
    )
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET_PARAMETER", webhook_parameter)
    config.reset()
    yield {"product": lamp, "order": order, "image": image["imageId"], "admin": admin, "customer": customer}
    config.reset()


def request_of(function: str, world: dict) -> dict:
    ids = {"product": world["product"]["id"], "order": world["order"]["id"], "image": world["image"]}
    values = {
        "<product>": world["product"]["id"],
        "<email>": "deadline@example.com",
        "<customer>": world["customer"].email,
        "<password>": world["customer"].password,
        "<address>": factories.ADDRESS,
    }
    made = routes.request(DECLARED[function], ids, values)
    token = world[made.auth].token if made.auth else None
    headers = dict(made.headers)
    if DECLARED[function].operation.signature_header:  # signed here: the signature must be fresh
        import hashlib
        import hmac
        import json
        import time

        at = int(time.time())
        raw = json.dumps(made.body)
        mac = hmac.new(WEBHOOK_SECRET.encode(), f"{at}.{raw}".encode(), hashlib.sha256).hexdigest()
        headers[DECLARED[function].operation.signature_header] = f"t={at},v1={mac}"
    event, _ = make_event(made.method, made.path, body=made.body, token=token, query=made.query, headers=headers)
    return event


HTTP_FUNCTIONS = sorted(f for f in FUNCTIONS if f in ROUTES and f != serverless_config.fallback_function())


def test_every_http_function_has_a_declared_request():
    assert sorted(DECLARED) == HTTP_FUNCTIONS


@pytest.mark.parametrize("backend", ["hanging", "slow"])
@pytest.mark.parametrize("function", HTTP_FUNCTIONS)
def test_a_function_answers_within_its_timeout_whatever_the_backends_do(world, clock, function, backend):
    from shop import config
    from shop.storage import storage
    from shop.storage.media import media
    from tests.apigw import invoke_function

    event = request_of(function, world)
    config.signing_secrets.cache_clear()  # a cold start: the secret is read from SSM first
    fault = hang(clock) if backend == "hanging" else slow(clock)
    with (
        DynamoFaults(storage().client) as table_faults,
        DynamoFaults(config._ssm(), service="ssm") as ssm_faults,
        DynamoFaults(media().s3, service="s3") as s3_faults,
    ):
        for faults in (table_faults, ssm_faults, s3_faults):
            faults.fail_every_operation(fault)
        started = clock.now
        response = invoke_function(function, event, Context(function, clock))
        took = clock.now - started

    assert took <= timeout_of(function), f"{function} took {took:.2f} s of its {timeout_of(function)} s"
    if backend == "hanging":
        assert response["statusCode"] == 503, response["body"]
        assert table_faults.attempts.total() + ssm_faults.attempts.total() + s3_faults.attempts.total() >= 1
    else:
        assert response["statusCode"] < 500 or response["statusCode"] == 503, response["body"]
    if response["statusCode"] == 503:  # the client is told when to come back, in whole seconds
        assert int(response["headers"]["Retry-After"]) >= 1, response["headers"]


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_timeout_leaves_room_for_one_full_attempt_and_fits_the_gateway(function):
    """The budget of the smallest useful invocation: one AWS attempt with its worst backoff,
    the answer, and bcrypt where the function hashes. Event functions too; only those behind
    API Gateway are bound by its integration limit (the others by Lambda's 15 minutes)."""
    statements = FUNCTIONS[function].get("iamRoleStatements")
    budget = (deadline.ATTEMPT_BUDGET + deadline.RESERVE if statements else 0.5) + (
        BCRYPT_SECONDS * {"login": 1, "register": 1, "changePassword": 2}.get(function, 0)
    )
    limit = API_GATEWAY_LIMIT if function in ROUTES else LAMBDA_LIMIT
    assert budget <= timeout_of(function) <= limit
