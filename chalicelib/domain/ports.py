"""The ports the core owns: what it reads, where it stores, how files and background work reach it.

Adapters implement these (``storage.memory``/``storage.dynamo`` the store,
``export.s3`` the exporter, ``jobs`` the queues) and depend on this module; nothing
in the domain imports an adapter. ``chalicelib.runtime`` is the one place that
wires adapters to ports.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any

from chalicelib.domain.aggregates import Aggregate
from chalicelib.domain.model import PARTICIPATION, Answer, AuditEntry, Member, Survey, SurveyInfo, User
from chalicelib.domain.plans import Planned
from chalicelib.domain.record import record
from chalicelib.domain.roster_records import LoadResult, RosterEntry, Strain
from chalicelib.domain.tasks import Attempt, ExportTask, TaskResult
from chalicelib.domain.writes import Write

if TYPE_CHECKING:  # drawn only by 결과 보기: not imported before it is used
    from chalicelib.domain.pushlog import PushLog
    from chalicelib.domain.results import Results


@record(frozen=True)
class RosterInfo:
    """What one small item says of the roster: its units with their head counts ({} = no roster), and
    whether its entries carry check values (registration then asks for one). The item stays once written."""

    units: dict[str, int] = field(default_factory=dict)
    checks: bool = False
    ever: bool = False  # a roster was loaded once (even if emptied since): people may answer as an entry's person


class Conflict(Exception):
    """A condition of a write failed: someone else got there first (or a cap/deadline hit)."""

    def __init__(self, what: str = "") -> None:
        super().__init__(what or "conflict")
        self.what = what


class Unavailable(Exception):
    """The store (or another outside service) could not be reached or throttled us: try again shortly."""


# --- the store -------------------------------------------------------------------------------


EPOCH_SHARDS = 8  # the people epoch's items (domain.census)


@record(frozen=True)
class Epoch:
    """The people epoch as read: each shard's count, whether the last change is old enough that the store's
    indexes show it (a census counted now may be kept), and the first registrations counted apart (they change
    nobody who could have answered: a census absorbs them)."""

    shards: tuple[int, ...] = (0,) * EPOCH_SHARDS
    settled: bool = True
    joined: tuple[int, ...] = (0,) * EPOCH_SHARDS  # first registrations counted by each shard
    joins: Mapping[str, int] = field(default_factory=dict)  # ... by unit, over all shards (domain.census)

    @property
    def total(self) -> int:
        return sum(self.shards)


class Reader(ABC):
    """Everything the conversation may read, chosen so that a message reads a bounded number of small
    items however many surveys, users or answers the organisation has accumulated.

    Strongly consistent except where noted: the listing and the lookups by title or name may lag a
    write by up to about a second (a condition in the write that follows always holds the truth).
    """

    @abstractmethod
    def get_user(self, key: str) -> User | None: ...

    @abstractmethod
    def get_user_and_listing(self, key: str) -> tuple[User | None, list[SurveyInfo]]:
        """The user and :meth:`listed_surveys`, in one round trip (what almost every message needs)."""

    def get_user_listing_survey_and_answer(
        self, key: str, survey_id: str
    ) -> tuple[User | None, list[SurveyInfo], Survey | None, Answer | None]:
        """The user, the listing, a survey (its form and counters) and the answer kept under ``key`` to it, in one
        round trip: a tapped ``신청 <제목>``, which names its survey."""
        user, listed = self.get_user_and_listing(key)
        return user, listed, *self.get_survey_and_answer(survey_id, key)

    @abstractmethod
    def get_users(self, keys: Sequence[str]) -> list[User]:
        """Whole user items by key, in that order; missing ones left out (a few people a command names, operator
        tools and tests)."""

    @abstractmethod
    def find_users_by_name(self, name: str) -> list[User]:
        """Users registered under exactly ``name`` (whole items: an admin command may write them)."""

    @abstractmethod
    def list_members(self, unit: str = "") -> list[Member]:
        """Registered people, all of them or those of one unit (however each typed it: '1 중대' is 1중대), without
        their conversation state."""

    @abstractmethod
    def list_admins(self) -> list[Member]: ...

    @abstractmethod
    def get_survey(self, survey_id: str) -> Survey | None: ...

    def get_survey_form(self, survey_id: str) -> Survey | None:
        """The survey as its admin made it: title, description, questions, owner, target unit and cap,
        which never change. Its status, deadline and counters are those of some earlier moment (take
        them from the listing or :meth:`get_survey`); a store may keep forms in memory."""
        return self.get_survey(survey_id)

    @abstractmethod
    def get_surveys(self, survey_ids: Sequence[str]) -> list[Survey]:
        """Surveys by id, in that order; ids of surveys that do not exist are left out."""

    @abstractmethod
    def get_survey_and_answer(self, survey_id: str, user_key: str) -> tuple[Survey | None, Answer | None]:
        """A survey and one person's answer to it, in one round trip."""

    def get_user_survey_and_answer(self, key: str, survey_id: str) -> tuple[User | None, Survey | None, Answer | None]:
        """The user, a survey and the user's answer to it (a store reads them in one round trip)."""
        return self.get_user(key), *self.get_survey_and_answer(survey_id, key)

    @abstractmethod
    def listed_surveys(self) -> list[SurveyInfo]:
        """The surveys open for answers and not full: those the last writes listed (see ListSurvey).
        A deadline may have passed since: the reader checks ``is_open``."""

    @abstractmethod
    def surveys_titled(self, title: str) -> list[SurveyInfo]:
        """Every survey, open or closed, whose title is ``title`` as ``title_key`` compares them."""

    @abstractmethod
    def all_surveys(self) -> list[SurveyInfo]:
        """Every survey (a super admin's view and the everything-export), newest first."""

    @abstractmethod
    def get_answer(self, survey_id: str, user_key: str) -> Answer | None: ...

    @abstractmethod
    def list_answers(self, survey_id: str) -> list[Answer]:
        """All answers of one survey, in submission order."""

    def get_aggregate(self, survey_id: str) -> Aggregate | None:
        """A survey's counters (domain.aggregates): one small item, strongly consistent; None when it has none
        (made before aggregates existed, or its answers kept without names: its reader recounts the answers)."""
        return None

    @abstractmethod
    def people_epoch(self) -> Epoch:
        """The people epoch (domain.census): each of its shards, strongly consistent, in one read."""

    def answer_keys(self, survey_id: str) -> set[str]:
        """The keys the answers of a survey are kept under (who answered a named one), without the answers."""
        return {a.user_key for a in self.list_answers(survey_id)}

    def answered_among(self, survey_id: str, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` have an answer kept under them in a survey (their answers' keys alone, in batches):
        what one unit's page of 미응답 reads, however many answered elsewhere."""
        return self.answer_keys(survey_id) & set(keys)

    @abstractmethod
    def answered_by(self, person: str) -> dict[str, int]:
        """The surveys ``person`` (a person key, :attr:`User.person_key`) has a named answer to, with the epoch
        seconds of each first submit: the ANSWERED_KEPT most recent (what a registration brings back)."""

    def participants(self, survey_id: str) -> list[str]:
        """The participation records of a survey of answers kept without the person (익명, 참여만 확인):
        salted keys (익명) or the people's keys (참여만 확인)."""
        return [a.user_key for a in self.list_answers(PARTICIPATION + survey_id)]

    @abstractmethod
    def planned(self) -> list[Planned]:
        """The schedule: surveys that open by themselves (예약) and repeating ones (one item; the job reads it)."""

    @abstractmethod
    def roster_info(self) -> RosterInfo:
        """The roster's units with their head counts, and whether its entries carry check values (one item)."""

    def roster_units(self) -> dict[str, int]:
        """The roster's units and how many people each has; {} when there is no roster."""
        return self.roster_info().units

    @abstractmethod
    def roster_entries(self, unit: str = "", name: str = "") -> list[RosterEntry]:
        """Roster entries, in key order: everyone's, one unit's, or one unit's people of one name
        (their key is the unit and the name, with a suffix for same-named people)."""

    @abstractmethod
    def former_entries(self) -> list[RosterEntry]:
        """The entries taken off the roster that still tie to a person: a load (and 명단 추가) brings them back.
        Read by nothing a member says."""

    @abstractmethod
    def registration_strain(self, user_key: str) -> Strain:
        """The refused registration attempts of ``user_key`` (a leaky bucket; see roster_records.Strain)."""

    @abstractmethod
    def last_load(self, now: int) -> LoadResult | None:
        """The last roster load kept for its admin (None: none, or expired by ``now``, epoch seconds)."""

    @abstractmethod
    def load_lines(self, token: str) -> list[str]:
        """What the load kept under ``token`` did, a line per person."""

    @abstractmethod
    def load_keys(self, token: str) -> list[str]:
        """The entry keys the load kept under ``token`` would take off."""


class Store(Reader):
    """The reads plus an atomic commit of the writes of :mod:`chalicelib.domain.writes`."""

    @abstractmethod
    def commit(self, writes: list[Write]) -> None:
        """Apply all writes atomically or none; raise Conflict when a condition fails."""

    @abstractmethod
    def list_audit(self, limit: int = 100) -> list[AuditEntry]: ...

    @abstractmethod
    def purge_answers(self, survey_id: str) -> int:
        """Delete every answer and participation record of a survey whose retention is over (its
        MarkPurged committed, so no answer can arrive); returns how many answers went."""

    def list_users(self, unit: str = "") -> list[User]:
        """Whole user items of everyone or of one unit, in registration order (operator tools and tests)."""
        return self.get_users([m.key for m in self.list_members(unit)])

    def list_surveys(self) -> list[Survey]:
        """Every whole survey, newest first (operator tools and tests; a chat message never needs them all)."""
        return self.get_surveys([s.id for s in self.all_surveys()])

    def push_log(self) -> PushLog:
        """Where pushes keep their chunks and progress, beside this store's data (background work only)."""
        raise NotImplementedError(f"{type(self).__name__} keeps no pushes")


# --- files -------------------------------------------------------------------------------------


LINK_SECONDS = 600  # how long every link the bot hands out lives (downloads, 결과 보기, 명단 올리기): 10 minutes


@record(frozen=True)
class FileLink:
    """A short-lived download link for one stored export."""

    url: str
    filename: str  # the name the browser saves the file as (may be Korean)
    expires_in: int = LINK_SECONDS  # seconds the link is valid for
    key: str = ""  # where the file is stored; a fresh link can be minted from it later


@record(frozen=True)
class Reach:
    """Who a survey is for, as its export shows it (see domain.audience): how many people it is meant for and
    how many of them answered (None: not known), who has not (소속, 이름, 회원번호, 상태), and the 회원번호 of
    each person key, so an answer's row and a 미응답 row of the same person carry the same mark."""

    target: int | None = None
    answered: int | None = None
    missing: tuple[tuple[str, str, str, str], ...] = ()
    marks: Mapping[str, str] = field(default_factory=dict)


class Exporter(ABC):
    """Builds downloads of answers and hands out links to them."""

    @abstractmethod
    def export_survey(self, survey: Survey, answers: Sequence[Answer], reach: Reach | None = None) -> list[FileLink]:
        """One survey's answers as files (a workbook and a CSV). The workbook opens on "요약", the survey's
        현황 (with its response rate when ``reach`` says how many people it is meant for), then the answers,
        then "미응답" listing who has not answered when there is anyone."""

    @abstractmethod
    def export_master(
        self, items: Sequence[tuple[Survey, Sequence[Answer]]], marks: Mapping[str, str] | None = None
    ) -> FileLink:
        """One workbook with a sheet per survey (``marks``: the 회원번호 of the person keys, as in one survey's)."""

    @abstractmethod
    def forget_survey(self, survey_id: str) -> None:
        """Remove every file made of a deleted survey."""

    @abstractmethod
    def presign(self, key: str, title: str, ext: str) -> FileLink:
        """A fresh link to a file built earlier."""

    @abstractmethod
    def publish_report(self, results: Results) -> FileLink:
        """A page drawing ``results`` (결과 보기), stored with the survey's exports, behind a short-lived link
        that opens it in a browser."""


class Uploads(ABC):
    """A private place where a super admin drops a file from a browser (the roster), by a one-time token."""

    @abstractmethod
    def upload_page(self, token: str, uploader: str) -> FileLink:
        """A short-lived link to a page whose form uploads one file under ``token``."""

    @abstractmethod
    def upload_arrived(self, token: str) -> bool:
        """Whether a file was uploaded under ``token`` (one small listing; no download)."""

    @abstractmethod
    def uploaded(self, token: str) -> Upload | None:
        """What was uploaded under ``token``; None while nothing is (or once it is discarded)."""

    @abstractmethod
    def discard(self, token: str) -> None:
        """Delete what was uploaded under ``token`` (personal data: gone once it is read)."""

    def upload_status(self, token: str, state: str, detail: str = "") -> None:
        """Tell the upload page of ``token`` how its file is doing (``state``: reading, done or failed; ``detail``:
        counts only, never a name), for the page to show while its admin waits. Nothing where no page polls."""
        return None


@record(frozen=True)
class Upload:
    """One uploaded file: its name as the browser sent it, its bytes, and the Kakao user whose page took it
    (fixed by the page's signed form, so the bucket vouches for it)."""

    filename: str
    data: bytes
    uploader: str


# --- background work ---------------------------------------------------------------------------


# What one call to Kakao's Event API came to (Attempt.outcome).
ACCEPTED = "accepted"  # Kakao took the task: its id reads the result later
NOT_SENT = "not_sent"  # refused before Kakao could act on it (a connection that failed, 5xx, 429): safe to send again
REFUSED = "refused"  # refused for good (a wrong key, bot id or event name; a malformed call)
UNKNOWN = "unknown"  # sent, but no answer came: Kakao may have taken it, so it is never sent again


class Notifier(ABC):
    """Reaches people first, through Kakao's Event API: Kakao then calls the skill for each of them."""

    MAX_USERS = 100  # people per call (Kakao's limit)

    @abstractmethod
    def send(self, user_keys: Sequence[str], data: Mapping[str, Any]) -> Attempt:
        """One call for at most MAX_USERS people; never raises for what Kakao answers."""

    def result(self, task_id: str) -> TaskResult | None:
        """Kakao's result of an accepted task; None when it cannot be read (yet)."""
        return None


class Queue(ABC):
    """Runs an export task later (SQS on Lambda and in make run, inline in tests), at the earliest
    ``delay_seconds`` from now (at most MAX_DELAY_SECONDS)."""

    MAX_DELAY_SECONDS = 900  # SQS's limit
    MAX_MESSAGE_BYTES = 256 * 1024  # what the queues are made to take (SQS's default before 2025; see jobs.py)

    @abstractmethod
    def send(self, task: ExportTask, delay_seconds: int = 0) -> None: ...

    def send_many(self, tasks: Sequence[ExportTask], delay_seconds: int = 0) -> None:
        """Several tasks (SQS sends ten a call); raises when any could not be queued."""
        for task in tasks:
            self.send(task, delay_seconds)
