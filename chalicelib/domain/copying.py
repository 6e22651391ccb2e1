"""복사: a survey's form again, with the next period's title and deadline, on the wizard's preview."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta

from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.model import (
    KST,
    Survey,
    target_units,
)
from chalicelib.domain.particles import pp
from chalicelib.domain.session import Flow
from chalicelib.domain.targets import Target
from chalicelib.domain.when import fmt_when
from chalicelib.domain.wizard import prompt
from chalicelib.domain.wizard_state import Form, WizardState
from chalicelib.domain.wizard_steps import MAX_TITLE

_TRAILING_DATE = re.compile(r"\s*\d{1,2}/\d{1,2}$")


COPY_TRIES = 5  # titles of the next periods looked up (one index lookup each) before asking for one


def next_round(ctx: Ctx, s: Survey) -> tuple[str, datetime | None]:
    """The next period of ``s`` as a copy of it: its title with that period's date ('주간 식수 12/1' → '주간 식수
    12/8'), one not taken, and its deadline as many weeks later (a future one: an old survey's is moved on by
    whole weeks). ("", None) when the titles tried are all taken."""
    base = _TRAILING_DATE.sub("", s.title).strip() or s.title
    start = (s.deadline or ctx.now).astimezone(KST)
    weeks, tried = 1, 0
    while s.deadline is not None and start + timedelta(weeks=weeks) <= ctx.now:
        weeks += 1
    while tried < COPY_TRIES:
        day = start + timedelta(weeks=weeks)
        title = f"{base[: MAX_TITLE - 6]} {day.month}/{day.day}"
        if not ctx.db.surveys_titled(title):
            return title, day if s.deadline is not None else None
        weeks, tried = weeks + 1, tried + 1
    return "", None


def copy_survey(ctx: Ctx, t: Target) -> Outcome:
    """복사 <제목>: the preview of its next period: the survey's questions, description, target, cap, privacy,
    retention and reminders, with the next period's title and deadline. Anything is changed there ('수정 2',
    '수정 마감', '수정 대상', …) before 개설."""
    s = t.survey
    session = ctx.state()
    replaced = session.wizard is not None
    session.idle()
    session.flow = Flow.CREATING
    title, deadline = next_round(ctx, s)
    units = list(ctx.member.units) if ctx.member.scoped else []  # an admin of some units: for those only
    form = Form(
        title=title,
        description=s.description,
        questions=copy.deepcopy(s.questions),
        deadline=deadline.isoformat() if deadline is not None else None,
        deadline_said=fmt_when(deadline, ctx.now) if deadline is not None else "",
        target=s.target_unit if not units or set(target_units(s.target_unit)) <= set(units) else ",".join(units),
        cap=s.cap,
        auto_remind=list(s.auto_remind),
        copied=True,
        ask_remind=ctx.reminders,
        mode=s.mode,
        keep_days=s.keep_days,
        keep_default=ctx.rules.keep_days,
        units=units,
    )
    note = f"'{s.title}'{pp(s.title, '을(를)')} 복사했어요: 질문 {len(s.questions)}개와 대상, 정원을 그대로 가져왔어요."
    if title:
        session.wizard = WizardState("preview", form)
        note += " 제목과 마감은 다음 회차로 맞췄어요. 고칠 것은 '수정'으로, 이대로면 '개설'."
    else:  # the next periods' titles are taken: a title first, then the deadline, then the preview
        session.wizard = WizardState("title", form)
    if replaced:
        note += " 만들던 다른 신청서는 지웠어요."
    return Outcome(prompt(session.wizard, ctx.now, note), session=session)
