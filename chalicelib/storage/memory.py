"""An in-memory Store with the same conditions as the DynamoDB one.

Used by unit tests and as the reference the storage contract tests hold the
DynamoDB implementation to. Thread-safe: ``commit`` checks every condition,
then applies every write, under one lock. The listing is kept the way the
DynamoDB store keeps it, from the ListSurvey and UnlistSurvey writes, so a
conversation that forgets one shows it here too.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime

from chalicelib.domain.model import (
    ANSWERED_KEPT,
    CLOSED,
    KEEP,
    OPEN,
    PARTICIPATION,
    Answer,
    AuditEntry,
    LoadResult,
    Member,
    Planned,
    RosterEntry,
    Strain,
    Survey,
    SurveyInfo,
    User,
    plan_key,
    title_key,
    unit_key,
)
from chalicelib.domain.ports import Conflict, RosterInfo, Store
from chalicelib.domain.writes import (
    AddCoadmin,
    Audit,
    ClaimRoster,
    CountResponse,
    DeleteAnswer,
    DeleteFormerEntry,
    DeleteRosterEntry,
    DeleteSurvey,
    DeleteUser,
    KeepLoadResult,
    KeepLonger,
    KeepUnnamedAnswer,
    LiftEntryLock,
    ListSurvey,
    MarkAutoReminded,
    MarkKeepWarned,
    MarkPurged,
    MarkReminded,
    NoteEntryFailure,
    NoteRegistrationFailure,
    Plan,
    PutAnswer,
    PutRosterEntry,
    PutSurvey,
    PutUser,
    ReleaseRoster,
    RetireRosterEntry,
    SetRepeat,
    SetRosterUnits,
    SetSurveyStatus,
    SetUserRoster,
    TakeRemovals,
    UnlistSurvey,
    Unplan,
    Write,
)
from chalicelib.storage.pushlog import MemoryPushLog


class MemoryStore(Store):
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.surveys: dict[str, Survey] = {}
        self.answers: dict[tuple[str, str], Answer] = {}
        self.audit: list[AuditEntry] = []
        self.listing: dict[str, SurveyInfo] = {}
        self.roster: dict[str, RosterEntry] = {}
        self.units: dict[str, int] = {}
        self.checks = False
        self.had_roster = False
        self.former: dict[str, RosterEntry] = {}
        self.load: tuple[LoadResult, int] | None = None  # the last load kept, and when it expires
        self.load_kept: dict[str, tuple[list[str], list[str]]] = {}  # token -> (lines, keys)
        self.failures: dict[str, Strain] = {}
        self.plans: dict[str, Planned] = {}

    # --- reads ---------------------------------------------------------------
    def get_user(self, key: str) -> User | None:
        with self._lock:
            u = self.users.get(key)
            return copy.deepcopy(u) if u else None

    def get_user_and_listing(self, key: str) -> tuple[User | None, list[SurveyInfo]]:
        with self._lock:
            return self.get_user(key), self.listed_surveys()

    def get_users(self, keys: Sequence[str]) -> list[User]:
        with self._lock:
            return [copy.deepcopy(self.users[k]) for k in dict.fromkeys(keys) if k in self.users]

    def find_users_by_name(self, name: str) -> list[User]:
        with self._lock:
            return _by_registration(copy.deepcopy(u) for u in self.users.values() if u.name == name)

    def list_members(self, unit: str = "") -> list[Member]:
        with self._lock:
            found = (u for u in self.users.values() if not unit or u.unit == unit)
            return [Member(u.key, u.name, u.unit, u.role, u.created_at) for u in _by_registration(found)]

    def list_admins(self) -> list[Member]:
        with self._lock:
            return [m for m in self.list_members() if m.role >= 1]

    def get_survey(self, survey_id: str) -> Survey | None:
        with self._lock:
            s = self.surveys.get(survey_id)
            return copy.deepcopy(s) if s else None

    def get_surveys(self, survey_ids: Sequence[str]) -> list[Survey]:
        with self._lock:
            return [copy.deepcopy(self.surveys[i]) for i in dict.fromkeys(survey_ids) if i in self.surveys]

    def get_survey_and_answer(self, survey_id: str, user_key: str) -> tuple[Survey | None, Answer | None]:
        with self._lock:
            return self.get_survey(survey_id), self.get_answer(survey_id, user_key)

    def listed_surveys(self) -> list[SurveyInfo]:
        with self._lock:
            return _newest_first(self.listing.values())

    def surveys_titled(self, title: str) -> list[SurveyInfo]:
        with self._lock:
            key = title_key(title)
            return _newest_first(s.info() for s in self.surveys.values() if title_key(s.title) == key)

    def all_surveys(self) -> list[SurveyInfo]:
        with self._lock:
            return _newest_first(s.info() for s in self.surveys.values())

    def get_answer(self, survey_id: str, user_key: str) -> Answer | None:
        with self._lock:
            a = self.answers.get((survey_id, user_key))
            return copy.deepcopy(a) if a else None

    def list_answers(self, survey_id: str) -> list[Answer]:
        with self._lock:
            out = [copy.deepcopy(a) for (sid, _), a in self.answers.items() if sid == survey_id]
        out.sort(key=lambda a: (a.submitted_at, a.user_key))
        return out

    def answered_by(self, person: str) -> dict[str, int]:
        with self._lock:
            mine = [a for (_, key), a in self.answers.items() if key == person and a.named]
        timed = [(at, a.survey_id) for a in mine if (at := _epoch(a.submitted_at)) is not None]
        return {sid: at for at, sid in sorted(timed, reverse=True)[:ANSWERED_KEPT]}

    def roster_info(self) -> RosterInfo:
        with self._lock:
            return RosterInfo(dict(self.units), self.checks, self.had_roster)

    def last_load(self, now: int) -> LoadResult | None:
        with self._lock:
            if self.load is None or self.load[1] <= now:
                return None
            return self.load[0]

    def load_lines(self, token: str) -> list[str]:
        with self._lock:
            return list(self.load_kept.get(token, ([], []))[0])

    def load_keys(self, token: str) -> list[str]:
        with self._lock:
            return list(self.load_kept.get(token, ([], []))[1])

    def former_entries(self) -> list[RosterEntry]:
        with self._lock:
            return [copy.deepcopy(e) for _, e in sorted(self.former.items())]

    def roster_entries(self, unit: str = "", name: str = "") -> list[RosterEntry]:
        with self._lock:
            prefix = "" if not unit else f"{unit_key(unit)}#" + (f"{name}" if name else "")
            found = [copy.deepcopy(e) for k, e in self.roster.items() if k.startswith(prefix)]
        if name:  # "<unit>#<name>" or "<unit>#<name>#<suffix>", not "<unit>#<name>길"
            found = [e for e in found if e.entry.split("#")[1] == name]
        return sorted(found, key=lambda e: e.entry)

    def registration_strain(self, user_key: str) -> Strain:
        with self._lock:
            return self.failures.get(user_key, Strain())

    def planned(self) -> list[Planned]:
        with self._lock:
            return list(self.plans.values())

    def push_log(self) -> MemoryPushLog:
        """The pushes of this store (one log per store, made on first use)."""
        with self._lock:
            log = self.__dict__.get("_pushes")
            if log is None:
                log = self.__dict__["_pushes"] = MemoryPushLog()
            return log

    def purge_answers(self, survey_id: str) -> int:
        with self._lock:
            pairs = [pair for pair in self.answers if pair[0] in (survey_id, PARTICIPATION + survey_id)]
            for pair in pairs:
                del self.answers[pair]
        return sum(1 for sid, _ in pairs if sid == survey_id)

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        with self._lock:
            return list(reversed(self.audit))[:limit]

    # --- writes --------------------------------------------------------------
    def commit(self, writes: list[Write]) -> None:
        with self._lock:
            for w in writes:
                self._check(w)
            for w in writes:
                self._apply(w)

    def _check(self, w: Write) -> None:
        if isinstance(w, PutUser):
            stored = self.users.get(w.user.key)
            if (stored.version if stored else 0) != w.user.version:
                raise Conflict("user")
        elif isinstance(w, DeleteUser):
            user = self.users.get(w.key)
            if not user or user.version != w.expected_version:
                raise Conflict("user")
        elif isinstance(w, PutAnswer):
            answer = self.answers.get((w.answer.survey_id, w.answer.user_key))
            if (answer.version if answer else 0) != w.answer.version:
                raise Conflict("answer")
        elif isinstance(w, DeleteAnswer):
            answer = self.answers.get((w.survey_id, w.user_key))
            if not answer or answer.version != w.expected_version:
                raise Conflict("answer")
        elif isinstance(w, KeepUnnamedAnswer):
            s = self.surveys.get(w.answer.survey_id)
            if s is None or s.purged_at is not None or (w.answer.survey_id, w.answer.user_key) in self.answers:
                raise Conflict("survey")
        elif isinstance(w, CountResponse):
            self._check_count(w)
        elif isinstance(w, PutSurvey):
            if w.survey.id in self.surveys:
                raise Conflict("survey")
        elif isinstance(w, SetSurveyStatus):
            s = self.surveys.get(w.survey_id)
            if s is None or (w.full is not None and s.is_full() != w.full) or (w.expect and s.status != w.expect):
                raise Conflict("survey")
        elif isinstance(w, AddCoadmin) and w.survey_id not in self.surveys:
            raise Conflict("survey")
        elif isinstance(w, SetRepeat):
            s = self.surveys.get(w.survey_id)
            if s is None or (w.expect and s.repeat != w.expect):
                raise Conflict("survey")
        elif isinstance(w, KeepLonger):
            s = self.surveys.get(w.survey_id)
            if s is None or s.status != CLOSED or s.keep_extended or s.purged_at is not None:
                raise Conflict("survey")
        elif isinstance(w, MarkKeepWarned):
            s = self.surveys.get(w.survey_id)
            if s is None or s.closed_at != w.closed_at or s.keep_warned:
                raise Conflict("survey")
        elif isinstance(w, MarkPurged):
            s = self.surveys.get(w.survey_id)
            if s is None or s.status != CLOSED or s.closed_at != w.closed_at or s.purged_at is not None:
                raise Conflict("survey")
        elif isinstance(w, MarkAutoReminded):
            s = self.surveys.get(w.survey_id)
            if s is None or w.hours in s.auto_reminded:
                raise Conflict("survey")
        elif isinstance(w, MarkReminded):
            s = self.surveys.get(w.survey_id)
            if s is None or (s.reminded_at is not None and s.reminded_at >= w.not_since):
                raise Conflict("survey")
        elif isinstance(w, PutRosterEntry):
            if w.new and w.entry.entry in self.roster:
                raise Conflict("roster")
        elif isinstance(w, ClaimRoster):
            e = self.roster.get(w.entry)
            if e is None or e.claimed_by not in ("", w.user_key) or e.person not in ("", w.person or e.person):
                raise Conflict("roster")
            if w.seen_tries is not None and e.strain.tries != w.seen_tries:
                raise Conflict("roster")
        elif isinstance(w, NoteRegistrationFailure):
            if self.failures.get(w.user_key, Strain()).tries != w.strain.tries - 1:
                raise Conflict("roster")
        elif isinstance(w, NoteEntryFailure):
            e = self.roster.get(w.entry)
            if e is None or e.strain.tries != w.strain.tries - 1:
                raise Conflict("roster")
        elif isinstance(w, LiftEntryLock):
            if w.entry not in self.roster:
                raise Conflict("roster")
        elif isinstance(w, (DeleteRosterEntry, RetireRosterEntry)):
            if (w.entry if isinstance(w, DeleteRosterEntry) else w.entry.entry) not in self.roster:
                raise Conflict("roster")
        elif isinstance(w, SetUserRoster):
            if w.user_key not in self.users:
                raise Conflict("user")
        elif isinstance(w, TakeRemovals):
            if self.load is None or self.load[0].token != w.token or self.load[0].taken:
                raise Conflict("roster")
        elif isinstance(w, ReleaseRoster):
            e = self.roster.get(w.entry)
            if e is None or e.claimed_by != w.user_key:
                raise Conflict("roster")

    def _check_count(self, w: CountResponse) -> None:
        s = self.surveys.get(w.survey_id)
        if not s or s.status != OPEN or (s.deadline is not None and not w.now < s.deadline):
            raise Conflict("survey")
        if w.seen_count is not None and s.response_count != w.seen_count:
            raise Conflict("survey")
        if w.response_delta > 0 and w.cap is not None and s.response_count + w.response_delta > w.cap:
            raise Conflict("survey")
        for k, d in w.option_deltas.items():
            if d > 0 and k in w.limits and s.option_counts.get(k, 0) + d > w.limits[k]:
                raise Conflict("survey")

    def _apply(self, w: Write) -> None:
        if isinstance(w, PutUser):
            u = copy.deepcopy(w.user)
            u.version = w.user.version + 1
            self.users[u.key] = u
        elif isinstance(w, DeleteUser):
            self.users.pop(w.key, None)
        elif isinstance(w, PutAnswer):
            a = copy.deepcopy(w.answer)
            a.version = w.answer.version + 1
            self.answers[(a.survey_id, a.user_key)] = a
        elif isinstance(w, DeleteAnswer):
            self.answers.pop((w.survey_id, w.user_key), None)
        elif isinstance(w, KeepUnnamedAnswer):
            a = copy.deepcopy(w.answer)
            a.version = 1
            self.answers[(a.survey_id, a.user_key)] = a
        elif isinstance(w, CountResponse):
            s = self.surveys[w.survey_id]
            s.response_count += w.response_delta
            for k, d in w.option_deltas.items():
                s.option_counts[k] = s.option_counts.get(k, 0) + d
        elif isinstance(w, PutSurvey):
            self.surveys[w.survey.id] = copy.deepcopy(w.survey)
        elif isinstance(w, SetSurveyStatus):
            s = self.surveys[w.survey_id]
            s.status = w.status
            if w.clear_deadline:
                s.deadline = None
            if w.deadline is not None:
                s.deadline = w.deadline
            if w.opens_at is not None:
                s.opens_at = w.opens_at
            if w.status == CLOSED and w.at is not None:
                s.closed_at = w.at
            elif w.status != CLOSED:
                s.closed_at, s.keep_warned = None, False
        elif isinstance(w, SetRepeat):
            self.surveys[w.survey_id].repeat = w.rule
        elif isinstance(w, Plan):
            self.plans[w.planned.entry] = w.planned
        elif isinstance(w, Unplan):
            self.plans.pop(w.entry, None)
        elif isinstance(w, KeepLonger):
            self.surveys[w.survey_id].keep_extended = True
            self.surveys[w.survey_id].keep_warned = False
        elif isinstance(w, MarkKeepWarned):
            self.surveys[w.survey_id].keep_warned = True
        elif isinstance(w, MarkPurged):
            self.surveys[w.survey_id].purged_at = w.at
        elif isinstance(w, ListSurvey):
            self.listing[w.info.id] = w.info
        elif isinstance(w, UnlistSurvey):
            self.listing.pop(w.survey_id, None)
        elif isinstance(w, AddCoadmin):
            s = self.surveys[w.survey_id]
            if w.user_key not in s.coadmins:
                s.coadmins.append(w.user_key)
        elif isinstance(w, DeleteSurvey):
            self.surveys.pop(w.survey_id, None)
            self.listing.pop(w.survey_id, None)
            self.plans.pop(w.survey_id, None)
            self.plans.pop(plan_key(w.survey_id, KEEP), None)
            gone = (w.survey_id, PARTICIPATION + w.survey_id)
            for pair in [pair for pair in self.answers if pair[0] in gone]:
                del self.answers[pair]
        elif isinstance(w, Audit):
            self.audit.append(copy.deepcopy(w.entry))
        elif isinstance(w, MarkReminded):
            self.surveys[w.survey_id].reminded_at = w.at
        elif isinstance(w, MarkAutoReminded):
            self.surveys[w.survey_id].auto_reminded.append(w.hours)
        elif isinstance(w, PutRosterEntry):
            e = copy.deepcopy(w.entry)
            old = self.roster.get(e.entry)
            if old is not None and not w.new:  # a change keeps the claim, the person and the guesses counted
                e.claimed_by, e.claimed_at, e.person, e.strain = old.claimed_by, old.claimed_at, old.person, old.strain
            self.roster[e.entry] = e
        elif isinstance(w, DeleteRosterEntry):
            self.roster.pop(w.entry, None)
        elif isinstance(w, RetireRosterEntry):
            self.roster.pop(w.entry.entry, None)
            self.former[w.entry.entry] = copy.deepcopy(w.entry)
        elif isinstance(w, DeleteFormerEntry):
            self.former.pop(w.entry, None)
        elif isinstance(w, SetUserRoster):
            u = self.users[w.user_key]
            u.roster, u.unit, u.version = w.entry, w.unit, u.version + 1
        elif isinstance(w, ClaimRoster):
            e = self.roster[w.entry]
            e.claimed_by, e.claimed_at = w.user_key, w.at
            e.person = e.person or w.person
        elif isinstance(w, ReleaseRoster):
            self.roster[w.entry].claimed_by, self.roster[w.entry].claimed_at = "", ""
        elif isinstance(w, SetRosterUnits):
            self.units, self.checks, self.had_roster = dict(w.units), w.checks and bool(w.units), True
        elif isinstance(w, KeepLoadResult):
            self.load = (w.result, w.expires)
            self.load_kept[w.result.token] = (list(w.lines), list(w.keys))
        elif isinstance(w, TakeRemovals) and self.load is not None:  # (checked: it is)
            self.load = (dataclasses.replace(self.load[0], taken=True), self.load[1])
        elif isinstance(w, NoteRegistrationFailure):
            self.failures[w.user_key] = w.strain
        elif isinstance(w, NoteEntryFailure):
            self.roster[w.entry].strain = w.strain
        elif isinstance(w, LiftEntryLock):
            self.roster[w.entry].strain = Strain(tries=self.roster[w.entry].strain.tries)
        else:  # a write this store does not know would pass here and vanish on DynamoDB, or the reverse
            raise TypeError(f"not a write MemoryStore applies: {w!r}")


def _epoch(iso: str) -> int | None:
    try:
        return int(datetime.fromisoformat(iso).timestamp())
    except ValueError:
        return None


def _by_registration(users: Iterable[User]) -> list[User]:
    return sorted(users, key=lambda u: (u.created_at, u.key))


def _newest_first(found: Iterable[SurveyInfo]) -> list[SurveyInfo]:
    return sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)
