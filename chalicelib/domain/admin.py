"""Admin commands over surveys: my surveys, 현황, 미응답, close, reopen, delete, downloads, co-admins.

Every command checks ownership here, in the core (the role is checked by the commands
table); a refused attempt is answered politely and written to the audit trail.
"""

from __future__ import annotations

from chalicelib.domain import tally
from chalicelib.domain.common import (
    choose_reply,
    find_survey,
    main_quick,
    managed_surveys,
    ref,
    split_page,
    survey_list,
)
from chalicelib.domain.context import Ctx, ExportJob, Outcome
from chalicelib.domain.model import CLOSED, OPEN, Survey
from chalicelib.domain.parsing import fmt_deadline
from chalicelib.domain.people import find_person, which_person
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.session import Action, Session
from chalicelib.domain.writes import AddCoadmin, DeleteSurvey, SetSurveyStatus

NAMES_PER_PAGE = 60


def denied(ctx: Ctx, action: str, what: str = "관리자") -> Outcome:
    """A polite refusal, audited."""
    return Outcome(
        Reply.say(f"{what}만 쓸 수 있는 명령이에요.", quick=main_quick(ctx.user)), writes=[ctx.audit("denied", action)]
    )


def _resolve(ctx: Ctx, cmd: str, arg: str) -> tuple[Survey, list[Survey]] | Outcome:
    """The survey this admin manages that ``arg`` names (and the pool it was found in), or the reply
    to give instead: a choice, not found, or a refusal for someone else's survey."""
    pool = managed_surveys(ctx)
    found = find_survey(arg, pool)
    if found.survey is not None:
        return found.survey, pool
    if not found.choices:
        # Someone else's survey by exact title: refuse (and audit) rather than say "not found".
        others = find_survey(arg, ctx.surveys())
        if others.survey is not None:
            return Outcome(
                Reply.say("내가 만들었거나 공동관리자인 신청만 다룰 수 있어요.", quick=["내 신청서", "메뉴"]),
                writes=[ctx.audit("denied", others.survey.id, cmd)],
            )
    return Outcome(choose_reply(cmd, arg, found, pool, "'내 신청서'에서 골라 주세요."))


def my_surveys(ctx: Ctx, arg: str) -> Outcome:
    """내 신청서 [쪽]: open ones first, then by creation."""
    _, page = split_page(f"x {arg}".strip())
    pool = managed_surveys(ctx)
    if not pool:
        return Outcome(Reply.say("아직 만든 신청서가 없어요.", quick=["신청 만들기", "메뉴"]))
    pool.sort(key=lambda s: (not s.is_open(ctx.now), s.created_at))

    def line(s: Survey) -> str:
        state = "진행 중" if s.is_open(ctx.now) else "마감"
        cap = f"/{s.cap}" if s.cap else ""
        return f"• {s.title} — {state} · 응답 {s.response_count}{cap} · {fmt_deadline(s.deadline)}"

    return Outcome(survey_list(f"내 신청서 {len(pool)}건", pool, page, line, "현황", "내 신청서", pool))


def status(ctx: Ctx, arg: str) -> Outcome:
    """현황 <제목>: count vs target, per-question totals (options, capacity, sums), per-unit breakdown."""
    found = _resolve(ctx, "현황", arg)
    if isinstance(found, Outcome):
        return found
    s, pool = found
    answers = ctx.db.list_answers(s.id)
    target = ctx.db.list_users(s.target_unit)
    state = "진행 중" if s.is_open(ctx.now) else "마감"
    cap = f" · 최대 {s.cap}" if s.cap else ""
    head = [
        f"[{s.title}] 현황 ({state} · {fmt_deadline(s.deadline)})",
        f"응답 {len(answers)}명 / 대상 {len(target)}명 ({s.target_unit or '전체'}){cap}",
    ]
    body = "\n".join(head + tally.by_question(s, answers))
    units = "\n".join(tally.by_unit(s, answers))
    r = ref(s, pool)
    toggle = Quick("재개", f"재개 {r}") if not s.is_open(ctx.now) else Quick("마감", f"마감 {r}")
    quick: list[QuickLike] = [
        Quick("미응답", f"미응답 {r}"),
        Quick("다운로드", f"다운로드 {r}"),
        toggle,
        Quick("공동관리자", f"공동관리자 {r}"),
        "내 신청서",
        "메뉴",
    ]
    return Outcome(Reply.say(body, units, quick=quick))


