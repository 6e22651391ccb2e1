"""Admin commands over surveys: my surveys, 현황, 미응답, close, reopen, delete, downloads, co-admins.

Every command checks ownership here, in the core (the role is checked by the commands
table); a refused attempt is answered politely and written to the audit trail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain import tally
from chalicelib.domain.audience import Person, audience
from chalicelib.domain.common import main_quick, page_of, ref, split_page, survey_page
from chalicelib.domain.context import Ctx, ExportJob, NotifyJob, Outcome
from chalicelib.domain.finding import for_admin, forget_managed, managed_pool
from chalicelib.domain.model import (
    CLOSED,
    MANAGED_KEPT,
    MODE_NAMES,
    OPEN,
    SCHEDULED,
    Managed,
    Survey,
    SurveyInfo,
    User,
    target_label,
)
from chalicelib.domain.parsing import DEADLINE_EXAMPLES, moment_or_ask
from chalicelib.domain.people import find_person, which_person
from chalicelib.domain.privacy import ANONYMOUS_NOTE, as_shown, batch_note, shown, shown_count
from chalicelib.domain.repeat import describe
from chalicelib.domain.reply import Quick, QuickLike, Reply, offered
from chalicelib.domain.retention import closing, keep_label, purged_reply, reopening
from chalicelib.domain.session import Action, Session
from chalicelib.domain.when import fmt_deadline
from chalicelib.domain.words import pp
from chalicelib.domain.writes import (
    AddCoadmin,
    DeleteSurvey,
    ListSurvey,
    PutUser,
    SetSurveyStatus,
    UnlistSurvey,
    Write,
)

NAMES_PER_PAGE = 60


def denied(ctx: Ctx, action: str, what: str = "관리자") -> Outcome:
    """A polite refusal, audited."""
    return Outcome(
        Reply.say(f"{what}만 쓸 수 있는 명령이에요.", quick=main_quick(ctx.user)), writes=[ctx.audit("denied", action)]
    )


def _resolve(ctx: Ctx, cmd: str, arg: str) -> tuple[Survey, list[SurveyInfo]] | Outcome:
    return for_admin(ctx, cmd, arg)


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
        if kept := keep_label(s, ctx.keep_days, ctx.now):
            state += f" · {kept}"
        cap = f"/{s.cap}" if s.cap else ""
        return f"• {s.title} — {state} · 응답 {shown_count(s)}{cap} · {fmt_deadline(s.deadline, ctx.now)}"

    gone = set(ids) - {s.id for s in shown}  # deleted since: they leave the admin's list
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


def _with_answers(ctx: Ctx, cmd: str, arg: str) -> tuple[Survey, list[SurveyInfo]] | Outcome:
    """The admin's survey ``arg`` names for a command that reads its answers, or the reply instead (also when
    its retention is over and the answers are gone)."""
    found = _resolve(ctx, cmd, arg)
    if not isinstance(found, Outcome) and found[0].purged_at is not None:
        return purged_reply(found[0], ref(found[0], found[1]), ctx.now)
    return found


def status(ctx: Ctx, arg: str) -> Outcome:
    """현황 <제목>: count vs target, per-question totals (options, capacity, sums), per-unit breakdown."""
    found = _with_answers(ctx, "현황", arg)
    if isinstance(found, Outcome):
        return found
    s, pool = found
    answers = shown(s, ctx.db.list_answers(s.id))  # of a survey kept without names: full batches only
    people = audience(ctx.db, s, answers)
    state = s.state_label(ctx.now)
    s = as_shown(s, answers)
    cap = f" · 최대 {s.cap}" if s.cap else ""
    pct = tally.rate(people.answered_here, people.target)
    rate = f", {pct}%" if pct is not None else ""
    head = [
        f"[{s.title}] 현황 ({state} · {fmt_deadline(s.deadline, ctx.now)})",
        f"응답 {people.answered_here}명 / 대상 {people.target}명 ({target_label(s.target_unit)}{rate}){cap}",
    ]
    if people.outside:
        head.append(f"대상 밖 응답 {people.outside}명 (명단에서 빠졌거나 다른 소속으로 옮긴 사람)")
    if s.anonymous:
        head.append(f"응답 방식: {MODE_NAMES[s.mode]} (답은 이름 없이 저장)")
        if note := batch_note(s):
            head.append(note)
    body = "\n".join(head + tally.by_question(s, answers))
    units = "" if s.anonymous else "\n".join(tally.by_unit(s, answers))
    r = ref(s, pool)
    toggle = Quick("재개", f"재개 {r}") if not s.is_open(ctx.now) else Quick("마감", f"마감 {r}")
    quick: list[QuickLike] = [
        Quick("미응답", f"미응답 {r}"),
        Quick("결과 보기", f"결과 보기 {r}"),
        Quick("다운로드", f"다운로드 {r}"),
        toggle,
        Quick("공동관리자", f"공동관리자 {r}"),
        "내 신청서",
        "메뉴",
    ]
    return Outcome(Reply.say(body, units, quick=quick))


def missing(ctx: Ctx, arg: str) -> Outcome:
    """미응답 <제목> [쪽]: the target's people who have not answered: registered but silent, and (with a roster)
    not registered yet, per unit, with their marks where names repeat."""
    title, page = split_page(arg)
    found = _resolve(ctx, "미응답", title)
    if isinstance(found, Outcome) and page > 1:  # a title that ends in a number
        found, page = _resolve(ctx, "미응답", arg), 1
    if isinstance(found, Outcome):
        return found
    s, pool = found
    r = ref(s, pool)
    if s.is_full() and s.is_open(ctx.now):
        return Outcome(
            Reply.say(
                f"[{s.title}] 정원 {s.cap}명이 다 찼어요. 더 받지 않으니 미응답을 챙길 필요가 없어요.",
                quick=[
                    Quick("현황", f"현황 {r}"),
                    Quick("결과 보기", f"결과 보기 {r}"),
                    Quick("다운로드", f"다운로드 {r}"),
                    "메뉴",
                ],
            )
        )
    people = audience(ctx.db, s)
    if people.answered is None:
        return Outcome(
            Reply.say(
                f"[{s.title}] 응답 {people.responses}명 / 대상 {people.target}명. {ANONYMOUS_NOTE}",
                quick=[Quick("현황", f"현황 {r}"), Quick("다운로드", f"다운로드 {r}"), "메뉴"],
            )
        )
    silent, waiting = people.silent, people.waiting
    quick: list[QuickLike] = [Quick("현황", f"현황 {r}")]
    if not silent and not waiting:
        return Outcome(Reply.say(f"[{s.title}] 대상자 모두 응답했어요.", quick=[*quick, "메뉴"]))
    lines = [
        f"[{s.title}] 미응답 {len(silent) + len(waiting)}명 / 대상 {people.target}명"
        + (f" ({page}쪽)" if page > 1 else "")
    ]
    if s.anonymous and (note := batch_note(s)):
        lines.append(note)
    if people.roster:
        lines.append(f"등록했지만 응답 안 함 {len(silent)}명 · 아직 등록 안 함 {len(waiting)}명")
        lines += [f"• {u}: 응답 안 함 {a}명 · 미등록 {b}명" for u, (a, b) in people.per_unit().items()]
    start = (page - 1) * NAMES_PER_PAGE
    named = [("응답 안 함", people.label(p)) for p in silent] + [("미등록", people.label(p)) for p in waiting]
    shown = named[start : start + NAMES_PER_PAGE]
    for part in ("응답 안 함", "미등록"):
        names = [label for which, label in shown if which == part]
        if names:
            lines.append((f"{part}: " if people.roster else "") + ", ".join(names))
    if len(named) > start + NAMES_PER_PAGE:
        quick.insert(0, Quick("더보기", f"미응답 {r} {page + 1}"))
    return Outcome(Reply.say("\n".join(lines), quick=[*quick, "메뉴"]))


def ask_close(ctx: Ctx, arg: str) -> Outcome:
    """마감 <제목>: asks first (예 · 아니오), saying how many answered."""
    found = _resolve(ctx, "마감", arg)
    if isinstance(found, Outcome):
        return found
    s, pool = found
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
            quick=[
                Quick("현황", f"현황 {r}"),
                Quick("결과 보기", f"결과 보기 {r}"),
                Quick("다운로드", f"다운로드 {r}"),
                Quick("재개", f"재개 {r}"),
            ],
        ),
        session=session,
        writes=[*closing(s, ctx.now, ctx.keep_days), UnlistSurvey(s.id), ctx.audit("close", s.id, s.title)],
        notify=closed_notice(s, ctx.key),
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


def closed_notice(s: Survey | SurveyInfo, closer: str = "") -> NotifyJob | None:
    """The survey's summary for its owner and co-admins (but whoever closed it, who sees it already)."""
    keys = [k for k in dict.fromkeys([s.owner, *s.coadmins]) if k and k != closer]
    return NotifyJob(s.id, s.title, keys, closer, kind="closed") if keys else None


