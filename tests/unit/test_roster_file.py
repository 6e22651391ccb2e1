"""Reading a member list (명단) from the xlsx or csv file an admin keeps.

The workbooks are built here with openpyxl (merged cells included); cached formula
values, which openpyxl does not write, are put into the sheet XML by hand.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chalicelib.export import roster_file, roster_grid
from chalicelib.export.roster_file import RosterFile, RosterFileError, RosterRow, read_roster

ROOT = Path(__file__).resolve().parents[2]
Cells = Sequence[Sequence[Any]]


def xlsx(
    rows: Cells,
    merges: Iterable[str] = (),
    formats: dict[str, str] | None = None,
    title: str = "명단",
) -> bytes:
    """A one-sheet workbook: ``rows`` from A1 (None leaves a cell empty), then ``merges`` merged."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    fill(sheet, rows)
    for ref in merges:
        sheet.merge_cells(ref)
    for ref, number_format in (formats or {}).items():
        sheet[ref].number_format = number_format
    return save(book)


def fill(sheet: Any, rows: Cells) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(r, c, value)


def save(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def edit_sheet_xml(data: bytes, edit: Callable[[str], str]) -> bytes:
    """The workbook with its first sheet's XML passed through ``edit``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = edit(body.decode()).encode()
            dst.writestr(info, body)
    return out.getvalue()


def with_cached_values(data: bytes, cached: dict[str, str]) -> bytes:
    """The workbook with results stored for its formula cells, as Excel saves them.

    A result in quotes is text (``'"1중대"'``), else a number (``"1234.0"``).
    """

    def edit(xml: str) -> str:
        for ref, result in cached.items():
            kind, value = (' t="str"', result[1:-1]) if result.startswith('"') else ("", result)
            xml, n = re.subn(
                rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/>', rf'<c r="{ref}"\1{kind}><f>\2</f><v>{value}</v>', xml
            )
            assert n == 1, ref
        return xml

    return edit_sheet_xml(data, edit)


def people(roster: RosterFile) -> list[tuple[int, str, str, str | None]]:
    return [(r.line, r.unit, r.name, r.check) for r in roster.rows]


def refusals(roster: RosterFile) -> list[tuple[int, str]]:
    return [(r.line, r.reason) for r in roster.rejected]


def refused(data: bytes, filename: str) -> str:
    with pytest.raises(RosterFileError) as caught:
        read_roster(data, filename)
    return str(caught.value)


# --- xlsx ---------------------------------------------------------------------


def test_a_clean_sheet_reads_as_is() -> None:
    data = xlsx(
        [
            ["소속", "이름", "확인번호"],
            ["1중대", "홍길동", "1234"],
            ["1중대", "김철수", "5678"],
            ["2중대", "이영희", None],
        ]
    )
    assert read_roster(data, "명단.xlsx") == RosterFile(
        rows=[
            RosterRow(2, "1중대", "홍길동", "1234"),
            RosterRow(3, "1중대", "김철수", "5678"),
            RosterRow(4, "2중대", "이영희", None),
        ],
        rejected=[],
        sheet="명단",
        header_line=1,
    )


def test_a_messy_real_sheet() -> None:
    data = xlsx(
        [
            ["2026년 1중대 명단"],
            [],
            ["연번", "인적사항", None, "확인번호", "비고"],
            [None, "소속", " 성 명 "],
            [1, "1 소대", "홍길동 ", 1234],
            [2, None, "김\u3000철수", 4321],
            [3, None, "\xa0이영희\xa0", "0123", "전입"],
            [4],  # a pre-numbered, unused row
            [],
            [6, "2소대", "John  Smith"],
            [7, "2소대", "홍길동", "1234"],  # same name, another unit
            [8, "1소대", "홍 길동", 1234],  # the same person as row 5
            [9, "2소대", None, 1111],
            [10, None, "박민수", 2222],  # no unit, and not merged
            [11, "2소대", "12345"],
            [12, "3소대", "김민준", 55],  # shown as 0055
            [13, "3소대", "김 민준", "2222"],  # same name, other check: another person
            [14, "3소대", "김민준"],  # same name, no check: cannot be told apart
            [15, "2 소대", "John Smith"],  # same as row 10, both without check
            [16, "3소대", "가" * 21],
        ],
        merges=["A1:E1", "A3:A4", "B3:C3", "D3:D4", "E3:E4", "B5:B7"],
        formats={"D16": "0000"},
    )
    roster = read_roster(data, "1중대 명단.xlsx")
    assert (roster.sheet, roster.header_line) == ("명단", 4)
    assert people(roster) == [
        (5, "1소대", "홍길동", "1234"),
        (6, "1소대", "김철수", "4321"),
        (7, "1소대", "이영희", "0123"),
        (10, "2소대", "John Smith", None),
        (11, "2소대", "홍길동", "1234"),
        (16, "3소대", "김민준", "0055"),
        (17, "3소대", "김민준", "2222"),
    ]
    assert refusals(roster) == [
        (12, "같은 소속·이름·확인번호가 5행에도 있어요"),
        (13, "이름이 비어 있어요"),
        (14, "소속이 비어 있어요"),
        (15, "이름이 숫자뿐이에요"),
        (18, "같은 소속·이름이 16행에도 있는데 확인번호가 한쪽에만 있어요"),
        (19, "같은 소속·이름이 10행에도 있어요"),
        (20, "이름이 20자를 넘어요"),
    ]


def test_header_cells_merged_down_make_a_two_row_header() -> None:
    data = xlsx(
        [
            ["소속", "이름", "개인 확인"],
            [None, None, "군번 뒤4자리", "전화번호"],
            ["본부", "최영", "0042", "010-0000-0000"],
        ],
        merges=["A1:A2", "B1:B2", "C1:D1"],
    )
    roster = read_roster(data, "a.xlsx")
    assert roster.header_line == 1
    assert people(roster) == [(3, "본부", "최영", "0042")]
    assert roster.rejected == []


def test_a_header_is_at_most_three_rows_and_its_merges_do_not_reach_data() -> None:
    data = xlsx(
        [["소속", "이름"], [], [], [None, "홍길동"], ["1중대", "김철수"]],
        merges=["A1:A4", "B1:B3"],
    )
    roster = read_roster(data, "a.xlsx")
    assert (roster.header_line, people(roster)) == (1, [(5, "1중대", "김철수", None)])
    assert refusals(roster) == [(4, "소속이 비어 있어요")]


def test_a_unit_merged_down_carries_only_within_its_range() -> None:
    data = xlsx(
        [
            ["소속", "이름"],
            ["1중대", "가나"],
            [None, "다라"],
            [None, "마바"],  # below the merged range
        ],
        merges=["A2:A3"],
    )
    roster = read_roster(data, "a.xlsx")
    assert people(roster) == [(2, "1중대", "가나", None), (3, "1중대", "다라", None)]
    assert refusals(roster) == [(4, "소속이 비어 있어요")]


def test_a_unit_merged_across_from_the_left_shows_its_first_cell() -> None:
    data = xlsx([["소속", "이름"], ["1중대", "가나"], [None, "다라"]], merges=["A2:A3"])
    moved = xlsx([["대대", "소속", "이름"], ["1대대", None, "가나"]], merges=["A2:B2"])
    assert people(read_roster(data, "a.xlsx"))[1] == (3, "1중대", "다라", None)
    assert people(read_roster(moved, "b.xlsx")) == [(2, "1대대", "가나", None)]


def test_formulas_give_the_values_excel_saved() -> None:
    data = xlsx(
        [
            ["소속", "이름", "확인번호"],
            ["1중대", "홍길동", "0001"],
            ["=A2", '=CONCATENATE("김","철수")', "=1000+234"],
            ["=A2", '="이"&"영희"', 7],  # never calculated: no saved value
        ]
    )
    data = with_cached_values(data, {"A3": '"1중대"', "B3": '"김철수"', "C3": "1234.0", "A4": '"1중대"'})
    roster = read_roster(data, "a.xlsx")
    assert people(roster) == [(2, "1중대", "홍길동", "0001"), (3, "1중대", "김철수", "1234")]
    assert refusals(roster) == [(4, "이름이 비어 있어요")]


def test_a_sheet_that_declares_a_wrong_size_is_read_in_full() -> None:
    data = xlsx([["소속", "이름"], ["1중대", "가나"], ["1중대", "다라"]])
    data = edit_sheet_xml(data, lambda xml: xml.replace('<dimension ref="A1:B3" />', '<dimension ref="A1:B2" />'))
    assert people(read_roster(data, "a.xlsx")) == [(2, "1중대", "가나", None), (3, "1중대", "다라", None)]


def test_the_active_sheet_first_then_the_first_visible_sheet_with_a_header() -> None:
    book = openpyxl.Workbook()
    guide = book.active
    assert guide is not None
    guide.title = "안내"
    fill(guide, [["이 파일에 명단을 적어 주세요"]])
    hidden = book.create_sheet("숨김")
    fill(hidden, [["소속", "이름"], ["X", "숨은사람"]])
    hidden.sheet_state = "hidden"
    fill(book.create_sheet("명단"), [["소속", "이름"], ["1중대", "가나"]])
    fill(book.create_sheet("예전"), [["소속", "이름"], ["9중대", "옛사람"]])
    roster = read_roster(save(book), "a.xlsx")
    assert (roster.sheet, people(roster)) == ("명단", [(2, "1중대", "가나", None)])

    book.active = book["예전"]
    roster = read_roster(save(book), "a.xlsx")
    assert (roster.sheet, people(roster)) == ("예전", [(2, "9중대", "옛사람", None)])


def test_the_header_is_looked_for_in_the_first_20_rows() -> None:
    at_20 = xlsx([[f"안내 {i}"] for i in range(19)] + [["소속", "이름"], ["1중대", "가나"]])
    at_21 = xlsx([[f"안내 {i}"] for i in range(20)] + [["소속", "이름"], ["1중대", "가나"]])
    assert read_roster(at_20, "a.xlsx").header_line == 20
    assert refused(at_21, "a.xlsx") == roster_file.NO_HEADER


def test_no_header_is_refused() -> None:
    data = xlsx([["연번", "성", "부대명"], [1, "홍", "1중대"]])
    assert refused(data, "a.xlsx") == roster_file.NO_HEADER
    assert refused("이름,전화\n홍길동,010\n".encode(), "a.csv") == roster_file.NO_HEADER


# --- columns and values -------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["연번", "소속", "이름"], (2, 3, None)),
        (["No.", "순번", "소속", "이름", "번호"], (3, 4, None)),  # a bare 번호 numbers the rows
        (["번호", "소속", "이름", "확인 번호"], (2, 3, "확인 번호")),
        (["팀", "성 명", "학번 뒤 4자리"], (1, 2, "학번 뒤 4자리")),
        (["중대", "소속", "성명(한글)", "군번(뒤4자리)"], (2, 3, "군번(뒤4자리)")),
        (["부서*", "이름 :", "비고"], (1, 2, None)),
        (["소속부대", "이 름", "전화번호", "뒷4자리"], (1, 2, "뒷4자리")),
    ],
)
def test_header_labels(header: list[str], expected: tuple[int, int, str | None]) -> None:
    unit_col, name_col, check_label = expected
    row: list[Any] = [f"x{i}" for i in range(len(header))]
    row[unit_col - 1], row[name_col - 1] = "1중대", "홍길동"
    if check_label is not None:
        row[header.index(check_label)] = "9999"
    roster = read_roster(xlsx([header, row]), "a.xlsx")
    assert people(roster) == [(2, "1중대", "홍길동", "9999" if check_label else None)]


def test_names_units_and_checks_are_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "홍길동")
    data = xlsx(
        [
            ["소속", "이름", "확인번호"],
            ["２ 중대", decomposed, "12-34"],
            ["2중대", "José\u3000 María", " A-12 "],
            ["본부\u200b", "김 철 수", "１２３４"],
            ["본부", "Kim 철수", "1 234"],
        ]
    )
    assert people(read_roster(data, "a.xlsx")) == [
        (2, "2중대", "홍길동", "1234"),
        (3, "2중대", "José María", "A-12"),
        (4, "본부", "김철수", "1234"),
        (5, "본부", "Kim철수", "1234"),
    ]


def test_checks_too_long_and_units_too_long_are_refused() -> None:
    data = xlsx([["소속", "이름", "확인번호"], ["가" * 21, "홍길동", None], ["본부", "홍길동", "1" * 21]])
    assert refusals(read_roster(data, "a.xlsx")) == [(2, "소속이 20자를 넘어요"), (3, "확인번호가 20자를 넘어요")]


# --- csv ------------------------------------------------------------------------


def test_csv_in_utf8_with_bom() -> None:
    text = '소속,이름,확인번호\r\n1중대,홍길동,0123\r\n,,\r\n\r\n1중대,"김 철수",\r\n'
    data = "\ufeff".encode() + text.encode()
    assert read_roster(data, "명단.CSV") == RosterFile(
        rows=[RosterRow(2, "1중대", "홍길동", "0123"), RosterRow(5, "1중대", "김철수", None)],
        rejected=[],
        sheet=None,
        header_line=1,
    )


def test_csv_in_cp949() -> None:
    text = "2026년 본부 명단,,\n연번,부서,성명,군번 뒤4자리\n1,인사과,홍길동,0420\n2,,김철수,1111\n"
    data = text.encode("cp949")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    roster = read_roster(data, "a.csv")
    assert (roster.header_line, people(roster)) == (2, [(3, "인사과", "홍길동", "0420")])
    assert refusals(roster) == [(4, "소속이 비어 있어요")]


def test_csv_rows_count_records_and_a_broken_quote_is_refused() -> None:
    data = '소속,이름,비고\n1중대,홍길동,"두 줄\n비고"\n1중대,김철수,\n'.encode()
    assert people(read_roster(data, "a.csv")) == [(2, "1중대", "홍길동", None), (3, "1중대", "김철수", None)]
    assert refused('소속,이름\n1중대,"홍길동\n'.encode(), "a.csv") == roster_file.BAD_CSV_SHAPE


def test_csv_that_is_neither_utf8_nor_cp949_is_refused() -> None:
    assert refused("소속,이름\n".encode("utf-16"), "a.csv") == roster_file.BAD_CSV_TEXT
    assert refused(b"\x80\xff\xfe", "a.csv") == roster_file.BAD_CSV_TEXT
    assert refused("소속,이름\n홍길동\x00\n".encode(), "a.csv") == roster_file.BAD_CSV_TEXT  # not text


# --- whole-file problems ------------------------------------------------------------


def test_other_kinds_and_unreadable_files_are_refused() -> None:
    good = xlsx([["소속", "이름"], ["1중대", "가나"]])
    assert refused(good, "명단.xls") == roster_file.OLD_EXCEL
    assert refused(good, "명단.ods") == roster_file.WRONG_KIND
    assert refused(good, "명단") == roster_file.WRONG_KIND
    assert refused(b"", "a.csv") == roster_file.EMPTY_FILE
    assert refused(b"not a zip", "a.xlsx") == roster_file.BAD_XLSX
    assert refused(good[: len(good) // 2], "a.xlsx") == roster_file.BAD_XLSX
    assert refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "a.xlsx") == roster_file.LOCKED_OR_OLD


def test_an_oversize_file_is_refused() -> None:
    assert refused(b"a" * (roster_file.MAX_FILE_BYTES + 1), "a.csv") == roster_file.TOO_BIG
    assert refused(b"a" * (roster_file.MAX_FILE_BYTES + 1), "a.xlsx") == roster_file.TOO_BIG


def test_a_workbook_that_unpacks_too_big_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = xlsx([["소속", "이름"], ["1중대", "가나"]])
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(roster_file, "MAX_UNPACKED_BYTES", unpacked)
    assert people(read_roster(data, "a.xlsx")) == [(2, "1중대", "가나", None)]
    monkeypatch.setattr(roster_file, "MAX_UNPACKED_BYTES", unpacked - 1)
    assert refused(data, "a.xlsx") == roster_file.TOO_BIG_UNPACKED


def test_too_many_rows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_grid, "MAX_ROWS", 3)
    three = "소속,이름\n1중대,가\n\n,,\n1중대,나\n1중대,다\n"  # blank rows do not count
    assert len(read_roster(three.encode(), "a.csv").rows) == 3
    assert refused((three + "1중대,라\n").encode(), "a.csv") == roster_grid.TOO_MANY_ROWS


def test_too_many_merged_ranges_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_file, "MAX_MERGED_RANGES", 2)
    rows: list[list[Any]] = [["소속", "이름"], ["1중대", "가"], [None, "나"], ["2중대", "다"], [None, "라"]]
    assert len(read_roster(xlsx(rows, merges=["A2:A3", "A4:A5"]), "a.xlsx").rows) == 4
    data = xlsx([*rows, ["3중대", "마"], [None, "바"]], merges=["A2:A3", "A4:A5", "A6:A7"])
    assert refused(data, "a.xlsx") == roster_file.TOO_MANY_MERGES


def test_importing_the_module_loads_no_openpyxl() -> None:
    code = "import sys; import chalicelib.export.roster_file; assert 'openpyxl' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_chat_path_does_not_import_the_module() -> None:
    code = (
        "import sys; import app; from chalicelib import runtime; runtime.bot(); "
        "assert 'chalicelib.export.roster_file' not in sys.modules; "
        "assert 'chalicelib.export.roster_grid' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
