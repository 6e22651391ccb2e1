"""The conversation state of one person, typed: which flow they are in and what each flow keeps.

It is stored on the user item as a JSON document (``User.session``), read once per
message with :meth:`Session.from_dict` and written back with :meth:`Session.to_dict`.
The stored keys are short and have not changed since the first release, so sessions
written by any version load, and a rollback reads what this version wrote (except a
draft with a question of a kind the earlier version does not know, such as 시간). A part
that cannot be read is dropped rather than failing every message of that person.

    session = {"flow": {...}, "drafts": {sid: draft}, "wizard": {...}, "ready": [...]}
"""

from __future__ import annotations

import copy
from dataclasses import field
from enum import StrEnum
from typing import Any

from chalicelib.domain.model import Question, Survey
from chalicelib.domain.record import record
from chalicelib.domain.wizard_state import WizardState, readable


class Flow(StrEnum):
    """The top-level states; ``conversation.STATES`` says what each accepts."""

    IDLE = ""  # no multi-step flow: a message is a command
    ANSWERING = "answer"  # answering a survey (the active draft)
    CREATING = "create"  # the survey wizard
    CONFIRMING = "confirm"  # a yes/no question is waiting


class Action(StrEnum):
    """What a pending yes/no confirms."""

    LEAVE = "leave"  # 탈퇴
    WITHDRAW = "withdraw"  # 신청 취소 <제목>
    DELETE = "delete"  # 삭제 <제목>
    REMIND = "remind"  # 알림 <제목>
    CLOSE = "close"  # 마감 <제목>
    DISCARD = "discard"  # 취소 of a draft that holds answers
    GRANT = "grant_admin"  # 관리자 등록 <이름> (the person's key rides as the "survey id")
    REVOKE = "revoke_admin"  # 관리자 해제 <이름>
    RELEASE = "release"  # 등록 해제 <이름>
    ROSTER_REMOVE = "roster_remove"  # 명단 삭제 <소속> <이름> (the entry's key)
    ROSTER_PURGE = "roster_purge"  # 명단 정리: a load's removals (its token; the words to type, if a yes is not enough)
    PROXY_WITHDRAW = "proxy_withdraw"  # 대리 응답 취소 <제목> <이름> ("<survey id>|<person key>|<their Kakao key>")


@record
class Confirmation:
    action: str  # an Action value (kept as text: an unknown one is refused politely)
    survey_id: str = ""
    title: str = ""


@record
class Draft:
    """A member's answers to one survey before they are submitted.

    It carries a snapshot of the questions, so answering reads nothing but the user.
    """

    survey_id: str
    title: str
    questions: list[Question]
    index: int = 0  # the question being asked
    values: dict[str, Any] = field(default_factory=dict)  # question id -> value so far
    reviewing: bool = False  # on the review card (제출 · 수정 · 취소)
    back_to_review: bool = False  # editing one answer from the card: return there after it
    answer_version: int = 0  # version of the stored answer this edits; 0 = a first answer
    started_at: str = ""
    anonymous: bool = False  # kept without the person (익명, 참여만 확인): cannot be changed once submitted
    picking: list[str] | None = None  # 복수선택 being tapped: the options picked so far (None: not begun)
    # 대리 응답: whose answer an admin is entering (person, name, unit, label, key: their Kakao key or "", entry: the
    # roster entry to give the person key, or ""); {} = the speaker's own answer
    proxy: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, s: Survey, now_iso: str, values: dict[str, Any] | None = None, version: int = 0) -> Draft:
        """A draft of ``s``; with the stored answer's values and version it edits that answer (on the card)."""
        return cls(
            survey_id=s.id,
            title=s.title,
            questions=copy.deepcopy(s.questions),
            values=dict(values or {}),
            reviewing=version > 0,
            answer_version=version,
            started_at=now_iso,
            anonymous=s.anonymous,
        )

    @property
    def question(self) -> Question:
        return self.questions[self.index]

    def to_dict(self) -> dict[str, Any]:
        d = {
            "sid": self.survey_id,
            "title": self.title,
            "qs": [q.to_dict() for q in self.questions],
            "i": self.index,
            "vals": self.values,
            "review": self.reviewing,
            "ret": self.back_to_review,
            "ver": self.answer_version,
            "at": self.started_at,
        }
        if self.anonymous:
            d["anon"] = True
        if self.picking is not None:
            d["pick"] = list(self.picking)
        if self.proxy:
            d["for"] = dict(self.proxy)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Draft:
        questions = [Question.from_dict(q) for q in d["qs"]]
        if not questions:
            raise ValueError("a draft without questions")
        return cls(
            survey_id=str(d["sid"]),
            title=str(d.get("title", "")),
            questions=questions,
            index=min(max(0, int(d.get("i", 0))), len(questions) - 1),
            values=dict(d.get("vals") or {}),
            reviewing=bool(d.get("review")),
            back_to_review=bool(d.get("ret")),
            answer_version=int(d.get("ver") or 0),
            started_at=str(d.get("at", "")),
            anonymous=bool(d.get("anon")),
            picking=[str(o) for o in d["pick"]] if isinstance(d.get("pick"), list) else None,
            proxy={str(k): str(v) for k, v in (d.get("for") or {}).items()},
        )


