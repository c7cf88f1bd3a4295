"""A black-box walk of the HTTP contract against the running local server, over real HTTP."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
import requests

from tests import factories

pytestmark = pytest.mark.blackbox


def register(server, email=None):
    email = email or factories.email()
    response = requests.post(
        f"{server.url}/auth/register",
        json={"email": email, "password": factories.STRONG_PASSWORD, "name": "Black Box"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


def admin_token(server):
    response = requests.post(
        f"{server.url}/auth/login", json={"email": server.admin_email, "password": server.admin_password}, timeout=10
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["user"]["role"] == "admin"
    return response.json()["data"]["token"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_start_up_prints_routes_and_the_demo_admin(server):
    output = server.output()
    assert "GET    /products" in output and "POST   /orders" in output
    # ADMIN_PASSWORD is given: the log (not a terminal) names it, never shows it (issue 32, defect 10)
    assert f"Demo admin: {server.admin_email} / (the password in ADMIN_PASSWORD)" in output
    assert server.admin_password not in output


def test_seeded_catalogue_is_served(server):
    response = requests.get(f"{server.url}/products", params={"limit": 100}, timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and len(body["data"]) >= 30
    assert {p["category"] for p in body["data"]} >= {"Books", "Electronics", "Kitchen"}
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Request-Id"]


def test_the_customer_journey(server):
    token = admin_token(server)
    category = f"Journey-{uuid.uuid4().hex[:6]}"
    created = []
    for index in range(5):
        response = requests.post(
            f"{server.url}/products",
            json=factories.product_body(category=category, price=10 + index),
            headers=bearer(token),
            timeout=10,
        )
        assert response.status_code == 201, response.text
        created.append(response.json()["data"])

    walked, cursor = [], None
    for _ in range(10):
        params = {"category": category, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = requests.get(f"{server.url}/products", params=params, timeout=10).json()
        walked += [p["id"] for p in page["data"]]
        cursor = page["pagination"]["nextCursor"]
        if not cursor:
            break
    assert walked == [p["id"] for p in reversed(created)]

    buyer = register(server)
    order = requests.post(
        f"{server.url}/orders",
        json=factories.order_body((created[0]["id"], 2), (created[1]["id"], 1)),
        headers=bearer(buyer["token"]),
        timeout=10,
    )
    assert order.status_code == 201, order.text
    assert order.json()["data"]["totalAmount"] == 31
    mine = requests.get(f"{server.url}/orders", headers=bearer(buyer["token"]), timeout=10).json()
    assert [o["id"] for o in mine["data"]] == [order.json()["data"]["id"]]

    stranger = register(server)
    peek = requests.get(
        f"{server.url}/orders/{order.json()['data']['id']}", headers=bearer(stranger["token"]), timeout=10
    )
    assert peek.status_code == 404 and peek.json()["code"] == "NOT_FOUND"
    assert requests.get(f"{server.url}/products/{created[0]['id']}", timeout=10).json()["data"]["stock"] == 8

    forbidden = requests.post(
        f"{server.url}/products", json=factories.product_body(), headers=bearer(buyer["token"]), timeout=10
    )
    assert forbidden.status_code == 403

    deleted = requests.delete(f"{server.url}/products/{created[4]['id']}", headers=bearer(token), timeout=10)
    assert deleted.json()["data"] == {"id": created[4]["id"], "deleted": True}
    assert requests.get(f"{server.url}/products/{created[4]['id']}", timeout=10).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        (
            "POST",
            "/auth/register",
            {"data": "{bad json", "headers": {"Content-Type": "application/json"}},
            400,
            "INVALID_JSON",
        ),
        (
            "POST",
            "/auth/register",
            {"json": {"email": "a@b.co", "password": "Xx1!xxxxx", "name": "Al", "role": "admin"}},
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/auth/login",
            {"data": "email=a", "headers": {"Content-Type": "text/plain"}},
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        ("POST", "/auth/login", {"json": {"email": "a@b.co", "password": "p" * 70_000}}, 413, "PAYLOAD_TOO_LARGE"),
        ("GET", "/orders", {"headers": {"Authorization": "Bearer not.a.token"}}, 401, "UNAUTHORIZED"),
        ("GET", "/products", {"params": {"cursor": "tampered.cursor"}}, 400, "INVALID_CURSOR"),
        ("PATCH", "/products", {}, 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/nowhere", {}, 404, "NOT_FOUND"),
    ],
)
def test_errors_over_http(server, method, path, kwargs, status, code):
    response = requests.request(method, f"{server.url}{path}", timeout=10, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["code"] == code
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_expired_and_alg_none_tokens_are_refused(server):
    now = int(time.time())
    claims = {
        "sub": "x",
        "email": "x@example.com",
        "role": "admin",
        "iat": now - 7200,
        "exp": now - 3600,
        "iss": "shop-api",
        "aud": "shop-api-clients",
    }
    for token in (
        jwt.encode(claims, "k" * 48, algorithm="HS256"),
        jwt.encode(claims | {"exp": now + 600}, None, algorithm="none"),
    ):
        response = requests.get(f"{server.url}/orders", headers=bearer(token), timeout=10)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_cors_over_http(server):
    allowed = requests.options(f"{server.url}/products", headers={"Origin": server.origin}, timeout=10)
    assert allowed.status_code == 204 and allowed.headers["Access-Control-Allow-Origin"] == server.origin
    other = requests.get(f"{server.url}/products", headers={"Origin": "https://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers and other.headers["Vary"] == "Origin"


def test_fifty_concurrent_orders_for_ten_units_sell_exactly_ten(server):
    token = admin_token(server)
    item = requests.post(
        f"{server.url}/products", json=factories.product_body(stock=10), headers=bearer(token), timeout=10
    ).json()["data"]
    buyers = [register(server)["token"] for _ in range(10)]

    def buy(index):
        response = requests.post(
            f"{server.url}/orders",
            data=json.dumps(factories.order_body((item["id"], 1))),
            headers=bearer(buyers[index % len(buyers)]) | {"Content-Type": "application/json"},
            timeout=30,
        )
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(buy, range(50)))
    statuses = [status for status, _ in results]
    assert statuses.count(201) == 10, statuses
    assert statuses.count(409) == 40 and {b["code"] for s, b in results if s == 409} == {"OUT_OF_STOCK"}
    assert requests.get(f"{server.url}/products/{item['id']}", timeout=10).json()["data"]["stock"] == 0
    created_ids = {body["data"]["id"] for status, body in results if status == 201}
    found = set()
    for buyer_token in buyers:
        found |= {
            o["id"]
            for o in requests.get(f"{server.url}/orders", headers=bearer(buyer_token), timeout=10).json()["data"]
        }
    assert found == created_ids
