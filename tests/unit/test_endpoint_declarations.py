"""What an `@endpoint(...)` declaration makes a handler do, declared while the test runs.

The project's handlers are decorated once, at import; these declare their own operations
so that the declaration itself (schemas, status, not_found, what the OpenAPI document
reads) is exercised by a request, not only by the import.
"""

from __future__ import annotations

import json
import uuid

from shop import errors
from shop.edge import Operation, endpoint
from shop.schemas import CartQuantitySchema, PageQuerySchema


def _boom() -> None:
    raise LookupError("internals")  # errorAt below names this line


def event(method="POST", body=None, query=None, path_params=None):
    return {
        "resource": "/things/{id}",
        "path": "/things/t1",
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"} if body is not None else None,
        "queryStringParameters": query,
        "pathParameters": path_params if path_params is not None else {"id": "t1"},
        "requestContext": {"requestId": str(uuid.uuid4()), "identity": {"sourceIp": "203.0.113.9"}},
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def answer(response):
    return response["statusCode"], json.loads(response["body"])


def declared_with_schemas():
    seen = []

    def fn(request):
        seen.append((request.data, request.params))
        return {"made": request.path("id")}

    declaration = {
        "body": CartQuantitySchema,
        "query": PageQuerySchema,
        "status": 201,
        "not_found": errors.ProductNotFound,
    }
    return endpoint(**declaration)(fn), seen, declaration


def test_a_valid_request_reaches_the_handler_validated_and_answers_the_declared_status():
    handler, seen, _ = declared_with_schemas()
    status, body = answer(handler(event(body={"quantity": 3}, query={"limit": "5"}), None))
    assert status == 201
    assert body == {"success": True, "data": {"made": "t1"}}
    # The body and the query as their schemas load them: "5" became 5, limit has no cursor.
    assert seen == [({"quantity": 3}, {"limit": 5})]


def test_the_declared_body_schema_refuses_a_bad_body_before_the_handler():
    handler, seen, _ = declared_with_schemas()
    status, body = answer(handler(event(body={"quantity": 0}, query={"limit": "5"}), None))
    assert status == 400 and body["code"] == "VALIDATION_ERROR"
    assert set(body["details"]) == {"quantity"}
    assert seen == []


def test_the_declared_query_schema_refuses_a_bad_query_before_the_handler():
    handler, seen, _ = declared_with_schemas()
    status, body = answer(handler(event(body={"quantity": 3}, query={"limit": "500"}), None))
    assert status == 400 and body["code"] == "VALIDATION_ERROR"
    assert set(body["details"]) == {"limit"}
    assert seen == []


def test_an_impossible_id_is_the_declared_not_found():
    handler, seen, _ = declared_with_schemas()
    status, body = answer(handler(event(body={"quantity": 3}, path_params={"id": "no spaces"}), None))
    assert status == 404 and body["code"] == "PRODUCT_NOT_FOUND"
    assert seen == []


def test_an_operation_without_body_or_query_takes_a_bodyless_get():
    def fn(request):
        return {"query": request.params, "data": request.data}

    handler = endpoint()(fn)
    status, body = answer(handler(event("GET", query={"limit": "500"}), None))
    # No schema declared: nothing is validated, nothing is handed to the handler as loaded.
    assert status == 200 and body["data"] == {"query": {}, "data": {}}


def test_the_handler_carries_its_declaration_for_the_openapi_document():
    handler, _, declaration = declared_with_schemas()
    # devtools.routes.declared reads a route's operation from here.
    assert handler.operation == Operation(**declaration)


def test_an_unforeseen_error_is_logged_where_it_was_raised(log_lines):
    def fn(request):
        _boom()

    status, body = answer(endpoint()(fn)(event("GET"), None))
    assert status == 500 and body["code"] == "INTERNAL_ERROR"
    line = json.loads(log_lines[-1])
    assert line["errorType"] == "LookupError"
    # The innermost frame, by file and line: the raise in _boom, not a caller on the way.
    assert line["errorAt"] == f"test_endpoint_declarations.py:{_boom.__code__.co_firstlineno + 1}"
