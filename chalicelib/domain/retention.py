"""How long answers are kept: the retention period after a survey closes, 보관 연장, and what the job does.

A survey's answers are kept ``keep_days`` after it closes (the organisation's default unless
the survey keeps them shorter). Closing puts a retention entry on the schedule; the minute
job tells the survey's admins WARN_DAYS before the end (once, on their next message) and at
the end deletes the answers and participation records, keeping the survey's title and
counts and an audit entry of the fact. Exports are links of a day (the bucket's lifecycle),
so none outlives the answers. Reopening takes the entry off the schedule.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.context import Outcome
from chalicelib.domain.model import BACKUP_DAYS, CLOSED, OPEN, WARN_DAYS, Survey
from chalicelib.domain.numerals import parse_number
from chalicelib.domain.particles import pp
from chalicelib.domain.plans import KEEP, Planned
from chalicelib.domain.reply import Quick, Reply
from chalicelib.domain.when import fmt_deadline
from chalicelib.domain.writes import Plan, SetSurveyStatus, Unplan, Write


def keep_plan(s: Survey, closed_at: datetime, default_days: int, warned: bool = False) -> Plan:
    """The retention entry of ``s`` closed at ``closed_at``: when the job looks at it next (the warning,
    or the end once warned)."""
    until = _until(s, closed_at, default_days)
    at = until if warned else max(closed_at, until - timedelta(days=WARN_DAYS))
    return Plan(Planned(s.id, s.title, next=at, kind=KEEP))


def _until(s: Survey, closed_at: datetime, default_days: int) -> datetime:
    days = s.keep_days or default_days
    return closed_at + timedelta(days=days * (2 if s.keep_extended else 1))


def closing(s: Survey, now: datetime, default_days: int) -> list[Write]:
    """The writes that close ``s`` now: its status, and its retention on the schedule."""
    return [SetSurveyStatus(s.id, CLOSED, expect=OPEN, at=now), keep_plan(s, now, default_days)]


def reopening(s: Survey) -> list[Write]:
    """What reopening adds: its retention leaves the schedule (the clock starts again at the next close)."""
    return [Unplan(s.id, KEEP)] if s.status == CLOSED else []


def keep_note(days: int) -> str:
    """What a member is told of how long their answer is kept: until retention ends, then in backups a while."""
    return f"답은 마감 후 {days}일 보관한 뒤 지워져요(백업에서는 그 뒤 {BACKUP_DAYS}일 안에 사라져요)."


def keep_label(s: Survey, default_days: int, now: datetime) -> str:
    """'응답 보관 12/9(수)까지', '응답 삭제됨', or '' while open."""
    if s.purged_at is not None:
        return "보관 기간이 지나 응답 삭제됨"
    until = s.keep_until(default_days)
    return f"응답 보관 {fmt_deadline(until, now)}까지" if until is not None else ""


def warning(s: Survey, until: datetime, now: datetime) -> str:
    """What its admins are told a week before the answers go."""
    t = s.title
    more = "" if s.keep_extended else f" 더 두려면 '보관 연장 {t}' (한 번만)."
    return f"'{t}' 응답은 {fmt_deadline(until, now)}에 보관 기간이 끝나 지워져요. 필요하면 먼저 '다운로드 {t}'.{more}"


def purged_reply(s: Survey, r: str, now: datetime) -> Outcome:
    """An admin asks for the answers of a survey whose retention is over."""
    when = fmt_deadline(s.purged_at, now)
    return Outcome(
        Reply.say(
            f"'{s.title}'{pp(s.title, '은(는)')} 보관 기간이 지나 {when}에 응답을 지웠어요. "
            f"응답 {s.response_count}건이 있었다는 기록만 남아 있어요.",
            quick=[Quick("복사", f"복사 {r}"), "내 신청서", "메뉴"],
        )
    )


KEEP_HELP = "마감 후 응답을 며칠 보관할까요? 기본은 {d}일이고, 더 짧게 정할 수 있어요 (예: 30일, 90일)."


def take_keep_days(text: str, default_days: int) -> tuple[int, str]:
    """(days, "") from '30일' or '기본', or (0, why)."""
    t = text.replace(" ", "").removesuffix("일").removesuffix("동안")
    if t in ("기본", f"{default_days}"):
        return 0, ""
    n = parse_number(t)
    if not isinstance(n, int) or not 1 <= n <= default_days:
        return 0, f"1~{default_days} 사이의 날 수로 입력해 주세요 (예: 30일). 기본은 {default_days}일이에요."
    return n, ""
