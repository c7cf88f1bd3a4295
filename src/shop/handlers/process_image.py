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

# Its row in the generated routes tables (devtools.routes): it has no HTTP route of its own.
TRIGGER = "S3 `ObjectCreated` on `uploads/` (not HTTP)"
WHO = "nobody: decodes with Pillow, writes WebP thumb and large"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"processed": images.process_event(storage(), media(), event.get("Records") or [])}
