"""What each write does to the in-memory store: its condition and its change, one pair per write type.

``RULES`` maps every type of the ``Write`` union to its (check, apply) pair; the module refuses to import when a
type has none, so a new write cannot pass here and vanish, or fail only when first committed. The DynamoDB store
keeps the same table (``storage.transact``), and tests/storage runs every write type on every store.
"""

from __future__ import annotations

import copy
from typing import get_args

from chalicelib.domain import aggregates, census
from chalicelib.domain.aggregates import Aggregate
from chalicelib.domain.model import (
    CLOSED,
    OPEN,
    PARTICIPATION,
)
from chalicelib.domain.plans import KEEP, plan_key
from chalicelib.domain.ports import Conflict
from chalicelib.domain.roster_writes import SetUserRoster
from chalicelib.domain.writes import (
    AddCoadmin,
    AddToAggregate,
    AddViewer,
    Audit,
    CountResponse,
    DeleteAnswer,
    DeleteSurvey,
    DeleteUser,
    KeepCensus,
    KeepLonger,
    KeepUnnamedAnswer,
    ListSurvey,
    MarkAutoReminded,
    MarkKeepWarned,
    MarkPurged,
    MarkReminded,
    Plan,
    PutAnswer,
    PutSurvey,
    PutUser,
    RecountAggregate,
    SetRepeat,
    SetSurveyStatus,
    TouchPeople,
    UnlistSurvey,
    Unplan,
    Write,
)
from chalicelib.storage.memory_roster import ROSTER_RULES
from chalicelib.storage.memory_state import MemoryState, Rule, no_condition
from chalicelib.storage.memory_state import refuse as _refuse

# --- users and answers ---------------------------------------------------------------------------


def _check_put_user(m: MemoryState, w: PutUser) -> None:
    stored = m.users.get(w.user.key)
    _refuse("user", (stored.version if stored else 0) != w.user.version)


def _put_user(m: MemoryState, w: PutUser) -> None:
    u = copy.deepcopy(w.user)
    u.version = w.user.version + 1
    m.users[u.key] = u


def _check_delete_user(m: MemoryState, w: DeleteUser) -> None:
    user = m.users.get(w.key)
    _refuse("user", not user or user.version != w.expected_version)


def _delete_user(m: MemoryState, w: DeleteUser) -> None:
    m.users.pop(w.key, None)


def _check_put_answer(m: MemoryState, w: PutAnswer) -> None:
    answer = m.answers.get((w.answer.survey_id, w.answer.user_key))
    _refuse("answer", (answer.version if answer else 0) != w.answer.version)


def _put_answer(m: MemoryState, w: PutAnswer | KeepUnnamedAnswer) -> None:
    a = copy.deepcopy(w.answer)
    a.version = w.answer.version + 1 if isinstance(w, PutAnswer) else 1
    m.answers[(a.survey_id, a.user_key)] = a


def _check_delete_answer(m: MemoryState, w: DeleteAnswer) -> None:
    answer = m.answers.get((w.survey_id, w.user_key))
    _refuse("answer", not answer or answer.version != w.expected_version)


def _delete_answer(m: MemoryState, w: DeleteAnswer) -> None:
    m.answers.pop((w.survey_id, w.user_key), None)


def _check_keep_unnamed(m: MemoryState, w: KeepUnnamedAnswer) -> None:
    s = m.surveys.get(w.answer.survey_id)
    key = (w.answer.survey_id, w.answer.user_key)
    _refuse("survey", s is None or s.purged_at is not None or key in m.answers)


def _check_set_user_roster(m: MemoryState, w: SetUserRoster) -> None:
    _refuse("user", w.user_key not in m.users)


def _set_user_roster(m: MemoryState, w: SetUserRoster) -> None:
    u = m.users[w.user_key]
    u.roster, u.unit, u.version = w.entry, w.unit, u.version + 1


# --- surveys ---------------------------------------------------------------------------------------


def _check_count(m: MemoryState, w: CountResponse) -> None:
    s = m.surveys.get(w.survey_id)
    if not s or s.status != OPEN or (s.deadline is not None and not w.now < s.deadline):
        raise Conflict("survey")
    _refuse("survey", w.seen_count is not None and s.response_count != w.seen_count)
    _refuse("survey", w.response_delta > 0 and w.cap is not None and s.response_count + w.response_delta > w.cap)
    for k, d in w.option_deltas.items():
        _refuse("survey", d > 0 and k in w.limits and s.option_counts.get(k, 0) + d > w.limits[k])


def _count(m: MemoryState, w: CountResponse) -> None:
    s = m.surveys[w.survey_id]
    s.response_count += w.response_delta
    for k, d in w.option_deltas.items():
        s.option_counts[k] = s.option_counts.get(k, 0) + d


