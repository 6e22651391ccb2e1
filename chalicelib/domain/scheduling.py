"""Surveys that open by themselves: 예약 (once, at a time) and 반복 (a fresh copy every period).

The schedule is one item (``Reader.planned``) that only the scheduled job reads, every
minute: members never see a survey before it opens, and no chat message reads the
schedule. Each change of a survey's plan rides in the same transaction as the change of
the survey itself (see ``writes.Plan``).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.model import KST, OPEN, SCHEDULED, Survey
from chalicelib.domain.particles import pp
from chalicelib.domain.repeat import describe, next_period, opening, period_title, plan_of, shape
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.targets import Target
from chalicelib.domain.when import fmt_deadline
from chalicelib.domain.wizard_steps import MAX_TITLE
from chalicelib.domain.writes import Plan, SetRepeat, SetSurveyStatus, UnlistSurvey, Unplan, Write


def schedule(ctx: Ctx, t: Target) -> Outcome:
    """예약 <제목> <언제>: a survey nobody answered yet opens by itself then; until then members do not see it."""
    s, r, when = t.survey, t.ref, t.when
    if when is None:  # 예약 does not take '없음'
        return Outcome(Reply.say("언제 열지 붙여 주세요.", quick=["내 신청서", "메뉴"]))
    back: list[QuickLike] = [Quick("현황", f"현황 {r}"), "내 신청서", "메뉴"]
    if s.status not in (OPEN, SCHEDULED) or (s.status == OPEN and not s.is_open(ctx.now)):
        return Outcome(Reply.say(f"'{s.title}'{pp(s.title, '은(는)')} 마감되어 예약할 수 없어요.", quick=back))
    if s.response_count:
        return Outcome(
            Reply.say(f"'{s.title}'에는 이미 응답이 {s.response_count}건 있어 예약으로 돌릴 수 없어요.", quick=back)
        )
    if s.deadline is not None and when >= s.deadline:
        return Outcome(Reply.say(f"여는 때는 마감({fmt_deadline(s.deadline, ctx.now)})보다 앞이어야 해요.", quick=back))
    if s.repeat and (why := shape(s.deadline, when, s.repeat).problem):
        return Outcome(Reply.say(why, quick=back))
    writes: list[Write] = [
        SetSurveyStatus(s.id, SCHEDULED, expect=s.status, opens_at=when),
        UnlistSurvey(s.id),
        Plan(plan_of(dataclasses.replace(s, opens_at=when, status=SCHEDULED), ctx.now, when, s.repeat)),
        ctx.audit("schedule", s.id, fmt_deadline(when, ctx.now)),
    ]
    return Outcome(
        Reply.say(
            f"'{s.title}'{pp(s.title, '을(를)')} {fmt_deadline(when, ctx.now)}에 열도록 예약했어요. "
            "그때까지는 구성원에게 보이지 않아요.",
            quick=back,
        ),
        writes=writes,
    )


def repeat(ctx: Ctx, t: Target) -> Outcome:
    """반복 <제목> <매주 월 9시 | 매월 1일>: a fresh copy of the survey opens every period."""
    s, r, rule = t.survey, t.ref, t.rest
    back: list[QuickLike] = [Quick("현황", f"현황 {r}"), "내 신청서", "메뉴"]
    if s.origin:
        return Outcome(Reply.say("반복으로 만들어진 회차예요. 처음 신청서에서 반복을 바꿔 주세요.", quick=back))
    made = shape(s.deadline, opening(s), rule, ctx.now)
    if made.problem:
        if made.nearest is None:
            return Outcome(Reply.say(made.problem, quick=back))
        near = fmt_deadline(made.nearest, ctx.now)
        at = made.nearest.astimezone(KST)
        move = Quick(f"마감 {at.month}/{at.day} {at:%H:%M}", f"연장 {r} {at.month}/{at.day} {at:%H:%M}")
        return Outcome(
            Reply.say(
                f"{made.problem} 마감을 {near}{pp(near, '(으)로')} 옮기면 반복할 수 있어요.",
                f"옮긴 뒤 다시 '반복 {s.title} {describe(rule)}'.",
                quick=[move, *back],
            )
        )
    opens_at = s.opens_at if s.status == SCHEDULED else None
    planned = plan_of(s, ctx.now, opens_at, rule)
    writes: list[Write] = [SetRepeat(s.id, rule), Plan(planned), ctx.audit("repeat", s.id, describe(rule))]
    following = planned.next or next_period(rule, ctx.now)
    nxt = _next_title(s, following)
    until = f"~{fmt_deadline(following + timedelta(seconds=made.lasts), ctx.now)}" if made.lasts is not None else ""
    return Outcome(
        Reply.say(
            f"'{s.title}'{pp(s.title, '을(를)')} {describe(rule)}마다 새로 열어요. "
            f"다음은 {fmt_deadline(following, ctx.now)}{until}, 제목은 '{nxt}'{pp(nxt, '이에요(예요)')}.",
            f"그만하려면 '반복 중지 {s.title}'.",
            quick=back,
        ),
        writes=writes,
    )


def _next_title(s: Survey, at: datetime) -> str:

    return period_title(s.title, at, MAX_TITLE)


def stop_repeat(ctx: Ctx, t: Target) -> Outcome:
    """반복 중지 <제목>: no more periods (of the survey named, or of the one it was copied from)."""
    s = t.survey
    origin = s
    if s.origin:
        origin = ctx.db.get_survey(s.origin) or s
    if not origin.repeat:
        return Outcome(Reply.say(f"'{s.title}'{pp(s.title, '은(는)')} 반복하지 않아요.", quick=["내 신청서", "메뉴"]))
    writes: list[Write] = [SetRepeat(origin.id, ""), ctx.audit("repeat_stop", origin.id, origin.title)]
    writes.append(
        Unplan(origin.id) if origin.status != SCHEDULED else Plan(plan_of(origin, ctx.now, origin.opens_at, ""))
    )
    return Outcome(
        Reply.say(
            f"'{origin.title}' 반복을 멈췄어요. 이미 열린 회차는 그대로예요.",
            quick=["내 신청서", "메뉴"],
        ),
        writes=writes,
    )
