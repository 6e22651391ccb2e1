"""Submitting, editing and withdrawing an answer: each one transaction of the answer, the survey's counters, its
aggregate (the figures its admins see) and the member (see domain.writes for the conditions)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from chalicelib.domain import aggregates, census, survey_lookup
from chalicelib.domain.asking import answered_unnamed, ask, drop_draft, reopen
from chalicelib.domain.conditions import asked, unasked
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.effects import DeferAnswer, Effect
from chalicelib.domain.kinds import is_blank, option_deltas
from chalicelib.domain.model import PRESENCE, Answer, Survey, User, option_key
from chalicelib.domain.particles import pp
from chalicelib.domain.privacy import (
    BATCH_KEY,
    batch_for,
    participated,
    participation,
    unnamed_answer,
)
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.session import Action, Draft, Session
from chalicelib.domain.titles import OPENS, choose_reply, main_quick
from chalicelib.domain.when import until_label
from chalicelib.domain.writes import AddToAggregate, CountResponse, DeleteAnswer, ListSurvey, PutAnswer, PutUser, Write

if TYPE_CHECKING:
    from chalicelib.domain.targets import Target


def submit(ctx: Ctx, session: Session, d: Draft) -> Outcome:
    """제출: one transaction of answer + counters + user (see domain.writes for the conditions)."""
    sid = d.survey_id
    # 대리 응답: the answer is the person's, not the admin's who enters it
    s, existing = ctx.db.get_survey_and_answer(sid, d.proxy["person"]) if d.proxy else ctx.survey_and_answer(sid)
    u = ctx.me()
    if s is None:
        return _dropped(session, d, u, "이 신청은 삭제되었어요. 작성하던 답은 지웠어요.")
    # Entered for me by an admin while I was answering (대리 응답): my own answer takes its place, as an edit of it.
    replacing = existing is not None and bool(existing.entered_by) and not d.proxy and d.answer_version == 0
    if replacing and existing is not None:
        d.answer_version = existing.version
    refused = _refusal(ctx, session, d, s, existing)
    if refused is not None:
        return refused
    if s.anonymous:
        existing = None
    deltas = option_deltas(d.questions, existing.values if existing else {}, d.values)
    limits = s.capacities()
    for q in s.questions:
        for o, cap in q.capacity.items():
            k = option_key(q.id, o)
            if deltas.get(k, 0) > 0 and s.option_counts.get(k, 0) + deltas[k] > cap:
                reopen(d, next(i for i, x in enumerate(d.questions) if x.id == q.id))
                said = f"'{o}'{pp(o, '은(는)')} 방금 정원이 찼어요. 다른 보기를 골라 주세요."
                return Outcome(ask(ctx, d, said), session=session)
    held = _held(s, deltas)
    count = CountResponse(
        sid,
        ctx.now,
        response_delta=0 if existing else 1,
        option_deltas=held,
        cap=s.cap,
        limits={k: v for k, v in limits.items() if k in held},
    )
    answer = _answer(ctx, d, s, existing)
    # The figures the admins see change with the answer, in its transaction (domain.aggregates).
    # Whose it is, for the census (domain.census): an admin's entry for someone says nothing of where they stand.
    placed = census.UNKNOWN if d.proxy else census.attribution(s, u, 1)
    moved = aggregates.change(s, existing, answer)
    writes: list[Write] = [PutAnswer(answer), count, AddToAggregate(sid, moved, {} if existing else dict(placed))]
    later: list[Effect] = []
    if s.anonymous:
        # The participation record keeps one response per person, with the counters; the answer, which says
        # nothing of the person, is written apart, later (the service queues it with a random delay).
        batch = batch_for(s)
        if batch is not None:
            count.option_deltas[BATCH_KEY + str(batch)] = 1
        writes = [PutAnswer(participation(s, u.person_key, ctx.key_for_privacy(), batch)), count]
        later = [DeferAnswer(unnamed_answer(s, d.values, batch))]
    if not existing and s.cap is not None and s.response_count + 1 >= s.cap:
        # This answer takes the last place: the listing says full, on the condition that the count is
        # still the one seen (someone else's answer at the same moment makes this one retry).
        count.seen_count = s.response_count
        writes.append(ListSurvey(dataclasses.replace(s.info(), full=True)))
    drop_draft(session, sid)
    if d.proxy:  # 대리 응답: the admin's (imported when one is first entered)
        from chalicelib.domain import proxy

        told, more = proxy.submitted(ctx, d, s, edited=existing is not None)
        return Outcome(told, user=u, session=session, writes=[*writes, *more])
    told = _submitted(ctx, s, u, edited=existing is not None, replaced=replacing)
    return Outcome(told, user=u, session=session, writes=writes, effects=later)


def _held(s: Survey, deltas: dict[str, int]) -> dict[str, int]:
    """Of an answer's option deltas, those the survey item counts: the options with a capacity, whose conditions
    guard them. How many took each option is the aggregate's (AddToAggregate): one counter moved per picked option
    would make the largest answers' update longer than DynamoDB takes (4 KB of expression)."""
    capped = s.capacities()
    return {k: n for k, n in deltas.items() if k in capped}


