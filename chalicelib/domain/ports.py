"""The ports the core owns: what it reads, where it stores, how files and background work reach it.

Adapters implement these (``storage.memory``/``storage.dynamo`` the store,
``export.s3`` the exporter, ``jobs`` the queues) and depend on this module; nothing
in the domain imports an adapter. ``chalicelib.runtime`` is the one place that
wires adapters to ports.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from chalicelib.domain.model import Answer, AuditEntry, Survey, User
from chalicelib.domain.writes import Write


class Conflict(Exception):
    """A condition of a write failed: someone else got there first (or a cap/deadline hit)."""

    def __init__(self, what: str = "") -> None:
        super().__init__(what or "conflict")
        self.what = what


class Unavailable(Exception):
    """The store (or another outside service) could not be reached or throttled us: try again shortly."""


# --- the store -------------------------------------------------------------------------------


class Reader(ABC):
    """Everything the conversation may read. All reads are strongly consistent except by-name/unit lookups."""

    @abstractmethod
    def get_user(self, key: str) -> User | None: ...

    @abstractmethod
    def find_users_by_name(self, name: str) -> list[User]: ...

    @abstractmethod
    def list_users(self, unit: str = "") -> list[User]:
        """Registered users, all of them or those of one unit."""

    @abstractmethod
    def list_admins(self) -> list[User]: ...

    @abstractmethod
    def get_survey(self, survey_id: str) -> Survey | None: ...

    @abstractmethod
    def list_surveys(self) -> list[Survey]:
        """Every survey, newest first."""

    @abstractmethod
    def get_answer(self, survey_id: str, user_key: str) -> Answer | None: ...

    @abstractmethod
    def list_answers(self, survey_id: str) -> list[Answer]:
        """All answers of one survey, in submission order."""


class Store(Reader):
    """The reads plus an atomic commit of the writes of :mod:`chalicelib.domain.writes`."""

    @abstractmethod
    def commit(self, writes: list[Write]) -> None:
        """Apply all writes atomically or none; raise Conflict when a condition fails."""

    @abstractmethod
    def list_audit(self, limit: int = 100) -> list[AuditEntry]: ...


# --- files -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileLink:
    """A short-lived download link for one stored export."""

    url: str
    filename: str  # the name the browser saves the file as (may be Korean)
    expires_in: int = 300  # seconds the link is valid for
    key: str = ""  # where the file is stored; a fresh link can be minted from it later


class Exporter(ABC):
    """Builds downloads of answers and hands out links to them."""

    @abstractmethod
    def export_survey(self, survey: Survey, answers: Sequence[Answer]) -> list[FileLink]:
        """One survey's answers as files (a workbook and a CSV)."""

    @abstractmethod
    def export_master(self, items: Sequence[tuple[Survey, Sequence[Answer]]]) -> FileLink:
        """One workbook with a sheet per survey."""

    @abstractmethod
    def forget_survey(self, survey_id: str) -> None:
        """Remove every file made of a deleted survey."""

    @abstractmethod
    def presign(self, key: str, title: str, ext: str) -> FileLink:
        """A fresh link to a file built earlier."""


# --- background work ---------------------------------------------------------------------------


@dataclass
class ExportTask:
    """An export too big to build inside a chat reply, handed to a queue."""

    user_key: str
    survey_ids: list[str]
    master: bool = False
    callback_url: str = ""
    requested_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ExportTask:
        d = json.loads(text)
        return cls(
            user_key=str(d["user_key"]),
            survey_ids=[str(x) for x in d.get("survey_ids", [])],
            master=bool(d.get("master")),
            callback_url=str(d.get("callback_url") or ""),
            requested_at=str(d.get("requested_at") or ""),
        )


class Queue(ABC):
    """Runs an export task later (SQS on Lambda, a worker thread locally, inline in tests)."""

    @abstractmethod
    def send(self, task: ExportTask) -> None: ...
