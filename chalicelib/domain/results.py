"""결과 보기: what one survey's results page shows, reckoned in the core; an adapter draws it.

Aggregates only: counts, sums and averages, per option, per unit and per stretch of time. No name, no check
value and no answer typed as text reaches a :class:`Results`, so no page drawn from one can show them. The
figures are 현황's (``domain.tally``) and the not-answered count is 미응답's (registered but silent, and with a
roster, not registered yet).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain import aggregates, tally
from chalicelib.domain.model import KST, NAMED, Answer, Question, Survey, target_label
from chalicelib.domain.record import record
from chalicelib.domain.roster_records import unit_key
from chalicelib.domain.when import fmt_deadline

HOUR, DAY, WEEK = "hour", "day", "week"
STEPS = {HOUR: timedelta(hours=1), DAY: timedelta(days=1), WEEK: timedelta(days=7)}
HOURLY_UP_TO = timedelta(hours=48)  # answers spread over at most this long are counted by the hour
DAILY_UP_TO = timedelta(days=62)  # ... by the day; longer by the week (Monday first)


@record(frozen=True)
class UnitResult:
    """One unit: answers, people of the target not answered (as 미응답 counts them), number sums."""

    unit: str
    answered: int
    missing: int
    sums: tuple[tuple[Question, float], ...] = ()


@record(frozen=True)
class Moment:
    """A stretch of time (an hour, a day or a week from ``start``) and the answers first submitted in it."""

    start: datetime
    count: int


@record(frozen=True)
class Results:
    """One survey's results at one moment: everything its page shows, and nothing personal."""

    survey_id: str
    title: str
    description: str
    state: str  # 진행 중, 정원 마감 or 마감
    deadline: str  # as the chat says it: 11/30(월) 18:00, or 마감 없음
    made_at: datetime
    target_label: str  # 전체, 2중대, 1중대, 2중대
    target: int  # people the survey is meant for: on the roster when there is one, else registered
    answered: int
    rate: int | None  # percent of the target, as 현황 says it
    cap: int | None  # the survey's response cap
    silent: int  # registered people of the target who have not answered
    unregistered: int | None  # with a roster: its people of the target not registered yet (None: no roster)
    questions: tuple[tally.QuestionTally, ...]
    units: tuple[UnitResult, ...]
    timeline: tuple[Moment, ...]  # by first submit, oldest first, every stretch between the first and the last
    step: str  # HOUR, DAY or WEEK
    untimed: int = 0  # answers without a submit time (not on the timeline)
    mode: str = NAMED  # kept without names (익명, 참여만 확인): no units, no times; 익명: nobody known missing

    @property
    def missing(self) -> int:
        """Not answered, as 미응답 counts them."""
        return self.silent + (self.unregistered or 0)


class InUnit(Protocol):
    """Someone counted by unit (a person of domain.audience, a member, a roster entry)."""

    @property
    def unit(self) -> str: ...


def gather(
    s: Survey,
    answers: Sequence[Answer],
    target: int,
    silent: Sequence[InUnit],
    unregistered: Sequence[InUnit] | None,
    now: datetime,
    answered: int | None = None,
) -> Results:
    """The results of ``s`` from its answers and who has not answered (see :func:`gather_counted`)."""
    missing: dict[str, tuple[int, int]] = {}
    for people, at in ((silent, 0), (unregistered or (), 1)):
        for p in people:
            got = list(missing.get(p.unit, (0, 0)))
            got[at] += 1
            missing[p.unit] = (got[0], got[1])
    counts = aggregates.recount(s, answers)
    return gather_counted(s, counts, target, missing, unregistered is not None, now, answered)


