"""예/아니오: yes or no, stored as true/false."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from chalicelib.domain.kinds.base import Kind, Parsed
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

    def tally(self, q: Question, values: list[Any], survey: Survey, answers: Sequence[Answer]) -> list[str]:
        yes = sum(1 for v in values if v is True)
        return [f"예 {yes}, 아니오 {len(values) - yes}"]
