"""A step's input and output: what the conversation knows of one message, and what it leads to."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from chalicelib.domain.effects import Effect
from chalicelib.domain.model import Answer, AuditEntry, Survey, SurveyInfo, User
from chalicelib.domain.ports import Reader
from chalicelib.domain.privacy import participated
from chalicelib.domain.record import record
from chalicelib.domain.reply import QuickLike, Reply
from chalicelib.domain.rules import Rules
from chalicelib.domain.session import Action, Session
from chalicelib.domain.writes import Audit, Write

if TYPE_CHECKING:
    from chalicelib.domain.targets import Finder, Target


@record
class Outcome:
    """What one message leads to.

    ``user`` is the speaker's item to store when its fields change (None = unchanged);
    ``session`` their new conversation state (None = unchanged). ``conversation.step``
    folds the session into the user it returns, so the service sees one user item.
    ``writes`` are committed with it, all or none; then the service runs ``effects``
    (:mod:`chalicelib.domain.effects`) in order.
    """

    reply: Reply
    user: User | None = None
    session: Session | None = None
    writes: list[Write] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)  # what the service does after the commit, in order


@record
class Ctx:
    """One message as the conversation sees it: who, when, how to read, what the settings say, and their state."""

    key: str
    user: User | None
    now: datetime
    db: Reader
    rules: Rules = field(default_factory=Rules)
    tap: dict[str, Any] = field(default_factory=dict)  # clientExtra of the tapped quick reply ({} when typed)
    session: Session = field(default_factory=Session)  # to read; a handler that changes it takes state()
    reminders: bool = False  # Kakao's event channel is configured: 알림 can reach people
    upload_ready: bool = False  # the file of the speaker's pending roster upload has arrived
    _stored: dict[str, Any] = field(default_factory=dict, repr=False)  # the session as stored, for fresh copies
    _listed: list[SurveyInfo] | None = field(default=None, repr=False)
    _known: dict[str, tuple[Survey | None, Answer | None]] = field(default_factory=dict, repr=False)
    _took_part: set[str] | None = field(default=None, repr=False)  # unnamed surveys answered (see answered())

    @classmethod
    def of(
        cls,
        key: str,
        user: User | None,
        now: datetime,
        db: Reader,
        rules: Rules | None = None,
        *,
        tap: dict[str, Any] | None = None,
        listed: list[SurveyInfo] | None = None,
        known: dict[str, tuple[Survey | None, Answer | None]] | None = None,
        reminders: bool = False,
        upload_ready: bool = False,
    ) -> Ctx:
        """The context of a message from ``user`` (None: not registered), their session read from the item;
        ``listed`` is the listing and ``known`` {survey id: (survey, my answer)} what was read with the user
        (anything else is read when first needed)."""
        stored = user.session if user else {}
        return cls(
            key,
            user,
            now,
            db,
            rules or Rules(),
            dict(tap or {}),
            Session.from_dict(stored),
            reminders,
            upload_ready,
            stored,
            listed,
            dict(known or {}),
        )

    @property
    def member(self) -> User:
        """The speaker, who is registered (every handler but registration runs only then)."""
        if self.user is None:
            raise LookupError("not registered")
        return self.user

    def me(self) -> User:
        """A private copy of the speaker to change and return in an Outcome.

        The stored session document is shared, not copied: the conversation never changes it in
        place (it changes a Session from :meth:`state`, which ``conversation.step`` writes back).
        """
        u = self.member
        return dataclasses.replace(
            u,
            answered=dict(u.answered),
            managed=dict(u.managed),
            viewing=dict(u.viewing),
            rate=list(u.rate),
            units=list(u.units),
        )

    def state(self) -> Session:
        """A private copy of the speaker's session to change and return in an Outcome (read afresh from the
        stored document: several times faster than a deep copy of the records)."""
        return Session.from_dict(self._stored)

    def ask_first(self, action: Action, *texts: str, sid: str = "", title: str = "", yes: QuickLike = "예") -> Outcome:
        """A yes/no question waiting for the next message: ``texts`` asked, 예 · 아니오 offered."""
        session = self.state()
        session.confirm(action, sid, title)
        return Outcome(Reply.say(*texts, quick=[yes, "아니오"]), session=session)

    def moved(self, session: Session) -> Ctx:
        """The same message read again in another state (e.g. after a dropped confirmation)."""
        return dataclasses.replace(self, session=session, _stored=session.to_dict())

    def listed(self) -> list[SurveyInfo]:
        """The surveys open for answers (the listing), read at most once per message."""
        if self._listed is None:
            self._listed = self.db.listed_surveys()
        return list(self._listed)

    def survey_and_answer(self, survey_id: str) -> tuple[Survey | None, Answer | None]:
        """A survey and the speaker's answer to it (from the read made with the user, if it was): the answer
        kept under the person's key, which a new phone shares with the first (:attr:`User.person_key`)."""
        if survey_id not in self._known:
            who = self.user.person_key if self.user is not None else self.key
            self._known[survey_id] = self.db.get_survey_and_answer(survey_id, who)
        return self._known[survey_id]

    def fresh_survey(self, survey_id: str) -> Survey | None:
        """A survey with its counters as of this message (read with the user when a tap named it)."""
        if survey_id in self._known:
            return self._known[survey_id][0]
        return self.db.get_survey(survey_id)

    def form(self, survey_id: str) -> Survey | None:
        """A survey's form (what never changes): the one read with the user, else the store's (kept in memory)."""
        if survey_id in self._known:
            return self._known[survey_id][0]
        return self.db.get_survey_form(survey_id)

    def answered(self) -> set[str]:
        """The surveys the speaker answered, as far as their own view goes: what their item remembers, and the open
        surveys kept without names (익명 leaves no trace on their item) whose participation record their own
        person key derives: one small read each, for the listed ones their item does not remember."""
        u = self.member
        if self._took_part is None:
            self._took_part = set()
            for s in self.listed():
                if s.unnamed and s.id not in u.answered and s.is_open(self.now) and s.meant_for(u):
                    form = self.db.get_survey_form(s.id)
                    if form is not None and participated(self.db, form, u.person_key, self.key_for_privacy()):
                        self._took_part.add(s.id)
        return set(u.answered) | self._took_part

    def key_for_privacy(self) -> bytes | None:
        """The organisation's privacy key, read when a 익명 survey needs it (None: none configured here)."""
        key = self.rules.privacy_key
        return key() if key is not None else None

    def audit(self, action: str, target: str, detail: str = "") -> Audit:
        return Audit(AuditEntry(actor=self.key, action=action, target=target, detail=detail, at=self.now.isoformat()))


Handler = Callable[[Ctx, str], Outcome]


class Command(NamedTuple):
    """A command's handler of the argument as typed (chalicelib.domain.commands, admin_commands)."""

    run: Handler


class About(NamedTuple):
    """A command about one of the admin's surveys: the handler, and the finder (chalicelib.domain.targets) that
    finds the survey, with the near-miss offer, before it runs."""

    run: Callable[[Ctx, Target], Outcome]
    takes: Finder
