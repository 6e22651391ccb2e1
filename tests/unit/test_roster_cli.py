"""make roster: a messy real-looking spreadsheet loaded, reloaded unchanged, and replaced by a new list."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from chalicelib.domain import roster_load
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


def names(changes) -> list[str]:
    return sorted(f"{c.unit} {c.name}" for c in changes)


def test_a_messy_sheet_loads_and_reports_what_it_did() -> None:
    store = MemoryStore()
    sheet, plan = cli.load(store, messy(), "명단.xlsx", replace=True)
    assert sheet.header_line in (3, 4)
    assert names(plan.of(roster_load.ADDED)) == ["1중대 김철수", "1중대 홍길동", "2중대 이영희"]
    assert [line for line, _ in plan.rejected] == [9, 10]
    assert store.roster_units() == {"1중대": 2, "2중대": 1}
    assert store.list_audit()[0].action == "roster_load"
    _, again = cli.load(store, messy(), "명단.xlsx", replace=True)
    assert (again.changes, again.removals, again.unchanged) == ([], [], 3)


def test_a_new_list_changes_at_once_and_lists_who_it_would_take_off() -> None:
    store = MemoryStore()
    cli.load(store, messy(), "명단.xlsx", replace=True)
    csv = "소속,이름,확인번호\r\n1중대,홍길동,9999\r\n3중대,박민수,\r\n".encode("cp949")
    _, added = cli.load(store, csv, "추가.csv", replace=False)
    assert names(added.of(roster_load.ADDED)) == ["3중대 박민수"]
    assert names(added.of(roster_load.CHANGED)) == ["1중대 홍길동"] and added.removals == []
    _, whole = cli.load(store, csv, "전체.csv", replace=True)
    assert sorted(e.name for e in whole.removals) == ["김철수", "이영희"]
    # nobody is taken off by the load itself
    assert store.roster_units() == {"1중대": 2, "2중대": 1, "3중대": 1}


@pytest.fixture
def cli_store(monkeypatch: pytest.MonkeyPatch) -> MemoryStore:
    """The command line talking to an in-memory store."""
    from chalicelib import runtime
    from scripts import target

    store = MemoryStore()
    monkeypatch.setattr(runtime, "store", lambda settings: store)
    aimed: list[str | None] = []

    def aim(stage: str | None, **kw: object) -> target.Target:  # where it acts is scripts/target.py's test
        aimed.append(stage)
        return target.Target(stage or "", "ap-northeast-2", f"→ deployed stage {stage}")

    monkeypatch.setattr(target, "aim", aim)
    store.aimed = aimed  # type: ignore[attr-defined]
    return store


def whole(tmp_path: Path, rows: list[tuple[str, str]], name: str = "명단.csv") -> str:
    path = tmp_path / name
    body = "소속,이름\r\n" + "".join(f"{u},{n}\r\n" for u, n in rows)
    path.write_bytes(body.encode("utf-8"))
    return str(path)


EIGHT = [("1중대", f"대원{i}") for i in range(8)]


def test_without_a_terminal_or_a_yes_nobody_is_taken_off_and_the_exit_says_so(
    cli_store: MemoryStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([whole(tmp_path, EIGHT), "--stage", "dev"], ask=None) == 0
    seven = whole(tmp_path, EIGHT[:7], "7명.csv")
    assert cli.main([seven, "--stage", "dev"], ask=None) == cli.NOT_REMOVED
    out = capsys.readouterr()
    assert "삭제 대기: 1중대 대원7" in out.out and "REMOVE=yes" in out.err
    assert cli_store.roster_units() == {"1중대": 8}
    assert cli.main([seven, "--stage", "dev", "--remove", "no"], ask=None) == cli.NOT_REMOVED
    assert cli_store.roster_units() == {"1중대": 8}
    assert cli.main([seven, "--stage", "dev", "--remove", "yes"], ask=None) == 0
    assert cli_store.roster_units() == {"1중대": 7}
    assert "took 1 people off" in capsys.readouterr().out


def test_at_a_prompt_the_yes_is_typed(cli_store: MemoryStore, tmp_path: Path) -> None:
    cli.main([whole(tmp_path, EIGHT), "--stage", "dev"], ask=None)
    seven = whole(tmp_path, EIGHT[:7], "7명.csv")
    asked: list[str] = []
    assert cli.main([seven, "--stage", "dev"], ask=lambda q: asked.append(q) or "n") == cli.NOT_REMOVED
    assert "Take these 1 people off the roster? Type 'yes'" in asked[0] and cli_store.roster_units() == {"1중대": 8}
    assert cli.main([seven, "--stage", "dev"], ask=lambda q: "yes") == 0
    assert cli_store.roster_units() == {"1중대": 7}


def test_a_probably_partial_file_needs_the_number_typed(
    cli_store: MemoryStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main([whole(tmp_path, EIGHT), "--stage", "dev"], ask=None)
    two = whole(tmp_path, EIGHT[:2], "2명.csv")
    assert cli.main([two, "--stage", "dev", "--remove", "yes"], ask=None) == cli.NOT_REMOVED
    err = capsys.readouterr().err
    assert "probably partial" in err and "REMOVE=6" in err
    assert cli.main([two, "--stage", "dev"], ask=lambda q: "yes") == cli.NOT_REMOVED
    assert cli_store.roster_units() == {"1중대": 8}
    assert cli.main([two, "--stage", "dev"], ask=lambda q: "6") == 0
    assert cli_store.roster_units() == {"1중대": 2}


def test_a_long_plan_is_written_whole_to_a_file(
    cli_store: MemoryStore, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    many = [("본부", f"대원{i:03d}") for i in range(cli.SHOWN_LINES + 10)]
    assert cli.main([whole(tmp_path, many), "--stage", "dev"], ask=None) == 0
    out = capsys.readouterr().out
    shown = [line for line in out.splitlines() if line.startswith("  추가: ")]
    assert len(shown) == cli.SHOWN_LINES and "10 more; the whole list:" in out
    path = Path(out.rsplit("the whole list: ", 1)[1].strip())
    listed = path.read_text(encoding="utf-8").splitlines()
    assert len(listed) == len(many) and listed[-1].startswith("추가: 본부 대원049#")


def test_the_command_line_says_what_is_wrong(
    cli_store: MemoryStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([str(tmp_path / "없는파일.xlsx"), "--stage", "dev"]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert cli_store.aimed == ["dev"]  # type: ignore[attr-defined]
