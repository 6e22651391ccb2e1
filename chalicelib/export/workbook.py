"""Survey answers as spreadsheet rows, xlsx workbooks and CSV files.

Pure functions with no I/O. openpyxl is imported only inside :func:`build_xlsx`
so that importing this module stays cheap on the chat message path.

Every cell written here is defused against formula injection: in xlsx, text that
a spreadsheet could read as a formula is stored as an explicit string cell with
the quote-prefix style; in CSV it gets a leading single quote (OWASP ASVS 5.0
1.2.10). Numbers, dates and times stay typed.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from chalicelib.domain.kinds import CellValue, kind_of
from chalicelib.domain.marks import person_mark
from chalicelib.domain.model import KST, Answer, Question, Survey

if TYPE_CHECKING:
    from chalicelib.export.summary import Summary

FIXED_HEADER: tuple[str, ...] = ("제출 시각", "이름", "소속", "회원번호")
EDITED_HEADER = "수정 시각"  # after the questions
ENTERED_HEADER = "입력"  # last, when an admin entered any answer for someone (대리 응답): 본인 or 대리(<admin>)
YES = "예"
NO = "아니오"

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT = "hh:mm"

# First characters that make Excel, LibreOffice or Sheets parse a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")

SHEET_NAME_MAX = 31
DEFAULT_SHEET_NAME = "설문"
FALLBACK_FILENAME = "survey-export"

_KST_OFFSET = KST.utcoffset(None)
_NOT_MADE = object()
_ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_ASCII_ALLOWED = re.compile(r"[^A-Za-z0-9._()\- ]")
_MAX_CELL_CHARS = 32767
_MAX_FILENAME_CHARS = 100


# --- rows -----------------------------------------------------------------


def survey_rows(
    survey: Survey, answers: Iterable[Answer], marks: Mapping[str, str] | None = None
) -> tuple[list[str], list[list[CellValue]]]:
    """Return the header and one row per answer, ordered by submission time.

    Columns: 제출 시각, 이름, 소속, 회원번호 (the person's mark as 명단 and 미응답 show it: ``marks`` by person
    key, else one made from the key, so two answers of same-named people never look the same), one column
    per question (its text; repeated or
    blank texts are made unique), then 수정 시각 (empty when never edited), and when an admin entered any answer for
    someone (대리 응답) 입력: 본인, or 대리(the admin's name). A survey kept without names
    (익명, 참여만 확인) has the question columns only, in the order the answers are kept.
    Each answer becomes the cell its question's kind makes (``domain.kinds``):
    numbers stay numbers, days are :class:`datetime.date`, multi-select lists are
    joined with ", ", yes/no is 예/아니오; submission times are naive datetimes in
    KST and anything missing is "". Answers whose submission time cannot be read
    come last, in the order given.
    """
    unnamed = survey.anonymous  # 익명, 참여만 확인: no time, name, unit or number of anyone; the table's order
    header = ([] if unnamed else list(FIXED_HEADER)) + _question_headers(survey.questions)
    header += [] if unnamed else [EDITED_HEADER]
    answers = list(answers)
    proxied = not unnamed and any(a.entered_by for a in answers)
    header += [ENTERED_HEADER] if proxied else []
    # Each question's kind is looked up once, not once per answer (what cell_value does per call), and
    # a stored text, yes/no or skip is made a cell once per question: a kind's cell depends on nothing else.
    columns: list[tuple[str, Question, Callable[[Question, Any], CellValue], dict[tuple[type, Any], Any]]] = [
        (q.id, q, kind_of(q).cell, {}) for q in survey.questions
    ]
    timed: list[tuple[datetime, list[CellValue]]] = []
    untimed: list[list[CellValue]] = []
    for a in answers:
        submitted = _kst_naive(a.submitted_at)  # parsed once: the cell and the sort key
        values = a.values
        mark = (marks or {}).get(a.user_key) or person_mark(a.user_key)
        row: list[CellValue] = [] if unnamed else [submitted, a.name or "", a.unit or "", mark]
        for qid, q, cell, made in columns:
            value = values.get(qid)
            kind = type(value)
            if kind is str or value is None or kind is bool:
                key = (kind, value)
                out = made.get(key, _NOT_MADE)
                if out is _NOT_MADE:
                    out = made[key] = cell(q, value)
                row.append(out)
            else:
                row.append(cell(q, value))
        if unnamed:
            untimed.append(row)
            continue
        row.append(_kst_naive(a.updated_at) if a.updated_at and a.updated_at != a.submitted_at else "")
        if proxied:
            row.append(f"대리({a.entered_by})" if a.entered_by else "본인")
        if isinstance(submitted, datetime):
            timed.append((submitted, row))
        else:
            untimed.append(row)
    timed.sort(key=itemgetter(0))  # stable: equal times keep the order given
    return header, [row for _, row in timed] + untimed


def _question_headers(questions: Sequence[Question]) -> list[str]:
    taken = {h.casefold() for h in (*FIXED_HEADER, EDITED_HEADER, ENTERED_HEADER)}
    out: list[str] = []
    for i, q in enumerate(questions, start=1):
        base = " ".join((q.text or "").split()) or f"문항 {i}"
        if q.unit:  # the cells hold plain numbers: the header says what they count
            base = f"{base} ({q.unit})"
        name, n = base, 2
        while name.casefold() in taken:
            name = f"{base} ({n})"
            n += 1
        taken.add(name.casefold())
        out.append(name)
    return out


def _kst_naive(iso: str) -> CellValue:
    """An ISO-8601 timestamp as a naive KST datetime (naive input is taken as KST)."""
    if not iso:
        return ""
    try:
        dt = datetime.fromisoformat(iso.strip().replace("Z", "+00:00"))
    except ValueError:
        return iso
    if dt.tzinfo is not None:
        if dt.utcoffset() != _KST_OFFSET:
            dt = dt.astimezone(KST)
    elif not dt.microsecond:
        return dt
    return datetime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second)  # naive, whole seconds


# --- formula injection ----------------------------------------------------


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula or command."""
    return text.startswith(FORMULA_TRIGGERS)


def _clean_text(text: str) -> str:
    return _ILLEGAL_XML_CHARS.sub("", text)[:_MAX_CELL_CHARS]


def csv_field(value: CellValue) -> str:
    """One CSV field: numbers as written, dates ISO, text quote-prefixed if formula-like."""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    text = _clean_text(str(value))
    return "'" + text if is_formula_like(text) else text


# --- CSV ------------------------------------------------------------------


def build_csv(survey: Survey, answers: Iterable[Answer], marks: Mapping[str, str] | None = None) -> bytes:
    """The survey's answers as CSV: UTF-8 with BOM (so Excel reads Korean), CRLF rows."""
    header, rows = survey_rows(survey, answers, marks)
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([csv_field(h) for h in header])
    for row in rows:
        writer.writerow([csv_field(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


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
    bar charts (:mod:`chalicelib.export.summary`).

    Sheet names are made valid for Excel and unique. An empty ``sheets`` gives a
    workbook with one empty sheet (Excel cannot open a workbook without sheets).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from chalicelib.export.summary import SUMMARY_SHEET, write_summary

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
        cells = _Cells(ws, WriteOnlyCell)
        header, rows = survey_rows(survey, answers, marks)
        widths, dated = _prepare_rows(header, rows, cells)
        # Write-only sheets take column widths, panes and page settings only before the first row.
        for idx, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(idx)].width = width
        ws.freeze_panes = "A2"
        printed_wide(ws)

        head = []
        for h in header:
            text = _clean_text(h)
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

    if missing:
        ws = wb.create_sheet(names[-1])
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
            ws.append([cells.text(_clean_text(v)) for v in person])  # explicit text: a name is never a formula

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


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
_WIDE = frozenset(("W", "F"))
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
    text = _clean_text(value)
    if not text:
        return None
    if text.startswith(FORMULA_TRIGGERS) or text in _ERROR_CODES:
        return _Explicit(text)
    return text


def _widest(current: int, text: str) -> int:
    """The column width so far after ``text``, measured only if it could be wider."""
    if current < _WIDTH_CAPPED and len(text) * (1 if text.isascii() else 2) > current:
        return max(current, _text_width(text))
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
    return _text_width(str(value))


def _text_width(text: str) -> int:
    """Columns the longest line takes: East Asian wide and fullwidth characters count two."""
    line = max(text.splitlines() or [""], key=len)
    if line.isascii():
        return len(line)
    return len(line) + sum(1 for w in map(unicodedata.east_asian_width, line) if w in _WIDE)


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


# --- file names -----------------------------------------------------------


def export_filename(title: str, ext: str) -> tuple[str, str]:
    """``(ascii fallback, UTF-8 name)`` for a download, both ending in ``.ext``.

    The UTF-8 name keeps Korean text but drops characters no file system
    accepts. The ASCII fallback is the same name with Hangul romanised and
    spaces as hyphens (``회식 메뉴 조사_20261202`` → ``hoesik-menyu-josa_20261202``),
    keeping letters, digits and ``._-()`` only, and ``survey-export`` when
    nothing is left.
    """
    from chalicelib.export.romaja import romanize

    ext = ext.lstrip(".").lower()
    if not re.fullmatch(r"[a-z0-9]{1,8}", ext):
        raise ValueError(f"bad file extension: {ext!r}")
    normalized = unicodedata.normalize("NFC", title or "")
    utf8 = " ".join(_FILENAME_FORBIDDEN.sub("_", normalized).split()).strip(". ")
    utf8 = utf8[:_MAX_FILENAME_CHARS].rstrip(". ") or FALLBACK_FILENAME
    ascii_ = "-".join(_ASCII_ALLOWED.sub("", romanize(utf8)).split())
    ascii_ = ascii_[:_MAX_FILENAME_CHARS].strip(" ._-") or FALLBACK_FILENAME
    return f"{ascii_}.{ext}", f"{utf8}.{ext}"


def content_disposition(title: str, ext: str) -> str:
    """``attachment`` header with an ASCII ``filename`` and an RFC 5987 ``filename*``."""
    ascii_name, utf8_name = export_filename(title, ext)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"


def content_type(ext: str) -> str:
    """MIME type for an export extension."""
    return {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE}.get(ext.lstrip(".").lower(), "application/octet-stream")
