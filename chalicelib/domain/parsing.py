"""Reading what people type: numbers, dates, deadlines, names, yes and no, options.

The readers of answers per question kind are in :mod:`chalicelib.domain.kinds` and
use these. A reader returns the value or None; a checker ``(value, None)`` or
``(None, reason)`` with a short Korean reason.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any, Optional

from chalicelib.domain.model import KST

MAX_TEXT_ANSWER = 300
MAX_NAME = 20
MAX_UNIT = 20

Parsed = tuple[Any, Optional[str]]

_NAME_RE = re.compile(r"^[0-9A-Za-z가-힣ㄱ-ㅎㅏ-ㅣ·._\-]+$")
YES = {"예", "네", "응", "ㅇ", "ㅇㅇ", "yes", "y", "o", "맞아요", "네네"}
NO = {"아니오", "아니요", "아니", "ㄴ", "ㄴㄴ", "no", "n", "x"}


def valid_name(name: str, limit: int = MAX_NAME) -> Optional[str]:
    """None when ``name`` is an acceptable person or unit name, else the reason."""
    if not name:
        return "이름이 비어 있어요."
    if len(name) > limit:
        return f"{limit}자 이내로 입력해 주세요."
    if not _NAME_RE.match(name):
        return "한글, 영문, 숫자와 . · - _ 만 쓸 수 있어요."
    return None


def fmt_number(v: float) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return f"{v:,}" if isinstance(v, int) else f"{v:,.2f}".rstrip("0").rstrip(".")


def parse_number(text: str) -> Optional[float]:
    t = text.replace(",", "").strip()
    t = re.sub(r"\s*(개|명|원|잔|인분|병|마리|세트|건|회|살|번|kg|g|시간|분)$", "", t)
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", t):
        return None
    f = float(t)
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


def parse_date(text: str, today: date) -> Optional[date]:
    """'2026-11-30', '2026.11.30', '11/30', '11월 30일', '오늘', '내일', '모레'."""
    t = text.strip().replace(" ", "")
    rel = {"오늘": 0, "내일": 1, "모레": 2, "글피": 3}
    if t in rel:
        return today + timedelta(days=rel[t])
    m = re.fullmatch(r"(\d{4})[-./년](\d{1,2})[-./월](\d{1,2})일?", t)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = re.fullmatch(r"(\d{1,2})[-./월](\d{1,2})일?", t)
        if not m:
            return None
        y, mo, d = today.year, int(m.group(1)), int(m.group(2))
        try:
            if date(y, mo, d) < today - timedelta(days=180):
                y += 1  # "1/5" typed in November means next January
        except ValueError:
            return None
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def parse_deadline(text: str, now: datetime) -> Parsed:
    """A future moment: '11/30 18:00', '2026-11-30 18:00', '내일 18시', '11/30' (= 23:59)."""
    t = text.strip()
    m = re.fullmatch(r"(.+?)\s*(\d{1,2})(?::(\d{2})|시(?:\s*(\d{1,2})분?)?)\s*", t)
    if m:
        day_part = m.group(1)
        hh = int(m.group(2))
        mm = int(m.group(3) or m.group(4) or 0)
    else:
        day_part, hh, mm = t, 23, 59
    d = parse_date(day_part, now.astimezone(KST).date())
    if d is None:
        return None, "날짜를 알아볼 수 없어요. 예: 11/30 18:00"
    if not (0 <= hh <= 23 and 0 <= mm <= 59):
        return None, "시각은 00:00~23:59 사이로 입력해 주세요."
    when = datetime.combine(d, time(hh, mm), tzinfo=KST)
    if when <= now:
        return None, "이미 지난 시각이에요. 앞으로의 시각을 입력해 주세요."
    if when > now + timedelta(days=366):
        return None, "마감은 1년 이내로 정해 주세요."
    return when, None


def fmt_deadline(when: Optional[datetime]) -> str:
    if when is None:
        return "마감 없음"
    k = when.astimezone(KST)
    return f"{k.month}/{k.day} {k.hour:02d}:{k.minute:02d}"


def pick_option(token: str, options: list[str]) -> Optional[str]:
    """The option ``token`` names: its number (1-based), its text, or its text ignoring case and spaces."""
    token = token.strip()
    if token.isdigit() and 1 <= int(token) <= len(options):
        return options[int(token) - 1]
    for o in options:
        if o == token:
            return o
    low = token.casefold().replace(" ", "")
    for o in options:
        if o.casefold().replace(" ", "") == low:
            return o
    return None