def _add_to_aggregate(m: MemoryState, w: AddToAggregate) -> None:
    agg = m.aggregates.setdefault(w.survey_id, Aggregate(w.survey_id))
    agg.counts = aggregates.merged([agg.counts, w.deltas])
    agg.people = aggregates.merged([agg.people, w.people])
    agg.version += 1


def _check_keep_census(m: MemoryState, w: KeepCensus) -> None:
    agg = m.aggregates.get(w.survey_id)
    _refuse("aggregate", agg is None or agg.version != w.seen)
    _refuse("epoch", tuple(m.epoch) != tuple(w.epoch) or tuple(m.joined) != (tuple(w.joined) or (0,) * len(m.joined)))


def _keep_census(m: MemoryState, w: KeepCensus) -> None:
    m.aggregates[w.survey_id].census = copy.deepcopy(w.census)


def _check_recount(m: MemoryState, w: RecountAggregate) -> None:
    agg = m.aggregates.get(w.survey_id)
    _refuse("aggregate", (agg.version if agg else None) != w.seen)


def _recount(m: MemoryState, w: RecountAggregate) -> None:
    m.aggregates[w.survey_id] = Aggregate(w.survey_id, aggregates.settled(w.counts), (w.seen or 0) + 1, built=True)


def _check_put_survey(m: MemoryState, w: PutSurvey) -> None:
    _refuse("survey", w.survey.id in m.surveys)


def _put_survey(m: MemoryState, w: PutSurvey) -> None:
    m.surveys[w.survey.id] = copy.deepcopy(w.survey)
    if aggregates.kept(w.survey):
        m.aggregates[w.survey.id] = Aggregate(w.survey.id, built=True)


def _check_status(m: MemoryState, w: SetSurveyStatus) -> None:
    s = m.survey_or_conflict(w.survey_id)
    _refuse("survey", (w.full is not None and s.is_full() != w.full) or bool(w.expect and s.status != w.expect))


def _status(m: MemoryState, w: SetSurveyStatus) -> None:
    s = m.surveys[w.survey_id]
    s.status = w.status
    if w.clear_deadline:
        s.deadline = None
    if w.deadline is not None:
        s.deadline = w.deadline
    if w.opens_at is not None:
        s.opens_at = w.opens_at
    if w.status == CLOSED and w.at is not None:
        s.closed_at = w.at
    elif w.status != CLOSED:
        s.closed_at, s.keep_warned = None, False


def _check_exists(m: MemoryState, w: AddCoadmin | AddViewer | MarkAutoReminded | MarkReminded | SetRepeat) -> None:
    m.survey_or_conflict(w.survey_id)


def _add_coadmin(m: MemoryState, w: AddCoadmin) -> None:
    s = m.surveys[w.survey_id]
    if w.user_key not in s.coadmins:
        s.coadmins.append(w.user_key)


def _add_viewer(m: MemoryState, w: AddViewer) -> None:
    s = m.surveys[w.survey_id]
    if w.user_key not in s.viewers:
        s.viewers.append(w.user_key)


def _check_repeat(m: MemoryState, w: SetRepeat) -> None:
    s = m.survey_or_conflict(w.survey_id)
    _refuse("survey", bool(w.expect and s.repeat != w.expect))


def _repeat(m: MemoryState, w: SetRepeat) -> None:
    m.surveys[w.survey_id].repeat = w.rule


def _check_keep_longer(m: MemoryState, w: KeepLonger) -> None:
    s = m.survey_or_conflict(w.survey_id)
    _refuse("survey", s.status != CLOSED or s.keep_extended or s.purged_at is not None)


def _keep_longer(m: MemoryState, w: KeepLonger) -> None:
    m.surveys[w.survey_id].keep_extended, m.surveys[w.survey_id].keep_warned = True, False


def _check_warned(m: MemoryState, w: MarkKeepWarned) -> None:
    s = m.survey_or_conflict(w.survey_id)
    _refuse("survey", s.closed_at != w.closed_at or s.keep_warned)


def _warned(m: MemoryState, w: MarkKeepWarned) -> None:
    m.surveys[w.survey_id].keep_warned = True


def _check_purged(m: MemoryState, w: MarkPurged) -> None:
    s = m.survey_or_conflict(w.survey_id)
    _refuse("survey", s.status != CLOSED or s.closed_at != w.closed_at or s.purged_at is not None)


def _purged(m: MemoryState, w: MarkPurged) -> None:
    m.surveys[w.survey_id].purged_at = w.at


