"""The storefront's part of the generated template: a private bucket read only by its
CloudFront distribution (origin access control), strict response headers, SPA routing, the
CLOUDFRONT web ACL, and the API's CORS allowlist taken from the distribution's domain."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from tests.deploy.conftest import functions, lambda_resources


def _props(template: dict, name: str) -> dict:
    return template["Resources"][name]["Properties"]


def test_the_site_bucket_is_private_encrypted_and_read_only_by_the_distribution(template):
    bucket = _props(template, "SiteBucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "WebsiteConfiguration" not in bucket  # no public website endpoint
    allow, deny = _props(template, "SiteBucketPolicy")["PolicyDocument"]["Statement"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${SiteDistribution}")
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_distribution_reaches_the_bucket_through_oac_over_https_only(template):
    config = _props(template, "SiteDistribution")["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = _props(template, "SiteOriginAccessControl")["OriginAccessControlConfig"]
    signing = (oac["SigningBehavior"], oac["SigningProtocol"], oac["OriginAccessControlOriginType"])
    assert signing == ("always", "sigv4", "s3")
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SiteResponseHeadersPolicy"}
    (router,) = behaviour["FunctionAssociations"]
    assert router["EventType"] == "viewer-request"
    assert config["WebACLId"]["Fn::If"][1] == {"Fn::GetAtt": ["SiteWebAcl", "Arn"]}


def test_spa_routing_sends_pages_to_index_html_and_keeps_missing_assets_404(template):
    """The CloudFront Function's own code, run in Node on the URIs CloudFront would hand it."""
    code = _props(template, "SiteRouterFunction")["FunctionCode"]
    uris = ["/", "/products/abc", "/orders/o1/pay", "/assets/index-1a2b.js", "/favicon.ico"]
    script = code + "\nconst uris = JSON.parse(process.argv[1]);\n"
    script += "console.log(JSON.stringify(uris.map((uri) => handler({ request: { uri } }).uri)));"
    node = shutil.which("node")
    assert node, "node is needed (make package uses it too)"
    argv = [node, "-e", script, json.dumps(uris)]
    result = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30)  # noqa: S603
    pages = ["/index.html"] * 3
    assert json.loads(result.stdout) == [*pages, "/assets/index-1a2b.js", "/favicon.ico"]


def test_the_response_headers_are_strict(template):
    headers = _props(template, "SiteResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp_template, values = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    directives = dict(d.strip().split(" ", 1) if " " in d.strip() else (d.strip(), "") for d in csp_template.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in csp_template
    api = r"https://\$\{ApiGatewayRestApi\}\.execute-api\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}"
    # 'self': the site reads its API's address from its own config.json (web/src/config.ts)
    assert re.fullmatch(r"'self' " + api + r" \$\{Upload\}", directives["connect-src"])
    assert directives["img-src"] == "'self' ${Media}"
    assert values["Media"].startswith("https://")
    # the browser's presigned POST goes to the media bucket itself, nowhere else on S3
    bucket = template["Resources"]["MediaBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    upload = f"https://{bucket}.s3.amazonaws.com https://{bucket}.s3.${{AWS::Region}}.amazonaws.com"
    assert values["Upload"] == {"Fn::Sub": upload}
    assert directives["frame-ancestors"] == "'none'"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True


def test_the_site_web_acl_is_cloudfront_scoped_with_managed_groups_and_a_rate_rule(template):
    acl = template["Resources"]["SiteWebAcl"]
    assert acl["Condition"] == "SiteWafInThisStack"
    assert template["Conditions"]["SiteWafInThisStack"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    assert acl["Properties"]["Scope"] == "CLOUDFRONT"
    rules = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}
    assert rules["RatePerIp"]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    managed = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in rules.values()
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    groups = ("CommonRuleSet", "KnownBadInputsRuleSet", "AmazonIpReputationList")
    assert managed == {f"AWSManagedRules{group}" for group in groups}
    assert len({r["Priority"] for r in rules.values()}) == len(rules)


def test_every_function_allows_the_site_origin_in_cors(template):
    for name in functions():  # serverless.yml's, not the canary's pre-traffic hook (no HTTP)
        origins = lambda_resources(template)[name]["Environment"]["Variables"]["CORS_ALLOWED_ORIGINS"]
        joined = origins["Fn::Join"]
        assert joined[0] == ","
        assert {"Fn::Sub": "https://${SiteDistribution.DomainName}"} in joined[1], name


def test_the_outputs_name_what_make_deploy_uploads_to(template):
    outputs = template["Outputs"]
    assert outputs["SiteBucketName"]["Value"] == {"Ref": "SiteBucket"}
    assert outputs["SiteDistributionId"]["Value"] == {"Ref": "SiteDistribution"}
