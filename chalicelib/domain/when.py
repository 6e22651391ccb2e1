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

Times come after the date (:func:`chalicelib.domain.hours.parse_time_of_day`):
``18시``, ``18:00``, ``오후 6시``, ``오후 6시 반``, ``저녁 6시``, ``정오``, ``자정`` (the end of that
day). A deadline without a time ends that day at 23:59, and a time without a date is
today's, or tomorrow's once it has passed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from chalicelib.domain.hours import both_halves, parse_time_of_day, read_clock
from chalicelib.domain.model import KST
from chalicelib.domain.numerals import parse_number
from chalicelib.domain.particles import pp

WEEKDAYS = "월화수목금토일"
END_OF_DAY = time(23, 59)

_WEEKDAY = r"(?P<wd>[월화수목금토일])(?:요일|욜)?"
_WEEK = r"(?P<week>이번|이번주|금주|다음|다음주|담주|차주|다다음|다다음주)?"
_RELATIVE = {
    "오늘": 0, "금일": 0, "내일": 1, "낼": 1, "명일": 1, "모레": 2, "모래": 2, "내일모레": 2, "낼모레": 2,
    "내일모래": 2, "글피": 3, "어제": -1, "어저께": -1, "그제": -2, "그저께": -2,
}  # fmt: skip
# Words after a day that keep it the same day ('오늘 중', '금요일 안에', '3일 이내'): the end of that day.
_DAYS_SAID = {"하루": 1, "이틀": 2, "사흘": 3, "나흘": 4}
_WITHIN = ("중으로", "안으로", "안에", "이내", "중", "안")
_MONTHS_AHEAD = {"이번달": 0, "이달": 0, "금월": 0, "다음달": 1, "담달": 1, "익월": 1, "다다음달": 2}
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
    within = False
    for word in _WITHIN:
        if t.endswith(word) and len(t) > len(word):
            t, within = t[: -len(word)], True
            break
    if not t:
        return None
    if t in _RELATIVE:
        return today + timedelta(days=_RELATIVE[t]), False
    of_month = _in_month(t, today)
    if of_month is not None:
        return of_month, False
    after = _days_after(t, within)
    if after is not None:
        return today + timedelta(days=after), False
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
        day = _month_and_day(int(m["mo"]), int(m["d"]), today, ahead)
        return None if day is None else (day, False)
    m = re.fullmatch(r"(?P<d>\d{1,2})일", t)
    if m:
        day = _day_of_month(int(m["d"]), today)
        return None if day is None else (day, False)
    return None


def _days_after(t: str, within: bool) -> int | None:
    """How many days '3일 후', '2주 뒤', '한 달 있다가', '일주일 후' (or, ``within``, '3일' of '3일 이내') name."""
    words = re.fullmatch(r"(?P<n>하루|이틀|사흘|나흘)(?:후|뒤|있다가)?", t)  # '이틀 후', '하루 뒤', '사흘 이내'
    if words and (within or t != words["n"]):
        return _DAYS_SAID[words["n"]]
    m = re.fullmatch(r"(?P<n>\d{1,3}|한|두|세)(?P<unit>일|주|주일|달)(?:후|뒤|있다가)", t)
    if within and m is None:  # '3일 이내', '2주 안에': that many days from today
        m = re.fullmatch(r"(?P<n>\d{1,3}|한|두|세)(?P<unit>일|주|주일|달)", t)
    if m is None and t not in ("일주일후", "일주일뒤"):
        return None
    n, unit = 1, "주"
    if m:
        n = {"한": 1, "두": 2, "세": 3}.get(m["n"]) or int(m["n"])
        unit = m["unit"]
    return n * (7 if unit in ("주", "주일") else 30 if unit == "달" else 1)


def _month_and_day(mo: int, d: int, today: date, ahead: bool) -> date | None:
    """'3/5', '3월 5일': the next such date (or, not ``ahead``, this year's unless more than 180 days gone)."""
    _real(2000, mo, d)  # 2/29 exists in some year; 2/30 in none
    if not ahead:
        try:
            this_year = date(today.year, mo, d)
        except ValueError:
            this_year = None
        if this_year is not None and this_year >= today - timedelta(days=180):
            return this_year
    for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        try:
            when = date(year, mo, d)
        except ValueError:
            continue  # 2/29 outside a leap year
        if when >= today:
            return when
    return None


def _day_of_month(d: int, today: date) -> date | None:
    """'15일': this month's, else the next month that has that day."""
    if not 1 <= d <= 31:
        raise BadDate(f"{d}일은 없는 날짜예요.")
    year, month = today.year, today.month
    for _ in range(3):
        try:
            when = date(year, month, d)
            if when >= today:
                return when
        except ValueError:
            pass
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


# Compiled on its first use (by re's cache), not at every start: the costliest pattern of the domain to compile,
# and only a typed moment needs it.
_LATER = (
    r"(?:(?P<h>[0-9]{1,3}|[가-힣]{1,3})시간)?(?:(?P<half>반)|(?P<m>[0-9]{1,4}|[가-힣]{1,3})분)?"
    r"(?:후|뒤|있다가|이따가|이내|안에|안)"
)


