"""숫자: a number, optionally within a range set in the wizard; sums in 현황 (per option and per unit)."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from chalicelib.domain.kinds.base import CellValue, Counted, Figures, Kind, Parsed, Setup, grouping, plain_cell
from chalicelib.domain.model import Question, Survey
from chalicelib.domain.numerals import fmt_number, parse_number


def _range_prompt(cur: dict[str, Any]) -> tuple[str, list[str]]:
    return (
        "허용 범위와 단위를 입력해 주세요 (둘 다 없어도 돼요). 예: 1~10 개, 0~ 명, 인분. 없으면 '건너뛰기'.",
        ["건너뛰기"],
    )


MAX_ABS = 1e15  # answers at least this large are refused: past it a number is no longer kept exactly
SUM, SUMMED = "합", "수"  # what a number answer adds to its counters: itself, and one answer summed
MAX_UNIT = 6
# Units taken alone (without a range); any word is taken as the unit after a range ('0~ 포기').
COMMON_UNITS = frozenset(
    {
        "개", "명", "인", "인분", "권", "장", "대", "벌", "켤레", "회", "번", "시간", "분", "일", "박", "주",
        "원", "만원", "천원", "잔", "병", "캔", "마리", "통", "세트", "점", "편", "곡", "석",
        "km", "m", "kg", "g", "L", "ml", "%",
    }
)  # fmt: skip
_UNIT = r"(?:^|(?<=[\d~])|\s+)([가-힣A-Za-z%]{1," + str(MAX_UNIT) + r"})$"  # compiled on first use (the wizard's)


def _range_take(cur: dict[str, Any], text: str) -> str | None:
    if text == "건너뛰기":
        return None
    unit = re.search(_UNIT, text.strip())
    if unit and not re.search(r"(이상|이하|까지|부터|에서)$", unit[1]):
        rest = text.strip()[: unit.start()].strip()
        if not rest and unit[1] not in COMMON_UNITS:
            return "'최소~최대' 모양으로 입력해 주세요. 단위는 범위 뒤에 붙여요. 예: 1~10, 0~ 개, 인분"
        cur["unit"] = unit[1]
        text = rest
        if not text:
            return None  # a unit alone
    m = re.fullmatch(r"\s*([^~]*)~([^~]*)\s*", _as_range(text))
    lo = parse_number(m.group(1)) if m and m.group(1).strip() else None
    hi = parse_number(m.group(2)) if m and m.group(2).strip() else None
    if not m or (m.group(1).strip() and lo is None) or (m.group(2).strip() and hi is None):
        return "'최소~최대' 모양으로 입력해 주세요. 예: 1~10"
    if lo is not None and hi is not None and lo > hi:
        return "최소가 최대보다 클 수 없어요."
    cur["min"], cur["max"] = lo, hi
    return None


_NUM = r"-?\d[\d,]*(?:\.\d+)?"


def _as_range(text: str) -> str:
    """Ranges as people type them, in the '최소~최대' form: 1-5, 1 ~ 5, 1부터 5까지, 1에서 5, 1 이상, 10 이하."""
    t = text.strip().replace("∼", "~").replace("～", "~")
    m = re.fullmatch(rf"({_NUM})\s*(?:-|–|부터|에서)\s*({_NUM})?\s*(?:까지)?", t)
    if m:
        return f"{m[1]}~{m[2] or ''}"
    m = re.fullmatch(rf"({_NUM})\s*(이상|이하)", t)
    if m:
        return f"{m[1]}~" if m[2] == "이상" else f"~{m[1]}"
    return t


def _span(q: Question) -> str:
    lo = "" if q.min is None else f"{q.min:g}"
    hi = "" if q.max is None else f"{q.max:g}"
    return f"{lo}~{hi}"


class Number(Kind):
    code, name = "number", "숫자"
    setup = Setup("q_range", _range_prompt, _range_take)
    summable = True

    def hint(self, q: Question) -> str:
        unit = f", 단위: {q.unit}" if q.unit else ""
        if q.min is None and q.max is None:
            return f"숫자로 답해 주세요{f' (단위: {q.unit})' if q.unit else ''}."
        return f"숫자로 답해 주세요 ({_span(q)}{unit})."

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        t = text.strip()
        n = None
        if q.unit and t.endswith(q.unit):  # '3인분' for a question counted in 인분, '3만원' in 만원
            n = parse_number(t[: -len(q.unit)].strip())
        if n is None:  # '세 명' in 명: '세' alone is no number, so the unit is read as its counter
            n = parse_number(t)
        if n is None:
            return None, "숫자로 입력해 주세요. 예: 3"
        if not math.isfinite(n) or abs(n) >= MAX_ABS:  # '9' typed 400 times reads as infinity
            return None, "너무 큰 숫자예요. 다시 입력해 주세요."
        if q.min is not None and n < q.min:
            return None, f"{fmt_number(q.min)} 이상으로 입력해 주세요."
        if q.max is not None and n > q.max:
            return None, f"{fmt_number(q.max)} 이하로 입력해 주세요."
        return n, None

    def show(self, q: Question, value: Any) -> str:
        return fmt_number(value) + q.unit if isinstance(value, (int, float)) else str(value)

    def describe(self, q: Question) -> str:
        span = f" {_span(q)}" if q.min is not None or q.max is not None else ""
        return self.name + span + (f" ({q.unit})" if q.unit else "")

    def cell(self, q: Question, value: Any) -> CellValue:
        if isinstance(value, str):
            return _number_or_text(value)
        return plain_cell(value)

    def counted(self, q: Question, value: Any) -> list[tuple[str, float]]:
        return [(SUM, value), (SUMMED, 1)] if isinstance(value, (int, float)) else []

    def figures(self, q: Question, c: Counted, survey: Survey) -> Figures:
        by = grouping(survey)
        sums = c.by_option
        by_option = tuple((o, sums[o]) for o in by.options if o in sums) if by is not None else ()
        total, summed = c.parts.get(SUM, 0), int(c.parts.get(SUMMED, 0))
        return Figures(c.answered, total=total, summed=summed, by_option=by_option)

    def tally(self, q: Question, fig: Figures) -> list[str]:
        lines = [f"합계 {fmt_number(fig.total or 0)}{q.unit} (응답 {fig.summed})"]
        if fig.by_option:
            lines.append("   보기별: " + ", ".join(f"{o} {fmt_number(v)}{q.unit}" for o, v in fig.by_option))
        return lines


def _number_or_text(text: str) -> CellValue:
    s = text.strip().replace(",", "")
    try:
        f = float(s)
    except ValueError:
        return text
    if not s or not math.isfinite(f):
        return text
    return int(f) if f.is_integer() and "." not in s and "e" not in s.lower() else f
