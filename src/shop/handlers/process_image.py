"""Process uploaded product images (S3 ObjectCreated on uploads/, not an HTTP route)

Each record's object is read (at most 5 MiB), decoded with Pillow, written as WebP renditions
and attached to its product, or recorded as rejected; the upload is deleted either way. A
repeated event changes nothing. A failure to reach DynamoDB or S3 raises, so Lambda retries
the event.
"""

from __future__ import annotations

from typing import Any

from ..services import images
from ..storage import storage
from ..storage.media import media


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"processed": images.process_event(storage(), media(), event.get("Records") or [])}
