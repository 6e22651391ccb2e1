"""A member's lists: open surveys meant for me (신청 목록), my submissions (내 신청), what is waiting.

All three come from the listing read with the user; 내 신청 also reads the page it shows of
the surveys I answered that are not listed (closed or full), by key.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.model import SurveyInfo
from chalicelib.domain.reply import Reply
from chalicelib.domain.survey_lookup import listed_for
from chalicelib.domain.titles import Titled, main_quick, page_of, split_page, survey_list, survey_page
from chalicelib.domain.when import deadline_label, fmt_deadline


def _by_deadline(s: Titled) -> str:
    return s.deadline.isoformat() if s.deadline else "9"


def status_of(ctx: Ctx, s: Titled) -> str:
    if s.id in ctx.answered():
        return "응답함"
    if s.id in ctx.session.drafts:
        return "작성 중"
    return "미응답"


def list_open(ctx: Ctx, arg: str) -> Outcome:
    """신청 목록 [쪽]: open surveys meant for me, unanswered first, soonest deadline first."""
    u = ctx.member
    _, page = split_page(f"x {arg}".strip())
    mine = listed_for(ctx)
    items = [s for s in mine if s.is_open(ctx.now)]
    done = ctx.answered()
    items.sort(key=lambda s: (s.id in done, _by_deadline(s)))
    if not items:
        return Outcome(Reply.say("지금 응답할 수 있는 신청이 없어요.", quick=main_quick(u)))

    def line(s: SurveyInfo) -> str:
        return f"• {s.title} — {deadline_label(s.deadline, ctx.now)} · {status_of(ctx, s)}"

    head = f"응답할 수 있는 신청 {len(items)}건" + (f" ({page}쪽)" if page > 1 else "")
    return Outcome(survey_list(head, items, page, line, "신청", "신청 목록", mine))


def list_mine(ctx: Ctx, arg: str) -> Outcome:
    """내 신청 [쪽]: my submissions, open ones first (soonest deadline first), then the rest, latest first."""
    u = ctx.member
    _, page = split_page(f"x {arg}".strip())
    if not u.answered:
        return Outcome(Reply.say("아직 제출한 신청이 없어요.", quick=["신청 목록", "메뉴"]))
    listed = {s.id: s for s in ctx.listed() if s.id in u.answered and s.is_open(ctx.now)}
    open_first = sorted(listed, key=lambda sid: _by_deadline(listed[sid]))
    rest = sorted((sid for sid in u.answered if sid not in listed), key=lambda sid: (-u.answered[sid], sid))
    ids, more = page_of([*open_first, *rest], page)
    read = {s.id: s.info() for s in ctx.db.get_surveys([i for i in ids if i not in listed])}
    shown = [listed.get(i) or read[i] for i in ids if i in listed or i in read]
    gone = [i for i in ids if i not in listed and i not in read]  # deleted since: they leave my list

    def line(s: SurveyInfo) -> str:
        state = s.state_label(ctx.now)
        return f"• {s.title} ({f'{state} · {fmt_deadline(s.deadline, ctx.now)}' if state != '마감' else state})"

    count = len(u.answered) - len(gone)
    if not count:
        reply = Reply.say("아직 제출한 신청이 없어요.", quick=["신청 목록", "메뉴"])
    else:
        reply = survey_page(f"내가 제출한 신청 {count}건", shown, page, more, line, "신청", "내 신청", shown)
    if not gone:
        return Outcome(reply)
    me = ctx.me()
    for sid in gone:
        me.answered.pop(sid, None)
    return Outcome(reply, user=me)


def pending(ctx: Ctx) -> list[SurveyInfo]:
    """Open surveys meant for me that I have not answered, soonest deadline first."""
    done = ctx.answered()
    waiting = [s for s in listed_for(ctx) if s.is_open(ctx.now) and s.id not in done]
    waiting.sort(key=_by_deadline)
    return waiting


def pending_line(waiting: list[SurveyInfo], now: datetime) -> str:
    """'미응답 신청 2건 · BBQ 11/30(월) 18:00 마감' for the menu, '' when nothing waits."""
    if not waiting:
        return ""
    first = waiting[0]
    return f"미응답 신청 {len(waiting)}건 · {first.title} {deadline_label(first.deadline, now)}"
