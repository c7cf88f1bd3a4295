"""Runs tests under moto's IAM enforcement, each function with exactly the policy its role
has in the template `make package` generated (.serverless/cloudformation-template-update-stack.json).

Turned on by SHOP_IAM_TEMPLATE=<that template> (`make test-iam`, part of `make test`):

- every AWS request is signed with the credentials of whoever makes it: a function while
  `acting_as(function)` is active (tests.apigw.invoke and invoke_function enter it), and
  otherwise the harness itself (fixtures, set-up, reading the table back), which may do
  anything. Each function is an IAM user holding its role's policies, resolved for the
  table of the running test, and moto checks each request against them
  (moto's INITIAL_NO_AUTH_ACTION_COUNT, set to 0 once the users exist);
- moto checks DynamoDB and SSM against the resource "*", which no least-privilege policy
  names: RESOURCES below tells it the ARNs AWS would check, and that a TransactWriteItems is
  authorized as a PutItem/UpdateItem/DeleteItem/ConditionCheckItem per item, as on AWS;
- S3: moto checks each object request against its key's ARN itself, but a DeleteObjects
  against the bucket's; here it is s3:DeleteObject per key, as on AWS. The template's bucket
  names become the test's (MEDIA_BUCKET), and the local S3 form endpoint
  (devtools/local_routes/media.py) knows the functions' keys, so a presigned POST is stored
  as the function that signed it (its s3:PutObject), as S3 authorizes it;
- a denied request fails the test it happened in, even if the code turned it into a 503;
- the session fails when a function of serverless.yml never ran under enforcement
  (SHOP_IAM_EVERY_FUNCTION=1, set by `make test-iam`).

KMS is not checked: moto's SSM decrypts a SecureString without calling KMS.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
PARTITION = "aws"
HARNESS = "(test harness)"

_acting: contextvars.ContextVar[str | None] = contextvars.ContextVar("acting_as", default=None)
ENFORCEMENT: Enforcement | None = None


def enabled() -> bool:
    return ENFORCEMENT is not None


@contextlib.contextmanager
def acting_as(function: str) -> Iterator[None]:
    """AWS requests in this block are `function`'s (no-op without enforcement). The function's
    signing secret is read again, from SSM, as the function: each invocation is a cold start."""
    if ENFORCEMENT is None:
        yield
        return
    from shop import config

    ENFORCEMENT.prepare(function)
    config.signing_secrets.cache_clear()
    token = _acting.set(function)
    try:
        yield
    finally:
        _acting.reset(token)
        config.signing_secrets.cache_clear()


def harness_credentials() -> dict[str, str]:
    """boto3.client() arguments for a client that is always the harness, whoever is acting:
    the tests' own table client (the `ddb` fixture), which may write while a function runs
    (a race the test stages) without that write being the function's."""
    if ENFORCEMENT is None:
        return {}
    key, secret = ENFORCEMENT.credentials(HARNESS)
    return {"aws_access_key_id": key, "aws_secret_access_key": secret}


# --- what AWS authorizes, per request -------------------------------------------------------


