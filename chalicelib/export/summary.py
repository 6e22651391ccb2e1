"""The 요약 sheet of a survey's workbook: the figures 현황 says, in tables, with native bar charts.

The figures are 현황's, reckoned by the same functions as 현황 in chat and the results page
(:func:`chalicelib.domain.tally.questions` and :func:`~chalicelib.domain.tally.units`, gathered by
:func:`summarize`). The sheet holds aggregates only (counts, sums, averages, the response rate), never an answer's
text; a survey kept without names (익명, 참여만 확인) has no units, as its answers have none.
It is laid out here as a plan (:func:`plan`: rows and where each chart goes, no openpyxl), then written by
:func:`chalicelib.export.summary_sheet.write_summary`: a bar chart stands beside the table of each question with
options (선택, 복수선택, 예/아니오) and beside the responses per unit, each block kept as tall as its chart so that
nothing overlaps.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import field
from typing import Any

from chalicelib.domain import tally
from chalicelib.domain.kinds import grouping, kind_of
from chalicelib.domain.kinds.base import OTHERS
from chalicelib.domain.model import KST, MODE_NAMES, Answer, Survey, target_label
from chalicelib.domain.record import record
from chalicelib.domain.results import UnitResult
from chalicelib.domain.roster_records import unit_key
from chalicelib.domain.tally import QuestionTally, UnitTally
from chalicelib.export.cells import text_width

SUMMARY_SHEET = "요약"
NO_DEADLINE = "마감 없음"
NO_ANSWERS = "아직 응답이 없어요."

CHART_WIDTH_CM = 12
WIDE_CHART_CM = 17  # when a name on the chart is longer than LONG_LABEL columns (narrower, every other is left out)
LONG_LABEL = 16
ROW_PT = 15  # the height of every row but the title's
TITLE_PT = 22
ROW_CM = ROW_PT / 72 * 2.54
# Printed landscape on A4 (842 x 595 pt) within margins of 0.5 inch at the sides and 0.6 inch above and below.
SIDE_MARGIN_IN, EDGE_MARGIN_IN = 0.5, 0.6
PRINT_WIDTH_PT = 842 - 2 * 72 * SIDE_MARGIN_IN
PRINT_HEIGHT_PT = 595 - 2 * 72 * EDGE_MARGIN_IN
CHART_COLOR = "4472C4"
CHART_TITLE_MAX = 40

# Cell styles of the plan, and the number formats of those that have one.
TITLE, SECTION, HEAD, VALUE, PEOPLE, PERCENT, MEAN = ("title", "section", "head", "value", "people", "percent", "mean")
NUMBER_FORMATS = {PEOPLE: '#,##0"명"', PERCENT: "0%", MEAN: "#,##0.0#"}
_UNMEASURED = frozenset((TITLE, SECTION, VALUE))  # text that may run over into the empty cells beside it
_WIDTH_MIN, _WIDTH_MAX, _WIDTH_PAD = 8, 36, 2


@record(frozen=True)
class Summary:
    """What 요약 shows of a survey: how many answered, against how many it is meant for when known, and 현황's
    figures per question and per unit."""

    answered: int  # answers of the people it is meant for (all answers when that is not known)
    target: int | None  # how many people it is meant for (None: not known)
    questions: tuple[QuestionTally, ...]
    units: tuple[UnitTally, ...]  # by unit name; none when nobody answered or the answers have no unit
    outside: int = 0  # answers of people it is not meant for (taken off the roster, moved to another unit)

    @property
    def rate(self) -> int | None:
        """The response rate in whole percent, as 현황 says it (None without a target)."""
        return None if self.target is None else tally.rate(self.answered, self.target)


def summarize(
    survey: Survey, answers: Sequence[Answer], target: int | None = None, answered: int | None = None
) -> Summary:
    """The figures of ``survey``'s 요약 (``target``: how many people it is meant for, and ``answered``: how many
    of them answered, when known, as 현황 counts them). A survey kept without names has no units, as on the
    results page (``domain.results``) and in 현황."""
    units = () if survey.anonymous else tuple(tally.units(survey, answers))
    mine = len(answers) if answered is None else answered
    return Summary(mine, target, tuple(tally.questions(survey, answers)), units, len(answers) - mine)


@record(frozen=True)
class Styled:
    """A value with a style of the sheet (a heading, a header, a count of people, a percentage...)."""

    value: Any
    style: str


@record(frozen=True)
class Chart:
    """A bar chart of one table: its categories are the table's first column, its bars the second."""

    title: str
    row: int  # the row its top is anchored at (1-based)
    column: int  # the column its left edge is anchored at (1-based); the table's width until placed
    head: int  # the table's header row (the series' name)
    last: int  # the table's last row
    top_value: int  # the longest bar (for the axis' steps)
    width_cm: int = CHART_WIDTH_CM

    @property
    def bars(self) -> int:
        return self.last - self.head

    @property
    def height_cm(self) -> float:
        return max(4.5, 2.0 + 0.9 * self.bars)  # room for every label: one per bar

    @property
    def rows(self) -> int:
        """How many rows it covers."""
        return math.ceil(self.height_cm / ROW_CM)


