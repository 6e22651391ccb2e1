"""날짜: a calendar day ('11/30', '내일'), stored as 'YYYY-MM-DD' and exported as a date."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.kinds.base import CellValue, Kind, Parsed, plain_cell
from chalicelib.domain.model import Question
from chalicelib.domain.parsing import parse_date


class Day(Kind):
    """A calendar day, stored as 'YYYY-MM-DD'."""

    code, name = "date", "날짜"

    def hint(self, q: Question) -> str:
        return "예: 11/30, 내일"

    def picks(self, q: Question, left: dict[str, int]) -> list[str]:
        return ["오늘", "내일"]

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        d = parse_date(text, today)
        if d is None:
            return None, "날짜로 입력해 주세요. 예: 2026-11-30, 11/30, 내일"
        return d.isoformat(), None

    def cell(self, q: Question, value: Any) -> CellValue:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                return value
        return plain_cell(value)
