"""What the local server and the local jobs need of Lambda's runtime: the context object a
handler is given, and a handler found by its serverless.yml name, imported as Lambda imports it."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any


class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str, request_id: str, timeout_s: int = 10):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def import_handler(handler: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """`src/shop/handlers/get_product.handler` -> shop.handlers.get_product:handler.

    src/ is the code root here, as the zip root is on Lambda."""
    module_path, _, function = handler.rpartition(".")
    module = module_path.removeprefix("src/").replace("/", ".")
    return getattr(importlib.import_module(module), function)
