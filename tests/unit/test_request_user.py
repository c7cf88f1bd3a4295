"""`Request.user` on a request the edge did not authenticate is a wiring bug and fails loudly,
never an anonymous caller a handler could act for."""

from __future__ import annotations

import pytest

from shop.inputs import Request


def test_a_request_nobody_authenticated_has_no_user():
    request = Request({"pathParameters": None, "queryStringParameters": None}, {})
    assert request.caller is None
    with pytest.raises(RuntimeError, match="not authenticated"):
        _ = request.user
