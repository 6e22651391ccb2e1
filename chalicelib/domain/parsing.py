"""Reading what people type: numbers, dates, deadlines, names, yes and no, options.

The readers of answers per question kind are in :mod:`chalicelib.domain.kinds` and
use these. A reader returns the value or None; a checker ``(value, None)`` or
``(None, reason)`` with a short Korean reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from chalicelib.domain.model import KST
from chalicelib.domain.when import WEEKDAYS

MAX_TEXT_ANSWER = 300
MAX_NAME = 20
MAX_UNIT = 20

Parsed = tuple[Any, str | None]

_NAME_RE = re.compile(r"^[0-9A-Za-z가-힣ㄱ-ㅎㅏ-ㅣ·._\-]+$")
YES = {"예", "네", "응", "ㅇ", "ㅇㅇ", "yes", "y", "o", "맞아요", "네네"}
NO = {"아니오", "아니요", "아니", "ㄴ", "ㄴㄴ", "no", "n", "x"}


def valid_name(name: str, limit: int = MAX_NAME) -> str | None:
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


# Counters people put after a number ('두 명', '세 개', '한 박스', '3만원'), longest first when taken off.
COUNTERS = tuple(
    sorted(
        {
            "개", "명", "분", "사람", "원", "잔", "인분", "인", "병", "캔", "마리", "세트", "건", "회",
            "번", "살", "박스", "상자", "봉지", "봉", "통", "판", "장", "권", "대", "벌", "켤레", "그릇", "접시", "줄",
            "팀", "조", "개월", "달", "주", "일", "박", "시간", "점", "곡", "편", "채", "쌍", "알", "포기", "송이",
            "다발", "묶음", "팩", "컵", "회분", "kg", "g", "km", "m", "L", "ml", "%",
        },
        key=len,
        reverse=True,
    )
)  # fmt: skip
# What people end a short answer with: '두 명이요', '3개 정도', '5개쯤', '하나요'.
_NUMBER_ENDINGS = ("입니다", "이에요", "이요", "예요", "정도", "가량", "내외", "쯤", "요")
_DIGITS_ONLY = re.compile(r"[+-]?\d+(\.\d+)?")


def parse_number(text: str) -> int | float | None:
    """A number as people type it: '3', '1,000', '3개', '두 명', '세 개요', '한 박스', '열다섯', '삼십',
    '3만원' (30000), '2만 5천'. A native form that stands before a counter ('한', '두', '세', '네') is a number
    only with its counter: '네' alone is a yes."""
    from chalicelib.domain.numerals import korean_number, native

    t = " ".join(text.replace(",", "").split())
    counted = False
    for _ in range(4):  # an ending, then a counter, then (rarely) another ending: '3개 정도요'
        before = t
        for end in _NUMBER_ENDINGS:
            if t.endswith(end) and len(t) > len(end):
                t = t[: -len(end)].rstrip()
                break
        for counter in COUNTERS:
            if t.endswith(counter) and len(t) > len(counter):
                t = t[: -len(counter)].rstrip()
                counted = True
                break
        if t == before:
            break
    if _DIGITS_ONLY.fullmatch(t):
        f = float(t)
    else:
        squeezed = t.replace(" ", "")
        alone = native(squeezed)
        if alone is not None and not counted and squeezed.endswith(_BEFORE_COUNTER):
            return None  # '네', '세', '한' without a counter: not a count
        n = korean_number(squeezed)
        if n is None:
            return None
        f = n
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


# Native forms said only before a counter ('두 명', '열한 개', '스무 명'); alone they are other words ('네' is a yes).
_BEFORE_COUNTER = ("한", "두", "세", "네", "석", "넉", "서", "너", "닷", "엿", "스무")


def parse_date(text: str, today: date) -> date | None:
    """A date as people type it: '2026-11-30', '11/30', '11월 30일', '오늘', '내일', '금요일', '다음주 화요일'
    (see :mod:`chalicelib.domain.when`); None when it is not one, or names no real date."""
    from chalicelib.domain.when import BadDate, parse_day

    try:
        found = parse_day(text, today, ahead=False)
    except BadDate:
        return None
    return found[0] if found else None


# Words before an hour that say which half of the day it is, and how they move the hour.
_HALVES = {
    "오전": "am",
    "아침": "am",
    "새벽": "am",
    "am": "am",
    "a.m.": "am",
    "오후": "pm",
    "저녁": "evening",
    "pm": "pm",
    "p.m.": "pm",
    "밤": "night",
    "낮": "day",
}
_NATIVE_HOURS = {
    "한": 1,
    "두": 2,
    "세": 3,
    "네": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
    "열": 10,
    "열한": 11,
    "열두": 12,
}
_HOUR = r"(?P<h>[0-9]{1,2}|" + "|".join(sorted(_NATIVE_HOURS, key=len, reverse=True)) + ")"


# Words after a time that make it approximate or polite ('7시쯤', '7시경', '7시 정도', '7시요'): the time is the same.
_ABOUT = ("쯤에요", "쯤이요", "쯤요", "쯤", "경에", "경", "정도", "즈음", "께", "무렵", "전후", "에요", "이요", "요")


def parse_time_of_day(text: str) -> time | None:
    """A time of day as people type it: '18:30', '6:30pm', '18시 30분', '오후 6시 반', '저녁 7시', '저녁 7시쯤',
    '밤 12시' (midnight), '새벽 2시', '여섯 시 반', '정오', '자정'. An hour with no half of the day is read on
    the 24-hour clock ('6시' is 06:00); :func:`read_clock` also says when that reading is only a guess."""
    read = read_clock(text)
    return read[0] if read is not None else None


def read_clock(text: str) -> tuple[time, bool] | None:
    """The time ``text`` names, and whether the half of the day was left unsaid where it matters: a bare hour
    from 1 to 11 ('7시', '7시 반', '7:30', '일곱 시') could be morning or evening. '07:30' (a leading zero),
    '19시', '오후 7시', '저녁 7시' and '12시' are not in doubt."""
    t = "".join(text.casefold().split()).replace("：", ":")
    for word in _ABOUT:
        if t.endswith(word) and len(t) > len(word):
            t = t[: -len(word)]
            break
    named = {"정오": time(12, 0), "자정": time(0, 0)}
    if t in named:
        return named[t], False
    half = ""
    for word in sorted(_HALVES, key=len, reverse=True):
        if t.startswith(word) or t.endswith(word):
            half = _HALVES[word]
            t = t[len(word) :] if t.startswith(word) else t[: -len(word)]
            break
    m = (
        re.fullmatch(r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})", t)
        or re.fullmatch(_HOUR + r"시(?:(?P<m>[0-9]{1,2})분?|(?P<half>반))?", t)
        or (re.fullmatch(r"(?P<h>[0-9]{1,2})", t) if half else None)
    )  # '6pm', '오후6'
    if m is None:
        return None
    parts = m.groupdict()
    minute = 30 if parts.get("half") else int(parts.get("m") or 0)
    said = _NATIVE_HOURS.get(parts["h"]) or int(parts["h"])
    hour = _on_24_hours(said, half)
    if hour is None or not 0 <= hour <= 23 or not 0 <= minute <= 59:
        return None
    in_doubt = not half and 1 <= said <= 11 and not parts["h"].startswith("0")
    return time(hour, minute), in_doubt


def both_halves(at: time) -> tuple[str, str]:
    """How to say a bare hour in the morning and in the evening: ('오전 7시 30분', '오후 7시 30분')."""
    hour = at.hour % 12 or 12
    rest = f" {at.minute}분" if at.minute else ""
    return f"오전 {hour}시{rest}", f"오후 {hour}시{rest}"


def _on_24_hours(hour: int, half: str) -> int | None:
    """The hour on the 24-hour clock, given the half of the day it was said with."""
    if not half:
        return hour
    if hour > 12:  # '오후 18시': already on the 24-hour clock, unless it contradicts the half
        return hour if half != "am" else None
    if half == "am":
        return 0 if hour == 12 else hour
    if half == "pm":
        return 12 if hour == 12 else hour + 12
    if half == "night":  # 밤 9시 = 21:00, 밤 12시 = 00:00, 밤 1시 = 01:00
        return 0 if hour == 12 else hour + 12 if hour >= 6 else hour
    if half == "evening":  # 저녁 5시 = 17:00, 저녁 12시 = 00:00; 저녁 2시 is no time anyone means
        return 0 if hour == 12 else hour + 12 if hour >= 4 else None
    return hour + 12 if 1 <= hour <= 6 else hour  # 낮 2시 = 14:00, 낮 12시 = 12:00, 낮 11시 = 11:00


DEADLINE_EXAMPLES = "예: 금요일 18시, 12/5 오후 6시, 내일 18시, 3일 후"


def parse_deadline(text: str, now: datetime) -> Parsed:
    """A future moment as people type it (see :mod:`chalicelib.domain.when`): '금요일 18시',
    '12월 5일 오후 6시', '다음주 금요일' (= 23:59 that day), '11/30 18:00'."""
    from chalicelib.domain.when import BadDate, parse_when

    try:
        found = parse_when(text, now)
    except BadDate as e:
        return None, f"{e} {DEADLINE_EXAMPLES}"
    if found is None:
        clock = re.search(r"(\d{1,2})(?::(\d{2})|\s*시\s*(\d{1,2})?)", text)
        if clock and (int(clock[1]) > 24 or int(clock[2] or clock[3] or 0) > 59):
            return None, "시각은 00:00~23:59 사이로 입력해 주세요."
        return None, f"날짜를 알아볼 수 없어요. {DEADLINE_EXAMPLES}"
    when, _ = found
    if when <= now:
        return None, f"이미 지난 시각이에요: {fmt_deadline(when, now)}. 앞으로의 시각을 입력해 주세요."
    if when > now + timedelta(days=366):
        return None, "마감은 1년 이내로 정해 주세요."
    return when, None


def moment_or_ask(text: str, now: datetime, reading: Callable[[str, datetime], Parsed] | None = None) -> Parsed:
    """A moment read by ``reading`` (a deadline unless told), but a bare hour that could be morning or evening
    ('금요일 7시') is asked back with both as quick replies, unless only one of them is a moment that may be
    chosen (the morning has passed: '오늘 7시' said at 10:00 is 19:00)."""
    from chalicelib.domain.reply import Quick, Reason
    from chalicelib.domain.when import doubtful_hour

    read = reading or parse_deadline
    doubt = doubtful_hour(text, now)
    if doubt is None:
        return read(text, now)
    day, *halves = doubt
    taken = [(half, f"{day} {half}".strip()) for half in halves]
    valid = [(half, said, when) for half, said in taken for when, why in [read(said, now)] if why is None]
    if len(valid) == 1:
        return valid[0][2], None
    if not valid:
        return read(text, now)
    question = f"{halves[0]}인가요, {halves[1]}인가요?"
    return None, Reason(question, [Quick(half, said) for half, said, _ in valid])


YEAR_SHOWN_BEYOND = timedelta(days=150)  # about five months: further away than that, a date says its year


def fmt_deadline(when: datetime | None, now: datetime) -> str:
    """A moment as every reply shows it: ``12/5(금) 18:00``, or 마감 없음. A moment in another year than ``now``'s,
    or more than about five months from it, shows its year (``2027/12/6(월) 17:00``): a date without one reads as
    the coming one, and a retention end a year ahead would look past."""
    if when is None:
        return "마감 없음"
    k = when.astimezone(KST)
    here = now.astimezone(KST)
    year = f"{k.year}/" if k.year != here.year or abs(k - here) > YEAR_SHOWN_BEYOND else ""
    return f"{year}{k.month}/{k.day}({WEEKDAYS[k.weekday()]}) {k.hour:02d}:{k.minute:02d}"


def deadline_label(when: datetime | None, now: datetime) -> str:
    """``12/5(금) 18:00 마감``, or 마감 없음 (never "마감 없음 마감")."""
    return "마감 없음" if when is None else f"{fmt_deadline(when, now)} 마감"


def until_label(when: datetime | None, now: datetime) -> str:
    """``12/5(금) 18:00 마감 전까지``, or 마감 전까지 (never "마감(마감 없음) 전까지")."""
    return "마감 전까지" if when is None else f"{fmt_deadline(when, now)} 마감 전까지"


# Endings people add to an answer, longest first: 치킨이요, 치킨으로, 피자로 할게요, 2번, 2번이요.
_ENDINGS = (
    "으로 할게요", "으로 할래요", "로 할게요", "로 할래요", "할게요", "할래요", "주세요", "입니다", "이에요", "예요",
    "으로요", "으로", "로요", "이요", "요", "로", "번",
)  # fmt: skip


def _bare(token: str) -> list[str]:
    """``token`` and what is left as each ending comes off in turn ('2번이요' → '2번', '2')."""
    out = [token]
    while True:
        cur = out[-1]
        for end in _ENDINGS:
            if cur.endswith(end) and len(cur) > len(end):
                out.append(cur[: -len(end)].rstrip())
                break
        else:
            return out


def pick_option(token: str, options: list[str]) -> str | None:
    """The option ``token`` names: its number (1-based), its text (case and spaces aside), either with an
    ending people add ('치킨이요', '치킨으로', '1번'), or the start of exactly one option ('피' for 피자)."""

    def squash(text: str) -> str:
        return text.casefold().replace(" ", "")

    token = token.strip()
    if not token:
        return None
    if token in options:
        return token
    for bare in _bare(token):
        if bare.isdigit() and 1 <= int(bare) <= len(options):
            return options[int(bare) - 1]
        for o in options:
            if squash(o) == squash(bare):
                return o
    for bare in _bare(token):
        starting = [o for o in options if squash(o).startswith(squash(bare))]
        if len(starting) == 1:
            return starting[0]
    return None
