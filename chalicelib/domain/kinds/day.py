"""날짜: a calendar day ('11/30', '내일', '담주 금욜'), stored as 'YYYY-MM-DD' and exported as a date.

Asking a date is mostly asking which day suits people, so 현황, 결과 보기 and 요약 count the answers per day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.kinds.base import CellValue, Counted, Figures, Kind, Parsed, plain_cell
from chalicelib.domain.kinds.clock import busiest, said_spread
from chalicelib.domain.model import Question, Survey
from chalicelib.domain.parsing import parse_date
from chalicelib.domain.when import WEEKDAYS

# What people end a day with: '모레요', '화요일에', '12/3이에요', '5일쯤'; longest first.
_ENDINGS = ("이에요", "에요", "예요", "이요", "요", "에", "쯤", "경")
MAX_DAYS_SHOWN = 12  # 현황 names this many days (the most chosen, in date order), the rest counted together


def day_label(value: str, with_year: bool = False) -> str:
    """'2026-12-05' as people read a day: '12/5(토)' (with the year when the days span years)."""
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return value
    year = f"{d.year}/" if with_year else ""
    return f"{year}{d.month}/{d.day}({WEEKDAYS[d.weekday()]})"


class Day(Kind):
    """A calendar day, stored as 'YYYY-MM-DD'."""

    code, name = "date", "날짜"
    counted_as = "날짜"

    def hint(self, q: Question) -> str:
        return "예: 11/30, 내일"

    def picks(self, q: Question, left: dict[str, int]) -> list[str]:
        return ["오늘", "내일"]

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        d = parse_date(text, today)
        said = text.strip()
        for end in _ENDINGS if d is None else ():  # '모레요', '다음 주 화요일에', '12/3이에요'
            if said.endswith(end) and len(said) > len(end):
                d = parse_date(said[: -len(end)], today)
                break
        if d is None:
            return None, "날짜로 입력해 주세요. 예: 2026-11-30, 11/30, 내일"
        return d.isoformat(), None

    def show(self, q: Question, value: Any) -> str:
        """'2026-12-05(토)': the whole date, with its weekday."""
        try:
            d = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            d = None
        return f"{value}({WEEKDAYS[d.weekday()]})" if d is not None else str(value)

    def cell(self, q: Question, value: Any) -> CellValue:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                return value
        return plain_cell(value)

    def counted(self, q: Question, value: Any) -> list[tuple[str, float]]:
        return [(value, 1)] if isinstance(value, str) else []

    def figures(self, q: Question, c: Counted, survey: Survey) -> Figures:
        days = {v: int(n) for v, n in c.parts.items() if n > 0}
        if not days:
            return Figures(c.answered)
        years = {v[:4] for v in days} | {survey.created_at[:4] or next(iter(days))[:4]}
        by_day = [(day_label(v, with_year=len(years) > 1), n) for v, n in sorted(days.items())]
        counts, others = busiest(by_day, MAX_DAYS_SHOWN)
        return Figures(c.answered, counts=counts, others=others)

    def tally(self, q: Question, fig: Figures) -> list[str]:
        if not fig.counts:
            return [f"응답 {fig.answered}"]
        return [f"응답 {fig.answered}", "   날짜별: " + said_spread(fig)]
