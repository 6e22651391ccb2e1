"""예/아니오: yes or no, stored as true/false."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from chalicelib.domain.kinds.base import Count, Figures, Kind, Parsed, said_counts
from chalicelib.domain.model import Answer, Question, Survey
from chalicelib.domain.parsing import NO, YES


class YesNo(Kind):
    code, name, aliases = "yesno", "예/아니오", ("예아니오", "예/아니요")

    def picks(self, q: Question, left: dict[str, int]) -> list[str]:
        return ["예", "아니오"]

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        low = text.casefold()
        if low in YES:
            return True, None
        if low in NO:
            return False, None
        return None, "'예' 또는 '아니오'로 답해 주세요."

    def show(self, q: Question, value: Any) -> str:
        return "예" if value else "아니오"

    def figures(self, q: Question, values: list[Any], survey: Survey, answers: Sequence[Answer]) -> Figures:
        yes = sum(1 for v in values if v is True)
        return Figures(len(values), counts=(Count("예", yes), Count("아니오", len(values) - yes)))

    def tally(self, q: Question, fig: Figures) -> list[str]:
        return [said_counts(fig)]
