"""Decoding an uploaded file for real and writing its WebP renditions (Pillow).

Nothing about the file is trusted: not its name, not its Content-Type, not its extension.
Only Pillow's JPEG, PNG and WebP decoders are tried. The pixel count is checked from the
header, before anything is decoded, so a decompression bomb costs a header read. The output
is built from the pixels alone (orientation applied), so no metadata (EXIF, GPS, XMP, ICC,
comments) survives. Pillow is imported on first use: only processImage's package has it.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from typing import Any

FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000
WIDTHS = {"thumb": 320, "large": 1280}
WEBP_MAX_SIDE = 16383  # the format's limit
WEBP_QUALITY = 82


class Refused(Exception):
    """The file is not an image this service takes; `reason` is a stable code for clients."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Processed:
    width: int  # of the upright original
    height: int
    renditions: dict[str, Rendition]


def _pillow() -> tuple[Any, Any]:
    from PIL import Image, ImageFile, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard too (errors at twice this)
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return Image, ImageOps


def _png_end(data: bytes) -> int | None:
    """Offset just past the IEND chunk, walking the chunks from the signature."""
    offset = 8
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        offset += 12 + length
        if kind == b"IEND":
            return int(offset)
    return None


def _ends_where_the_image_ends(data: bytes, fmt: str) -> bool:
    """A polyglot (an image that is also a ZIP, HTML or script) carries bytes past the image's
    own end; a clean file ends there (give or take padding)."""
    if fmt == "PNG":
        end = _png_end(data)
        return end is not None and not data[end:].strip(b"\x00")
    if fmt == "JPEG":
        return data.rstrip(b"\x00\r\n \t").endswith(b"\xff\xd9")
    if fmt == "WEBP":
        (riff_size,) = struct.unpack("<I", data[4:8])
        return bool(8 + riff_size == len(data))
    return False


def _size_of(width: int, height: int, target: int) -> tuple[int, int]:
    """`target` px wide, never upscaled, aspect kept."""
    if width <= target:
        return width, height
    return target, max(1, round(height * target / width))


def process(data: bytes) -> Processed:
    """The renditions of `data`, or Refused(reason)."""
    if not data:
        raise Refused("empty_file")
    pil, ops = _pillow()
    try:
        with warnings.catch_warnings():  # the pixel count is checked below, as a refusal
            warnings.simplefilter("ignore", pil.DecompressionBombWarning)
            image = pil.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
    except pil.DecompressionBombError:
        raise Refused("too_many_pixels") from None
    except Exception:  # Pillow raises UnidentifiedImageError, SyntaxError, struct.error, ...
        raise Refused("not_an_image") from None
    with image:
        fmt = image.format
        width, height = image.size
        if fmt not in FORMATS:
            raise Refused("unsupported_format")
        if width * height > MAX_PIXELS:
            raise Refused("too_many_pixels")
        try:
            # EXIF orientation 5 to 8 turns the stored image a quarter: read before decoding.
            turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
            if fmt == "JPEG":  # decode at the smallest scale that still covers the large size, upright
                if turned:
                    upright_width, upright_height = _size_of(height, width, WIDTHS["large"])
                    image.draft("RGB", (upright_height, upright_width))
                else:
                    image.draft("RGB", _size_of(width, height, WIDTHS["large"]))
            image.load()
            upright = ops.exif_transpose(image)
        except pil.DecompressionBombError:
            raise Refused("too_many_pixels") from None
        except Exception:  # truncated or corrupt data: OSError, SyntaxError, ValueError, EOFError
            raise Refused("corrupt_image") from None
        if not _ends_where_the_image_ends(data, fmt):
            raise Refused("trailing_data")
        if turned:
            width, height = height, width
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        pixels = upright.convert("RGBA" if has_alpha else "RGB")
        # A new image from the pixels alone: nothing of the file's metadata comes along.
        clean = pil.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    renditions = {}
    for name, target in WIDTHS.items():
        size = _size_of(clean.width, clean.height, target)
        if max(size) > WEBP_MAX_SIDE:
            raise Refused("unsupported_dimensions")
        resized = clean if size == clean.size else clean.resize(size, pil.Resampling.LANCZOS)
        out = io.BytesIO()
        resized.save(out, "WEBP", quality=WEBP_QUALITY, method=4, exif=b"", icc_profile=None, xmp=b"")
        renditions[name] = Rendition(out.getvalue(), *size)
    return Processed(width, height, renditions)
