"""A roster read from a grid of rows, whatever file the rows came from (:mod:`chalicelib.export.roster_file`
reads the files): the header found in the first rows, merged cells read as the sheet shows them, and each
person's 소속, 이름 and 확인번호 normalised, checked and told apart from the rows before (the rules are in
roster_file's docstring). The records a read returns are defined here.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time

from chalicelib.domain.parsing import MAX_NAME, MAX_UNIT
from chalicelib.domain.record import record

MAX_ROWS = 50_000
MAX_COLUMNS = 50
MAX_CHECK = 20
HEADER_SCAN_ROWS = 20
MAX_HEADER_ROWS = 3

UNIT_LABELS = ("소속", "소속부대", "부서", "부대", "중대", "팀")
NAME_LABELS = ("이름", "성명")
CHECK_LABELS = (
    "확인번호",
    "군번뒤4자리",
    "군번뒷4자리",
    "학번뒤4자리",
    "학번뒷4자리",
    "뒤4자리",
    "뒷4자리",
)  # not a bare 번호: sheets number their rows with it

TOO_MANY_ROWS = f"명단이 너무 길어요. {MAX_ROWS:,}행까지 읽을 수 있어요."

NAME_EMPTY = "이름이 비어 있어요"
UNIT_EMPTY = "소속이 비어 있어요"
NAME_TOO_LONG = f"이름이 {MAX_NAME}자를 넘어요"
NAME_DIGITS = "이름이 숫자뿐이에요"
UNIT_TOO_LONG = f"소속이 {MAX_UNIT}자를 넘어요"
CHECK_TOO_LONG = f"확인번호가 {MAX_CHECK}자를 넘어요"

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_CLEAN_TABLE: dict[int, int | None] = {**_INVISIBLE, **_FULL_WIDTH}
_LABEL_NOISE = re.compile(r"[\s*:]+")
_BRACKETS = re.compile(r"[()\[\]]")
_BRACKET_OPEN = re.compile(r"[(\[]")
_DIGIT_GROUPS = re.compile(r"[0-9]+(?:[-‐‑‒–—−][0-9]+)*")
_NON_DIGITS = re.compile(r"[^0-9]")

# (top row, left column, bottom row, right column), 1-based, inclusive.
Range = tuple[int, int, int, int]
# Rows first..last (last None: to the end), each with its first `width` cells' values.
Rows = Callable[[int, int | None, int], Iterator[tuple[int, Sequence[object]]]]


@record(frozen=True)
class RosterRow:
    line: int  # 1-based row number in the sheet / record number in the csv
    unit: str  # 소속, normalised (no spaces)
    name: str  # 이름, normalised
    check: str | None  # 확인번호, normalised; None when empty or the file has no such column


@record(frozen=True)
class Rejected:
    line: int
    reason: str  # short Korean, e.g. "이름이 비어 있어요"


@record(frozen=True)
class RosterFile:
    rows: list[RosterRow]
    rejected: list[Rejected]
    sheet: str | None  # the sheet read (xlsx); None for csv
    header_line: int  # the row holding the 소속 and 이름 labels


class RosterFileError(Exception):
    """The whole file cannot be read; the message is Korean, for the admin."""


# --- the grid -----------------------------------------------------------------


class _MergeIndex:
    """Which merged range, if any, covers a cell of some columns (ranges in a sheet do not overlap)."""

    def __init__(self, ranges: Iterable[Range], columns: Iterable[int]) -> None:
        wanted = set(columns)
        by_column: dict[int, list[Range]] = {}
        self.anchors_by_row: dict[int, set[int]] = {}
        for rng in ranges:
            top, left, _, right = rng
            hit = False
            for column in wanted:
                if left <= column <= right:
                    by_column.setdefault(column, []).append(rng)
                    hit = True
            if hit:
                self.anchors_by_row.setdefault(top, set()).add(left)
        self._by_column = {column: (sorted(rs), [r[0] for r in sorted(rs)]) for column, rs in by_column.items()}

    def anchor(self, line: int, column: int) -> tuple[int, int] | None:
        """The first (top-left) cell of the range covering (line, column), or None."""
        entry = self._by_column.get(column)
        if entry is None:
            return None
        ranges, tops = entry
        at = bisect_right(tops, line) - 1
        if at < 0 or ranges[at][2] < line:
            return None
        return ranges[at][0], ranges[at][1]


@record(frozen=True)
class _Header:
    line: int
    last_line: int  # the last row of the header; data starts below it
    unit: int  # column numbers, 1-based
    name: int
    check: int | None


def read_grid(rows: Rows, merged: list[Range], sheet: str | None) -> RosterFile | None:
    """The roster in a grid of rows, or None when its first rows hold no header."""
    header = _find_header(rows, merged)
    if header is None:
        return None
    columns = [c for c in (header.unit, header.name, header.check) if c is not None]
    merges = _MergeIndex((r for r in merged if r[0] > header.last_line), columns)
    anchor_text: dict[tuple[int, int], str] = {}
    kept: list[RosterRow] = []
    rejected: list[Rejected] = []
    by_person: dict[tuple[str, str], list[RosterRow]] = {}
    count = 0
    for line, values in rows(header.last_line + 1, None, max(columns)):
        for column in merges.anchors_by_row.get(line, ()):
            anchor_text[(line, column)] = _clean(_text(_at(values, column)))
        raw = [_clean(_text(_at(values, column))) for column in columns]
        if not any(raw):
            continue
        count += 1
        if count > MAX_ROWS:
            raise RosterFileError(TOO_MANY_ROWS)
        shown = [
            text or _merged_text(merges, anchor_text, line, column) for text, column in zip(raw, columns, strict=True)
        ]
        unit, name = _unit(shown[0]), _name(shown[1])
        check = _check(shown[2]) if header.check is not None else None
        reason = _problem(unit, name, check) or _duplicate(by_person.get((unit, name), []), check)
        if reason:
            rejected.append(Rejected(line, reason))
            continue
        row = RosterRow(line, unit, name, check)
        kept.append(row)
        by_person.setdefault((unit, name), []).append(row)
    return RosterFile(kept, rejected, sheet, header.line)


def _merged_text(merges: _MergeIndex, anchor_text: dict[tuple[int, int], str], line: int, column: int) -> str:
    """What an empty cell shows: the text of the merged range's first cell, or nothing."""
    anchor = merges.anchor(line, column)
    return anchor_text.get(anchor, "") if anchor else ""


