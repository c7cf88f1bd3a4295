"""Schemathesis hooks: the two request rules JSON Schema cannot state.

Without these, "schema-valid" requests that the server rightly refuses would be
reported as the server's fault. Everything else the fuzzer generates is sent as is.
`filter_case` (rather than `filter_body`) so that the coverage phase applies them too.
"""

from __future__ import annotations

from typing import Any

import schemathesis

MAX_PASSWORD_BYTES = 72  # bcrypt's limit, in bytes; JSON Schema's maxLength counts characters


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    body = case.body
    if not isinstance(body, dict):
        return True
    route = (case.operation.method.upper(), case.operation.path)
    if route == ("POST", "/orders") and isinstance(body.get("items"), list):
        # Each product may appear once per order (JSON Schema's uniqueItems compares whole lines).
        ids = [str(line.get("productId")) for line in body["items"] if isinstance(line, dict)]
        return len(ids) == len(set(ids))
    if route == ("POST", "/auth/register") and isinstance(body.get("password"), str):
        return len(body["password"].encode("utf-8", "surrogatepass")) <= MAX_PASSWORD_BYTES
    return True