def reopen(ctx: Ctx, arg: str) -> Outcome:
    """재개 <제목>: a deadline that has passed is lifted."""
    found = _resolve(ctx, "재개", arg)
    if isinstance(found, Outcome):
        return found
    s, pool = found
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


def ask_delete(ctx: Ctx, arg: str) -> Outcome:
    """삭제 <제목>: asks first (예 · 아니오)."""
    found = _resolve(ctx, "삭제", arg)
    if isinstance(found, Outcome):
        return found
    s, _ = found
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
    )


def download(ctx: Ctx, arg: str) -> Outcome:
    """다운로드 <제목>: the service builds the files (now, or in the background when big)."""
    found = _with_answers(ctx, "다운로드", arg)
    if isinstance(found, Outcome):
        return found
    s, _ = found
    return Outcome(
        Reply.say("파일을 만들고 있어요."),
        writes=[ctx.audit("download", s.id, s.title)],
        export=ExportJob([s.id], surveys=[s]),
    )


def results_page(ctx: Ctx, arg: str) -> Outcome:
    """결과 보기 <제목>: the service draws the results page (aggregates only) and hands out a short-lived link."""
    found = _with_answers(ctx, "결과 보기", arg)
    if isinstance(found, Outcome):
        return found
    s, pool = found
    answers = shown(s, ctx.db.list_answers(s.id))
    people = audience(ctx.db, s, answers)
    s = as_shown(s, answers)
    silent: list[Person] = []
    waiting: list[Person] | None = None
    if people.answered is not None:  # 익명: nobody knows who has not answered
        silent = people.silent
        waiting = people.waiting if people.roster else None
    from chalicelib.domain import results  # only this command draws a results page

    page = results.gather(s, answers, people.target, silent, waiting, ctx.now, people.answered_here)
    r = ref(s, pool)
    quick: list[QuickLike] = [Quick("현황", f"현황 {r}"), Quick("다운로드", f"다운로드 {r}"), "내 신청서", "메뉴"]
    return Outcome(Reply.say(f"{s.title} 결과", quick=quick), writes=[ctx.audit("report", s.id, s.title)], report=page)


