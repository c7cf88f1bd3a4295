"""An AWS read refused by the function's own role (ssm:GetParameter or kms:Decrypt missing): a
deployment error that no retry heals. It is logged loudly and counted as a metric for the alarm,
and the caller answers a 500, never a 503 that would hide the misconfigured role."""

from __future__ import annotations

import os

from . import aws

ACCESS_DENIED = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})
METRICS_NAMESPACE = "Shop"


def reported(error: BaseException, names: tuple[str, ...]) -> str | None:
    """For an SSM ClientError that is an access denial: one ERROR line naming the parameters and
    the code (never a value), the metric SsmAccessDenied (CloudWatch embedded metric format), and
    the error code returned; None for any other error."""
    response = getattr(error, "response", None)
    code = aws.error_code(error) if isinstance(response, dict) else ""
    if code not in ACCESS_DENIED:
        return None
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    from .log import logger

    logger.error("SSM access denied", extra={"parameter": ",".join(names), "errorCode": code})
    with single_metric(name="SsmAccessDenied", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE) as metric:
        metric.add_dimension(name="service", value=os.environ.get("POWERTOOLS_SERVICE_NAME", "shop-api"))
    return code
