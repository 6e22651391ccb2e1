"""신청 만들기: the admin's wizard, as a table of steps.

    title → desc → (q_text → q_kind → [the kind's own step] → q_req)* → deadline → target → cap → preview

Each entry of :data:`STEPS` says what the step asks, how it takes the admin's answer
(a reason re-asks the same step, nothing taken) and which step comes next. A kind that
needs settings (a number's range, the options of a choice) brings its own step from
``domain.kinds``. The state (``session.WizardState``) keeps a short history for 이전;
메뉴 pauses the wizard, 신청 만들기 resumes it, 취소 drops it.
"""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.common import main_quick
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.kinds import KINDS, Setup, kind_named, kind_of, setup_steps
from chalicelib.domain.kinds.text import FORMAT_HINT
from chalicelib.domain.model import (
    ANONYMOUS,
    KEEP_DAYS,
    KST,
    MAX_CAP,
    MODE_NAMES,
    NAMED,
    OPEN,
    PRESENCE,
    SCHEDULED,
    Managed,
    Survey,
    option_key,
    target_label,
)
from chalicelib.domain.numerals import parse_number
from chalicelib.domain.parsing import DEADLINE_EXAMPLES, MAX_UNIT, moment_or_ask, valid_name
from chalicelib.domain.repeat import EXAMPLES as REPEAT_EXAMPLES
from chalicelib.domain.repeat import describe, parse_rule, plan_of, shape
from chalicelib.domain.reply import Quick, QuickLike, Reason, Reply, offered
from chalicelib.domain.retention import KEEP_HELP, take_keep_days
from chalicelib.domain.roster import matched_unit
from chalicelib.domain.session import Flow, Form, QuestionDraft, Session, Snapshot, WizardState
from chalicelib.domain.targets import Target
from chalicelib.domain.vocabulary import reads_as_command
from chalicelib.domain.when import END_OF_DAY, deadline_label, fmt_deadline, fmt_when
from chalicelib.domain.words import pp
from chalicelib.domain.writes import ListSurvey, Plan, PutSurvey, Write

MAX_TITLE = 40
MAX_DESC = 300
MAX_QUESTION = 150
MAX_QUESTIONS = 20
HISTORY = 8


@dataclass(frozen=True)
class Ask:
    """What a step says: its text(s) and the quick replies that answer it (이전 and 취소 are added)."""

    texts: list[str]
    quick: list[QuickLike] = field(default_factory=list)


OPEN_IT = ""  # what the last step's ``next`` names: no further step, the survey opens


@dataclass(frozen=True)
class Step:
    """One step: ``prompt`` draws it from the form, ``take`` applies the admin's text to the form
    (returning a reason to ask again), ``next`` names the following step (:data:`OPEN_IT`: open the
    survey), ``note`` is said on arriving at that next step."""

    prompt: Callable[[Form, datetime], Ask]  # (the form, the moment it is drawn at)
    take: Callable[[Ctx, Form, str], str | None]
    next: Callable[[Form], str]
    note: Callable[[Form], str] = lambda form: ""


# --- the steps ----------------------------------------------------------------------------------


def _take_title(ctx: Ctx, form: Form, text: str) -> str | None:
    if not text or len(text) > MAX_TITLE:
        return f"제목은 1~{MAX_TITLE}자로 입력해 주세요."
    if "#" in text or reads_as_command(text):
        return "명령어와 헷갈리는 제목이나 '#'이 들어간 제목은 쓸 수 없어요."
    if why := title_taken(ctx, text):
        return why
    form.title = text
    return None


SUFFIXES_TRIED = 5  # '제목 2' … '제목 6': a free one is suggested (one index lookup each)


def title_taken(ctx: Ctx, title: str) -> str:
    """Why ``title`` cannot be used (another survey that is not deleted has it, closed or not), with a
    free title to use instead; "" when it is free."""
    same = ctx.db.surveys_titled(title)
    if not same:
        return ""
    other = same[0]
    state = other.state_label(ctx.now)
    when = fmt_deadline(other.deadline, ctx.now)
    why = f"'{other.title}'{pp(other.title, '은(는)')} 이미 있는 제목이에요 ({state} · {when})."
    base = title[: MAX_TITLE - 3].rstrip()
    for n in range(2, 2 + SUFFIXES_TRIED):
        candidate = f"{base} {n}"
        if not ctx.db.surveys_titled(candidate):
            return f"{why} 다른 제목을 입력해 주세요. 예: {candidate}"
    return f"{why} 다른 제목을 입력해 주세요."


