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
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote

from chalicelib.domain.kinds import CellValue, cell_value
from chalicelib.domain.model import KST, Answer, Question, Survey

FIXED_HEADER: tuple[str, ...] = ("제출 시각", "이름", "소속")
EDITED_HEADER = "수정 시각"  # last column, after the questions
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

_ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_ASCII_ALLOWED = re.compile(r"[^A-Za-z0-9._()\- ]")
_MAX_CELL_CHARS = 32767
_MAX_FILENAME_CHARS = 100


# --- rows -----------------------------------------------------------------


def survey_rows(survey: Survey, answers: Iterable[Answer]) -> tuple[list[str], list[list[CellValue]]]:
    """Return the header and one row per answer, ordered by submission time.

    Columns: 제출 시각, 이름, 소속, one column per question (its text; repeated or
    blank texts are made unique), then 수정 시각 (empty when never edited).
    Each answer becomes the cell its question's kind makes (``domain.kinds``):
    numbers stay numbers, days are :class:`datetime.date`, multi-select lists are
    joined with ", ", yes/no is 예/아니오; submission times are naive datetimes in
    KST and anything missing is "".
    """
    header = list(FIXED_HEADER) + _question_headers(survey.questions) + [EDITED_HEADER]
    ordered = sorted(answers, key=lambda a: _sort_key(a.submitted_at))
    rows: list[list[CellValue]] = []
    for a in ordered:
        row: list[CellValue] = [_kst_naive(a.submitted_at), a.name or "", a.unit or ""]
        row.extend(cell_value(q, a.values.get(q.id)) for q in survey.questions)
        row.append(_kst_naive(a.updated_at) if a.updated_at and a.updated_at != a.submitted_at else "")
        rows.append(row)
    return header, rows


def _question_headers(questions: Sequence[Question]) -> list[str]:
    taken = {h.casefold() for h in (*FIXED_HEADER, EDITED_HEADER)}
    out: list[str] = []
    for i, q in enumerate(questions, start=1):
        base = " ".join((q.text or "").split()) or f"문항 {i}"
        name, n = base, 2
        while name.casefold() in taken:
            name = f"{base} ({n})"
            n += 1
        taken.add(name.casefold())
        out.append(name)
    return out


def _sort_key(iso: str) -> tuple[int, datetime]:
    parsed = _kst_naive(iso)
    if isinstance(parsed, datetime):
        return (0, parsed)
    return (1, datetime.min)


def _kst_naive(iso: str) -> CellValue:
    """An ISO-8601 timestamp as a naive KST datetime (naive input is taken as KST)."""
    if not iso:
        return ""
    try:
        dt = datetime.fromisoformat(iso.strip().replace("Z", "+00:00"))
    except ValueError:
        return iso
    if dt.tzinfo is not None:
        dt = dt.astimezone(KST).replace(tzinfo=None)
    return dt.replace(microsecond=0)


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


def build_csv(survey: Survey, answers: Iterable[Answer]) -> bytes:
    """The survey's answers as CSV: UTF-8 with BOM (so Excel reads Korean), CRLF rows."""
    header, rows = survey_rows(survey, answers)
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([csv_field(h) for h in header])
    for row in rows:
        writer.writerow([csv_field(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


# --- xlsx -----------------------------------------------------------------


def build_xlsx(sheets: Sequence[tuple[str, Survey, Sequence[Answer]]]) -> bytes:
    """A workbook with one sheet per ``(sheet name, survey, answers)``.

    Sheet names are made valid for Excel and unique. An empty ``sheets`` gives a
    workbook with one empty sheet (Excel cannot open a workbook without sheets).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    wb.properties.creator = "행정이"
    names = unique_sheet_names([name for name, _, _ in sheets])
    if not sheets:
        wb.create_sheet(DEFAULT_SHEET_NAME)
    bold = Font(bold=True)

    for title, (_, survey, answers) in zip(names, sheets, strict=False):
        ws = wb.create_sheet(title)
        header, rows = survey_rows(survey, answers)
        # Write-only sheets take column widths and panes only before the first row.
        for idx, width in enumerate(_column_widths(header, rows), start=1):
            ws.column_dimensions[get_column_letter(idx)].width = width
        ws.freeze_panes = "A2"

        ws.append([_xlsx_cell(WriteOnlyCell(ws), h, font=bold) for h in header])
        for row in rows:
            ws.append([_xlsx_cell(WriteOnlyCell(ws), v) for v in row])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _xlsx_cell(c: Any, value: CellValue, font: Any = None) -> Any:
    """Fill a write-only cell: text as an explicit string, dates with a date format."""
    if isinstance(value, str):
        text = _clean_text(value)
        if text:  # "" stays an empty cell
            c.value = text
            # A string cell is never evaluated: this is what keeps "=..." inert.
            c.data_type = "s"
            if is_formula_like(text):
                c.quotePrefix = True
    else:
        c.value = value
        if isinstance(value, datetime):
            c.number_format = DATETIME_FORMAT
        elif isinstance(value, date):
            c.number_format = DATE_FORMAT
        elif isinstance(value, time):
            c.number_format = TIME_FORMAT
    if font is not None:
        c.font = font
    return c


def _display_width(value: CellValue) -> int:
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    if isinstance(value, time):
        return 5
    text = str(value)
    longest = max((line for line in text.splitlines() or [""]), key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in longest)


def _column_widths(header: Sequence[str], rows: Sequence[Sequence[CellValue]]) -> list[float]:
    widths: list[float] = []
    for i, h in enumerate(header):
        w = max([_display_width(h)] + [_display_width(r[i]) for r in rows if i < len(r)])
        widths.append(float(min(60, max(8, w + 2))))
    return widths


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
    accepts. The ASCII fallback keeps letters, digits, space and ``._-()``
    only, and is ``survey-export`` when nothing is left.
    """
    ext = ext.lstrip(".").lower()
    if not re.fullmatch(r"[a-z0-9]{1,8}", ext):
        raise ValueError(f"bad file extension: {ext!r}")
    normalized = unicodedata.normalize("NFC", title or "")
    utf8 = " ".join(_FILENAME_FORBIDDEN.sub("_", normalized).split()).strip(". ")
    utf8 = utf8[:_MAX_FILENAME_CHARS].rstrip(". ") or FALLBACK_FILENAME
    ascii_ = " ".join(_ASCII_ALLOWED.sub("", utf8).split())
    ascii_ = ascii_.strip(" ._-")[:_MAX_FILENAME_CHARS] or FALLBACK_FILENAME
    return f"{ascii_}.{ext}", f"{utf8}.{ext}"


def content_disposition(title: str, ext: str) -> str:
    """``attachment`` header with an ASCII ``filename`` and an RFC 5987 ``filename*``."""
    ascii_name, utf8_name = export_filename(title, ext)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"


def content_type(ext: str) -> str:
    """MIME type for an export extension."""
    return {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE}.get(ext.lstrip(".").lower(), "application/octet-stream")
