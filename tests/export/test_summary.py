"""The 요약 sheet: first in a survey's workbook, the figures 현황 says, bar charts beside their tables."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import boto3
import openpyxl
import pytest
from summary_survey import ANSWERS, SECRET_NOTE, TITLE, answered_chat

from chalicelib.domain import tally
from chalicelib.domain.kinds import CHOICE, NUMBER, TEXT
from chalicelib.domain.model import Answer, Question, Survey
from chalicelib.domain.numerals import fmt_number
from chalicelib.domain.ports import Reach
from chalicelib.export.summary import NO_ANSWERS, SUMMARY_SHEET, plan, summarize
from chalicelib.export.workbook import build_xlsx

NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
}


def summary_rows(wb: Any) -> list[tuple[Any, ...]]:
    return list(wb[SUMMARY_SHEET].iter_rows(values_only=True))


def table(rows: list[tuple[Any, ...]], heading: str) -> list[tuple[Any, ...]]:
    """The rows of the table under ``heading`` (its header first), up to the next empty row."""
    start = next(i for i, r in enumerate(rows) if r[0] == heading)
    out = []
    for r in rows[start + 1 :]:
        if not any(v is not None for v in r):
            break
        out.append(tuple(v for v in r))
    return out


def trimmed(row: tuple[Any, ...]) -> list[Any]:
    values = list(row)
    while values and values[-1] is None:
        values.pop()
    return values


# --- the figures are those of 현황 ----------------------------------------------------------------


def test_summary_is_first_and_says_what_status_says(exporter, s3):
    c = answered_chat(exporter)
    status = c.say(f"현황 {TITLE}", who="관리자").text
    card = c.say(f"다운로드 {TITLE}", who="관리자")
    assert card.buttons, card
    s3c = boto3.client("s3", region_name="ap-northeast-2")
    key = next(o["Key"] for o in s3c.list_objects_v2(Bucket=s3)["Contents"] if o["Key"].endswith(".xlsx"))
    data = s3c.get_object(Bucket=s3, Key=key)["Body"].read()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [SUMMARY_SHEET, TITLE, "미응답"]  # answers and 미응답 keep their sheets
    rows = summary_rows(wb)
    overview = {r[0]: r[1] for r in rows[:10] if r[0]}

    # 응답 4명 / 대상 6명 (전체, 67%)
    m = re.search(r"응답 (\d+)명 / 대상 (\d+)명 \(전체, (\d+)%\)", status)
    assert m, status
    assert overview["응답"] == int(m[1]) == 4
    assert overview["대상 인원"] == int(m[2]) == 6
    assert round(overview["응답률"] * 100) == int(m[3]) == 67

    # Choice questions: '1. 메뉴를 골라 주세요: 치킨 2(남은 0), 피자 1, 족발 1', said again from the sheet's tables.
    lines = status.splitlines()
    for number, text, kind in [(1, "메뉴를 골라 주세요", "선택"), (4, "곁들임", "복수선택")]:
        t = table(rows, f"{number}. {text} ({kind})")
        header, body = t[0], t[1:]
        left = header.index("남은 정원") if "남은 정원" in header else None
        said = ", ".join(
            f"{r[0]} {r[1]}" + (f"(남은 {r[left]})" if left is not None and r[left] is not None else "") for r in body
        )
        assert f"{number}. {text}: {said}" in lines, (said, status)
    menu = table(rows, "1. 메뉴를 골라 주세요 (선택)")
    assert [trimmed(r) for r in menu] == [
        ["보기", "응답", "남은 정원", "수량 합계 (인분)"],
        ["치킨", 2, 0, 8],
        ["피자", 1, None, 2],
        ["족발", 1, None, 4],
    ]
    assert "   보기별: " + ", ".join(f"{r[0]} {fmt_number(r[3])}인분" for r in menu[1:]) in lines

    # Numbers: '2. 수량: 합계 14인분 (응답 4)', and the average the chat leaves out.
    numbers = table(rows, "숫자 문항")
    assert numbers[0] == ("문항", "응답", "합계", "평균", "단위")
    name, count, total, mean, unit = numbers[1][:5]
    assert f"{name}: 합계 {fmt_number(total)}{unit} (응답 {count})" in lines
    assert (name, count, total, mean, unit) == ("2. 수량", 4, 14, 3.5, "인분")

    # Units: '• 1중대 2명, 수량 5', and '(소속 없음)' for the one without a unit.
    # With each unit's 대상 (its answers and its people not answered) and rate, as 결과 보기 has them.
    units = table(rows, "소속별 응답")
    assert units[0][:5] == ("소속", "응답", "대상", "응답률", "수량 합계 (인분)")
    said_units = [f"• {r[0]} {r[1]}명, 수량 {fmt_number(r[4])}" for r in units[1:] if r[1]]
    assert said_units == lines[lines.index("소속별:") + 1 :]
    assert [trimmed(r)[:4] for r in units[1:]] == [
        ["(소속 없음)", 1, 1, 1],
        ["1중대", 2, 2, 1],
        ["2중대", 1, 2, 0.5],
        ["본부", 0, 1, 0],
    ]
    assert sum(r[2] for r in units[1:]) == overview["대상 인원"]

    # Every question's count of answers; the free-text answers themselves stay out.
    per_question = table(rows, "문항별 응답")
    assert [trimmed(r) for r in per_question[1:]] == [
        ["1. 메뉴를 골라 주세요", "선택", 4],
        ["2. 수량", "숫자", 4],
        ["3. 메모", "주관식", 2],
        ["4. 곁들임", "복수선택", 3],
    ]
    assert "3. 메모: 응답 2" in lines
    values = {v for r in rows for v in r if isinstance(v, str)}
    assert SECRET_NOTE not in values and "맛있게 부탁해요" not in values
    assert not any(SECRET_NOTE in v for v in values)


def test_summary_reuses_the_status_counting(monkeypatch):
    """요약 is laid out from tally.questions and tally.units, the figures 현황 and the results page are said from:
    no second way of adding up."""
    c = answered_chat()
    s = c.store.list_surveys()[0]
    answers = c.store.list_answers(s.id)
    summary = summarize(s, answers, 6)
    assert summary.rate == 67 == tally.rate(4, 6) and summary.answered == 4
    assert summary.questions == tuple(tally.questions(s, answers))
    assert summary.units == tuple(tally.units(s, answers))
    seen: list[str] = []

    def spy(name: str) -> Any:
        real = getattr(tally, name)

        def counted(*args: Any, **kw: Any) -> Any:
            seen.append(name)
            return real(*args, **kw)

        return counted

    from chalicelib.export import s3 as s3_module

    for name in ("questions", "units"):
        monkeypatch.setattr(tally, name, spy(name))
    captured: dict[str, Any] = {}
    monkeypatch.setattr(
        s3_module.S3Exporter, "put_and_link", lambda self, body, *a, **k: captured.setdefault(a[1], body)
    )
    s3_module.S3Exporter("b", "ap-northeast-2").export_survey(s, answers, Reach(target=6))
    assert sorted(seen) == ["questions", "units"]  # counted once each, by 현황's functions
    assert openpyxl.load_workbook(io.BytesIO(captured["xlsx"])).sheetnames[0] == SUMMARY_SHEET


@pytest.mark.parametrize("mode", ["익명", "참여만 확인"])
def test_a_survey_kept_without_names_has_no_units_in_its_summary(exporter, s3, mode):
    """Its answers carry no unit: no table or chart of units (as on the results page and in 현황), the rest
    as for any survey, and no name anywhere on the sheet."""
    c = answered_chat(exporter, mode=mode)
    s = c.store.list_surveys()[0]
    assert s.anonymous
    status = c.say(f"현황 {TITLE}", who="관리자").text
    assert "소속별:" not in status
    answers = c.store.list_answers(s.id)
    summary = summarize(s, answers, 6)
    assert summary.units == () and summary.answered == 4
    assert summary.questions == tuple(tally.questions(s, answers))

    assert c.say(f"다운로드 {TITLE}", who="관리자").buttons
    s3c = boto3.client("s3", region_name="ap-northeast-2")
    key = next(o["Key"] for o in s3c.list_objects_v2(Bucket=s3)["Contents"] if o["Key"].endswith(".xlsx"))
    data = s3c.get_object(Bucket=s3, Key=key)["Body"].read()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:2] == [SUMMARY_SHEET, TITLE]
    rows = summary_rows(wb)
    overview = {r[0]: r[1] for r in rows[:12] if r[0]}
    assert overview["응답"] == 4 and overview["대상 인원"] == 6 and round(overview["응답률"] * 100) == 67
    assert overview["응답 방식"].startswith(mode)
    headings = [r[0] for r in rows if r and isinstance(r[0], str)]
    assert "소속별 응답" not in headings and "1중대" not in headings and "(소속 없음)" not in headings
    assert [c["title"] for c in chart_parts(data)[0]] == ["1. 메뉴를 골라 주세요", "4. 곁들임"]
    menu = table(rows, "1. 메뉴를 골라 주세요 (선택)")
    assert [trimmed(r)[:2] for r in menu[1:]] == [["치킨", 2], ["피자", 1], ["족발", 1]]
    texts = " ".join(str(v) for r in rows for v in r if v is not None)
    assert not any(who in texts for who, *_ in ANSWERS) and SECRET_NOTE not in texts


# --- charts ------------------------------------------------------------------------------------


def chart_parts(data: bytes) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    """Each chart's title, series references and kind; and each chart's anchor (column, row), 0-based."""
    charts = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        for n in sorted(names, key=lambda n: int(re.search(r"\d+", n.rsplit("/", 1)[1])[0])):
            root = ET.fromstring(z.read(n))
            bar = root.find(".//c:barChart", NS)
            charts.append(
                {
                    "title": "".join(t.text or "" for t in root.findall("./c:chart/c:title//a:t", NS)),
                    "direction": bar.find("c:barDir", NS).get("val") if bar is not None else None,
                    "values": [f.text for f in root.findall(".//c:ser/c:val//c:f", NS)],
                    "categories": [f.text for f in root.findall(".//c:ser/c:cat//c:f", NS)],
                    "name": [f.text for f in root.findall(".//c:ser/c:tx//c:f", NS)],
                }
            )
        drawings = [n for n in z.namelist() if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n)]
        anchors = []
        for n in drawings:
            root = ET.fromstring(z.read(n))
            for frm in root.findall(".//xdr:from", NS):
                anchors.append((int(frm.find("xdr:col", NS).text), int(frm.find("xdr:row", NS).text)))
    return charts, anchors


def test_a_bar_chart_beside_each_option_table_and_the_units():
    c = answered_chat()
    s = c.store.list_surveys()[0]
    answers = c.store.list_answers(s.id)
    data = build_xlsx([(s.title, s, answers)], summary=(s, summarize(s, answers, 6)))
    rows = summary_rows(openpyxl.load_workbook(io.BytesIO(data)))
    charts, anchors = chart_parts(data)

    def rows_of(heading: str) -> tuple[int, int]:
        """The 1-based header row and last row of the table under ``heading``."""
        head = next(i for i, r in enumerate(rows) if r[0] == heading) + 2
        return head, head + len(table(rows, heading)) - 1

    expected = []
    for heading, title in [
        ("1. 메뉴를 골라 주세요 (선택)", "1. 메뉴를 골라 주세요"),
        ("4. 곁들임 (복수선택)", "4. 곁들임"),
        ("소속별 응답", "소속별 응답"),
    ]:
        head, last = rows_of(heading)
        expected.append(
            {
                "title": title,
                "direction": "bar",
                "values": [f"'{SUMMARY_SHEET}'!$B${head + 1}:$B${last}"],
                "categories": [f"'{SUMMARY_SHEET}'!$A${head + 1}:$A${last}"],
                "name": [f"'{SUMMARY_SHEET}'!B{head}"],  # the header: the series' name
            }
        )
    assert charts == expected
    assert len(anchors) == 3

    # Beside its table, never over a filled cell, and clear of the next chart.
    spec = plan(s, summarize(s, answers, 6))
    for chart, (col, row) in zip(spec.charts, anchors, strict=True):
        assert (col + 1, row + 1) == (chart.column, chart.row)
        covered = rows[chart.row - 1 : chart.row - 1 + chart.rows]
        assert all(v is None for r in covered for v in r[chart.column - 2 :]), chart
    for upper, lower in zip(spec.charts, spec.charts[1:], strict=False):
        assert upper.row + upper.rows <= lower.row


def test_printed_pages_never_cut_a_table_or_its_chart():
    options = [f"보기{i}" for i in range(1, 9)]
    s = Survey(
        id="s",
        title="긴 조사",
        owner="o",
        questions=[Question(f"c{n}", f"질문 {n}", CHOICE, options=options) for n in range(1, 7)],
    )
    answers = [
        Answer("s", f"u{i}", {f"c{n}": options[(i + n) % 8] for n in range(1, 7)}, name="n", unit=f"{i % 5}반")
        for i in range(30)
    ]
    spec = plan(s, summarize(s, answers))
    breaks = spec.page_breaks(spec.widths())
    assert len(breaks) >= 2  # seven charts of eight bars do not fit on one page
    for first, last in spec.blocks:
        assert not any(first <= b < last for b in breaks), (first, last, breaks)
    data = build_xlsx([(s.title, s, answers)], summary=(s, summarize(s, answers)))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert [int(b) for b in re.findall(r'<brk id="(\d+)"', sheet)] == breaks
    assert len(chart_parts(data)[0]) == 7


def test_a_survey_without_choices_or_answers_still_exports():
    s = Survey(
        id="s",
        title="건의 사항",
        owner="o",
        questions=[Question("t", "하고 싶은 말", TEXT), Question("n", "인원", NUMBER, unit="명")],
    )
    data = build_xlsx([(s.title, s, [])], summary=(s, summarize(s, [], None)))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [SUMMARY_SHEET, s.title]
    rows = summary_rows(wb)
    overview = {r[0]: r[1] for r in rows if r[0]}
    assert overview["응답"] == 0 and "대상 인원" not in overview and "응답률" not in overview
    assert NO_ANSWERS in overview
    assert [trimmed(r) for r in table(rows, "숫자 문항")[1:]] == [["2. 인원", 0, 0, None, "명"]]
    assert chart_parts(data) == ([], [])
    assert "소속별 응답" not in overview

    # A choice question nobody answered yet: its chart has bars of 0; no unit chart without answers.
    s.questions.append(Question("c", "종목", CHOICE, options=["축구", "농구"]))
    data = build_xlsx([(s.title, s, [])], summary=(s, summarize(s, [], 10)))
    charts, _ = chart_parts(data)
    assert [c["title"] for c in charts] == ["3. 종목"]
    overview = {r[0]: r[1] for r in summary_rows(openpyxl.load_workbook(io.BytesIO(data))) if r[0]}
    assert overview["응답률"] == 0 and overview["대상 인원"] == 10


def test_text_from_people_is_never_a_formula_in_the_summary():
    s = Survey(id="s", title="=1+1", owner="o", questions=[Question("c", "@고르기", CHOICE, options=["=A1", "+B"])])
    answers = [
        Answer("s", f"u{i}", {"c": o}, name="n", unit=u) for i, (o, u) in enumerate([("=A1", "-2중대"), ("+B", "=1")])
    ]
    data = build_xlsx([("t", s, answers)], summary=(s, summarize(s, answers)))
    ws = openpyxl.load_workbook(io.BytesIO(data))[SUMMARY_SHEET]
    texts = {c.value: c for r in ws.iter_rows() for c in r if isinstance(c.value, str)}
    for text in ("=A1", "+B", "-2중대", "=1"):
        assert texts[text].quotePrefix, text
    assert "1. @고르기" in texts and "[=1+1] 요약" in texts
    assert all(c.data_type == "s" for c in texts.values())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet


@pytest.mark.parametrize("rate, target, shown", [(1, 8, 12), (3, 8, 38), (2, 3, 67)])
def test_rate_is_the_whole_percent_status_says(rate, target, shown):
    s = Survey(id="s", title="t", owner="o", questions=[Question("t", "말", TEXT)])
    answers = [Answer("s", f"u{i}", {"t": "x"}, name="n") for i in range(rate)]
    summary = summarize(s, answers, target)
    assert summary.rate == shown  # round half to even, as 현황
    ws = openpyxl.load_workbook(io.BytesIO(build_xlsx([("t", s, answers)], summary=(s, summary))))[SUMMARY_SHEET]
    cell = next(r[1] for r in ws.iter_rows() if r[0].value == "응답률")
    assert cell.number_format == "0%" and round(cell.value * 100) == shown  # type: ignore[operator, arg-type]  # a number here


def test_master_workbook_has_no_summary(survey, answers):
    """마스터키 (a sheet per survey) and other calls without a summary keep their sheets as they were."""
    wb = openpyxl.load_workbook(io.BytesIO(build_xlsx([(survey.title, survey, answers), ("b", survey, answers)])))
    assert wb.sheetnames == [survey.title, "b"]
