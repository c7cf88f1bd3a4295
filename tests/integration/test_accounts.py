"""The signed-in user's own account through the real handlers: GET/PUT /me and
PUT /me/password (issue 31)."""

from __future__ import annotations

from tests.apigw import invoke
from tests.integration.conftest import register

NEW_PASSWORD = "Fresh-Horse-Battery-9"


def user_item(ddb, table, user_id):
    return ddb.get_item(TableName=table, Key={"id": {"S": user_id}, "type": {"S": "user"}}, ConsistentRead=True)["Item"]


def test_me_is_the_callers_account_as_stored_without_its_hash(table):
    account = register(name="Ann Example")
    result = invoke("GET", "/me", token=account.token)
    assert result.status == 200, result.body
    me = result.data
    assert set(me) == {"id", "email", "name", "role", "createdAt"}
    assert (me["id"], me["email"], me["name"], me["role"]) == (
        account.user_id,
        account.email,
        "Ann Example",
        "customer",
    )
    assert me["createdAt"].endswith("Z")
    assert "passwordHash" not in result.body and "$2b$" not in result.body


def test_me_needs_a_token(table):
    result = invoke("GET", "/me")
    assert (result.status, result.code) == (401, "UNAUTHORIZED")
    assert result.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_new_name_is_trimmed_stored_and_answered_with_the_whole_account(table, ddb):
    account = register(name="Old Name")
    result = invoke("PUT", "/me", token=account.token, body={"name": "  New Name  "})
    assert result.status == 200, result.body
    assert result.data["name"] == "New Name" and result.data["id"] == account.user_id
    assert user_item(ddb, table, account.user_id)["name"]["S"] == "New Name"
    assert invoke("GET", "/me", token=account.token).data["name"] == "New Name"


def test_a_bad_name_or_another_field_is_a_400_and_nothing_changes(table, ddb):
    account = register(name="Kept Name")
    for body in ({"name": "A"}, {"name": "x" * 51}, {}, {"name": "Fine Name", "role": "admin"}, {"email": "a@b.co"}):
        result = invoke("PUT", "/me", token=account.token, body=body)
        assert (result.status, result.code) == (400, "VALIDATION_ERROR"), body
    stored = user_item(ddb, table, account.user_id)
    assert (stored["name"]["S"], stored["role"]["S"]) == ("Kept Name", "customer")


def test_a_password_change_signs_in_with_the_new_password_only_and_answers_a_new_session(table):
    account = register()
    body = {"currentPassword": account.password, "newPassword": NEW_PASSWORD}
    result = invoke("PUT", "/me/password", token=account.token, body=body)
    assert result.status == 200, result.body
    assert result.data["user"]["userId"] == account.user_id and result.data["token"] != account.token
    assert NEW_PASSWORD not in result.body and account.password not in result.body
    assert invoke("GET", "/me", token=result.data["token"]).status == 200
    old = invoke("POST", "/auth/login", body={"email": account.email, "password": account.password})
    assert old.status == 401
    new = invoke("POST", "/auth/login", body={"email": account.email, "password": NEW_PASSWORD})
    assert new.status == 200


def test_a_new_password_follows_the_registration_rules(table, ddb):
    account = register()
    before = user_item(ddb, table, account.user_id)["passwordHash"]["S"]
    for weak in ("Sh0rt!", "alllowercase1!", "Password1!", "A" * 70 + "a1!"):
        body = {"currentPassword": account.password, "newPassword": weak}
        result = invoke("PUT", "/me/password", token=account.token, body=body)
        assert (result.status, result.code) == (400, "VALIDATION_ERROR"), weak
        assert "newPassword" in result.json["details"]
    assert user_item(ddb, table, account.user_id)["passwordHash"]["S"] == before


