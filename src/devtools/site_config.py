"""The storefront's runtime configuration, `config.json` beside its index.html (web/src/config.ts).

The build names no API: `make run` answers this file for the site it serves (devtools.local_wsgi)
with the API's address of this run, and `make deploy` writes the stage's into the uploaded site
(devtools.deploy_site). So one build works on any PORT, stage or domain.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

NAME = "config.json"


def document(api_url: str) -> bytes:
    """The file's bytes for the API at `api_url` (an http or https address)."""
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the storefront needs an http(s) API address, not {api_url!r}")
    return json.dumps({"apiUrl": api_url.rstrip("/")}).encode() + b"\n"


def local_document() -> bytes:
    """What `make run` answers: its API on LOCAL_API_URL (set by devtools.local_server)."""
    return document(os.environ.get("LOCAL_API_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '3000')}")


def write(folder: Path, api_url: str) -> Path:
    """Puts the stage's config.json into a built site before it is uploaded."""
    target = folder / NAME
    target.write_bytes(document(api_url))
    return target
