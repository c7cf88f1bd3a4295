"""Every AWS client of the shop is made by shop.aws.client, so each carries the request's
deadline (shop/deadline.py): no attempt starts that might not finish before the function's
timeout. A client made any other way would skip it and could outlast the invocation."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from shop import deadline

SHOP = Path(__file__).resolve().parents[2] / "src" / "shop"
CLIENT_MAKERS = {("boto3", "client"), ("boto3", "resource"), ("boto3", "Session"), ("session", "Session")}


def _made_clients(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (name, node.func.attr) in CLIENT_MAKERS:
                found.append(f"{name}.{node.func.attr} at line {node.lineno}")
        if isinstance(node, ast.ImportFrom) and node.module in ("boto3", "boto3.session", "botocore.session"):
            found += [f"from {node.module} import {alias.name}" for alias in node.names]
    return found


@pytest.mark.parametrize("path", sorted(SHOP.rglob("*.py")), ids=lambda p: str(p.relative_to(SHOP)))
def test_only_shop_aws_makes_clients(path):
    if path.name != "aws.py":
        assert _made_clients(path) == [], f"{path.name}: make the client with shop.aws.client"


def _clients():
    from shop import config, events_topic, mail
    from shop.storage import dynamo, media

    return {
        "dynamodb": (lambda: dynamo.client(None, "us-east-1"), "list_tables"),
        "s3": (lambda: media._client(None, "us-east-1"), "list_buckets"),
        "ssm": (config._ssm, "describe_parameters"),
        "sns": (lambda: events_topic._sns("us-east-1"), "list_topics"),
        "ses": (lambda: mail._ses("us-east-1"), "get_send_quota"),
    }


@pytest.mark.parametrize("service", ["dynamodb", "s3", "ssm", "sns", "ses"])
def test_every_client_refuses_an_attempt_the_deadline_cannot_hold_and_sends_it_when_it_can(service, table):
    from shop import events_topic, mail

    events_topic.reset()
    mail.reset()
    make, operation = _clients()[service]
    client = make()
    sent = []
    client.meta.events.register(
        f"before-send.{client.meta.service_model.service_id.hyphenize()}", lambda **kw: sent.append(kw["request"])
    )

    almost_out = SimpleNamespace(get_remaining_time_in_millis=lambda: (deadline.ATTEMPT_BUDGET + 0.2) * 1000)
    token = deadline.start(almost_out)
    try:
        with pytest.raises(deadline.DeadlineReached):
            getattr(client, operation)()
    finally:
        deadline.end(token)
    assert sent == []  # refused before it went out

    plenty = SimpleNamespace(get_remaining_time_in_millis=lambda: 60_000)
    token = deadline.start(plenty)
    try:
        getattr(client, operation)()  # moto answers
    finally:
        deadline.end(token)
    assert len(sent) == 1
    events_topic.reset()
    mail.reset()
