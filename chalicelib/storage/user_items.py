"""The users table's item <-> :class:`~chalicelib.domain.model.User`, written and read without the model.

A member's message reads and writes this item and nothing else most of the time, so it is encoded and decoded
here as DynamoDB's attribute maps (one encoder, one decoder); the model (``UserItem``) is built from the encoder's
item where a transaction needs one. ``tests/storage/test_user_codec.py`` holds the two to the model, both ways.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.domain.model import Managed, Member, User
from chalicelib.domain.roster_records import unit_key
from chalicelib.storage.names import ADMIN_PARTITION, MEMBER_PARTITION

if TYPE_CHECKING:
    from chalicelib.storage.tables import UserItem


def user_item(model: type[UserItem], u: User, version: int) -> UserItem:
    """The user's item as a model (for a transaction): built from :func:`user_raw`, the one encoding of a user."""
    return model.from_raw_data(user_raw(u, version))


def _json(value: Any) -> dict[str, str]:
    return {"S": json.dumps(value, ensure_ascii=False, separators=(",", ":"))}  # as tables.JsonAttribute


def user_raw(u: User, version: int) -> dict[str, Any]:
    """The user's item as DynamoDB stores it, written without the model: a member's message reads and writes this
    item and nothing else most of the time, and the model's attribute machinery took three to four times as long to
    write and read it (docs/performance.md). It is the item ``UserItem`` describes, attribute for attribute (absent
    where the model has None; tests/storage/test_user_codec.py checks both ways against the model)."""
    raw: dict[str, Any] = {
        "key": {"S": u.key},
        "role": {"N": str(u.role)},
        "session": _json(u.session),
        "member": {"S": MEMBER_PARTITION},
        "member_unit": {"S": member_unit(u.unit)},
        "created_at": {"S": u.created_at},
        "version": {"N": str(version)},
    }
    optional: dict[str, Any] = {
        "name": u.name and {"S": u.name},
        "unit": u.unit and {"S": u.unit},
        "admin": u.role >= 1 and {"S": ADMIN_PARTITION},  # sparse: only admins are indexed
        "answered_at": u.answered and _json(dict(u.answered)),
        "managed": u.managed and _json({sid: [m.title, m.since] for sid, m in u.managed.items()}),
        "viewing": u.viewing and _json({sid: [m.title, m.since] for sid, m in u.viewing.items()}),
        "units": u.units and {"L": [{"S": x} for x in u.units]},
        "rate": u.rate and {"L": [{"N": json.dumps(x)} for x in u.rate]},
        "roster": u.roster and {"S": u.roster},
        "person": u.person and u.person != u.key and {"S": u.person},
        "recalled": u.recalled and {"BOOL": True},
    }
    raw.update((name, value) for name, value in optional.items() if value)
    return raw


def member_unit(unit: str) -> str:
    """The ``members`` index's range key: one unit's members are one key, however each typed the unit ('1 중대'
    and '1중대' are 1중대, as the roster keeps units); the item keeps the unit as it was typed, to show."""
    return f"u#{unit_key(unit)}"


def user(i: UserItem) -> User:
    return user_of(i.serialize())


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    return value["S"] if value else ""


def _loaded(raw: dict[str, Any], name: str) -> Any:
    value = raw.get(name)
    return json.loads(value["S"]) if value else None


def user_of(raw: dict[str, Any]) -> User:
    """The user an item holds, as :func:`user_raw` writes it (and as earlier versions did: ``answered`` as a set of
    ids before the times were kept)."""
    answered = dict.fromkeys(raw["answered"]["SS"], 0) if "answered" in raw else {}
    answered.update({str(k): int(v) for k, v in (_loaded(raw, "answered_at") or {}).items()})
    managed = _loaded(raw, "managed") or {}
    viewing = _loaded(raw, "viewing") or {}
    u = User(
        key=raw["key"]["S"],
        name=_text(raw, "name"),
        unit=_text(raw, "unit"),
        role=int(json.loads(raw["role"]["N"])) if "role" in raw else 0,
        session=_loaded(raw, "session") or {},
        answered=answered,
        managed={str(k): Managed(str(v[0]), int(v[1])) for k, v in managed.items()},
        viewing={str(k): Managed(str(v[0]), int(v[1])) for k, v in viewing.items()},
        units=[x["S"] for x in raw["units"]["L"]] if "units" in raw else [],
        created_at=_text(raw, "created_at"),
        version=int(json.loads(raw["version"]["N"])) if "version" in raw else 0,
        rate=[float(json.loads(x["N"])) for x in raw["rate"]["L"]] if "rate" in raw else [],
        roster=_text(raw, "roster"),
        person=_text(raw, "person"),
        recalled="recalled" in raw and bool(raw["recalled"]["BOOL"]),
    )
    u.loaded = u.people_fields()
    return u


def member(i: UserItem) -> Member:
    """A person as the ``members`` index projects them."""
    return Member(i.key, i.name or "", i.unit or "", int(i.role or 0), i.created_at or "")
