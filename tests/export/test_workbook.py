"""Rows, xlsx and CSV built from a survey's answers (no AWS)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest

from chalicelib.domain.kinds import TEXT
from chalicelib.domain.model import Answer, Question, Survey
from chalicelib.export import csv_file
from chalicelib.export.answer_rows import survey_rows
from chalicelib.export.csv_file import build_csv
from chalicelib.export.filenames import content_disposition, export_filename
from chalicelib.export.workbook import build_xlsx, unique_sheet_names

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_HEADER = [
    "제출 시각",
    "이름",
    "소속",
    "회원번호",
    "하고 싶은 말",
    "인원",
    "점수",
    "종목",
    "간식",
    "희망일",
    "참석 여부",
    "하고 싶은 말 (2)",
    "비고",
    "수정 시각",
]


def _by_name(header: list[str], rows: list[list]) -> dict[str, dict[str, object]]:
    return {str(r[header.index("이름")]): dict(zip(header, r, strict=False)) for r in rows}


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _sheet_cells(ws) -> dict[str, dict[str, Any]]:
    """Cells of a loaded sheet keyed by the 이름 column, then by header."""
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    name_col = header.index("이름")
    return {str(r[name_col].value): dict(zip(header, r, strict=False)) for r in rows[1:]}


# --- survey_rows ------------------------------------------------------------


def test_header_is_korean_and_question_texts_are_made_unique(survey, answers):
    header, _ = survey_rows(survey, answers)
    assert header == EXPECTED_HEADER


def test_question_text_equal_to_a_fixed_column_is_renamed():
    s = Survey(
        id="s", title="t", owner="o", questions=[Question("a", "이름"), Question("b", " "), Question("c", "이름")]
    )
    header, _ = survey_rows(s, [])
    assert header[4:7] == ["이름 (2)", "문항 2", "이름 (3)"]
    assert len(set(header)) == len(header)


def test_rows_are_typed_and_ordered_by_submission(survey, answers):
    header, rows = survey_rows(survey, answers)
    assert [r[header.index("이름")] for r in rows] == ["홍길동", "-cmd", "김영희"]
    by = _by_name(header, rows)

    hong = by["홍길동"]
    assert hong["제출 시각"] == datetime(2025, 3, 1, 9, 30)
    assert hong["수정 시각"] == ""
    assert hong["인원"] == -5 and isinstance(hong["인원"], int)
    assert hong["점수"] == 3.5 and isinstance(hong["점수"], float)
    assert hong["간식"] == "김밥, 과자"
    assert hong["희망일"] == date(2025, 3, 15) and not isinstance(hong["희망일"], datetime)
    assert hong["참석 여부"] == "예"
    assert hong["하고 싶은 말"] == "좋아요 👍 화이팅"
    assert hong["비고"] == ""

    other = by["-cmd"]
    assert other["수정 시각"] == datetime(2025, 3, 3, 10, 15, 30)
    assert other["참석 여부"] == "아니오"
    assert other["간식"] == ""
    assert other["점수"] == ""

    kim = by["김영희"]
    assert kim["인원"] == 0 and isinstance(kim["인원"], int)
    assert kim["희망일"] == "" and kim["종목"] == ""


def test_times_are_converted_to_naive_kst():
    s = Survey(id="s", title="t", owner="o", questions=[])
    a = Answer("s", "u", {}, name="n", submitted_at="2025-03-01T15:00:00Z", updated_at="2025-03-01T16:30:00+00:00")
    _, rows = survey_rows(s, [a])
    assert rows[0][0] == datetime(2025, 3, 2, 0, 0)
    assert rows[0][-1] == datetime(2025, 3, 2, 1, 30)
    assert rows[0][0].tzinfo is None


def test_number_answers_stored_as_text_become_numbers_but_text_answers_do_not():
    s = Survey(id="s", title="t", owner="o", questions=[Question("n", "수", "number"), Question("t", "글", TEXT)])
    _, rows = survey_rows(s, [Answer("s", "u", {"n": "-7", "t": "-7"})])
    assert rows[0][4] == -7 and isinstance(rows[0][4], int)
    assert rows[0][5] == "-7"


# --- xlsx -------------------------------------------------------------------


def test_xlsx_keeps_numbers_and_dates_typed(survey, answers):
    wb = _load(build_xlsx([(survey.title, survey, answers)]))
    assert wb.sheetnames == [survey.title]
    ws = wb[survey.title]
    assert [c.value for c in ws[1]] == EXPECTED_HEADER
    cells = _sheet_cells(ws)

    hong = cells["홍길동"]
    assert hong["인원"].data_type == "n" and hong["인원"].value == -5
    assert hong["점수"].data_type == "n" and hong["점수"].value == 3.5
    assert cells["김영희"]["인원"].value == 0 and cells["김영희"]["인원"].data_type == "n"
    assert hong["희망일"].is_date and hong["희망일"].value == datetime(2025, 3, 15)
    assert hong["희망일"].number_format == "yyyy-mm-dd"
    assert hong["제출 시각"].is_date and hong["제출 시각"].value == datetime(2025, 3, 1, 9, 30)
    assert hong["제출 시각"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert hong["간식"].value == "김밥, 과자"
    assert hong["참석 여부"].value == "예"
    assert hong["하고 싶은 말"].value == "좋아요 👍 화이팅"
    assert hong["비고"].value is None


def test_xlsx_formula_like_text_stays_text(survey, answers, dangerous):
    wb = _load(build_xlsx([(survey.title, survey, answers)]))
    text_cells = [c for row in wb.active.iter_rows() for c in row if isinstance(c.value, str)]
    found = {c.value: c for c in text_cells if c.value in dangerous}
    assert set(found) == set(dangerous)
    for text, c in found.items():
        assert c.data_type == "s", text
        assert c.data_type != "f", text
        assert c.value == text
        assert c.quotePrefix, text
    assert not any(c.data_type == "f" for c in text_cells)


def test_xlsx_xml_holds_no_formula_element(survey, answers):
    data = build_xlsx([(survey.title, survey, answers)])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    assert "HYPERLINK(&quot;http://x&quot;)" in sheet or 'HYPERLINK("http://x")' in sheet


def test_xlsx_header_is_bold_frozen_and_columns_sized(survey, answers):
    ws = _load(build_xlsx([(survey.title, survey, answers)])).active
    assert all(c.font.b for c in ws[1])
    assert not ws.cell(row=2, column=3).font.b
    assert ws.freeze_panes == "A2"
    widths = [
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i in range(1, len(EXPECTED_HEADER) + 1)
    ]
    assert all(8 <= w <= 60 for w in widths)
    # A long Korean answer column is wider than the short 소속 column.
    assert widths[EXPECTED_HEADER.index("하고 싶은 말")] > widths[EXPECTED_HEADER.index("소속")]


def test_xlsx_uses_write_only_workbook(survey, answers, monkeypatch):
    seen: list[dict] = []
    real = openpyxl.Workbook

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "Workbook", spy)
    build_xlsx([(survey.title, survey, answers)])
    assert seen == [{"write_only": True}]


def test_xlsx_every_row_keeps_its_own_typed_values():
    # Dates, times and formula-like text are written through cell objects; each row must keep its own.
    from datetime import time

    from chalicelib.domain.kinds import DATE, TIME

    s = Survey(
        id="s",
        title="t",
        owner="o",
        questions=[Question("d", "날", DATE), Question("t", "시각", TIME), Question("x", "글", TEXT)],
    )
    answers = [
        Answer(
            "s",
            f"u{i}",
            {"d": f"2025-04-{i + 1:02d}", "t": f"{i:02d}:{i:02d}", "x": ["-", "#N/A", "=1+1", "a"][i % 4]},
            name=f"n{i}",
            submitted_at=f"2025-03-01T09:{i:02d}:00+09:00",
            updated_at=f"2025-03-02T10:{i:02d}:00+09:00" if i % 2 else "",
        )
        for i in range(20)
    ]
    _header, rows = survey_rows(s, answers)
    ws = _load(build_xlsx([("t", s, answers)])).active
    got = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    want = [[datetime.combine(v, time()) if type(v) is date else (None if v == "" else v) for v in r] for r in rows]
    assert got == want
    formats = [[c.number_format for c in r] for r in ws.iter_rows(min_row=2)]
    assert {f[0] for f in formats} == {"yyyy-mm-dd hh:mm:ss"} and {f[4] for f in formats} == {"yyyy-mm-dd"}
    assert {f[5] for f in formats} == {"hh:mm"} and {f[-1] for f in formats[1::2]} == {"yyyy-mm-dd hh:mm:ss"}
    texts = {c.value: c for c in ws["G"][1:]}
    assert texts["#N/A"].data_type == "s" and not texts["#N/A"].quotePrefix
    assert texts["=1+1"].data_type == "s" and texts["=1+1"].quotePrefix and texts["-"].quotePrefix
    assert texts["a"].data_type == "s" and not texts["a"].quotePrefix


def test_xlsx_drops_characters_xml_cannot_hold():
    s = Survey(id="s", title="t", owner="o", questions=[Question("t", "글")])
    ws = _load(build_xlsx([("t", s, [Answer("s", "u", {"t": "벨\x07소리\x00"}, name="n")])])).active
    assert ws.cell(row=2, column=5).value == "벨소리"


def test_master_workbook_sheet_names_are_valid_and_unique(survey, answers):
    titles = [
        "설문/1: [a]*?",
        "설문/1: [a]*?",
        "x" * 40,
        "X" * 40,
        "History",
        "'인용'",
        "",
        "🎉" * 20,
        "\\back\\slash",
    ]
    data = build_xlsx([(t, survey, answers) for t in titles])
    names = _load(data).sheetnames
    assert len(names) == len(titles)
    assert len({n.casefold() for n in names}) == len(names)
    for n in names:
        assert n and not re.search(r"[\[\]:*?/\\]", n), n
        assert len(n.encode("utf-16-le")) // 2 <= 31, n
        assert not n.startswith("'") and not n.endswith("'"), n
        assert n.casefold() != "history"
    assert names[0] == "설문_1_ _a___"
    assert names[1] == "설문_1_ _a___ (2)"
    assert names[2] == "x" * 31
    wb = _load(data)
    for ws in wb.worksheets:
        assert [c.value for c in ws[1]] == EXPECTED_HEADER
        assert ws.max_row == 1 + len(answers)


def test_unique_sheet_names_suffix_fits_31_characters():
    names = unique_sheet_names(["가" * 31, "가" * 31, "가" * 31])
    assert names[1] == "가" * 27 + " (2)"
    assert names[2] == "가" * 27 + " (3)"


def test_empty_master_workbook_still_has_a_sheet():
    wb = _load(build_xlsx([]))
    assert len(wb.sheetnames) == 1


def test_openpyxl_and_boto3_are_not_imported_at_module_import():
    code = (
        "import sys; import chalicelib.export.workbook, chalicelib.export.csv_file, chalicelib.export.s3; "
        "bad = [m for m in ('openpyxl', 'boto3', 'botocore') if m in sys.modules]; "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_wiring_the_bot_imports_no_file_building():
    # What a cold start does before its first message: the exporter is built, nothing that builds files.
    code = (
        "import sys; import app; from chalicelib import runtime; runtime.bot(); "
        "files = ('chalicelib.export.workbook', 'chalicelib.export.answer_rows', 'chalicelib.export.csv_file'); "
        "bad = [m for m in ('openpyxl', *files, 'aws_lambda_powertools') if m in sys.modules]; "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- CSV --------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_bom_header_and_crlf(survey, answers):
    data = build_csv(survey, answers)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = _csv_rows(data)
    assert rows[0] == EXPECTED_HEADER
    assert len(rows) == 1 + len(answers)


def test_csv_quotes_formula_like_text_but_not_numbers(survey, answers, dangerous):
    rows = _csv_rows(build_csv(survey, answers))
    header = rows[0]
    by = {dict(zip(header, r, strict=False))["소속"]: dict(zip(header, r, strict=False)) for r in rows[1:]}
    hong, other, kim = by["총무과"], by["'@SUM(A1)"], by[""]

    assert other["이름"] == "'-cmd"
    assert other["하고 싶은 말"] == "'+1"
    assert other["하고 싶은 말 (2)"] == "'\tx"
    assert hong["하고 싶은 말 (2)"] == "'" + dangerous[0]
    assert kim["하고 싶은 말"] == "'@SUM(A1)"
    assert kim["비고"] == "'-cmd"

    assert hong["인원"] == "-5"
    assert hong["점수"] == "3.5"
    assert kim["인원"] == "0"
    assert hong["희망일"] == "2025-03-15"
    assert hong["제출 시각"] == "2025-03-01 09:30:00"
    assert hong["간식"] == "김밥, 과자"
    assert hong["참석 여부"] == "예" and other["참석 여부"] == "아니오"
    assert hong["하고 싶은 말"] == "좋아요 👍 화이팅"
    assert hong["비고"] == ""
    risky = [v for row in rows[1:] for v in row if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert risky == ["-5"]  # the real negative number, and nothing else


def test_csv_field_rules():
    assert csv_file.csv_field(-5) == "-5"
    assert csv_file.csv_field(-0.25) == "-0.25"
    assert csv_file.csv_field("-5") == "'-5"
    assert csv_file.csv_field("\rcr") == "'\rcr"
    assert csv_file.csv_field("plain") == "plain"
    assert csv_file.csv_field("a=b") == "a=b"


# --- file names -------------------------------------------------------------


def test_export_filename_keeps_korean_and_has_a_readable_ascii_fallback():
    # Before: "survey-export.xlsx", "20261202.xlsx" and "2 _20261202.xlsx" (the Korean dropped).
    assert export_filename("체육대회 참가 신청", "xlsx") == (
        "cheyukdaehoe-chamga-sincheong.xlsx",
        "체육대회 참가 신청.xlsx",
    )
    assert export_filename("회식 메뉴 조사_20261202", "xlsx")[0] == "hoesik-menyu-josa_20261202.xlsx"
    assert export_filename("2중대 설문_20261202", "csv")[0] == "2jungdae-seolmun_20261202.csv"
    assert export_filename("2025 워크숍 Survey", "csv") == ("2025-wokeusyop-Survey.csv", "2025 워크숍 Survey.csv")
    assert export_filename("🍗🍕", "xlsx")[0] == "survey-export.xlsx"  # nothing readable left: never empty


@pytest.mark.parametrize(
    "word, latin",
    [
        ("음악", "eumak"),
        ("행정이", "haengjeongi"),
        ("닭갈비", "dakgalbi"),
        ("독감 예방접종", "dokgam yebangjeopjong"),
        ("외출 신청", "oechul sincheong"),
        ("회의", "hoeui"),
        ("ABC 뛰기", "ABC ttwigi"),
    ],
)
def test_hangul_is_romanised_syllable_by_syllable(word, latin):
    from chalicelib.export.romaja import romanize

    assert romanize(word) == latin


@pytest.mark.parametrize("title", ['a"b\\c\r\nd', "../../etc/passwd", 'x"; filename="evil.exe'])
def test_export_filename_strips_unsafe_characters(title):
    ascii_name, utf8_name = export_filename(title, "xlsx")
    for name in (ascii_name, utf8_name):
        assert not set(name) & set('"\\/\r\n'), name
        assert name.endswith(".xlsx")
    assert ascii_name.isascii()


def test_export_filename_rejects_odd_extensions():
    with pytest.raises(ValueError):
        export_filename("t", "xlsx/../x")


def test_content_disposition_has_ascii_and_utf8_names():
    header = content_disposition("체육대회 참가 신청", "xlsx")
    m = re.fullmatch(r'attachment; filename="([^"\\]+)"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]+)', header)
    assert m, header
    assert m.group(1) == "cheyukdaehoe-chamga-sincheong.xlsx"
    assert unquote(m.group(2)) == "체육대회 참가 신청.xlsx"
    assert "%EC%B2%B4%EC%9C%A1" in m.group(2)


def test_xlsx_lists_who_has_not_answered_on_a_second_sheet(survey, answers):
    missing = [("1중대", '=HYPERLINK("x")', "3f9c1e", "응답 안 함"), ("2중대", "김철수", "069e77", "미등록")]
    wb = _load(build_xlsx([(survey.title, survey, answers)], missing=missing))
    assert wb.sheetnames[-1] == "미응답"
    ws = wb["미응답"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [["소속", "이름", "회원번호", "상태"], *map(list, missing)]
    assert ws.cell(row=2, column=2).data_type == "s"  # a name is text, never a formula
    assert _load(build_xlsx([(survey.title, survey, answers)])).sheetnames == [survey.title[:31]]