def _take_desc(ctx: Ctx, form: Form, text: str) -> str | None:
    if len(text) > MAX_DESC:
        return f"설명은 {MAX_DESC}자 이내로 입력해 주세요."
    form.description = "" if text == "건너뛰기" else text
    return None


AS_IS = "그대로"  # keeps what a question being changed from the preview had at this step


def _ask_question(form: Form) -> Ask:
    if form.editing and form.current is not None:
        return Ask([f"{form.editing}번 질문을 고쳐 써 주세요. 지금: {form.current.text}"], [AS_IS])
    n = len(form.questions)
    if form.detour == "q_text":  # one more, from the preview
        return Ask([f"{n + 1}번 질문을 입력해 주세요. 예: 메뉴를 골라 주세요"])
    done = f" (지금 {n}개, '질문 끝'으로 마침)" if n else ""
    return Ask([f"{n + 1}번 질문을 입력해 주세요{done}. 예: 메뉴를 골라 주세요"], ["질문 끝"] if n else [])


def _next_id(form: Form) -> str:
    """An id no question of the form has (questions may have been taken out from the preview)."""
    used = {int(q.id[1:]) for q in form.questions if q.id[1:].isdigit()}
    return f"q{max(used, default=0) + 1}"


def _take_question(ctx: Ctx, form: Form, text: str) -> str | None:
    if form.editing and form.current is not None:
        if text != AS_IS:
            if len(text) > MAX_QUESTION:
                return f"질문은 {MAX_QUESTION}자 이내로 입력해 주세요."
            form.current.text = text
        return None
    if text == "질문 끝":
        return None if form.questions else "질문이 하나는 있어야 해요."
    if len(text) > MAX_QUESTION:
        return f"질문은 {MAX_QUESTION}자 이내로 입력해 주세요."
    form.current = QuestionDraft(id=_next_id(form), text=text)
    return None


def _current(form: Form) -> QuestionDraft:
    if form.current is None:
        raise ValueError("no question in progress")
    return form.current


def _take_kind(ctx: Ctx, form: Form, text: str) -> str | None:
    if text == AS_IS and form.editing and _current(form).kind:
        return None  # its kind, and its settings (offered as they are at the next step)
    kind = kind_named(text)
    head, _, rest = text.strip().partition(" ")
    settings = _current(form).settings
    with_rest = kind_named(head) if kind is None and rest else None
    if with_rest is not None:  # '주관식 전화번호': text of a format; '시간 18:00~23:00': times within hours
        for key in ("format", "min", "max"):
            settings.pop(key, None)
        settings["kind"] = with_rest.code
        return with_rest.take_rest(settings, rest.strip())
    if kind is None:
        return "아래 형식 중에서 골라 주세요."
    if settings.get("kind") != kind.code:  # another kind: the settings of the one before go
        for key in ("format", "min", "max", "options", "capacity", "unit"):
            settings.pop(key, None)
    settings["kind"] = kind.code
    settings.pop("format", None)
    return None


def _after_kind(form: Form) -> str:
    kind = KINDS.get(_current(form).kind)
    return kind.setup.step if kind is not None and kind.setup is not None else "q_req"


def _kind_step(setup: Setup) -> Step:
    """A kind's own step (its settings), run on the question being built."""

    def ask(form: Form, now: datetime) -> Ask:
        text, quick = setup.prompt(_current(form).settings)
        if form.editing and _kept(form, setup):
            return Ask([text, f"지금: {_described(form)}"], [AS_IS, *quick])
        return Ask([text], list(quick))

    def take(ctx: Ctx, form: Form, text: str) -> str | None:
        if text == AS_IS and form.editing and _kept(form, setup):
            return None
        return setup.take(_current(form).settings, text)

    def following(form: Form) -> str:
        return setup.after(_current(form).settings) or "q_req"

    return Step(ask, take, following)