def _table_arn(name: str) -> str:
    return f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def dynamodb_checks(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(action, resource) pairs AWS checks for one DynamoDB request."""
    if operation == "TransactWriteItems":
        kinds = {
            "Put": "PutItem",
            "Update": "UpdateItem",
            "Delete": "DeleteItem",
            "ConditionCheck": "ConditionCheckItem",
        }
        return [
            (kinds[kind], _table_arn(spec["TableName"]))
            for item in body.get("TransactItems", [])
            for kind, spec in item.items()
        ]
    if operation == "TransactGetItems":
        return [("GetItem", _table_arn(item["Get"]["TableName"])) for item in body.get("TransactItems", [])]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(operation, _table_arn(name)) for name in body.get("RequestItems", {})]
    if "TableName" not in body:
        return [(operation, "*")]
    arn = _table_arn(body["TableName"])
    if operation in ("Query", "Scan") and body.get("IndexName"):
        arn += f"/index/{body['IndexName']}"
    return [(operation, arn)]


def ssm_checks(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    names = body.get("Names") or ([body["Name"]] if body.get("Name") else [])
    if not names:
        return [(operation, "*")]
    # GetParameters is authorized per name, as on AWS: every name asked for must be allowed.
    arn = f"arn:{PARTITION}:ssm:{REGION}:{ACCOUNT}:parameter"
    return [(operation, f"{arn}{'' if name.startswith('/') else '/'}{name}") for name in names]


def sns_checks(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """PublishBatch is authorized as sns:Publish on the topic, as on AWS."""
    topic = body.get("TopicArn")
    action = "Publish" if operation == "PublishBatch" else operation
    return [(action, topic or "*")]


def ses_checks(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """Sending is authorized on the identity of the From address (its domain, as the notifier's
    role names it); `ses:FromAddress` is given to the condition (see Enforcement)."""
    from email.utils import parseaddr

    source = parseaddr(body.get("Source", ""))[1]
    if operation not in ("SendEmail", "SendRawEmail") or "@" not in source:
        return [(operation, "*")]
    return [(operation, f"arn:{PARTITION}:ses:{REGION}:{ACCOUNT}:identity/{source.rpartition('@')[2]}")]


def _resource_checkers() -> dict[type, Callable[[str, dict[str, Any]], list[tuple[str, str]]]]:
    """moto's response class per service -> the (action, resource) pairs of a request. A service
    whose moto class authorizes resources itself (S3; SQS by queue ARN) needs no entry; one that
    checks only "*" (most) needs one here, or its resource-scoped statements always deny."""
    from moto.dynamodb.responses import DynamoHandler
    from moto.ses.responses import EmailResponse
    from moto.sns.responses import SNSResponse
    from moto.ssm.responses import SimpleSystemManagerResponse

    return {
        DynamoHandler: dynamodb_checks,
        SimpleSystemManagerResponse: ssm_checks,
        SNSResponse: sns_checks,
        EmailResponse: ses_checks,
    }


# --- the template's policies, resolved --------------------------------------------------------


def function_roles(template: dict[str, Any], functions: list[str]) -> dict[str, list[dict[str, Any]]]:
    """function name -> the policy documents of its role in the generated template."""
    resources = template["Resources"]
    by_name = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::Lambda::Function":
            name = resource["Properties"]["FunctionName"]
            by_name[name] = resource["Properties"]["Role"]["Fn::GetAtt"][0]
    roles: dict[str, list[dict[str, Any]]] = {}
    for function in functions:
        matches = [role for name, role in by_name.items() if name.endswith(f"-{function}")]
        if len(matches) != 1:
            raise LookupError(f"{function}: no Lambda function (or several) in the template")
        role = resources[matches[0]]["Properties"]
        if role.get("ManagedPolicyArns"):
            raise NotImplementedError(f"{function}: managed policies are not resolved here")
        roles[function] = [policy["PolicyDocument"] for policy in role.get("Policies", [])]
    return roles


class Resolver:
    """CloudFormation intrinsics of a policy, resolved for this account, region and the test's
    table. Other resources resolve by type (ARN_BY_TYPE); add a type there when a role
    names a new kind of resource."""

    ARN_BY_TYPE = {
        "AWS::KMS::Key": lambda logical, props: f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{logical}",
        "AWS::SNS::Topic": lambda logical, props: f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{props.get('TopicName')}",
        "AWS::SQS::Queue": lambda logical, props: f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{props.get('QueueName')}",
        "AWS::S3::Bucket": lambda logical, props: f"arn:{PARTITION}:s3:::{props.get('BucketName')}",
    }

    def __init__(self, template: dict[str, Any], table_logical_id: str, table_name: str):
        self.resources = template["Resources"]
        self.table_logical_id = table_logical_id
        self.table_name = table_name
        self.pseudo = {"AWS::Partition": PARTITION, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
        self._resolved: dict[tuple[str, str], str] = {}  # (logical id, attribute or "Ref") -> value

    def arn(self, logical: str, attribute: str = "Arn") -> str:
        if (logical, attribute) not in self._resolved:
            self._resolved[logical, attribute] = self._arn(logical, attribute)
        return self._resolved[logical, attribute]

    def _arn(self, logical: str, attribute: str) -> str:
        if logical == self.table_logical_id:
            if attribute == "StreamArn":
                return _table_arn(self.table_name) + "/stream/*"
            return _table_arn(self.table_name)
        resource = self.resources[logical]
        props = self.resolve(resource.get("Properties", {}))
        if attribute != "Arn" or resource["Type"] not in self.ARN_BY_TYPE:
            raise NotImplementedError(f"Fn::GetAtt {logical}.{attribute} ({resource['Type']}): add it to tests/iam.py")
        return self.ARN_BY_TYPE[resource["Type"]](logical, props)

    def ref(self, logical: str) -> str:
        if (logical, "Ref") not in self._resolved:
            self._resolved[logical, "Ref"] = self._ref(logical)
        return self._resolved[logical, "Ref"]

    def _ref(self, logical: str) -> str:
        if logical in self.pseudo:
            return self.pseudo[logical]
        if logical == self.table_logical_id:
            return self.table_name
        resource = self.resources[logical]
        if resource["Type"] == "AWS::SNS::Topic":
            return self.arn(logical)
        if resource["Type"] == "AWS::KMS::Key":
            return logical  # a key id
        props = self.resolve(resource.get("Properties", {}))
        for name_field in ("BucketName", "QueueName", "TableName"):
            if name_field in props:
                return props[name_field]
        raise NotImplementedError(f"Ref {logical} ({resource['Type']}): add it to tests/iam.py")

    def sub(self, text: str) -> str:
        import re

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if "." in name:
                return self.arn(*name.split(".", 1))
            return self.ref(name)

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.arn(logical, attribute)
            if key == "Fn::Sub":
                if isinstance(argument, list):
                    raise NotImplementedError("Fn::Sub with variables")
                return self.sub(argument)
            if key == "Fn::Join":
                separator, parts = argument
                return separator.join(str(part) for part in self.resolve(parts))
        return {key: self.resolve(item) for key, item in value.items()}


def _renamed_buckets(statements: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    def rename(arn: Any) -> Any:
        for deployed, local in names.items():
            prefix = f"arn:{PARTITION}:s3:::{deployed}"
            if isinstance(arn, str) and (arn == prefix or arn.startswith(prefix + "/")):
                return f"arn:{PARTITION}:s3:::{local}" + arn[len(prefix) :]
        return arn

    renamed = []
    for statement in statements:
        resource = statement.get("Resource")
        if resource is not None:
            resource = [rename(r) for r in resource] if isinstance(resource, list) else rename(resource)
            statement = {**statement, "Resource": resource}
        renamed.append(statement)
    return renamed


# --- enforcement ------------------------------------------------------------------------------


class Enforcement:
    def __init__(self, template_path: Path):
        from devtools import serverless_config

        self.template = serverless_config.compiled_template(template_path)
        self.functions = list(serverless_config.load()["functions"])
        self.roles = function_roles(self.template, self.functions)
        self.table_logical_id = serverless_config.table_resource()[0]
        self.invoked: collections.Counter[str] = collections.Counter()
        self.allowed: collections.defaultdict[str, set[str]] = collections.defaultdict(set)
        self.denied: list[str] = []
        self._keys: dict[str, tuple[str, str]] = {}
        self._users: dict[str, str] = {}
        self._who: dict[str, str] = {}  # access key id -> function (or HARNESS)
        self._policy_table: dict[str, str] = {}
        self._resolver: Resolver | None = None
        self._iam: Any = None

    # moto must be running (the embedded DynamoDB starts it) before this is called.
    def start(self) -> None:
        import boto3
        from moto import settings
        from moto.core.authorization import ActionAuthenticatorMixin

        from tests.conftest import TEST_SECRET

        boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION._session  # the botocore session every boto3.client() uses
        session.get_component("credential_provider").insert_before("env", _ActingProvider(self))
        self._iam = boto3.client("iam", region_name=REGION)
        harness = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        self._keys[HARNESS] = self._user(HARNESS, harness)
        # IAM calls are the harness's even when a function is acting (a nested invocation).
        self._iam = boto3.client("iam", region_name=REGION, **harness_credentials())
        self._install_resource_checks()
        self._install_s3_checks()
        from devtools.local_routes import media as local_s3

        local_s3.secret_for_access_key = self.secret_of
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # from here on moto authorizes every request
        ActionAuthenticatorMixin.request_count = 0

        # As on AWS: the functions read the signing secret from SSM (SecureString), not the environment.
        parameter = self._function_environment("JWT_SECRET_PARAMETER")
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=parameter, Value=TEST_SECRET, Type="SecureString", Overwrite=True
        )
        os.environ.pop("JWT_SECRET", None)
        os.environ["JWT_SECRET_PARAMETER"] = parameter

    def _function_environment(self, name: str) -> str:
        for resource in self.template["Resources"].values():
            if resource["Type"] == "AWS::Lambda::Function":
                value = resource["Properties"].get("Environment", {}).get("Variables", {}).get(name)
                if isinstance(value, str):
                    return value
        raise LookupError(f"no function of the template sets {name}")

    def _user(self, name: str, policy: dict[str, Any]) -> tuple[str, str]:
        user = f"{'test-harness' if name == HARNESS else name}-{uuid.uuid4().hex[:6]}"
        self._iam.create_user(UserName=user)
        self._iam.put_user_policy(UserName=user, PolicyName="role", PolicyDocument=json.dumps(policy))
        key = self._iam.create_access_key(UserName=user)["AccessKey"]
        self._users[name] = user
        self._who[key["AccessKeyId"]] = name
        return key["AccessKeyId"], key["SecretAccessKey"]

    def prepare(self, function: str) -> None:
        """`function`'s user exists and holds its role's policies for the current table."""
        if function not in self.roles:
            raise LookupError(f"{function} is not a function of serverless.yml")
        self.invoked[function] += 1
        table = os.environ["TABLE_NAME"]
        if self._policy_table.get(function) == table:
            return
        if self._resolver is None or self._resolver.table_name != table:  # one per test's table
            self._resolver = Resolver(self.template, self.table_logical_id, table)
        resolver = self._resolver
        documents = [resolver.resolve(document) for document in self.roles[function]]
        statements = [s for d in documents for s in d["Statement"]]
        merged = {"Version": "2012-10-17", "Statement": _renamed_buckets(statements, self._bucket_names(resolver))}
        if function not in self._keys:
            self._keys[function] = self._user(function, merged)
        else:  # the same user, its policy rewritten for this test's table
            self._iam.put_user_policy(
                UserName=self._users[function], PolicyName="role", PolicyDocument=json.dumps(merged)
            )
        self._policy_table[function] = table

    def _bucket_names(self, resolver: Resolver) -> dict[str, str]:
        """The template's bucket name -> the test's, for each bucket a function's environment
        names (MEDIA_BUCKET) when the test sets that variable."""
        resources = self.template["Resources"].values()
        named = [r.get("Properties", {}).get("BucketName") for r in resources if r["Type"] == "AWS::S3::Bucket"]
        buckets = {resolver.resolve(name) for name in named if name is not None}
        names = {}
        for resource in resources:
            if resource["Type"] == "AWS::Lambda::Function":
                for variable, value in resource["Properties"].get("Environment", {}).get("Variables", {}).items():
                    if not os.environ.get(variable):
                        continue
                    try:
                        deployed = resolver.resolve(value)
                    except NotImplementedError:  # a value no policy of ours names (a CDN's domain)
                        continue
                    if deployed in buckets:
                        names[deployed] = os.environ[variable]
        return names

    def secret_of(self, access_key: str) -> str | None:
        """The secret of one of the users here, by access key id (the local S3 form endpoint)."""
        for key, secret in self._keys.values():
            if key == access_key:
                return secret
        return None

    def credentials(self, who: str | None = None) -> tuple[str, str]:
        if HARNESS not in self._keys:  # bootstrapping: moto does not check yet
            return "bootstrap", "bootstrap"
        return self._keys[who or _acting.get() or HARNESS]

    def _install_resource_checks(self) -> None:
        from moto import settings
        from moto.core.authorization import ActionAuthenticatorMixin
        from moto.core.exceptions import HTTPException
        from moto.iam.access_control import IAMRequest

        enforcement = self

        def params(handler: Any) -> dict[str, Any]:
            body = handler.body
            if isinstance(body, bytes | str):
                try:
                    body = json.loads(body or "{}")
                except ValueError:
                    body = {}
            if not body:  # the query protocol (SNS, SES): a form, which moto has parsed already
                form = getattr(handler, "querystring", None) or {}
                body = {k: v[0] if isinstance(v, list) else v for k, v in form.items()}
            return body if isinstance(body, dict) else {}

        # Condition keys moto does not derive from a request: ses:FromAddress (the notifier's role).
        from moto.iam import access_control

        derive = access_control.format_incoming_conditional_values
        if not getattr(derive, "_shop", False):

            def with_ses_sender(data: dict[str, Any]) -> dict[str, str]:
                from email.utils import parseaddr

                values = derive(data)
                source = data.get("Source")
                if source:
                    values["ses:FromAddress"] = parseaddr(source[0] if isinstance(source, list) else source)[1]
                return values

            with_ses_sender._shop = True  # type: ignore[attr-defined]
            access_control.format_incoming_conditional_values = with_ses_sender

        for response_class, checks in _resource_checkers().items():

            def authorize(handler: Any, resource: str = "*", checks=checks) -> None:
                if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
                    ActionAuthenticatorMixin.request_count += 1
                    return
                query = urlparse(handler.uri).query
                path = handler.raw_path + (f"?{query}" if query else "")
                for action, arn in checks(handler._get_action(), params(handler)):
                    request = IAMRequest(
                        account_id=handler.current_account,
                        method=handler.method,
                        path=path,
                        data=handler.data,
                        body=handler.raw_body,
                        headers=handler.headers,
                        action=action,
                    )
                    request.check_signature()
                    # Who signed it, not who is acting: the tests' own client is the harness.
                    signer = handler.headers.get("Authorization", "").partition("Credential=")[2].partition("/")[0]
                    who = enforcement._who.get(signer, "?")
                    try:
                        request.check_action_permitted(arn)
                    except HTTPException:
                        enforcement.denied.append(f"{who}: {request._action} on {arn}")
                        raise
                    enforcement.allowed[who].add(request._action)

            response_class._authenticate_and_authorize_normal_action = authorize

    def _install_s3_checks(self) -> None:
        """moto's S3 authorizes each request itself (the key's ARN); record who was allowed or
        denied what, and check a DeleteObjects as AWS does: s3:DeleteObject on every key."""
        import html
        import re

        from moto import settings
        from moto.core.authorization import ActionAuthenticatorMixin
        from moto.core.exceptions import HTTPException
        from moto.s3.exceptions import S3AccessDeniedError
        from moto.s3.responses import S3Response

        enforcement = self
        original = S3Response._authenticate_and_authorize_s3_action

        def authorize(handler: Any, bucket_name: str | None = None, key_name: str | None = None) -> None:
            if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
                return original(handler, bucket_name=bucket_name, key_name=key_name)
            action = f"s3:{handler.data.get('Action')}"
            keys: list[str | None] = [key_name]
            if action == "s3:DeleteObject" and key_name is None and handler.is_delete_keys():
                body = handler.body.decode() if isinstance(handler.body, bytes) else str(handler.body or "")
                keys = [html.unescape(k) for k in re.findall(r"<Key>(.*?)</Key>", body)] or [None]
            signer = handler.headers.get("Authorization", "").partition("Credential=")[2].partition("/")[0]
            who = enforcement._who.get(signer, "?")
            for key in keys:
                try:
                    original(handler, bucket_name=bucket_name, key_name=key)
                except (S3AccessDeniedError, HTTPException):
                    arn = f"arn:{PARTITION}:s3:::{bucket_name or '*'}" + (f"/{key}" if key else "")
                    enforcement.denied.append(f"{who}: {action} on {arn}")
                    raise
            enforcement.allowed[who].add(action)
            if (
                action == "s3:GetObject"
                and bucket_name
                and key_name
                and not _key_exists(handler, bucket_name, key_name)
            ):
                # As AWS: a missing key is 404 NoSuchKey only with s3:ListBucket on the bucket, else 403.
                handler.data["Action"] = "ListBucket"
                try:
                    original(handler, bucket_name=bucket_name, key_name=None)
                except (S3AccessDeniedError, HTTPException):
                    enforcement.denied.append(
                        f"{who}: s3:ListBucket on arn:{PARTITION}:s3:::{bucket_name} (a missing key is 403 without)"
                    )
                    raise
                finally:
                    handler.data["Action"] = "GetObject"
                enforcement.allowed[who].add("s3:ListBucket")

        def _key_exists(handler: Any, bucket_name: str, key_name: str) -> bool:
            try:
                return handler.backend.get_object(bucket_name, key_name) is not None
            except Exception:  # no such bucket: S3's own answer follows
                return True

        S3Response._authenticate_and_authorize_s3_action = authorize

    def missing_functions(self) -> list[str]:
        return [f for f in self.functions if not self.invoked[f]]


def _acting_credentials(enforcement: Enforcement) -> Any:
    from botocore.credentials import Credentials, ReadOnlyCredentials

    class ActingCredentials(Credentials):
        """botocore credentials that are whoever is acting when a request is signed."""

        method = "iam-enforcement"
        account_id = None
        token = None

        def __init__(self) -> None:  # nothing fixed to store
            pass

        @property
        def access_key(self) -> str:
            return enforcement.credentials()[0]

        @property
        def secret_key(self) -> str:
            return enforcement.credentials()[1]

        def get_frozen_credentials(self) -> ReadOnlyCredentials:
            key, secret = enforcement.credentials()
            return ReadOnlyCredentials(key, secret, None)

    return ActingCredentials()


class _ActingProvider:
    METHOD = "iam-enforcement"
    CANONICAL_NAME = "iam-enforcement"

    def __init__(self, enforcement: Enforcement):
        self._credentials = _acting_credentials(enforcement)

    def load(self) -> Any:
        return self._credentials


# --- the pytest plugin (tests/conftest.py loads it) -------------------------------------------


def pytest_configure(config: Any) -> None:
    global ENFORCEMENT
    template = os.environ.get("SHOP_IAM_TEMPLATE")
    if template:
        ENFORCEMENT = Enforcement(Path(template))


@pytest.fixture(scope="session", autouse=True)
def _iam_enforcement_started() -> None:
    if ENFORCEMENT is not None:
        from devtools import embedded_dynamodb

        embedded_dynamodb.start()
        ENFORCEMENT.start()


@pytest.fixture(autouse=True)
def _no_request_denied(_iam_enforcement_started: None) -> Iterator[None]:
    """A denied request fails the test, even where the code answered it with a 503."""
    if ENFORCEMENT is None:
        yield
        return
    before = len(ENFORCEMENT.denied)
    yield
    denied = ENFORCEMENT.denied[before:]
    assert not denied, "IAM denied (add the action to the function's iamRoleStatements): " + "; ".join(denied)


# Under pytest-xdist each worker enforces for its own tests; the controller, which runs none,
# adds up what the workers invoked (their workeroutput) before judging SHOP_IAM_EVERY_FUNCTION.
def _is_xdist_worker(config: Any) -> bool:
    return hasattr(config, "workerinput")


def pytest_testnodedown(node: Any, error: Any) -> None:
    if ENFORCEMENT is None:
        return
    report = json.loads(getattr(node, "workeroutput", {}).get("iam_enforcement", "{}"))
    ENFORCEMENT.invoked.update(report.get("invoked", {}))
    for function, actions in report.get("allowed", {}).items():
        ENFORCEMENT.allowed[function].update(actions)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if ENFORCEMENT is None:
        return
    write = terminalreporter.write_line
    write(f"IAM enforcement: {sum(ENFORCEMENT.invoked.values())} invocations of {len(ENFORCEMENT.invoked)} functions")
    for function in ENFORCEMENT.functions:
        used = ", ".join(sorted(ENFORCEMENT.allowed.get(function, ()))) or "no AWS calls"
        write(f"  {function}: {ENFORCEMENT.invoked[function]} invocations; used {used}")
    missing = ENFORCEMENT.missing_functions()
    if missing:
        write(f"IAM enforcement: never invoked: {', '.join(missing)}", red=True)


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    if ENFORCEMENT is None:
        return
    if _is_xdist_worker(session.config):  # the controller judges the whole run
        session.config.workeroutput["iam_enforcement"] = json.dumps(
            {"invoked": dict(ENFORCEMENT.invoked), "allowed": {f: sorted(a) for f, a in ENFORCEMENT.allowed.items()}}
        )
        return
    if os.environ.get("SHOP_IAM_EVERY_FUNCTION") == "1" and ENFORCEMENT.missing_functions():
        # Every function needs a test that invokes it through tests.apigw (CONTRIBUTING.md).
        session.exitstatus = 1
