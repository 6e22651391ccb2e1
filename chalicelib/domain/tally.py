"""현황: how the answers of one survey add up, question by question and unit by unit.

The figures are reckoned here once, from the survey's counters (``domain.aggregates``), as records
(:class:`QuestionTally`, :class:`UnitTally`); 현황's lines, the results page (``domain.results``) and the 요약
sheet are all said from them, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chalicelib.domain import aggregates, conditions
from chalicelib.domain.kinds import Figures, kind_of
from chalicelib.domain.model import Answer, Question, Survey
from chalicelib.domain.numerals import fmt_number
from chalicelib.domain.record import record

UNIT_SUMS = 2  # number questions 현황 sums per unit
NO_UNIT = aggregates.NO_UNIT


@record(frozen=True)
class QuestionTally:
    """One question and how its answers add up."""

    number: int  # 1, 2, ... as the form numbers it
    question: Question
    figures: Figures
    asked: int | None = None  # 조건: how many of the answers were asked it (None: everyone was)


@record(frozen=True)
class UnitTally:
    """The answers of one unit: how many, and the sums of the survey's number questions (in their order)."""

    unit: str
    answered: int
    sums: tuple[tuple[Question, float], ...] = ()


def rate(answered: int, target: int) -> int | None:
    """The response rate in whole percent (None when there is no target to count against)."""
    return round(100 * answered / target) if target else None


def questions(s: Survey, answers: Sequence[Answer]) -> list[QuestionTally]:
    """Each question's figures, reckoned from the answers (through the counters they add up to)."""
    return questions_of(s, aggregates.recount(s, answers))


def questions_of(s: Survey, counts: Mapping[str, float]) -> list[QuestionTally]:
    """Each question's figures, as its kind reckons them from the survey's counters (domain.aggregates); a question
    asked only after a given answer (조건) with how many were asked it."""
    return [
        QuestionTally(n, q, kind_of(q).figures(q, aggregates.counted(s, q, counts), s), aggregates.asked(s, q, counts))
        for n, q in enumerate(s.questions, 1)
    ]


def units(s: Survey, answers: Sequence[Answer]) -> list[UnitTally]:
    """The answers unit by unit (by name), with the sums of every number question."""
    return units_of(s, aggregates.recount(s, answers))


def units_of(s: Survey, counts: Mapping[str, float]) -> list[UnitTally]:
    """The units with answers, by name, with the sums of every number question, from the survey's counters."""
    by_id = {q.id: q for q in s.questions}
    return [
        UnitTally(unit, n, tuple((by_id[qid], total) for qid, total in sums.items()))
        for unit, n, sums in aggregates.units(s, counts)
    ]


def by_question(s: Survey, counts: Mapping[str, float]) -> list[str]:
    """One line per question ('3. 수량: 합계 5 (응답 2)'), with any further lines its kind adds."""
    lines: list[str] = []
    for t in questions_of(s, counts):
        first, *more = kind_of(t.question).tally(t.question, t.figures)
        if t.asked is not None:
            first += f" · {conditions.label(s.questions, t.question)}만, 물은 사람 {t.asked}명"
        lines.append(f"{t.number}. {t.question.text}: {first}")
        lines += more
    return lines


def by_unit(s: Survey, counts: Mapping[str, float]) -> list[str]:
    """'소속별:' then a line per unit with its count and the sums of the first number questions."""
    found = units_of(s, counts)
    if not found:
        return []
    lines = ["소속별:"]
    for u in found:
        extra = "".join(f", {q.text[:10]} {fmt_number(total)}" for q, total in u.sums[:UNIT_SUMS])
        lines.append(f"• {u.unit} {u.answered}명{extra}")
    return lines
