"""A survey's aggregate: the figures 현황, 결과 보기 and 요약 show, kept as counters beside the answers.

Every answer adds to a handful of named counters (:func:`contribution`): the survey's responses, each question's
answers and what its kind counts of them (takers per option, sums of numbers, answers per date and per time of
day), the sums of numbers per option of the grouping question, and, of a named survey, answers and sums per unit and
answers per hour of their first submit. A submit, an edit or a withdrawal adds the difference it makes
(:func:`change`) to the aggregate in the same transaction as the answer (``writes.AddToAggregate``), so the views
read one small item whatever the number of answers and can never disagree with the answers: the aggregate is always
the sum of the contributions of the answers kept, which is what :func:`recount` reckons from the answers themselves.

Nothing in it is of a person: counts and sums only, as the views show them. A survey kept without names (익명,
참여만 확인) counts no unit and no time (its answers carry none); its aggregate is not kept with the answers, which
arrive apart and are shown by batches (domain.privacy): its views count the answers they may show.

Counter names: ``n|`` responses; ``a|<q>`` answers to a question; ``v|<q>|<what>`` what its kind counted;
``g|<q>|<option>`` and ``g#|<q>|<option>`` a number question's sum and its count per option of the grouping
question; ``u|<unit>`` answers per unit; ``s|<unit>|<q>`` a number question's sum per unit; ``h|<hour>`` answers
first submitted in that hour (KST, ``2026-12-05T18``) within :data:`HOURS_KEPT` of the survey's making, ``d|<day>``
those first submitted later, per day (``2026-12-05``), so that a survey open for years keeps a few dozen hour
counters and one a day (an item holds 400 KB); ``x|`` answers without a submit time; ``q|<q>`` answers that were
asked a question asked only after a given answer (조건).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import conditions
from chalicelib.domain.kinds import Counted, grouping, is_blank, kind_of
from chalicelib.domain.model import KST, Answer, Question, Survey
from chalicelib.domain.record import record

Counts = dict[str, float]

RESPONSES = "n|"
UNTIMED = "x|"
HOUR_FORMAT = "%Y-%m-%dT%H"
DAY_FORMAT = "%Y-%m-%d"
# Answers first submitted within this long of the survey's making are counted by the hour, later ones by the day. The
# results' timeline is by the hour only for answers spread over at most 48 hours (domain.results.HOURLY_UP_TO); two
# weeks leave room for a survey made days before it opens (예약) and answered in a day or two, for ~8 KB at most.
HOURS_KEPT = timedelta(days=14)
NO_UNIT = "(소속 없음)"  # tally.NO_UNIT: answers of nobody's unit


@record
class Aggregate:
    """A survey's counters as stored: ``version`` goes up with every change (a recount is written on the condition
    that it is still the one read); ``built`` when they hold every answer (made with the survey, or recounted)."""

    survey_id: str
    counts: Counts = field(default_factory=dict)
    version: int = 0
    built: bool = False
    # Whose the answers were, as domain.census places them (``p|<unit>``, ``o|``, ``?|``): not a recount's.
    people: Counts = field(default_factory=dict)
    census: dict[str, Any] | None = None  # the census kept with it (domain.census)


def kept(s: Survey) -> bool:
    """Whether ``s``'s aggregate is kept with its answers (a named survey's)."""
    return not s.anonymous


def contribution(s: Survey, a: Answer) -> Counts:
    """What one answer adds to the counters of ``s``."""
    out: Counts = {RESPONSES: 1}
    by = grouping(s)
    for q in s.questions:
        if q.when and conditions.condition(s.questions, q) and conditions.asked(s.questions, q, a.values):
            _add(out, f"q|{q.id}", 1)  # 조건: asked of this answer
        v = a.values.get(q.id)
        if is_blank(v):
            continue
        _add(out, f"a|{q.id}", 1)
        kind = kind_of(q)
        for what, amount in kind.counted(q, v):
            _add(out, f"v|{q.id}|{what}", amount)
        o = a.values.get(by.id) if by is not None else None
        if kind.summable and isinstance(o, str) and isinstance(v, (int, float)):
            _add(out, f"g|{q.id}|{o}", v)
            _add(out, f"g#|{q.id}|{o}", 1)
    if s.anonymous:
        return out
    unit = a.unit or NO_UNIT
    _add(out, f"u|{unit}", 1)
    for q in s.questions:
        v = a.values.get(q.id)
        if kind_of(q).summable and isinstance(v, (int, float)):
            _add(out, f"s|{unit}|{q.id}", v)
    _add(out, _moment(s, submitted(a.submitted_at)), 1)
    return out


def _moment(s: Survey, stamp: datetime | None) -> str:
    """The time counter of an answer first submitted at ``stamp``: its hour early in the survey's life, its day later
    (a survey's making never changes, so an answer's counter never does)."""
    if stamp is None:
        return UNTIMED
    made = submitted(s.created_at) if s.created_at else None
    if made is not None and _hour(stamp) - _hour(made) >= HOURS_KEPT:  # whole hours: no hour is counted both ways
        return "d|" + stamp.astimezone(KST).strftime(DAY_FORMAT)
    return "h|" + stamp.astimezone(KST).strftime(HOUR_FORMAT)


def _hour(t: datetime) -> datetime:
    return t.astimezone(KST).replace(minute=0, second=0, microsecond=0)


def change(s: Survey, old: Answer | None, new: Answer | None) -> Counts:
    """What replacing ``old`` by ``new`` (None: no answer) does to the counters; no counter at 0."""
    out = contribution(s, new) if new is not None else {}
    for k, v in (contribution(s, old) if old is not None else {}).items():
        _add(out, k, -v)
    return {k: v for k, v in out.items() if v != 0}


def recount(s: Survey, answers: Iterable[Answer]) -> Counts:
    """The counters of ``answers``, reckoned from them (what the aggregate must equal)."""
    out: Counts = {}
    for a in answers:
        for k, v in contribution(s, a).items():
            _add(out, k, v)
    return settled(out)


def settled(counts: Mapping[str, float]) -> Counts:
    """``counts`` without the counters at 0 (a withdrawal leaves them so), numbers as plain as they can be."""
    return {k: _plain(v) for k, v in counts.items() if v != 0}


def merged(parts: Iterable[Mapping[str, float]]) -> Counts:
    """Several counters summed (an aggregate and a change to it)."""
    out: Counts = {}
    for part in parts:
        for k, v in part.items():
            _add(out, k, v)
    return settled(out)


# --- reading them back ------------------------------------------------------------------------------


def responses(counts: Mapping[str, float]) -> int:
    return int(counts.get(RESPONSES, 0))


def counted(s: Survey, q: Question, counts: Mapping[str, float]) -> Counted:
    """Question ``q``'s share of the counters, as its kind reckons its figures from it."""
    parts, sums, summed = _under(counts, f"v|{q.id}|"), _under(counts, f"g|{q.id}|"), _under(counts, f"g#|{q.id}|")
    by_option = {o: sums.get(o, 0) for o, n in summed.items() if n > 0}
    return Counted(int(counts.get(f"a|{q.id}", 0)), parts, by_option)


