"""The generated CloudFormation template: production settings, least privilege, and the table tests use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devtools import serverless_config
from tests.deploy.conftest import TEMPLATE_NAME, functions, lambda_resources

TRACING_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# What the Serverless Framework gives every role so the function can write its own log group.
LOG_ACTIONS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:TagResource"}

SECRET_READS = {"ssm:GetParameter", "ssm:GetParameters"}


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {key: r for key, r in template["Resources"].items() if r["Type"] == kind}


def _statements(template: dict, properties: dict) -> list[dict]:
    role = template["Resources"][properties["Role"]["Fn::GetAtt"][0]]
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _actions(statement: dict) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


# Stripe's key: the functions that charge or refund (a paid order's cancel, a late charge given
# back, a pending refund retried by the sweep); the webhook secret: the webhook function only.
STRIPE_SECRETS = {
    "payOrder": ("stripe-secret-key",),
    "createRefund": ("stripe-secret-key",),
    "cancelOrder": ("stripe-secret-key",),
    "updateOrderStatus": ("stripe-secret-key",),
    "expireOrders": ("stripe-secret-key",),
    "decideReturn": ("stripe-secret-key",),
    "reconcilePayments": ("stripe-secret-key",),
    "paymentWebhook": ("stripe-webhook-secret", "stripe-secret-key"),
}
REFUNDS_DUE = "refunds-due"  # the one partition a function may Query on the base table (storage/keys.py)


def _secrets_of(name: str) -> tuple[str, ...]:
    """The SecureStrings a function may read: the JWT secret; Stripe's key and webhook secret
    only as STRIPE_SECRETS says."""
    return ("jwt-secret", *STRIPE_SECRETS.get(name, ()))


def _alarm_metrics(alarm: dict) -> list[dict]:
    """Every metric an alarm reads: its own, or each MetricStat of its metric math."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return [{k: properties.get(k, []) for k in ("Namespace", "MetricName", "Dimensions")}]
    return [{"Dimensions": [], **m["MetricStat"]["Metric"]} for m in properties.get("Metrics", []) if "MetricStat" in m]


@pytest.mark.parametrize("name", sorted(functions()))
def test_each_function_role_grants_exactly_what_serverless_yml_declares_and_no_more(template, name):
    """Every function of serverless.yml, none forgotten: its role holds the actions its
    iamRoleStatements declare (what its code calls; tests/iam proves they suffice), no wildcard,
    Queries only on indexes, and the secret only through SSM and the stack key."""
    statements = _statements(template, lambda_resources(template)[name])
    actions = set().union(*(_actions(s) for s in statements))
    assert actions - TRACING_ACTIONS - LOG_ACTIONS == serverless_config.iam_actions(name)
    assert not any(a.endswith("*") for a in actions), actions
    # A SecureString read: the JWT secret's GetParameters (with its -previous), a Stripe secret's GetParameter.
    reads_secret = bool(actions & SECRET_READS)
    assert actions >= TRACING_ACTIONS  # tracing is Active
    for statement in statements:
        if _actions(statement) & {"dynamodb:Query"}:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            leading = statement.get("Condition", {}).get("ForAllValues:StringEquals", {}).get("dynamodb:LeadingKeys")
            for resource in resources:  # an index of the table; the base table only for the refunds-due partition
                if leading == [REFUNDS_DUE] and "Fn::GetAtt" in resource:
                    continue
                assert resource["Fn::Join"][1][1:] in [["index", f"gsi{n}"] for n in (1, 2, 3)], resource
        if _actions(statement) & SECRET_READS:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            assert all(any(p in json.dumps(r) for p in _secrets_of(name)) for r in resources), (name, resources)
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
    for name in functions():
        properties = lambda_resources(template)[name]
        assert "JWT_SECRET" not in properties["Environment"]["Variables"]
        assert properties["Environment"]["Variables"]["JWT_SECRET_PARAMETER"].endswith("/jwt-secret")
        assert properties["TracingConfig"] == {"Mode": "Active"}
    # No shared role (deploy/plugins/no-shared-role.js): the Framework's default one would hold
    # every function's event source permissions.
    assert "IamRoleLambdaExecution" not in template["Resources"]
    roles = {p["Role"]["Fn::GetAtt"][0] for p in lambda_resources(template).values()}
    assert len(roles) == len(lambda_resources(template))  # one each, none shared


