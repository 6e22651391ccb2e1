"""신청 만들기: the admin's wizard, as a table of steps.

    title → desc → (q_text → q_kind → [the kind's own step] → q_req)* → deadline → target → cap → preview

Each entry of :data:`STEPS` says what the step asks, how it takes the admin's answer
(a reason re-asks the same step, nothing taken) and which step comes next. A kind that
needs settings (a number's range, the options of a choice) brings its own step from
``domain.kinds``. The state (``wizard_state.WizardState``) keeps a short history for 이전;
메뉴 pauses the wizard, 신청 만들기 resumes it, 취소 drops it.
"""

from __future__ import annotations

import copy
import secrets
from datetime import datetime

from chalicelib.domain import conditions
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.effects import CountPeople
from chalicelib.domain.kinds import KINDS, setup_steps
from chalicelib.domain.kinds.text import FORMAT_HINT
from chalicelib.domain.model import (
    ANONYMOUS,
    NAMED,
    OPEN,
    PRESENCE,
    SCHEDULED,
    Managed,
    Survey,
    option_key,
    target_label,
)
from chalicelib.domain.parsing import DEADLINE_EXAMPLES
from chalicelib.domain.particles import pp
from chalicelib.domain.repeat import describe, plan_of
from chalicelib.domain.reply import QuickLike, Reply, offered
from chalicelib.domain.retention import KEEP_HELP
from chalicelib.domain.session import Flow, Session
from chalicelib.domain.titles import main_quick
from chalicelib.domain.when import deadline_label, fmt_deadline
from chalicelib.domain.wizard_settings import (
    AUTO_REMIND_CHOICES,
    EDIT,
    MODE_CHOICES,
    MODE_HELP,
    OPEN_QUESTION,
    WHEN_HELP,
    drop_question,
    keep_default_days,
    preview_text,
    take_cap,
    take_deadline,
    take_keep,
    take_mode,
    take_open,
    take_remind,
    take_target,
    take_when,
)
from chalicelib.domain.wizard_state import Form, Snapshot, WizardState
from chalicelib.domain.wizard_steps import (
    AS_IS,
    MAX_QUESTIONS,
    MAX_TITLE,
    OPEN_IT,
    Ask,
    Step,
    after_kind,
    ask_question,
    current_question,
    described,
    full,
    kind_step,
    take_desc,
    take_kind,
    take_question,
    take_required,
    take_title,
    title_taken,
)
from chalicelib.domain.writes import ListSurvey, Plan, PutSurvey, Write

HISTORY = 8


# --- the steps ----------------------------------------------------------------------------------