def test_a_wrong_current_password_is_a_401_that_counts_towards_the_login_lockout(table, ddb):
    account = register()
    before = user_item(ddb, table, account.user_id)["passwordHash"]["S"]
    body = {"currentPassword": "Wrong-Horse-Battery-1", "newPassword": NEW_PASSWORD}
    for _ in range(5):  # LOGIN_MAX_FAILURES, from this address
        result = invoke("PUT", "/me/password", token=account.token, body=body)
        assert (result.status, result.code) == (401, "UNAUTHORIZED"), result.body
    assert user_item(ddb, table, account.user_id)["passwordHash"]["S"] == before
    # The sixth try, even with the right password, and a login from the same address: locked.
    right = {"currentPassword": account.password, "newPassword": NEW_PASSWORD}
    locked = invoke("PUT", "/me/password", token=account.token, body=right)
    assert (locked.status, locked.code) == (429, "TOO_MANY_REQUESTS") and int(locked.headers["Retry-After"]) > 0
    login = invoke("POST", "/auth/login", body={"email": account.email, "password": account.password})
    assert login.status == 429
    assert user_item(ddb, table, account.user_id)["passwordHash"]["S"] == before


def test_password_fields_are_required_and_unknown_ones_refused(table):
    account = register()
    result = invoke("PUT", "/me/password", token=account.token, body={"newPassword": NEW_PASSWORD, "extra": 1})
    assert (result.status, result.code) == (400, "VALIDATION_ERROR")
    assert set(result.json["details"]) == {"currentPassword", "extra"}


def test_a_customer_cannot_make_itself_admin_through_me(table):
    account = register()
    assert invoke("PUT", "/me", token=account.token, body={"role": "admin"}).status == 400
    assert invoke("GET", "/me", token=account.token).data["role"] == "customer"


def test_tokens_issued_before_a_password_change_stop_working_everywhere(table, admin):
    account = register()
    second_device = invoke("POST", "/auth/login", body={"email": account.email, "password": account.password})
    body = {"currentPassword": account.password, "newPassword": NEW_PASSWORD}
    fresh = invoke("PUT", "/me/password", token=account.token, body=body).data["token"]
    for old in (account.token, second_device.data["token"]):
        for method, path in (("GET", "/me"), ("GET", "/orders"), ("GET", "/cart"), ("PUT", "/me/password")):
            kwargs = {"body": body} if method == "PUT" else {}
            result = invoke(method, path, token=old, **kwargs)
            assert (result.status, result.code) == (401, "UNAUTHORIZED"), (path, result.body)
            assert result.headers["WWW-Authenticate"].startswith("Bearer")
    assert invoke("GET", "/orders", token=fresh).status == 200
    # An admin's token ends the same way, on admin routes too.
    admin_body = {"currentPassword": admin.password, "newPassword": NEW_PASSWORD}
    assert invoke("PUT", "/me/password", token=admin.token, body=admin_body).status == 200
    refused = invoke("POST", "/products", token=admin.token, body={"name": "x"})
    assert (refused.status, refused.code) == (401, "UNAUTHORIZED")


def test_a_deleted_accounts_token_is_a_401(table, ddb):
    account = register()
    ddb.delete_item(TableName=table, Key={"id": {"S": account.user_id}, "type": {"S": "user"}})
    for path in ("/me", "/orders", "/cart"):
        result = invoke("GET", path, token=account.token)
        assert (result.status, result.code) == (401, "UNAUTHORIZED"), path


def test_me_costs_one_read_the_session_check_itself(table):
    from devtools.request_costs import counting
    from shop.storage import storage

    account = register()
    with counting(storage().client) as log:
        assert invoke("GET", "/me", token=account.token).status == 200
    assert (log.operations, log.items_read) == (["GetItem"], 1)


def test_the_account_routes_answer_other_methods_with_405_and_allow(table):
    for result, allowed in (
        (invoke("DELETE", "/me"), "GET, PUT, OPTIONS"),
        (invoke("GET", "/me/password"), "PUT, OPTIONS"),
        (invoke("GET", "/auth/password-reset"), "POST, OPTIONS"),
        (invoke("PUT", "/auth/password-reset/confirm"), "POST, OPTIONS"),
    ):
        assert (result.status, result.code) == (405, "METHOD_NOT_ALLOWED")
        assert result.headers["Allow"] == allowed
