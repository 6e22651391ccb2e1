"""현황: how the answers of one survey add up, question by question and unit by unit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from chalicelib.domain.kinds import is_blank, kind_of
from chalicelib.domain.model import Answer, Survey
from chalicelib.domain.parsing import fmt_number

UNIT_SUMS = 2  # number questions summed per unit


def by_question(s: Survey, answers: Sequence[Answer]) -> list[str]:
    """One line per question ('3. 수량: 합계 5 (응답 2)'), with any further lines its kind adds."""
    lines: list[str] = []
    for n, q in enumerate(s.questions, 1):
        values = [a.values.get(q.id) for a in answers if not is_blank(a.values.get(q.id))]
        first, *more = kind_of(q).tally(q, values, s, answers)
        lines.append(f"{n}. {q.text}: {first}")
        lines += more
    return lines


def by_unit(s: Survey, answers: Sequence[Answer]) -> list[str]:
    """'소속별:' then a line per unit with its count and the sums of the first number questions."""
    if not answers:
        return []
    units: dict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        units[a.unit or "(소속 없음)"].append(a)
    summed = [q for q in s.questions if kind_of(q).summable][:UNIT_SUMS]
    lines = ["소속별:"]
    for unit in sorted(units):
        group = units[unit]
        extra = ""
        for q in summed:
            total = sum(v for a in group if isinstance(v := a.values.get(q.id), (int, float)))
            extra += f", {q.text[:10]} {fmt_number(total)}"
        lines.append(f"• {unit} {len(group)}명{extra}")
    return lines
