"""현황: how the answers of one survey add up, question by question and unit by unit.

The figures are reckoned here once, as records (:class:`QuestionTally`, :class:`UnitTally`); 현황's lines and the
results page (``domain.results``) are both said from them, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.domain import conditions
from chalicelib.domain.kinds import Figures, is_blank, kind_of
from chalicelib.domain.model import Answer, Question, Survey
from chalicelib.domain.numerals import fmt_number

UNIT_SUMS = 2  # number questions 현황 sums per unit
NO_UNIT = "(소속 없음)"


@dataclass(frozen=True)
class QuestionTally:
    """One question and how its answers add up."""

    number: int  # 1, 2, ... as the form numbers it
    question: Question
    figures: Figures
    asked: int | None = None  # 조건: how many of the answers were asked it (None: everyone was)


@dataclass(frozen=True)
class UnitTally:
    """The answers of one unit: how many, and the sums of the survey's number questions (in their order)."""

    unit: str
    answered: int
    sums: tuple[tuple[Question, float], ...] = ()


def rate(answered: int, target: int) -> int | None:
    """The response rate in whole percent (None when there is no target to count against)."""
    return round(100 * answered / target) if target else None


def questions(s: Survey, answers: Sequence[Answer]) -> list[QuestionTally]:
    """Each question's figures, as its kind reckons them from the answers that are not blank; a question asked only
    after a given answer (조건) against the answers of those asked it."""
    out: list[QuestionTally] = []
    for n, q in enumerate(s.questions, 1):
        conditional = conditions.condition(s.questions, q) is not None
        base = [a for a in answers if conditions.asked(s.questions, q, a.values)] if conditional else answers
        values = [a.values.get(q.id) for a in base if not is_blank(a.values.get(q.id))]
        out.append(QuestionTally(n, q, kind_of(q).figures(q, values, s, base), len(base) if conditional else None))
    return out


def units(s: Survey, answers: Sequence[Answer]) -> list[UnitTally]:
    """The answers unit by unit (by name), with the sums of every number question."""
    groups: dict[str, list[Answer]] = {}
    for a in answers:
        groups.setdefault(a.unit or NO_UNIT, []).append(a)
    summed = [q for q in s.questions if kind_of(q).summable]
    out: list[UnitTally] = []
    for unit in sorted(groups):
        group = groups[unit]
        sums = tuple((q, sum(v for a in group if isinstance(v := a.values.get(q.id), (int, float)))) for q in summed)
        out.append(UnitTally(unit, len(group), sums))
    return out


def by_question(s: Survey, answers: Sequence[Answer]) -> list[str]:
    """One line per question ('3. 수량: 합계 5 (응답 2)'), with any further lines its kind adds."""
    lines: list[str] = []
    for t in questions(s, answers):
        first, *more = kind_of(t.question).tally(t.question, t.figures)
        if t.asked is not None:
            first += f" · {conditions.label(s.questions, t.question)}만, 물은 사람 {t.asked}명"
        lines.append(f"{t.number}. {t.question.text}: {first}")
        lines += more
    return lines


def by_unit(s: Survey, answers: Sequence[Answer]) -> list[str]:
    """'소속별:' then a line per unit with its count and the sums of the first number questions."""
    if not answers:
        return []
    lines = ["소속별:"]
    for u in units(s, answers):
        extra = "".join(f", {q.text[:10]} {fmt_number(total)}" for q, total in u.sums[:UNIT_SUMS])
        lines.append(f"• {u.unit} {u.answered}명{extra}")
    return lines
