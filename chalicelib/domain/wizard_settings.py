"""The wizard's survey settings (deadline, automatic reminders, target, cap, privacy, when it opens, retention)
and its preview, where anything is changed before 개설."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from chalicelib.domain import conditions
from chalicelib.domain.context import Ctx
from chalicelib.domain.kinds import kind_of
from chalicelib.domain.model import (
    ANONYMOUS,
    KEEP_DAYS,
    KST,
    MAX_CAP,
    MODE_NAMES,
    NAMED,
    PRESENCE,
    target_label,
)
from chalicelib.domain.numerals import parse_number
from chalicelib.domain.parsing import DEADLINE_EXAMPLES, MAX_UNIT, moment_or_ask, valid_name
from chalicelib.domain.particles import pp
from chalicelib.domain.repeat import EXAMPLES as REPEAT_EXAMPLES
from chalicelib.domain.repeat import describe, parse_rule, shape
from chalicelib.domain.reply import Quick, QuickLike, Reason
from chalicelib.domain.retention import take_keep_days
from chalicelib.domain.roster import matched_unit
from chalicelib.domain.roster_records import unit_key
from chalicelib.domain.when import END_OF_DAY, fmt_deadline, fmt_when
from chalicelib.domain.wizard_state import Form, QuestionDraft
from chalicelib.domain.wizard_steps import MAX_QUESTIONS, full


def take_deadline(ctx: Ctx, form: Form, text: str) -> str | None:
    if text in ("없음", "건너뛰기"):
        form.deadline, form.deadline_said = None, ""
        return None
    when, why = moment_or_ask(text, ctx.now)
    if why:
        return why
    opens = datetime.fromisoformat(form.opens_at) if form.opens_at else None
    if opens is not None and when <= opens:
        return f"마감은 여는 때({fmt_deadline(opens, ctx.now)})보다 뒤여야 해요."
    form.deadline = when.isoformat()
    form.ask_remind = ctx.reminders
    form.deadline_said = fmt_when(when, ctx.now) + (" (시각이 없어 그날 끝까지)" if when.time() == END_OF_DAY else "")
    return None


AUTO_REMIND_CHOICES: dict[str, list[int]] = {"24시간 전": [24], "1시간 전": [1], "둘 다": [24, 1], "없음": []}


def take_remind(ctx: Ctx, form: Form, text: str) -> str | None:
    typed = text.replace(" ", "")
    hours = next((h for choice, h in AUTO_REMIND_CHOICES.items() if choice.replace(" ", "") == typed), None)
    if hours is None:
        return "'24시간 전', '1시간 전', '둘 다', '없음' 중에서 골라 주세요."
    form.auto_remind = list(hours)
    return None


def take_target(ctx: Ctx, form: Form, text: str) -> str | None:
    """'전체', one unit, or several joined by commas. With a roster, each must be one of its units; made by an admin of
    some units, one of theirs."""
    mine = f"소속 관리자는 맡은 소속({', '.join(form.units)})만 대상으로 할 수 있어요."
    if form.units and text in ("전체", "모두"):
        return f"{mine} 예: {form.units[0]}"
    if text in ("전체", "모두"):
        form.target = ""
        return None
    units = ctx.db.roster_units()
    parts = [p.strip() for p in text.replace("+", ",").split(",") if p.strip()]
    if units and len(parts) == 1:
        parts = text.split()  # '1중대 2중대' names two units when both are on the roster
        if not all(matched_unit(p, units)[0] for p in parts):
            parts = [text]
    chosen: list[str] = []
    for part in parts:
        why = valid_name(part.replace(" ", ""), MAX_UNIT)
        if why:
            return f"소속 이름을 확인해 주세요: {why}"
        if units:
            unit, near = matched_unit(part, units)
            if not unit:
                hint = f" 혹시 {', '.join(near)} 중 하나인가요?" if near else f" 소속: {', '.join(list(units)[:10])}"
                return f"'{part}'{pp(part, '은(는)')} 명단에 없는 소속이에요.{hint}"
            part = unit
        if part not in chosen:
            chosen.append(part)
    if outside := [c for c in chosen if form.units and unit_key(c) not in form.units]:  # theirs: kept as keys
        return f"'{', '.join(outside)}'{pp(outside[-1], '은(는)')} 맡은 소속이 아니에요. {mine}"
    form.target = ",".join(chosen)
    return None


def take_cap(ctx: Ctx, form: Form, text: str) -> str | None:
    if text in ("없음", "제한 없음", "건너뛰기"):
        form.cap = None
        return None
    n = parse_number(text)
    if not isinstance(n, int) or not 1 <= n <= MAX_CAP:
        return f"1~{MAX_CAP} 사이의 정수로 입력해 주세요."
    form.cap = n
    return None


MODE_CHOICES = {"실명": NAMED, "익명": ANONYMOUS, "참여만 확인": PRESENCE}


MODE_HELP = (
    "응답을 어떻게 받을까요?\n"
    "· 실명: 누가 무엇을 답했는지 봐요.\n"
    "· 익명: 답을 이름 없이 받아요. 누가 냈는지도 남지 않고, 낸 뒤에는 고칠 수 없어요.\n"
    "· 참여만 확인: 답은 이름 없이 받고, 누가 참여했는지만 알아요 (미응답을 챙길 수 있어요)."
)


def take_mode(ctx: Ctx, form: Form, text: str) -> str | None:
    mode = MODE_CHOICES.get(" ".join(text.split()))
    if mode is None:
        return "'실명', '익명', '참여만 확인' 중에서 골라 주세요."
    form.mode, form.detour = mode, ""
    return None


WHEN_HELP = f"언제 열까요? '지금', 여는 때(예: 월요일 오전 9시), 또는 반복({REPEAT_EXAMPLES})."


def take_when(ctx: Ctx, form: Form, text: str) -> str | None:
    """'지금', a moment (예약), or a repeat rule (the first period opens now)."""
    deadline = datetime.fromisoformat(form.deadline) if form.deadline else None
    form.detour = ""
    if text.replace(" ", "") in ("지금", "바로", "개설시"):
        form.opens_at, form.repeat = None, ""
        return None
    if text.startswith(("매주", "매월")):
        said, _, moved = text.partition("마감")  # '매주 월 9시, 마감 12/2 18:00': the proposal below, tapped
        rule, unread = parse_rule(said.strip().rstrip(","))
        if unread:
            return unread
        if moved.strip():
            deadline, why = moment_or_ask(moved.strip(), ctx.now)
            if why or deadline is None:
                return why or DEADLINE_EXAMPLES
        made = shape(deadline, ctx.now, rule)
        if made.problem:
            if made.nearest is None:
                return made.problem
            at = made.nearest.astimezone(KST)
            moment = f"{at.month}/{at.day} {at:%H:%M}"
            return Reason(
                f"{made.problem} 마감을 {(near := fmt_deadline(made.nearest, ctx.now))}{pp(near, '(으)로')} 당길까요?",
                [Quick(f"마감 {moment}", f"{said.strip().rstrip(',')}, 마감 {moment}")],
            )
        if moved.strip() and deadline is not None:
            form.deadline, form.deadline_said = deadline.isoformat(), fmt_when(deadline, ctx.now)
        form.opens_at, form.repeat = None, rule
        return None
    when, why = moment_or_ask(text, ctx.now)
    if why or when is None:
        return why or WHEN_HELP
    if deadline is not None and when >= deadline:
        return f"여는 때는 마감({fmt_deadline(deadline, ctx.now)})보다 앞이어야 해요."
    form.opens_at, form.repeat = when.isoformat(), ""
    return None


def opens_label(form: Form, now: datetime) -> str:
    """How the preview says when it opens (a repeating one: when the next period opens, and until when)."""
    if form.repeat:
        deadline = datetime.fromisoformat(form.deadline) if form.deadline else None
        made = shape(deadline, now, form.repeat)
        until = f"~{fmt_deadline(made.next + timedelta(seconds=made.lasts), now)}" if made.lasts is not None else ""
        following = f" (다음 회차 {fmt_deadline(made.next, now)}{until})" if not made.problem else ""
        return f"개설하면 바로, 그 뒤로 {describe(form.repeat)}마다 새 회차{following}"
    if form.opens_at:
        return f"{fmt_deadline(datetime.fromisoformat(form.opens_at), now)} 예약"
    return "개설하면 바로"


OPEN_QUESTION = (
    "이대로 개설할까요? 고칠 것은 '수정'(질문, 마감, 대상, 최대 응답…), 응답 방식(익명 등), 여는 때(예약, 반복), "
    "보관 기간도 바꿀 수 있어요."
)


SETTINGS = {"응답 방식": "mode", "여는 때": "when", "예약": "when", "반복": "when", "보관 기간": "keep"}


def keep_default_days(form: Form) -> int:
    return form.keep_default or KEEP_DAYS


def take_keep(ctx: Ctx, form: Form, text: str) -> str | None:
    days, why = take_keep_days(text, keep_default_days(form))
    if why:
        return why
    form.keep_days, form.detour = days, ""
    return None


# What the preview changes besides 응답 방식, 여는 때 and 보관 기간: the step each goes to (then back to the preview).
CHANGES = {"제목": "title", "설명": "desc", "마감": "deadline", "대상": "target", "최대 응답": "cap", "정원": "cap"}


EDIT = "수정"


ADD_QUESTION = "질문 추가"


_EDIT_QUESTION = re.compile(r"(?:수정\s*|질문\s*)?(\d{1,2})\s*(?:번)?(?:\s*질문)?(?:\s*수정)?")


_DROP_QUESTION = re.compile(
    r"질문\s*(?:빼기|삭제|지우기)\s*(\d{1,2})\s*번?|(\d{1,2})\s*번?\s*(?:질문\s*)?(?:빼기|삭제)"
)


def take_open(ctx: Ctx, form: Form, text: str) -> str | None:
    """개설, or what the preview changes first (its step, then the preview again): 응답 방식, 여는 때, 보관 기간,
    '수정 2' (a question: its text, kind and settings, required or not), '수정 마감' (마감, 대상, 최대 응답, 제목,
    설명), '질문 추가'; '수정' alone lists them."""
    said = " ".join(text.split())
    setting = SETTINGS.get(said)
    if setting:
        form.detour = setting
        return None
    if said == "개설":
        return None
    if said == EDIT:
        return _what_to_change(form)
    named = said.removeprefix(EDIT).strip()
    if named in CHANGES or named in SETTINGS:  # '수정 마감', '수정 응답 방식'
        form.detour = CHANGES.get(named) or SETTINGS[named]
        return None
    if said == ADD_QUESTION:
        if full(form):
            return f"질문은 {MAX_QUESTIONS}개까지예요."
        form.detour, form.editing, form.current = "q_text", 0, None
        return None
    m = _EDIT_QUESTION.fullmatch(said)
    if m and (said.startswith((EDIT, "질문")) or "번" in said):
        n = int(m[1])
        if not 1 <= n <= len(form.questions):
            return f"질문은 1~{len(form.questions)}번이 있어요."
        q = form.questions[n - 1]
        settings = {k: v for k, v in q.to_dict().items() if k not in ("id", "text")}
        form.detour, form.editing, form.current = "q_text", n, QuestionDraft(id=q.id, text=q.text, settings=settings)
        return None
    return Reason(
        "'개설'을 누르면 열려요. 고칠 것이 있으면 '수정'을 눌러 주세요 (예: 수정 2, 수정 마감, 질문 추가).",
        _change_chips(form),
    )


def _change_chips(form: Form) -> list[QuickLike]:
    shown = [Quick(f"{n}번 질문", f"{EDIT} {n}") for n in range(1, min(len(form.questions), 3) + 1)]
    return [*shown, *(Quick(w, f"{EDIT} {w}") for w in ("제목", "마감", "대상", "최대 응답")), ADD_QUESTION]


def _what_to_change(form: Form) -> Reason:
    n = len(form.questions)
    return Reason(
        f"무엇을 고칠까요? 질문은 번호로(1~{n}번, 예: 수정 2), 또는 제목 · 설명 · 마감 · 대상 · 최대 응답. "
        "질문을 더하려면 '질문 추가', 빼려면 '질문 빼기 2'. 앞의 답에 따라서만 물으려면 '조건 2 1번 불참'.",
        _change_chips(form),
    )


def drop_question(form: Form, text: str) -> str:
    """'질문 빼기 2' on the preview: the question goes (the others keep their ids); what to say, "" when the text
    is not that."""
    m = _DROP_QUESTION.fullmatch(" ".join(text.split()))
    if m is None:
        return ""
    n = int(m[1] or m[2])
    if not 1 <= n <= len(form.questions):
        return f"질문은 1~{len(form.questions)}번이 있어요."
    if len(form.questions) == 1:
        return "질문이 하나는 있어야 해요."
    gone = form.questions.pop(n - 1)
    return f"{n}번 질문 '{gone.text[:20]}'{pp(gone.text[:20], '을(를)')} 뺐어요."


def identifying_warning(form: Form) -> str:
    """A survey kept without names (익명, 참여만 확인) that asks what tells who answered (a phone number, a name,
    an e-mail): the preview says so, and how to change it. "" when there is nothing to warn of."""
    if form.mode not in (ANONYMOUS, PRESENCE):
        return ""
    found = [(n, what) for n, q in enumerate(form.questions, 1) if (what := kind_of(q).identifies(q))]
    if not found:
        return ""
    said = ", ".join(f"{n}번({what})" for n, what in found)
    first = found[0][0]
    return (
        f"⚠ 주의: {MODE_NAMES[form.mode]}인데 누구인지 알 수 있는 질문이 있어요: {said}. "
        "답이 이름 없이 저장돼도 그 답으로 누가 냈는지 알 수 있어요. "
        f"질문을 빼거나('질문 빼기 {first}') 바꾸거나('수정 {first}'), 응답 방식을 실명으로 바꿔 주세요."
    )


def places_warning(form: Form) -> str:
    """A survey kept without names with a 정원 on an option: the places left drop the moment someone takes one, so a
    member watching them while answering sees what another just chose (docs/privacy.md, "What no mode can hide").
    The preview says so, and how to change it. "" when there is nothing to warn of."""
    if form.mode not in (ANONYMOUS, PRESENCE):
        return ""
    found = [n for n, q in enumerate(form.questions, 1) if q.capacity]
    if not found:
        return ""
    said = ", ".join(f"{n}번" for n in found)
    return (
        f"⚠ 주의: {MODE_NAMES[form.mode]}인데 정원이 있는 선택지가 있어요: {said}. "
        "남은 자리는 누가 고르는 즉시 줄어서, 응답하는 사람이 방금 다른 사람이 고른 것을 알 수 있어요. "
        f"민감한 선택이라면 정원을 빼 주세요('수정 {found[0]}')."
    )


def preview_text(form: Form, now: datetime) -> str:
    lines = [f"[미리보기] {form.title}"]
    if form.description:
        lines.append(form.description)
    for n, q in enumerate(form.questions, 1):
        when = f" · {said}" if (said := conditions.label(form.questions, q)) else ""
        if q.when and not said:  # its question was taken out or changed: asked of everyone until set again
            when = f" · ⚠ 조건이 맞지 않아 모두에게 물어요 ('조건 {n}'{pp(str(n), '(으)로')} 다시 정해요)"
        lines.append(f"{n}. {q.text} ({kind_of(q).describe(q)}{'' if q.required else ', 생략 가능'}){when}")
    lines.append(f"마감: {fmt_deadline(datetime.fromisoformat(form.deadline) if form.deadline else None, now)}")
    if form.auto_remind:
        lines.append("자동 알림: " + ", ".join(f"마감 {h}시간 전" for h in form.auto_remind))
    lines.append(f"대상: {target_label(form.target)}")
    lines.append(f"최대 응답: {form.cap if form.cap else '제한 없음'}")
    lines.append(f"응답 방식: {MODE_NAMES[form.mode or NAMED]}")
    lines += [w for w in (identifying_warning(form), places_warning(form)) if w]
    lines.append(f"열림: {opens_label(form, now)}")
    lines.append(f"응답 보관: 마감 후 {form.keep_days or keep_default_days(form)}일")
    return "\n".join(lines)
