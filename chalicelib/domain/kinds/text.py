"""주관식: free text, or text of a format the wizard sets (전화번호, 숫자만, 이메일, or a pattern like ###-####).

A pattern is written with # for a digit, 가 for a Hangul syllable and A for a Latin letter; everything else
stands for itself ('A###' is a letter and three digits). Patterns are compiled from that small alphabet, never
taken as regular expressions from an admin: an expression that backtracks badly could hold a function for
seconds, and Python's matcher cannot be stopped.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from chalicelib.domain.kinds.base import Kind, Parsed
from chalicelib.domain.model import Question

MAX_PATTERN = 30

# format code -> (name in the wizard, pattern, how it is asked for)
FORMATS: dict[str, tuple[str, str, str]] = {
    "phone": ("전화번호", r"0\d{1,2}-?\d{3,4}-?\d{4}", "전화번호로 입력해 주세요. 예: 010-1234-5678"),
    "digits": ("숫자만", r"\d+", "숫자만 입력해 주세요. 예: 0012"),
    "email": ("이메일", r"[^@\s]+@[^@\s]+\.[^@\s]+", "이메일 주소로 입력해 주세요. 예: hong@example.com"),
}
_NAMES = {name: code for code, (name, _, _) in FORMATS.items()}
_PIECES = {"#": r"\d", "가": "[가-힣]", "A": "[A-Za-z]"}


def _pattern(template: str) -> str:
    return "".join(_PIECES.get(ch, re.escape(ch)) for ch in template)


FORMAT_HINT = "주관식은 형식을 붙일 수 있어요: 주관식 전화번호 · 주관식 이메일 · 주관식 숫자만 · 주관식 ###-####"


def _format_take(cur: dict[str, Any], text: str) -> str | None:
    t = text.strip()
    if t in ("자유", "건너뛰기", "없음"):
        cur.pop("format", None)
        return None
    if t in _NAMES:
        cur["format"] = _NAMES[t]
        return None
    if len(t) > MAX_PATTERN or not any(ch in _PIECES for ch in t):
        return (
            f"전화번호 · 숫자만 · 이메일 중에서 고르거나, #·가·A로 모양을 적어 주세요 ({MAX_PATTERN}자 이내). "
            "예: ###-####"
        )
    cur["format"] = f"tpl:{t}"
    return None


def take_format(cur: dict[str, Any], text: str) -> str | None:
    """A format typed after the kind's name ('주관식 전화번호', '주관식 ###-####'); the reason if not one."""
    return _format_take(cur, text)


class Text(Kind):
    """Free text; typed in the wizard as '주관식', or with a format: '주관식 전화번호', '주관식 ##가####'."""

    code, name, aliases = "text", "주관식", ("단답",)

    def hint(self, q: Question) -> str:
        if q.format.startswith("tpl:"):
            return f"'{q.format[4:]}' 모양으로 입력해 주세요 (#은 숫자, 가는 한글, A는 영문자)."
        return FORMATS[q.format][2] if q.format in FORMATS else ""

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        value, why = super().parse(q, text, today)
        if why or not q.format:
            return value, why
        t = text.strip()
        if q.format.startswith("tpl:"):
            ok = re.fullmatch(_pattern(q.format[4:]), t) is not None
        else:
            ok = q.format in FORMATS and re.fullmatch(FORMATS[q.format][1], t) is not None
        return (t, None) if ok else (None, self.hint(q))

    def describe(self, q: Question) -> str:
        if q.format.startswith("tpl:"):
            return f"{self.name} ({q.format[4:]})"
        return f"{self.name} ({FORMATS[q.format][0]})" if q.format in FORMATS else self.name