def master_key(ctx: Ctx, arg: str) -> Outcome:
    """마스터키: one workbook with every survey (super admin)."""
    ids = [s.id for s in ctx.db.all_surveys()]
    if not ids:
        return Outcome(Reply.say("아직 신청이 하나도 없어요.", quick=main_quick(ctx.user)))
    return Outcome(
        Reply.say("전체 파일을 만들고 있어요."),
        writes=[ctx.audit("download_all", "*", f"{len(ids)}건")],
        export=ExportJob(ids, master=True),
    )


def coadmin(ctx: Ctx, arg: str) -> Outcome:
    """공동관리자 <제목> <이름>."""
    title, _, who = arg.rpartition(" ")
    if not title or not who:
        only = _resolve(ctx, "공동관리자", arg)
        if isinstance(only, Outcome):
            return only
        s, pool = only
        return Outcome(
            Reply.say(f"함께 관리할 관리자의 이름을 붙여 주세요. 예: 공동관리자 {ref(s, pool)} 홍길동", quick=["메뉴"])
        )
    found = _resolve(ctx, "공동관리자", title)
    if isinstance(found, Outcome):
        return found
    s, pool = found
    person, many = find_person(ctx, who)
    if person is None:
        return which_person(f"공동관리자 {ref(s, pool)}", who, many)
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
            quick=[Quick("현황", f"현황 {ref(s, pool)}"), "메뉴"],
        ),
        # Their own item remembers it too, so their commands find it without reading every survey.
        writes=[AddCoadmin(s.id, person.key), _shared_with(person, s, ctx), ctx.audit("add_coadmin", s.id, person.key)],
    )


def _shared_with(person: User, s: Survey, ctx: Ctx) -> PutUser:
    person.managed[s.id] = Managed(s.title, int(ctx.now.timestamp()))
    return PutUser(person)


def extend(ctx: Ctx, arg: str) -> Outcome:
    """연장 <제목> <언제>: a new deadline; a closed survey opens again until then. Drafts are untouched."""
    found = survey_and_moment(ctx, "연장", arg, "언제까지인지", "연장 BBQ 회식 금요일 18시", lifts=True)
    if isinstance(found, Outcome):
        return found
    s, pool, when = found
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


def survey_and_moment(
    ctx: Ctx, cmd: str, arg: str, what: str, example: str, lifts: bool = False
) -> tuple[Survey, list[SurveyInfo], datetime | None] | Outcome:
    """'<제목> <언제>' of a command: the admin's survey and the moment (None: '없음', where ``lifts``), or the
    reply to give instead. The longest title that names one of my surveys wins; the rest is the moment
    ('주간 식수 금요일 18시')."""
    words = arg.split()
    first_miss: Outcome | None = None
    for cut in range(len(words) - 1, 0, -1):
        title, said = " ".join(words[:cut]), " ".join(words[cut:])
        lift = lifts and said in ("없음", "마감 없음")
        when, why = (None, None) if lift else moment_or_ask(said, ctx.now)
        found = for_admin(ctx, cmd, title)
        if isinstance(found, Outcome):
            if found.writes:  # someone else's survey of exactly that title: refused (and audited)
                return found
            if when is not None or lift or offered(why):
                first_miss = first_miss or found
            continue
        if when is None and not lift:
            r = ref(found[0], found[1])  # '오전 7시' · '오후 7시': the whole command again, one tap away
            choices = [Quick(q.label, f"{cmd} {r} {q.text}") for q in offered(why) if isinstance(q, Quick)]
            return Outcome(Reply.say(why or DEADLINE_EXAMPLES, quick=[*choices, "내 신청서", "메뉴"]))
        return found[0], found[1], when
    if first_miss is not None:
        return first_miss
    return Outcome(Reply.say(f"{what} 붙여 주세요. 예: {example}. {DEADLINE_EXAMPLES}", quick=["내 신청서", "메뉴"]))


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
