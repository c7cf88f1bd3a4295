"""processImage in the compiled template (issue 32, defect 8): an S3 event that fails every
retry goes to an on-failure destination (an encrypted SQS queue with an alarm), not nowhere;
and its role may list the bucket (s3:ListBucket), so that on AWS a missing
upload reads as 404 NoSuchKey, not 403, and the "missing" branch fires."""

from __future__ import annotations

from tests.deploy.conftest import lambda_resources


def resources_of(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_a_failed_upload_event_goes_to_a_queue_with_an_alarm(template):
    [config] = [
        r["Properties"]
        for r in resources_of(template, "AWS::Lambda::EventInvokeConfig").values()
        if "ProcessImage" in str(r["Properties"]["FunctionName"])
    ]
    target = config["DestinationConfig"]["OnFailure"]["Destination"]
    assert target == {"Fn::GetAtt": ["FunctionFailuresQueue", "Arn"]}
    queue = template["Resources"]["FunctionFailuresQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    alarms = resources_of(template, "AWS::CloudWatch::Alarm").values()
    watched = [a for a in alarms if "FunctionFailuresQueue" in str(a["Properties"].get("Dimensions"))]
    assert len(watched) == 1 and watched[0]["Properties"]["AlarmActions"]


def test_process_image_may_list_the_uploads_and_send_its_failures(template):
    assert "processImage" in lambda_resources(template)
    [role] = [r for name, r in resources_of(template, "AWS::IAM::Role").items() if name.startswith("ProcessImage")]
    statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
    listing = [s for s in statements if "s3:ListBucket" in s["Action"]]
    assert len(listing) == 1 and "Condition" not in listing[0]  # a GetObject has no s3:prefix to match
    assert listing[0]["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${MediaBucket}"} or "Fn::Sub" in str(
        listing[0]["Resource"]
    )
    sending = [s for s in statements if "sqs:SendMessage" in s["Action"]]
    assert sending and sending[0]["Resource"] == {"Fn::GetAtt": ["FunctionFailuresQueue", "Arn"]}
