"""`make superadmin`: finding the user and the conditional promotion (scripts/superadmin.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.model import ADMIN, MEMBER, SUPER, User
from chalicelib.domain.writes import Audit, PutUser
from chalicelib.storage.memory import MemoryStore
from scripts import local, superadmin


def store_with(*users: User) -> MemoryStore:
    store = MemoryStore()
    store.commit([PutUser(u) for u in users])
    return store


def test_promotes_by_key_with_an_audit_entry() -> None:
    store = store_with(User(key="k1", name="홍길동", unit="2중대"))
    user, changed = superadmin.promote(store, "k1")
    assert changed and user.role == SUPER
    assert store.get_user("k1").role == SUPER
    [entry] = store.list_audit()
    assert (entry.actor, entry.action, entry.target) == ("operator", "grant_super", "k1")
    assert entry.at


def test_promotes_by_exact_name_and_is_idempotent() -> None:
    store = store_with(User(key="k1", name="홍길동", role=ADMIN))
    assert superadmin.promote(store, "홍길동")[1] is True
    assert superadmin.promote(store, "홍길동")[1] is False
    assert len(store.list_audit()) == 1


def test_same_name_twice_lists_both_and_changes_nothing() -> None:
    store = store_with(User(key="a" * 64, name="홍길동", unit="1중대"), User(key="b" * 64, name="홍길동", unit="2중대"))
    with pytest.raises(superadmin.Failure) as e:
        superadmin.promote(store, "홍길동")
    assert e.value.code == 2
    assert "1중대" in str(e.value) and "2중대" in str(e.value)
    assert "a" * 16 in str(e.value) and "b" * 16 in str(e.value)
    assert all(u.role == MEMBER for u in store.list_users())


def test_unknown_user_fails() -> None:
    with pytest.raises(superadmin.Failure) as e:
        superadmin.promote(store_with(), "없는사람")
    assert e.value.code == 1


class RacingStore(MemoryStore):
    """The user writes (a session update) between our read and our first commit."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races

    def commit(self, writes: list[Any]) -> None:
        if self.races and any(isinstance(w, Audit) for w in writes):
            self.races -= 1
            current = self.get_user("k1")
            assert current is not None
            current.session = {"step": "menu"}
            super().commit([PutUser(current)])
        super().commit(writes)


def test_a_lost_race_is_reread_and_retried_once() -> None:
    store = RacingStore(races=1)
    store.commit([PutUser(User(key="k1", name="홍길동"))])
    _user, changed = superadmin.promote(store, "k1")
    assert changed
    stored = store.get_user("k1")
    assert stored is not None and stored.role == SUPER
    assert stored.session == {"step": "menu"}  # the other write survived


def test_two_lost_races_give_up() -> None:
    store = RacingStore(races=2)
    store.commit([PutUser(User(key="k1", name="홍길동"))])
    with pytest.raises(superadmin.Failure):
        superadmin.promote(store, "k1")
    assert store.get_user("k1").role == MEMBER


def test_stale_stack_file_is_refused(tmp_path: Path) -> None:
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps({"pid": 2**22 + 12345}))  # above pid_max's default: never alive
    with pytest.raises(superadmin.Failure):
        superadmin.use_local_stack(stack)


def test_live_stack_file_points_the_environment_at_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in local.TOUCHED:  # setenv first so that monkeypatch restores the original value (or absence)
        monkeypatch.setenv(name, "before")
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://elsewhere")
    stack = tmp_path / "stack.json"
    stack.write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "dynamodb_endpoint": "http://127.0.0.1:1",
                "s3_endpoint": "http://127.0.0.1:2",
                "table_prefix": "t",
                "region": "ap-northeast-2",
            }
        )
    )
    assert superadmin.use_local_stack(stack) is not None
    assert os.environ["HJ_DYNAMODB_ENDPOINT"] == "http://127.0.0.1:1"
    assert os.environ["HJ_TABLE_PREFIX"] == "t"
    assert "AWS_ENDPOINT_URL" not in os.environ
