"""An organisation's member list (명단) read from the spreadsheet an admin keeps.

:func:`read_roster` takes the bytes and the name of an ``.xlsx`` or ``.csv`` file and
returns a :class:`RosterFile`: one :class:`RosterRow` per person (소속, 이름 and an
optional 확인번호) and one :class:`Rejected` per row it could not take, each with its
row number and a short Korean reason. A problem with the whole file (wrong kind,
too big, unreadable, no header) raises :class:`RosterFileError` with a Korean message
that can be shown to the admin as is.

This is an adapter: openpyxl is imported only when an xlsx file is read, and nothing
on the chat message path imports this module. Nothing here logs; names and check
values are personal data and never leave the returned objects. This module opens the
files and hands their rows to :mod:`chalicelib.export.roster_grid`, which finds the
header, reads the rows as below and holds the limits on rows and columns.

Reading
    * xlsx is read with openpyxl in read-only mode with ``data_only=True``: a formula
      gives the value Excel last calculated and saved (a formula never calculated, as
      in files written by some libraries, reads as empty). The sheet read is the active
      one when it has a header, else the first visible sheet that has one; other sheets
      are ignored. Merged ranges, which read-only mode does not expose, are taken from
      the ``<mergeCell ref="…"/>`` elements of the sheet's XML part.
    * csv is decoded as UTF-8 (with or without BOM), else as CP949 (which covers
      EUC-KR), and split on commas. Its "row number" is the record number, which is the
      line number unless a quoted cell holds a line break, and is the row number a
      spreadsheet shows when it opens the file.
    * Only the first :data:`MAX_COLUMNS` columns are looked at.

Header
    The header is the first of the first :data:`HEADER_SCAN_ROWS` rows that holds a
    소속 label and a 이름 label (title rows above it are skipped). A label matches when,
    with spaces, ``*`` and ``:`` removed, it equals one of the words below, either whole
    (brackets dropped: "군번(뒤4자리)" is 군번뒤4자리) or up to its first bracket
    ("성명(한글)" is 성명). Words earlier in a list win over later ones, then the
    leftmost column:

    * 소속: 소속, 소속부대, 부서, 부대, 중대, 팀
    * 이름: 이름, 성명
    * 확인번호 (optional): 확인번호, 군번뒤4자리, 학번뒤4자리, 뒤4자리, 번호 (and 뒷4자리
      spellings). Matching is exact, so 연번, 순번, No and 전화번호 columns are never
      taken for 확인번호; they and any other column are ignored.

    A merged header cell counts in every row and column it covers, so a two-row header
    (a merged "인적사항" over 소속 | 이름, or a 확인번호 merged down over both rows) is
    found on the row that actually has 소속 and 이름. When header cells of that row are
    merged further down (at most :data:`MAX_HEADER_ROWS` rows in all), the rows they
    cover belong to the header too and are searched for 확인번호; data starts below.
    ``RosterFile.header_line`` is the row that has 소속 and 이름.

Rows
    * A row whose 소속, 이름 and 확인번호 cells are all empty is skipped silently (other
      columns, such as a pre-filled 연번, do not count).
    * A cell inside a merged range that starts below the header reads as the range's
      first cell, as the sheet shows it: a 소속 merged down over several people gives
      each of them that unit. An empty 소속 outside a merged range is rejected.

Normalisation
    * Every value: Unicode NFC (Hangul typed or copied in decomposed form is composed),
      zero-width characters and the BOM removed, full-width ASCII (``２``, ``Ａ``)
      made ASCII, then whitespace of any kind (full-width and non-breaking spaces, line
      breaks in a cell) stripped at both ends and collapsed to one space inside.
    * 소속: every space removed ("2 중대" is 2중대), since units are matched without
      spacing.
    * 이름: spaces removed ("홍 길동" is 홍길동) except a single space between two Latin
      letters ("John Smith" stays).
    * 확인번호: spaces removed. A value that is only digits, or digit groups joined by
      dashes ("12-34"), keeps its digits only ("1234"); anything else (letters, dots)
      is kept as written. A number stored as a number gives its integer digits
      (``1234.0`` is "1234"); a number shown with a zero-padded format such as
      ``0000`` keeps the zeros the sheet shows (123 is "0123"); a text cell keeps its
      leading zeros. Empty is None.
    * A number in a 소속 or 이름 cell reads as its digits; a date as ``yyyy-mm-dd``.

Rejections (the first that applies)
    이름 empty; 소속 empty; 이름 longer than :data:`MAX_NAME` characters; 이름 made of
    digits only; 소속 longer than :data:`MAX_UNIT`; 확인번호 longer than
    :data:`MAX_CHECK`; a (소속, 이름) already kept from an earlier row. Two people of the
    same name in one unit are both kept when both rows have a 확인번호 and the two
    differ: the check value is what tells them apart. Otherwise the later row is
    rejected and its reason names the earlier row.

Limits
    :data:`MAX_FILE_BYTES` of file, :data:`MAX_UNPACKED_BYTES` unpacked for xlsx (a
    small zip can unpack to a great deal), :data:`MAX_ROWS` non-empty rows and
    :data:`MAX_MERGED_RANGES` merged ranges; beyond them the file is refused.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, cast

from chalicelib.export.roster_grid import (
    HEADER_SCAN_ROWS,
    Range,
    Rejected,
    RosterFile,
    RosterFileError,
    RosterRow,
    Rows,
    read_grid,
)

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["Rejected", "RosterFile", "RosterFileError", "RosterRow", "read_roster"]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_MERGED_RANGES = 100_000

WRONG_KIND = "엑셀(.xlsx)이나 CSV(.csv) 파일만 읽을 수 있어요."
OLD_EXCEL = "예전 엑셀 형식(.xls)은 읽을 수 없어요. .xlsx로 저장해서 올려 주세요."
EMPTY_FILE = "파일이 비어 있어요."
TOO_BIG = f"파일이 너무 커요. {MAX_FILE_BYTES // (1024 * 1024)}MB 이하로 올려 주세요."
TOO_BIG_UNPACKED = "파일 내용이 너무 커요. 명단 시트만 남겨서 올려 주세요."
TOO_MANY_MERGES = "병합된 칸이 너무 많아요. 병합을 풀고 올려 주세요."
BAD_XLSX = "엑셀 파일을 열지 못했어요. 파일이 손상되지 않았는지 확인해 주세요."
LOCKED_OR_OLD = "암호가 걸린 파일이거나 예전 엑셀 형식이라 열지 못했어요. 암호를 풀고 .xlsx로 저장해 주세요."
BAD_CSV_TEXT = "CSV 파일의 글자를 읽지 못했어요. UTF-8이나 CP949(EUC-KR)로 저장해 주세요."
BAD_CSV_SHAPE = 'CSV 파일을 읽지 못했어요. 따옴표(")가 짝이 맞는지 확인해 주세요.'
NO_HEADER = (
    f"소속과 이름 열을 찾지 못했어요. 위에서 {HEADER_SCAN_ROWS}행 안에 '소속'과 '이름' 제목 칸이 있는지 확인해 주세요."
)

# An encrypted xlsx, like an old .xls, is an OLE compound file, not a zip.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZEROS_FORMAT = re.compile(r"0+")
# A merged range in a sheet part. In well-formed XML a literal "<" only opens markup,
# so every match is a real element (spreadsheet writers put no comments or CDATA here).
# A namespace prefix is allowed; "mergeCells" (the container) does not match.
_MERGE_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']([A-Za-z0-9:$]+)[\"']")
_CELL_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)(?::\$?([A-Z]{1,3})\$?([0-9]+))?")


def read_roster(data: bytes, filename: str) -> RosterFile:
    """The people in a roster file, and the rows that could not be taken (see the module doc)."""
    suffix = filename.rsplit(".", 1)[-1].strip().lower() if "." in filename else ""
    if suffix == "xls":
        raise RosterFileError(OLD_EXCEL)
    if suffix not in ("xlsx", "csv"):
        raise RosterFileError(WRONG_KIND)
    if len(data) > MAX_FILE_BYTES:
        raise RosterFileError(TOO_BIG)
    if not data:
        raise RosterFileError(EMPTY_FILE)
    found = _read_xlsx(data) if suffix == "xlsx" else read_grid(_csv_rows(_decode_csv(data)), [], None)
    if found is None:
        raise RosterFileError(NO_HEADER)
    return found


# --- files ------------------------------------------------------------------


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # UTF-16 and binary files decode into NULs, if at all
            return text
        break
    raise RosterFileError(BAD_CSV_TEXT)


def _csv_rows(text: str) -> Rows:
    def rows(first: int, last: int | None, width: int) -> Iterator[tuple[int, Sequence[object]]]:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            for line, record in enumerate(reader, start=1):
                if last is not None and line > last:
                    return
                if line >= first:
                    yield line, record[:width]
        except csv.Error as exc:  # an unclosed quote, or a field past the size limit
            raise RosterFileError(BAD_CSV_SHAPE) from exc

    return rows


def _read_xlsx(data: bytes) -> RosterFile | None:
    if data.startswith(_OLE_MAGIC):
        raise RosterFileError(LOCKED_OR_OLD)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RosterFileError(BAD_XLSX) from exc
    with archive:
        # Declared sizes bound what zipfile will unpack, so this check bounds the work below.
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise RosterFileError(TOO_BIG_UNPACKED)
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # whatever a malformed file makes the parser raise
            raise RosterFileError(BAD_XLSX) from exc
        try:
            for sheet in _candidate_sheets(book):
                found = read_grid(_xlsx_rows(sheet), _merged_ranges(archive, sheet), sheet.title)
                if found is not None:
                    return found
            return None
        finally:
            book.close()


def _candidate_sheets(book: Workbook) -> list[ReadOnlyWorksheet]:
    """Visible worksheets, the active one first."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    sheets: list[ReadOnlyWorksheet] = [
        s for s in book.worksheets if isinstance(s, ReadOnlyWorksheet) and s.sheet_state == "visible"
    ]
    active = book.active
    if isinstance(active, ReadOnlyWorksheet) and active in sheets:
        sheets.remove(active)
        sheets.insert(0, active)
    return sheets


