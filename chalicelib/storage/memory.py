"""An in-memory Store with the same conditions as the DynamoDB one.

Used by unit tests and as the reference the storage contract tests hold the
DynamoDB implementation to. Thread-safe: ``commit`` checks every condition,
then applies every write, under one lock. The listing is kept the way the
DynamoDB store keeps it, from the ListSurvey and UnlistSurvey writes, so a
conversation that forgets one shows it here too.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import datetime

from chalicelib.domain.aggregates import Aggregate
from chalicelib.domain.model import (
    ANSWERED_KEPT,
    PARTICIPATION,
    Answer,
    AuditEntry,
    Member,
    Survey,
    SurveyInfo,
    User,
    title_key,
)
from chalicelib.domain.plans import Planned
from chalicelib.domain.ports import Epoch, RosterInfo, Store
from chalicelib.domain.roster_records import LoadResult, RosterEntry, Strain, unit_key
from chalicelib.domain.writes import (
    Write,
)
from chalicelib.storage import memory_writes
from chalicelib.storage.memory_pushlog import MemoryPushLog
from chalicelib.storage.memory_state import MemoryState


class MemoryStore(MemoryState, Store):
    # --- reads ---------------------------------------------------------------
    def get_user(self, key: str) -> User | None:
        with self._lock:
            u = self.users.get(key)
            return _read(u) if u else None

    def get_user_and_listing(self, key: str) -> tuple[User | None, list[SurveyInfo]]:
        with self._lock:
            return self.get_user(key), self.listed_surveys()

    def get_users(self, keys: Sequence[str]) -> list[User]:
        with self._lock:
            return [_read(self.users[k]) for k in dict.fromkeys(keys) if k in self.users]

    def find_users_by_name(self, name: str) -> list[User]:
        with self._lock:
            return _by_registration(_read(u) for u in self.users.values() if u.name == name)

    def list_members(self, unit: str = "") -> list[Member]:
        with self._lock:
            key = unit_key(unit)  # one unit however it is spaced, as the members index keys it
            found = (u for u in self.users.values() if not unit or unit_key(u.unit) == key)
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

    def answered_among(self, survey_id: str, keys: Sequence[str]) -> set[str]:
        with self._lock:
            return {k for k in keys if (survey_id, k) in self.answers}

    def people_epoch(self) -> Epoch:
        with self._lock:
            # nothing here lags: always settled
            return Epoch(tuple(self.epoch), True, tuple(self.joined), dict(self.joins))

    def get_aggregate(self, survey_id: str) -> Aggregate | None:
        with self._lock:
            found = self.aggregates.get(survey_id)
            return copy.deepcopy(found) if found else None

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
            self.aggregates.pop(survey_id, None)
        return sum(1 for sid, _ in pairs if sid == survey_id)

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        with self._lock:
            return list(reversed(self.audit))[:limit]

    # --- writes --------------------------------------------------------------
    def commit(self, writes: list[Write]) -> None:
        memory_writes.commit(self, writes)


def _epoch(iso: str) -> int | None:
    try:
        return int(datetime.fromisoformat(iso).timestamp())
    except ValueError:
        return None


def _by_registration(users: Iterable[User]) -> list[User]:
    return sorted(users, key=lambda u: (u.created_at, u.key))


def _newest_first(found: Iterable[SurveyInfo]) -> list[SurveyInfo]:
    return sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)


def _read(u: User) -> User:
    """A copy of a stored user, as a read hands it out: with who they were when read (User.loaded)."""
    out = copy.deepcopy(u)
    out.loaded = out.people_fields()
    return out
