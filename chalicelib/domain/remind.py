"""알림: remind the registered people of a survey's target who have not answered, through Kakao's event channel.

A bot cannot message first in chat; Kakao's Event API makes Kakao call the skill for
each person, and the skill renders the reminder (:func:`reminder`), with the survey
one tap away. Each message is charged by Kakao, so the admin sees how many people and
the expected cost and confirms first. A survey is reminded at most once per
:data:`INTERVAL_HOURS` (``HJ_REMIND_INTERVAL_HOURS``): the confirmation's write is conditional on the last reminder's
time, so two admins confirming at once send once. The sending itself happens after
the write commits, in the background (see the service).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from chalicelib.domain.audience import audience
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.effects import NotifyJob
from chalicelib.domain.model import ANONYMOUS, PRESENCE, Survey
from chalicelib.domain.particles import pp
from chalicelib.domain.ports import Reader
from chalicelib.domain.privacy import ANONYMOUS_NOTE, shown, took_part
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.rules import REMIND_HOURS
from chalicelib.domain.session import Action, Session
from chalicelib.domain.tally import rate
from chalicelib.domain.targets import Target
from chalicelib.domain.titles import main_quick
from chalicelib.domain.unit_admins import scope, units_of
from chalicelib.domain.when import deadline_label, fmt_deadline
from chalicelib.domain.writes import MarkReminded, Write

INTERVAL_HOURS = REMIND_HOURS  # by default, a survey's members are reminded at most once in this many hours
PER_MESSAGE_KRW = 15  # what Kakao charges per event message (VAT excluded)

OFF = (
    "알림이 꺼져 있어요. 운영자가 카카오 이벤트 API(봇 ID, 이벤트 이름, REST API 키)를 설정하면 켜져요. "
    "그 전에는 '미응답 <제목>'으로 명단을 보고 직접 알려 주세요."
)


def pending(db: Reader, s: Survey, skip: Sequence[str] = ()) -> list[str]:
    """Kakao keys of the registered people of the survey's target who have not answered, as 미응답 counts them
    (none for 익명: nobody can know who has), but for those of the units in ``skip``."""
    return reach_of(db, s, skip)[0]


def reach_of(db: Reader, s: Survey, skip: Sequence[str] = ()) -> tuple[list[str], int]:
    """Whom a reminder reaches (:func:`pending`) and how many the admin is told it goes to, from one reading of the
    survey's people. Of a 참여만 확인 survey that is those 미응답 shows (full batches only: the live count would move
    with one submission), though it reaches only the keys, which may be none (so "nobody left" is said only when
    미응답 says so too, and the result names no number: ``service.pushing.note_text``)."""
    people = audience(db, s)
    if people.answered is None:
        return [], 0
    silent = [p for p in people.silent if p.unit not in skip]
    done = took_part(db, s)  # 참여만 확인: whoever took part, full batch or not, is never reminded
    keys = [p.key for p in silent if not (p.person and p.person in done)]
    return keys, len(silent) if s.mode == PRESENCE else len(keys)


def reminded_lately(s: Survey, at: datetime, hours: int) -> list[str]:
    """The units whose admin (소속 관리자) reminded their people within ``hours`` before ``at``: a reminder of the
    whole survey at ``at`` leaves them out, so nobody gets two within the interval."""
    return sorted(u for u, when in s.reminded_units.items() if at - when < timedelta(hours=hours))


def _too_soon(ctx: Ctx, s: Survey, units: Sequence[str] | None = None) -> str:
    """Why 알림 cannot go now ("" if it can): the survey was reminded within the interval (by anyone), or, for an
    admin of ``units``, those units were. Each unit admin's reminder keeps its own units' interval only."""
    marks = [s.reminded_at] + [s.reminded_units.get(u) for u in units or ()]
    last = max((m for m in marks if m is not None), default=None)
    if last is None or ctx.now - last >= timedelta(hours=ctx.rules.remind_hours):
        return ""
    again = last + timedelta(hours=ctx.rules.remind_hours)
    return (
        f"'{s.title}' 알림은 {fmt_deadline(last, ctx.now)}에 이미 보냈어요. "
        f"{fmt_deadline(again, ctx.now)}부터 다시 보낼 수 있어요."
    )


def _skipped(units: Sequence[str]) -> str:
    return f" (최근 소속 관리자가 알림을 보낸 {', '.join(units)}{pp(units[-1], '은(는)')} 빼요)" if units else ""


FULL = "'{t}'{p} 정원이 다 차서 더 받지 않아요. 알림을 보낼 필요가 없어요."


def ask(ctx: Ctx, t: Target) -> Outcome:
    """알림 <제목>: how many would get it and what it costs, then 예 · 아니오."""
    if not ctx.reminders:
        return Outcome(Reply.say(OFF, quick=[Quick("미응답", f"미응답 {t.ref}"), "메뉴"]))
    s = t.survey  # read whole: the last reminder's time is on the item, not in lists
    if not s.is_open(ctx.now):
        return Outcome(
            Reply.say(f"'{s.title}'{pp(s.title, '은(는)')} 마감되어 알림을 보낼 수 없어요.", quick=main_quick(ctx.user))
        )
    if s.is_full():
        return Outcome(Reply.say(FULL.format(t=s.title, p=pp(s.title, "은(는)")), quick=main_quick(ctx.user)))
    if why := _too_soon(ctx, s, t.units):
        return Outcome(Reply.say(why, quick=[Quick("미응답", f"미응답 {s.title}"), "메뉴"]))
    if s.mode == ANONYMOUS:
        return Outcome(Reply.say(f"{ANONYMOUS_NOTE} 그래서 알림을 골라 보낼 수 없어요.", quick=main_quick(ctx.user)))
    skip = [] if t.units else reminded_lately(s, ctx.now, ctx.rules.remind_hours)
    _, n = reach_of(ctx.db, s, skip)
    if not n:
        return Outcome(Reply.say(f"'{s.title}'에 응답하지 않은 등록자가 없어요{_skipped(skip)}.", quick=["메뉴"]))
    cost = n * PER_MESSAGE_KRW
    return ctx.ask_first(
        Action.REMIND,
        f"'{s.title}'에 아직 응답하지 않은 {n:,}명에게 카카오톡 알림을 보낼까요?{_skipped(skip)}",
        f"예상 비용 약 {cost:,}원 (1건 {PER_MESSAGE_KRW}원, 부가세 별도). "
        f"알림은 {ctx.rules.remind_hours}시간에 한 번만 보낼 수 있어요.",
        sid=s.id,
        title=s.title,
    )


def send(ctx: Ctx, session: Session, sid: str) -> Outcome:
    """The 예 to 알림: record it (once per interval, conditionally) and hand the sending to the service."""
    u = ctx.member
    s = ctx.db.get_survey(sid)
    if s is None or not u.is_admin or not (s.managed_by(u) or units_of(u, s)):
        return Outcome(Reply.say("알림을 보낼 수 없는 신청이에요.", quick=main_quick(u)), session=session)
    seen = scope(ctx, "알림", s)  # an admin of some units reminds their units' people only
    if isinstance(seen, Outcome):
        seen.session = session
        return seen
    s, units = seen
    if not s.is_open(ctx.now):
        return Outcome(
            Reply.say(f"'{s.title}'{pp(s.title, '은(는)')} 마감되었어요.", quick=main_quick(u)), session=session
        )
    if s.is_full():  # the last place was taken meanwhile
        return Outcome(Reply.say(FULL.format(t=s.title, p=pp(s.title, "은(는)")), quick=main_quick(u)), session=session)
    if why := _too_soon(ctx, s, units):  # another admin sent it meanwhile
        return Outcome(Reply.say(why, quick=main_quick(u)), session=session)
    skip = [] if units else reminded_lately(s, ctx.now, ctx.rules.remind_hours)
    keys, n = reach_of(ctx.db, s, skip)  # 참여만 확인: n is what 미응답 shows, even if all have taken part meanwhile
    if not n:
        return Outcome(Reply.say(f"'{s.title}'에 응답하지 않은 등록자가 없어요.", quick=main_quick(u)), session=session)
    not_since = ctx.now - timedelta(hours=ctx.rules.remind_hours)
    mark = MarkReminded(s.id, ctx.now, not_since, tuple(units or ()), first=not s.reminded_units)
    writes: list[Write] = [mark, ctx.audit("remind", s.id, str(n))]
    return Outcome(
        Reply.say(
            f"'{s.title}' 알림을 {n:,}명에게 보내고 있어요. 결과는 다음 메시지에 알려 드려요.",
            quick=[Quick("미응답", f"미응답 {s.title}"), "메뉴"],
        ),
        session=session,
        writes=writes,
        effects=[NotifyJob(s.id, s.title, keys, u.key)],
    )


def reminder(ctx: Ctx, sid: str) -> Outcome:
    """What a person sees when the reminder reaches them (Kakao calls the skill for the event)."""
    u = ctx.member
    listed = {s.id: s for s in ctx.listed()}
    info = listed.get(sid)
    if info is None or not info.is_open(ctx.now) or not info.meant_for(u):
        return Outcome(Reply.say("알림을 받은 신청은 이미 마감되었어요.", quick=main_quick(u)))
    if info.full and sid not in ctx.answered():
        return Outcome(
            Reply.say(f"알림을 받은 '{info.title}'{pp(info.title, '은(는)')} 정원이 다 찼어요.", quick=main_quick(u))
        )
    if sid in ctx.answered():
        return Outcome(Reply.say(f"'{info.title}'에는 이미 응답했어요. 고마워요!", quick=main_quick(u)))
    quick: list[QuickLike] = [Quick("지금 응답하기", f"신청 {info.title}"), "신청 목록", "메뉴"]
    return Outcome(
        Reply.say(
            f"[알림] '{info.title}'에 아직 응답하지 않았어요. 마감: {fmt_deadline(info.deadline, ctx.now)}",
            quick=quick,
        )
    )


def opened(ctx: Ctx, sid: str) -> Outcome:
    """What a person sees when a survey that opened by itself (예약, 반복) is announced to them."""
    u = ctx.member
    info = next((s for s in ctx.listed() if s.id == sid), None)
    if info is None or not info.is_open(ctx.now) or not info.meant_for(u):
        return Outcome(Reply.say("알림을 받은 신청은 이미 마감되었어요.", quick=main_quick(u)))
    if sid in ctx.answered():
        return Outcome(Reply.say(f"'{info.title}'에는 이미 응답했어요. 고마워요!", quick=main_quick(u)))
    quick: list[QuickLike] = [Quick("지금 응답하기", f"신청 {info.title}"), "신청 목록", "메뉴"]
    return Outcome(
        Reply.say(
            f"[새 신청] '{info.title}'{pp(info.title, '이(가)')} 열렸어요. {deadline_label(info.deadline, ctx.now)}",
            quick=quick,
        )
    )


def summary_text(s: Survey, answered: int, target: int) -> str:
    """One line on a closed survey: responses against its target."""
    pct = rate(answered, target)
    rate_said = f" ({pct}%)" if pct is not None else ""
    return f"'{s.title}'{pp(s.title, '이(가)')} 마감되었어요. 응답 {answered}명 / 대상 {target}명{rate_said}."


def closed_summary(ctx: Ctx, sid: str) -> Outcome:
    """What an admin sees when the close summary reaches them (Kakao calls the skill for the event)."""
    u = ctx.member
    s = ctx.db.get_survey(sid)
    if s is None or not s.managed_by(u):
        return Outcome(Reply.say("알림을 받은 신청은 이제 볼 수 없어요.", quick=main_quick(u)))
    people = audience(ctx.db, s, shown(s, ctx.db.list_answers(s.id)))
    quick: list[QuickLike] = [
        Quick("결과 받기", f"다운로드 {s.title}"),
        Quick("결과 보기", f"결과 보기 {s.title}"),
        Quick("현황", f"현황 {s.title}"),
        "메뉴",
    ]
    return Outcome(Reply.say(summary_text(s, people.answered_here, people.target), quick=quick))
