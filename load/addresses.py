"""Every simulated user its own source address, 127.x.y.z, against a server on this machine.

Linux routes all of 127.0.0.0/8 to the loopback interface, so a socket bound to 127.9.3.7
reaches a server listening on 127.0.0.1, and the server sees 127.9.3.7 as the peer: the
per-address login and register limits then count each user as production would count a
person, instead of being switched off. 127.0.0.0/16 is never handed out, so a run cannot
lock the machine's own 127.0.0.1 out of sign-up. Against a deployed stage nothing is bound.
"""

from __future__ import annotations

import os
import random
import threading
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class SourceAddressAdapter(HTTPAdapter):
    """Every connection of the session leaves from `address` (plain HTTP to this machine only)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs, source_address=(self.address, 0))


class _Pool:
    """Addresses handed out by this process (distinct; workers of one run pick at random from
    2^24 - 2^16 addresses, so two workers meeting on one is unlikely and harmless)."""

    def __init__(self) -> None:
        self._given: set[str] = set()
        self._lock = threading.Lock()
        self._random = random.Random(os.getpid() ^ int.from_bytes(os.urandom(4), "big"))

    def take(self) -> str:
        with self._lock:
            while True:
                second = self._random.randint(1, 255)  # never 127.0.x.x
                address = f"127.{second}.{self._random.randint(0, 255)}.{self._random.randint(1, 254)}"
                if address not in self._given:
                    self._given.add(address)
                    return address


pool = _Pool()


def is_local(host: str | None) -> bool:
    return bool(host) and (urlsplit(host).hostname or "") in LOOPBACK_HOSTS


def bind(session, host: str | None) -> str | None:
    """Send every later request of `session` (a requests/Locust HttpSession) from a new
    127.x.y.z address when `host` is on this machine; the address, or None (nothing bound)."""
    if not is_local(host) or os.environ.get("LOAD_SOURCE_ADDRESSES", "1") == "0":
        return None
    address = pool.take()
    old = session.adapters.get("http://")
    session.mount("http://", SourceAddressAdapter(address))
    if old is not None:
        old.close()
    return address