def gather_counted(
    s: Survey,
    counts: Mapping[str, float],
    target: int,
    missing: Mapping[str, tuple[int, int]],
    roster: bool,
    now: datetime,
    answered: int | None = None,
) -> Results:
    """The results of ``s`` from its counters (domain.aggregates), the size of its target and how many of it have
    not answered per unit (``missing``: unit -> (registered and silent, not registered); ``roster``: there is a
    roster, so someone may not be registered) (``answered``: how many of the target answered, as domain.census
    counts them; all answers if not given)."""
    mine = aggregates.responses(counts) if answered is None else answered
    step, moments = timeline_of(aggregates.hours(counts), aggregates.days(counts))
    unnamed = s.anonymous  # answers carry no unit and no time of the person
    return Results(
        survey_id=s.id,
        title=s.title,
        description=s.description,
        state=s.state_label(now),
        deadline=fmt_deadline(s.deadline, now),
        made_at=now.astimezone(KST),
        target_label=target_label(s.target_unit),
        target=target,
        answered=mine,
        rate=tally.rate(mine, target),
        cap=s.cap,
        silent=sum(a for a, _ in missing.values()),
        unregistered=sum(b for _, b in missing.values()) if roster else None,
        questions=tuple(tally.questions_of(s, counts)),
        units=() if unnamed else tuple(by_unit(s, counts, missing)),
        timeline=() if unnamed else tuple(moments),
        step=step,
        untimed=0 if unnamed else aggregates.untimed(counts),
        mode=s.mode,
    )


def by_unit(s: Survey, counts: Mapping[str, float], missing: Mapping[str, tuple[int, int]]) -> list[UnitResult]:
    """현황's units with 미응답's count of each beside them; units are matched without spaces."""
    found = {_key(u.unit): u for u in tally.units_of(s, counts)}
    waiting: Counter[str] = Counter()
    names = {key: u.unit for key, u in found.items()}
    for unit, (a, b) in missing.items():
        waiting[_key(unit)] += a + b
        names.setdefault(_key(unit), unit or tally.NO_UNIT)
    out: list[UnitResult] = []
    for key in sorted(names, key=lambda k: names[k]):
        got = found.get(key)
        sums = got.sums if got is not None else ()
        out.append(UnitResult(names[key], got.answered if got is not None else 0, waiting[key], sums))
    return out


def _key(unit: str) -> str:
    return tally.NO_UNIT if unit in ("", tally.NO_UNIT) else unit_key(unit)


def timeline(stamps: Sequence[datetime]) -> tuple[str, list[Moment]]:
    """Answers per hour (spread over two days at most), per day (two months) or per week, from the first
    stretch to the last with the empty ones between."""
    if not stamps:
        return DAY, []
    first, last = min(stamps).astimezone(KST), max(stamps).astimezone(KST)
    span = last - first
    step = HOUR if span <= HOURLY_UP_TO else DAY if span <= DAILY_UP_TO else WEEK
    return step, _moments(Counter(_floor(t.astimezone(KST), step) for t in stamps), first, last, step)


def timeline_of(
    by_hour: Mapping[datetime, int], by_day: Mapping[datetime, int] | None = None
) -> tuple[str, list[Moment]]:
    """:func:`timeline` of answers counted by the hour of their first submit (a survey's aggregate), and by the day
    for those submitted later in its life (domain.aggregates.HOURS_KEPT): the spread is that of the first and the
    last counter; with any day counted, by the day at least."""
    both = {**by_hour}
    for day, n in (by_day or {}).items():
        both[day] = both.get(day, 0) + n
    if not both:
        return DAY, []
    first, last = min(both), max(both)
    span = last - first
    step = HOUR if span <= HOURLY_UP_TO and not by_day else DAY if span <= DAILY_UP_TO else WEEK
    counts: Counter[datetime] = Counter()
    for moment, n in both.items():
        counts[_floor(moment, step)] += n
    return step, _moments(counts, first, last, step)


def _moments(counts: Mapping[datetime, int], first: datetime, last: datetime, step: str) -> list[Moment]:
    out: list[Moment] = []
    at, end = _floor(first, step), _floor(last, step)
    while at <= end:
        out.append(Moment(at, counts.get(at, 0)))
        at += STEPS[step]
    return out


def _floor(t: datetime, step: str) -> datetime:
    hour = t.replace(minute=0, second=0, microsecond=0)
    if step == HOUR:
        return hour
    day = hour.replace(hour=0)
    return day if step == DAY else day - timedelta(days=day.weekday())
