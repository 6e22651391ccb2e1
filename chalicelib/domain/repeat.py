"""Repeating surveys: the rule an admin types (매주 월 9시, 매월 1일), its periods, and each period's copy.

A rule is stored as a short code: ``w<weekday>@HH:MM`` (매주, Monday = 0) or ``m<day>@HH:MM``
(매월; a day past the month's end is its last day). A rule without a time opens at 09:00.
The scheduled job opens each period's copy once: its id is the repeating survey's id and the
period's date, and creating it is conditional on no survey having that id.
"""

from __future__ import annotations

import calendar
import copy
import re
import secrets
from datetime import datetime, time, timedelta

from chalicelib.domain.hours import parse_time_of_day
from chalicelib.domain.model import KST, OPEN, Survey, option_key
from chalicelib.domain.plans import Planned
from chalicelib.domain.record import record
from chalicelib.domain.when import WEEKDAYS, fmt_deadline

DEFAULT_TIME = time(9, 0)
EXAMPLES = "예: 매주 월 9시, 매주 금요일 오후 2시, 매월 1일 9시"

_WEEKLY = re.compile(r"^매주\s*(?P<wd>[월화수목금토일])(?:요일)?\s*(?P<rest>.*)$")
_MONTHLY = re.compile(r"^매월\s*(?P<day>[0-9]{1,2})\s*일\s*(?P<rest>.*)$")
_CODE = re.compile(r"^(?P<kind>[wm])(?P<n>[0-9]{1,2})@(?P<h>[0-9]{2}):(?P<m>[0-9]{2})$")
_TRAILING_DATE = re.compile(r"\s*\d{1,2}/\d{1,2}$")


def parse_rule(text: str) -> tuple[str, str]:
    """(rule code, "") for '매주 월 9시' or '매월 1일', or ("", why it was not understood)."""
    t = " ".join(text.split())
    weekly, monthly = _WEEKLY.match(t), _MONTHLY.match(t)
    if weekly:
        kind, n, rest = "w", WEEKDAYS.index(weekly["wd"]), weekly["rest"]
    elif monthly:
        kind, n, rest = "m", int(monthly["day"]), monthly["rest"]
        if not 1 <= n <= 31:
            return "", "날짜는 1~31일 중에서 입력해 주세요."
    else:
        return "", f"반복은 '매주 <요일> <시각>'이나 '매월 <일> <시각>'으로 입력해 주세요. {EXAMPLES}"
    at = parse_time_of_day(rest) if rest.strip() else DEFAULT_TIME
    if at is None:
        return "", f"'{rest}'에서 시각을 읽지 못했어요. {EXAMPLES}"
    return f"{kind}{n}@{at.hour:02d}:{at.minute:02d}", ""


def _parts(rule: str) -> tuple[str, int, time]:
    m = _CODE.match(rule)
    if m is None:
        raise ValueError(f"not a repeat rule: {rule!r}")
    return m["kind"], int(m["n"]), time(int(m["h"]), int(m["m"]))


def describe(rule: str) -> str:
    """How a rule reads: '매주 월요일 09:00', '매월 1일 09:00'."""
    kind, n, at = _parts(rule)
    clock = f"{at.hour:02d}:{at.minute:02d}"
    return f"매주 {WEEKDAYS[n]}요일 {clock}" if kind == "w" else f"매월 {n}일 {clock}"


def next_period(rule: str, after: datetime) -> datetime:
    """The first opening of ``rule`` strictly after ``after`` (in KST)."""
    kind, n, at = _parts(rule)
    local = after.astimezone(KST)
    if kind == "w":
        day = local.date() + timedelta(days=(n - local.weekday()) % 7)
        when = datetime.combine(day, at, KST)
        return when if when > local else when + timedelta(days=7)
    year, month = local.year, local.month
    for _ in range(3):
        last = calendar.monthrange(year, month)[1]
        when = datetime(year, month, min(n, last), at.hour, at.minute, tzinfo=KST)
        if when > local:
            return when
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("a month always has a later period")  # pragma: no cover


def latest_period(rule: str, start: datetime, now: datetime) -> datetime | None:
    """The last opening of ``rule`` at or before ``now``, counting from ``start`` (its first one), or None
    when the first is still to come. Periods missed while the job could not run are skipped: only the
    latest one opens."""
    if start > now:
        return None
    at = start
    while True:
        following = next_period(rule, at)
        if following > now:
            return at
        at = following


def opening(s: Survey) -> datetime:
    """When ``s`` opens (예약) or opened (its creation)."""
    return s.opens_at or datetime.fromisoformat(s.created_at)


def previous_period(rule: str, before: datetime) -> datetime:
    """The last opening of ``rule`` strictly before ``before``."""
    at = next_period(rule, before - timedelta(days=62))  # a month at most between two openings
    while (following := next_period(rule, at)) < before:
        at = following
    return at