@record
class Plan:
    """The sheet's rows (values, :class:`Styled` values or None) and its charts."""

    rows: list[list[Any]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    blocks: list[tuple[int, int]] = field(default_factory=list)  # (first row, last row) of each table and chart

    @property
    def next_row(self) -> int:
        return len(self.rows) + 1

    def add(self, *values: Any) -> int:
        """Append a row; its number."""
        self.rows.append(list(values))
        return len(self.rows)

    def gap(self) -> None:
        self.rows.append([])

    def table(self, heading: str, header: Sequence[str], body: Sequence[Sequence[Any]]) -> tuple[int, int]:
        """A heading, a header and the body; (the header's row, the last row)."""
        self.gap()
        first = self.add(Styled(heading, SECTION))
        head = self.add(*(Styled(h, HEAD) for h in header))
        for row in body:
            self.add(*row)
        self.blocks.append((first, self.next_row - 1))
        return head, self.next_row - 1

    def charted(self, title: str, heading: str, header: Sequence[str], body: Sequence[Sequence[Any]]) -> None:
        """A table with its bar chart beside it (from the column after the next); the block is kept as tall as
        the chart, so the next block starts below both."""
        head, last = self.table(heading, header, body)
        top_value = max((int(r[1]) for r in body if isinstance(r[1], (int, float))), default=0)
        longest = max((text_width(str(r[0])) for r in body), default=0)
        width = WIDE_CHART_CM if longest > LONG_LABEL else CHART_WIDTH_CM
        chart = Chart(_short(title), head, len(header), head, last, top_value, width)
        self.charts.append(chart)
        while self.next_row < chart.row + chart.rows:
            self.gap()
        self.blocks[-1] = (self.blocks[-1][0], self.next_row - 1)

    def widths(self) -> list[float]:
        """Each column's width: its widest measured value (headings and overview values run over)."""
        longest: list[int] = []
        for row in self.rows:
            for i, v in enumerate(row):
                if len(longest) <= i:
                    longest.append(0)
                style = v.style if isinstance(v, Styled) else ""
                value = v.value if isinstance(v, Styled) else v
                if value is None or style in _UNMEASURED:
                    continue
                if style == MEAN:
                    width = len(f"{value:,.2f}")
                elif style in NUMBER_FORMATS:
                    width = len(f"{value:,}") + 3
                else:
                    width = text_width(str(value))
                longest[i] = max(longest[i], width)
        return [float(min(_WIDTH_MAX, max(_WIDTH_MIN, w + _WIDTH_PAD))) for w in longest]

    def page_breaks(self, widths: Sequence[float]) -> list[int]:
        """The rows after which a printed page ends, so that no table or chart is cut in two (where one fits
        on a page): printed landscape on A4 and scaled to the page's width, a page holds about this many rows."""
        used = sum(_points(w) for w in widths)
        if self.charts:
            column = self.charts[0].column
            widest = max(c.width_cm for c in self.charts)
            used = max(used, sum(_points(w) for w in widths[: column - 1]) + widest / 2.54 * 72)
        scale = min(1.0, PRINT_WIDTH_PT / used) if used else 1.0
        per_page = int(PRINT_HEIGHT_PT / (ROW_PT * scale)) - 1
        breaks: list[int] = []
        page_top = 1
        for first, last in self.blocks:
            if last - page_top + 1 > per_page and first > page_top:
                breaks.append(first - 1)
                page_top = first
        return breaks


def _points(width: float) -> float:
    """A column's printed width in points: ``width`` characters of 7 pixels and 5 pixels of padding at 96 dpi."""
    return (width * 7 + 5) * 0.75


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CHART_TITLE_MAX else text[: CHART_TITLE_MAX - 1] + "…"


def _with_unit(text: str, unit: str) -> str:
    return f"{text} ({unit})" if unit else text


def plan(survey: Survey, summary: Summary, missing: Sequence[Sequence[str]] = ()) -> Plan:
    """The 요약 sheet of ``survey``: the overview, the number questions, each question with options, dates or
    hours (a chart beside), the units with their 대상 and response rate when ``missing`` (the 미응답 sheet's rows:
    소속 first) and the target are known (a chart beside), then every question's count of answers."""
    p = Plan()
    p.add(Styled(f"[{survey.title}] 요약", TITLE))
    # Text, free to run over the empty cells beside it (a date cell would widen the column under the tables).
    deadline = f"{survey.deadline.astimezone(KST):%Y-%m-%d %H:%M}" if survey.deadline else NO_DEADLINE
    p.add("마감", Styled(deadline, VALUE))
    p.add("대상", Styled(target_label(survey.target_unit), VALUE))
    if survey.anonymous:
        p.add("응답 방식", Styled(f"{MODE_NAMES[survey.mode]} (답은 이름 없이 저장)", VALUE))
    p.add("응답", Styled(summary.answered, PEOPLE))
    if summary.outside:
        p.add("대상 밖 응답", Styled(summary.outside, PEOPLE))
    if summary.target is not None:
        p.add("대상 인원", Styled(summary.target, PEOPLE))
        if summary.rate is not None:
            p.add("응답률", Styled(summary.rate / 100, PERCENT))
    if survey.cap:
        p.add("최대 응답", Styled(survey.cap, PEOPLE))
    if not summary.answered and not summary.outside:
        p.add(Styled(NO_ANSWERS, VALUE))

    numbers = [t for t in summary.questions if kind_of(t.question).summable]
    if numbers:
        body = [
            [
                _numbered(t),
                t.figures.summed,
                t.figures.total or 0,
                Styled(t.figures.mean, MEAN) if t.figures.mean is not None else None,
                t.question.unit or None,
            ]
            for t in numbers
        ]
        p.table("숫자 문항", ("문항", "응답", "합계", "평균", "단위"), body)

    by = grouping(survey)  # the question 현황 sums the numbers by (보기별)
    for t in summary.questions:
        if t.figures.counts:
            _options_block(p, t, numbers if by is not None and t.question.id == by.id else [])

    if summary.units or (missing and summary.target is not None and not survey.anonymous):
        _units_block(p, survey, summary, missing)

    body = [[_numbered(t), kind_of(t.question).name, t.figures.answered] for t in summary.questions]
    p.table("문항별 응답", ("문항", "형식", "응답"), body)
    # The charts line up, a column clear of the widest table they stand beside.
    column = max((c.column for c in p.charts), default=0) + 2
    p.charts = [dataclasses.replace(c, column=column) for c in p.charts]
    return p


def _units_block(p: Plan, survey: Survey, summary: Summary, missing: Sequence[Sequence[str]]) -> None:
    """Responses per unit with the sums 현황 gives them; with the target known, each unit's 대상 (its answers and
    its people not answered, as 결과 보기 counts them) and its response rate."""
    summed = [q for q, _ in summary.units[0].sums[: tally.UNIT_SUMS]] if summary.units else []
    sums_of = [_with_unit(f"{q.text} 합계", q.unit) for q in summed]
    if summary.target is None:
        body = [[u.unit, u.answered, *(v for _, v in u.sums[: tally.UNIT_SUMS])] for u in summary.units]
        p.charted("소속별 응답", "소속별 응답", ["소속", "응답", *sums_of], body)
        return
    people = [_Missing(row[0]) for row in missing if row]
    rows = []
    for u in _with_missing(summary.units, people):
        whole = u.answered + u.missing
        rate = Styled(u.answered / whole, PERCENT) if whole else None
        sums = {q.id: v for q, v in u.sums}
        rows.append([u.unit, u.answered, Styled(whole, PEOPLE), rate, *(sums.get(q.id, 0) for q in summed)])
    p.charted("소속별 응답", "소속별 응답", ["소속", "응답", "대상", "응답률", *sums_of], rows)


@record(frozen=True)
class _Missing:
    unit: str


def _with_missing(units: Sequence[UnitTally], people: Sequence[_Missing]) -> list[UnitResult]:
    """The units 현황 found with the people not answered in each (units matched without spaces, as 결과 보기)."""
    waiting: dict[str, int] = {}
    named: dict[str, str] = {}
    for m in people:
        key = _unit(m.unit)
        waiting[key] = waiting.get(key, 0) + 1
        named.setdefault(key, m.unit or tally.NO_UNIT)
    out = [UnitResult(u.unit, u.answered, waiting.pop(_unit(u.unit), 0), u.sums) for u in units]
    out += [UnitResult(named[key], 0, n) for key, n in waiting.items()]
    return sorted(out, key=lambda u: u.unit)


def _unit(unit: str) -> str:
    return tally.NO_UNIT if unit in ("", tally.NO_UNIT) else unit_key(unit)


def _numbered(t: QuestionTally) -> str:
    asked = f" (물은 사람 {t.asked}명)" if t.asked is not None else ""  # 조건: asked only after a given answer
    return f"{t.number}. {t.question.text}{asked}"


def _options_block(p: Plan, t: QuestionTally, grouped: list[QuestionTally]) -> None:
    """A question's options with their counts, the places left when any has a capacity, and the sums of the
    number questions per option (as 현황's 보기별), with its chart."""
    counts = t.figures.counts
    capped = any(x.left is not None for x in counts)
    header = [kind_of(t.question).counted_as, "응답"] + (["남은 정원"] if capped else [])
    header += [_with_unit(f"{n.question.text} 합계", n.question.unit) for n in grouped]
    sums = [dict(n.figures.by_option) for n in grouped]
    body = [[x.option, x.count, *([x.left] if capped else []), *(s.get(x.option, 0) for s in sums)] for x in counts]
    if t.figures.others:  # 날짜, 시간: the days or hours beyond the busiest, together
        body.append([OTHERS, t.figures.others, *([None] if capped else []), *(None for _ in sums)])
    heading = f"{_numbered(t)} ({kind_of(t.question).name})"
    p.charted(_numbered(t), heading, header, body)
