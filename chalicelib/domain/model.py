"""Domain records: users, surveys, questions and answers.

Plain dataclasses with no I/O. Storage adapters turn these into items and back; the conversation reads them.
"""

from __future__ import annotations

from dataclasses import field
from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.domain.record import record
from chalicelib.domain.roster_records import unit_key

KST = timezone(timedelta(hours=9), "KST")

# Roles (levels of product.md)
MEMBER = 0
ADMIN = 1
SUPER = 2
ROLE_NAMES = {MEMBER: "일반 사용자", ADMIN: "관리자", SUPER: "슈퍼관리자"}

MAX_CAP = 100_000  # the most responses a survey, or takers an option, may be capped at

# How many surveys a person's item remembers answering, and managing or viewing: the most recent ones, so the item
# (read and written by almost every message) stays small. Older ones are still found by title.
ANSWERED_KEPT = 50
MANAGED_KEPT = 30

OPEN = "open"
CLOSED = "closed"
SCHEDULED = "scheduled"  # made, and opens by itself at ``Survey.opens_at`` (예약)

# Privacy modes (how answers are kept): 실명 names each answer; 익명 keeps answers with no key, name or time
# of the person, one per person enforced through a salted participation record; 참여만 확인 keeps answers
# the same way, while the participation record names the person (미응답 still knows who took part).
NAMED = "named"
ANONYMOUS = "anon"
PRESENCE = "presence"
MODE_NAMES = {NAMED: "실명", ANONYMOUS: "익명", PRESENCE: "참여만 확인"}
PARTICIPATION = "p#"  # the partition of a survey's participation records: "p#<survey id>"

# Retention: answers are kept this many days after a survey closes (the organisation's default; a survey
# may keep them shorter), then deleted; its admins are told WARN_DAYS before, and 보관 연장 doubles it once.
KEEP_DAYS = 365
WARN_DAYS = 7
BACKUP_DAYS = 35  # at most this long backups keep what retention deleted (point-in-time recovery, daily backups)


def now_kst() -> datetime:
    return datetime.now(KST)


def target_units(target: str) -> list[str]:
    """A survey's target units: "" is everyone, several are stored joined by commas ('1중대,2중대')."""
    return [u for u in (x.strip() for x in target.split(",")) if u]


def in_target(unit: str, target: str) -> bool:
    """Whether someone of ``unit`` is of a survey for ``target`` ("" is everyone); a unit however it is spaced."""
    return not target or unit_key(unit) in {unit_key(u) for u in target_units(target)}


def target_label(target: str) -> str:
    """How a target reads: '전체', '2중대', '1중대, 2중대'."""
    return ", ".join(target_units(target)) or "전체"


def title_key(title: str) -> str:
    """How titles are compared: spaces removed, case folded ('BBQ 회식' and 'bbq회식' are one title)."""
    return "".join(title.split()).casefold()


@record
class Managed:
    """A survey an admin owns or co-owns, as their own item remembers it (to find it by title without reads)."""

    title: str
    since: int = 0  # epoch seconds when it was created or shared


