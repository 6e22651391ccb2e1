"""The wizard's question steps (title, description, each question's text, kind, the kind's settings and whether
it must be answered) and what every step is made of: :class:`Ask` and :class:`Step`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from datetime import datetime
from typing import NamedTuple

from chalicelib.domain.context import Ctx
from chalicelib.domain.kinds import KINDS, Setup, kind_named, kind_of
from chalicelib.domain.particles import pp
from chalicelib.domain.record import record
from chalicelib.domain.reply import QuickLike
from chalicelib.domain.vocabulary import reads_as_command
from chalicelib.domain.when import fmt_deadline
from chalicelib.domain.wizard_state import Form, QuestionDraft

MAX_TITLE = 40


MAX_DESC = 300


MAX_QUESTION = 150


MAX_QUESTIONS = 20


@record(frozen=True)
class Ask:
    """What a step says: its text(s) and the quick replies that answer it (이전 and 취소 are added)."""

    texts: list[str]
    quick: list[QuickLike] = field(default_factory=list)


OPEN_IT = ""  # what the last step's ``next`` names: no further step, the survey opens


class Step(NamedTuple):
    """One step: ``prompt`` draws it from the form, ``take`` applies the admin's text to the form
    (returning a reason to ask again), ``next`` names the following step (:data:`OPEN_IT`: open the
    survey), ``note`` is said on arriving at that next step."""

    prompt: Callable[[Form, datetime], Ask]  # (the form, the moment it is drawn at)
    take: Callable[[Ctx, Form, str], str | None]
    next: Callable[[Form], str]
    note: Callable[[Form], str] = lambda form: ""


def take_title(ctx: Ctx, form: Form, text: str) -> str | None:
    text = " ".join(text.split())  # '   ' is no title, and '  BBQ ' is 'BBQ'
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


def take_desc(ctx: Ctx, form: Form, text: str) -> str | None:
    if len(text) > MAX_DESC:
        return f"설명은 {MAX_DESC}자 이내로 입력해 주세요."
    form.description = "" if text in ("건너뛰기", "없음") else text
    return None


AS_IS = "그대로"  # keeps what a question being changed from the preview had at this step


def ask_question(form: Form) -> Ask:
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


def take_question(ctx: Ctx, form: Form, text: str) -> str | None:
    if not text.strip():
        return "질문을 입력해 주세요."
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


def current_question(form: Form) -> QuestionDraft:
    if form.current is None:
        raise ValueError("no question in progress")
    return form.current


def take_kind(ctx: Ctx, form: Form, text: str) -> str | None:
    if text == AS_IS and form.editing and current_question(form).kind:
        return None  # its kind, and its settings (offered as they are at the next step)
    kind = kind_named(text)
    head, _, rest = text.strip().partition(" ")
    settings = current_question(form).settings
    with_rest = kind_named(head) if kind is None and rest else None
    if with_rest is not None:  # '주관식 전화번호': text of a format; '시간 18:00~23:00': times within hours
        for key in ("format", "min", "max", "options", "capacity", "unit"):  # nothing of the kind before
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


def after_kind(form: Form) -> str:
    kind = KINDS.get(current_question(form).kind)
    return kind.setup.step if kind is not None and kind.setup is not None else "q_req"


def kind_step(setup: Setup) -> Step:
    """A kind's own step (its settings), run on the question being built."""

    def ask(form: Form, now: datetime) -> Ask:
        text, quick = setup.prompt(current_question(form).settings)
        if form.editing and _kept(form, setup):
            return Ask([text, f"지금: {described(form)}"], [AS_IS, *quick])
        return Ask([text], list(quick))

    def take(ctx: Ctx, form: Form, text: str) -> str | None:
        if text == AS_IS and form.editing and _kept(form, setup):
            return None
        return setup.take(current_question(form).settings, text)

    def following(form: Form) -> str:
        return setup.after(current_question(form).settings) or "q_req"

    return Step(ask, take, following)


def _kept(form: Form, setup: Setup) -> bool:
    """Whether the question being changed still has what ``setup`` sets (its kind was kept): 그대로 may keep it."""
    settings = current_question(form).settings
    return setup.step != "q_opts" or len(settings.get("options") or []) >= 2


def described(form: Form) -> str:
    draft = current_question(form)
    q = draft.finish(required=bool(draft.settings.get("required", True)))
    return kind_of(q).describe(q)


def take_required(ctx: Ctx, form: Form, text: str) -> str | None:
    if text == AS_IS and form.editing:
        text = "필수" if current_question(form).settings.get("required", True) else "생략 가능"
    if text not in ("필수", "생략 가능", "예", "아니오"):
        return "'필수' 또는 '생략 가능'으로 답해 주세요."
    done = current_question(form).finish(required=text in ("필수", "예"))
    if form.editing and 0 < form.editing <= len(form.questions):
        form.questions[form.editing - 1] = done  # changed in its place, with its id
    else:
        form.questions.append(done)
    form.current = None
    return None


def full(form: Form) -> bool:
    return len(form.questions) >= MAX_QUESTIONS
