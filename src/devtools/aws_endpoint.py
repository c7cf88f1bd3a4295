"""The local AWS endpoint: one moto server on 127.0.0.1 for S3, SNS, SQS, SES, ... (and for
DynamoDB too when DynamoDB Local cannot run).

Application code finds it through boto3's standard per-service variables
(AWS_ENDPOINT_URL_S3, ...), set by `environment()` for every process of the local server,
so it just calls `boto3.client("s3")`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

SERVICES = ("S3", "SNS", "SQS", "SES", "SSM")


def _serialize_dynamodb(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """moto's DynamoDB backend is not thread-safe (a transaction checks its conditions, then
    applies them, without a lock): its requests run one at a time, as in the embedded mode."""
    lock = threading.Lock()

    def serialized(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return app(environ, start_response)
        with lock:
            return list(app(environ, start_response))  # the whole body, inside the lock

    return serialized


class LocalAwsEndpoint:
    """moto's ThreadedMotoServer on a free loopback port, DynamoDB requests serialized."""

    def __init__(self, port: int = 0):
        from moto.server import ThreadedMotoServer

        from . import embedded_dynamodb

        embedded_dynamodb.install_item_level_rollback()  # its transactions cost O(items named), not O(table)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)

    def start(self) -> str:
        import logging

        # werkzeug logs every request at INFO: the images job's queue polls (4 a second)
        # would fill make run's output. Errors still show.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        wsgi_server = self._server._server  # the werkzeug server it just built
        wsgi_server.app = _serialize_dynamodb(wsgi_server.app)
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        self._server.stop()


def environment(aws_url: str | None, dynamodb_url: str | None) -> dict[str, str]:
    """The variables every process of the local server gets."""
    from .local_env import DUMMY_AWS

    env = dict(DUMMY_AWS)
    if aws_url:
        env |= {f"AWS_ENDPOINT_URL_{service}": aws_url for service in SERVICES}
    if dynamodb_url:
        env |= {
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_url,
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": dynamodb_url,
            "DYNAMODB_ENDPOINT_URL": dynamodb_url,  # what shop.config reads
        }
    return env