@record
class User:
    """A registered person.

    ``session`` is the conversation state as it is stored: a JSON document the store
    keeps verbatim. The conversation reads and writes it only through
    :class:`chalicelib.domain.session.Session`.
    """

    key: str
    name: str
    unit: str = ""
    role: int = MEMBER
    session: dict[str, Any] = field(default_factory=dict)
    # Surveys with a stored answer of mine: survey id -> epoch seconds of the (first) submit; 0 = unknown.
    answered: dict[str, int] = field(default_factory=dict)
    # Surveys I own or co-own (admins): survey id -> title and when. Super admins manage every survey anyway.
    managed: dict[str, Managed] = field(default_factory=dict)
    # Surveys I may read as a viewer (열람자: 현황, 결과 보기, 다운로드 only): survey id -> title and when granted.
    viewing: dict[str, Managed] = field(default_factory=dict)
    units: list[str] = field(default_factory=list)  # 소속 관리자: an admin of these units only ([]: not limited)
    created_at: str = ""
    # Optimistic-lock version of the stored item; 0 means "not stored yet".
    version: int = 0
    # Per-user rate limit: [epoch seconds, level of the bucket then]; [] = none counted yet.
    rate: list[float] = field(default_factory=list)
    # The roster entry this person claimed at registration (RosterEntry.entry); "" = registered without one.
    roster: str = ""
    # The key this person's answers are kept under when it is not ``key``: the person id of the roster entry
    # they claimed (another Kakao account registered as them first; see docs/identity.md). "" = ``key``.
    person: str = ""
    # The registration looked up what this person had submitted before (``Store.answered_by``), so ``answered`` is
    # all the item needs to know of their answers to surveys opened before it. False on items registered by earlier
    # versions, which did not look: those read the answer itself (domain.answering).
    recalled: bool = False
    # What the store held of who this person is (:meth:`people_fields`) when the item was read; None: never read.
    # A write that changes it changes who some survey is for (domain.census); it is never stored.
    loaded: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    def people_fields(self) -> tuple[str, ...]:
        """What decides whom this person is counted as, in which unit (domain.audience)."""
        return (self.name, self.unit, self.person, self.roster)

    @property
    def is_admin(self) -> bool:
        return self.role >= ADMIN

    @property
    def is_super(self) -> bool:
        return self.role >= SUPER

    @property
    def scoped(self) -> bool:
        """An admin of some units only (소속 관리자): nothing outside them is theirs to see."""
        return self.role == ADMIN and bool(self.units)

    def label(self) -> str:
        return f"{self.unit} {self.name}".strip()

    @property
    def person_key(self) -> str:
        """The key this person's answers and participation records are kept under (whatever phone they use)."""
        return self.person or self.key

    def keep_recent(self) -> None:
        """Forget all but the ANSWERED_KEPT most recently answered and MANAGED_KEPT most recently made or
        shared surveys (ties and unknown times go first)."""
        if len(self.answered) > ANSWERED_KEPT:
            newest = sorted(self.answered.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
            self.answered = dict(newest[:ANSWERED_KEPT])
        self.managed, self.viewing = _newest(self.managed), _newest(self.viewing)


def _newest(kept: dict[str, Managed]) -> dict[str, Managed]:
    """The MANAGED_KEPT most recently made, shared or granted surveys of ``kept``."""
    if len(kept) <= MANAGED_KEPT:
        return kept
    return dict(sorted(kept.items(), key=lambda kv: (kv[1].since, kv[0]), reverse=True)[:MANAGED_KEPT])


@record
class Member:
    """A registered person as the lists of members show them (no conversation state)."""

    key: str
    name: str
    unit: str = ""
    role: int = MEMBER
    created_at: str = ""

    def label(self) -> str:
        return f"{self.unit} {self.name}".strip()


@record
class Question:
    id: str
    text: str
    kind: str = "text"  # the code of its entry in domain.kinds
    required: bool = True
    options: list[str] = field(default_factory=list)
    capacity: dict[str, int] = field(default_factory=dict)  # option -> max takers (선택 only)
    min: float | None = None  # 숫자 range
    max: float | None = None
    unit: str = ""  # 숫자: the unit shown after the number (개, 명, 인분)
    format: str = ""  # 주관식: phone, digits, email or tpl:<pattern> (domain.kinds.text); "" = free text
    when: list[str] = field(default_factory=list)  # 조건: [an earlier question's id, its options]; [] = always asked

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "text": self.text, "kind": self.kind, "required": self.required}
        more: dict[str, Any] = {"options": list(self.options), "capacity": dict(self.capacity), "min": self.min}
        more.update(max=self.max, unit=self.unit, format=self.format, when=list(self.when))
        d.update({k: v for k, v in more.items() if v is not None and v not in ("", [], {})})  # 0 is kept
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Question:
        return cls(
            id=str(d["id"]),
            text=str(d["text"]),
            kind=str(d.get("kind", "text")),
            required=bool(d.get("required", True)),
            options=[str(o) for o in d.get("options", [])],
            capacity={str(k): int(v) for k, v in (d.get("capacity") or {}).items()},
            min=_num_or_none(d.get("min")),
            max=_num_or_none(d.get("max")),
            unit=str(d.get("unit") or ""),
            format=str(d.get("format") or ""),
            when=[str(x) for x in d.get("when") or []],
        )


