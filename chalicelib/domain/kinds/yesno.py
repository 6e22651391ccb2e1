"""예/아니오: yes or no, stored as true/false."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.kinds.base import Count, Counted, Figures, Kind, Parsed, said_counts
from chalicelib.domain.model import Question, Survey
from chalicelib.domain.parsing import NO, YES


class YesNo(Kind):
    code, name, aliases = "yesno", "예/아니오", ("예아니오", "예/아니요")

    def picks(self, q: Question, left: dict[str, int]) -> list[str]:
        return ["예", "아니오"]

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        low = text.casefold().rstrip(".!~ ")  # '네.', '넵!'
        if low in YES:
            return True, None
        if low in NO:
            return False, None
        return None, "'예' 또는 '아니오'로 답해 주세요."

    def show(self, q: Question, value: Any) -> str:
        return "예" if value else "아니오"

    def counted(self, q: Question, value: Any) -> list[tuple[str, float]]:
        return [("예", 1)] if value is True else []

    def figures(self, q: Question, c: Counted, survey: Survey) -> Figures:
        yes = int(c.parts.get("예", 0))
        return Figures(c.answered, counts=(Count("예", yes), Count("아니오", c.answered - yes)))

    def tally(self, q: Question, fig: Figures) -> list[str]:
        return [said_counts(fig)]