def _kept(form: Form, setup: Setup) -> bool:
    """Whether the question being changed still has what ``setup`` sets (its kind was kept): 그대로 may keep it."""
    settings = _current(form).settings
    return setup.step != "q_opts" or len(settings.get("options") or []) >= 2


def _described(form: Form) -> str:
    draft = _current(form)
    q = draft.finish(required=bool(draft.settings.get("required", True)))
    return kind_of(q).describe(q)


def _take_required(ctx: Ctx, form: Form, text: str) -> str | None:
    if text == AS_IS and form.editing:
        text = "필수" if _current(form).settings.get("required", True) else "생략 가능"
    if text not in ("필수", "생략 가능", "예", "아니오"):
        return "'필수' 또는 '생략 가능'으로 답해 주세요."
    done = _current(form).finish(required=text in ("필수", "예"))
    if form.editing and 0 < form.editing <= len(form.questions):
        form.questions[form.editing - 1] = done  # changed in its place, with its id
    else:
        form.questions.append(done)
    form.current = None
    return None


def _take_deadline(ctx: Ctx, form: Form, text: str) -> str | None:
    if text in ("없음", "건너뛰기"):
        form.deadline, form.deadline_said = None, ""
        return None
    when, why = moment_or_ask(text, ctx.now)
    if why:
        return why
    form.deadline = when.isoformat()
    form.ask_remind = ctx.reminders
    form.deadline_said = fmt_when(when, ctx.now) + (" (시각이 없어 그날 끝까지)" if when.time() == END_OF_DAY else "")
    return None


AUTO_REMIND_CHOICES: dict[str, list[int]] = {"24시간 전": [24], "1시간 전": [1], "둘 다": [24, 1], "없음": []}


def _take_remind(ctx: Ctx, form: Form, text: str) -> str | None:
    typed = text.replace(" ", "")
    hours = next((h for choice, h in AUTO_REMIND_CHOICES.items() if choice.replace(" ", "") == typed), None)
    if hours is None:
        return "'24시간 전', '1시간 전', '둘 다', '없음' 중에서 골라 주세요."
    form.auto_remind = list(hours)
    return None


def _take_target(ctx: Ctx, form: Form, text: str) -> str | None:
    """'전체', one unit, or several joined by commas. With a roster, each must be one of its units."""
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
    form.target = ",".join(chosen)
    return None


def _take_cap(ctx: Ctx, form: Form, text: str) -> str | None:
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


def _take_mode(ctx: Ctx, form: Form, text: str) -> str | None:
    mode = MODE_CHOICES.get(" ".join(text.split()))
    if mode is None:
        return "'실명', '익명', '참여만 확인' 중에서 골라 주세요."
    form.mode, form.detour = mode, ""
    return None


WHEN_HELP = f"언제 열까요? '지금', 여는 때(예: 월요일 오전 9시), 또는 반복({REPEAT_EXAMPLES})."


def _take_when(ctx: Ctx, form: Form, text: str) -> str | None:
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


def _keep_default(form: Form) -> int:
    return form.keep_default or KEEP_DAYS


def _take_keep(ctx: Ctx, form: Form, text: str) -> str | None:
    days, why = take_keep_days(text, _keep_default(form))
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


def _take_open(ctx: Ctx, form: Form, text: str) -> str | None:
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
        if _full(form):
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
        "질문을 더하려면 '질문 추가', 빼려면 '질문 빼기 2'.",
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


def _full(form: Form) -> bool:
    return len(form.questions) >= MAX_QUESTIONS


