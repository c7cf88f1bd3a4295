"""The layers keep to their jobs (CONTRIBUTING.md): what each may raise, one logger, constants and
route facts with one home. Imports between layers, circles and module sizes: test_import_graph.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from devtools import serverless_config
from shop import errors
from shop.envelope import status_of

SHOP = Path(__file__).resolve().parents[2] / "src" / "shop"
DOMAIN_ERRORS = {
    name: cls for name, cls in vars(errors).items() if isinstance(cls, type) and issubclass(cls, errors.DomainError)
}
# What a request's shape or the infrastructure decides, raised at the edge, in tokens and cursors,
# or (503, and a cursor that does not fit its list) in storage. Everything else is a business
# decision: raised by the services only.
NOT_BUSINESS = {"InvalidJson", "ValidationFailed", "InvalidCursor", "InvalidSignature", "Unauthorized", "Forbidden"} | {
    "MethodNotAllowed",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "TooManyRequests",
    "ServiceUnavailable",
}
STORAGE_MAY_RAISE = {"ServiceUnavailable", "InvalidCursor"}


def _raised_domain_errors(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
            if name in DOMAIN_ERRORS:
                found.add(name)
    return found


def _modules(under: Path = SHOP) -> list[Path]:
    return sorted(under.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SHOP)))
def test_conflicts_and_not_found_come_from_the_services_only(path):
    raised = _raised_domain_errors(path)
    if path.parent.name == "services":
        return
    business = sorted(name for name in raised if name not in NOT_BUSINESS)
    assert not business, f"{path.name} raises {business}: a service's decision, not this layer's"
    if path.parent.name == "storage":
        assert raised <= STORAGE_MAY_RAISE, f"storage raises {raised - STORAGE_MAY_RAISE}: raise a neutral failure"


def test_the_business_errors_are_the_402s_404s_409s_and_422s():
    """The split above stays honest: what it calls business is what a client sees as a conflict
    (or, for a declined payment, a 402 that the payment service decides)."""
    business = {name for name in DOMAIN_ERRORS if name not in NOT_BUSINESS | {"DomainError", "RetryLater"}}
    business.discard("InvalidCredentials")  # a 401, decided by the auth service
    business.discard("InvalidResetToken")  # a 400, decided by the auth service from the token's record
    assert {status_of(DOMAIN_ERRORS[name])[0] for name in business} <= {402, 404, 409, 422}
    assert {status_of(DOMAIN_ERRORS[name])[0] for name in NOT_BUSINESS} & {402, 404, 409, 422} == set()


def test_key_formats_are_written_in_storage_keys_only():
    """A key prefix (email#, idem#, login#, ...) spelled anywhere else drifts from the one in keys.py."""
    prefixes = ("email#", "idem#", "login#", "ip#", "category#", "user#", "status#", "cart#", "event#")
    for path in _modules():
        if path.name == "keys.py":
            continue
        text = path.read_text()
        assert not [p for p in prefixes if f'"{p}' in text or f"'{p}" in text], path


def test_every_handler_module_is_a_routed_function_and_every_function_has_its_handler():
    config = serverless_config.load()
    handlers = {
        f["handler"].removeprefix("src/shop/handlers/").rpartition(".")[0] for f in config["functions"].values()
    }
    modules = {p.stem for p in (SHOP / "handlers").glob("*.py")} - {"__init__"}
    assert modules == handlers, "a handler module without a function in serverless.yml, or the reverse"


def test_every_module_logs_through_shop_log():
    """One logger, configured once (shop/log.py): a module that builds its own Logger or reaches
    the standard logger by name writes lines without Powertools' JSON or with another config."""
    for path in _modules():
        if path.name == "log.py":
            continue
        tree = ast.parse(path.read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {
            f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert "logging" not in imported, f"{path.name}: log through `from shop.log import logger`"
        assert "aws_lambda_powertools.Logger" not in imported, f"{path.name}: the Logger is configured in log.py"


@pytest.mark.parametrize(
    ("spelled", "home"),
    [('"usd"', "limits.py"), ("1024 * 1024", "limits.py"), ("PUBLISH_BATCH_LIMIT = ", "events_topic.py")],
)
def test_shared_constants_are_defined_once(spelled, home):
    """The default currency, the image upload limit and SNS's batch size: one definition each,
    imported wherever they are used, so a change cannot miss a copy."""
    spelled_in = sorted(str(p.relative_to(SHOP)) for p in _modules() if spelled in p.read_text())
    assert spelled_in == [home]


def test_tests_reach_handlers_only_through_tests_apigw():
    """A handler called directly (import_handler(...)(event, context)) runs as the harness, so the
    IAM-enforced run credits its calls to no function (CONTRIBUTING.md, "IAM")."""
    tests = SHOP.parents[1] / "tests"
    # apigw.py is the one way in; test_infrastructure.py only checks each handler is importable and
    # test_batch_metrics.py that each batch handler is wrapped: neither calls one.
    allowed = ["apigw.py", "integration/test_infrastructure.py", "unit/test_batch_metrics.py", "unit/test_layers.py"]
    calling = sorted(str(p.relative_to(tests)) for p in tests.rglob("*.py") if "import_handler" in p.read_text())
    assert calling == sorted(allowed)
