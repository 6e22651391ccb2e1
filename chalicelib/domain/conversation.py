"""The conversation: one pure step from (user, session, message) to (new state, writes, reply).

``step`` reads through the ``Reader`` port only; it never writes. The service stores
``Outcome.user`` (conditional on its version) together with ``Outcome.writes`` in one
transaction, and re-runs the step on a lost race.

What a message means depends on the state the person is in:

    state        entered by                         a message may be
    (none)       not registered                     등록 ... (anything else: how to register)
    IDLE         registering; any flow ending       a command of vocabulary.WORDS, or a survey's title
    ANSWERING    신청 <제목>, 신청 수정 <제목>        an answer · 이전 · 건너뛰기 · 취소;
                                                    on the review card 제출 · 수정 [N] · 이전 · 취소
    CREATING     신청 만들기                          the answer to the wizard's step (wizard.STEPS) · 이전 · 취소
    CONFIRMING   탈퇴, 신청 취소, 삭제                 예 · 아니오 (취소); anything else drops the question
                                                    and is read anew
    in every state: 메뉴 · 도움말 · 처음 show the menu and pause the flow (drafts and the wizard wait)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain import (
    answering,
    commands,
    member_lists,
    shortcuts,
    submitting,
    viewers,
    vocabulary,
)
from chalicelib.domain.context import Ctx, Handler, Outcome
from chalicelib.domain.later import later
from chalicelib.domain.parsing import NO, YES
from chalicelib.domain.particles import pp
from chalicelib.domain.reply import Quick, QuickLike, Reply, with_pick
from chalicelib.domain.session import Action, Flow, Session
from chalicelib.domain.survey_lookup import listed_for
from chalicelib.domain.titles import OPENS, START, find_survey, main_quick, ref

# The admin's side of a message and the events Kakao delivers, imported on first use (domain.later).
WELCOME: Handler = later("account.welcome")  # an unregistered person: the roster's rules, not a member's message
REMINDED: Handler = later("remind.reminder")
OPENED: Handler = later("remind.opened")
CLOSED_SUMMARY: Handler = later("remind.closed_summary")
COLLECT_FILES: Handler = later("account.collect_files")
DENIED: Callable[[Ctx, str, str], Outcome] = later("admin.denied")
TOOK_UPLOAD: Callable[[Ctx, Outcome], None] = later("roster_admin.took_upload")


def step(ctx: Ctx, text: str) -> Outcome:
    """Answer one message; the new session, if any, is folded into the user to store. Notes left for
    the speaker (how an 알림 went) come first, once."""
    text = with_pick(text, ctx.tap)
    out = _read(ctx, text)
    _remember_more(ctx, out)
    if ctx.user is not None and ctx.session.upload and text:
        TOOK_UPLOAD(ctx, out)
    if ctx.user is not None and ctx.session.notes and text:  # not on an event Kakao delivers (no text)
        session = out.session if out.session is not None else ctx.state()
        session.notes = []
        out.session = session
        out.reply.texts.insert(0, "\n".join(ctx.session.notes))
    return _settled(ctx, out)


def _remember_more(ctx: Ctx, out: Outcome) -> None:
    """What a reply's 더보기 chip sends is kept (written only when it changes), so that typing '더보기' does the
    same. It is never cleared: typed later, '더보기' still shows the next page of the last list that had one."""
    if ctx.user is None:
        return
    more = next((q.text for q in out.reply.quick if q.label == shortcuts.MORE), "")
    kept = out.session.more if out.session is not None else ctx.session.more
    if not more or more == kept:
        return
    session = out.session if out.session is not None else ctx.state()
    session.more = more
    out.session = session


def reads_listing(text: str) -> bool:
    """Whether a message will most likely look at the listing: a menu word or a command does, an
    answer or a flow word does not. The service then reads the listing with the user in one round
    trip; otherwise the step reads it if it turns out to need it (a bare title, say)."""
    return text in vocabulary.MENU_WORDS or vocabulary.match(text)[0] is not None


def opens(text: str, tap: Mapping[str, Any]) -> str:
    """The survey a tapped ``신청 <제목>`` opens (its quick reply carries the id): the service reads it with the
    member and the listing, in one round trip ("" when typed, or another command)."""
    sid = tap.get(OPENS)
    if not isinstance(sid, str) or not sid:
        return ""
    word, _ = vocabulary.match(text)
    return sid if word is not None and word.word == START else ""


def reads_survey(text: str, tap: Mapping[str, Any]) -> str:
    """The survey whose item and my answer a message will read, when a tap says so: a tapped 제출 or
    예 carries its survey (see answering.review and withdraw), which is then read with the user."""
    sid = tap.get("sid")
    if isinstance(sid, str) and sid and not tap.get("q") and (text == "제출" or text in YES):
        return sid
    return ""


def _read(ctx: Ctx, text: str) -> Outcome:
    if ctx.user is None:
        return WELCOME(ctx, text)
    if not text and isinstance(ctx.tap.get("remind"), str):  # Kakao delivering an 알림 event
        return REMINDED(ctx, ctx.tap["remind"])
    if not text and isinstance(ctx.tap.get("opened"), str):  # ... or a survey that opened by itself
        return OPENED(ctx, ctx.tap["opened"])
    if not text and isinstance(ctx.tap.get("summary"), str):  # ... or a closed survey's summary
        return CLOSED_SUMMARY(ctx, ctx.tap["summary"])
    if not text and isinstance(ctx.tap.get("file"), str):  # ... or a file finished in the background
        return COLLECT_FILES(ctx, "")
    if text in vocabulary.MENU_WORDS and not ctx.session.wizard_takes_text():
        return menu(ctx, paused=ctx.session.flow != Flow.IDLE, help=text in vocabulary.HELP_WORDS)
    return STATES[ctx.session.flow](ctx, text)


def _settled(ctx: Ctx, out: Outcome) -> Outcome:
    if out.session is not None and ctx.user is not None:
        user = out.user if out.user is not None else ctx.me()
        user.session = out.session.to_dict()
        out.user, out.session = user, None
    if out.user is not None:
        out.user.keep_recent()  # whatever writes the item keeps it small
    return out


# --- IDLE: commands ---------------------------------------------------------------------------


def idle(ctx: Ctx, text: str) -> Outcome:
    """A command, a stray flow word, a bare survey title, or something unknown."""
    u = ctx.member
    c, arg = vocabulary.match(text)
    if c is not None:
        # a viewer (열람자) may read what they view; an admin of some units (소속 관리자) may see those units
        if u.role < c.role and not (c.views and u.viewing) and not (c.units and u.scoped):
            pool = listed_for(ctx, with_full=True)  # an open survey titled so ('현황 보고'): a bare title, as below
            mine = find_survey(text, pool).survey
            if mine is not None and mine.title == text and mine.is_open(ctx.now):
                return answering.start(ctx, ref(mine, pool))
            return DENIED(ctx, c.action, vocabulary.ROLE_TITLES[c.role])
        if c.needs_title and not arg:
            return shortcuts.offer_surveys(ctx, c.word)  # '현황' alone: my surveys, most recent first
        return commands.run(ctx, c.word, arg)
    said = shortcuts.small_talk(ctx, text, menu) or shortcuts.chip_typed(ctx, text, menu, _read)
    if said is not None:
        return said
    if text in vocabulary.ANSWER_WORDS:
        return Outcome(
            Reply.say(
                "지금 작성 중인 신청이 없어요. 이미 제출했다면 '내 신청'에서 확인할 수 있어요.",
                quick=["내 신청", "신청 목록", "메뉴"],
            )
        )
    if text in vocabulary.CONFIRM_WORDS:
        return menu(ctx, note="진행 중인 작업이 없어요.")
    # A bare survey title is a shortcut for "신청 <제목>"; so is the title of one that no longer takes answers
    # (which says so), and a title with the command after it ('송년회 현황') is that command.
    pool = listed_for(ctx, with_full=True)
    found = find_survey(text, pool)
    if found.survey is not None and found.survey.is_open(ctx.now):
        return answering.start(ctx, ref(found.survey, pool))
    # '송년회 현황', 'BBQ 회식 신청 취소': the title, then the command
    if after := vocabulary.trailing(text, u.role, bool(u.viewing)):
        return commands.run(ctx, after[0].word, after[1])
    said = shortcuts.not_open(ctx, text)
    if said is not None:
        return said
    shown = text if len(text) <= 20 else text[:20] + "…"
    unknown = f"'{shown}'{pp(shown, '은(는)')} 알 수 없는 말이에요."
    # A typo of a command, or part of a survey's title: offered, never done unasked.
    guesses: list[QuickLike] = [Quick(g) for g in vocabulary.near(text, u.role)[:GUESSES]]
    titles = [s for s in found.choices if s.is_open(ctx.now)][: GUESSES - len(guesses) + 1]
    guesses += [Quick(s.title, f"신청 {ref(s, pool)}") for s in titles]
    if guesses:
        return Outcome(Reply.say(f"{unknown} 혹시 이것인가요?", quick=[*guesses[: GUESSES + 1], "메뉴"]))
    return menu(ctx, note=f"{unknown} 아래에서 골라 주세요.")


GUESSES = 3  # "혹시 이것?" quick replies


def menu(ctx: Ctx, note: str = "", paused: bool = False, help: bool = False) -> Outcome:
    """The role-aware menu with what is waiting for me (and the command list for 도움말)."""
    u = ctx.member
    lines = [note] if note else []
    if help:
        lines += vocabulary.help_lines(u.role, bool(u.viewing))
    lines.append(f"{u.label()}님, 무엇을 할까요?")
    waiting = member_lists.pending(ctx)
    if waiting:
        lines.append(member_lists.pending_line(waiting, ctx.now))
    drafts = list(ctx.session.drafts.values())
    if drafts:
        lines.append("작성 중: " + ", ".join(d.title for d in drafts))
    # The next sensible step first: a draft to finish, else the survey due soonest.
    shortcuts = [  # a draft of an answer entered for someone (대리 응답) resumes by its command
        Quick(d.title, f"대리 응답 {d.title} {d.proxy['ref']}")
        if d.proxy
        else Quick(d.title, f"신청 {d.title}", extra={OPENS: d.survey_id})
        for d in drafts[:2]
    ]
    if not shortcuts and waiting:
        shortcuts = [Quick(waiting[0].title, f"신청 {waiting[0].title}", extra={OPENS: waiting[0].id})]
    if ctx.session.wizard is not None and u.is_admin:
        lines.append("만들던 신청서가 있어요: '신청 만들기'로 이어서.")
    viewed = viewers.viewed_quick(u) if not u.is_admin else []  # a viewer (열람자): what they read, one tap away
    reply = Reply.say("\n".join(lines), quick=[*shortcuts, *viewed, *main_quick(u)])
    if not paused:
        return Outcome(reply)
    session = ctx.state()
    session.idle()
    return Outcome(reply, session=session)


# --- CONFIRMING: a yes/no question is waiting ---------------------------------------------------

Confirmed = Callable[[Ctx, Session, str], Outcome]  # (ctx, session with the question dropped, survey id)

CONFIRMED: dict[str, Confirmed] = {
    Action.LEAVE.value: later("account.leave"),
    Action.WITHDRAW.value: submitting.withdraw,
    Action.DELETE.value: later("admin.delete"),
    Action.REMIND.value: later("remind.send"),
    Action.CLOSE.value: later("admin.close"),
    Action.DISCARD.value: answering.discard,
    Action.GRANT.value: later("admin_roles.granted"),
    Action.REVOKE.value: later("admin_roles.revoked"),
    Action.RELEASE.value: later("roster_upkeep.released"),
    Action.ROSTER_REMOVE.value: later("roster_upkeep.remove_one"),
    Action.ROSTER_PURGE.value: later("roster_upkeep.purge"),
    Action.PROXY_WITHDRAW.value: submitting.proxy_withdraw,
}
# A yes that must be typed out (taking most of the roster off): its words ride in the confirmation's title.
TYPED_YES = {Action.ROSTER_PURGE.value}
# What 아니오 does where "leave things be" is not the whole answer: back to the question being answered.
DECLINED: dict[str, Confirmed] = {Action.DISCARD.value: answering.keep}


def confirm(ctx: Ctx, text: str) -> Outcome:
    """예 does what was asked; 아니오 (or 취소) leaves things be; anything else drops the question."""
    session = ctx.state()
    pending = session.confirmation
    session.idle()
    yes, no = text.casefold() in YES, text.casefold() in NO or text == "취소"
    if pending is not None and pending.action in TYPED_YES and pending.title:
        if yes:  # a tap is not enough here: ask again, the question still open
            return Outcome(
                Reply.say(f"정말 하려면 '{pending.title}'라고 직접 보내 주세요.", quick=["아니오", "메뉴"]),
            )
        yes = "".join(text.split()) == "".join(pending.title.split())
    if not yes and not no:
        if pending is not None and pending.action == Action.DISCARD.value and pending.survey_id in session.drafts:
            session.flow, session.answering = Flow.ANSWERING, pending.survey_id  # 제출 or an answer goes on
        out = _read(ctx.moved(session), text)
        if out.session is None:
            out.session = session  # still store the dropped question
        return out
    if no:
        declined = DECLINED.get(pending.action if pending else "")
        if declined is not None and pending is not None:
            return declined(ctx, session, pending.survey_id)
        return Outcome(Reply.say("알겠어요, 그대로 둘게요.", quick=main_quick(ctx.user)), session=session)
    run = CONFIRMED.get(pending.action if pending else "")
    if run is None:
        return Outcome(Reply.say("알 수 없는 확인 요청이라 취소했어요.", quick=main_quick(ctx.user)), session=session)
    return run(ctx, session, pending.survey_id if pending else "")


STATES: dict[Flow, Handler] = {
    Flow.IDLE: idle,
    Flow.ANSWERING: answering.in_flow,
    Flow.CREATING: later("wizard.in_flow"),
    Flow.CONFIRMING: confirm,
}