STEPS: dict[str, Step] = {
    "title": Step(
        lambda f, now: (
            Ask(["새 제목을 입력해 주세요. 아래 제목을 눌러도 돼요."], [f.title])
            if (f.copied or f.detour == "title") and f.title and not f.retitle
            else Ask([f"신청 제목을 입력해 주세요 ({MAX_TITLE}자 이내). 예: 2중대 BBQ 회식"])
        ),
        _take_title,
        lambda f: "preview" if f.retitle else "deadline" if f.copied else "desc",
    ),
    "desc": Step(
        lambda f, now: Ask(["설명을 입력해 주세요. 없으면 '건너뛰기'."], ["건너뛰기"]), _take_desc, lambda f: "q_text"
    ),
    "q_text": Step(lambda f, now: _ask_question(f), _take_question, lambda f: "q_kind" if f.current else "deadline"),
    "q_kind": Step(
        lambda f, now: Ask(
            [f"'{_current(f).text}' 질문의 형식을 골라 주세요. {FORMAT_HINT}"]
            + ([f"지금: {_described(f)}"] if f.editing else []),
            [*([AS_IS] if f.editing else []), *(k.name for k in KINDS.values())],
        ),
        _take_kind,
        _after_kind,
    ),
    **{name: _kind_step(setup) for name, setup in setup_steps().items()},
    "q_req": Step(
        lambda f, now: Ask(["꼭 답해야 하는 질문인가요?"], [*([AS_IS] if f.editing else []), "필수", "생략 가능"]),
        _take_required,
        lambda f: "deadline" if _full(f) else "q_text",
        note=lambda f: f"질문은 {MAX_QUESTIONS}개까지 만들 수 있어요. 마감 일시로 넘어가요." if _full(f) else "",
    ),
    "deadline": Step(
        lambda f, now: Ask([f"마감 일시를 입력해 주세요. {DEADLINE_EXAMPLES}. 마감이 없으면 '없음'."], ["없음"]),
        _take_deadline,
        lambda f: "remind" if f.deadline and f.ask_remind else "preview" if f.copied else "target",
        note=lambda f: f"마감: {f.deadline_said}" if f.deadline and f.deadline_said else "",
    ),
    "remind": Step(
        lambda f, now: Ask(
            ["마감 전에 아직 응답하지 않은 사람에게 자동으로 알림을 보낼까요? (알림이 켜진 경우, 1건 15원)"],
            list(AUTO_REMIND_CHOICES),
        ),
        _take_remind,
        lambda f: "preview" if f.copied else "target",
    ),
    "target": Step(
        lambda f, now: Ask(
            ["대상 소속을 입력해 주세요 (예: 2중대, 여럿이면 1중대, 2중대). 모두에게 받으려면 '전체'."], ["전체"]
        ),
        _take_target,
        lambda f: "cap",
    ),
    "cap": Step(
        lambda f, now: Ask(["최대 응답 수를 입력해 주세요 (선착순). 제한이 없으면 '없음'."], ["없음"]),
        _take_cap,
        lambda f: "preview",
    ),
    "mode": Step(lambda f, now: Ask([MODE_HELP], list(MODE_CHOICES)), _take_mode, lambda f: "preview"),
    "when": Step(
        lambda f, now: Ask([WHEN_HELP], ["지금", "월요일 오전 9시", "매주 월 9시"]), _take_when, lambda f: "preview"
    ),
    "keep": Step(
        lambda f, now: Ask([KEEP_HELP.format(d=_keep_default(f))], ["기본", "90일", "30일"]),
        _take_keep,
        lambda f: "preview",
    ),
    "preview": Step(
        lambda f, now: Ask(
            [preview_text(f, now), OPEN_QUESTION],
            ["개설", EDIT, "응답 방식", "여는 때", "보관 기간"],
        ),
        _take_open,
        lambda f: f.detour or OPEN_IT,
    ),
}
FIRST = "title"


# --- running it ---------------------------------------------------------------------------------


def prompt(w: WizardState, now: datetime, note: str = "") -> Reply:
    """The wizard's current step, drawn from its state (and ``now``, how moments are said)."""
    ask = STEPS[w.step].prompt(w.form, now)
    nav: list[QuickLike] = ["이전", "취소"] if w.history else ["취소"]
    return Reply.say(note, *ask.texts, quick=[*offered(note), *ask.quick, *nav])


