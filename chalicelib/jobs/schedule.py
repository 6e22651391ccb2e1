"""The scheduled job's openings: surveys whose 예약 came, and each period of a repeating survey.

Runs every minute (with the deadline autopilot). Reads the schedule (one item) and the
surveys due; every opening is one transaction whose condition makes it happen once:

* a scheduled survey opens only while its status is still ``scheduled``;
* a period's copy has the id ``<survey>-<period>`` and is created only if no survey has
  that id, in the same transaction that moves the schedule to the next period and checks
  that the survey repeats by the same rule still (nobody stopped it meanwhile).

So the job running twice, or two runs at once, opens each survey and each period once.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime

from chalicelib.domain.model import CLOSED, KEEP_DAYS, OPEN, SCHEDULED, AuditEntry, Managed, Survey
from chalicelib.domain.plans import KEEP, Planned
from chalicelib.domain.ports import Conflict, Store, Unavailable
from chalicelib.domain.repeat import latest_period, next_period, period_copy
from chalicelib.domain.retention import keep_plan, warning
from chalicelib.domain.wizard_steps import MAX_TITLE
from chalicelib.domain.writes import (
    Audit,
    ListSurvey,
    MarkKeepWarned,
    MarkPurged,
    Plan,
    PutSurvey,
    PutUser,
    SetRepeat,
    SetSurveyStatus,
    Unplan,
    Write,
)
from chalicelib.platform.logsafe import failure
from chalicelib.service.reminders import leave_note

log = logging.getLogger("haengjeong")

REMEMBER_ATTEMPTS = 5
FORGET_PAGE = 100  # members' items read at once when a purged survey leaves them (a BatchGetItem's most)


def open_planned(
    store: Store,
    now: datetime,
    keep_days: int = KEEP_DAYS,
    purged: list[str] | None = None,
    forget_files: Callable[[str], None] | None = None,
) -> list[Survey]:
    """Open what the schedule says is due at ``now``; returns the surveys this run opened. Retention entries
    due are handled too (a warning to the admins, or everything of the answers deleted: their ids added to
    ``purged``; ``forget_files`` deletes a survey's exports and results pages)."""
    opened: list[Survey] = []
    for p in store.planned():
        try:
            opened += _due(store, p, now, keep_days, purged, forget_files)
        except Unavailable:
            raise  # the store is away: the whole run waits for the next minute
        except Exception as exc:  # one entry's trouble must not stop the others (or the deadline autopilot)
            log.error("schedule entry failed", extra={"survey": p.survey_id, "kind": p.kind, **failure(exc)})
    return opened


def _due(
    store: Store,
    p: Planned,
    now: datetime,
    keep_days: int,
    purged: list[str] | None,
    forget_files: Callable[[str], None] | None = None,
) -> list[Survey]:
    """What one schedule entry asks at ``now``: the surveys it opened."""
    if p.kind == KEEP:
        if p.next is not None and p.next <= now:
            gone = _keep(store, p, now, keep_days, forget_files)
            if gone and purged is not None:
                purged.append(gone)
        return []
    opened: list[Survey] = []
    if p.opens_at is not None and p.opens_at <= now:
        s = _open_scheduled(store, p, now)
        if s is None:
            return []  # the schedule changed under us: the next run sees it afresh
        opened.append(s)
        p = dataclasses.replace(p, opens_at=None)
    if p.repeat and p.next is not None and p.next <= now:
        s = _open_period(store, p, now)
        if s is not None:
            opened.append(s)
    return opened


def _audit(action: str, s: Survey, now: datetime) -> Audit:
    return Audit(AuditEntry(actor="system", action=action, target=s.id, detail=s.title, at=now.isoformat()))


def _open_scheduled(store: Store, p: Planned, now: datetime) -> Survey | None:
    s = store.get_survey(p.survey_id)
    if s is None or s.status != SCHEDULED:  # deleted, or opened by another run: nothing left to do here
        if s is None or not p.repeat:
            _commit(store, [Unplan(p.survey_id)])
        else:
            _commit(store, [Plan(dataclasses.replace(p, opens_at=None))])
        return None
    opened = dataclasses.replace(s, status=OPEN)
    writes: list[Write] = [
        SetSurveyStatus(s.id, OPEN, expect=SCHEDULED),
        ListSurvey(opened.info()),
        Plan(dataclasses.replace(p, opens_at=None)) if p.repeat else Unplan(s.id),
        _audit("open", s, now),
    ]
    return opened if _commit(store, writes) else None


def _open_period(store: Store, p: Planned, now: datetime) -> Survey | None:
    origin = store.get_survey(p.survey_id)
    if origin is None or origin.repeat != p.repeat or p.next is None:
        _commit(store, [Unplan(p.survey_id)])
        return None
    period = latest_period(p.repeat, p.next, now)
    if period is None:
        return None
    following = Plan(dataclasses.replace(p, next=next_period(p.repeat, period)))
    copy = period_copy(origin, period, p.lasts, MAX_TITLE)
    if copy.deadline is not None and copy.deadline <= now:  # the job could not run all that period: skip it
        _commit(store, [following, SetRepeat(origin.id, p.repeat, expect=p.repeat)])
        return None
    writes: list[Write] = [
        PutSurvey(copy),
        ListSurvey(copy.info()),
        following,
        SetRepeat(origin.id, p.repeat, expect=p.repeat),
        _audit("repeat_open", copy, now),
    ]
    if not _commit(store, writes):
        return None
    for key in dict.fromkeys([copy.owner, *copy.coadmins]):
        _remember(store, key, copy, now)
    for key in copy.viewers:
        _remember(store, key, copy, now, viewer=True)
    return copy


def _keep(
    store: Store, p: Planned, now: datetime, keep_days: int, forget_files: Callable[[str], None] | None = None
) -> str:
    """A retention entry due: tell the admins a week before (once), or at the end delete the answers (once).
    Returns the survey's id when its answers were deleted by this run."""
    s = store.get_survey(p.survey_id)
    if s is not None and s.purged_at is not None:  # a run that deleted was cut short: finish, then forget it
        _purge(store, s.id, forget_files)
        _commit(store, [Unplan(p.survey_id, KEEP)])
        return ""
    if s is None or s.status != CLOSED or s.closed_at is None:
        _commit(store, [Unplan(p.survey_id, KEEP)])  # reopened or deleted: nothing to keep count of
        return ""
    until = s.keep_until(keep_days)
    if until is None:  # closed_at was checked above
        return ""
    if now >= until:
        entry = AuditEntry("system", "retention_purge", s.id, f"{s.title} · 응답 {s.response_count}건", now.isoformat())
        if not _commit(store, [MarkPurged(s.id, s.closed_at, now), Audit(entry)]):
            return ""
        # The entry stays until everything is gone: a run cut short (the function's time is up on a survey
        # of tens of thousands of answers) is finished by the next.
        _purge(store, s.id, forget_files)
        _commit(store, [Unplan(s.id, KEEP)])
        return s.id
    if s.keep_warned:  # told already (before 보관 연장 moved the end, say): look again at the end
        _commit(store, [keep_plan(s, s.closed_at, keep_days, warned=True)])
        return ""
    if _commit(store, [MarkKeepWarned(s.id, s.closed_at), keep_plan(s, s.closed_at, keep_days, warned=True)]):
        for key in dict.fromkeys([s.owner, *s.coadmins]):
            leave_note(store, key, warning(s, until, now))
    return ""


def _purge(store: Store, survey_id: str, forget_files: Callable[[str], None] | None) -> None:
    """Everything retention says goes: the answers and participation records, every member's memory of taking
    part (``answered``), and the files made of them (exports, results pages)."""
    store.purge_answers(survey_id)
    forget_answered(store, survey_id)
    if forget_files is not None:
        forget_files(survey_id)


def forget_answered(store: Store, survey_id: str) -> int:
    """Take ``survey_id`` out of every member's item (who took part, and when); returns how many items changed.
    Reads the registered people a page at a time: a job's work, once per survey a year after it closed."""
    members = [m.key for m in store.list_members()]
    changed = 0
    for start in range(0, len(members), FORGET_PAGE):
        for u in store.get_users(members[start : start + FORGET_PAGE]):
            changed += _forget_one(store, u.key, survey_id)
    return changed


def _forget_one(store: Store, key: str, survey_id: str) -> int:
    for _ in range(REMEMBER_ATTEMPTS):
        user = store.get_user(key)
        if user is None or survey_id not in user.answered:
            return 0
        user.answered.pop(survey_id, None)
        try:
            store.commit([PutUser(user)])
            return 1
        except Conflict:  # they were chatting at the same moment
            continue
    log.warning("could not forget a purged survey in a member's item")
    return 0


def _commit(store: Store, writes: list[Write]) -> bool:
    try:
        store.commit(writes)
        return True
    except Conflict:  # another run did it, or an admin changed the survey meanwhile
        return False


def _remember(store: Store, key: str, s: Survey, now: datetime, viewer: bool = False) -> None:
    """The period joins its admin's own list, or its 열람자's (found by title without reads), re-read on a race."""
    for _ in range(REMEMBER_ATTEMPTS):
        user = store.get_user(key)
        if user is None or not (viewer or user.is_admin):
            return
        (user.viewing if viewer else user.managed)[s.id] = Managed(s.title, int(now.timestamp()))
        user.keep_recent()
        try:
            store.commit([PutUser(user)])
            return
        except Conflict:  # they were chatting at the same moment
            continue
    log.warning("could not add a period to its admin's list")