def _dropped(session: Session, d: Draft, u: User, msg: str, quick: list[QuickLike] | None = None) -> Outcome:
    """The draft goes, with why."""
    drop_draft(session, d.survey_id)
    return Outcome(Reply.say(msg, quick=quick or main_quick(u)), user=u, session=session)


def _refusal(ctx: Ctx, session: Session, d: Draft, s: Survey, existing: Answer | None) -> Outcome | None:
    """Why this draft cannot be submitted as it stands, or None."""
    u = ctx.me()
    if not s.is_open(ctx.now):
        # Nothing typed is lost: the draft waits (out of the flow) for a 연장 or 재개; opened while closed, it goes.
        session.idle()
        said = (
            f"'{s.title}'{pp(s.title, '은(는)')} 마감되어 지금은 제출할 수 없어요. 적은 답은 남겨 둘게요: "
            f"마감이 연장되면 '신청 {s.title}'{pp(f'신청 {s.title}', '(으)로')} 이어서 제출할 수 있어요."
        )
        return Outcome(Reply.say(said, quick=main_quick(u)), user=u, session=session)
    unasked(d.questions, d.values)  # 조건: what an answer no longer asks is not kept
    missing = [
        n
        for n, q in enumerate(d.questions, 1)
        if q.required and is_blank(d.values.get(q.id)) and asked(d.questions, q, d.values)
    ]
    if missing:
        reopen(d, missing[0] - 1)
        return Outcome(ask(ctx, d, f"{missing[0]}번은 꼭 답해야 해요."), session=session)
    ver = d.answer_version
    mine: list[QuickLike] = ["내 신청", "메뉴"]
    if ver == 0 and existing is not None and d.proxy:
        said = f"'{s.title}'에는 그사이 {d.proxy['label']}님의 답이 들어왔어요. '현황'에서 확인하세요."
        return _dropped(session, d, u, said)
    if ver == 0 and existing is not None:
        u.answered.setdefault(s.id, 0)
        return _dropped(session, d, u, f"'{s.title}'에는 이미 제출한 답이 있어요. '내 신청'에서 확인하세요.", mine)
    if ver and (existing is None or existing.version != ver):
        return _dropped(session, d, u, "그사이 답이 바뀌었거나 취소되었어요. 다시 확인해 주세요.", mine)
    if not ver and s.is_full():
        return _dropped(session, d, u, f"아쉽지만 '{s.title}'{pp(s.title, '은(는)')} 정원({s.cap}명)이 모두 찼어요.")
    if s.anonymous and participated(ctx.db, s, u.person_key, ctx.key_for_privacy()):
        if s.mode == PRESENCE:
            u.answered.setdefault(s.id, 0)
        said = f"'{s.title}'에는 이미 응답했어요. 이름 없이 저장된 답은 고칠 수 없어요."
        return _dropped(session, d, u, said, ["신청 목록", "메뉴"])
    return None


def _answer(ctx: Ctx, d: Draft, s: Survey, existing: Answer | None) -> Answer:
    """The answer as it will be stored (an edit keeps when it was first submitted)."""
    u = ctx.me()
    now_iso = ctx.now.isoformat()
    p = d.proxy  # 대리 응답: the person's answer, entered by the speaker
    return Answer(
        survey_id=s.id,
        user_key=p["person"] if p else u.person_key,  # the person's, whatever phone they answer from
        values=dict(d.values),
        name=p["name"] if p else u.name,
        unit=p["unit"] if p else u.unit,
        entered_by=u.label() if p else "",
        submitted_at=existing.submitted_at if existing else now_iso,
        updated_at=now_iso if existing else "",
        survey_title=s.title,
        version=d.answer_version if existing else 0,
    )


