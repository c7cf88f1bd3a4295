from __future__ import annotations

from decimal import Decimal

from shop import errors, jsonio
from shop.envelope import error_reply
from shop.inputs import flatten_messages


def test_nested_marshmallow_errors_become_dotted_paths():
    messages = {"items": {0: {"quantity": ["Too small."]}, 3: {"_schema": ["Bad line."]}}, "_schema": ["Empty."]}
    assert flatten_messages(messages) == {
        "items.0.quantity": ["Too small."],
        "items.3": ["Bad line."],
        "body": ["Empty."],
    }


def test_every_domain_error_has_a_status_and_subclasses_inherit_it():
    for error_class in [
        cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.DomainError)
    ]:
        if error_class in (errors.DomainError, errors.RetryLater):
            continue
        reply = error_reply(error_class())
        assert 400 <= reply.status <= 503, error_class
    assert error_reply(errors.InvalidCredentials()).status == 401
    assert error_reply(errors.TooManyRequests(retry_after=30)).headers["Retry-After"] == "30"


def test_json_keeps_money_exact():
    parsed = jsonio.loads('{"price": 19.99, "qty": 3}')
    assert parsed == {"price": Decimal("19.99"), "qty": 3}
    assert jsonio.dumps({"total": Decimal("59.97"), "n": Decimal("3")}) == '{"total":59.97,"n":3}'