def _find_header(rows: Rows, merged: list[Range]) -> _Header | None:
    last_scanned = HEADER_SCAN_ROWS + MAX_HEADER_ROWS - 1
    head = dict(rows(1, last_scanned, MAX_COLUMNS))
    merges = _MergeIndex((r for r in merged if r[0] <= last_scanned), range(1, MAX_COLUMNS + 1))

    def labels(line: int) -> dict[int, str]:
        """The row's cells as shown: a cell inside a merged range shows the range's first cell."""
        values = head.get(line, ())
        shown: dict[int, str] = {}
        for column in range(1, MAX_COLUMNS + 1):
            text = _text(_at(values, column))
            if not text.strip():
                anchor = merges.anchor(line, column)
                text = _text(_at(head.get(anchor[0], ()), anchor[1])) if anchor else ""
            if text.strip():
                shown[column] = text
        return shown

    for line in range(1, HEADER_SCAN_ROWS + 1):
        cells = labels(line)
        unit = _labelled(cells, UNIT_LABELS, set())
        name = _labelled(cells, NAME_LABELS, {unit}) if unit is not None else None
        if unit is None or name is None:
            continue
        # Header cells of this row merged further down make the rows they cover header rows.
        bottoms = [bottom for top, _, bottom, _ in merged if top == line and bottom > line]
        last_line = min(max(bottoms, default=line), line + MAX_HEADER_ROWS - 1)
        check = None
        for sub in range(line, last_line + 1):
            check = _labelled(labels(sub) if sub != line else cells, CHECK_LABELS, {unit, name})
            if check is not None:
                break
        return _Header(line, last_line, unit, name, check)
    return None


def _labelled(cells: dict[int, str], labels: Sequence[str], taken: set[int]) -> int | None:
    """The column whose label matches the earliest of ``labels``, leftmost first."""
    keys = {column: _label_keys(text) for column, text in sorted(cells.items()) if column not in taken}
    for label in labels:
        for column, variants in keys.items():
            if label in variants:
                return column
    return None


def _label_keys(text: str) -> tuple[str, str]:
    squeezed = _LABEL_NOISE.sub("", _clean(text)).casefold()
    return _BRACKETS.sub("", squeezed), _BRACKET_OPEN.split(squeezed, maxsplit=1)[0]


def _at(values: Sequence[object], column: int) -> object:
    return values[column - 1] if column <= len(values) else None


# --- values -------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell value as text: numbers as their digits (1234.0 is "1234"), dates as yyyy-mm-dd."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _clean(text: str) -> str:
    """NFC, invisible characters out, full-width ASCII made ASCII, whitespace stripped and collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_CLEAN_TABLE).split())


def _unit(text: str) -> str:
    return text.replace(" ", "")


def _name(text: str) -> str:
    """Spaces out, but one kept between two Latin letters ("John Smith")."""
    words = text.split(" ")
    name = words[0]
    for word in words[1:]:
        name += (" " if _latin(name[-1]) and _latin(word[0]) else "") + word
    return name


def _latin(char: str) -> bool:
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN")


def _check(text: str) -> str | None:
    check = text.replace(" ", "")
    if not check:
        return None
    return _NON_DIGITS.sub("", check) if _DIGIT_GROUPS.fullmatch(check) else check


def _problem(unit: str, name: str, check: str | None) -> str | None:
    if not name:
        return NAME_EMPTY
    if not unit:
        return UNIT_EMPTY
    if len(name) > MAX_NAME:
        return NAME_TOO_LONG
    if name.isdecimal():
        return NAME_DIGITS
    if len(unit) > MAX_UNIT:
        return UNIT_TOO_LONG
    if check is not None and len(check) > MAX_CHECK:
        return CHECK_TOO_LONG
    return None


def _duplicate(earlier: list[RosterRow], check: str | None) -> str | None:
    """Why a row repeats an earlier person, or None when the check values tell them apart."""
    for row in earlier:
        if check is not None and row.check is not None and check != row.check:
            continue
        if check is None and row.check is None:
            return f"같은 소속·이름이 {row.line}행에도 있어요"
        if check == row.check:
            return f"같은 소속·이름·확인번호가 {row.line}행에도 있어요"
        return f"같은 소속·이름이 {row.line}행에도 있는데 확인번호가 한쪽에만 있어요"
    return None