def _submitted(ctx: Ctx, s: Survey, u: User, *, edited: bool, replaced: bool = False) -> Reply:
    """What the member is told once the answer is in (or, unnamed, on its way); ``replaced``: their answer took the
    place of one an admin had entered for them."""
    if s.anonymous:
        if s.mode == PRESENCE:  # taking part is known in this mode; when, is not
            u.answered[s.id] = 0
        msg = f"'{s.title}'에 답을 제출했어요! 이름 없이, 몇 분 안에 따로 저장돼요."
        return Reply.say(msg, quick=["신청 목록", "메뉴"])
    u.answered[s.id] = u.answered.get(s.id) or int(ctx.now.timestamp())
    verb = "수정했어요" if edited else "제출했어요"
    msg = f"'{s.title}'에 답을 {verb}! {until_label(s.deadline, ctx.now)} 고치거나 취소할 수 있어요."
    if replaced:
        until = until_label(s.deadline, ctx.now)
        msg = f"관리자가 '{s.title}'에 대신 적어 둔 답을 방금 적은 내 답으로 바꿨어요. {until} 고칠 수 있어요."
    return Reply.say(msg, quick=["내 신청", "신청 목록", "메뉴"])


def ask_withdraw(ctx: Ctx, arg: str) -> Outcome:
    """신청 취소 <제목>: asks first (예 · 아니오)."""
    found, mine = survey_lookup.for_member(ctx, arg, answered_only=True)
    if found.survey is None:
        return Outcome(
            choose_reply(
                "신청 취소", arg, found, mine, "제출한 신청만 취소할 수 있어요. '내 신청'을 확인하세요.", ctx.now
            )
        )
    s = found.survey
    if not s.is_open(ctx.now):
        return Outcome(
            Reply.say(f"'{s.title}'{pp(s.title, '은(는)')} 마감되어 취소할 수 없어요.", quick=["내 신청", "메뉴"])
        )
    form = ctx.db.get_survey_form(s.id)
    if form is not None and form.anonymous:
        return answered_unnamed(form)
    question = f"'{s.title}'에 제출한 답을 취소할까요? 답이 지워져요."
    return ctx.ask_first(Action.WITHDRAW, question, sid=s.id, title=s.title, yes=Quick("예", extra={"sid": s.id}))


def withdrawal(ctx: Ctx, s: Survey, a: Answer, by_admin: bool = False) -> list[Write]:
    """The writes that take answer ``a`` of ``s`` away (신청 취소, or an admin's 대리 응답 취소 ``by_admin``): the
    answer goes and the counters move back, in one transaction, on the condition that the answer is still the one
    read."""
    count = CountResponse(
        s.id, ctx.now, response_delta=-1, option_deltas=_held(s, option_deltas(s.questions, a.values, {}))
    )
    writes: list[Write] = [DeleteAnswer(s.id, a.user_key, a.version), count]
    if aggregates.kept(s):
        placed = census.UNKNOWN if by_admin else census.attribution(s, ctx.me(), -1)
        writes.append(AddToAggregate(s.id, aggregates.change(s, a, None), dict(placed)))
    if s.is_full() and s.cap is not None and s.response_count - 1 < s.cap:
        # A place frees up: the listing says so, on the condition that the count is still the one seen.
        count.seen_count = s.response_count
        writes.append(ListSurvey(dataclasses.replace(s.info(), full=False)))
    return writes


