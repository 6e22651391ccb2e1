"""The writes a conversation step asks for: commands, each with the condition the store checks.

The conversation never writes. It returns a list of these records; the service hands
them to :meth:`chalicelib.domain.ports.Store.commit`, which applies them all or none
(one DynamoDB transaction), checking the condition written next to each. A failed
condition raises :class:`chalicelib.domain.ports.Conflict`; the service then re-reads
and runs the step again, so a lost race becomes a fresh answer, not an error.
"""

from __future__ import annotations

from dataclasses import field

# Write records are handed to a store and never compared: eq=False saves each class a generated __eq__, which
# every cold start would otherwise compile (26 classes).
from datetime import datetime
from typing import Any

from chalicelib.domain.model import Answer, AuditEntry, Survey, SurveyInfo, User
from chalicelib.domain.plans import Planned, plan_key
from chalicelib.domain.record import record
from chalicelib.domain.roster_writes import (
    ClaimRoster,
    DeleteFormerEntry,
    DeleteRosterEntry,
    KeepLoadResult,
    LiftEntryLock,
    NoteEntryFailure,
    NoteRegistrationFailure,
    PutRosterEntry,
    ReleaseRoster,
    RetireRosterEntry,
    SetEntryPerson,
    SetRosterUnits,
    SetUserRoster,
    TakeRemovals,
)


@record(eq=False)
class PutUser:
    """Store the whole user item. Condition: stored version == user.version (0: must not exist).

    The stored item gets version user.version + 1.
    """

    user: User


@record(eq=False)
class DeleteUser:
    """Remove a user item. Condition: stored version == expected_version."""

    key: str
    expected_version: int


@record(eq=False)
class PutAnswer:
    """Store an answer. Condition: stored version == answer.version (0: must not exist).

    This is what makes "one answer per person per survey" true: a second first-time
    submit of the same person fails its condition.
    """

    answer: Answer


@record(eq=False)
class KeepUnnamedAnswer:
    """Store an answer kept without the person (익명, 참여만 확인), written apart from and after its participation
    record. Condition: the survey exists and its answers were not deleted by retention (an answer that arrives
    after its survey was deleted, or purged, goes nowhere); no answer has its random key."""

    answer: Answer


@record(eq=False)
class DeleteAnswer:
    """Withdraw an answer. Condition: it exists with version == expected_version."""

    survey_id: str
    user_key: str
    expected_version: int


@record(eq=False)
class CountResponse:
    """Adjust a survey's counters in the same transaction as the answer: its response count and, in
    ``option_deltas``, the survey item's own option counters only (Survey.option_counts: options with a capacity,
    and a batch's size); how many took each option is the aggregate's (AddToAggregate).

    Condition: the survey exists, status is open, the deadline (if any) is after ``now``;
    when ``response_delta`` > 0 and the survey has a cap: response_count + delta <= cap;
    for every option key with a positive delta and a capacity in ``limits``:
    option_counts[key] + delta <= limits[key]. With ``seen_count``: response_count ==
    seen_count, for a write that lists or unlists the survey because this count makes it
    full or no longer full (so the listing is exact when others answer at the same time).
    """

    survey_id: str
    now: datetime
    response_delta: int = 0
    option_deltas: dict[str, int] = field(default_factory=dict)
    cap: int | None = None
    limits: dict[str, int] = field(default_factory=dict)
    seen_count: int | None = None


@record(eq=False)
class AddToAggregate:
    """Add what an answer's submit, edit or withdrawal changes to its survey's counters (domain.aggregates): rides
    with the answer's write and the CountResponse, whose conditions it shares; it has none of its own. The
    aggregate's version goes up by one (a recount read before it then fails its condition)."""

    survey_id: str
    deltas: dict[str, float]
    people: dict[str, int] = field(default_factory=dict)  # whose it was, for the census (domain.census)


@record(eq=False)
class RecountAggregate:
    """Replace a survey's counters by a recount of its answers (the repair, and a survey made before aggregates
    existed). Condition: the aggregate's version is still ``seen`` (None: there is none), so an answer that
    changed meanwhile makes the recount read again instead of being lost."""

    survey_id: str
    counts: dict[str, float]
    seen: int | None


@record(eq=False)
class KeepCensus:
    """Keep a survey's census (domain.census) with its aggregate. Conditions: the aggregate's version is still
    ``seen`` and each shard of the people epoch still ``epoch``, as read before the census was counted. Its
    version does not move: the census is drawn from the counters, it changes none."""

    survey_id: str
    census: dict[str, Any]
    seen: int
    epoch: tuple[int, ...]
    joined: tuple[int, ...] = ()  # and each shard's first registrations still these (() : none counted)


@record(eq=False)
class TouchPeople:
    """Raise the people epoch (domain.census) with nothing else: people may have changed where no write of this
    version saw it (a version run before it, a restored table), so every census kept is counted again. No
    condition."""

    why: str = ""


@record(eq=False)
class PutSurvey:
    """Create a survey (and, of a named one, its empty aggregate). Condition: no survey with this id exists."""

    survey: Survey