def begin(ctx: Ctx, arg: str) -> Outcome:
    """신청 만들기 (새로): resumes a paused wizard, or starts one."""
    session = ctx.state()
    session.idle()
    session.flow = Flow.CREATING
    if session.wizard is not None and arg != "새로":
        note = "만들던 신청서를 이어서 해요. 처음부터 하려면 '신청 만들기 새로'."
    else:
        session.wizard = WizardState(FIRST, Form(keep_default=ctx.rules.keep_days))
        note = "새 신청서를 만들어요. 언제든 '이전'으로 돌아가고 '취소'로 그만둘 수 있어요."
    return Outcome(prompt(session.wizard, ctx.now, note), session=session)


FREE_TEXT_STEPS = frozenset({"q_text"})


def takes_text(session: Session) -> bool:
    """Whether the wizard is asking for a question's text, where 메뉴 or 도움말 is what the admin means to
    write (a food order asks for a 메뉴), not a way out (이전 and 취소 still are)."""
    w = session.wizard
    return session.flow == Flow.CREATING and w is not None and w.step in FREE_TEXT_STEPS


def in_flow(ctx: Ctx, text: str) -> Outcome:
    """A message in the wizard: the step's answer, 이전, 취소, or 신청 만들기 새로."""
    session = ctx.state()
    w = session.wizard
    if w is None or w.step not in STEPS:
        session.wizard = None
        session.idle()
        return Outcome(Reply.say("만들던 신청서가 없어요.", quick=main_quick(ctx.user)), session=session)
    if text == "신청 만들기 새로":
        return begin(ctx, "새로")
    if text == "취소":
        session.wizard = None
        session.idle()
        return Outcome(
            Reply.say("신청서 만들기를 그만뒀어요. 아무것도 개설되지 않았어요.", quick=main_quick(ctx.user)),
            session=session,
        )
    if text == "이전":
        if not w.history:
            return Outcome(prompt(w, ctx.now, "첫 단계예요."))
        back = w.history.pop()
        w.step, w.form = back.step, back.restore(w.form.questions)
        return Outcome(prompt(w, ctx.now), session=session)
    step = STEPS[w.step]
    before = Snapshot.of(w.step, w.form)
    if w.step == "preview" and (dropped := drop_question(w.form, text)):
        return Outcome(prompt(w, ctx.now, dropped), session=session)
    why = step.take(ctx, w.form, text)
    if why:
        return Outcome(prompt(w, ctx.now, why))  # nothing taken: the session is not stored
    following = _back_to_preview(w.step, w.form, step.next(w.form))
    if following == OPEN_IT:
        if why := title_taken(ctx, w.form.title):  # someone took the title while this wizard ran
            w.history = ([*w.history, before])[-HISTORY:]
            w.step, w.form.retitle = "title", True
            return Outcome(prompt(w, ctx.now, why), session=session)
        return _open(ctx, session, w.form)
    w.history = ([*w.history, before])[-HISTORY:]
    w.step = following
    return Outcome(prompt(w, ctx.now, step.note(w.form)), session=session)


# The steps a change begun on the preview may pass through before it comes back there.
_CHAINS = {"deadline": {"remind"}, "q_text": {"q_kind", "q_req", *setup_steps()}}


def _back_to_preview(step: str, form: Form, following: str) -> str:
    """Where a step leads when the preview sent the admin there (``form.detour``): its own further steps (a
    deadline's reminders, a question's kind and settings), then the preview again, which the change ends."""
    if step == "preview" or not form.detour:
        return following
    if following in _CHAINS.get(form.detour, set()) and following != form.detour:
        return following
    form.detour, form.editing, form.current = "", 0, None
    return "preview"


