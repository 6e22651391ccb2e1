"""Survey answers as xlsx workbooks: a sheet of answers per survey, the 미응답 sheet, and the 요약 sheet first
when asked (:mod:`chalicelib.export.summary_sheet`).

Pure functions with no I/O. openpyxl is imported only inside :func:`build_xlsx`
so that importing this module stays cheap on the chat message path.

Every cell written here is defused against formula injection: text that a spreadsheet could read as a formula
is stored as an explicit string cell with the quote-prefix style (OWASP ASVS 5.0 1.2.10; the CSV file does the
same its way, :mod:`chalicelib.export.csv_file`). Numbers, dates and times stay typed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from chalicelib.domain.kinds import CellValue
from chalicelib.domain.model import Answer, Survey
from chalicelib.export.answer_rows import survey_rows
from chalicelib.export.cells import FORMULA_TRIGGERS, clean_text, is_formula_like, text_width

if TYPE_CHECKING:
    from chalicelib.export.summary import Summary

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT = "hh:mm"

SHEET_NAME_MAX = 31
DEFAULT_SHEET_NAME = "설문"

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


# --- xlsx -----------------------------------------------------------------


def build_xlsx(
    sheets: Sequence[tuple[str, Survey, Sequence[Answer]]],
    missing: Sequence[tuple[str, str, str, str]] = (),
    summary: tuple[Survey, Summary] | None = None,
    marks: Mapping[str, str] | None = None,
) -> bytes:
    """A workbook with one sheet per ``(sheet name, survey, answers)``, and a sheet "미응답" of ``missing``
    (소속, 이름, 회원번호, 상태: who has not answered) when there is anyone; ``marks`` are the 회원번호 of the
    answers' person keys. With a ``summary`` (a survey and its
    현황, :func:`chalicelib.export.summary.summarize`), the first sheet is "요약": its figures in tables, with
    bar charts (:mod:`chalicelib.export.summary_sheet`).

    Sheet names are made valid for Excel and unique. An empty ``sheets`` gives a
    workbook with one empty sheet (Excel cannot open a workbook without sheets).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from chalicelib.export.summary import SUMMARY_SHEET
    from chalicelib.export.summary_sheet import write_summary

    wb = Workbook(write_only=True)
    wb.properties.creator = "행정이"
    first = [SUMMARY_SHEET] if summary is not None else []
    names = unique_sheet_names(first + [name for name, _, _ in sheets] + ([MISSING_SHEET] if missing else []))
    if summary is not None:
        write_summary(wb, names[0], *summary, missing=missing)
        names = names[1:]
    elif not sheets:
        wb.create_sheet(DEFAULT_SHEET_NAME)
    bold = Font(bold=True)
    for title, (_, survey, answers) in zip(names, sheets, strict=False):
        ws = wb.create_sheet(title)
        header, rows = survey_rows(survey, answers, marks)
        _answers_sheet(ws, header, rows, bold)
    if missing:
        _missing_sheet(wb.create_sheet(names[-1]), missing, bold)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _answers_sheet(ws: Any, header: Sequence[str], rows: list[list[Any]], bold: Any) -> None:
    """One survey's answers on the write-only sheet ``ws``: the header in ``bold``, then a row per answer."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    cells = _Cells(ws, WriteOnlyCell)
    widths, dated = _prepare_rows(header, rows, cells)
    # Write-only sheets take column widths, panes and page settings only before the first row.
    for idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width
    ws.freeze_panes = "A2"
    printed_wide(ws)

    head = []
    for h in header:
        text = clean_text(h)
        c = cells.text(text) if text else WriteOnlyCell(ws)
        c.font = bold
        head.append(c)
    ws.append(head)
    styled = cells.formats
    for row in rows:
        for i in dated:
            moment = row[i]
            if type(moment) in styled:
                row[i] = cells.moment_in(i, moment)
        ws.append(row)


def _missing_sheet(ws: Any, missing: Sequence[tuple[str, str, str, str]], bold: Any) -> None:
    """The 미응답 sheet: who has not answered (소속, 이름, 회원번호, 상태), every cell explicit text."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    cells = _Cells(ws, WriteOnlyCell)
    for idx, width in enumerate((14, 14, 10, 12), start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width
    ws.freeze_panes = "A2"
    printed_wide(ws, landscape=False)
    head = [cells.text(h) for h in MISSING_HEADER]
    for c in head:
        c.font = bold
    ws.append(head)
    for person in missing:
        ws.append([cells.text(clean_text(v)) for v in person])  # explicit text: a name is never a formula


def printed_wide(ws: Any, landscape: bool = True) -> None:
    """A table sheet as it should print: A4 (landscape for the answers), every column on the page's width
    (as many pages down as it takes), the header row again at the top of each page, and grid lines."""
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.worksheet.worksheet import Worksheet

    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


MISSING_SHEET = "미응답"
MISSING_HEADER = ("소속", "이름", "회원번호", "상태")


# Text that openpyxl, given a plain str, would not store as a string: "=..." becomes a formula and
# these become error cells. Such text (and text a spreadsheet reads as a formula) gets a cell object.
_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
_MOMENT_FORMATS: dict[type, str] = {datetime: DATETIME_FORMAT, date: DATE_FORMAT, time: TIME_FORMAT}
_MOMENT_WIDTHS: dict[type, int] = {datetime: 19, date: 10, time: 5}
_MOMENT_PROBES: dict[type, Any] = {datetime: datetime(2000, 1, 1), date: date(2000, 1, 1), time: time(0, 0)}
_WIDTH_MIN, _WIDTH_MAX, _WIDTH_PAD = 8, 60, 2


class _Cells:
    """The cell objects of one write-only sheet, for values a plain value would not write as meant.

    A plain ``str``, ``int`` or ``float`` needs none: openpyxl writes it typed (text
    as an inline string). Formula-like text needs one (an explicit string with the
    quote prefix), and so do dates and times whose number format is not the one
    openpyxl gives a plain value of their type (:attr:`formats`).
    """

    def __init__(self, ws: Any, new_cell: Callable[..., Any]) -> None:
        self.ws = ws
        self.new_cell = new_cell
        self._columns: dict[tuple[int, type], Any] = {}
        # The moment types that need a cell for their format (a plain date already gets yyyy-mm-dd).
        self.formats = {
            kind: number_format
            for kind, number_format in _MOMENT_FORMATS.items()
            if new_cell(ws, _MOMENT_PROBES[kind]).number_format != number_format
        }

    def text(self, text: str) -> Any:
        """An explicit string cell: never evaluated, whatever it starts with."""
        c = self.new_cell(self.ws, str(text))
        c.data_type = "s"
        if is_formula_like(text):
            c.quotePrefix = True
        return c

    def moment(self, value: date | time, number_format: str) -> Any:
        """A date, date-time or time cell with its number format."""
        c = self.new_cell(self.ws)
        c.number_format = number_format  # before the value, which then keeps it
        c.value = value
        return c

    def moment_in(self, column: int, value: Any) -> Any:
        """The date or time cell of a column, filled with ``value``.

        One cell per column and type, refilled for each row: a write-only sheet
        writes a row out before ``append`` returns, so the cell is free again.
        """
        kind = type(value)
        c = self._columns.get((column, kind))
        if c is None:
            c = self._columns[(column, kind)] = self.moment(value, self.formats[kind])
        else:
            c.value = value
        return c


def _prepare_rows(header: Sequence[str], rows: list[list[Any]], cells: _Cells) -> tuple[list[float], list[int]]:
    """Make ``rows`` ready to append, in place; return the column widths and the columns with dates.

    Empty text becomes no cell; text loses the characters XML cannot hold, and
    text that is formula-like, or that openpyxl would read as a formula or an
    error code, becomes an explicit string cell. Numbers and other text stay
    plain values, and so do dates and times that need no cell for their format;
    the others, of exactly those types, are left for :meth:`_Cells.moment_in` at
    append time (any other kind of date or time gets its cell here).

    Widths fit the widest value of each column, as if every cell were measured,
    but a value is measured only when its length could make it the widest so far.
    """
    longest = [_display_width(h) for h in header]
    dated = [False] * len(header)
    seen: list[dict[str, str | None]] = [{} for _ in header]  # per column: text -> what is appended for it
    styled = cells.formats
    for row in rows:
        for i, value in enumerate(row):
            t = type(value)
            if t is str:
                memo = seen[i]
                out = memo.get(value, _NEW)
                if out is _NEW:  # met for the first time in this column
                    out = memo[value] = _plain_text(value)
                    if out is not None:
                        longest[i] = _widest(longest[i], out)
                if out is not value:
                    row[i] = cells.text(out) if type(out) is _Explicit else out
            elif t is int or t is float or t is bool:
                if longest[i] < _WIDTH_CAPPED:
                    longest[i] = max(longest[i], len(str(value)))
            elif t in _MOMENT_WIDTHS:
                if t in styled:
                    dated[i] = True
                longest[i] = max(longest[i], _MOMENT_WIDTHS[t])
            else:  # a subclass or anything unexpected: the general rules
                row[i] = _general_cell(value, cells)
                longest[i] = max(longest[i], _display_width(value))
    widths = [float(min(_WIDTH_MAX, max(_WIDTH_MIN, w + _WIDTH_PAD))) for w in longest]
    return widths, [i for i, d in enumerate(dated) if d]


class _Explicit(str):
    """Text to be written as an explicit string cell (see :meth:`_Cells.text`)."""

    __slots__ = ()


_NEW = _Explicit("")  # "not met yet" in a column's memo (never stored)
_WIDTH_CAPPED = _WIDTH_MAX - _WIDTH_PAD  # a column this wide gets the widest width anyway


def _plain_text(value: str) -> str | None:
    """What a text cell is appended as: None (no cell), the cleaned text, or :class:`_Explicit` text."""
    text = clean_text(value)
    if not text:
        return None
    if text.startswith(FORMULA_TRIGGERS) or text in _ERROR_CODES:
        return _Explicit(text)
    return text


def _widest(current: int, text: str) -> int:
    """The column width so far after ``text``, measured only if it could be wider."""
    if current < _WIDTH_CAPPED and len(text) * (1 if text.isascii() else 2) > current:
        return max(current, text_width(text))
    return current


def _general_cell(value: Any, cells: _Cells) -> Any:
    if isinstance(value, str):
        out = _plain_text(str(value))
        return cells.text(out) if type(out) is _Explicit else out
    if isinstance(value, datetime):
        return cells.moment(value, DATETIME_FORMAT)
    if isinstance(value, date):
        return cells.moment(value, DATE_FORMAT)
    if isinstance(value, time):
        return cells.moment(value, TIME_FORMAT)
    return value


def _display_width(value: CellValue) -> int:
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    if isinstance(value, time):
        return 5
    return text_width(str(value))


def sheet_name(name: str) -> str:
    """A valid Excel sheet name: no []:*?/\\, no edge apostrophes, at most 31 characters."""
    cleaned = " ".join(_SHEET_FORBIDDEN.sub("_", name or "").split()).strip("'")
    if not cleaned or cleaned.casefold() == "history":
        cleaned = DEFAULT_SHEET_NAME if not cleaned else cleaned + "_"
    return _fit_utf16(cleaned, SHEET_NAME_MAX).strip("'").strip() or DEFAULT_SHEET_NAME


def unique_sheet_names(names: Sequence[str]) -> list[str]:
    """Valid sheet names, made unique (Excel compares them case-insensitively)."""
    taken: set[str] = set()
    out: list[str] = []
    for raw in names:
        base = sheet_name(raw)
        name, n = base, 2
        while name.casefold() in taken:
            suffix = f" ({n})"
            name = _fit_utf16(base, SHEET_NAME_MAX - len(suffix)).rstrip() + suffix
            n += 1
        taken.add(name.casefold())
        out.append(name)
    return out


def _fit_utf16(text: str, limit: int) -> str:
    # Excel counts UTF-16 code units: an emoji takes two of the 31.
    out, used = [], 0
    for ch in text:
        units = 2 if ord(ch) > 0xFFFF else 1
        if used + units > limit:
            break
        out.append(ch)
        used += units
    return "".join(out)
