"""Promoting a registered user to admin (the operator's `devtools.admin promote`): what the
operator is told, and what the user record and the answer hold afterwards."""

from __future__ import annotations

import pytest

from shop.errors import NotFound
from shop.services import auth
from tests import factories
from tests.fakes import FakeStorage


@pytest.fixture
def repo():
    return FakeStorage()


def test_a_promoted_user_is_an_admin_in_the_record_and_the_answer(repo):
    uid = auth.register(repo, "boss@example.com", factories.STRONG_PASSWORD, "Boss").user.id
    promoted = auth.promote_to_admin(repo, " Boss@Example.com ")
    assert promoted.as_session_user() == {"userId": uid, "email": "boss@example.com", "name": "Boss", "role": "admin"}
    assert repo.users.records[uid]["role"] == "admin"


def test_an_unknown_email_is_not_found_and_the_operator_is_told_which_one(repo):
    with pytest.raises(NotFound) as missing:
        auth.promote_to_admin(repo, "ghost@example.com")
    assert "ghost@example.com" in missing.value.message


def test_a_user_deleted_between_the_read_and_the_write_is_not_found_by_its_email(repo, monkeypatch):
    uid = auth.register(repo, "gone@example.com", factories.STRONG_PASSWORD, "G").user.id
    write = repo.users.set_role

    def deleted_first(user_id, role):
        del repo.users.records[uid]
        write(user_id, role)

    monkeypatch.setattr(repo.users, "set_role", deleted_first)
    with pytest.raises(NotFound) as missing:
        auth.promote_to_admin(repo, "gone@example.com")
    assert "gone@example.com" in missing.value.message
