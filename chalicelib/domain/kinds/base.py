"""What every kind of question is: the interface an entry implements, with plain-text defaults."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, NamedTuple

from chalicelib.domain.model import KST, Question, Survey
from chalicelib.domain.parsing import MAX_TEXT_ANSWER
from chalicelib.domain.record import record

# What a spreadsheet cell of an answer may hold (the export writes each type natively).
CellValue = str | int | float | date | datetime | time
# (value, None) when read, (None, reason) when not; the reason is said to the member.
Parsed = tuple[Any, str | None]

OTHERS = "그 밖"  # the days or hours beyond the busiest ones a figure names, counted together
MAX_PICKS = 8  # option quick replies: every option (8 at most) with 이전 and 건너뛰기 within the limit of 10


@record(frozen=True)
class Count:
    """How many answers took one option, and the option's capacity (정원) and places left if it has one."""

    option: str
    count: int
    capacity: int | None = None
    left: int | None = None  # from the survey's counters, as answering checks them


@record(frozen=True)
class Figures:
    """How the answers to one question add up: what 현황 says and the results page draws, reckoned once."""

    answered: int  # answers that are not blank
    counts: tuple[Count, ...] = ()  # 선택, 복수선택, 예/아니오: takers per option, in the question's order
    total: float | None = None  # 숫자: the sum
    summed: int = 0  # 숫자: how many answers the sum has
    by_option: tuple[tuple[str, float], ...] = ()  # 숫자: sums per option of the survey's first grouping question
    earliest: str = ""  # 시간: the earliest and the latest answer
    latest: str = ""
    others: int = 0  # 날짜, 시간: answers on days or hours beyond those ``counts`` names (the busiest)

    @property
    def mean(self) -> float | None:
        """숫자: the average of the answers summed (None without any)."""
        return None if self.total is None or not self.summed else self.total / self.summed


@record(frozen=True)
class Counted:
    """One question's share of a survey's aggregate (domain.aggregates): how many answered it, and what its kind
    counted of those answers (:meth:`Kind.counted`, added up); what its figures are reckoned from."""

    answered: int
    parts: Mapping[str, float] = field(default_factory=dict)  # what was counted -> how much (none at 0)
    by_option: Mapping[str, float] = field(default_factory=dict)  # 숫자: sums per option of the grouping question


def said_counts(fig: Figures) -> str:
    """Takers per option as 현황 says them: '치킨 3(남은 2), 피자 1'."""
    return ", ".join(f"{c.option} {c.count}" + (f"(남은 {c.left})" if c.left is not None else "") for c in fig.counts)


def is_blank(value: Any) -> bool:
    """A skipped answer (or none)."""
    return value is None or value == "" or value == []


class Setup(NamedTuple):
    """A wizard step that follows the choice of a kind (e.g. the range of a number).

    ``take`` reads the admin's text into the question being built (a dict with
    ``kind`` set) and returns the reason to ask again, or None.
    """

    step: str  # its name in the wizard's stored state: never changes
    prompt: Callable[[dict[str, Any]], tuple[str, list[str]]]  # (question, extra quick replies)
    take: Callable[[dict[str, Any], str], str | None]
    # The kind's next setup step after this one, by the question so far ("" = none: on to 필수/생략 가능)
    after: Callable[[dict[str, Any]], str] = lambda cur: ""


