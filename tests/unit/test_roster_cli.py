"""make roster: a messy real-looking spreadsheet loaded, reloaded unchanged, and replaced by a new list."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from chalicelib.storage.memory import MemoryStore
from scripts import roster as cli


def messy() -> bytes:
    """As people keep it: a title row, a two-row merged header, merged unit cells, blank rows, stray spaces."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "명단"
    ws.append(["2026년 하반기 인원 명단"])
    ws.append([])
    ws.append(["연번", "인적사항", None, "확인번호", "비고"])
    ws.append([None, "소속", "이름", None, None])
    ws.merge_cells("B3:C3")
    ws.merge_cells("D3:D4")
    ws.append([1, "1중대 ", "홍길동", 1234, ""])
    ws.append([2, None, " 김 철수", "0456", ""])
    ws.merge_cells("B5:B6")
    ws.append([])
    ws.append([3, "２중대", "이영희\u3000", None, "전입"])
    ws.append([4, "2중대", "", None, "이름 없음"])
    ws.append([5, "2중대", "이영희", None, "중복"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_messy_sheet_loads_and_reports_what_it_did() -> None:
    store = MemoryStore()
    sheet, report = cli.load(store, messy(), "명단.xlsx", replace=True)
    assert sheet.header_line in (3, 4)
    assert sorted(report.added) == ["1중대 김철수", "1중대 홍길동", "2중대 이영희"]
    assert [line for line, _ in report.rejected] == [9, 10]
    assert store.roster_units() == {"1중대": 2, "2중대": 1}
    assert store.list_audit()[0].action == "roster_load"
    _, again = cli.load(store, messy(), "명단.xlsx", replace=True)
    assert (again.added, again.updated, again.removed, again.unchanged) == ([], [], [], 3)


def test_a_new_list_updates_and_removes_and_add_keeps(tmp_path: Path) -> None:
    store = MemoryStore()
    cli.load(store, messy(), "명단.xlsx", replace=True)
    csv = "소속,이름,확인번호\r\n1중대,홍길동,9999\r\n3중대,박민수,\r\n".encode("cp949")
    _, added = cli.load(store, csv, "추가.csv", replace=False)
    assert (added.added, added.updated, added.removed) == (["3중대 박민수"], ["1중대 홍길동"], [])
    _, replaced = cli.load(store, csv, "전체.csv", replace=True)
    assert sorted(replaced.removed) == ["1중대 김철수", "2중대 이영희"]
    assert store.roster_units() == {"1중대": 1, "3중대": 1}


def test_the_command_line_says_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([str(tmp_path / "없는파일.xlsx"), "--aws"]) == 1
    assert "cannot read" in capsys.readouterr().err
