"""The generated CloudFormation template: production settings, least privilege, and the table tests use."""

from __future__ import annotations

import json

import pytest

from devtools import serverless_config
from tests.deploy.conftest import TEMPLATE_NAME, functions, lambda_resources

TRACING_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# What the Serverless Framework gives every role so the function can write its own log group.
LOG_ACTIONS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:TagResource"}

SECRET_ACTIONS = {"ssm:GetParameter", "kms:Decrypt"}


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
    assert (SECRET_ACTIONS & actions) in (set(), SECRET_ACTIONS)  # both or neither
    assert actions >= TRACING_ACTIONS  # tracing is Active
    for statement in statements:
        if _actions(statement) & {"dynamodb:Query"}:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:  # an index of the table, never the base table or a wildcard
                assert resource["Fn::Join"][1][1:] in [["index", f"gsi{n}"] for n in (1, 2, 3)], resource
        if "ssm:GetParameter" in _actions(statement):
            assert all("jwt-secret" in json.dumps(r) for r in statement["Resource"])
        if "kms:Decrypt" in _actions(statement):
            assert statement["Condition"]["StringEquals"]["kms:ViaService"] == {
                "Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"
            }


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
    default_role = json.dumps(template["Resources"]["IamRoleLambdaExecution"])
    assert "dynamodb" not in default_role and "ssm" not in default_role


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
    assert notification["Function"] == {"Fn::GetAtt": ["ProcessImageLambdaFunction", "Arn"]}
    assert "ProcessImageInvokedByTheMediaBucket" in bucket["DependsOn"]
    permission = template["Resources"]["ProcessImageInvokedByTheMediaBucket"]
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


def test_only_process_image_reads_uploads_and_writes_images_and_the_api_only_signs(template):
    """The S3 actions of every role, by prefix: the API functions sign uploads (PutObject on
    uploads/, which a presigned POST is authorised by) and delete files; processImage alone reads
    uploads and writes renditions; nothing can list or read the bucket through the API."""
    granted: dict[str, set[tuple[str, str]]] = {}
    for name, properties in lambda_resources(template).items():
        for statement in _statements(template, properties):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in _actions(statement):
                if action.startswith("s3:"):
                    for resource in resources:
                        prefix = json.dumps(resource).rsplit("/", 1)[0].rsplit("}", 1)[-1] or json.dumps(resource)
                        granted.setdefault(name, set()).add((action, prefix.strip('/"')))
    readers = {n for n, g in granted.items() if any(a == "s3:GetObject" for a, _ in g)}
    writers = {n for n, g in granted.items() if ("s3:PutObject", "images") in g}
    assert readers == writers == {"processImage"}
    assert {n for n, g in granted.items() if ("s3:PutObject", "uploads") in g} == {"createImageUpload"}
    assert not any(a in ("s3:ListBucket", "s3:*") for g in granted.values() for a, _ in g)