class Kind:
    """A kind of question. Subclasses override what differs from plain text."""

    more_setups: tuple[Setup, ...] = ()  # setup steps reached through ``Setup.after``

    code = ""  # stored in Question.kind
    name = ""  # Korean name in the wizard, the preview and the help
    aliases: tuple[str, ...] = ()  # other names an admin may type
    setup: Setup | None = None
    counts_options = False  # its answers pick options, which may have a capacity (counted on the survey item)
    many = False  # several options are picked, one tap at a time (session.Draft.picking holds them meanwhile)
    counted_as = "보기"  # what its counts are counted by, as a table's heading says it (날짜, 시간)
    groups = False  # answers can be grouped by its option (sums per option in 현황)
    summable = False  # numbers that add up (per unit in 현황)

    # --- the wizard ---
    def take_rest(self, cur: dict[str, Any], rest: str) -> str | None:
        """Settings typed after the kind's name in the wizard ('주관식 전화번호', '시간 18:00~23:00'): applied to
        ``cur``, or the reason they cannot be."""
        return f"'{self.name}' 뒤에는 아무것도 붙이지 않아요."

    # --- asking ---
    def hint(self, q: Question) -> str:
        """The line under the question that says how to answer ("" for none)."""
        return ""

    def lines(self, q: Question, left: dict[str, int], chosen: Sequence[str] = ()) -> list[str]:
        """Extra lines under the question (options with places left; ``chosen``: those picked so far)."""
        return []

    def picks(self, q: Question, left: dict[str, int]) -> list[str]:
        """Quick replies that answer the question."""
        return []

    # --- reading ---
    def parse(self, q: Question, text: str, today: date) -> Parsed:
        if len(text) > MAX_TEXT_ANSWER:
            return None, f"{MAX_TEXT_ANSWER}자 이내로 입력해 주세요."
        return text, None

    def picked(self, value: Any) -> list[str]:
        """The options an answer takes (counters and capacity)."""
        return []

    def take_picked(self, q: Question, picked: list[str]) -> Parsed:
        """Options picked one tap at a time (a kind that is ``many``) as an answer, or why not."""
        return picked, None

    def identifies(self, q: Question) -> str:
        """What of a person an answer to ``q`` would tell (a phone number, a name…), or "" when nothing does:
        a survey kept without names warns of such a question."""
        return ""

    # --- showing ---
    def show(self, q: Question, value: Any) -> str:
        return str(value)

    def describe(self, q: Question) -> str:
        """The kind as the wizard's preview shows it, with its settings."""
        return self.name

    def cell(self, q: Question, value: Any) -> CellValue:
        """The answer in a download: a typed value, never a formula."""
        return plain_cell(value)

    # --- adding up ---
    def counted(self, q: Question, value: Any) -> list[tuple[str, float]]:
        """What one answer that is not blank adds to the question's counters: (what, how much). The survey's
        aggregate keeps their sums, changed with every submit, edit and withdrawal (domain.aggregates)."""
        return []

    def figures(self, q: Question, c: Counted, survey: Survey) -> Figures:
        """How the answers add up, from their counters (``c``); said by 현황, drawn by 결과 보기 and 요약."""
        return Figures(c.answered)

    def tally(self, q: Question, fig: Figures) -> list[str]:
        """현황 of this question, said from its figures: a summary, then any further lines."""
        return [f"응답 {fig.answered}"]


def plain_cell(value: Any) -> CellValue:
    """A stored value as a cell by its type (what a kind does unless it knows better)."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "예" if value else "아니오"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value if v is not None and str(v) != "")
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(KST).replace(tzinfo=None)
    if isinstance(value, (int, float, date, time)):
        return value
    return str(value)


class Unknown(Kind):
    """A stored code this version does not know (written by a newer one): shown, never answered."""

    name = "알 수 없는 형식"

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        return None, "알 수 없는 질문 형식이에요."


# The registry, filled in order by chalicelib.domain.kinds (the wizard offers the kinds in this order). Importing
# this module imports that package first, so the registry is always full by the time anyone reads it.
KINDS: dict[str, Kind] = {}
_UNKNOWN = Unknown()


def kind_of(q: Question) -> Kind:
    """The entry of ``q``'s kind (an unknown code gets one that shows answers but takes none)."""
    return KINDS.get(q.kind, _UNKNOWN)


def grouping(s: Survey) -> Question | None:
    """The question whose options a number question's answers are summed by (보기별): the first that groups."""
    return next((q for q in s.questions if kind_of(q).groups), None)
