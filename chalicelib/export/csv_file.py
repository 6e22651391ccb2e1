"""A survey's answers as a CSV file: UTF-8 with BOM (so Excel reads Korean), CRLF rows.

Every field is defused against formula injection: text a spreadsheet could read as a formula gets a leading
single quote (OWASP ASVS 5.0 1.2.10). Numbers, dates and times are written as they read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time

from chalicelib.domain.kinds import CellValue
from chalicelib.domain.model import Answer, Survey
from chalicelib.export.answer_rows import survey_rows
from chalicelib.export.cells import clean_text, is_formula_like

YES = "예"
NO = "아니오"


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
    text = clean_text(str(value))
    return "'" + text if is_formula_like(text) else text


def build_csv(survey: Survey, answers: Iterable[Answer], marks: Mapping[str, str] | None = None) -> bytes:
    """The survey's answers as CSV: UTF-8 with BOM (so Excel reads Korean), CRLF rows."""
    header, rows = survey_rows(survey, answers, marks)
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([csv_field(h) for h in header])
    for row in rows:
        writer.writerow([csv_field(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")
