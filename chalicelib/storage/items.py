"""Domain records <-> DynamoDB items.

The builders take the model class to build: a bound one of
:class:`chalicelib.storage.tables.Tables` for a write, or the schema class
itself where only the item's shape matters (its size, say).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from chalicelib.domain.model import KST, Answer, AuditEntry, Question, Survey, User
from chalicelib.storage.tables import ADMIN_PARTITION, AUDIT_PARTITION, AnswerItem, AuditItem, SurveyItem, UserItem

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def by_registration(users: Iterable[User]) -> list[User]:
    return sorted(users, key=lambda u: (u.created_at, u.key))


def user_item(model: type[UserItem], u: User, version: int) -> UserItem:
    return model(
        u.key,
        name=u.name or None,
        unit=u.unit or None,
        admin=ADMIN_PARTITION if u.role >= 1 else None,  # sparse: only admins are indexed
        role=u.role,
        session=u.session,
        answered=set(u.answered) or None,
        created_at=u.created_at,
        version=version,
        rate=list(u.rate) or None,
    )


def user(i: UserItem) -> User:
    return User(
        key=i.key,
        name=i.name or "",
        unit=i.unit or "",
        role=int(i.role),
        session=i.session or {},
        answered=set(i.answered or ()),
        created_at=i.created_at or "",
        version=int(i.version),
        rate=[int(x) for x in cast(list[float], i.rate or [])],
    )


def survey_item(model: type[SurveyItem], s: Survey) -> SurveyItem:
    return model(
        s.id,
        title=s.title,
        owner=s.owner,
        owner_name=s.owner_name,
        description=s.description,
        questions=[q.to_dict() for q in s.questions],
        coadmins=list(s.coadmins),
        deadline=s.deadline.isoformat() if s.deadline else None,
        deadline_us=epoch_us(s.deadline) if s.deadline else None,
        target_unit=s.target_unit,
        cap=s.cap,
        status=s.status,
        created_at=s.created_at,
        response_count=s.response_count,
        option_counts=dict(s.option_counts),
    )


def survey(i: SurveyItem) -> Survey:
    counts: Any = i.option_counts
    return Survey(
        id=i.id,
        title=i.title,
        owner=i.owner,
        questions=[Question.from_dict(q) for q in (i.questions or [])],
        description=i.description,
        coadmins=list(cast(list[str], i.coadmins or [])),
        deadline=parse_time(i.deadline) if i.deadline else None,
        target_unit=i.target_unit,
        cap=int(i.cap) if i.cap is not None else None,
        status=i.status,
        created_at=i.created_at,
        owner_name=i.owner_name,
        response_count=int(i.response_count or 0),
        option_counts={k: int(v) for k, v in (counts.as_dict() if counts is not None else {}).items()},
    )


def answer_item(model: type[AnswerItem], a: Answer, version: int) -> AnswerItem:
    return model(
        a.survey_id,
        a.user_key,
        answer_values=a.values,
        name=a.name,
        unit=a.unit,
        submitted_at=a.submitted_at,
        updated_at=a.updated_at,
        survey_title=a.survey_title,
        version=version,
    )


def answer(i: AnswerItem) -> Answer:
    return Answer(
        survey_id=i.survey_id,
        user_key=i.user_key,
        values=i.answer_values or {},
        name=i.name,
        unit=i.unit,
        submitted_at=i.submitted_at,
        updated_at=i.updated_at,
        survey_title=i.survey_title,
        version=int(i.version),
    )


def audit_item(model: type[AuditItem], e: AuditEntry, index: int) -> AuditItem:
    # Sort key: `at` first (newest-first listing), then a clock reading and the
    # position in the commit so that entries sharing an `at` keep their order,
    # then a random tail so that keys never collide.
    sk = f"{e.at}#{time.time_ns():020d}.{index:03d}.{uuid.uuid4().hex[:8]}"
    return model(AUDIT_PARTITION, sk, actor=e.actor, action=e.action, target=e.target, detail=e.detail, at=e.at)


def audit_entry(i: AuditItem) -> AuditEntry:
    return AuditEntry(i.actor, i.action, i.target, i.detail, i.at)


def epoch_us(dt: datetime) -> int:
    """The instant as integer microseconds since 1970 (exact; no float rounding)."""
    aware = dt if dt.tzinfo is not None else dt.astimezone()
    return (aware - _EPOCH) // _MICROSECOND


def parse_time(text: str) -> datetime:
    dt = datetime.fromisoformat(text)
    if dt.utcoffset() == KST.utcoffset(None):
        dt = dt.replace(tzinfo=KST)  # keep the domain's named zone
    return dt