@record(eq=False)
class SetSurveyStatus:
    """Close, reopen, schedule or open a scheduled survey, optionally lifting the deadline. Condition: the
    survey exists; with ``full``, also that it is full (True) or not (False), as the listing written with
    it assumes; with ``expect``, that its status is that (a scheduled survey opens once)."""

    survey_id: str
    status: str
    clear_deadline: bool = False
    full: bool | None = None
    deadline: datetime | None = None  # a new deadline (연장)
    expect: str = ""
    opens_at: datetime | None = None  # 예약: when it opens by itself
    at: datetime | None = None  # closing: when (retention counts from then); any other status forgets it


@record(eq=False)
class SetRepeat:
    """Set or stop (``rule`` "") a survey's repeating. Condition: the survey exists; with ``expect``, that
    it repeats by that rule still (the job makes a period only of a survey nobody stopped meanwhile)."""

    survey_id: str
    rule: str
    expect: str = ""


@record(eq=False)
class Plan:
    """Put a survey on the schedule the job reads (예약, 반복): rides with the change that makes it so, like
    ListSurvey, with no condition of its own."""

    planned: Planned


@record(eq=False)
class Unplan:
    """Take a survey's entry off the schedule (opened, stopped, reopened, deleted). Rides with the change,
    like Plan."""

    survey_id: str
    kind: str = ""

    @property
    def entry(self) -> str:
        return plan_key(self.survey_id, self.kind)


@record(eq=False)
class KeepLonger:
    """보관 연장: the retention period once more. Condition: the survey is closed, its answers not deleted,
    and this was not done before (once)."""

    survey_id: str


@record(eq=False)
class MarkKeepWarned:
    """Its admins were told the answers go soon. Condition: closed at ``closed_at`` still and not told yet
    (the job running twice, or two at once, tells them once)."""

    survey_id: str
    closed_at: datetime


@record(eq=False)
class MarkPurged:
    """Retention over: its answers are deleted now. Condition: closed at ``closed_at`` still (not reopened
    meanwhile) and not purged before. The answers go right after this commits."""

    survey_id: str
    closed_at: datetime
    at: datetime


@record(eq=False)
class ListSurvey:
    """Show a survey in the listing members read (open for answers and not full).

    Written together with the change that makes it so (creating, reopening, a withdraw that
    frees a place), whose conditions it shares; it has none of its own.
    """

    info: SurveyInfo


@record(eq=False)
class UnlistSurvey:
    """Take a survey out of the listing (closed, full). Rides with the change, like ListSurvey."""

    survey_id: str


@record(eq=False)
class AddCoadmin:
    """Add a co-owner. Condition: the survey exists."""

    survey_id: str
    user_key: str


@record(eq=False)
class AddViewer:
    """Add a read-only viewer (열람자). Condition: the survey exists."""

    survey_id: str
    user_key: str


@record(eq=False)
class DeleteSurvey:
    """Delete a survey with all its answers and exports; it leaves the listing with the survey item.

    Not transactional as a whole: the survey item (and its listing) go first, then the answers.
    """

    survey_id: str


@record(eq=False)
class Audit:
    """Append an entry to the audit trail (no condition: audit keys are unique)."""

    entry: AuditEntry


@record(eq=False)
class MarkReminded:
    """Record that 알림 went out for a survey now. Condition: the survey exists and was not reminded
    at or after ``not_since`` (two admins confirming at once send once).

    With ``units`` (an admin of some units reminding their units' people), the marks are those units' own: none of
    them, nor the whole survey, was reminded at or after ``not_since``. ``first`` says the survey had no unit's mark
    when read (the store then writes the marks whole, on condition that there are still none)."""

    survey_id: str
    at: datetime
    not_since: datetime
    units: tuple[str, ...] = ()
    first: bool = True


@record(eq=False)
class MarkAutoReminded:
    """Record that the automatic reminder ``hours`` before the deadline went out. Condition: the survey
    exists and that one was not sent yet (the job running twice, or two at once, sends it once)."""

    survey_id: str
    hours: int


Write = (
    PutUser
    | DeleteUser
    | PutAnswer
    | KeepUnnamedAnswer
    | DeleteAnswer
    | CountResponse
    | AddToAggregate
    | RecountAggregate
    | KeepCensus
    | TouchPeople
    | PutSurvey
    | SetSurveyStatus
    | ListSurvey
    | UnlistSurvey
    | AddCoadmin
    | AddViewer
    | DeleteSurvey
    | Audit
    | PutRosterEntry
    | DeleteRosterEntry
    | RetireRosterEntry
    | DeleteFormerEntry
    | SetUserRoster
    | ClaimRoster
    | ReleaseRoster
    | SetRosterUnits
    | KeepLoadResult
    | TakeRemovals
    | NoteRegistrationFailure
    | NoteEntryFailure
    | LiftEntryLock
    | SetEntryPerson
    | MarkReminded
    | MarkAutoReminded
    | SetRepeat
    | Plan
    | Unplan
    | KeepLonger
    | MarkKeepWarned
    | MarkPurged
)
