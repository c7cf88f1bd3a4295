"""Process uploaded product images (S3 ObjectCreated on uploads/, not an HTTP route)

Each record's object is read (at most 5 MiB), decoded with Pillow, written as WebP renditions
and attached to its product, or recorded as rejected; the upload is deleted either way. A
repeated event changes nothing. A failure to reach DynamoDB or S3 raises, so Lambda retries
the event.
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger

from ..services import images
from ..storage import storage
from ..storage.media import media

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "shop-api"), use_rfc3339=True)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    outcomes = []
    for record in event.get("Records") or []:
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record.get("s3") or {}
        bucket = (s3.get("bucket") or {}).get("name")
        key = unquote_plus((s3.get("object") or {}).get("key", ""))  # S3 event keys are URL-encoded
        started = time.perf_counter()
        outcome = images.process_upload(storage(), media(), key) if bucket == media().bucket else "ignored"
        logger.info(
            "upload",
            extra={
                "function": getattr(context, "function_name", None),
                "key": key,
                "outcome": outcome,
                "durationMs": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        outcomes.append(outcome)
    return {"processed": outcomes}