@record(frozen=True)
class Shape:
    """How a survey open from ``opened`` until its deadline repeats by a rule: when the next copy opens, and how
    long each copy stays open (seconds; None without a deadline). ``problem`` says why it cannot repeat ("" when
    it can), with ``nearest`` the closest deadline that would do."""

    next: datetime
    lasts: int | None
    problem: str = ""
    nearest: datetime | None = None


def shape(deadline: datetime | None, opened: datetime, rule: str, now: datetime | None = None) -> Shape:
    """A period opens at the rule's time and stays open as long as this survey's deadline is after the opening
    before it ('매주 월 9시' with a Wednesday 18:00 deadline: Monday 09:00 to Wednesday 18:00). This survey is the
    first period, even when it opens early (made on Thursday for next week's Monday): the next copy opens after
    it. It may not cover a whole period besides its own (its deadline a fortnight away): that is refused, with
    the nearest deadline that would do."""
    start = max(opened, now) if now is not None else opened
    first = next_period(rule, start)
    if deadline is None:
        return Shape(first, None, "반복하는 신청서는 마감이 있어야 해요. 회차마다 여는 때부터 같은 기간만큼 받아요.")
    own = previous_period(rule, deadline)  # the opening of the period this deadline ends
    lasts = int((deadline - own).total_seconds())
    if own < first:  # it ends before the next opening: copies from then on
        return Shape(first, lasts)
    if own == first:  # it is the first period, opened early: the next copy opens after it
        return Shape(next_period(rule, first), lasts)
    nearest = deadline
    while (ends_in := previous_period(rule, nearest)) > first:
        nearest -= ends_in - previous_period(rule, ends_in)  # one period earlier
    problem = (
        f"마감({fmt_deadline(deadline, start)})까지 두면 그 사이 {fmt_deadline(first, start)}에 열릴 회차가 "
        "통째로 지나가요. 한 회차는 다음 회차가 열리기 전에 끝나야 해요."
    )
    return Shape(first, lasts, problem, nearest if nearest > start else None)


def plan_of(s: Survey, now: datetime, opens_at: datetime | None, rule: str) -> Planned:
    """What the schedule keeps of ``s``: opening at ``opens_at`` (None: open already), repeating by ``rule``."""
    start = opens_at if opens_at is not None else now
    made = shape(s.deadline, opening(s) if opens_at is None else opens_at, rule, start) if rule else None
    return Planned(
        survey_id=s.id,
        title=s.title,
        opens_at=opens_at,
        repeat=rule,
        next=made.next if made is not None else None,
        lasts=made.lasts if made is not None else None,
    )


def base_title(title: str) -> str:
    """A title without the period's date it may end in ('주간 식수 12/1' → '주간 식수')."""
    return _TRAILING_DATE.sub("", title).strip() or title


def period_title(title: str, period: datetime, limit: int) -> str:
    """The title of one period: the base title with the period's date ('주간 식수 12/8')."""
    local = period.astimezone(KST)
    suffix = f" {local.month}/{local.day}"
    return base_title(title)[: limit - len(suffix)].rstrip() + suffix


def period_id(survey_id: str, period: datetime) -> str:
    """The id of one period's copy: exactly one survey per repeating survey and period."""
    return f"{survey_id}-{period.astimezone(KST):%Y%m%d%H%M}"


def period_copy(s: Survey, period: datetime, lasts: int | None, title_limit: int) -> Survey:
    """One period of ``s``: its questions, description, target, cap, mode, reminders, co-admins and 열람자, fresh
    counters, open from ``period`` until ``lasts`` seconds later (no deadline when None)."""
    qs = copy.deepcopy(s.questions)
    deadline = period + timedelta(seconds=lasts) if lasts is not None else None
    if deadline is not None and s.repeat:  # a short month: it ends when the next period opens, never after
        deadline = min(deadline, next_period(s.repeat, period))
    return Survey(
        id=period_id(s.id, period),
        title=period_title(s.title, period, title_limit),
        owner=s.owner,
        owner_name=s.owner_name,
        questions=qs,
        description=s.description,
        coadmins=list(s.coadmins),
        viewers=list(s.viewers),
        deadline=deadline,
        target_unit=s.target_unit,
        cap=s.cap,
        status=OPEN,
        created_at=period.isoformat(),
        option_counts={option_key(q.id, o): 0 for q in qs for o in q.capacity},  # capped options only
        auto_remind=list(s.auto_remind),
        origin=s.id,
        mode=s.mode,
        salt=secrets.token_hex(16) if s.salt else "",
        batch_size=s.batch_size,
        keep_days=s.keep_days,
    )
