"""The answers sheet as it prints (issue 23, item 7): landscape A4, every column on the page's width, the header
row repeated on every page. LibreOffice prints it to PDF and poppler counts the pages: a survey of ten questions
answered ten times printed on four portrait pages, cut between its columns; now one."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from chalicelib.domain.model import Answer, Question, Survey
from chalicelib.export.workbook import build_xlsx

pytestmark = pytest.mark.timeout(240)  # a hung office process fails this test, not the run

QUESTIONS = [
    Question("q1", "메뉴를 골라 주세요", "choice", options=["치킨", "피자", "족발"]),
    Question("q2", "수량", "number", unit="인분"),
    Question("q3", "연락처", "text", format="phone"),
    Question("q4", "도착 시간", "time"),
    Question("q5", "참석 가능한 날", "date"),
    Question("q6", "곁들임", "multi", options=["콜라", "사이다", "맥주"]),
    Question("q7", "차량 번호", "text"),
    Question("q8", "하고 싶은 말", "text", required=False),
    Question("q9", "알레르기 여부", "yesno"),
    Question("q10", "기타 요청 사항", "text", required=False),
]
VALUES = {
    "q1": "치킨",
    "q2": 3,
    "q3": "010-1234-5678",
    "q4": "19:00",
    "q5": "2026-12-05",
    "q6": ["콜라", "맥주"],
    "q7": "12가3456",
    "q8": "맛있게 부탁드립니다 감사합니다",
    "q9": False,
    "q10": "없음",
}


SURVEY = Survey("s1", "2중대 BBQ 회식", "owner", QUESTIONS, created_at="2026-11-23T09:00:00+09:00")


def workbook(n: int, missing: int = 0) -> bytes:
    answers = [
        Answer(
            "s1",
            f"user{i:03d}",
            dict(VALUES),
            name=f"홍길동{i}",
            unit="2중대",
            submitted_at="2026-11-23T10:00:00+09:00",
        )
        for i in range(n)
    ]
    silent = [("2중대", f"김철수{i}", f"#{i:04d}", "응답 안 함") for i in range(missing)]
    return build_xlsx([(SURVEY.title, SURVEY, answers)], missing=silent)


def test_the_answers_and_missing_sheets_are_set_up_to_print() -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook(3, missing=3)))
    answers, missing = book["2중대 BBQ 회식"], book["미응답"]
    for ws, orientation in ((answers, "landscape"), (missing, "portrait")):
        assert ws.page_setup.orientation == orientation
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)  # one page wide, as long as needed
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"  # the header row on every page
        assert ws.print_options.gridLines


def pages(xlsx: bytes, tmp: Path) -> int:
    soffice, pdfinfo = shutil.which("soffice") or shutil.which("libreoffice"), shutil.which("pdfinfo")
    if not soffice or not pdfinfo:
        pytest.skip("printing the answers sheet needs soffice and pdfinfo (LibreOffice Calc and poppler-utils)")
    tmp.mkdir(parents=True, exist_ok=True)
    book = tmp / "book.xlsx"
    book.write_bytes(xlsx)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    info = subprocess.run([pdfinfo, str(tmp / "book.pdf")], check=True, capture_output=True, text=True, timeout=60)
    return int(next(line.split()[1] for line in info.stdout.splitlines() if line.startswith("Pages:")))


def test_ten_answers_print_on_one_page_and_more_run_down_not_across(tmp_path: Path) -> None:
    assert pages(workbook(10), tmp_path / "ten") == 1
    assert 2 <= pages(workbook(150), tmp_path / "many") <= 4  # down the rows, never across the columns
