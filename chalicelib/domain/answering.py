"""Answering a survey: start or resume, one question at a time, the review card, submit, edit, withdraw.

A draft (``session.Draft``) carries a snapshot of its questions, so answering costs one
read (the user item) and one write. While a draft is the active flow the session is
``Flow.ANSWERING``; 메뉴 pauses it, 신청 <제목> resumes it, 취소 drops it. How a
question is put and read is its kind's business (``domain.kinds``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from chalicelib.domain import finding
from chalicelib.domain.common import Titled, choose_reply, main_quick, ref
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.effects import DeferAnswer, Effect
from chalicelib.domain.kinds import is_blank, kind_of, option_deltas, parse_answer, show_value
from chalicelib.domain.kinds.base import MAX_PICKS
from chalicelib.domain.kinds.choice import DONE, TAKE_BACK, named_options
from chalicelib.domain.lists import list_open
from chalicelib.domain.model import MODE_NAMES, PRESENCE, Answer, Survey, option_key, target_label
from chalicelib.domain.parsing import pick_option
from chalicelib.domain.privacy import (
    BATCH_KEY,
    batch_for,
    mode_note,
    participated,
    participation,
    unnamed_answer,
)
from chalicelib.domain.reply import Quick, QuickLike, Reply, offered
from chalicelib.domain.retention import keep_note
from chalicelib.domain.session import Action, Draft, Flow, Session
from chalicelib.domain.when import deadline_label, fmt_deadline, until_label
from chalicelib.domain.words import pp
from chalicelib.domain.writes import CountResponse, DeleteAnswer, ListSurvey, PutAnswer, Write

MAX_DRAFTS = 5


def put_draft(session: Session, d: Draft) -> None:
    """Make ``d`` the active draft, dropping the oldest one beyond MAX_DRAFTS (the user item stays small)."""
    session.drafts[d.survey_id] = d
    while len(session.drafts) > MAX_DRAFTS:
        oldest = min(session.drafts.values(), key=lambda x: x.started_at)
        session.drafts.pop(oldest.survey_id, None)
    session.idle()
    session.flow, session.answering = Flow.ANSWERING, d.survey_id


def drop_draft(session: Session, survey_id: str) -> None:
    session.drafts.pop(survey_id, None)
    if session.answering == survey_id:
        session.idle()


# --- prompts ------------------------------------------------------------------------------------


def places_left(ctx: Ctx, d: Draft) -> dict[str, int]:
    """Places left per option of the current question (a fresh read, only when it has capacities)."""
    q = d.question
    if not q.capacity:
        return {}
    s = ctx.db.get_survey(d.survey_id)
    if s is None:
        return {}
    mine = kind_of(q).picked(d.values.get(q.id)) if d.answer_version else []
    out = {}
    for o in q.options:
        r = s.remaining(q, o)
        if r is not None:
            out[o] = r + (1 if o in mine else 0)  # my own stored pick still counts as mine
    return out


QUICK_ROOM = 10  # quick replies Kakao shows


def chosen_now(d: Draft) -> list[str]:
    """The options of the current 복수선택 picked so far: those tapped, else the answer it has."""
    if d.picking is not None:
        return list(d.picking)
    current = d.values.get(d.question.id)
    return [str(o) for o in current] if isinstance(current, list) else []


def ask(ctx: Ctx, d: Draft, note: str = "") -> Reply:
    """The current question with its options, my answer so far, a hint and the quick replies (first those a
    reason to ask again brings: '오전 7시' · '오후 7시')."""
    q = d.question
    kind = kind_of(q)
    left = places_left(ctx, d)
    chosen = chosen_now(d) if kind.many else []
    lines = [f"[{d.title}] {d.index + 1}/{len(d.questions)}", q.text + ("" if q.required else " (건너뛰어도 돼요)")]
    lines += kind.lines(q, left, chosen)
    current = d.values.get(q.id)
    if kind.many:
        if chosen:
            lines.append(f"고른 것: {', '.join(chosen)}")
    elif not is_blank(current):
        lines.append(f"지금 답: {show_value(q, current)}")
    hint = kind.hint(q)
    if hint:
        lines.append(hint)
    # Taps carry the question they answer, so a double tap cannot also answer the next question.
    mark = {"sid": d.survey_id, "q": q.id}
    quick: list[QuickLike] = [
        Quick(x, x, extra=mark) if isinstance(x, str) else Quick(x.label, x.text, extra=mark) for x in offered(note)
    ]
    if kind.many:  # a tap adds an option; a tap on a chosen one (✓) takes it back
        quick += [
            Quick(f"✓ {o}", f"{o} {TAKE_BACK}", extra=mark) if o in chosen else Quick(o, o, extra=mark)
            for o in q.options[:MAX_PICKS]
        ]
        if chosen:
            quick.append(Quick(DONE, DONE, extra=mark))
    else:
        quick += [Quick(p, p, extra=mark) for p in kind.picks(q, left)]
    if d.index > 0:
        quick.append(Quick("이전", "이전", extra=mark))
    if not q.required and not chosen:
        quick.append(Quick("건너뛰기", "건너뛰기", extra=mark))
    if len(quick) < QUICK_ROOM:
        quick.append("취소")
    else:  # every option keeps its button; 취소 is still understood when typed
        lines.append("그만두려면 '취소'라고 보내 주세요.")
    return Reply.say(note, "\n".join(lines), quick=quick)


def review(d: Draft, note: str = "") -> Reply:
    lines = [f"[{d.title}] 제출 전 확인"]
    for n, q in enumerate(d.questions, 1):
        lines.append(f"{n}. {q.text}: {show_value(q, d.values.get(q.id))}")
    if d.anonymous:
        lines.append("이름 없이 저장되어 제출한 뒤에는 고치거나 취소할 수 없어요.")
    lines.append("이대로 제출할까요? 고치려면 '수정', 그만두려면 '취소'.")
    # A tapped 제출 carries the survey, so its survey and answer are read with the user (see reads_survey).
    return Reply.say(note, "\n".join(lines), quick=[Quick("제출", extra={"sid": d.survey_id}), "수정", "취소"])


def where_we_are(ctx: Ctx, d: Draft, note: str = "") -> Reply:
    """The review card or the current question, whichever the draft is on."""
    return review(d, note) if d.reviewing else ask(ctx, d, note)


# --- starting -----------------------------------------------------------------------------------


def start(ctx: Ctx, arg: str) -> Outcome:
    """신청 <제목>: resume a draft, show my stored answer, or begin."""
    if not arg:
        return list_open(ctx, "")
    found, pool = finding.for_member(ctx, arg)
    if found.survey is None:
        return Outcome(choose_reply("신청", arg, found, pool, "'신청 목록'에서 골라 주세요.", ctx.now))
    info = found.survey
    u = ctx.member
    # Answers are kept by the Kakao user, not by registration: someone whose item remembers no answer and
    # who registered after the survey opened (after 탈퇴, say) may have answered it before, so look it up.
    if info.id in u.answered or (not u.answered and u.created_at > info.created_at):
        s, a = ctx.survey_and_answer(info.id)
        if s is not None and a is not None:
            return Outcome(show_mine(ctx, s, a, pool))
        if s is not None and s.anonymous and info.id in u.answered:
            return _answered_unnamed(s)
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
    # Open and not full as the listing says (the submit's conditions hold the truth); the questions
    # are the form's, which never change.
    s = ctx.db.get_survey_form(info.id)
    if s is None:
        return Outcome(
            Reply.say(f"'{info.title}'{pp(info.title, '은(는)')} 마감되었어요.", quick=["신청 목록", "메뉴"])
        )
    if info.full:
        return Outcome(
            Reply.say(f"'{s.title}'{pp(s.title, '은(는)')} 정원({s.cap}명)이 모두 찼어요.", quick=["신청 목록", "메뉴"])
        )
    if s.anonymous and participated(ctx.db, s, u.person_key, ctx.key_for_privacy()):
        return _answered_unnamed(s)
    d = Draft.start(s, ctx.now.isoformat())
    put_draft(session, d)
    intro = f"'{s.title}' 응답을 시작해요. 질문 {len(s.questions)}개 · {deadline_label(info.deadline, ctx.now)}"
    if s.description:
        intro += f"\n{s.description}"
    if s.anonymous:
        intro += f"\n{mode_note(s)}"
    intro += f"\n{keep_note(s.keep_days or ctx.rules.keep_days)}"
    return Outcome(ask(ctx, d, intro), session=session)


def _answered_unnamed(s: Survey) -> Outcome:
    """Someone who answered a survey kept without names asks for it again: nothing of theirs can be shown."""
    return Outcome(
        Reply.say(
            f"'{s.title}'에는 이미 응답했어요. {MODE_NAMES[s.mode]} 신청이라 낸 답은 이름 없이 저장되어 "
            "보거나 고치거나 취소할 수 없어요.",
            quick=["신청 목록", "메뉴"],
        )
    )


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
    found, pool = finding.for_member(ctx, arg, answered_only=bool(ctx.member.answered))
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
        if d.index == 0:
            return Outcome(ask(ctx, d, "첫 질문이에요."))
        d.index, d.picking = d.index - 1, None
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
    if q.capacity:
        left = places_left(ctx, d)
        full = next((o for o in kind_of(q).picked(value) if left.get(o, 1) <= 0), None)
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
        _, stored = ctx.survey_and_answer(d.survey_id)
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
    d.picking = None
    if d.back_to_review or d.index + 1 >= len(d.questions):
        d.back_to_review, d.reviewing = False, True
        return Outcome(review(d, note), session=session)
    d.index += 1
    return Outcome(ask(ctx, d, note), session=session)


def _reopen(d: Draft, index: int) -> None:
    """Leave the card for question ``index``; its answer brings the member back to the card."""
    d.reviewing, d.back_to_review, d.index, d.picking = False, True, index, None


def _in_review(ctx: Ctx, session: Session, d: Draft, text: str) -> Outcome:
    if text == "제출":
        return submit(ctx, session, d)
    if text == "이전":
        d.reviewing, d.index = False, len(d.questions) - 1
        return Outcome(ask(ctx, d), session=session)
    if re.fullmatch(r"\d{1,2}번", text):  # the label of 수정's number chips, typed
        text = f"수정 {text[:-1]}"
    if text.startswith("수정"):
        arg = text[2:].strip().rstrip("번")
        if arg.isdigit() and 1 <= int(arg) <= len(d.questions):
            _reopen(d, int(arg) - 1)
            return Outcome(ask(ctx, d), session=session)
        quick: list[QuickLike] = [Quick(f"{n}번", f"수정 {n}") for n in range(1, min(len(d.questions), 8) + 1)]
        return Outcome(
            Reply.say("몇 번 질문을 고칠까요? 번호를 눌러 주세요 (예: 수정 2).", quick=[*quick, "제출", "취소"])
        )
    return Outcome(review(d, "'제출', '수정' 또는 '취소' 중에서 골라 주세요."))


def submit(ctx: Ctx, session: Session, d: Draft) -> Outcome:
    """제출: one transaction of answer + counters + user (see domain.writes for the conditions)."""
    sid = d.survey_id
    s, existing = ctx.survey_and_answer(sid)
    u = ctx.me()

    def drop(msg: str, quick: list[QuickLike] | None = None) -> Outcome:
        drop_draft(session, sid)
        return Outcome(Reply.say(msg, quick=quick or main_quick(u)), user=u, session=session)

    if s is None:
        return drop("이 신청은 삭제되었어요. 작성하던 답은 지웠어요.")
    if not s.is_open(ctx.now):
        return drop(f"'{s.title}'{pp(s.title, '은(는)')} 마감되어 제출할 수 없어요.")
    missing = [n for n, q in enumerate(d.questions, 1) if q.required and is_blank(d.values.get(q.id))]
    if missing:
        _reopen(d, missing[0] - 1)
        return Outcome(ask(ctx, d, f"{missing[0]}번은 꼭 답해야 해요."), session=session)
    ver = d.answer_version
    if ver == 0 and existing is not None:
        u.answered.setdefault(sid, 0)
        return drop(f"'{s.title}'에는 이미 제출한 답이 있어요. '내 신청'에서 확인하세요.", ["내 신청", "메뉴"])
    if ver and (existing is None or existing.version != ver):
        return drop("그사이 답이 바뀌었거나 취소되었어요. 다시 확인해 주세요.", ["내 신청", "메뉴"])
    if not ver and s.is_full():
        return drop(f"아쉽지만 '{s.title}'{pp(s.title, '은(는)')} 정원({s.cap}명)이 모두 찼어요.")
    if s.anonymous:
        if participated(ctx.db, s, u.person_key, ctx.key_for_privacy()):
            if s.mode == PRESENCE:
                u.answered.setdefault(sid, 0)
            return drop(
                f"'{s.title}'에는 이미 응답했어요. 이름 없이 저장된 답은 고칠 수 없어요.", ["신청 목록", "메뉴"]
            )
        existing = None
        ver = 0
    deltas = option_deltas(d.questions, existing.values if existing else {}, d.values)
    limits: dict[str, int] = {}
    for q in s.questions:
        for o, cap in q.capacity.items():
            k = option_key(q.id, o)
            limits[k] = cap
            if deltas.get(k, 0) > 0 and s.option_counts.get(k, 0) + deltas[k] > cap:
                _reopen(d, next(i for i, x in enumerate(d.questions) if x.id == q.id))
                return Outcome(
                    ask(ctx, d, f"'{o}'{pp(o, '은(는)')} 방금 정원이 찼어요. 다른 보기를 골라 주세요."), session=session
                )
    now_iso = ctx.now.isoformat()
    answer = Answer(
        survey_id=sid,
        user_key=u.person_key,  # the person's, whatever phone they answer from
        values=dict(d.values),
        name=u.name,
        unit=u.unit,
        submitted_at=existing.submitted_at if existing else now_iso,
        updated_at=now_iso if existing else "",
        survey_title=s.title,
        version=ver,
    )
    count = CountResponse(
        sid,
        ctx.now,
        response_delta=0 if existing else 1,
        option_deltas=deltas,
        cap=s.cap,
        limits={k: v for k, v in limits.items() if k in deltas},
    )
    writes: list[Write] = [PutAnswer(answer), count]
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
    if s.anonymous:
        if s.mode == PRESENCE:  # taking part is known in this mode; when, is not
            u.answered[sid] = 0
        msg = f"'{s.title}'에 답을 제출했어요! 이름 없이, 몇 분 안에 따로 저장돼요."
        return Outcome(
            Reply.say(msg, quick=["신청 목록", "메뉴"]), user=u, session=session, writes=writes, effects=later
        )
    u.answered[sid] = u.answered.get(sid) or int(ctx.now.timestamp())
    verb = "수정했어요" if existing else "제출했어요"
    msg = f"'{s.title}'에 답을 {verb}! {until_label(s.deadline, ctx.now)} 고치거나 취소할 수 있어요."
    return Outcome(Reply.say(msg, quick=["내 신청", "신청 목록", "메뉴"]), user=u, session=session, writes=writes)


# --- withdraw -----------------------------------------------------------------------------------


def ask_withdraw(ctx: Ctx, arg: str) -> Outcome:
    """신청 취소 <제목>: asks first (예 · 아니오)."""
    found, mine = finding.for_member(ctx, arg, answered_only=True)
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
        return _answered_unnamed(form)
    question = f"'{s.title}'에 제출한 답을 취소할까요? 답이 지워져요."
    return ctx.ask_first(Action.WITHDRAW, question, sid=s.id, title=s.title, yes=Quick("예", extra={"sid": s.id}))


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
    deltas = option_deltas(s.questions, a.values, {})
    u.answered.pop(sid, None)
    drop_draft(session, sid)
    count = CountResponse(sid, ctx.now, response_delta=-1, option_deltas=deltas)
    writes: list[Write] = [DeleteAnswer(sid, u.person_key, a.version), count]
    if s.is_full() and s.cap is not None and s.response_count - 1 < s.cap:
        # A place frees up: the listing says so, on the condition that the count is still the one seen.
        count.seen_count = s.response_count
        writes.append(ListSurvey(dataclasses.replace(s.info(), full=False)))
    return Outcome(
        Reply.say(
            f"'{s.title}'에 제출한 답을 취소했어요. 마감 전이면 다시 응답할 수 있어요.",
            quick=["신청 목록", "내 신청", "메뉴"],
        ),
        user=u,
        session=session,
        writes=writes,
    )


def resume_prompt(ctx: Ctx, note: str) -> Reply | None:
    """The step the member is on, for a reply that could not be handled (``note`` first)."""
    d = ctx.session.active_draft()
    return None if d is None else where_we_are(ctx, d, note)
