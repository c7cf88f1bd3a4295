"""Reads serverless.yml, the single source of truth for routes and the table."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVERLESS_YML = ROOT / "serverless.yml"


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that keeps CloudFormation short-form tags (!Ref, !GetAtt...) as plain values."""


def _tagged(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Fn::" + tag_suffix if tag_suffix != "Ref" else "Ref": value}


_CloudFormationLoader.add_multi_constructor("!", _tagged)


@functools.cache
def load(path: Path = SERVERLESS_YML) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506  # nosec B506  # a SafeLoader subclass


@dataclass(frozen=True)
class Route:
    function: str
    handler: str
    method: str  # upper case; "ANY" matches every method a more specific route lacks
    path: str  # API Gateway resource template, e.g. /products/{id}
    pattern: re.Pattern[str]


def _pattern(path: str) -> re.Pattern[str]:
    regex = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("+}"):
            regex += f"(?P<{part[1:-2]}>.+)"
        elif part.startswith("{"):
            regex += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            regex += re.escape(part)
    return re.compile(f"^{regex}/?$")


def _http_events(config: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(function, handler, METHOD, /path) of every HTTP event written in serverless.yml."""
    found = []
    for name, function in config["functions"].items():
        for event in function.get("events") or []:
            http = event.get("http")
            if http:
                found.append((name, function["handler"], http["method"].upper(), "/" + http["path"].strip("/")))
    return found


def route_methods(config: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """Each routed path and its methods, in the order serverless.yml writes them: what
    deploy/plugins/route-fallback.js puts in the fallback function's ROUTE_METHODS."""
    methods: dict[str, list[str]] = {}
    for _, _, method, path in _http_events(config or load()):
        methods.setdefault(path, []).append(method)
    return methods


def fallback_function(config: dict[str, Any] | None = None) -> str:
    return (config or load())["custom"]["routeFallback"]


def routes(config: dict[str, Any] | None = None) -> list[Route]:
    """Every route API Gateway will have: the written ones, then the fallback's ANY on each path."""
    config = config or load()
    found = [Route(name, handler, method, path, _pattern(path)) for name, handler, method, path in _http_events(config)]
    fallback = fallback_function(config)
    handler = config["functions"][fallback]["handler"]
    found += [Route(fallback, handler, "ANY", path, _pattern(path)) for path in route_methods(config)]
    return found


def _resolve_custom(value: Any, config: dict[str, Any]) -> Any:
    """`${self:custom.a.b}` (a whole string) -> that value of serverless.yml, recursively."""
    if isinstance(value, str):
        match = re.fullmatch(r"\$\{self:custom\.([\w.-]+)\}", value)
        if match:
            found: Any = config["custom"]
            for part in match.group(1).split("."):
                found = found[part]
            return _resolve_custom(found, config)
        return value
    if isinstance(value, list):
        return [_resolve_custom(item, config) for item in value]
    if isinstance(value, dict):
        return {key: _resolve_custom(item, config) for key, item in value.items()}
    return value


# What serverless-iam-roles-per-function adds to a function's role for its event sources,
# on exactly the stream or queue of the event: what Lambda's event source mapping calls.
EVENT_SOURCE_ACTIONS = {
    "stream": {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"},
    "sqs": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
}


def iam_actions(function: str, config: dict[str, Any] | None = None) -> set[str]:
    """The actions serverless.yml grants `function` in its own role: its iamRoleStatements,
    and what its stream or queue event needs."""
    config = config or load()
    declared = config["functions"][function]
    statements = _resolve_custom(declared.get("iamRoleStatements") or [], config)
    found: set[str] = set()
    for event in declared.get("events") or []:
        for kind in set(event) & set(EVENT_SOURCE_ACTIONS):
            found |= EVENT_SOURCE_ACTIONS[kind]
    for statement in statements:
        action = statement["Action"]
        found |= {action} if isinstance(action, str) else set(action)
    return found


def function_environment() -> dict[str, str]:
    """Variables that the deploy derives (route-fallback.js) and that a local run must set too."""
    import json

    return {"ROUTE_METHODS": json.dumps(route_methods(), separators=(",", ":"))}


def table_resource(config: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    config = config or load()
    tables = [
        (name, resource["Properties"])
        for name, resource in config["resources"]["Resources"].items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    ]
    if len(tables) != 1:
        raise ValueError(f"expected exactly one DynamoDB table in serverless.yml, found {len(tables)}")
    return tables[0]


def create_table_request(table_name: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """CreateTable arguments taken from the template's table properties."""
    properties = properties or table_resource()[1]
    request = {
        "TableName": table_name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if properties.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
    stream = properties.get("StreamSpecification")
    if stream:  # CloudFormation names only the view type; the API also wants StreamEnabled
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return request


def create_table(client: Any, table_name: str, properties: dict[str, Any] | None = None) -> bool:
    """Create the table (and its TTL) if it does not exist. Returns True when created."""
    properties = properties or table_resource()[1]
    if table_name in client.list_tables().get("TableNames", []):
        return False
    client.create_table(**create_table_request(table_name, properties))
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
    return True


def resource(logical_id: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """One resource's Properties from serverless.yml (short-form tags kept as {"Ref": ...})."""
    return (config or load())["resources"]["Resources"][logical_id]["Properties"]


def stream_filter_patterns(function: str, config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The event filter patterns of `function`'s table stream event (Lambda's FilterCriteria)."""
    for event in (config or load())["functions"][function].get("events") or []:
        if "stream" in event:
            return list(event["stream"].get("filterPatterns") or [])
    raise ValueError(f"{function} has no stream event in serverless.yml")


def compiled_template(path: Path) -> dict[str, Any]:
    """The CloudFormation template `serverless package` generated (JSON)."""
    import json

    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def compiled_table_resource(path: Path) -> tuple[str, dict[str, Any]]:
    """The table's logical id and properties as deployed: from the generated template."""
    return table_resource({"resources": compiled_template(path)})