STEPS: dict[str, Step] = {
    "title": Step(
        lambda f, now: (
            Ask(["새 제목을 입력해 주세요. 아래 제목을 눌러도 돼요."], [f.title])
            if (f.copied or f.detour == "title") and f.title and not f.retitle
            else Ask([f"신청 제목을 입력해 주세요 ({MAX_TITLE}자 이내). 예: 2중대 BBQ 회식"])
        ),
        take_title,
        lambda f: "preview" if f.retitle else "deadline" if f.copied else "desc",
    ),
    "desc": Step(
        lambda f, now: Ask(["설명을 입력해 주세요. 없으면 '건너뛰기'."], ["건너뛰기"]), take_desc, lambda f: "q_text"
    ),
    "q_text": Step(lambda f, now: ask_question(f), take_question, lambda f: "q_kind" if f.current else "deadline"),
    "q_kind": Step(
        lambda f, now: Ask(
            [f"'{current_question(f).text}' 질문의 형식을 골라 주세요. {FORMAT_HINT}"]
            + ([f"지금: {described(f)}"] if f.editing else []),
            [*([AS_IS] if f.editing else []), *(k.name for k in KINDS.values())],
        ),
        take_kind,
        after_kind,
    ),
    **{name: kind_step(setup) for name, setup in setup_steps().items()},
    "q_req": Step(
        lambda f, now: Ask(["꼭 답해야 하는 질문인가요?"], [*([AS_IS] if f.editing else []), "필수", "생략 가능"]),
        take_required,
        lambda f: "deadline" if full(f) else "q_text",
        note=lambda f: f"질문은 {MAX_QUESTIONS}개까지 만들 수 있어요. 마감 일시로 넘어가요." if full(f) else "",
    ),
    "deadline": Step(
        lambda f, now: Ask([f"마감 일시를 입력해 주세요. {DEADLINE_EXAMPLES}. 마감이 없으면 '없음'."], ["없음"]),
        take_deadline,
        lambda f: "remind" if f.deadline and f.ask_remind else "preview" if f.copied else "target",
        note=lambda f: f"마감: {f.deadline_said}" if f.deadline and f.deadline_said else "",
    ),
    "remind": Step(
        lambda f, now: Ask(
            ["마감 전에 아직 응답하지 않은 사람에게 자동으로 알림을 보낼까요? (알림이 켜진 경우, 1건 15원)"],
            list(AUTO_REMIND_CHOICES),
        ),
        take_remind,
        lambda f: "preview" if f.copied else "target",
    ),
    "target": Step(
        lambda f, now: (
            Ask(["대상 소속을 입력해 주세요 (예: 2중대, 여럿이면 1중대, 2중대). 모두에게 받으려면 '전체'."], ["전체"])
            if not f.units
            else Ask([f"대상 소속을 골라 주세요. 맡은 소속: {', '.join(f.units)} (여럿이면 쉼표로)."], [*f.units[:9]])
        ),
        take_target,
        lambda f: "cap",
    ),
    "cap": Step(
        lambda f, now: Ask(["최대 응답 수를 입력해 주세요 (선착순). 제한이 없으면 '없음'."], ["없음"]),
        take_cap,
        lambda f: "preview",
    ),
    "mode": Step(lambda f, now: Ask([MODE_HELP], list(MODE_CHOICES)), take_mode, lambda f: "preview"),
    "when": Step(
        lambda f, now: Ask([WHEN_HELP], ["지금", "월요일 오전 9시", "매주 월 9시"]), take_when, lambda f: "preview"
    ),
    "keep": Step(
        lambda f, now: Ask([KEEP_HELP.format(d=keep_default_days(f))], ["기본", "90일", "30일"]),
        take_keep,
        lambda f: "preview",
    ),
    "preview": Step(
        lambda f, now: Ask(
            [preview_text(f, now), OPEN_QUESTION],
            ["개설", EDIT, "응답 방식", "여는 때", "보관 기간"],
        ),
        take_open,
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
        units = list(ctx.member.units) if ctx.member.scoped else []  # an admin of some units: for those only
        session.wizard = WizardState(FIRST, Form(keep_default=ctx.rules.keep_days, units=units))
        note = "새 신청서를 만들어요. 언제든 '이전'으로 돌아가고 '취소'로 그만둘 수 있어요."
    return Outcome(prompt(session.wizard, ctx.now, note), session=session)


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
    if w.step == "preview" and (dropped := drop_question(w.form, text) or conditions.take(w.form.questions, text)):
        return Outcome(prompt(w, ctx.now, dropped), session=session)  # a question dropped, or a 조건 set or refused
    why = step.take(ctx, w.form, text)
    if why:
        return Outcome(prompt(w, ctx.now, why))  # nothing taken: the session is not stored
    edited = w.form.editing
    following = _back_to_preview(w.step, w.form, step.next(w.form))
    if following == "preview" and edited and w.step != "preview" and conditions.chips_for(w.form.questions, edited):
        # a question changed from the preview: its possible conditions, one tap away
        w.history, w.step = ([*w.history, before])[-HISTORY:], following
        return Outcome(prompt(w, ctx.now, conditions.offer(w.form.questions, edited, 3)), session=session)
    if following == OPEN_IT:
        if w.form.deadline and datetime.fromisoformat(w.form.deadline) <= ctx.now:  # it passed on the preview
            passed = fmt_deadline(datetime.fromisoformat(w.form.deadline), ctx.now)
            w.history = ([*w.history, before])[-HISTORY:]
            w.step, w.form.detour = "deadline", "deadline"
            return Outcome(prompt(w, ctx.now, f"마감({passed})이 이미 지났어요."), session=session)
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
        # its people counted in the background (domain.census): its first 현황 reads them, however many
        effects=[] if s.anonymous else [CountPeople(s.id)],
    )


def _survey(ctx: Ctx, form: Form, opens_at: datetime | None) -> Survey:
    qs = copy.deepcopy(form.questions)
    counts = {option_key(q.id, o): 0 for q in qs for o in q.capacity}  # the item counts capped options only
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
