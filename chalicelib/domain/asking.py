"""How a member's draft is put to them: the drafts a session keeps, the question asked now with its chips,
places left, and the review card."""

from __future__ import annotations

from chalicelib.domain.conditions import asked
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.kinds import is_blank, kind_of, show_value
from chalicelib.domain.kinds.base import MAX_PICKS
from chalicelib.domain.kinds.choice import DONE, TAKE_BACK
from chalicelib.domain.model import MODE_NAMES, Survey
from chalicelib.domain.reply import Quick, QuickLike, Reply, offered
from chalicelib.domain.session import Draft, Flow, Session

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


def places_left(ctx: Ctx, d: Draft) -> dict[str, int]:
    """Places left per option of the current question (a fresh read, only when it has capacities)."""
    q = d.question
    if not q.capacity:
        return {}
    s = ctx.fresh_survey(d.survey_id)
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
    head = f"[{d.title}] {d.index + 1}/{len(d.questions)}" + (f" · {d.proxy['label']}님 대리 응답" if d.proxy else "")
    lines = [head, q.text + ("" if q.required else " (건너뛰어도 돼요)")]
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
    lines = [f"[{d.title}] 제출 전 확인" + (f" · {d.proxy['label']}님 대리 응답" if d.proxy else "")]
    for n, q in enumerate(d.questions, 1):
        if asked(d.questions, q, d.values):  # 조건: a question not asked is not on the card
            lines.append(f"{n}. {q.text}: {show_value(q, d.values.get(q.id))}")
    if d.anonymous:
        lines.append("이름 없이 저장되어 제출한 뒤에는 고치거나 취소할 수 없어요.")
    lines.append("이대로 제출할까요? 고치려면 '수정', 그만두려면 '취소'.")
    # A tapped 제출 carries the survey, so its survey and answer are read with the user (see reads_survey).
    return Reply.say(note, "\n".join(lines), quick=[Quick("제출", extra={"sid": d.survey_id}), "수정", "취소"])


def where_we_are(ctx: Ctx, d: Draft, note: str = "") -> Reply:
    """The review card or the current question, whichever the draft is on."""
    return review(d, note) if d.reviewing else ask(ctx, d, note)


def reopen(d: Draft, index: int) -> None:
    """Leave the card for question ``index``; its answer brings the member back to the card."""
    d.reviewing, d.back_to_review, d.index, d.picking = False, True, index, None


def answered_unnamed(s: Survey) -> Outcome:
    """Someone who answered a survey kept without names asks for it again: nothing of theirs can be shown."""
    return Outcome(
        Reply.say(
            f"'{s.title}'에는 이미 응답했어요. {MODE_NAMES[s.mode]} 신청이라 낸 답은 이름 없이 저장되어 "
            "보거나 고치거나 취소할 수 없어요.",
            quick=["신청 목록", "메뉴"],
        )
    )
