"""Regular expressions that a library compiles at import, compiled on first use instead.

marshmallow.validate compiles `Email.DOMAIN_REGEX` (an IGNORECASE class over U+00A1..U+FFFF,
five times) when it is imported: about 80 ms of `re` work on CPython 3.12, a fifth of a bare
boto3 client's cold start, paid by every function with a schema although only register
validates an email. `schemas.py` imports marshmallow inside `compiled_on_use("marshmallow")`,
so such patterns become `LazyPattern`s that compile the first time they are matched.
tests/unit/test_lean_imports.py checks that this still happens and still validates.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any

_lock = threading.Lock()


class LazyPattern:
    """Stands in for `re.compile(pattern, flags)`: every attribute (match, search, pattern, ...)
    is the compiled pattern's, compiled once on first access."""

    __slots__ = ("_compile", "_compiled", "_flags", "_pattern")

    def __init__(self, compile_: Any, pattern: Any, flags: int):
        self._compile, self._pattern, self._flags = compile_, pattern, flags
        self._compiled: re.Pattern[Any] | None = None

    @property
    def compiled(self) -> bool:
        return self._compiled is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # ABCMeta asks every class attribute for __isabstractmethod__
            raise AttributeError(name)
        if self._compiled is None:
            self._compiled = self._compile(self._pattern, self._flags)
        return getattr(self._compiled, name)


@contextlib.contextmanager
def compiled_on_use(package: str) -> Iterator[None]:
    """While importing `package`, its own module-level `re.compile` calls are deferred;
    everyone else's (another thread's, the standard library's) compile as usual."""
    with _lock:
        original = re.compile

        def deferred(pattern: Any, flags: int = 0) -> Any:
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller == package or caller.startswith(package + "."):
                return LazyPattern(original, pattern, flags)
            return original(pattern, flags)

        re.compile = deferred
        try:
            yield
        finally:
            re.compile = original