def _xlsx_rows(sheet: ReadOnlyWorksheet) -> Rows:
    # The dimension a file declares may be wrong; read every row there is.
    sheet.reset_dimensions()

    def rows(first: int, last: int | None, width: int) -> Iterator[tuple[int, Sequence[object]]]:
        try:
            # Read-only iteration fills in rows missing from the file, so rows count from `first`.
            # The stubs give ReadOnlyWorksheet Worksheet's iter_rows, typed for a Worksheet self.
            cells = cast("Worksheet", sheet).iter_rows(min_row=first, max_row=last, max_col=width)
            for line, row in enumerate(cells, start=first):
                yield line, [_xlsx_value(cell.value, cell.number_format) for cell in row]
        except Exception as exc:  # whatever a malformed sheet makes the parser raise
            raise RosterFileError(BAD_XLSX) from exc

    return rows


def _xlsx_value(value: object, number_format: object) -> object:
    """A cell's value; an integer shown zero-padded (format ``0000``) as the text the sheet shows."""
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and float(value).is_integer()
        and isinstance(number_format, str)
        and _ZEROS_FORMAT.fullmatch(number_format)
    ):
        return str(int(value)).zfill(len(number_format))
    return value


def _merged_ranges(archive: zipfile.ZipFile, sheet: ReadOnlyWorksheet) -> list[Range]:
    """The merged ranges of a sheet, from its XML part (read-only mode does not load them)."""
    # The part path is not public in openpyxl; the roster tests with merged cells fail if it moves.
    part = getattr(sheet, "_worksheet_path", None)
    if not isinstance(part, str):
        raise RuntimeError("openpyxl no longer tells where a read-only sheet's XML part is")
    try:
        xml = archive.read(part)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RosterFileError(BAD_XLSX) from exc
    ranges: list[Range] = []
    for ref in _MERGE_CELL.findall(xml):
        if len(ranges) >= MAX_MERGED_RANGES:
            raise RosterFileError(TOO_MANY_MERGES)
        match = _CELL_RANGE.fullmatch(ref.decode("ascii").upper())
        if match is None:
            continue
        left, top = _column_index(match[1]), int(match[2])
        right, bottom = (_column_index(match[3]), int(match[4])) if match[3] else (left, top)
        if top >= 1 and left >= 1:
            ranges.append((top, left, max(top, bottom), max(left, right)))
    return ranges


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index