def _open(ctx: Ctx, session: Session, form: Form) -> Outcome:
    """개설: the survey is stored (and audited) and the wizard is gone."""
    session.wizard = None
    session.idle()
    opens_at = datetime.fromisoformat(form.opens_at) if form.opens_at else None
    if opens_at is not None and opens_at <= ctx.now:  # the time came while the preview waited
        opens_at = None
    s = _survey(ctx, form, opens_at)
    me = ctx.me()  # the admin's own item remembers the survey, to find it by title without reads
    me.managed[s.id] = Managed(s.title, int(ctx.now.timestamp()))
    writes: list[Write] = [PutSurvey(s), ctx.audit("create", s.id, s.title)]
    if opens_at is None:
        writes.append(ListSurvey(s.info()))
    if opens_at is not None or s.repeat:
        writes.append(Plan(plan_of(s, ctx.now, opens_at, s.repeat)))
    said = f"대상: {target_label(s.target_unit)} · {deadline_label(s.deadline, ctx.now)}"
    if opens_at is not None:
        head = f"'{s.title}'{pp(s.title, '을(를)')} {fmt_deadline(opens_at, ctx.now)}에 열리도록 예약했어요. {said}"
        tail = "그때까지는 구성원에게 보이지 않아요. 열리면 '신청 목록'에 나와요."
    else:
        head = f"'{s.title}'{pp(s.title, '을(를)')} 개설했어요. {said}"
        tail = "구성원에게 '신청 목록'에서 응답하라고 알려 주세요."
    if s.repeat:
        tail += f" {describe(s.repeat)}마다 새 회차가 열려요."
    return Outcome(
        Reply.say(head, tail, quick=[f"현황 {s.title}", "내 신청서", "메뉴"]),
        user=me,
        session=session,
        writes=writes,
    )


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


def preview_text(form: Form, now: datetime) -> str:
    lines = [f"[미리보기] {form.title}"]
    if form.description:
        lines.append(form.description)
    for n, q in enumerate(form.questions, 1):
        lines.append(f"{n}. {q.text} ({kind_of(q).describe(q)}{'' if q.required else ', 생략 가능'})")
    lines.append(f"마감: {fmt_deadline(datetime.fromisoformat(form.deadline) if form.deadline else None, now)}")
    if form.auto_remind:
        lines.append("자동 알림: " + ", ".join(f"마감 {h}시간 전" for h in form.auto_remind))
    lines.append(f"대상: {target_label(form.target)}")
    lines.append(f"최대 응답: {form.cap if form.cap else '제한 없음'}")
    lines.append(f"응답 방식: {MODE_NAMES[form.mode or NAMED]}")
    if warning := identifying_warning(form):
        lines.append(warning)
    lines.append(f"열림: {opens_label(form, now)}")
    lines.append(f"응답 보관: 마감 후 {form.keep_days or _keep_default(form)}일")
    return "\n".join(lines)


def _survey(ctx: Ctx, form: Form, opens_at: datetime | None) -> Survey:
    qs = copy.deepcopy(form.questions)
    counts = {option_key(q.id, o): 0 for q in qs if kind_of(q).counts_options for o in q.options}
    return Survey(
        id=secrets.token_hex(4),
        title=form.title,
        owner=ctx.key,
        owner_name=ctx.member.name,
        questions=qs,
        description=form.description,
        deadline=datetime.fromisoformat(form.deadline) if form.deadline else None,
        target_unit=form.target,
        cap=form.cap,
        auto_remind=list(form.auto_remind),
        status=SCHEDULED if opens_at is not None else OPEN,
        opens_at=opens_at,
        repeat=form.repeat,
        mode=form.mode or NAMED,
        keep_days=form.keep_days,
        # 익명 participation is keyed by the organisation's privacy key, kept out of the tables; only where none is
        # configured (a test bot) does the survey get a salt of its own, as earlier versions did.
        salt=secrets.token_hex(16) if form.mode == ANONYMOUS and ctx.rules.privacy_key is None else "",
        batch_size=max(1, ctx.rules.anon_batch) if form.mode in (ANONYMOUS, PRESENCE) else 0,
        created_at=ctx.now.isoformat(),
        option_counts=counts,
    )


# --- 복사: a survey's form again, with a new title and deadline ---------------------------------------

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
    form = Form(
        title=title,
        description=s.description,
        questions=copy.deepcopy(s.questions),
        deadline=deadline.isoformat() if deadline is not None else None,
        deadline_said=fmt_when(deadline, ctx.now) if deadline is not None else "",
        target=s.target_unit,
        cap=s.cap,
        auto_remind=list(s.auto_remind),
        copied=True,
        ask_remind=ctx.reminders,
        mode=s.mode,
        keep_days=s.keep_days,
        keep_default=ctx.rules.keep_days,
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
