"""A product image's record, as stored on its product item (storage/images.py): `processing` from
the moment its upload is signed, then `ready` (with its size) or `rejected` (with a reason).
Read from every shape ever stored: a record missing an optional field reads it as None."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROCESSING, READY, REJECTED = "processing", "ready", "rejected"

# The optional fields of a stored record: attribute name -> field name.
_OPTIONAL = (
    ("contentType", "content_type"),
    ("uploadExpiresAt", "upload_expires_at"),
    ("width", "width"),
    ("height", "height"),
    ("reason", "reason"),
    ("readyAt", "ready_at"),
    ("rejectedAt", "rejected_at"),
)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Image:
    id: str
    status: str
    created_at: str
    content_type: str | None = None
    upload_expires_at: int | None = None  # epoch seconds: the upload form's end (processing only)
    width: int | None = None
    height: int | None = None
    reason: str | None = None  # why it was rejected
    ready_at: str | None = None
    rejected_at: str | None = None
    # Where its renditions are served (thumb, large): set by services.images for an answer, never stored.
    urls: dict[str, str] | None = field(default=None, compare=False)

    @classmethod
    def from_item(cls, image_id: str, item: dict[str, Any]) -> Image:
        return cls(
            id=image_id,
            status=str(item.get("status", "")),
            created_at=str(item.get("createdAt", "")),
            content_type=_text(item.get("contentType")),
            upload_expires_at=_int(item.get("uploadExpiresAt")),
            width=_int(item.get("width")),
            height=_int(item.get("height")),
            reason=_text(item.get("reason")),
            ready_at=_text(item.get("readyAt")),
            rejected_at=_text(item.get("rejectedAt")),
        )

    def to_item(self) -> dict[str, Any]:
        """The record as stored (without its id, the key of the product's `images` map)."""
        item: dict[str, Any] = {"status": self.status, "createdAt": self.created_at}
        for name, attribute in _OPTIONAL:
            value = getattr(self, attribute)
            if value is not None:
                item[name] = value
        return item

    def as_api(self) -> dict[str, Any]:
        """The image's state (GET /products/{id}/images/{imageId})."""
        shown: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.status == REJECTED and self.reason is not None:
            shown["reason"] = self.reason
        elif self.status == READY:
            shown.update(urls=self._urls(), width=self.width, height=self.height)
        return shown

    def as_product_image(self) -> dict[str, Any]:
        """A ready image in its product's `images`."""
        return {"id": self.id, "urls": self._urls(), "width": self.width, "height": self.height}

    def _urls(self) -> dict[str, str]:
        if self.urls is None:  # a bug: the service answers with a ready image it did not resolve
            raise ValueError(f"image {self.id}: its urls were not resolved")
        return self.urls