def missing(ctx: Ctx, arg: str) -> Outcome:
    """미응답 <제목> [쪽]: registered members of the target who have not answered."""
    title, page = split_page(arg)
    found = _resolve(ctx, "미응답", title)
    if isinstance(found, Outcome) and page > 1:  # a title that ends in a number
        found, page = _resolve(ctx, "미응답", arg), 1
    if isinstance(found, Outcome):
        return found
    s, pool = found
    answered = {a.user_key for a in ctx.db.list_answers(s.id)}
    people = sorted(
        (u for u in ctx.db.list_users(s.target_unit) if u.key not in answered), key=lambda u: (u.unit, u.name)
    )
    r = ref(s, pool)
    if not people:
        return Outcome(Reply.say(f"[{s.title}] 대상자 모두 응답했어요.", quick=[Quick("현황", f"현황 {r}"), "메뉴"]))
    start = (page - 1) * NAMES_PER_PAGE
    shown = people[start : start + NAMES_PER_PAGE]
    lines = [f"[{s.title}] 미응답 {len(people)}명" + (f" ({page}쪽)" if page > 1 else "")]
    lines.append(", ".join(u.label() for u in shown))
    quick: list[QuickLike] = [Quick("현황", f"현황 {r}")]
    if len(people) > start + NAMES_PER_PAGE:
        quick.insert(0, Quick("더보기", f"미응답 {r} {page + 1}"))
    return Outcome(Reply.say("\n".join(lines), quick=[*quick, "메뉴"]))


def close(ctx: Ctx, arg: str) -> Outcome:
    """마감 <제목>."""
    found = _resolve(ctx, "마감", arg)
    if isinstance(found, Outcome):
        return found
    s, pool = found
    r = ref(s, pool)
    if s.status == CLOSED:
        return Outcome(
            Reply.say(f"'{s.title}'은(는) 이미 마감되어 있어요.", quick=[Quick("재개", f"재개 {r}"), "메뉴"])
        )
    return Outcome(
        Reply.say(
            f"'{s.title}'을(를) 마감했어요. 응답 {s.response_count}명. 다시 열려면 '재개 {s.title}'.",
            quick=[Quick("현황", f"현황 {r}"), Quick("다운로드", f"다운로드 {r}"), Quick("재개", f"재개 {r}")],
        ),
        writes=[SetSurveyStatus(s.id, CLOSED), ctx.audit("close", s.id, s.title)],
    )


def reopen(ctx: Ctx, arg: str) -> Outcome:
    """재개 <제목>: a deadline that has passed is lifted."""
    found = _resolve(ctx, "재개", arg)
    if isinstance(found, Outcome):
        return found
    s, pool = found
    r = ref(s, pool)
    if s.is_open(ctx.now):
        return Outcome(Reply.say(f"'{s.title}'은(는) 이미 진행 중이에요.", quick=[Quick("현황", f"현황 {r}"), "메뉴"]))
    past = s.deadline is not None and s.deadline <= ctx.now
    note = " 마감 시각이 지나 있어서 마감 없이 열었어요. 닫으려면 '마감 " + s.title + "'." if past else ""
    return Outcome(
        Reply.say(f"'{s.title}'을(를) 다시 열었어요.{note}", quick=[Quick("현황", f"현황 {r}"), "메뉴"]),
        writes=[SetSurveyStatus(s.id, OPEN, clear_deadline=past), ctx.audit("reopen", s.id, s.title)],
    )


def ask_delete(ctx: Ctx, arg: str) -> Outcome:
    """삭제 <제목>: asks first (예 · 아니오)."""
    found = _resolve(ctx, "삭제", arg)
    if isinstance(found, Outcome):
        return found
    s, _ = found
    session = ctx.state()
    session.confirm(Action.DELETE, s.id, s.title)
    return Outcome(
        Reply.say(
            f"'{s.title}'을(를) 삭제할까요? 응답 {s.response_count}건과 내려받은 파일도 함께 지워지고 "
            "되돌릴 수 없어요.",
            quick=["예", "아니오"],
        ),
        session=session,
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
    return Outcome(
        Reply.say(f"'{s.title}'을(를) 삭제했어요.", quick=["내 신청서", "메뉴"]),
        session=session,
        writes=[ctx.audit("delete", sid, s.title), DeleteSurvey(sid)],
    )


def download(ctx: Ctx, arg: str) -> Outcome:
    """다운로드 <제목>: the service builds the files (now, or in the background when big)."""
    found = _resolve(ctx, "다운로드", arg)
    if isinstance(found, Outcome):
        return found
    s, _ = found
    return Outcome(
        Reply.say("파일을 만들고 있어요."), writes=[ctx.audit("download", s.id, s.title)], export=ExportJob([s.id])
    )


def master_key(ctx: Ctx, arg: str) -> Outcome:
    """마스터키: one workbook with every survey (super admin)."""
    ids = [s.id for s in ctx.surveys()]
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
        return Outcome(Reply.say(f"{person.label()}님은 이미 '{s.title}'을(를) 관리하고 있어요.", quick=["메뉴"]))
    return Outcome(
        Reply.say(
            f"{person.label()}님이 '{s.title}'의 공동관리자가 되었어요.",
            quick=[Quick("현황", f"현황 {ref(s, pool)}"), "메뉴"],
        ),
        writes=[AddCoadmin(s.id, person.key), ctx.audit("add_coadmin", s.id, person.key)],
    )
