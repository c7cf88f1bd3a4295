"""Cold starts stay lean (docs/BENCHMARKS.md, "Cold init of every function"): importing a
function's handler module, as Lambda does at init, loads only what its route declares.

Counted, not timed: the top-level packages in sys.modules after a fresh interpreter imports
one handler module, so the test means the same on any machine.
- boto3 and botocore's modules: never at an HTTP route's import (clients are made on first use;
  the event-source functions, which always call AWS, may load them at import);
- marshmallow: only with a body or query schema;
- PyJWT: only where a token is verified (auth) or issued (register, login);
- bcrypt: only where a password is hashed or checked (register, login);
- marshmallow's Email regex (80 ms to compile) stays uncompiled (shop.lazy_regex).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from devtools import serverless_config
from devtools.serverless_config import ROOT
from shop.lazy_regex import LazyPattern, compiled_on_use

ISSUES_TOKENS = {"register", "login", "changePassword"}
HASHES_PASSWORDS = {"register", "login", "changePassword", "confirmPasswordReset"}

# cryptography is in this virtualenv (moto's) but not in requirements.txt, so not in the zips;
# PyJWT imports it when it is there. Hidden, as in the package.
PROBE = """
import importlib, json, sys
sys.modules["cryptography"] = None
module = importlib.import_module(sys.argv[1])
email = sys.modules.get("marshmallow.validate")
operation = getattr(module.handler, "operation", None)  # None: not an HTTP route (expireOrders)
print(json.dumps({
    "tops": sorted({name.split(".")[0] for name in sys.modules}),
    "botocore": sorted(name for name in sys.modules if name.startswith("botocore.")),
    "email_regex_compiled": None if email is None else getattr(email.Email.DOMAIN_REGEX, "compiled", True),
    "http": operation is not None,
    "auth": getattr(operation, "auth", None),
    "schema": bool(getattr(operation, "body", None) or getattr(operation, "query", None)),
}))
"""


def _handlers() -> dict[str, str]:
    """Function name -> handler module, from serverless.yml (src/shop/handlers/x.handler)."""
    found = {}
    for name, function in serverless_config.load()["functions"].items():
        path = function["handler"].rsplit(".", 1)[0]
        found[name] = path.removeprefix("src/").replace("/", ".")
    return found


def _fresh(code: str, *args: str) -> dict:
    """What `code` prints (JSON) in a fresh interpreter with only the project's src on its path."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
    )
    return json.loads(done.stdout)


def _imported(module: str) -> dict:
    return _fresh(PROBE, module)


@pytest.mark.parametrize("function", sorted(_handlers()))
def test_a_handler_module_imports_only_what_its_route_uses(function):
    found = _imported(_handlers()[function])
    tops = set(found["tops"])

    if found["http"]:
        # An HTTP route makes its clients on first use: a preflight, a 405 or a 400 needs none.
        # Powertools imports the botocore package (to register its user agent), nothing under it.
        no_client = not tops & {"boto3", "s3transfer", "urllib3"} and not found["botocore"]
        assert no_client, "clients are made on first use"
        assert "aws_lambda_powertools" in tops  # the edge's one JSON log line per request
    assert ("marshmallow" in tops) == found["schema"], f"marshmallow loaded: {'marshmallow' in tops}"
    may_use_jwt = found["auth"] is not None or function in ISSUES_TOKENS
    assert "jwt" not in tops or may_use_jwt, "PyJWT loaded by a route that neither verifies nor issues tokens"
    assert ("bcrypt" in tops) == (function in HASHES_PASSWORDS)
    if found["schema"]:
        assert found["email_regex_compiled"] is False, "marshmallow was imported without shop.lazy_regex"


def test_a_lazy_pattern_matches_like_the_compiled_one_and_compiles_once():
    with compiled_on_use(__name__):
        lazy = re.compile(r"^[a-z]+\d$", re.IGNORECASE)
    assert isinstance(lazy, LazyPattern) and not lazy.compiled
    assert lazy.match("Abc1") and not lazy.match("abc")
    assert lazy.compiled and lazy.pattern == r"^[a-z]+\d$" and lazy.flags & re.IGNORECASE


def test_only_the_named_package_is_deferred_and_re_compile_comes_back():
    original = re.compile
    with pytest.raises(ImportError), compiled_on_use("tests.unit"):
        assert isinstance(re.compile("x"), LazyPattern)  # this module is under tests.unit
        assert isinstance(_compiled_elsewhere(), re.Pattern)  # json's own compiles are untouched
        raise ImportError("a failed import still restores re.compile")
    assert re.compile is original


def _compiled_elsewhere():
    namespace = {"__name__": "json.somewhere"}
    exec("import re\npattern = re.compile('y')", namespace)  # noqa: S102 - a caller in another package
    return namespace["pattern"]


AGGREGATES = """
import json, sys
from shop.storage import DynamoStorage
def ours():
    return sorted(n for n in sys.modules if n.startswith(("shop.domain.", "shop.storage.")))
store = DynamoStorage(table=object())
made = ours()
first = store.products
read = ours()
again = store.products
import shop.storage.protocol
typed = ours()
print(json.dumps({"made": made, "read": read, "same": first is again, "typed": typed}))
"""


def test_the_storage_imports_an_aggregate_and_its_records_only_when_a_route_touches_it():
    """A route that reads a product imports the product's storage and records, not the orders',
    users' or carts' (each aggregate is made on first use; the protocols import no record)."""
    found = _fresh(AGGREGATES)
    assert not [name for name in found["made"] if name.startswith("shop.domain.")]
    assert "shop.storage.products" not in found["made"]
    assert {"shop.storage.products", "shop.domain.product"} <= set(found["read"])
    untouched = {"shop.storage.orders", "shop.storage.users", "shop.storage.carts", "shop.storage.throttles"}
    untouched |= {"shop.domain.order", "shop.domain.user", "shop.domain.cart", "shop.domain.payment"}
    assert not untouched & set(found["read"])
    assert found["same"], "an aggregate is made once per storage"
    assert not untouched & set(found["typed"]), "the protocols import the records they name only for the type checker"
