"""Times of day as people type them: '18:30', '오후 6시 반', '저녁 7시쯤', '정오', and whether a bare hour
could be morning or evening."""

from __future__ import annotations

import re
from datetime import time

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
