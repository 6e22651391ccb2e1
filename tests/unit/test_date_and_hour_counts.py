"""Results people use (issue 23, item 7): a 날짜 question counts the answers per day and a 시간 question per hour,
the same in 현황, 결과 보기 and the workbook's 요약; days beyond the busiest are counted together."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
from fakes import FakeExporter
from harness import Chat, Clock

from chalicelib.domain import aggregates, tally
from chalicelib.domain.kinds.day import MAX_DAYS_SHOWN
from chalicelib.domain.model import ADMIN, KST, Answer, Question, Survey
from chalicelib.export.report import render
from chalicelib.export.summary import plan, summarize
from chalicelib.export.workbook import build_xlsx

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=KST)


def world() -> tuple[Chat, FakeExporter]:
    ex = FakeExporter()
    chat = Chat(exporter=ex, clock=Clock(NOW))
    chat.register("관리자", "본부", ADMIN)
    steps = [
        "신청 만들기",
        "송년회 날짜",
        "건너뛰기",
        "언제가 좋아요?",
        "날짜",
        "필수",
        "몇 시에 올 수 있어요?",
        "시간 저녁",
        "필수",
        "질문 끝",
        "없음",
        "전체",
        "없음",
        "개설",
    ]
    assert "개설했어요" in chat.say_all(steps, who="관리자")
    for who, day, at in [
        ("가", "12/5", "7시"),
        ("나", "12/5", "저녁 7시 반"),
        ("다", "12/6", "8시"),
        ("라", "12월 5일", "19:10"),
        ("마", "담주 토욜", "6시"),
    ]:
        chat.register(who, "2중대")
        chat.as_(who).say("신청 송년회 날짜")
        chat.say(day)
        chat.say(at)
        assert "제출했어요" in chat.say("제출"), who
    return chat, ex


def test_status_says_how_many_chose_each_day_and_hour() -> None:
    chat, _ = world()
    status = chat.say("현황 송년회 날짜", who="관리자")  # before: "1. 언제가 좋아요?: 응답 5" and nothing else
    assert "1. 언제가 좋아요?: 응답 5" in status
    assert "날짜별: 12/5(토) 3, 12/6(일) 1, 12/12(토) 1" in status
    assert "2. 몇 시에 올 수 있어요?: 응답 5 (가장 이른 18:00 · 가장 늦은 20:00)" in status
    assert "시간대별: 18시 1, 19시 3, 20시 1" in status


def test_the_results_page_draws_a_bar_per_day_and_per_hour() -> None:
    chat, ex = world()
    chat.say("결과 보기 송년회 날짜", who="관리자")
    (results,) = ex.reports
    days, hours = results.questions
    assert [(c.option, c.count) for c in days.figures.counts] == [("12/5(토)", 3), ("12/6(일)", 1), ("12/12(토)", 1)]
    assert [(c.option, c.count) for c in hours.figures.counts] == [("18시", 1), ("19시", 3), ("20시", 1)]
    page = render(results)
    assert "12/5(토)" in page and "3명 · 60%" in page and "19시" in page
    assert "가장 이른 18:00 · 가장 늦은 20:00" in page


def test_the_summary_sheet_has_a_table_and_chart_per_day() -> None:
    chat, _ = world()
    s = chat.store.list_surveys()[0]
    answers = chat.store.list_answers(s.id)
    summary = summarize(s, answers, 6)
    p = plan(s, summary)
    cells = [[getattr(v, "value", v) for v in row] for row in p.rows]
    head = cells.index(["날짜", "응답"])
    assert cells[head + 1 : head + 4] == [["12/5(토)", 3], ["12/6(일)", 1], ["12/12(토)", 1]]
    assert ["시간대", "응답"] in cells
    assert [c.title for c in p.charts][:2] == ["1. 언제가 좋아요?", "2. 몇 시에 올 수 있어요?"]  # a chart beside each
    book = openpyxl.load_workbook(io.BytesIO(build_xlsx([(s.title, s, answers)], summary=(s, summary))))
    values = [v for row in book["요약"].iter_rows(values_only=True) for v in row if v is not None]
    assert "12/5(토)" in values and "19시" in values


def test_many_days_name_the_busiest_and_count_the_rest_together() -> None:
    q = Question("q1", "언제?", "date")
    s = Survey("s1", "날짜 조사", "o", [q], created_at="2026-12-01T09:00:00+09:00")
    days = [f"2026-12-{d:02d}" for d in range(1, 21)]  # 20 days: the 1st chosen 5 times, the others once
    answers = [Answer("s1", f"u{n}", {"q1": day}) for n, day in enumerate(days + ["2026-12-01"] * 4)]
    (t,) = tally.questions(s, answers)
    assert len(t.figures.counts) == MAX_DAYS_SHOWN and t.figures.counts[0].count == 5
    assert t.figures.others == 8  # the 8 days beyond the 12 named, once each
    assert sum(c.count for c in t.figures.counts) + t.figures.others == len(answers)
    assert "(그 밖 8)" in tally.by_question(s, aggregates.recount(s, answers))[1]
    cells = [[getattr(v, "value", v) for v in row] for row in plan(s, summarize(s, answers)).rows]
    assert ["그 밖", 8] in cells
