"""moto's DynamoDB, in this process, made safe for a threaded server."""

from __future__ import annotations

import os
import threading

_lock = threading.RLock()
_started = None


def start() -> None:
    """Start moto in-process. Its backends are not thread-safe (a transaction checks its
    conditions and then applies them without a lock), so every request to it is
    serialized here, as DynamoDB itself serializes conflicting writes to an item."""
    global _started
    if _started is not None:
        return
    from moto import mock_aws
    from moto.core.botocore_stubber import BotocoreStubber

    for name, value in {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # nosec B105  # moto's placeholder credential, not a secret
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)

    original = BotocoreStubber.__call__
    if not getattr(original, "_serialized", False):

        def serialized(self, event_name, request, **kwargs):
            with _lock:
                return original(self, event_name, request, **kwargs)

        serialized._serialized = True  # type: ignore[attr-defined]
        BotocoreStubber.__call__ = serialized  # type: ignore[method-assign]
    _started = mock_aws()
    _started.start()


def stop() -> None:
    global _started
    if _started is not None:
        _started.stop()
        _started = None