def withdraw(ctx: Ctx, session: Session, sid: str) -> Outcome:
    """The 예 to 신청 취소: the answer goes and the counters move back, in one transaction."""
    s, a = ctx.survey_and_answer(sid)
    u = ctx.me()
    if s is None or a is None:
        u.answered.pop(sid, None)
        return Outcome(Reply.say("취소할 답이 없어요.", quick=["내 신청", "메뉴"]), user=u, session=session)
    if not s.is_open(ctx.now):
        return Outcome(
            Reply.say(f"'{s.title}'{pp(s.title, '은(는)')} 마감되어 취소할 수 없어요.", quick=["내 신청", "메뉴"]),
            user=u,
            session=session,
        )
    u.answered.pop(sid, None)
    drop_draft(session, sid)
    writes = withdrawal(ctx, s, a)
    # 다시 신청 carries the survey, as a 신청 목록 chip does: tapped, the survey and the (now absent) answer are read
    # with the member and the listing in one round trip.
    again = Quick("다시 신청", f"신청 {s.title}", extra={OPENS: s.id})
    return Outcome(
        Reply.say(
            f"'{s.title}'에 제출한 답을 취소했어요. 마감 전이면 다시 응답할 수 있어요.",
            quick=[again, "신청 목록", "내 신청", "메뉴"],
        ),
        user=u,
        session=session,
        writes=writes,
    )


# --- 대리 응답 취소: an answer entered for someone, taken back by the survey's admin ---------------------------------


def ask_proxy_withdraw(ctx: Ctx, t: Target) -> Outcome:
    """대리 응답 취소 <제목> <이름>: an answer an admin entered for someone (for the wrong person, say) goes, once 예;
    the person is then missing again. One the person gave or made their own cannot be taken by anyone but them."""
    s, who, r = t.survey, t.rest, t.ref
    back: list[QuickLike] = [Quick("미응답", f"미응답 {r}"), Quick("현황", f"현황 {r}"), "메뉴"]
    if not s.managed_by(ctx.member):
        return Outcome(Reply.say("대리 응답은 이 신청의 관리자만 취소할 수 있어요.", quick=back))
    if not s.is_open(ctx.now):
        return Outcome(Reply.say(f"'{s.title}'{pp(s.title, '은(는)')} 마감되어 취소할 수 없어요.", quick=back))
    if not who:
        return Outcome(Reply.say(f"누구의 답인지 이름을 붙여 주세요. 예: 대리 응답 취소 {r} 홍길동", quick=back))
    from chalicelib.domain import proxy

    found = proxy.named(ctx, s, who)
    if len(found) != 1:
        return proxy.which(r, who, found, "대리 응답 취소")
    p = found[0]
    a = ctx.db.get_answer(s.id, p.person) if p.person else None
    if a is None:
        return Outcome(Reply.say(f"{p.label}님의 답은 '{s.title}'에 없어요.", quick=back))
    if not a.entered_by:
        said = f"{p.label}님의 답은 본인이 적은 답이라 본인만 취소할 수 있어요('신청 취소 {s.title}')."
        return Outcome(Reply.say(said, quick=back))
    question = f"'{s.title}'에 대신 적은 {p.label}님의 답을 취소할까요? 답이 지워지고 다시 미응답으로 세요."
    return ctx.ask_first(Action.PROXY_WITHDRAW, question, sid=f"{s.id}|{p.person}|{p.key}", title=s.title)


def proxy_withdraw(ctx: Ctx, session: Session, ref: str) -> Outcome:
    """The 예 to 대리 응답 취소: the answer goes (on the version read), and the person's own item forgets it."""
    sid, _, rest = ref.partition("|")
    person, _, key = rest.partition("|")
    s, a = ctx.db.get_survey_and_answer(sid, person) if person else (None, None)
    quick: list[QuickLike] = ["내 신청서", "메뉴"]
    if s is None or a is None or not a.entered_by:
        return Outcome(Reply.say("취소할 대리 응답이 없어요.", quick=quick), session=session)
    if not s.managed_by(ctx.member) or not s.is_open(ctx.now):
        return Outcome(Reply.say(f"'{s.title}'의 대리 응답은 지금 취소할 수 없어요.", quick=quick), session=session)
    writes = [*withdrawal(ctx, s, a, by_admin=True), ctx.audit("proxy_withdraw", s.id, person)]
    owner = ctx.db.get_user(key) if key else None
    if owner is not None and sid in owner.answered:
        owner.answered.pop(sid)
        writes.append(PutUser(owner))
    r = f"{s.title}#{s.id}"
    said = f"'{s.title}'에 대신 적은 {a.name}님의 답을 취소했어요. 다시 미응답으로 세요."
    return Outcome(
        Reply.say(said, quick=[Quick("미응답", f"미응답 {r}"), Quick("현황", f"현황 {r}"), "메뉴"]),
        session=session,
        writes=writes,
    )
