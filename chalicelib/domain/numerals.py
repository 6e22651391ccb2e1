"""Numbers as people say them in Korean: native (두, 셋, 열다섯, 스무), Sino-Korean (삼십, 백), and digits with
the big units (3만, 2만 5천, 1.5만).

A number typed as an answer is read by :func:`parse_number`, which takes off the counters after it (두 명, 세 개,
한 박스, 3만원) and the endings people add (3개 정도요), and reads what is left. A reader returns the number or
None, never a guess: '세' is 3 only where it stands as a number.
"""

from __future__ import annotations

import re

# Native numbers: the forms before a counter (한, 두, 세, 네, 스무) and alone (하나, 둘, 셋, 넷, 스물).
_NATIVE_ONES = {
    "한": 1, "하나": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "석": 3, "서": 3, "네": 4, "넷": 4, "넉": 4, "너": 4,
    "다섯": 5, "닷": 5, "여섯": 6, "엿": 6, "일곱": 7, "여덟": 8, "아홉": 9,
}  # fmt: skip
_NATIVE_TENS = {
    "열": 10, "스물": 20, "스무": 20, "서른": 30, "마흔": 40, "쉰": 50, "예순": 60, "일흔": 70, "여든": 80, "아흔": 90,
}  # fmt: skip
# Sino-Korean digits and powers (일 is 1 only inside a Sino-Korean number: '일' alone is a day, not a count).
_SINO_DIGITS = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
_SINO_POWERS = {"십": 10, "백": 100, "천": 1000}
_BIG = {"만": 10_000, "억": 100_000_000}
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def native(text: str) -> int | None:
    """1–99 in native Korean ('스물두', '열', '하나'), spaces ignored; None when it is not one."""
    t = "".join(text.split())
    if not t:
        return None
    for tens_word, tens in sorted(_NATIVE_TENS.items(), key=lambda kv: -len(kv[0])):
        if t.startswith(tens_word):
            rest = t[len(tens_word) :]
            if not rest:
                return tens
            if tens_word == "스무":  # 스무 only stands alone (스무 명); 스물 takes ones (스물두)
                return None
            ones = _NATIVE_ONES.get(rest)
            return tens + ones if ones is not None else None
    return _NATIVE_ONES.get(t)


def _sino_below_10000(t: str) -> int | None:
    """'삼천이백오십' → 3250; a power alone counts one ('백' is 100)."""
    total, digit, seen = 0, None, False
    for ch in t:
        if ch in _SINO_DIGITS:
            if digit is not None:
                return None  # two digits in a row: '삼사' is not a number
            digit = _SINO_DIGITS[ch]
        elif ch in _SINO_POWERS:
            total += (digit if digit is not None else 1) * _SINO_POWERS[ch]
            digit, seen = None, True
        else:
            return None
    if digit is not None:
        total += digit
        seen = True
    return total if seen else None


def sino(text: str) -> int | None:
    """A Sino-Korean number ('삼십', '백오십', '이만오천'); a lone digit word other than 일 counts too ('오' is 5)."""
    t = "".join(text.split())
    if not t or t == "일":  # '일' alone is a day
        return None
    total, rest = 0, t
    for word, value in sorted(_BIG.items(), key=lambda kv: -kv[1]):
        head, found, tail = rest.partition(word)
        if found:
            part = _sino_below_10000(head) if head else 1
            if part is None:
                return None
            total += part * value
            rest = tail
    if rest:
        part = _sino_below_10000(rest)
        if part is None:
            return None
        total += part
    return total


def with_big_units(text: str) -> float | None:
    """Digits with the big units, as amounts are written: '3만' (30000), '2만 5천', '1.5만', '3천', '2억'."""
    t = "".join(text.split()).replace(",", "")
    if not t or not any(u in t for u in ("만", "천", "백", "억")):
        return None
    total = 0.0
    pos = 0
    units = {"억": 100_000_000, "만": 10_000, "천": 1000, "백": 100}
    last = float("inf")
    for m in re.finditer(r"(\d+(?:\.\d+)?)?(억|만|천|백)?", t):
        if not m.group(0):
            continue
        if m.start() != pos:
            return None
        pos = m.end()
        number, unit = m.group(1), m.group(2)
        if unit is None:
            if number is None or pos != len(t):
                return None
            total += float(number)  # the ones after the units ('1만 500')
            continue
        value = units[unit]
        if value >= last:
            return None  # units go down: '3천2만' is no amount
        last = value
        total += (float(number) if number is not None else 1.0) * value
    return total if pos == len(t) else None


def korean_number(text: str) -> float | None:
    """Any of the above: native, Sino-Korean, or digits with big units; None when it is none of them."""
    for read in (native, sino, with_big_units):
        n = read(text)
        if n is not None:
            return float(n)
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
