"""시간: a time of day ('18:30', '오후 6시 반', '저녁 7시쯤'), stored as 'HH:MM' and exported as a time.

A question may keep its answers within hours set in the wizard with the kind ('시간 18:00~23:00', '시간 저녁'):
stored as minutes from midnight in the question's min and max (a range may pass midnight: 22:00~02:00). A bare
hour that could be morning or evening ('7시') is asked back with both as quick replies, unless the range
decides it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, time
from typing import Any

from chalicelib.domain.hours import both_halves, parse_time_of_day, read_clock
from chalicelib.domain.kinds.base import OTHERS, CellValue, Count, Counted, Figures, Kind, Parsed, plain_cell
from chalicelib.domain.model import Question, Survey
from chalicelib.domain.reply import Reason

# Words for a stretch of the day an admin may give instead of hours ('시간 저녁').
SPANS = {
    "오전": (0, 12 * 60 - 1),
    "오후": (12 * 60, 24 * 60 - 1),
    "아침": (5 * 60, 10 * 60 + 59),
    "저녁": (17 * 60, 23 * 60 + 59),
    "밤": (18 * 60, 23 * 60 + 59),
}
MAX_HOURS_SHOWN = 12  # 현황 names this many hours (the busiest), the rest counted together


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _said(minutes: float) -> str:
    m = int(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def take_range(cur: dict[str, Any], text: str) -> str | None:
    """Hours typed after the kind's name ('18:00~23:00', '18시~23시', '저녁'); the reason if not hours."""
    t = text.strip().replace("∼", "~").replace("～", "~")
    if t in SPANS:
        cur["min"], cur["max"] = SPANS[t]
        return None
    parts = re.split(r"\s*(?:~|-|부터|에서)\s*", t.removesuffix("까지").strip(), maxsplit=1)
    if len(parts) == 2:
        lo, hi = parse_time_of_day(parts[0]), parse_time_of_day(parts[1])
        if lo is not None and hi is not None and lo != hi:
            cur["min"], cur["max"] = _minutes(lo), _minutes(hi)
            return None
    return "시간 범위는 '시간 18:00~23:00'처럼 붙여 주세요 (오전, 오후, 저녁도 돼요)."


def in_range(q: Question, minutes: int) -> bool:
    if q.min is None or q.max is None:
        return True
    lo, hi = int(q.min), int(q.max)
    return lo <= minutes <= hi if lo <= hi else minutes >= lo or minutes <= hi  # 22:00~02:00 passes midnight


def span_said(q: Question) -> str:
    return f"{_said(q.min)}~{_said(q.max)}" if q.min is not None and q.max is not None else ""


class TimeOfDay(Kind):
    code, name, aliases = "time", "시간", ("시각",)
    counted_as = "시간대"

    def take_rest(self, cur: dict[str, Any], rest: str) -> str | None:
        return take_range(cur, rest)

    def hint(self, q: Question) -> str:
        span = span_said(q)
        return f"{span} 사이로 입력해 주세요. 예: 18:30, 오후 6시 반" if span else "예: 18:30, 오후 6시 반"

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        read = read_clock(text)
        if read is None:
            return None, "시간으로 입력해 주세요. 예: 18:30, 오후 6시 반, 저녁 7시"
        at, in_doubt = read
        if in_doubt:
            evening = time(at.hour + 12, at.minute)
            fitting = [t for t in (at, evening) if in_range(q, _minutes(t))]
            if len(fitting) == 1:  # the question's hours decide it
                return f"{fitting[0]:%H:%M}", None
            if len(fitting) == 2:
                am, pm = both_halves(at)
                return None, Reason(f"{am}인가요, {pm}인가요?", [am, pm])
        if not in_range(q, _minutes(at)):
            return None, f"{span_said(q)} 사이로 입력해 주세요."
        return f"{at:%H:%M}", None

    def describe(self, q: Question) -> str:
        span = span_said(q)
        return f"{self.name} {span}" if span else self.name

    def cell(self, q: Question, value: Any) -> CellValue:
        if isinstance(value, str):
            try:
                return time.fromisoformat(value.strip())
            except ValueError:
                return value
        return plain_cell(value)

    def counted(self, q: Question, value: Any) -> list[tuple[str, float]]:
        return [(value, 1)] if isinstance(value, str) else []

    def figures(self, q: Question, c: Counted, survey: Survey) -> Figures:
        times = sorted(t for t, n in c.parts.items() if n > 0)
        if not times:
            return Figures(c.answered)
        hours: Counter[int] = Counter()
        for t in times:
            if t[:2].isdigit():
                hours[int(t[:2])] += int(c.parts[t])
        counts, others = busiest([(f"{h}시", n) for h, n in sorted(hours.items())], MAX_HOURS_SHOWN)
        return Figures(c.answered, counts=counts, earliest=times[0], latest=times[-1], others=others)

    def tally(self, q: Question, fig: Figures) -> list[str]:
        if not fig.earliest:
            return [f"응답 {fig.answered}"]
        return [
            f"응답 {fig.answered} (가장 이른 {fig.earliest} · 가장 늦은 {fig.latest})",
            "   시간대별: " + said_spread(fig),
        ]


def busiest(items: Sequence[tuple[str, int]], keep: int) -> tuple[tuple[Count, ...], int]:
    """``items`` (label, count) in their order, but only the ``keep`` most chosen when there are more; and how
    many answers the rest hold."""
    if len(items) <= keep:
        return tuple(Count(label, n) for label, n in items), 0
    top = {label for label, _ in sorted(items, key=lambda kv: -kv[1])[:keep]}
    rest = sum(n for label, n in items if label not in top)
    return tuple(Count(label, n) for label, n in items if label in top), rest


def said_spread(fig: Figures) -> str:
    """'18시 3, 19시 2 (그 밖 4)': counts per hour or per date as 현황 says them."""
    said = ", ".join(f"{c.option} {c.count}" for c in fig.counts)
    return said + (f" ({OTHERS} {fig.others})" if fig.others else "")
