"""Answering a survey: start or resume, one question at a time, the review card, submit, edit, withdraw.

A draft (``session.Draft``) carries a snapshot of its questions, so answering costs one
read (the user item) and one write. While a draft is the active flow the session is
``Flow.ANSWERING``; 메뉴 pauses it, 신청 <제목> resumes it, 취소 drops it. How a
question is put and read is its kind's business (``domain.kinds``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from chalicelib.domain import conditions, survey_lookup
from chalicelib.domain.asking import (
    answered_unnamed,
    ask,
    chosen_now,
    drop_draft,
    places_left,
    put_draft,
    reopen,
    review,
    where_we_are,
)
from chalicelib.domain.conditions import asked
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.kinds import is_blank, kind_of, parse_answer, show_value
from chalicelib.domain.kinds.choice import DONE, TAKE_BACK, named_options
from chalicelib.domain.member_lists import list_open
from chalicelib.domain.model import Answer, Survey, SurveyInfo, target_label
from chalicelib.domain.parsing import pick_option
from chalicelib.domain.particles import pp
from chalicelib.domain.privacy import (
    mode_note,
    participated,
)
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.retention import keep_note
from chalicelib.domain.session import Action, Draft, Flow, Session
from chalicelib.domain.submitting import submit
from chalicelib.domain.titles import Titled, choose_reply, main_quick, ref
from chalicelib.domain.when import deadline_label, fmt_deadline

# --- prompts ------------------------------------------------------------------------------------


# --- starting -----------------------------------------------------------------------------------


def start(ctx: Ctx, arg: str) -> Outcome:
    """신청 <제목>: resume a draft, show my stored answer, or begin."""
    if not arg:
        return list_open(ctx, "")
    found, pool = survey_lookup.for_member(ctx, arg)
    if found.survey is None:
        return Outcome(choose_reply("신청", arg, found, pool, "'신청 목록'에서 골라 주세요.", ctx.now))
    info = found.survey
    u = ctx.member
    # Answers are kept by the person, not by registration: someone who registered after the survey opened (after
    # 탈퇴, say) may have answered it before. A registration brings those answers back into the item (recalled);
    # an item registered before registrations did, that remembers no answer, looks the answer up.
    if info.id in u.answered or (not u.answered and not u.recalled and u.created_at > info.created_at):
        s, a = ctx.survey_and_answer(info.id)
        if s is not None and a is not None:
            return Outcome(show_mine(ctx, s, a, pool))
        if s is not None and s.anonymous and info.id in u.answered:
            return answered_unnamed(s)
    session = ctx.state()
    d = session.drafts.get(info.id)
    if d is not None:
        if not info.is_open(ctx.now):
            drop_draft(session, info.id)
            return Outcome(
                Reply.say(f"'{info.title}'{pp(info.title, '은(는)')} 마감되었어요.", quick=main_quick(u)),
                session=session,
            )
        put_draft(session, d)
        return Outcome(where_we_are(ctx, d, "작성하던 답을 이어서 해요."), session=session)
    if not info.is_open(ctx.now):
        # answered too long ago for my item to remember: my stored answer, if there is one
        s, a = ctx.survey_and_answer(info.id)
        if s is not None and a is not None:
            return Outcome(show_mine(ctx, s, a, pool))
        return Outcome(
            Reply.say(f"'{info.title}'{pp(info.title, '은(는)')} 마감되었어요.", quick=["신청 목록", "메뉴"])
        )
    if not info.meant_for(u):
        target = target_label(info.target_unit)
        return Outcome(
            Reply.say(
                f"'{info.title}'{pp(info.title, '은(는)')} {target} 대상 신청이에요.", quick=["신청 목록", "메뉴"]
            )
        )
    return _begin(ctx, info, session)


def _begin(ctx: Ctx, info: SurveyInfo, session: Session) -> Outcome:
    """A new draft of an open survey meant for the member, its first question asked."""
    u = ctx.member
    # Open and not full as the listing says (the submit's conditions hold the truth); the questions
    # are the form's, which never change.
    s = ctx.form(info.id)
    if s is None:
        return Outcome(
            Reply.say(f"'{info.title}'{pp(info.title, '은(는)')} 마감되었어요.", quick=["신청 목록", "메뉴"])
        )
    if info.full:
        return Outcome(
            Reply.say(f"'{s.title}'{pp(s.title, '은(는)')} 정원({s.cap}명)이 모두 찼어요.", quick=["신청 목록", "메뉴"])
        )
    if s.anonymous and participated(ctx.db, s, u.person_key, ctx.key_for_privacy()):
        return answered_unnamed(s)
    d = Draft.start(s, ctx.now.isoformat())
    put_draft(session, d)
    intro = f"'{s.title}' 응답을 시작해요. 질문 {len(s.questions)}개 · {deadline_label(info.deadline, ctx.now)}"
    if s.description:
        intro += f"\n{s.description}"
    if s.anonymous:
        intro += f"\n{mode_note(s)}"
    intro += f"\n{keep_note(s.keep_days or ctx.rules.keep_days)}"
    return Outcome(ask(ctx, d, intro), session=session)


def show_mine(ctx: Ctx, s: Survey, a: Answer, pool: Sequence[Titled]) -> Reply:
    state = s.state_label(ctx.now)
    lines = [f"[{s.title}] 내 답 ({state + ' · ' + fmt_deadline(s.deadline, ctx.now) if state != '마감' else state})"]
    for n, q in enumerate(s.questions, 1):
        lines.append(f"{n}. {q.text}: {show_value(q, a.values.get(q.id))}")
    r = ref(s, pool)
    if s.is_open(ctx.now):
        lines.append("마감 전까지 고치거나 취소할 수 있어요.")
        quick: list[QuickLike] = [
            Quick("수정", f"신청 수정 {r}"),
            Quick("신청 취소", f"신청 취소 {r}"),
            "내 신청",
            "메뉴",
        ]
    else:
        quick = ["내 신청", "메뉴"]
    return Reply.say("\n".join(lines), quick=quick)


def start_edit(ctx: Ctx, arg: str) -> Outcome:
    """신청 수정 <제목>: a draft prefilled with my stored answer, on the review card."""
    found, pool = survey_lookup.for_member(ctx, arg, answered_only=bool(ctx.member.answered))
    if found.survey is None:
        return Outcome(choose_reply("신청 수정", arg, found, pool, "'내 신청'에서 골라 주세요.", ctx.now))
    s, a = ctx.survey_and_answer(found.survey.id)
    if s is None or a is None:
        return start(ctx, ref(found.survey, pool))
    if not s.is_open(ctx.now):
        return Outcome(
            Reply.say(f"'{s.title}'{pp(s.title, '은(는)')} 마감되어 고칠 수 없어요.", quick=["내 신청", "메뉴"])
        )
    session = ctx.state()
    d = Draft.start(s, ctx.now.isoformat(), values=a.values, version=a.version)
    put_draft(session, d)
    return Outcome(review(d, "고칠 번호를 '수정'으로 고르고, 다 고치면 '제출'하세요."), session=session)


# --- inside the answer flow ---------------------------------------------------------------------


def in_flow(ctx: Ctx, text: str) -> Outcome:
    """A message while answering: an answer, 이전, 건너뛰기, 취소, or on the card 제출 / 수정 [N]."""
    session = ctx.state()
    d = session.active_draft()
    if d is None:  # the flow points nowhere (the draft was dropped elsewhere): leave it
        session.idle()
        return Outcome(Reply.say("작성 중인 신청이 없어요.", quick=main_quick(ctx.user)), session=session)
    if is_stale_tap(ctx.tap, d):
        # The same quick reply tapped twice (or an old one): it was already applied to its question.
        return Outcome(where_we_are(ctx, d, "앞의 답은 이미 반영했어요."))
    if text == "취소":
        return _cancel(ctx, session, d)
    if d.reviewing:
        return _in_review(ctx, session, d, text)
    q = d.question
    if text == "이전":
        before = [i for i in range(d.index) if asked(d.questions, d.questions[i], d.values)]
        if not before:
            return Outcome(ask(ctx, d, "첫 질문이에요."))
        d.index, d.picking = before[-1], None
        return Outcome(ask(ctx, d), session=session)
    if text == "건너뛰기":
        if q.required:
            return Outcome(ask(ctx, d, "꼭 답해야 하는 질문이에요."))
        d.values.pop(q.id, None)
        return _advance(ctx, session, d)
    if kind_of(q).many:
        tapped = _pick_one(ctx, session, d, text)
        if tapped is not None:
            return tapped
    value, why = parse_answer(q, text, ctx.now.date())
    if why:
        return Outcome(ask(ctx, d, why))
    capped = [o for o in kind_of(q).picked(value) if o in q.capacity]  # an option without 정원 never fills
    if capped:
        left = places_left(ctx, d)
        full = next((o for o in capped if left.get(o, 1) <= 0), None)
        if full is not None:
            return Outcome(ask(ctx, d, f"'{full}'{pp(full, '은(는)')} 정원이 찼어요. 다른 보기를 골라 주세요."))
    d.values[q.id] = value
    return _advance(ctx, session, d)


def _pick_one(ctx: Ctx, session: Session, d: Draft, text: str) -> Outcome | None:
    """복수선택, one option at a time: an option (tapped or typed) is added, '<보기> 빼기' takes it back,
    '선택 완료' answers with those picked. None for anything else (a typed list is read as a whole answer)."""
    q = d.question
    chosen = chosen_now(d)
    if text == DONE:
        d.picking = None
        if not chosen:
            if q.required:
                return Outcome(ask(ctx, d, "하나 이상 골라 주세요."), session=session)
            d.values.pop(q.id, None)
            return _advance(ctx, session, d)
        value, why = kind_of(q).take_picked(q, chosen)
        if why:
            d.picking = chosen
            return Outcome(ask(ctx, d, why), session=session)
        d.values[q.id] = value
        return _advance(ctx, session, d)
    if text.startswith("✓"):  # a chosen option's label, typed: what its chip sends
        text = f"{text[1:].strip()} {TAKE_BACK}"
    if text.endswith(TAKE_BACK):
        o = pick_option(text[: -len(TAKE_BACK)].strip(), q.options)
        if o is None:
            return None
        if o not in chosen:  # nothing to take back: say what is chosen instead
            return Outcome(ask(ctx, d, f"'{o}'{pp(o, '은(는)')} 고르지 않았어요."), session=session)
        d.picking = [x for x in chosen if x != o]
        return Outcome(ask(ctx, d, f"'{o}'{pp(o, '을(를)')} 뺐어요."), session=session)
    named = named_options(text, q.options)
    if not isinstance(named, list) or len(named) != 1:
        return None
    o = named[0]
    if o in chosen:
        return Outcome(ask(ctx, d, f"'{o}'{pp(o, '은(는)')} 이미 골랐어요. 다 골랐으면 '{DONE}'."), session=session)
    if q.max is not None and len(chosen) >= q.max:
        more = f"최대 {int(q.max)}개까지 고를 수 있어요. 바꾸려면 ✓ 표시된 보기를 눌러 빼 주세요."
        return Outcome(ask(ctx, d, more), session=session)
    d.picking = [x for x in q.options if x in chosen or x == o]
    if q.max is not None and len(d.picking) == q.max:  # nothing more may be added: that is the answer
        d.values[q.id], d.picking = list(d.picking), None
        return _advance(ctx, session, d, f"'{o}'까지 {len(d.values[q.id])}개를 골랐어요.")
    note = f"'{o}'{pp(o, '을(를)')} 골랐어요. 더 고르거나 '{DONE}'{pp(DONE, '을(를)')} 눌러 주세요."
    return Outcome(ask(ctx, d, note), session=session)


def _cancel(ctx: Ctx, session: Session, d: Draft) -> Outcome:
    """취소 while answering: a draft without answers just goes; one with answers asks first. Editing a submitted
    answer, only what was changed would go: that is what is asked, and nothing is asked when nothing changed."""
    if d.answer_version:
        whose = d.proxy.get("person", "")  # 대리 응답: the person's stored answer, not the speaker's
        _, stored = ctx.db.get_survey_and_answer(d.survey_id, whose) if whose else ctx.survey_and_answer(d.survey_id)
        before = stored.values if stored is not None else {}
        changed = sum(1 for q in d.questions if _differs(before.get(q.id), d.values.get(q.id)))
        if not changed:
            return discard(ctx, session, d.survey_id)
        question = f"'{d.title}' 수정을 그만둘까요? 제출한 답은 그대로 남고, 고친 {changed}개만 버려요."
        return ctx.ask_first(Action.DISCARD, question, sid=d.survey_id, title=d.title)
    given = sum(1 for v in d.values.values() if not is_blank(v))
    if given == 0:
        return discard(ctx, session, d.survey_id)
    question = f"'{d.title}'에 적은 답 {given}개를 지울까요?"
    return ctx.ask_first(Action.DISCARD, question, sid=d.survey_id, title=d.title)


def _differs(before: Any, after: Any) -> bool:
    return (None if is_blank(before) else before) != (None if is_blank(after) else after)


def discard(ctx: Ctx, session: Session, sid: str) -> Outcome:
    """취소 of a draft (asked first when it held answers): the draft goes, a submitted answer stays."""
    d = session.drafts.get(sid)
    drop_draft(session, sid)
    session.idle()
    if d is not None and d.answer_version:
        msg = f"'{d.title}' 수정을 그만뒀어요. 제출한 답은 그대로예요."
        quick: list[QuickLike] = [Quick("내 답 보기", f"신청 {d.title}#{sid}"), "내 신청", "메뉴"]
        return Outcome(Reply.say(msg, quick=quick), session=session)
    return Outcome(Reply.say("작성하던 답을 지웠어요.", quick=main_quick(ctx.user)), session=session)


def keep(ctx: Ctx, session: Session, sid: str) -> Outcome:
    """아니오 to that: back to where the draft was."""
    d = session.drafts.get(sid)
    if d is None:
        return Outcome(Reply.say("작성 중인 답이 없어요.", quick=main_quick(ctx.user)), session=session)
    session.flow, session.answering = Flow.ANSWERING, sid
    return Outcome(where_we_are(ctx, d, "지우지 않았어요. 이어서 답해 주세요."), session=session)


def is_stale_tap(tap: dict[str, Any], d: Draft) -> bool:
    """A tapped answer meant for another question than the one now asked (typed text has no tap)."""
    if not tap.get("q"):
        return False
    if tap.get("sid") != d.survey_id or d.reviewing:
        return True
    return bool(tap["q"] != d.question.id)


def _advance(ctx: Ctx, session: Session, d: Draft, note: str = "") -> Outcome:
    """The next question asked (조건: one that applies to the answers so far), or the review card; answers of
    questions an answer changed no longer asks go, and a question that now applies is asked before the card."""
    d.picking = None
    qs = d.questions
    if gone := conditions.unasked(qs, d.values):
        note = f"{note} {', '.join(f'{n}번' for n in gone)} 답은 이제 묻지 않아 지웠어요.".strip()
    if d.back_to_review:  # before the card: a later question this answer now asks, or a required one left blank
        opened = [i for i in range(d.index + 1, len(qs)) if qs[i].when and qs[i].id not in d.values]
        opened = [i for i in opened if asked(qs, qs[i], d.values)]
        due = opened or [n - 1 for n in conditions.missing(qs, d.values)]
        if due:
            d.index = due[0]
            return Outcome(ask(ctx, d, f"{note} 이 질문도 답해 주세요.".strip()), session=session)
    following = [i for i in range(d.index + 1, len(qs)) if asked(qs, qs[i], d.values)]
    if d.back_to_review or not following:
        d.back_to_review, d.reviewing = False, True
        return Outcome(review(d, note), session=session)
    d.index = following[0]
    return Outcome(ask(ctx, d, note), session=session)


def _in_review(ctx: Ctx, session: Session, d: Draft, text: str) -> Outcome:
    if text == "제출":
        return submit(ctx, session, d)
    if text == "이전":
        last = [i for i, q in enumerate(d.questions) if asked(d.questions, q, d.values)][-1]
        d.reviewing, d.index = False, last
        return Outcome(ask(ctx, d), session=session)
    if re.fullmatch(r"\d{1,2}번", text):  # the label of 수정's number chips, typed
        text = f"수정 {text[:-1]}"
    if text.startswith("수정"):
        arg = text[2:].strip().rstrip("번")
        if arg.isdigit() and 1 <= int(arg) <= len(d.questions):
            q = d.questions[int(arg) - 1]
            if not asked(d.questions, q, d.values):
                said = f"{arg}번은 {conditions.label(d.questions, q)}만 묻는 질문이라 지금은 답하지 않아요."
                return Outcome(review(d, said))
            reopen(d, int(arg) - 1)
            return Outcome(ask(ctx, d), session=session)
        quick: list[QuickLike] = [Quick(f"{n}번", f"수정 {n}") for n in range(1, min(len(d.questions), 8) + 1)]
        return Outcome(
            Reply.say("몇 번 질문을 고칠까요? 번호를 눌러 주세요 (예: 수정 2).", quick=[*quick, "제출", "취소"])
        )
    return Outcome(review(d, "'제출', '수정' 또는 '취소' 중에서 골라 주세요."))


# --- withdraw -----------------------------------------------------------------------------------


def resume_prompt(ctx: Ctx, note: str) -> Reply | None:
    """The step the member is on, for a reply that could not be handled (``note`` first)."""
    d = ctx.session.active_draft()
    return None if d is None else where_we_are(ctx, d, note)