def asked(s: Survey, q: Question, counts: Mapping[str, float]) -> int | None:
    """How many answers were asked ``q`` (조건); None when everyone is asked it."""
    return int(counts.get(f"q|{q.id}", 0)) if conditions.condition(s.questions, q) is not None else None


def units(s: Survey, counts: Mapping[str, float]) -> list[tuple[str, int, dict[str, float]]]:
    """(unit, answers, {question id: sum}) of every unit that has an answer, by name."""
    out = []
    for unit, n in sorted(_under(counts, "u|").items()):
        if n > 0:
            sums = {q.id: counts.get(f"s|{unit}|{q.id}", 0) for q in s.questions if kind_of(q).summable}
            out.append((unit, int(n), sums))
    return out


def hours(counts: Mapping[str, float]) -> dict[datetime, int]:
    """Answers per hour of their first submit (KST), of the hours that have any."""
    return _stamped(counts, "h|", HOUR_FORMAT)


def days(counts: Mapping[str, float]) -> dict[datetime, int]:
    """Answers per day of their first submit (KST, at midnight), of those counted by the day (:data:`HOURS_KEPT`)."""
    return _stamped(counts, "d|", DAY_FORMAT)


def hours_kept_late(s: Survey, counts: Mapping[str, float]) -> bool:
    """Whether ``counts`` hold an hour :data:`HOURS_KEPT` or more after the hour ``s`` was made in: counted before days
    were kept, so a recount would put those answers elsewhere (the upgrade's migration recounts such aggregates)."""
    made = submitted(s.created_at) if s.created_at else None
    return made is not None and any(hour - _hour(made) >= HOURS_KEPT for hour in hours(counts))


def untimed(counts: Mapping[str, float]) -> int:
    return int(counts.get(UNTIMED, 0))


def submitted(stamp: str) -> datetime | None:
    """A stored submit time (ISO 8601 with its offset; one without is taken as KST)."""
    try:
        t = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=KST)


def _stamped(counts: Mapping[str, float], prefix: str, fmt: str) -> dict[datetime, int]:
    """The counters under ``prefix`` that name a moment (``fmt``, KST), by that moment, of those above 0."""
    return {datetime.strptime(k, fmt).replace(tzinfo=KST): int(n) for k, n in _under(counts, prefix).items() if n > 0}


def _under(counts: Mapping[str, float], prefix: str) -> dict[str, float]:
    n = len(prefix)
    return {k[n:]: v for k, v in counts.items() if k.startswith(prefix)}


def _add(into: Counts, key: str, amount: Any) -> None:
    into[key] = into.get(key, 0) + amount


def _plain(v: float) -> float:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def rounded(counts: Mapping[str, float], places: int = 9) -> Counts:
    """``counts`` with sums rounded (sums of fractions added in another order may differ in the last digit)."""
    return {k: round(v, places) for k, v in settled(counts).items()}
