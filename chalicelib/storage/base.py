"""The storage port: reads the conversation may make, and the writes it asks for.

The conversation never writes; it returns a list of write operations (dataclasses
below). The service hands them to ``Store.commit`` which applies them all or
none (one DynamoDB transaction), checking every condition written next to each
operation. A failed condition raises :class:`Conflict`; the service then
re-reads and re-runs the step, so a lost race becomes a fresh answer, not a 500.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Protocol, Union

from chalicelib.domain.model import Answer, AuditEntry, Survey, User


class Conflict(Exception):
    """A condition of a write failed: someone else got there first (or a cap/deadline hit)."""

    def __init__(self, what: str = "") -> None:
        super().__init__(what or "conflict")
        self.what = what


class Unavailable(Exception):
    """The store could not be reached or throttled us; the member should try again shortly."""


# --- write operations -------------------------------------------------------


@dataclass
class PutUser:
    """Store the whole user item. Condition: stored version == user.version (0: must not exist).

    The stored item gets version user.version + 1.
    """

    user: User


@dataclass
class DeleteUser:
    """Remove a user item. Condition: stored version == expected_version."""

    key: str
    expected_version: int


@dataclass
class PutAnswer:
    """Store an answer. Condition: stored version == answer.version (0: must not exist).

    This is what makes "one answer per person per survey" true: a second first-time
    submit of the same person fails its condition.
    """

    answer: Answer


@dataclass
class DeleteAnswer:
    """Withdraw an answer. Condition: it exists with version == expected_version."""

    survey_id: str
    user_key: str
    expected_version: int


@dataclass
class CountResponse:
    """Adjust a survey's counters in the same transaction as the answer.

    Condition: the survey exists, status is open, the deadline (if any) is after ``now``;
    when ``response_delta`` > 0 and the survey has a cap: response_count + delta <= cap;
    for every option key with a positive delta and a capacity in ``limits``:
    option_counts[key] + delta <= limits[key].
    """

    survey_id: str
    now: datetime
    response_delta: int = 0
    option_deltas: dict[str, int] = field(default_factory=dict)
    cap: Optional[int] = None
    limits: dict[str, int] = field(default_factory=dict)


@dataclass
class PutSurvey:
    """Create a survey. Condition: no survey with this id exists."""

    survey: Survey


@dataclass
class SetSurveyStatus:
    """Close or reopen. Condition: the survey exists."""

    survey_id: str
    status: str
    deadline: Optional[datetime] = None
    clear_deadline: bool = False


@dataclass
class AddCoadmin:
    """Add a co-owner. Condition: the survey exists."""

    survey_id: str
    user_key: str


@dataclass
class DeleteSurvey:
    """Delete a survey with all its answers and exports (not transactional: survey item first)."""

    survey_id: str


@dataclass
class Audit:
    entry: AuditEntry


Write = Union[
    PutUser, DeleteUser, PutAnswer, DeleteAnswer, CountResponse, PutSurvey, SetSurveyStatus, AddCoadmin,
    DeleteSurvey, Audit,
]


class Reader(Protocol):
    """Everything the conversation may read. All reads are strongly consistent except by-name/unit lookups."""

    def get_user(self, key: str) -> Optional[User]: ...

    def find_users_by_name(self, name: str) -> list[User]: ...

    def list_users(self, unit: str = "") -> list[User]:
        """Registered users, all of them or those of one unit."""
        ...

    def list_admins(self) -> list[User]: ...

    def get_survey(self, survey_id: str) -> Optional[Survey]: ...

    def list_surveys(self) -> list[Survey]:
        """Every survey, newest first."""
        ...

    def get_answer(self, survey_id: str, user_key: str) -> Optional[Answer]: ...

    def list_answers(self, survey_id: str) -> list[Answer]:
        """All answers of one survey, in submission order."""
        ...


class Store(Reader, Protocol):
    def commit(self, writes: list[Write]) -> None:
        """Apply all writes atomically or none; raise Conflict when a condition fails."""
        ...

    def list_audit(self, limit: int = 100) -> list[AuditEntry]: ...
