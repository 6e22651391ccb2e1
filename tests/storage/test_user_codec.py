"""The user's item is written and read without the model (user_items.user_raw, user_items.user_of): it must be the
item the model describes, attribute for attribute, both ways, for every user a store can hold."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.model import Managed, User
from chalicelib.storage import user_items
from chalicelib.storage.names import MEMBER_PARTITION
from chalicelib.storage.tables import UserItem
from tests.storage.codec_strategies import ids, json_value, some, text

users = st.builds(
    User,
    key=some,
    name=text,
    unit=text,
    role=st.integers(0, 3),
    session=st.dictionaries(text, json_value, max_size=4),
    answered=st.dictionaries(ids, st.integers(0, 2**34), max_size=4),
    managed=st.dictionaries(ids, st.builds(Managed, text, st.integers(0, 2**34)), max_size=3),
    viewing=st.dictionaries(ids, st.builds(Managed, text, st.integers(0, 2**34)), max_size=3),
    units=st.lists(some, max_size=3),
    created_at=text,
    version=st.integers(0, 10**6),
    rate=st.lists(st.floats(0, 2**34, allow_nan=False) | st.integers(0, 2**34).map(float), max_size=2),
    roster=text,
    person=text,
    recalled=st.booleans(),
)


def as_the_model_writes(u: User, version: int) -> dict[str, Any]:
    """The item the model made of a user before the codec (user_items.user_item as it was)."""
    return UserItem(
        u.key,
        name=u.name or None,
        unit=u.unit or None,
        admin="admin" if u.role >= 1 else None,
        role=u.role,
        session=u.session,
        answered_at=dict(u.answered) or None,
        managed={sid: [m.title, m.since] for sid, m in u.managed.items()} or None,
        viewing={sid: [m.title, m.since] for sid, m in u.viewing.items()} or None,
        units=list(u.units) or None,
        member=MEMBER_PARTITION,
        member_unit=user_items.member_unit(u.unit),
        created_at=u.created_at,
        version=version,
        rate=list(u.rate) or None,
        roster=u.roster or None,
        person=u.person if u.person and u.person != u.key else None,
        recalled=u.recalled or None,
    ).serialize()


def same_user(a: User, b: User) -> bool:
    return a == b and a.loaded == b.loaded


@settings(max_examples=300, deadline=None)
@given(users)
def test_the_item_written_is_the_models_and_reads_back_as_the_same_user(u: User) -> None:
    raw = user_items.user_raw(u, u.version + 1)
    assert raw == as_the_model_writes(u, u.version + 1)
    assert UserItem.from_raw_data(raw).serialize() == raw  # the model reads it as it would have written it
    back = user_items.user_of(raw)
    expected = user_items.user(UserItem.from_raw_data(raw))  # the model's reading, through the same decoder
    assert same_user(back, expected)
    u.version += 1
    if u.person == u.key:
        u.person = ""  # stored as absent: the key itself is the person
    assert back == u
    assert back.loaded == back.people_fields()


def test_an_item_of_an_earlier_version_reads_as_before() -> None:
    """``answered`` as a set of ids (before the times were kept), no rate, no role: as older items are."""
    raw = {
        "key": {"S": "k1"},
        "name": {"S": "홍길동"},
        "unit": {"S": "1중대"},
        "answered": {"SS": ["s1", "s2"]},
        "answered_at": {"S": json.dumps({"s2": 1700000000})},
        "session": {"S": "{}"},
        "version": {"N": "3"},
    }
    u = user_items.user_of(raw)
    assert u.answered == {"s1": 0, "s2": 1700000000}
    assert (u.role, u.rate, u.created_at, u.version, u.recalled) == (0, [], "", 3, False)
    assert u == user_items.user(UserItem.from_raw_data(raw))