def _num_or_none(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return int(f) if f.is_integer() else f


def option_key(question_id: str, option: str) -> str:
    """Key of a per-option counter in ``Survey.option_counts``."""
    return f"{question_id}:{option}"


@record(frozen=True)
class SurveyInfo:
    """What lists and lookups know of a survey without reading it: no questions, no counters."""

    id: str
    title: str
    target_unit: str = ""
    deadline: datetime | None = None
    status: str = OPEN
    created_at: str = ""
    owner: str = ""
    coadmins: tuple[str, ...] = ()
    full: bool = False  # its response cap is reached
    opens_at: datetime | None = None  # 예약: when it opens by itself (status SCHEDULED)
    unnamed: bool = False  # answers kept without the person (익명, 참여만 확인): taking part is on a record apart

    def is_open(self, now: datetime) -> bool:
        return self.status == OPEN and (self.deadline is None or now < self.deadline)

    def meant_for(self, user: User) -> bool:
        return in_target(user.unit, self.target_unit)

    def managed_by(self, user: User) -> bool:
        return user.is_super or user.key == self.owner or (user.is_admin and user.key in self.coadmins)

    def state_label(self, now: datetime) -> str:
        return state_label(self, now)


def state_label(s: SurveyInfo | Survey, now: datetime) -> str:
    """진행 중, 정원 마감 (open, but every place taken: nobody new can answer) or 마감, wherever a survey's
    state is shown."""
    if s.status == SCHEDULED:
        return "예약"
    if not s.is_open(now):
        return "마감"
    return "정원 마감" if s.full else "진행 중"


@record
class Survey:
    id: str
    title: str
    owner: str  # user key
    questions: list[Question]
    description: str = ""
    coadmins: list[str] = field(default_factory=list)
    viewers: list[str] = field(default_factory=list)  # 열람자: may read 현황, 결과 보기 and 다운로드, nothing else
    deadline: datetime | None = None
    target_unit: str = ""  # "" = everyone
    cap: int | None = None  # max number of responses
    status: str = OPEN
    created_at: str = ""
    owner_name: str = ""
    response_count: int = 0
    # The takers of each option with a capacity (정원), whose conditions guard it, and of a survey kept without names
    # in batches each batch's size (domain.privacy.BATCH_KEY). How many took any option is the aggregate's
    # (domain.aggregates): an item of an earlier version may still hold counters of options without a capacity,
    # which nothing moves or reads any longer.
    option_counts: dict[str, int] = field(default_factory=dict)
    reminded_at: datetime | None = None  # when 알림 last reached the members who had not answered
    # 알림 of an admin of some units (소속 관리자) to their units' people: unit -> when (each unit has its interval)
    reminded_units: dict[str, datetime] = field(default_factory=dict)
    auto_remind: list[int] = field(default_factory=list)  # hours before the deadline to remind by itself
    auto_reminded: list[int] = field(default_factory=list)  # those of auto_remind already sent
    opens_at: datetime | None = None  # 예약: when it opens by itself (while status is SCHEDULED)
    repeat: str = ""  # a repeating survey's rule (domain.repeat), on the survey its periods are copied from
    origin: str = ""  # a period of a repeating survey: the id of the survey it was copied from
    mode: str = NAMED  # NAMED, ANONYMOUS or PRESENCE
    salt: str = ""  # 익명 of earlier versions: what participation records are keyed with (now: the organisation's key)
    batch_size: int = 0  # 익명, 참여만 확인: answers are shown in batches of at least this many (0: as they come)
    keep_days: int = 0  # days answers are kept after closing; 0 = the organisation's default
    closed_at: datetime | None = None  # when it closed (retention counts from then); None while open
    keep_extended: bool = False  # 보관 연장 was used (once)
    keep_warned: bool = False  # its admins were told the answers go soon
    purged_at: datetime | None = None  # when its answers were deleted, retention over

    def keep_until(self, default_days: int) -> datetime | None:
        """When its answers are deleted: the retention period after closing (twice that after 보관 연장)."""
        if self.closed_at is None:
            return None
        days = self.keep_days or default_days
        return self.closed_at + timedelta(days=days * (2 if self.keep_extended else 1))

    def is_open(self, now: datetime) -> bool:
        """Open for answering: not closed by an admin and the deadline not passed."""
        if self.status != OPEN:
            return False
        return self.deadline is None or now < self.deadline

    def is_full(self) -> bool:
        return self.cap is not None and self.response_count >= self.cap

    @property
    def full(self) -> bool:
        """Its response cap is reached (as SurveyInfo.full)."""
        return self.is_full()

    def state_label(self, now: datetime) -> str:
        return state_label(self, now)

    def managed_by(self, user: User) -> bool:
        """Owner, co-owner or super admin."""
        return user.is_super or user.key == self.owner or (user.is_admin and user.key in self.coadmins)

    def meant_for(self, user: User) -> bool:
        return in_target(user.unit, self.target_unit)

    def info(self) -> SurveyInfo:
        return SurveyInfo(
            self.id,
            self.title,
            self.target_unit,
            self.deadline,
            self.status,
            self.created_at,
            self.owner,
            tuple(self.coadmins),
            self.is_full(),
            self.opens_at,
            self.anonymous,
        )

    @property
    def anonymous(self) -> bool:
        """Answers are kept without the person (익명 or 참여만 확인)."""
        return self.mode in (ANONYMOUS, PRESENCE)

    def question(self, qid: str) -> Question | None:
        for q in self.questions:
            if q.id == qid:
                return q
        return None

    def capacities(self) -> dict[str, int]:
        """The capacity (정원) of each option that has one, by the key of its counter in ``option_counts``."""
        return {option_key(q.id, o): cap for q in self.questions for o, cap in q.capacity.items()}

    def remaining(self, q: Question, option: str) -> int | None:
        cap = q.capacity.get(option)
        if cap is None:
            return None
        return max(0, cap - self.option_counts.get(option_key(q.id, option), 0))


ANSWER_PREFIX = "a#"  # an answer kept without the person (익명, 참여만 확인): "a#<random>"


@record
class Answer:
    survey_id: str
    user_key: str
    values: dict[str, Any]  # question id -> str | int | float | list[str] | "YYYY-MM-DD" | bool
    name: str = ""
    unit: str = ""
    submitted_at: str = ""
    updated_at: str = ""
    survey_title: str = ""
    version: int = 0
    batch: int | None = None  # kept without the person: the batch it is shown with (and its participation record)
    entered_by: str = ""  # 대리 응답: the admin who entered it for the person ("" = the person themselves)

    @property
    def named(self) -> bool:
        """Kept with the person (실명): its key is the person's, so it counts in their own history."""
        return not (self.user_key.startswith(ANSWER_PREFIX) or self.survey_id.startswith(PARTICIPATION))


@record
class AuditEntry:
    actor: str  # user key
    action: str  # e.g. "grant_admin", "close", "delete", "download"
    target: str  # survey id or user key
    detail: str = ""
    at: str = ""
