"""시간: a time of day ('18:30', '오후 6시 반'), stored as 'HH:MM' and exported as a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from typing import Any

from chalicelib.domain.kinds.base import CellValue, Figures, Kind, Parsed, plain_cell
from chalicelib.domain.model import Answer, Question, Survey
from chalicelib.domain.parsing import parse_time_of_day


class TimeOfDay(Kind):
    code, name, aliases = "time", "시간", ("시각",)

    def hint(self, q: Question) -> str:
        return "예: 18:30, 오후 6시 반"

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        t = parse_time_of_day(text)
        if t is None:
            return None, "시간으로 입력해 주세요. 예: 18:30, 오후 6시 반, 저녁 7시"
        return f"{t:%H:%M}", None

    def cell(self, q: Question, value: Any) -> CellValue:
        if isinstance(value, str):
            try:
                return time.fromisoformat(value.strip())
            except ValueError:
                return value
        return plain_cell(value)

    def figures(self, q: Question, values: list[Any], survey: Survey, answers: Sequence[Answer]) -> Figures:
        times = sorted(v for v in values if isinstance(v, str))
        return Figures(len(values), earliest=times[0], latest=times[-1]) if times else Figures(len(values))

    def tally(self, q: Question, fig: Figures) -> list[str]:
        if not fig.earliest:
            return [f"응답 {fig.answered}"]
        return [f"응답 {fig.answered} (가장 이른 {fig.earliest} · 가장 늦은 {fig.latest})"]
