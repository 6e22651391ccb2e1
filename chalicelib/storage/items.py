"""Domain records <-> DynamoDB items.

The builders take the model class to build: a bound one of
:class:`chalicelib.storage.bound.Tables` for a write, or the schema class
itself where only the item's shape matters (its size, say).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from chalicelib.domain.model import (
    KST,
    NAMED,
    OPEN,
    Answer,
    AuditEntry,
    Question,
    Survey,
    SurveyInfo,
    User,
    title_key,
)
from chalicelib.domain.plans import Planned
from chalicelib.domain.roster_records import LoadResult, RosterEntry, Strain
from chalicelib.storage.names import AUDIT_PARTITION, ROSTER_PARTITION, SURVEY_KIND

if TYPE_CHECKING:
    from chalicelib.storage.tables import AnswerItem, AuditItem, RosterItem, SurveyItem

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def segment(name: str) -> str:
    """``name`` as one segment of a document path (a map's key, an attribute's name): an expression reads ``[`` and
    ``]`` as a list index, so they are escaped, and so is ``%`` (:func:`unsegment` undoes it)."""
    return name.replace("%", "%25").replace("[", "%5B").replace("]", "%5D")


def unsegment(text: str) -> str:
    return text.replace("%5B", "[").replace("%5D", "]").replace("%25", "%")


def by_registration(users: Iterable[User]) -> list[User]:
    return sorted(users, key=lambda u: (u.created_at, u.key))


def survey_item(model: type[SurveyItem], s: Survey) -> SurveyItem:
    return model(
        s.id,
        kind=SURVEY_KIND,
        title_key=title_key(s.title) or "-",  # an index key cannot be empty
        full=s.is_full(),
        title=s.title,
        owner=s.owner,
        owner_name=s.owner_name,
        description=s.description,
        questions=[q.to_dict() for q in s.questions],
        coadmins=list(s.coadmins),
        viewers=list(s.viewers) or None,
        deadline=s.deadline.isoformat() if s.deadline else None,
        deadline_us=epoch_us(s.deadline) if s.deadline else None,
        target_unit=s.target_unit,
        cap=s.cap,
        status=s.status,
        created_at=s.created_at,
        response_count=s.response_count,
        option_counts=dict(s.option_counts),
        reminded_us=epoch_us(s.reminded_at) if s.reminded_at else None,
        reminded_units={segment(u): epoch_us(at) for u, at in s.reminded_units.items()} or None,
        auto_remind=list(s.auto_remind) or None,
        auto_reminded=list(s.auto_reminded) or None,
        opens_at=s.opens_at.isoformat() if s.opens_at else None,
        repeat=s.repeat or None,
        origin=s.origin or None,
        mode=s.mode if s.mode != NAMED else None,
        salt=s.salt or None,
        batch_size=s.batch_size or None,
        keep_days=s.keep_days or None,
        closed_at=s.closed_at.isoformat() if s.closed_at else None,
        closed_us=epoch_us(s.closed_at) if s.closed_at else None,
        keep_extended=s.keep_extended or None,
        keep_warned=s.keep_warned or None,
        purged_at=s.purged_at.isoformat() if s.purged_at else None,
    )


def survey(i: SurveyItem) -> Survey:
    counts: Any = i.option_counts
    marks: Any = i.reminded_units
    return Survey(
        id=i.id,
        title=i.title,
        owner=i.owner,
        questions=[Question.from_dict(q) for q in (i.questions or [])],
        description=i.description,
        coadmins=list(cast(list[str], i.coadmins or [])),
        viewers=list(cast(list[str], i.viewers or [])),
        deadline=parse_time(i.deadline) if i.deadline else None,
        target_unit=i.target_unit,
        cap=int(i.cap) if i.cap is not None else None,
        status=i.status,
        created_at=i.created_at,
        owner_name=i.owner_name,
        response_count=int(i.response_count or 0),
        option_counts={k: int(v) for k, v in (counts.as_dict() if counts is not None else {}).items()},
        reminded_at=from_epoch_us(int(i.reminded_us)) if i.reminded_us else None,
        reminded_units={unsegment(u): from_epoch_us(int(v)) for u, v in (marks.as_dict() if marks else {}).items()},
        auto_remind=[int(h) for h in cast(list[float], i.auto_remind or [])],
        auto_reminded=[int(h) for h in cast(list[float], i.auto_reminded or [])],
        opens_at=parse_time(i.opens_at) if i.opens_at else None,
        repeat=i.repeat or "",
        origin=i.origin or "",
        mode=i.mode or NAMED,
        salt=i.salt or "",
        batch_size=int(i.batch_size or 0),
        keep_days=int(i.keep_days or 0),
        closed_at=parse_time(i.closed_at) if i.closed_at else None,
        keep_extended=bool(i.keep_extended),
        keep_warned=bool(i.keep_warned),
        purged_at=parse_time(i.purged_at) if i.purged_at else None,
    )


def survey_info(i: SurveyItem) -> SurveyInfo:
    """A survey as the ``titles`` index projects it."""
    return SurveyInfo(
        id=i.id,
        title=i.title or "",
        target_unit=i.target_unit or "",
        deadline=parse_time(i.deadline) if i.deadline else None,
        status=i.status or OPEN,
        created_at=i.created_at or "",
        owner=i.owner or "",
        coadmins=tuple(cast(list[str], i.coadmins or [])),
        full=bool(i.full),
    )


def listing_entry(s: SurveyInfo) -> str:
    """What the listing keeps of one survey (compact JSON: the listing is read by almost every message)."""
    entry: dict[str, Any] = {"t": s.title, "c": s.created_at}
    if s.target_unit:
        entry["u"] = s.target_unit
    if s.deadline is not None:
        entry["d"] = s.deadline.isoformat()
    if s.status != OPEN:
        entry["s"] = s.status
    if s.owner:
        entry["o"] = s.owner
    if s.coadmins:
        entry["a"] = list(s.coadmins)
    if s.full:
        entry["f"] = 1
    if s.unnamed:
        entry["n"] = 1
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def listed(survey_id: str, entry: str) -> SurveyInfo:
    e = json.loads(entry)
    return SurveyInfo(
        id=survey_id,
        title=str(e.get("t", "")),
        target_unit=str(e.get("u", "")),
        deadline=parse_time(e["d"]) if e.get("d") else None,
        status=str(e.get("s", OPEN)),
        created_at=str(e.get("c", "")),
        owner=str(e.get("o", "")),
        coadmins=tuple(str(x) for x in e.get("a", [])),
        full=bool(e.get("f")),
        unnamed=bool(e.get("n")),
    )


def plan_entry(p: Planned) -> str:
    """What the schedule keeps of one survey (compact JSON)."""
    # A retention entry keeps only its time: there is one per closed survey within its retention, and the job
    # reads the survey anyway when the time comes (about 50 bytes each: some 8,000 fit the item's 400 KB).
    entry: dict[str, Any] = {} if p.kind else {"t": p.title}
    if p.opens_at is not None:
        entry["o"] = p.opens_at.isoformat()
    if p.repeat:
        entry["r"] = p.repeat
    if p.next is not None:
        entry["n"] = p.next.isoformat()
    if p.lasts is not None:
        entry["l"] = p.lasts
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def planned(key: str, entry: str) -> Planned:
    """A schedule entry from its key (the survey id, '#kind' for a retention entry) and its JSON."""
    survey_id, _, kind = key.partition("#")
    e = json.loads(entry)
    return Planned(
        kind=kind,
        survey_id=survey_id,
        title=str(e.get("t", "")),
        opens_at=parse_time(e["o"]) if e.get("o") else None,
        repeat=str(e.get("r", "")),
        next=parse_time(e["n"]) if e.get("n") else None,
        lasts=int(e["l"]) if e.get("l") is not None else None,
    )


def newest_first(found: Iterable[SurveyInfo]) -> list[SurveyInfo]:
    return sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)


def answer_item(model: type[AnswerItem], a: Answer, version: int) -> AnswerItem:
    at = submitted_epoch(a) if a.named else None
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
        person=a.user_key if at is not None else None,  # in ``by_person`` (both keys, or neither)
        at=at,
        batch=a.batch,
        entered_by=a.entered_by or None,
    )


def submitted_epoch(a: Answer) -> int | None:
    """Epoch seconds of an answer's first submit (``by_person``'s order); None when it has no readable time."""
    try:
        return int(parse_time(a.submitted_at).timestamp())
    except ValueError:
        return None


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
        batch=int(i.batch) if i.batch is not None else None,
        entered_by=i.entered_by or "",
    )


def audit_item(model: type[AuditItem], e: AuditEntry, index: int) -> AuditItem:
    # Sort key: `at` first (newest-first listing), then a clock reading and the
    # position in the commit so that entries sharing an `at` keep their order,
    # then a random tail so that keys never collide.
    sk = f"{e.at}#{time.time_ns():020d}.{index:03d}.{uuid.uuid4().hex[:8]}"
    return model(AUDIT_PARTITION, sk, actor=e.actor, action=e.action, target=e.target, detail=e.detail, at=e.at)


def audit_entry(i: AuditItem) -> AuditEntry:
    return AuditEntry(i.actor, i.action, i.target, i.detail, i.at)


def from_epoch_us(us: int) -> datetime:
    """The instant of :func:`epoch_us`, in KST."""
    return (_EPOCH + us * _MICROSECOND).astimezone(KST)


def epoch_us(dt: datetime) -> int:
    """The instant as integer microseconds since 1970 (exact; no float rounding)."""
    aware = dt if dt.tzinfo is not None else dt.astimezone()
    return (aware - _EPOCH) // _MICROSECOND


def parse_time(text: str) -> datetime:
    dt = datetime.fromisoformat(text)
    if dt.utcoffset() == KST.utcoffset(None):
        dt = dt.replace(tzinfo=KST)  # keep the domain's named zone
    return dt


def roster_item(model: type[RosterItem], e: RosterEntry, part: str = ROSTER_PARTITION) -> RosterItem:
    return model(
        part,
        e.entry,
        unit=e.unit,
        name=e.name,
        check=e.check or None,
        claimed_by=e.claimed_by or None,
        claimed_at=e.claimed_at or None,
        number=e.number or None,
        person=e.person or None,
    )


def roster_entry(i: RosterItem) -> RosterEntry:
    return RosterEntry(
        entry=i.entry,
        unit=i.unit or "",
        name=i.name or "",
        check=i.check or "",
        claimed_by=i.claimed_by or "",
        claimed_at=i.claimed_at or "",
        number=i.number or "",
        person=i.person or "",
        strain=strain(i),
    )


def strain(i: RosterItem) -> Strain:
    return Strain(float(i.strain or 0), int(i.strain_at or 0), int(i.tries or 0), int(i.locked_until or 0))


def load_head(r: LoadResult) -> dict[str, Any]:
    return {"summary": r.summary, "removals": r.removals, "before": r.before, "by": r.by, "at": r.at}


def load_result(token: str, raw: Any, taken: bool) -> LoadResult:
    return LoadResult(
        token,
        str(raw.get("summary", "")),
        int(raw.get("removals", 0)),
        int(raw.get("before", 0)),
        str(raw.get("by", "")),
        str(raw.get("at", "")),
        taken,
    )
