"""The in-memory store's state: every table as dictionaries, and the lock a commit holds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from chalicelib.domain.aggregates import Aggregate
from chalicelib.domain.model import Answer, AuditEntry, Survey, SurveyInfo, User
from chalicelib.domain.plans import Planned
from chalicelib.domain.ports import EPOCH_SHARDS, Conflict
from chalicelib.domain.roster_records import LoadResult, RosterEntry, Strain


class MemoryState:
    """The items of every table, as dictionaries, and the lock a commit holds."""

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
        self.aggregates: dict[str, Aggregate] = {}
        self.epoch: list[int] = [0] * EPOCH_SHARDS  # the people epoch (domain.census)
        self.joined: list[int] = [0] * EPOCH_SHARDS  # ... its first registrations per shard
        self.joins: dict[str, int] = {}  # ... and by unit

    def survey_or_conflict(self, survey_id: str) -> Survey:
        s = self.surveys.get(survey_id)
        if s is None:
            raise Conflict("survey")
        return s


Rule = Callable[[MemoryState, Any], None]


def no_condition(m: MemoryState, w: Any) -> None:
    """No condition."""


def refuse(what: str, failed: bool) -> None:
    """A failed condition: the commit stores nothing."""
    if failed:
        raise Conflict(what)