def _hours_later(t: str) -> timedelta | None:
    """'3시간 후', '30분 뒤', '한 시간 반 후', '1시간 30분 뒤', '90분 이내' as a stretch of time from now."""
    m = re.fullmatch(_LATER, t.replace(" ", ""))
    if m is None or not (m["h"] or m["m"]):
        return None
    hours = parse_number(m["h"] + "시간") if m["h"] else 0
    minutes = parse_number(m["m"] + "분") if m["m"] else 30 if m["half"] else 0
    if not isinstance(hours, int) or not isinstance(minutes, int) or hours < 0 or minutes < 0:
        return None
    if m["half"] and not m["h"]:
        return None  # '반 후' alone says no hour
    return timedelta(hours=hours, minutes=minutes) or None


def _in_month(t: str, today: date) -> date | None:
    """'다음달 5일', '담달 5일', '이번 달 20일', '말일', '이달 말', '다음달 말': a day of this or a later month."""
    if t in ("말일", "월말", "이달말", "이번달말"):
        return _month_end(today.year, today.month)
    m = re.fullmatch(r"(?P<which>" + "|".join(_MONTHS_AHEAD) + r")(?:(?P<d>\d{1,2})일|(?P<end>말|말일))", t)
    if m is None:
        return None
    year, month = today.year, today.month + _MONTHS_AHEAD[m["which"]]
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    if m["end"]:
        return _month_end(year, month)
    return _real(year, month, int(m["d"]))


def _month_end(year: int, month: int) -> date:
    import calendar

    return date(year, month, calendar.monthrange(year, month)[1])


def _real(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise BadDate(f"{month}/{day}{pp(str(day), '은(는)')} 없는 날짜예요.") from None


def _normal(text: str) -> str:
    return " ".join(text.replace("까지", " ").replace("에", " ").split())


def _date_and_time(t: str, today: date) -> tuple[str, str] | None:
    """The first split of ``t`` into a date and then a time, at a space or where letters meet digits."""
    cuts = {i for i, ch in enumerate(t) if ch == " "} | {
        i for i in range(1, len(t)) if t[i - 1].isdigit() != t[i].isdigit() and t[i] != " " and t[i - 1] != " "
    }
    for i in sorted(cuts):
        head, tail = t[:i].strip(), t[i:].strip()
        if not head or not tail or parse_day(head, today) is None:
            continue
        if "".join(tail.split()) == "자정" or read_clock(tail) is not None:
            return head, tail
    return None


def parse_when(text: str, now: datetime) -> tuple[datetime, bool] | None:
    """The moment ``text`` names (KST) and whether it had a time; None when it is not one.
    Raises :class:`BadDate` for a date that does not exist."""
    t = _normal(text)
    if not t:
        return None
    local = now.astimezone(KST)
    today = local.date()
    later = _hours_later(t)
    if later is not None:  # '3시간 후', '30분 뒤', '1시간 반 후': from now, to the minute
        return (local + later).replace(second=0, microsecond=0), True
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
    split = _date_and_time(t, today)
    if split is None:
        return None
    head, tail = split
    found = parse_day(head, today)
    if found is None:  # pragma: no cover - _date_and_time read it already
        return None
    day, bare_weekday = found
    if "".join(tail.split()) == "자정":  # the end of that day
        return datetime.combine(day, END_OF_DAY, tzinfo=KST), True
    clock = parse_time_of_day(tail)
    if clock is None:  # pragma: no cover - _date_and_time read it already
        return None
    when = datetime.combine(day, clock, tzinfo=KST)
    if bare_weekday and when <= local:
        when += timedelta(days=7)  # '금요일 18시' said on Friday evening is next Friday
    return when, True


def doubtful_hour(text: str, now: datetime) -> tuple[str, str, str] | None:
    """When the time in ``text`` is a bare hour that could be morning or evening ('금요일 7시', '낼 9시 반'):
    its date part and the time said both ways ('금요일', '오전 7시', '오후 7시'); None when the half of the day
    is clear."""
    t = _normal(text)
    today = now.astimezone(KST).date()
    try:
        if not t or _hours_later(t) is not None or parse_day(t, today) is not None:
            return None
        alone = read_clock(t)
        if alone is not None:
            return ("", *both_halves(alone[0])) if alone[1] else None
        split = _date_and_time(t, today)
    except BadDate:
        return None
    if split is None:
        return None
    head, tail = split
    read = read_clock(tail)
    if read is None or not read[1]:
        return None
    return (head, *both_halves(read[0]))


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


def fmt_when(when: datetime, now: datetime) -> str:
    """The fixed echo of a reading: ``12/5(금) 18:00`` (with the year when it could be misread), as every reply
    says a moment (:func:`fmt_deadline`)."""
    return fmt_deadline(when, now)