@record
class ReadyFile:
    """An export finished in the background, waiting for '파일 받기' (links are minted then)."""

    key: str
    title: str
    ext: str
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "ext": self.ext, "label": self.label}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReadyFile:
        return cls(
            key=str(d["key"]),
            title=str(d.get("title", "")),
            ext=str(d.get("ext", "xlsx")),
            label=str(d.get("label", "")),
        )


MAX_NOTES = 5  # notes kept for the next message (older ones go)


FREE_TEXT_STEPS = frozenset({"q_text"})  # the wizard's steps that take any text (domain.wizard)


@record
class Session:
    """Everything the bot remembers of one person between messages."""

    flow: Flow = Flow.IDLE
    answering: str = ""  # survey id of the active draft (flow ANSWERING)
    confirmation: Confirmation | None = None  # flow CONFIRMING
    drafts: dict[str, Draft] = field(default_factory=dict)  # survey id -> draft, answered or paused
    wizard: WizardState | None = None  # kept while paused
    ready: list[ReadyFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # told on the next message (e.g. how an 알림 went), then gone
    upload: str = ""  # the token of a roster upload page handed out (명단 올리기), until the file arrives
    upload_until: str = ""  # ISO time after which the page no longer takes a file
    more: str = ""  # what the last reply's 더보기 chip sends: typed '더보기' does the same

    def idle(self) -> None:
        """Leave whatever flow this is (drafts and a paused wizard stay)."""
        self.flow, self.answering, self.confirmation = Flow.IDLE, "", None

    def confirm(self, action: Action, survey_id: str = "", title: str = "") -> None:
        self.idle()
        self.flow, self.confirmation = Flow.CONFIRMING, Confirmation(action.value, survey_id, title)

    def active_draft(self) -> Draft | None:
        return self.drafts.get(self.answering) if self.flow == Flow.ANSWERING else None

    def wizard_takes_text(self) -> bool:
        """Whether the wizard is asking for a question's text, where 메뉴 or 도움말 is what the admin means to
        write (a food order asks for a 메뉴), not a way out (이전 and 취소 still are)."""
        w = self.wizard
        return self.flow == Flow.CREATING and w is not None and w.step in FREE_TEXT_STEPS

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.flow == Flow.ANSWERING:
            d["flow"] = {"name": self.flow.value, "sid": self.answering}
        elif self.flow == Flow.CONFIRMING and self.confirmation is not None:
            c = self.confirmation
            d["flow"] = {"name": self.flow.value, "action": c.action, "sid": c.survey_id, "title": c.title}
        elif self.flow == Flow.CREATING:
            d["flow"] = {"name": self.flow.value}
        d["drafts"] = {sid: draft.to_dict() for sid, draft in self.drafts.items()}
        if self.wizard is not None:
            d["wizard"] = self.wizard.to_dict()
        if self.ready:
            d["ready"] = [r.to_dict() for r in self.ready]
        if self.notes:
            d["notes"] = list(self.notes)
        if self.upload:
            d["upload"] = {"token": self.upload, "until": self.upload_until}
        if self.more:
            d["more"] = self.more
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Session:
        """The session stored as ``d``. A flow whose draft or wizard is gone is kept: its handler says
        so and ends it."""
        s = cls()
        if not isinstance(d, dict):
            return s
        drafts = d.get("drafts")
        for sid, raw in drafts.items() if isinstance(drafts, dict) else ():
            draft = readable(Draft.from_dict, raw)
            if draft is not None:
                s.drafts[str(sid)] = draft
        if d.get("wizard"):
            s.wizard = readable(WizardState.from_dict, d["wizard"])
        s.ready = ready_files(d)
        notes = d.get("notes")
        s.notes = [str(n) for n in notes][-MAX_NOTES:] if isinstance(notes, list) else []
        s.upload, s.upload_until = pending_upload(d)
        s.more = str(d.get("more") or "")
        flow = d["flow"] if isinstance(d.get("flow"), dict) else {}
        name = flow.get("name")
        if name == Flow.ANSWERING.value:
            s.flow, s.answering = Flow.ANSWERING, str(flow.get("sid", ""))
        elif name == Flow.CREATING.value:
            s.flow = Flow.CREATING
        elif name == Flow.CONFIRMING.value:
            s.flow = Flow.CONFIRMING
            s.confirmation = Confirmation(
                str(flow.get("action", "")), str(flow.get("sid", "")), str(flow.get("title", ""))
            )
        return s


def ready_files(stored: dict[str, Any] | None) -> list[ReadyFile]:
    """The parked files of a stored session, read without the rest of it."""
    raw = stored.get("ready") if isinstance(stored, dict) else None
    if not isinstance(raw, list):
        return []
    return [r for r in (readable(ReadyFile.from_dict, x) for x in raw) if r is not None]


def pending_upload(stored: dict[str, Any] | None) -> tuple[str, str]:
    """(token, until) of a roster upload page handed out, read without the rest of the session."""
    raw = stored.get("upload") if isinstance(stored, dict) else None
    if not isinstance(raw, dict) or not isinstance(raw.get("token"), str):
        return "", ""
    return raw["token"], str(raw.get("until") or "")
