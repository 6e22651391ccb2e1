"""What the survey wizard keeps in a session: the form being built, the question being built, the snapshots 이전 goes
back to, and the step; stored with the session under its short keys (see domain.session)."""

from __future__ import annotations

import copy
from dataclasses import field
from typing import Any

from chalicelib.domain.model import Question
from chalicelib.domain.record import record


@record
class QuestionDraft:
    """The question the wizard is building: filled in step by step (kind, its settings, required)."""

    id: str
    text: str
    settings: dict[str, Any] = field(default_factory=dict)  # kind, options, capacity, min, max, required

    @property
    def kind(self) -> str:
        return str(self.settings.get("kind", ""))

    def finish(self, required: bool) -> Question:
        return Question.from_dict({**self.settings, "id": self.id, "text": self.text, "required": required})

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, **self.settings}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> QuestionDraft | None:
        if not d.get("id"):
            return None  # {} is how older versions wrote "no question in progress"
        return cls(
            id=str(d["id"]),
            text=str(d.get("text", "")),
            settings={k: v for k, v in d.items() if k not in ("id", "text")},
        )


@record
class Form:
    """The survey the wizard is building."""

    title: str = ""
    description: str = ""
    questions: list[Question] = field(default_factory=list)
    current: QuestionDraft | None = None
    deadline: str | None = None  # ISO 8601
    target: str = ""  # "" = everyone
    cap: int | None = None
    auto_remind: list[int] = field(default_factory=list)  # hours before the deadline to remind automatically
    ask_remind: bool = False  # reminders were on when the deadline was set: the wizard asks about them
    deadline_said: str = ""  # how the deadline was read, said back ('12/5(금) 18:00')
    retitle: bool = False  # sent back to the title at 개설 (it was taken meanwhile): then straight to preview
    copied: bool = False  # 복사: questions, target and cap came from a survey; asked are title and deadline
    mode: str = ""  # privacy mode (model.NAMED, ANONYMOUS, PRESENCE); "" = not asked yet (실명)
    opens_at: str | None = None  # ISO 8601: opens by itself then (예약); None = at 개설
    repeat: str = ""  # a repeat rule (domain.repeat)
    detour: str = ""  # the preview's setting being changed (마감, 대상, 응답 방식, 질문 N…): its step, then the preview
    editing: int = 0  # the number of the question being changed from the preview (0: none, or one being added)
    keep_days: int = 0  # days answers are kept after closing; 0 = the organisation's default
    keep_default: int = 0  # that default, as it was when the wizard began (0: not known, KEEP_DAYS)
    units: list[str] = field(default_factory=list)  # made by an admin of these units only: its target is among them

    def to_dict(self, with_questions: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if with_questions:
            d["qs"] = [q.to_dict() for q in self.questions]
        if self.title:
            d["title"] = self.title
        if self.description:
            d["desc"] = self.description
        if self.current is not None:
            d["cur"] = self.current.to_dict()
        if self.deadline:
            d["deadline"] = self.deadline
        if self.target:
            d["target"] = self.target
        if self.cap is not None:
            d["cap"] = self.cap
        if self.auto_remind:
            d["remind"] = list(self.auto_remind)
        if self.ask_remind:
            d["ask_remind"] = True
        if self.deadline_said:
            d["said"] = self.deadline_said
        if self.retitle:
            d["retitle"] = True
        if self.copied:
            d["copied"] = True
        if self.mode:
            d["mode"] = self.mode
        if self.opens_at:
            d["opens"] = self.opens_at
        if self.repeat:
            d["repeat"] = self.repeat
        if self.detour:
            d["detour"] = self.detour
        if self.editing:
            d["edit"] = self.editing
        if self.keep_days:
            d["keep"] = self.keep_days
        if self.keep_default:
            d["keep_default"] = self.keep_default
        if self.units:
            d["units"] = list(self.units)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], questions: list[Question] | None = None) -> Form:
        if questions is None:
            questions = [Question.from_dict(q) for q in d.get("qs", [])]
        cap = d.get("cap")
        return cls(
            title=str(d.get("title", "")),
            description=str(d.get("desc", "")),
            questions=questions,
            current=QuestionDraft.from_dict(d.get("cur") or {}),
            deadline=d.get("deadline") or None,
            target=str(d.get("target", "")),
            cap=int(cap) if cap is not None else None,
            auto_remind=[int(h) for h in d.get("remind", []) if isinstance(h, int)],
            ask_remind=bool(d.get("ask_remind")),
            deadline_said=str(d.get("said", "")),
            retitle=bool(d.get("retitle")),
            copied=bool(d.get("copied")),
            mode=str(d.get("mode", "")),
            opens_at=d.get("opens") or None,
            repeat=str(d.get("repeat", "")),
            detour=str(d.get("detour", "")),
            editing=int(d.get("edit") or 0),
            keep_days=int(d.get("keep") or 0),
            keep_default=int(d.get("keep_default") or 0),
            units=[str(x) for x in d.get("units") or []],
        )


@record
class Snapshot:
    """Where the wizard was one step ago (for 이전).

    The finished questions are only ever appended, so a snapshot keeps their number,
    not a copy: a full copy per step would hold up to HISTORY copies of 20 questions.
    """

    step: str
    form: Form  # without its questions
    questions: int  # how many finished questions there were

    @classmethod
    def of(cls, step: str, form: Form) -> Snapshot:
        """Where the wizard is now: ``step`` with a copy of ``form`` but its questions."""
        kept = copy.deepcopy(form.to_dict(with_questions=False))
        return cls(step=step, form=Form.from_dict(kept, questions=[]), questions=len(form.questions))

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "d": {**self.form.to_dict(with_questions=False), "nq": self.questions}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Snapshot:
        f = d["d"]
        # Older versions kept a copy of the questions in each entry: always a prefix of today's.
        n = len(f["qs"]) if "qs" in f else int(f["nq"])
        return cls(step=str(d["step"]), form=Form.from_dict(f, questions=[]), questions=n)

    def restore(self, finished: list[Question]) -> Form:
        """The form as it was: this snapshot's fields with the first ``questions`` finished questions."""
        form = copy.deepcopy(self.form)
        form.questions = finished[: self.questions]
        return form


@record
class WizardState:
    """An admin's survey in the making: the step they are on, the form so far, the way back."""

    step: str
    form: Form = field(default_factory=Form)
    history: list[Snapshot] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "d": self.form.to_dict(), "hist": [h.to_dict() for h in self.history]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WizardState:
        history = [h for h in (readable(Snapshot.from_dict, x) for x in d.get("hist") or []) if h is not None]
        return cls(step=str(d["step"]), form=Form.from_dict(d.get("d") or {}), history=history)


def readable(read: Any, raw: Any) -> Any:
    """``read(raw)``, or None when ``raw`` is not what it should be (a broken part is dropped)."""
    try:
        return read(raw)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
        return None
