"""AWS clients (DynamoDB, SSM, S3): one configuration of timeouts and retries for all of them,
and the request's deadline checked before every attempt (deadline.py).

Created lazily and cached by their callers for warm invocations; boto3 is imported only here.
"""

from __future__ import annotations

from typing import Any

from . import deadline


def client(service: str, region: str, endpoint_url: str | None = None, **options: Any) -> Any:
    """`options`: more botocore Config settings (S3's `signature_version`)."""
    import boto3
    from botocore.config import Config

    made = boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(
            # total_max_attempts counts the first attempt (botocore's max_attempts would not).
            retries={"mode": "standard", "total_max_attempts": deadline.ATTEMPTS},
            connect_timeout=deadline.CONNECT_TIMEOUT,
            read_timeout=deadline.READ_TIMEOUT,
            tcp_keepalive=True,
            **options,
        ),
    )
    # First, before anything else that answers a send (moto in tests, fault injectors).
    made.meta.events.register_first(
        f"before-send.{made.meta.service_model.service_id.hyphenize()}", deadline.before_attempt
    )
    return made
