"""A member's lists: open surveys meant for me (신청 목록), my submissions (내 신청), what is waiting."""

from __future__ import annotations

from chalicelib.domain.common import main_quick, split_page, survey_list, visible_surveys
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.model import Survey
from chalicelib.domain.parsing import fmt_deadline
from chalicelib.domain.reply import Reply


def _by_deadline(s: Survey) -> str:
    return s.deadline.isoformat() if s.deadline else "9"


def status_of(ctx: Ctx, s: Survey) -> str:
    if s.id in ctx.member.answered:
        return "응답함"
    if s.id in ctx.session.drafts:
        return "작성 중"
    return "미응답"


def list_open(ctx: Ctx, arg: str) -> Outcome:
    """신청 목록 [쪽]: open surveys meant for me, unanswered first, soonest deadline first."""
    u = ctx.member
    _, page = split_page(f"x {arg}".strip())
    pool = visible_surveys(ctx)
    items = [s for s in pool if s.is_open(ctx.now) and s.meant_for(u)]
    items.sort(key=lambda s: (s.id in u.answered, _by_deadline(s)))
    if not items:
        return Outcome(Reply.say("지금 응답할 수 있는 신청이 없어요.", quick=main_quick(u)))

    def line(s: Survey) -> str:
        return f"• {s.title} — {fmt_deadline(s.deadline)} 마감 · {status_of(ctx, s)}"

    head = f"응답할 수 있는 신청 {len(items)}건" + (f" ({page}쪽)" if page > 1 else "")
    return Outcome(survey_list(head, items, page, line, "신청", "신청 목록", pool))


def list_mine(ctx: Ctx, arg: str) -> Outcome:
    """내 신청 [쪽]: my submissions, open ones first."""
    u = ctx.member
    _, page = split_page(f"x {arg}".strip())
    pool = visible_surveys(ctx)
    items = [s for s in pool if s.id in u.answered]
    items.sort(key=lambda s: (not s.is_open(ctx.now), _by_deadline(s)))
    if not items:
        return Outcome(Reply.say("아직 제출한 신청이 없어요.", quick=["신청 목록", "메뉴"]))

    def line(s: Survey) -> str:
        return f"• {s.title} ({f'진행 중 · {fmt_deadline(s.deadline)}' if s.is_open(ctx.now) else '마감'})"

    return Outcome(survey_list(f"내가 제출한 신청 {len(items)}건", items, page, line, "신청", "내 신청", pool))


def pending(ctx: Ctx) -> list[Survey]:
    """Open surveys meant for me that I have not answered, soonest deadline first."""
    u = ctx.member
    waiting = [s for s in ctx.surveys() if s.is_open(ctx.now) and s.meant_for(u) and s.id not in u.answered]
    waiting.sort(key=_by_deadline)
    return waiting


def pending_line(waiting: list[Survey]) -> str:
    """'미응답 신청 2건 · BBQ 11/30 18:00 마감' for the menu, '' when nothing waits."""
    if not waiting:
        return ""
    first = waiting[0]
    line = f"미응답 신청 {len(waiting)}건 · {first.title} {fmt_deadline(first.deadline)}"
    return line + (" 마감" if first.deadline else "")
