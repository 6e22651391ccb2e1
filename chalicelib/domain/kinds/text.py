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


FORMAT_HINT = (
    "주관식은 형식을 붙일 수 있어요: 주관식 전화번호 · 주관식 이메일 · 주관식 숫자만 · 주관식 ###-####. "
    "시간은 시간대를: 시간 18:00~23:00"
)


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


# What people put between the parts of a number or a code: spaces, hyphens, dots, slashes.
_SEPARATORS = re.compile(r"[\s\-./·_]")


def fit_template(template: str, text: str) -> str | None:
    """``text`` in the shape of ``template`` ('##가####'), or None when it is not of that shape. Separators are
    not part of the shape: '12가 3456' and '12가-3456' are '12가3456', and '123 4567' is '123-4567' for '###-####'.
    What is kept is the template's shape with the typed letters and digits in its places."""
    bare_template = _SEPARATORS.sub("", template)
    bare_text = _SEPARATORS.sub("", text)
    if not bare_template or re.fullmatch(_pattern(bare_template), bare_text) is None:
        return None
    typed = iter(bare_text)
    return "".join(ch if _SEPARATORS.fullmatch(ch) else next(typed) for ch in template)


def phone_number(text: str) -> str | None:
    """A Korean phone number as people type it ('010 9999 0000', '010.9999.0000', '01099990000',
    '+82 10-9999-0000', '(02) 123-4567'), written the one usual way ('010-9999-0000'); None when it is not one."""
    digits = re.sub(r"[\s\-.()]", "", text)
    if digits.startswith("+82"):
        digits = "0" + digits[3:].lstrip("0")
    elif digits.startswith("82") and len(digits) >= 11:
        digits = "0" + digits[2:].lstrip("0")
    if not re.fullmatch(r"0\d{8,10}", digits):
        return None
    if digits.startswith("02"):  # Seoul: 02-123-4567, 02-1234-5678
        middle = digits[2:-4]
        return f"02-{middle}-{digits[-4:]}" if len(middle) in (3, 4) else None
    if len(digits) not in (10, 11):
        return None
    return f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}"


def take_format(cur: dict[str, Any], text: str) -> str | None:
    """A format typed after the kind's name ('주관식 전화번호', '주관식 ###-####'); the reason if not one."""
    return _format_take(cur, text)


# Words of a question whose free-text answer tells who gave it, and what that answer is, as the warning says it.
_IDENTIFYING = (
    ("주민", "주민번호"),
    ("생년월일", "생년월일"),
    ("전화", "전화번호"),
    ("휴대폰", "전화번호"),
    ("핸드폰", "전화번호"),
    ("연락처", "연락처"),
    ("이메일", "이메일"),
    ("메일", "이메일"),
    ("성함", "이름"),
    ("성명", "이름"),
    ("실명", "이름"),
    ("이름", "이름"),
    ("학번", "학번"),
    ("사번", "사번"),
    ("군번", "군번"),
    ("주소", "주소"),
    ("계좌", "계좌번호"),
    ("차량번호", "차량 번호"),
    ("번호판", "차량 번호"),
    ("카톡", "카카오톡 아이디"),
    ("아이디", "아이디"),
)


class Text(Kind):
    """Free text; typed in the wizard as '주관식', or with a format: '주관식 전화번호', '주관식 ##가####'."""

    code, name, aliases = "text", "주관식", ("단답",)

    def take_rest(self, cur: dict[str, Any], rest: str) -> str | None:
        return take_format(cur, rest)

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
            shaped = fit_template(q.format[4:], t)
        elif q.format == "phone":
            shaped = phone_number(t)
        elif q.format == "digits":
            squeezed = re.sub(r"[\s\-.]", "", t)
            shaped = squeezed if re.fullmatch(FORMATS["digits"][1], squeezed) else None
        else:
            shaped = t if q.format in FORMATS and re.fullmatch(FORMATS[q.format][1], t) else None
        return (shaped, None) if shaped is not None else (None, self.hint(q))

    def identifies(self, q: Question) -> str:
        if q.format == "phone":
            return "전화번호"
        if q.format == "email":
            return "이메일"
        squeezed = "".join(q.text.split())
        return next((what for word, what in _IDENTIFYING if word in squeezed), "")

    def describe(self, q: Question) -> str:
        if q.format.startswith("tpl:"):
            return f"{self.name} ({q.format[4:]})"
        return f"{self.name} ({FORMATS[q.format][0]})" if q.format in FORMATS else self.name
