"""The generated CloudFormation template: production settings, least privilege, and the table tests use."""

from __future__ import annotations

import json

import pytest

from devtools import serverless_config
from tests.deploy.conftest import TEMPLATE_NAME, functions, lambda_resources

TRACING_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# What the Serverless Framework gives every role so the function can write its own log group.
LOG_ACTIONS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:TagResource"}


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {key: r for key, r in template["Resources"].items() if r["Type"] == kind}


def _statements(template: dict, properties: dict) -> list[dict]:
    role = template["Resources"][properties["Role"]["Fn::GetAtt"][0]]
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _actions(statement: dict) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


@pytest.mark.parametrize("name", sorted(functions()))
def test_each_function_role_grants_exactly_what_serverless_yml_declares_and_no_more(template, name):
    """Every function of serverless.yml, none forgotten: its role holds the actions its
    iamRoleStatements declare (what its code calls; tests/iam proves they suffice), no wildcard,
    Queries only on indexes, and the secret only through SSM and the stack key."""
    statements = _statements(template, lambda_resources(template)[name])
    actions = set().union(*(_actions(s) for s in statements))
    assert actions - TRACING_ACTIONS - LOG_ACTIONS == serverless_config.iam_actions(name)
    assert not any(a.endswith("*") for a in actions), actions
    reads_secret = "ssm:GetParameter" in actions
    assert actions >= TRACING_ACTIONS  # tracing is Active
    for statement in statements:
        if _actions(statement) & {"dynamodb:Query"}:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:  # an index of the table, never the base table or a wildcard
                assert resource["Fn::Join"][1][1:] in [["index", f"gsi{n}"] for n in (1, 2, 3)], resource
        if "ssm:GetParameter" in _actions(statement):
            assert all("jwt-secret" in json.dumps(r) for r in statement["Resource"])
        if _actions(statement) & {"kms:Decrypt", "kms:GenerateDataKey"}:
            # The stack key only through a service: SSM for the secret, SNS for the events topic.
            via = statement["Condition"]["StringEquals"]["kms:ViaService"]["Fn::Sub"]
            assert via in {f"{service}.${{AWS::Region}}.amazonaws.com" for service in ("ssm", "sns")}, via
            assert via.startswith("ssm.") == reads_secret or via.startswith("sns."), via
    kms_via_ssm = [
        s for s in statements if "kms:Decrypt" in _actions(s) and "ssm." in json.dumps(s.get("Condition", {}))
    ]
    assert bool(kms_via_ssm) == reads_secret  # the secret parameter and its key: both or neither