def test_table_is_protected_and_encrypted_with_a_rotated_customer_key(template):
    ((_, table),) = _of_type(template, "AWS::DynamoDB::Table").items()
    assert table["UpdateReplacePolicy"] == "Retain"
    properties = table["Properties"]
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEType"] == "KMS"
    key_id = properties["SSESpecification"]["KMSMasterKeyId"]["Ref"]
    key = template["Resources"][key_id]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    # The offline package is a first deploy's template: deploy/plugins/data-protection.js turns
    # protection on from the deploy after one that completed (tests/unit/test_data_protection_plugin.py),
    # so the rollback of a failed first deploy can still delete the table (RetainExceptOnCreate).
    assert properties["DeletionProtectionEnabled"] is False


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
    for name in ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"):
        managed = rules[name]["Statement"]["ManagedRuleGroupStatement"]
        assert (managed["VendorName"], managed["Name"]) == ("AWS", name)
        assert rules[name]["OverrideAction"] == {"None": {}}  # the group's own Block actions apply
    ((_, association),) = _of_type(template, "AWS::WAFv2::WebACLAssociation").items()
    assert "${ApiGatewayStage}" in association["Properties"]["ResourceArn"]["Fn::Sub"]


def test_alarms_cover_5xx_latency_throttles_and_errors_and_notify(template):
    alarms = _of_type(template, "AWS::CloudWatch::Alarm").values()
    watched = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms if "MetricName" in a["Properties"]
    }
    watched |= {(m["Namespace"], m["MetricName"]) for a in alarms for m in _alarm_metrics(a)}
    assert watched >= {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/DynamoDB", "ReadThrottleEvents"),
        ("AWS/DynamoDB", "WriteThrottleEvents"),
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


def test_media_bucket_is_private_encrypted_expires_stale_uploads_and_notifies_process_image(template):
    bucket = template["Resources"]["MediaBucket"]  # (the other bucket is the Framework's deployment bucket)
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    (cors,) = properties["CorsConfiguration"]["CorsRules"]  # the storefront's admin posts the form
    assert cors["AllowedMethods"] == ["POST"]
    assert cors["AllowedOrigins"] == [{"Fn::Sub": "https://${SiteDistribution.DomainName}"}]
    stale = next(r for r in properties["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == "uploads/")
    assert stale["Status"] == "Enabled" and stale["ExpirationInDays"] == 1
    (notification,) = properties["NotificationConfiguration"]["LambdaConfigurations"]
    assert notification["Event"].startswith("s3:ObjectCreated:")
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "uploads/"}]
    # the canary's alias (deploy/plugins/canary.js): a new version gets S3's events only once shifted
    assert notification["Function"] == {"Ref": "ProcessImageLambdaAlias"}
    assert "ProcessImageInvokedByTheMediaBucket" in bucket["DependsOn"]
    permission = template["Resources"]["ProcessImageInvokedByTheMediaBucket"]
    assert permission["Properties"]["FunctionName"] == {"Ref": "ProcessImageLambdaAlias"}
    assert permission["Properties"]["Principal"] == "s3.amazonaws.com"
    assert "SourceAccount" in permission["Properties"] and "SourceArn" in permission["Properties"]


def test_only_cloudfront_reads_the_bucket_and_only_images(template):
    policy = template["Resources"]["MediaBucketPolicy"]
    assert policy["Properties"]["Bucket"] == {"Ref": "MediaBucket"}
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"} and allow["Action"] == "s3:GetObject"
    assert allow["Resource"]["Fn::Sub"].endswith("/images/*")
    assert ":distribution/${MediaCdn}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    oac = template["Resources"]["MediaOriginAccessControl"]  # (the storefront has its own)
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    cdn = template["Resources"]["MediaCdn"]
    config = cdn["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["MediaOriginAccessControl", "Id"]}
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["AllowedMethods"] == ["GET", "HEAD"]
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": "MediaResponseHeaders"}
    headers = template["Resources"]["MediaResponseHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert headers["SecurityHeadersConfig"]["ContentTypeOptions"]["Override"] is True


def _s3_grants(template, bucket: str) -> dict[str, set[tuple[str, str]]]:
    """function -> its S3 (action, key prefix) pairs on the bucket whose name holds `bucket`."""
    granted: dict[str, set[tuple[str, str]]] = {}
    for name, properties in lambda_resources(template).items():
        for statement in _statements(template, properties):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in _actions(statement):
                if action.startswith("s3:"):
                    for resource in resources:
                        if bucket not in json.dumps(resource):
                            continue
                        prefix = json.dumps(resource).rsplit("/", 1)[0].rsplit("}", 1)[-1] or json.dumps(resource)
                        granted.setdefault(name, set()).add((action, prefix.strip('/"')))
    return granted


def test_only_the_search_functions_reach_the_search_bucket_and_only_the_indexer_writes_it(template):
    granted = _s3_grants(template, "-search-")
    assert set(granted) == {"searchProducts", "listCategories", "indexProducts"}
    writers = {n for n, g in granted.items() if any(a in ("s3:PutObject", "s3:DeleteObject") for a, _ in g)}
    assert writers == {"indexProducts"}


def test_only_process_image_reads_uploads_and_writes_images_and_the_api_only_signs(template):
    """The S3 actions of every role, by prefix: the API functions sign uploads (PutObject on
    uploads/, which a presigned POST is authorised by) and delete files; processImage alone reads
    uploads and writes renditions, and alone may list the bucket (so that S3 answers it a missing
    upload with 404, not 403); nothing can list or read the bucket through the API."""
    granted = _s3_grants(template, "-media-")
    readers = {n for n, g in granted.items() if any(a == "s3:GetObject" for a, _ in g)}
    writers = {n for n, g in granted.items() if ("s3:PutObject", "images") in g}
    assert readers == writers == {"processImage"}
    assert {n for n, g in granted.items() if ("s3:PutObject", "uploads") in g} == {"createImageUpload"}
    assert {n for n, g in granted.items() if any(a == "s3:ListBucket" for a, _ in g)} == {"processImage"}
    assert not any(a == "s3:*" for g in granted.values() for a, _ in g)


# The dimension sets AWS publishes these metrics with (CloudWatch's metric docs). An alarm on any
# other combination watches a metric that never exists, and never fires.
PUBLISHED_DIMENSIONS = {
    ("AWS/DynamoDB", "ThrottledRequests"): [{"TableName", "Operation"}],
    ("AWS/DynamoDB", "ReadThrottleEvents"): [{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}],
    ("AWS/DynamoDB", "WriteThrottleEvents"): [{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}],
    ("AWS/DynamoDB", "SystemErrors"): [{"TableName", "Operation"}],
    ("AWS/DynamoDB", "UserErrors"): [set()],
    ("AWS/DynamoDB", "SuccessfulRequestLatency"): [{"TableName", "Operation"}],
    ("AWS/DynamoDB", "ConsumedReadCapacityUnits"): [{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}],
    ("AWS/DynamoDB", "ConsumedWriteCapacityUnits"): [{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}],
    ("AWS/ApiGateway", "5XXError"): [{"ApiName"}, {"ApiName", "Stage"}, {"ApiName", "Stage", "Method", "Resource"}],
    ("AWS/ApiGateway", "4XXError"): [{"ApiName"}, {"ApiName", "Stage"}, {"ApiName", "Stage", "Method", "Resource"}],
    ("AWS/ApiGateway", "Latency"): [{"ApiName"}, {"ApiName", "Stage"}, {"ApiName", "Stage", "Method", "Resource"}],
    ("AWS/ApiGateway", "Count"): [{"ApiName"}, {"ApiName", "Stage"}, {"ApiName", "Stage", "Method", "Resource"}],
}
LAMBDA_DIMENSIONS = [
    set(),
    {"FunctionName"},
    {"FunctionName", "Resource"},
    {"FunctionName", "Resource", "ExecutedVersion"},
]
CHECKED_NAMESPACES = {"AWS/DynamoDB", "AWS/ApiGateway", "AWS/Lambda"}


def test_every_alarm_watches_a_metric_with_the_dimensions_it_is_published_with(template):
    """Defect class: TableThrottlesAlarm watched ThrottledRequests by TableName alone, a metric
    DynamoDB publishes only per TableName and Operation. Every alarm on these namespaces, whoever
    adds it, must name a published metric with one of its published dimension sets."""
    for key, alarm in _of_type(template, "AWS::CloudWatch::Alarm").items():
        for metric in _alarm_metrics(alarm):
            namespace, name = metric["Namespace"], metric["MetricName"]
            if namespace not in CHECKED_NAMESPACES:
                continue
            dimensions = {d["Name"] for d in metric["Dimensions"]}
            allowed = LAMBDA_DIMENSIONS if namespace == "AWS/Lambda" else PUBLISHED_DIMENSIONS.get((namespace, name))
            assert allowed is not None, f"{key}: add {namespace} {name} and its dimensions to PUBLISHED_DIMENSIONS"
            assert dimensions in allowed, f"{key}: {namespace} {name} is not published by {sorted(dimensions)}"


def test_table_throttle_alarm_adds_read_and_write_throttles_of_the_table(template):
    alarm = template["Resources"]["TableThrottlesAlarm"]["Properties"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData", True)]
    assert set(re.findall(r"[a-z]+(?=\b)", returned["Expression"])) >= {m for m in metrics if m != returned["Id"]}
    for metric in (m for m in alarm["Metrics"] if "MetricStat" in m):
        assert metric["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": "ShopTable"}}]
        assert metric["MetricStat"]["Stat"] == "Sum"


API_SNAPSHOT_TYPES = {
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::Model",
    "AWS::ApiGateway::RequestValidator",
}


def test_the_deployment_waits_for_every_part_of_the_api_it_snapshots(template):
    """Defect class: a Deployment created before a gateway response (or any other part of the
    API) ships the stage without it until the next deploy."""
    ((_, deployment),) = _of_type(template, "AWS::ApiGateway::Deployment").items()
    depends_on = set(deployment["DependsOn"])
    parts = {
        key
        for key, r in template["Resources"].items()
        if r["Type"] in API_SNAPSHOT_TYPES and r["Properties"].get("RestApiId") == {"Ref": "ApiGatewayRestApi"}
    }
    assert parts and any(template["Resources"][p]["Type"] == "AWS::ApiGateway::GatewayResponse" for p in parts)
    assert parts <= depends_on, sorted(parts - depends_on)


def _envelope(template_text: str) -> dict:
    # $context.error.messageString is a quoted JSON string at run time
    return json.loads(template_text.replace("$context.error.messageString", '"message"'))


def test_gateway_made_errors_answer_in_the_envelope_with_their_own_codes(template):
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in _of_type(template, "AWS::ApiGateway::GatewayResponse").values()
    }
    expected = {
        "THROTTLED": ("429", "TOO_MANY_REQUESTS"),
        "WAF_FILTERED": ("403", "FORBIDDEN"),
        "REQUEST_TOO_LARGE": ("413", "PAYLOAD_TOO_LARGE"),
    }
    for response_type, (status, code) in expected.items():
        response = responses[response_type]
        body = _envelope(response["ResponseTemplates"]["application/json"])
        assert (response["StatusCode"], body["code"], body["success"]) == (status, code, False)
    for response in responses.values():  # every one, whoever adds it: the envelope, and the security headers
        body = _envelope(response["ResponseTemplates"]["application/json"])
        assert body["success"] is False and re.fullmatch(r"[A-Z][A-Z_]*", body["code"]) and body["error"]
        assert response["ResponseParameters"]["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'"


def _allowed_origins(value) -> list:
    """The functions' CORS_ALLOWED_ORIGINS as origins: a comma list, or a CloudFormation join on
    "," of lists and intrinsics (the storefront's domain), each intrinsic one origin."""
    if isinstance(value, dict):
        join = value.get("Fn::Join")
        if join and join[0] == ",":
            return [origin for part in join[1] for origin in _allowed_origins(part)]
        return [value]
    return [o.strip().rstrip("/") for o in str(value).split(",") if o.strip()]


def test_gateway_made_errors_carry_cors_for_the_allowed_origin_and_never_for_another(template):
    """A browser on the storefront can read a gateway-made 429 or 403; no other origin can."""
    variables = {
        json.dumps(p["Environment"]["Variables"]["CORS_ALLOWED_ORIGINS"])
        for p in lambda_resources(template).values()
        if "CORS_ALLOWED_ORIGINS" in p["Environment"]["Variables"]
    }
    (allowed,) = variables  # one allowlist for every function
    origins = _allowed_origins(json.loads(allowed))
    responses = _of_type(template, "AWS::ApiGateway::GatewayResponse").values()
    rate = {r["Name"]: r for r in template["Resources"]["ApiWebAcl"]["Properties"]["Rules"]}["RatePerIp"]
    waf = {h["Name"]: h["Value"] for h in rate["Action"]["Block"]["CustomResponse"]["ResponseHeaders"]}
    if len(origins) != 1:  # gateway responses cannot choose per request: none rather than any
        assert not any("Access-Control-Allow-Origin" in json.dumps(r) for r in responses)
        assert "Access-Control-Allow-Origin" not in waf
        return
    (origin,) = origins
    quoted = f"'{origin}'" if isinstance(origin, str) else {"Fn::Join": ["", ["'", origin, "'"]]}
    for response in responses:
        parameters = response["Properties"]["ResponseParameters"]
        assert parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == quoted
        assert parameters["gatewayresponse.header.Vary"] == "'Origin'"
    assert waf["Access-Control-Allow-Origin"] == origin and waf["Retry-After"] == "300"


def test_waf_custom_bodies_are_all_used_and_in_the_envelope(template):
    """Defect class: a JSON block body defined in the ACL but named by no rule."""
    for key, acl in _of_type(template, "AWS::WAFv2::WebACL").items():
        bodies = acl["Properties"].get("CustomResponseBodies", {})
        used = {
            rule["Action"]["Block"]["CustomResponse"]["CustomResponseBodyKey"]
            for rule in acl["Properties"]["Rules"]
            if "CustomResponse" in rule.get("Action", {}).get("Block", {})
        }
        assert set(bodies) == used, f"{key}: unused {sorted(set(bodies) - used)}"
        for body in bodies.values():
            assert body["ContentType"] == "APPLICATION_JSON" and json.loads(body["Content"])["success"] is False
    rate = {r["Name"]: r for r in template["Resources"]["ApiWebAcl"]["Properties"]["Rules"]}["RatePerIp"]
    custom = rate["Action"]["Block"]["CustomResponse"]
    body = template["Resources"]["ApiWebAcl"]["Properties"]["CustomResponseBodies"][custom["CustomResponseBodyKey"]]
    assert (custom["ResponseCode"], json.loads(body["Content"])["code"]) == (429, "TOO_MANY_REQUESTS")


SCOPING_CONDITIONS = ("aws:SourceAccount", "aws:SourceArn", "kms:CallerAccount", "kms:EncryptionContext:")


def test_service_principals_in_key_policies_are_bound_to_this_account(template):
    """Defect class: a key policy statement for an AWS service principal without a condition
    naming this account (the confused deputy)."""
    for key, resource in _of_type(template, "AWS::KMS::Key").items():
        for statement in resource["Properties"]["KeyPolicy"]["Statement"]:
            principal = statement["Principal"]
            if "Service" in principal or principal.get("AWS") == "*":
                names = [name for operator in statement.get("Condition", {}).values() for name in operator]
                assert any(n.startswith(SCOPING_CONDITIONS) for n in names), f"{key}: {statement.get('Sid')}"
    cloudwatch = next(
        s
        for s in template["Resources"]["ShopKey"]["Properties"]["KeyPolicy"]["Statement"]
        if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    )
    assert cloudwatch["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_nothing_is_retained_when_a_first_deploy_fails_and_non_prod_stages_keep_nothing(template):
    """Defect class: a plain Retain keeps a named table or key after a failed first deploy (or
    `serverless remove`), and the next deploy fails with "already exists"."""
    stage = template["Resources"]["ApiGatewayStage"]["Properties"]["StageName"]
    for key, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Version":
            continue  # Serverless keeps published versions (unnamed, so never "already exists")
        assert resource.get("DeletionPolicy", "Delete") != "Retain", f"{key}: Retain (use RetainExceptOnCreate)"
    for key in ("ShopTable", "ShopKey"):
        policy = template["Resources"][key]["DeletionPolicy"]
        assert policy == ("RetainExceptOnCreate" if stage == "prod" else "Delete"), (key, policy)
    params = serverless_config.load()["params"]  # every other stage deletes them with the stack
    assert params["default"]["dataDeletionPolicy"] == "Delete"
    assert params["prod"]["dataDeletionPolicy"] == "RetainExceptOnCreate"
    assert {s for s, p in params.items() if p.get("dataDeletionPolicy", "Delete") != "Delete"} == {"prod"}
    for key in ("ShopTable", "ShopKey"):
        declared = serverless_config.load()["resources"]["Resources"][key]["DeletionPolicy"]
        assert declared == "${param:dataDeletionPolicy}"


def test_every_log_group_is_encrypted_with_the_stack_key(template):
    """Defect class: log groups (each function's, the API's access logs, any other) under AWS's
    default encryption instead of the stack's customer-managed key."""
    groups = _of_type(template, "AWS::Logs::LogGroup")
    assert len(groups) > len(functions())  # every function's, the API's access logs, the hook's
    for key, group in groups.items():
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["ShopKey", "Arn"]}, key
    logs = next(
        s
        for s in template["Resources"]["ShopKey"]["Properties"]["KeyPolicy"]["Statement"]
        if s["Principal"] == {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}}
    )
    assert {"kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"} <= set(logs["Action"])


def test_the_stage_owns_its_access_log_setting(template):
    stage = template["Resources"]["ApiGatewayStage"]
    setting = stage["Properties"]["AccessLogSetting"]
    group = template["Resources"]["ApiGatewayLogGroup"]["Properties"]["LogGroupName"]
    assert setting["DestinationArn"]["Fn::Sub"][1]["Name"] == group and "ApiGatewayLogGroup" in stage["DependsOn"]
    fields = json.loads(setting["Format"])
    assert {"requestId", "status", "errorType", "wafResponseCode"} <= set(fields)
    assert not {"authorization", "body"} & {k.lower() for k in fields}  # access logs hold no credentials


def test_package_warnings_are_only_the_ones_docs_deploy_explains(package_log):
    """serverless@3's schema predates python3.12, so every package warns at `provider.runtime`
    (and counts the CONFIG_VALIDATION_MODE_DEFAULT_V3 deprecation that warning triggers);
    docs/DEPLOY.md explains both. Any other warning or deprecation fails here."""
    text = package_log.read_text()
    assert "Service packaged" in text
    docs = (Path(__file__).resolve().parents[2] / "docs" / "DEPLOY.md").read_text()
    warnings = re.findall(r"^\s+at '([^']+)': (.+)$", text, flags=re.M)
    runtime = serverless_config.load()["provider"]["runtime"]
    for where, what in warnings:
        assert where == "provider.runtime" and runtime not in what, (where, what)
        assert f"`{where}`" in docs and "python3.12" in docs
    deprecations = re.findall(r"^(\d+) deprecations? found", text, flags=re.M)
    assert deprecations in ([], ["1"]) and bool(deprecations) == bool(warnings), deprecations
    if deprecations:
        assert "CONFIG_VALIDATION_MODE_DEFAULT_V3" in docs
    other = [line for line in text.splitlines() if line.startswith("Warning") and "Invalid configuration" not in line]
    assert not other, other


def test_every_serverless_command_uses_the_pinned_cli():
    """A global `sls` is v4 (it needs a login); the Makefile and the workflows call the pinned one."""
    root = Path(__file__).resolve().parents[2]
    sources = [root / "Makefile", *sorted((root / ".github" / "workflows").glob("*.yml"))]
    for source in sources:
        for line in source.read_text().splitlines():
            if line.lstrip().startswith(("#", "@echo", "echo")):
                continue
            if re.search(r"\b(sls|serverless)\s+(deploy|package|remove|rollback|info)\b", line):
                assert "npx --no-install serverless" in line, f"{source.name}: {line.strip()}"


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
    # By function: FunctionName is the function or (canary releases) its alias.
    mappings = {
        name: m["Properties"]
        for m in _of_type(template, "AWS::Lambda::EventSourceMapping").values()
        for name in ("PublishOrderEvents", "NotifyCustomers")
        if name in json.dumps(m["Properties"]["FunctionName"])
    }
    stream = mappings["PublishOrderEvents"]
    assert stream["EventSourceArn"] == {"Fn::GetAtt": ["ShopTable", "StreamArn"]}
    (pattern,) = stream["FilterCriteria"]["Filters"]
    assert json.loads(pattern["Pattern"])["dynamodb"]["Keys"]["type"] == {"S": ["order"]}
    assert stream["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["FunctionFailuresQueue", "Arn"]}
    for mapping in (stream, mappings["NotifyCustomers"]):
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in _of_type(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    assert watched == {"OrderEventsDeadLetterQueue", "FunctionFailuresQueue"}
    send = next(s for s in _statements(template, notifier) if "ses:SendRawEmail" in _actions(s))
    assert (
        send["Condition"]["StringEquals"]["ses:FromAddress"]
        == notifier["Environment"]["Variables"]["SES_SENDER_ADDRESS"]
    )


def test_the_stack_fits_cloudformations_resource_limit(template):
    """CloudFormation refuses a template of more than 500 resources (cfn-lint's E3010 too); the
    canary's per-function version, alias, group and alarm (one metric-math alarm a function since
    the template reached exactly 500 with three) make this the limit a new function meets first."""
    assert len(template["Resources"]) <= 500
