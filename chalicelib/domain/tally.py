"""현황: how the answers of one survey add up, question by question and unit by unit.

The counting is done once here (:func:`summarize`, through each kind's ``count``); 현황 says it in chat and
the export's 요약 sheet lays the same figures out in tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.domain.kinds import is_blank, kind_of
from chalicelib.domain.kinds.base import Tally
from chalicelib.domain.model import Answer, Question, Survey
from chalicelib.domain.parsing import fmt_number

UNIT_SUMS = 2  # number questions summed per unit
NO_UNIT = "(소속 없음)"


@dataclass(frozen=True)
class QuestionCount:
    """One question's tally, with its number in the survey (1, 2, ...)."""

    number: int
    question: Question
    tally: Tally


@dataclass(frozen=True)
class UnitCount:
    """One unit's responses and its sums of the summed number questions (:attr:`Summary.summed`)."""

    unit: str
    responses: int
    sums: tuple[int | float, ...]


@dataclass(frozen=True)
class Summary:
    """Everything 현황 counts for a survey: responses against the target, each question, each unit."""

    responses: int
    target: int | None  # how many people it is meant for (None: not known)
    questions: tuple[QuestionCount, ...]
    summed: tuple[Question, ...]  # the number questions summed per unit
    units: tuple[UnitCount, ...]  # by unit name; none when nobody answered

    @property
    def rate(self) -> int | None:
        """The response rate in whole percent (None without a target)."""
        return rate(self.responses, self.target)


def rate(responses: int, target: int | None) -> int | None:
    """Responses against the target in whole percent, as 현황 says it (None without a target)."""
    return round(100 * responses / target) if target else None


def count_questions(s: Survey, answers: Sequence[Answer]) -> list[QuestionCount]:
    """Each question's tally, in the survey's order."""
    out: list[QuestionCount] = []
    for n, q in enumerate(s.questions, 1):
        values = [a.values.get(q.id) for a in answers if not is_blank(a.values.get(q.id))]
        out.append(QuestionCount(n, q, kind_of(q).count(q, values, s, answers)))
    return out


def count_units(s: Survey, answers: Sequence[Answer]) -> tuple[list[Question], list[UnitCount]]:
    """The number questions summed per unit, and each unit's count and sums (by unit name)."""
    units: dict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        units[a.unit or NO_UNIT].append(a)
    summed = [q for q in s.questions if kind_of(q).summable][:UNIT_SUMS]
    out: list[UnitCount] = []
    for unit in sorted(units):
        group = units[unit]
        sums = tuple(sum(v for a in group if isinstance(v := a.values.get(q.id), (int, float))) for q in summed)
        out.append(UnitCount(unit, len(group), sums))
    return summed, out


def summarize(s: Survey, answers: Sequence[Answer], target: int | None = None) -> Summary:
    """The whole 현황 of a survey (``target``: how many people it is meant for, when known)."""
    summed, units = count_units(s, answers)
    return Summary(len(answers), target, tuple(count_questions(s, answers)), tuple(summed), tuple(units))


def by_question(s: Survey, answers: Sequence[Answer]) -> list[str]:
    """One line per question ('3. 수량: 합계 5 (응답 2)'), with any further lines its kind adds."""
    lines: list[str] = []
    for c in count_questions(s, answers):
        first, *more = kind_of(c.question).said(c.question, c.tally)
        lines.append(f"{c.number}. {c.question.text}: {first}")
        lines += more
    return lines


def by_unit(s: Survey, answers: Sequence[Answer]) -> list[str]:
    """'소속별:' then a line per unit with its count and the sums of the first number questions."""
    if not answers:
        return []
    summed, units = count_units(s, answers)
    lines = ["소속별:"]
    for u in units:
        extra = "".join(f", {q.text[:10]} {fmt_number(total)}" for q, total in zip(summed, u.sums, strict=True))
        lines.append(f"• {u.unit} {u.responses}명{extra}")
    return lines
