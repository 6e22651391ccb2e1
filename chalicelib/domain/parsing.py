"""Reading what people type: numbers, dates, deadlines, names, yes and no, options.

The readers of answers per question kind are in :mod:`chalicelib.domain.kinds` and
use these. A reader returns the value or None; a checker ``(value, None)`` or
``(None, reason)`` with a short Korean reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.reply import Quick, Reason
from chalicelib.domain.when import BadDate, doubtful_hour, fmt_deadline, parse_day, parse_when

MAX_TEXT_ANSWER = 300
MAX_NAME = 20
MAX_UNIT = 20

Parsed = tuple[Any, str | None]

_NAME_RE = r"^[0-9A-Za-z가-힣ㄱ-ㅎㅏ-ㅣ·._\-]+$"  # compiled on first use (re's cache): registration needs it
YES = {"예", "네", "응", "ㅇ", "ㅇㅇ", "yes", "y", "o", "맞아요", "네네", "넵", "넹", "예예"}
NO = {"아니오", "아니요", "아니", "ㄴ", "ㄴㄴ", "no", "n", "x", "아뇨", "아니에요"}


def valid_name(name: str, limit: int = MAX_NAME) -> str | None:
    """None when ``name`` is an acceptable person or unit name, else the reason."""
    if not name:
        return "이름이 비어 있어요."
    if len(name) > limit:
        return f"{limit}자 이내로 입력해 주세요."
    if not re.match(_NAME_RE, name):
        return "한글, 영문, 숫자와 . · - _ 만 쓸 수 있어요."
    return None


def valid_person_name(name: str) -> str | None:
    """None when ``name`` is an acceptable person's name (:func:`valid_name`, with a letter in it: '1234' is a check
    value typed without its name), else the reason."""
    if why := valid_name(name):
        return why
    return None if any(c.isalpha() for c in name) else "이름에는 글자가 있어야 해요(숫자만으로는 이름이 아니에요)."


def parse_date(text: str, today: date) -> date | None:
    """A date as people type it: '2026-11-30', '11/30', '11월 30일', '오늘', '내일', '금요일', '다음주 화요일'
    (see :mod:`chalicelib.domain.when`); None when it is not one, or names no real date."""
    try:
        found = parse_day(text, today, ahead=False)
    except BadDate:
        return None
    return found[0] if found else None


DEADLINE_EXAMPLES = "예: 금요일 18시, 12/5 오후 6시, 내일 18시, 3일 후"


def parse_deadline(text: str, now: datetime) -> Parsed:
    """A future moment as people type it (see :mod:`chalicelib.domain.when`): '금요일 18시',
    '12월 5일 오후 6시', '다음주 금요일' (= 23:59 that day), '11/30 18:00'."""
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

    read = reading or parse_deadline
    if (part := _part_of_day(text)) is not None:  # '금요일 저녁': which hour of it
        return _which_hour(text, *part, now, read)
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


# A part of the day said without its hour ('금요일 저녁'), and the hours offered for it.
_PARTS_OF_DAY = {
    "새벽": (5, 6), "아침": (8, 9, 10), "오전": (9, 10, 11), "점심": (12, 13), "낮": (12, 14, 15),
    "오후": (14, 16, 18), "저녁": (18, 19, 20), "밤": (21, 22, 23),
}  # fmt: skip


def _part_of_day(text: str) -> tuple[str, str] | None:
    """('금요일', '저녁') of '금요일 저녁' (a day, then a part of the day with no hour), else None."""
    day, _, part = " ".join(text.split()).rpartition(" ")
    return (day, part) if day and part in _PARTS_OF_DAY else None


def _which_hour(text: str, day: str, part: str, now: datetime, read: Callable[[str, datetime], Parsed]) -> Parsed:
    """'금요일 저녁' asked back: which hour, a quick reply for each of the usual ones still ahead."""
    offered = [f"{day} 오전 {h}시" if h < 12 else f"{day} {h}시" for h in _PARTS_OF_DAY[part]]  # never in doubt
    valid = [said for said in offered if read(said, now)[1] is None]
    if read(day, now)[1] is not None or not valid:  # not a day, or all of it has passed: as any other reading
        return read(text, now)
    return None, Reason(f"{day} {part} 몇 시인가요? 예: {valid[0]}", [Quick(said, said) for said in valid])


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