def test_the_fallback_answers_every_routed_path_with_its_methods(template):
    """deploy/plugins/route-fallback.js and devtools.serverless_config derive the same routes."""
    fallback = serverless_config.fallback_function()
    variables = lambda_resources(template)[fallback]["Environment"]["Variables"]
    assert json.loads(variables["ROUTE_METHODS"]) == serverless_config.route_methods()
    any_paths = {
        resource["Properties"]["ResourceId"]["Ref"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::ApiGateway::Method" and resource["Properties"]["HttpMethod"] == "ANY"
    }
    assert len(any_paths) == len(serverless_config.route_methods())


def test_no_secret_and_no_shared_table_role(template):
    text = json.dumps(template)
    assert 'JWT_SECRET"' not in text
    for properties in lambda_resources(template).values():
        assert "JWT_SECRET" not in properties["Environment"]["Variables"]
        assert properties["Environment"]["Variables"]["JWT_SECRET_PARAMETER"].endswith("/jwt-secret")
        assert properties["TracingConfig"] == {"Mode": "Active"}
    # No shared role (deploy/plugins/no-shared-role.js): the Framework's default one would hold
    # every function's event source permissions.
    assert "IamRoleLambdaExecution" not in template["Resources"]
    roles = {p["Role"]["Fn::GetAtt"][0] for p in lambda_resources(template).values()}
    assert len(roles) == len(lambda_resources(template)) == len(_of_type(template, "AWS::IAM::Role"))


def test_table_is_protected_and_encrypted_with_a_rotated_customer_key(template):
    ((_, table),) = _of_type(template, "AWS::DynamoDB::Table").items()
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    properties = table["Properties"]
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEType"] == "KMS"
    key_id = properties["SSESpecification"]["KMSMasterKeyId"]["Ref"]
    key = template["Resources"][key_id]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    stage = template["Resources"]["ApiGatewayStage"]["Properties"]["StageName"]
    assert properties["DeletionProtectionEnabled"] is (stage == "prod")


def test_api_stage_is_throttled_traced_and_behind_the_waf(template):
    stage = template["Resources"]["ApiGatewayStage"]["Properties"]
    assert stage["TracingEnabled"] is True
    assert stage["DeploymentId"]["Ref"].startswith("ApiGatewayDeployment")
    (settings,) = stage["MethodSettings"]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    deployment = template["Resources"][stage["DeploymentId"]["Ref"]]["Properties"]
    assert "StageName" not in deployment  # the stage resource owns the stage
    acl = template["Resources"]["ApiWebAcl"]  # the storefront has its own (test_site_template.py)
    assert acl["Properties"]["Scope"] == "REGIONAL"
    rules = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}
    assert rules["RatePerIp"]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    managed = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert (managed["VendorName"], managed["Name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    ((_, association),) = _of_type(template, "AWS::WAFv2::WebACLAssociation").items()
    assert "${ApiGatewayStage}" in association["Properties"]["ResourceArn"]["Fn::Sub"]


def test_alarms_cover_5xx_latency_throttles_and_errors_and_notify(template):
    alarms = _of_type(template, "AWS::CloudWatch::Alarm").values()
    watched = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms}
    assert watched >= {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/DynamoDB", "ThrottledRequests"),
    }
    assert any(a["Properties"].get("ExtendedStatistic") == "p95" for a in alarms)
    topics = _of_type(template, "AWS::SNS::Topic")
    for topic in topics.values():  # CloudWatch can publish only to a topic under a key that lets it
        key = template["Resources"][topic["Properties"]["KmsMasterKeyId"]["Ref"]]
        principals = [s["Principal"] for s in key["Properties"]["KeyPolicy"]["Statement"]]
        assert {"Service": "cloudwatch.amazonaws.com"} in principals
    for alarm in alarms:
        assert {action["Ref"] for action in alarm["Properties"]["AlarmActions"]} <= set(topics)
    for group in _of_type(template, "AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] > 0


def test_moto_table_built_from_the_generated_template(package_dir, template, monkeypatch, request):
    """The `table` fixture honours SHOP_TABLE_TEMPLATE; `make test` reruns tests/integration with it."""
    monkeypatch.setenv("SHOP_TABLE_TEMPLATE", str(package_dir / TEMPLATE_NAME))
    name = request.getfixturevalue("table")
    import boto3

    client = boto3.client("dynamodb", region_name="us-east-1")
    described = client.describe_table(TableName=name)["Table"]
    ((_, table),) = _of_type(template, "AWS::DynamoDB::Table").items()
    expected = table["Properties"]
    assert described["KeySchema"] == expected["KeySchema"]
    assert {i["IndexName"]: i["KeySchema"] for i in described["GlobalSecondaryIndexes"]} == {
        i["IndexName"]: i["KeySchema"] for i in expected["GlobalSecondaryIndexes"]
    }
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == expected["TimeToLiveSpecification"]["AttributeName"]


def test_order_events_path_streams_filters_retries_and_dead_letters(template):
    """docs/EVENTS.md: the stream, the topic under the stack key, the filtered raw subscription,
    the queue's redrive to a long-lived DLQ, the alarms, and partial batch failures on both
    event sources."""
    resources = template["Resources"]
    ((_, table),) = _of_type(template, "AWS::DynamoDB::Table").items()
    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    topic = resources["OrderEventsTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "ShopKey"}
    subscription = resources["OrderEmailsSubscription"]["Properties"]
    assert subscription["RawMessageDelivery"] is True and subscription["FilterPolicyScope"] == "MessageAttributes"
    assert "order.payment_failed" not in subscription["FilterPolicy"]["eventType"]
    assert {"order.created", "order.paid", "order.shipped"} <= set(subscription["FilterPolicy"]["eventType"])
    queue = resources["OrderEventsQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["OrderEventsDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert resources["OrderEventsDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] >= 7 * 24 * 3600
    notifier = lambda_resources(template)["notifyCustomers"]
    assert queue["VisibilityTimeout"] >= 6 * notifier["Timeout"]  # AWS's advice for SQS event sources
    mappings = {
        m["Properties"]["FunctionName"]["Fn::GetAtt"][0]: m["Properties"]
        for m in _of_type(template, "AWS::Lambda::EventSourceMapping").values()
    }
    stream = mappings["PublishOrderEventsLambdaFunction"]
    assert stream["EventSourceArn"] == {"Fn::GetAtt": ["ShopTable", "StreamArn"]}
    (pattern,) = stream["FilterCriteria"]["Filters"]
    assert json.loads(pattern["Pattern"])["dynamodb"]["Keys"]["type"] == {"S": ["order"]}
    assert stream["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["OrderStreamFailuresQueue", "Arn"]
    }
    for mapping in (stream, mappings["NotifyCustomersLambdaFunction"]):
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in _of_type(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    }
    assert watched == {"OrderEventsDeadLetterQueue", "OrderStreamFailuresQueue"}
    send = next(s for s in _statements(template, notifier) if "ses:SendRawEmail" in _actions(s))
    assert (
        send["Condition"]["StringEquals"]["ses:FromAddress"]
        == notifier["Environment"]["Variables"]["SES_SENDER_ADDRESS"]
    )
