"""Korean dates and deadlines as people type them, and the one format every reading is said back in.

Written here rather than taken from a general date library: those read common Korean
phrases wrongly or not at all (`다음주 금요일`, `모레`, `이번주 토요일`, and `내일 오후 6시`
read as 21:00), and the rules below are short.

Dates: ``2026-12-05``, ``2026.12.5``, ``2026년 12월 5일``, ``12/5``, ``12.5``, ``12-5``,
``12월 5일``, ``5일`` (this month, else next); weekdays ``금요일``, ``금``, ``이번주 토요일``,
``다음주 금요일``, ``다음 주 금``, ``다다음주 월요일``; relative ``오늘``, ``내일``, ``모레``,
``글피``, ``3일 후``, ``3일 뒤``, ``일주일 후``, ``2주 후``. A date without a year is the next
such date (``1/5`` typed in December is next January). A bare weekday is the next one,
today included while the time is still ahead.

Times come after the date (:func:`chalicelib.domain.parsing.parse_time_of_day`):
``18시``, ``18:00``, ``오후 6시``, ``오후 6시 반``, ``저녁 6시``, ``정오``, ``자정`` (the end of that
day). A deadline without a time ends that day at 23:59, and a time without a date is
today's, or tomorrow's once it has passed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from chalicelib.domain.model import KST
from chalicelib.domain.words import pp

WEEKDAYS = "월화수목금토일"
END_OF_DAY = time(23, 59)

_WEEKDAY = r"(?P<wd>[월화수목금토일])(?:요일)?"
_WEEK = r"(?P<week>이번|이번주|금주|다음|다음주|담주|차주|다다음|다다음주)?"
_RELATIVE = {"오늘": 0, "금일": 0, "내일": 1, "명일": 1, "모레": 2, "내일모레": 2, "글피": 3}
_WEEKS_AHEAD = {
    "이번": 0,
    "이번주": 0,
    "금주": 0,
    "다음": 1,
    "다음주": 1,
    "담주": 1,
    "차주": 1,
    "다다음": 2,
    "다다음주": 2,
}


class BadDate(ValueError):
    """A phrase that reads as a date that does not exist ('2/30'); its message is the reply."""


def parse_day(text: str, today: date, ahead: bool = True) -> tuple[date, bool] | None:
    """The date ``text`` names, and whether it was a bare weekday (which may roll to next week);
    None when it is not a date. Raises :class:`BadDate` for a date that does not exist.

    A month and day without a year is the next such date; with ``ahead`` False (an answer
    about any day, not a deadline) it is this year's unless that is more than 180 days gone.
    """
    t = "".join(text.split()).replace("，", ",")
    if not t:
        return None
    if t in _RELATIVE:
        return today + timedelta(days=_RELATIVE[t]), False
    m = re.fullmatch(r"(?P<n>\d{1,3}|한|두|세)(?P<unit>일|주|주일|달)(?:후|뒤|있다가)", t)
    if m or t in ("일주일후", "일주일뒤"):
        n, unit = 1, "주"
        if m:
            n = {"한": 1, "두": 2, "세": 3}.get(m["n"]) or int(m["n"])
            unit = m["unit"]
        days = n * (7 if unit in ("주", "주일") else 30 if unit == "달" else 1)
        return today + timedelta(days=days), False
    m = re.fullmatch(_WEEK + _WEEKDAY, t)
    if m:
        target = WEEKDAYS.index(m["wd"])
        if m["week"] is None:
            return today + timedelta(days=(target - today.weekday()) % 7), True
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=_WEEKS_AHEAD[m["week"]])
        return monday + timedelta(days=target), False
    m = re.fullmatch(r"(?P<y>\d{4})[-./년](?P<mo>\d{1,2})[-./월](?P<d>\d{1,2})일?\.?", t)
    if m:
        return _real(int(m["y"]), int(m["mo"]), int(m["d"])), False
    m = re.fullmatch(r"(?P<mo>\d{1,2})(?:[-./]|월)(?P<d>\d{1,2})일?\.?", t)
    if m:
        mo, d = int(m["mo"]), int(m["d"])
        _real(2000, mo, d)  # 2/29 exists in some year; 2/30 in none
        if not ahead:
            try:
                this_year = date(today.year, mo, d)
            except ValueError:
                this_year = None
            if this_year is not None and this_year >= today - timedelta(days=180):
                return this_year, False
        for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
            try:
                when = date(year, mo, d)
            except ValueError:
                continue  # 2/29 outside a leap year
            if when >= today:
                return when, False
        return None
    m = re.fullmatch(r"(?P<d>\d{1,2})일", t)
    if m:
        d = int(m["d"])
        if not 1 <= d <= 31:
            raise BadDate(f"{d}일은 없는 날짜예요.")
        year, month = today.year, today.month
        for _ in range(3):  # this month, else the next month that has that day
            try:
                when = date(year, month, d)
                if when >= today:
                    return when, False
            except ValueError:
                pass
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None
    return None


def _real(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise BadDate(f"{month}/{day}{pp(str(day), '은(는)')} 없는 날짜예요.") from None


def parse_when(text: str, now: datetime) -> tuple[datetime, bool] | None:
    """The moment ``text`` names (KST) and whether it had a time; None when it is not one.
    Raises :class:`BadDate` for a date that does not exist."""
    from chalicelib.domain.parsing import parse_time_of_day

    t = " ".join(text.replace("까지", " ").replace("에", " ").split())
    if not t:
        return None
    local = now.astimezone(KST)
    today = local.date()
    whole = parse_day(t, today)
    if whole is not None:
        day, _ = whole
        return datetime.combine(day, END_OF_DAY, tzinfo=KST), False
    compact = t.replace(" ", "")
    if compact == "자정":
        return datetime.combine(today, END_OF_DAY, tzinfo=KST), True
    alone = parse_time_of_day(t)
    if alone is not None:
        when = datetime.combine(today, alone, tzinfo=KST)
        return (when if when > local else when + timedelta(days=1)), True
    # Every split of the text into a date and then a time, at a space or where letters meet digits.
    cuts = {i for i, ch in enumerate(t) if ch == " "} | {
        i for i in range(1, len(t)) if t[i - 1].isdigit() != t[i].isdigit() and t[i] != " " and t[i - 1] != " "
    }
    for i in sorted(cuts):
        head, tail = t[:i].strip(), t[i:].strip()
        if not head or not tail:
            continue
        found = parse_day(head, today)
        if found is None:
            continue
        day, bare_weekday = found
        if "".join(tail.split()) == "자정":  # the end of that day
            return datetime.combine(day, END_OF_DAY, tzinfo=KST), True
        clock = parse_time_of_day(tail)
        if clock is None:
            continue
        when = datetime.combine(day, clock, tzinfo=KST)
        if bare_weekday and when <= local:
            when += timedelta(days=7)  # '금요일 18시' said on Friday evening is next Friday
        return when, True
    return None


def fmt_when(when: datetime, now: datetime) -> str:
    """The fixed echo of a reading: ``12/5(금) 18:00`` (the year too when it is not ``now``'s)."""
    k = when.astimezone(KST)
    year = f"{k.year}/" if k.year != now.astimezone(KST).year else ""
    return f"{year}{k.month}/{k.day}({WEEKDAYS[k.weekday()]}) {k.hour:02d}:{k.minute:02d}"
