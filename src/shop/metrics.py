"""Business metrics as CloudWatch Embedded Metric Format (Powertools Metrics): one JSON line on
stdout per count, which CloudWatch turns into a metric of the `ShopApi` namespace (no API call,
no extra permission). Imported lazily by the money paths only (cold starts of other functions)."""

from __future__ import annotations

import os

NAMESPACE = "ShopApi"
# What an operator counts (docs/ORDERS.md, "Money states"): alarms read the last three.
PAYMENT_SUCCEEDED, PAYMENT_DECLINED, PAYMENT_REQUIRES_ACTION = (
    "PaymentSucceeded",
    "PaymentDeclined",
    "PaymentRequiresAction",
)
REFUND_SUCCEEDED, REFUND_FAILED, AUTOMATIC_REFUND = "RefundSucceeded", "RefundFailed", "AutomaticRefund"
RECONCILIATION_DIFFERENCES = "ReconciliationDifferences"
PAYMENT_RELEASED = "PaymentReleased"  # an expired order's payment awaiting 3-D Secure, cancelled


def count(name: str, value: int = 1) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    service = os.environ.get("POWERTOOLS_SERVICE_NAME", "shop-api")
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="service", value=service)
