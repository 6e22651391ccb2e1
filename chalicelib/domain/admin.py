"""Admin commands over surveys: my surveys, 현황, 미응답, close, reopen, delete, downloads, co-admins.

Every command checks ownership here, in the core (the role is checked by the commands
table); a refused attempt is answered politely and written to the audit trail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain import viewers
from chalicelib.domain.admin_roles import find_person, which_person
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.effects import ForgetFiles, NotifyJob
from chalicelib.domain.model import (
    CLOSED,
    MANAGED_KEPT,
    OPEN,
    SCHEDULED,
    Managed,
    Survey,
    SurveyInfo,
    User,
)
from chalicelib.domain.particles import pp
from chalicelib.domain.privacy import shown_count
from chalicelib.domain.repeat import describe
from chalicelib.domain.reply import Quick, Reply
from chalicelib.domain.retention import closing, keep_label, keep_plan, purged_reply, reopening
from chalicelib.domain.session import Action, Session
from chalicelib.domain.survey_lookup import forget_managed, managed_pool
from chalicelib.domain.targets import Target
from chalicelib.domain.titles import about, main_quick, page_of, ref, split_page, survey_page
from chalicelib.domain.when import fmt_deadline
from chalicelib.domain.writes import (
    AddCoadmin,
    DeleteSurvey,
    KeepLonger,
    ListSurvey,
    PutUser,
    SetSurveyStatus,
    UnlistSurvey,
    Write,
)


def denied(ctx: Ctx, action: str, what: str = "관리자") -> Outcome:
    """A polite refusal that says what the person may do instead, audited."""
    then, quick = viewers.instead(ctx.user, what)
    said = Reply.say(f"{what}만 쓸 수 있는 명령이에요. {then}", quick=quick)
    return Outcome(said, writes=[ctx.audit("denied", action)])


def my_surveys(ctx: Ctx, arg: str) -> Outcome:
    """내 신청서 [쪽]: open ones first, then the rest, each by creation; the page shown is read whole."""
    _, page = split_page(f"x {arg}".strip())
    pool = managed_pool(ctx)
    if not pool:
        return Outcome(Reply.say("아직 만든 신청서가 없어요.", quick=["신청 만들기", "메뉴"]))
    listed = {s.id for s in ctx.listed() if s.is_open(ctx.now)}
    order = {s.id: n for n, s in enumerate(pool)}  # the pool is oldest first
    pool.sort(key=lambda s: (not (s.is_open(ctx.now) if ctx.member.is_super else s.id in listed), order[s.id]))
    ids, more = page_of([s.id for s in pool], page)
    shown = ctx.db.get_surveys(ids)

    def line(s: Survey) -> str:
        state = s.state_label(ctx.now)
        if s.status == SCHEDULED and s.opens_at is not None:
            state = f"예약 {fmt_deadline(s.opens_at, ctx.now)} 열림"
        if s.repeat:
            state += f" · {describe(s.repeat)} 반복"
        if kept := keep_label(s, ctx.rules.keep_days, ctx.now):
            state += f" · {kept}"
        cap = f"/{s.cap}" if s.cap else ""
        return f"• {s.title} — {state} · 응답 {shown_count(s)}{cap} · {fmt_deadline(s.deadline, ctx.now)}"

    gone = set(ids) - {s.id for s in shown}  # deleted since: they leave the admin's list
    if len(gone) == len(pool) and not ctx.member.is_super:  # every one of them deleted meanwhile
        me = ctx.me()
        for sid in gone:
            forget_managed(me, sid)
        return Outcome(Reply.say("아직 만든 신청서가 없어요.", quick=["신청 만들기", "메뉴"]), user=me)
    head = f"내 신청서 {len(pool) - len(gone)}건"
    if not ctx.member.is_super and len(ctx.member.managed) >= MANAGED_KEPT:
        head = f"최근 내 신청서 {len(pool) - len(gone)}건 (그 전 것은 '현황 <제목>'처럼 제목으로 찾아요)"
    reply = survey_page(head, shown, page, more, line, "현황", "내 신청서", pool)
    if not gone or ctx.member.is_super:
        return Outcome(reply)
    me = ctx.me()
    for sid in gone:
        forget_managed(me, sid)
    return Outcome(reply, user=me)


def ask_close(ctx: Ctx, t: Target) -> Outcome:
    """마감 <제목>: asks first (예 · 아니오), saying how many answered."""
    s, pool = t.survey, t.pool
    if s.status == CLOSED:
        return _already_closed(s, ref(s, pool))
    if s.status == SCHEDULED:
        return _not_open_yet(s, ref(s, pool), ctx.now)
    return ctx.ask_first(
        Action.CLOSE,
        f"'{s.title}'{pp(s.title, '을(를)')} 지금 마감할까요? 응답 {shown_count(s)}명. "
        "마감하면 더 받지 않아요 ('재개'로 다시 열 수 있어요).",
        sid=s.id,
        title=s.title,
    )


def _already_closed(s: Survey, r: str) -> Outcome:
    return Outcome(
        Reply.say(
            f"'{s.title}'{pp(s.title, '은(는)')} 이미 마감되어 있어요.", quick=[Quick("재개", f"재개 {r}"), "메뉴"]
        )
    )


def close(ctx: Ctx, session: Session, sid: str) -> Outcome:
    """The 예 to 마감: closed, unlisted and audited; its admins get the summary (re-checked: someone may have
    closed it, or taken this admin's rights, meanwhile)."""
    u = ctx.member
    s = ctx.db.get_survey(sid)
    if s is None:
        return Outcome(Reply.say("이미 삭제된 신청이에요.", quick=main_quick(u)), session=session)
    if not u.is_admin or not s.managed_by(u):
        out = denied(ctx, "close") if not u.is_admin else _refused_close(ctx, s.id)
        out.session = session
        return out
    r = f"{s.title}#{s.id}"  # the tap shows the title; the id rides in clientExtra
    if s.status in (CLOSED, SCHEDULED):
        out = _already_closed(s, r) if s.status == CLOSED else _not_open_yet(s, r, ctx.now)
        out.session = session
        return out
    return Outcome(
        Reply.say(
            f"'{s.title}'{pp(s.title, '을(를)')} 마감했어요. 응답 {shown_count(s)}명. 다시 열려면 '재개 {s.title}'.",
            quick=about(r, "현황", "결과 보기", "다운로드", "재개"),
        ),
        session=session,
        writes=[*closing(s, ctx.now, ctx.rules.keep_days), UnlistSurvey(s.id), ctx.audit("close", s.id, s.title)],
        effects=[*closed_notice(s, ctx.key)],
    )


def _not_open_yet(s: Survey, r: str, now: datetime) -> Outcome:
    when = fmt_deadline(s.opens_at, now)
    return Outcome(
        Reply.say(
            f"'{s.title}'{pp(s.title, '은(는)')} {when}에 열리도록 예약되어 있어 아직 받지 않아요. "
            f"열지 않으려면 '삭제 {s.title}', 때를 바꾸려면 '예약 {s.title} <언제>'.",
            quick=[Quick("내 신청서", "내 신청서"), Quick("삭제", f"삭제 {r}"), "메뉴"],
        )
    )


def _refused_close(ctx: Ctx, sid: str) -> Outcome:
    return Outcome(
        Reply.say("내가 만들었거나 공동관리자인 신청만 마감할 수 있어요.", quick=main_quick(ctx.user)),
        writes=[ctx.audit("denied", sid, "마감")],
    )


def closed_notice(s: Survey | SurveyInfo, closer: str = "") -> list[NotifyJob]:
    """The survey's summary for its owner and co-admins (but whoever closed it, who sees it already): none when
    there is nobody else to tell."""
    keys = [k for k in dict.fromkeys([s.owner, *s.coadmins]) if k and k != closer]
    return [NotifyJob(s.id, s.title, keys, closer, kind="closed")] if keys else []


def reopen(ctx: Ctx, t: Target) -> Outcome:
    """재개 <제목>: a deadline that has passed is lifted."""
    s, pool = t.survey, t.pool
    r = ref(s, pool)
    if s.purged_at is not None:
        return purged_reply(s, r, ctx.now)
    if s.is_open(ctx.now):
        return Outcome(
            Reply.say(
                f"'{s.title}'{pp(s.title, '은(는)')} 이미 진행 중이에요.", quick=[Quick("현황", f"현황 {r}"), "메뉴"]
            )
        )
    past = s.deadline is not None and s.deadline <= ctx.now
    note = " 마감 시각이 지나 있어서 마감 없이 열었어요. 닫으려면 '마감 " + s.title + "'." if past else ""
    # Listed again, full or not as the count says (the condition holds the count to that).
    info = dataclasses.replace(s.info(), status=OPEN, deadline=None if past else s.deadline)
    writes: list[Write] = [
        SetSurveyStatus(s.id, OPEN, clear_deadline=past, full=info.full),
        ListSurvey(info),
        *reopening(s),
    ]
    return Outcome(
        Reply.say(
            f"'{s.title}'{pp(s.title, '을(를)')} 다시 열었어요.{note}", quick=[Quick("현황", f"현황 {r}"), "메뉴"]
        ),
        writes=[*writes, ctx.audit("reopen", s.id, s.title)],
    )


def ask_delete(ctx: Ctx, t: Target) -> Outcome:
    """삭제 <제목>: asks first (예 · 아니오)."""
    s = t.survey
    return ctx.ask_first(
        Action.DELETE,
        f"'{s.title}'{pp(s.title, '을(를)')} 삭제할까요? 응답 {shown_count(s)}건과 내려받은 파일도 함께 지워지고 "
        "되돌릴 수 없어요.",
        sid=s.id,
        title=s.title,
    )


def delete(ctx: Ctx, session: Session, sid: str) -> Outcome:
    """The 예 to 삭제: the survey, its answers and its files go (an admin demoted meanwhile is refused)."""
    u = ctx.member
    if not u.is_admin:
        out = denied(ctx, "delete")
        out.session = session  # the question is answered, not left waiting
        return out
    s = ctx.db.get_survey(sid)
    if s is None:
        return Outcome(Reply.say("이미 삭제된 신청이에요.", quick=main_quick(u)), session=session)
    if not s.managed_by(u):
        return Outcome(
            Reply.say("내가 관리하는 신청만 삭제할 수 있어요.", quick=main_quick(u)),
            session=session,
            writes=[ctx.audit("denied", sid, "삭제")],
        )
    me = ctx.me()
    forget_managed(me, sid)
    return Outcome(
        Reply.say(f"'{s.title}'{pp(s.title, '을(를)')} 삭제했어요.", quick=["내 신청서", "메뉴"]),
        user=me,
        session=session,
        writes=[ctx.audit("delete", sid, s.title), DeleteSurvey(sid)],
        effects=[ForgetFiles(sid)],
    )


def coadmin(ctx: Ctx, t: Target) -> Outcome:
    """공동관리자 <제목> <이름>."""
    s, who = t.survey, t.rest
    if not who:
        return Outcome(
            Reply.say(f"함께 관리할 관리자의 이름을 붙여 주세요. 예: 공동관리자 {t.ref} 홍길동", quick=["메뉴"])
        )
    person, many = find_person(ctx, who)
    if person is None:
        return which_person(f"공동관리자 {t.ref}", who, many)
    if not person.is_admin:
        return Outcome(
            Reply.say(
                f"{person.label()}님은 관리자가 아니에요. 슈퍼관리자에게 관리자 등록을 부탁하세요.", quick=["메뉴"]
            )
        )
    if person.key == s.owner or person.key in s.coadmins:
        return Outcome(
            Reply.say(f"{person.label()}님은 이미 '{s.title}'{pp(s.title, '을(를)')} 관리하고 있어요.", quick=["메뉴"])
        )
    return Outcome(
        Reply.say(
            f"{person.label()}님이 '{s.title}'의 공동관리자가 되었어요.",
            quick=[Quick("현황", f"현황 {t.ref}"), "메뉴"],
        ),
        # Their own item remembers it too, so their commands find it without reading every survey.
        writes=[AddCoadmin(s.id, person.key), _shared_with(person, s, ctx), ctx.audit("add_coadmin", s.id, person.key)],
    )


def _shared_with(person: User, s: Survey, ctx: Ctx) -> PutUser:
    person.managed[s.id] = Managed(s.title, int(ctx.now.timestamp()))
    return PutUser(person)


def extend(ctx: Ctx, t: Target) -> Outcome:
    """연장 <제목> <언제>: a new deadline; a closed survey opens again until then. Drafts are untouched."""
    s, pool, when = t.survey, t.pool, t.when
    if s.purged_at is not None:
        return purged_reply(s, ref(s, pool), ctx.now)
    if s.status == SCHEDULED and when is not None and s.opens_at is not None and when <= s.opens_at:
        return Outcome(
            Reply.say(
                f"'{s.title}'{pp(s.title, '은(는)')} {fmt_deadline(s.opens_at, ctx.now)}에 열려요. "
                "마감은 그 뒤로 정해 주세요.",
                quick=["내 신청서", "메뉴"],
            )
        )
    return _extended(ctx, s, pool, when)


def _extended(ctx: Ctx, s: Survey, pool: Sequence[SurveyInfo], when: datetime | None) -> Outcome:
    r = ref(s, pool)
    was_open = s.is_open(ctx.now) or s.status == SCHEDULED
    audit = ctx.audit("extend", s.id, f"{fmt_deadline(s.deadline, ctx.now)} → {fmt_deadline(when, ctx.now)}")
    writes: list[Write]
    if s.status == SCHEDULED:  # it opens at its time, as before, until the new deadline
        writes = [SetSurveyStatus(s.id, SCHEDULED, clear_deadline=when is None, deadline=when), audit]
    else:
        info = dataclasses.replace(s.info(), status=OPEN, deadline=when)
        writes = [
            SetSurveyStatus(s.id, OPEN, clear_deadline=when is None, full=info.full, deadline=when),
            ListSurvey(info),
            *reopening(s),
            audit,
        ]
    said = (
        "마감 없이 열어 뒀어요"
        if when is None
        else f"마감을 {fmt_deadline(when, ctx.now)}{pp(fmt_deadline(when, ctx.now), '(으)로')} 옮겼어요"
    )
    again = "" if was_open else " 마감되어 있던 신청을 다시 열었어요."
    return Outcome(
        Reply.say(
            f"'{s.title}' {said}.{again} 작성 중이던 답은 그대로예요.",
            quick=[Quick("현황", f"현황 {r}"), Quick("마감", f"마감 {r}"), "메뉴"],
        ),
        writes=writes,
    )


def keep_longer(ctx: Ctx, t: Target) -> Outcome:
    """보관 연장 <제목>: the answers are kept the retention period once more (once per survey)."""
    s, pool = t.survey, t.pool
    r = ref(s, pool)
    back: list[Quick | str] = [Quick("현황", f"현황 {r}"), "내 신청서", "메뉴"]
    days = s.keep_days or ctx.rules.keep_days
    if s.status != CLOSED or s.closed_at is None:
        return Outcome(
            Reply.say(
                f"'{s.title}'{pp(s.title, '은(는)')} 아직 마감 전이에요. 응답은 마감 후 {days}일 보관해요.", quick=back
            )
        )
    until = s.keep_until(ctx.rules.keep_days)
    if s.keep_extended:
        return Outcome(
            Reply.say(
                f"보관 연장은 한 번만 할 수 있어요. '{s.title}' 응답은 {fmt_deadline(until, ctx.now)}까지 보관해요.",
                quick=back,
            )
        )
    s.keep_extended = True
    longer = s.keep_until(ctx.rules.keep_days)
    writes: list[Write] = [
        KeepLonger(s.id),
        keep_plan(s, s.closed_at, ctx.rules.keep_days),
        ctx.audit("keep_longer", s.id, f"{fmt_deadline(until, ctx.now)} → {fmt_deadline(longer, ctx.now)}"),
    ]
    return Outcome(
        Reply.say(
            f"'{s.title}' 응답을 {days}일 더, {fmt_deadline(longer, ctx.now)}까지 보관해요. "
            "보관 연장은 이번 한 번이에요.",
            quick=back,
        ),
        writes=writes,
    )