def _check_auto_reminded(m: MemoryState, w: MarkAutoReminded) -> None:
    _refuse("survey", w.hours in m.survey_or_conflict(w.survey_id).auto_reminded)


def _auto_reminded(m: MemoryState, w: MarkAutoReminded) -> None:
    m.surveys[w.survey_id].auto_reminded.append(w.hours)


def _check_reminded(m: MemoryState, w: MarkReminded) -> None:
    s = m.survey_or_conflict(w.survey_id)
    _refuse("survey", s.reminded_at is not None and s.reminded_at >= w.not_since)
    if w.units:
        _refuse("survey", w.first != (not s.reminded_units))
        _refuse("survey", any(s.reminded_units[u] >= w.not_since for u in w.units if u in s.reminded_units))


def _reminded(m: MemoryState, w: MarkReminded) -> None:
    s = m.surveys[w.survey_id]
    if w.units:
        s.reminded_units = {**s.reminded_units, **dict.fromkeys(w.units, w.at)}
    else:
        s.reminded_at = w.at


def _delete_survey(m: MemoryState, w: DeleteSurvey) -> None:
    m.surveys.pop(w.survey_id, None)
    m.listing.pop(w.survey_id, None)
    m.plans.pop(w.survey_id, None)
    m.plans.pop(plan_key(w.survey_id, KEEP), None)
    m.aggregates.pop(w.survey_id, None)
    gone = (w.survey_id, PARTICIPATION + w.survey_id)
    for pair in [pair for pair in m.answers if pair[0] in gone]:
        del m.answers[pair]


def _list(m: MemoryState, w: ListSurvey) -> None:
    m.listing[w.info.id] = w.info


def _unlist(m: MemoryState, w: UnlistSurvey) -> None:
    m.listing.pop(w.survey_id, None)


def _plan(m: MemoryState, w: Plan) -> None:
    m.plans[w.planned.entry] = w.planned


def _unplan(m: MemoryState, w: Unplan) -> None:
    m.plans.pop(w.entry, None)


def _audit(m: MemoryState, w: Audit) -> None:
    m.audit.append(copy.deepcopy(w.entry))


RULES: dict[type, tuple[Rule, Rule]] = {
    PutUser: (_check_put_user, _put_user),
    DeleteUser: (_check_delete_user, _delete_user),
    SetUserRoster: (_check_set_user_roster, _set_user_roster),
    PutAnswer: (_check_put_answer, _put_answer),
    KeepUnnamedAnswer: (_check_keep_unnamed, _put_answer),
    DeleteAnswer: (_check_delete_answer, _delete_answer),
    CountResponse: (_check_count, _count),
    AddToAggregate: (no_condition, _add_to_aggregate),
    RecountAggregate: (_check_recount, _recount),
    KeepCensus: (_check_keep_census, _keep_census),
    TouchPeople: (no_condition, no_condition),  # the commit raises the people epoch
    PutSurvey: (_check_put_survey, _put_survey),
    SetSurveyStatus: (_check_status, _status),
    SetRepeat: (_check_repeat, _repeat),
    Plan: (no_condition, _plan),
    Unplan: (no_condition, _unplan),
    KeepLonger: (_check_keep_longer, _keep_longer),
    MarkKeepWarned: (_check_warned, _warned),
    MarkPurged: (_check_purged, _purged),
    ListSurvey: (no_condition, _list),
    UnlistSurvey: (no_condition, _unlist),
    AddCoadmin: (_check_exists, _add_coadmin),
    AddViewer: (_check_exists, _add_viewer),
    DeleteSurvey: (no_condition, _delete_survey),
    Audit: (no_condition, _audit),
    MarkReminded: (_check_reminded, _reminded),
    MarkAutoReminded: (_check_auto_reminded, _auto_reminded),
    **ROSTER_RULES,
}

_missing = set(get_args(Write)) - set(RULES)
if _missing:  # a write this store does not know would pass here and vanish on DynamoDB, or the reverse
    raise TypeError(f"MemoryStore has no rule for {sorted(t.__name__ for t in _missing)}")


def commit(m: MemoryState, writes: list[Write]) -> None:
    """Check every write's condition, then apply them all, under the store's lock: all or none."""
    with m._lock:
        for w in writes:
            RULES[type(w)][0](m, w)
        for w in writes:
            RULES[type(w)][1](m, w)
        touch = census.touched(writes)
        if touch is not None and touch.join:  # a first registration, counted apart (domain.census)
            m.joined[touch.shard] += 1
            m.joins[touch.join] = m.joins.get(touch.join, 0) + 1
        elif touch is not None:  # someone changed: the people epoch moves with them
            m.epoch[touch.shard] += 1
