"""Setting a registered user's password (the local server's seeded admin, an operator's tool):
what the operator is told when the email has no account, and what the user record keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shop.clock import now_iso
from shop.errors import NotFound
from shop.services import auth
from tests.fakes import FakeStorage


@pytest.fixture
def repo():
    return FakeStorage()


def test_an_unknown_email_is_not_found_and_the_operator_is_told_which_one(repo):
    with pytest.raises(NotFound) as missing:
        auth.set_password(repo, "ghost@example.com", "New-pass-456")
    assert "ghost@example.com" in missing.value.message


def test_a_user_deleted_between_the_read_and_the_write_is_not_found_by_its_email(repo, monkeypatch):
    uid = auth.register(repo, "gone@example.com", "Old-pass-123", "G").user.id
    write = repo.users.set_password_hash

    def deleted_first(user_id, password_hash, updated_at):
        del repo.users.records[uid]
        write(user_id, password_hash, updated_at)

    monkeypatch.setattr(repo.users, "set_password_hash", deleted_first)
    with pytest.raises(NotFound) as missing:
        auth.set_password(repo, "gone@example.com", "New-pass-456")
    assert "gone@example.com" in missing.value.message


def test_a_new_password_stamps_updated_at(repo):
    uid = auth.register(repo, "reset@example.com", "Old-pass-123", "R").user.id
    repo.users.records[uid]["updatedAt"] = "2026-01-01T00:00:00.000Z"
    before = now_iso()
    auth.set_password(repo, "reset@example.com", "New-pass-456")
    stamped = repo.users.records[uid]["updatedAt"]
    assert before <= stamped <= now_iso()  # now_iso's format sorts in time order
    assert datetime.fromisoformat(stamped) > datetime.now(UTC) - timedelta(minutes=1)
