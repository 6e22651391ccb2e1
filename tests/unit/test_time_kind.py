"""시간, the time-of-day question: typed as people say it, asked, reviewed, totalled in 현황 and exported as a time."""

from __future__ import annotations

import csv
import io
from datetime import time

import openpyxl
import pytest
from harness import Chat, key_of

from chalicelib.domain.hours import parse_time_of_day
from chalicelib.domain.kinds import TIME
from chalicelib.domain.model import ADMIN
from chalicelib.export.answer_rows import survey_rows
from chalicelib.export.csv_file import build_csv
from chalicelib.export.workbook import build_xlsx


@pytest.mark.parametrize(
    "text, expected",
    [
        ("18:30", time(18, 30)),
        ("7:05", time(7, 5)),
        ("09:00", time(9, 0)),
        ("0:00", time(0, 0)),
        ("18：30", time(18, 30)),
        ("18시", time(18, 0)),
        ("18시 30분", time(18, 30)),
        ("18시30", time(18, 30)),
        ("7시 5분", time(7, 5)),
        ("6시", time(6, 0)),
        ("6시 반", time(6, 30)),
        ("오후 6시", time(18, 0)),
        ("오후 6시 반", time(18, 30)),
        ("오후6시반", time(18, 30)),
        ("오후 6:30", time(18, 30)),
        ("오전 9시 15분", time(9, 15)),
        ("오전 12시", time(0, 0)),
        ("오후 12시", time(12, 0)),
        ("오후 18시", time(18, 0)),
        ("아침 7시", time(7, 0)),
        ("저녁 7시", time(19, 0)),
        ("저녁 5시", time(17, 0)),
        ("저녁 12시", time(0, 0)),
        ("6시\u3000반", time(6, 30)),
        ("18 : 30", time(18, 30)),
        ("새벽 2시", time(2, 0)),
        ("낮 2시", time(14, 0)),
        ("낮 12시", time(12, 0)),
        ("밤 9시", time(21, 0)),
        ("밤 12시", time(0, 0)),
        ("밤 1시", time(1, 0)),
        ("6pm", time(18, 0)),
        ("6:30 PM", time(18, 30)),
        ("PM 6:30", time(18, 30)),
        ("7am", time(7, 0)),
        ("여섯 시 반", time(6, 30)),
        ("저녁 여섯시", time(18, 0)),
        ("열두 시", time(12, 0)),
        ("정오", time(12, 0)),
        ("자정", time(0, 0)),
    ],
)
def test_times_as_people_type_them(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "몰라",
        "6",
        "25:00",
        "24:00",
        "12:60",
        "18:3",
        "오전 18시",
        "오전 13시 반 쯤",
        "6시 61분",
        "열세 시",
        "내일",
        "18.30",
        "저녁 1시",
        "٣시",
    ],
)
def test_what_is_not_a_time_is_refused(text: str) -> None:
    assert parse_time_of_day(text) is None


def _time_survey(c: Chat) -> None:
    c.register("관리자", "본부", ADMIN)
    c.as_("관리자").say("신청 만들기")
    for t in ("아침 점호", "건너뛰기"):
        c.say(t)
    kinds = c.say("기상 시각")
    assert "시간" in kinds.quick  # offered among the kinds, within Kakao's ten quick replies
    assert "꼭 답해야 하는" in c.say("시간")  # no settings of its own: straight to required or not
    c.say("필수")
    for t in ("복귀 시각", "시각", "생략 가능", "질문 끝", "없음", "전체"):
        c.say(t)
    preview = c.say("없음")
    assert "1. 기상 시각 (시간)" in preview and "2. 복귀 시각 (시간, 생략 가능)" in preview
    assert "개설했어요" in c.say("개설")


@pytest.mark.every_store
def test_the_wizard_offers_it_and_members_answer_it(chat: Chat) -> None:
    _time_survey(chat)
    s = chat.store.list_surveys()[0]
    assert [q.kind for q in s.questions] == [TIME, TIME]

    chat.register("홍길동", "2중대")
    r = chat.as_("홍길동").say("신청 아침 점호")
    assert "기상 시각" in r and "예: 18:30, 오후 6시 반" in r
    r = chat.say("언젠가")
    assert "시간으로 입력해 주세요" in r and "1/2" in r  # the reason, and the same question again
    assert "2/2" in chat.say("새벽 5시 반")
    review = chat.say("밤 9시")
    assert "1. 기상 시각: 05:30" in review and "2. 복귀 시각: 21:00" in review
    assert "제출했어요" in chat.say("제출")
    assert chat.store.get_answer(s.id, key_of("홍길동")).values == {"q1": "05:30", "q2": "21:00"}

    chat.register("김철수", "3중대")
    chat.as_("김철수").say("신청 아침 점호")
    asked = chat.say("6:10")  # morning or evening? asked, both a tap away
    assert "오전 6시 10분인가요, 오후 6시 10분인가요?" in asked and asked.quick[:2] == [
        "오전 6시 10분",
        "오후 6시 10분",
    ]
    assert "2/2" in chat.tap(asked, "오전 6시 10분")
    assert "(건너뜀)" in chat.say("건너뛰기")
    assert "제출했어요" in chat.say("제출")

    assert "1. 기상 시각: 05:30" in chat.say("신청 수정 아침 점호", who="홍길동")  # the stored time, on the card
    assert "지금 답: 05:30" in chat.say("수정 1", who="홍길동")
    assert "1. 기상 시각: 05:40" in chat.say("오전 5시 40분", who="홍길동")
    assert "수정했어요" in chat.say("제출", who="홍길동")
    status = chat.say("현황 아침 점호", who="관리자")
    assert "1. 기상 시각: 응답 2 (가장 이른 05:40 · 가장 늦은 06:10)" in status
    assert "2. 복귀 시각: 응답 1 (가장 이른 21:00 · 가장 늦은 21:00)" in status
    assert "시간대별: 5시 1, 6시 1" in status and "시간대별: 21시 1" in status  # how many at each hour


@pytest.mark.every_store
def test_answers_export_as_times(chat: Chat) -> None:
    _time_survey(chat)
    chat.register("홍길동", "2중대")
    chat.as_("홍길동").say("신청 아침 점호")
    chat.say("오전 6시 5분")
    chat.say("저녁 7시")
    chat.say("제출")
    s = chat.store.list_surveys()[0]
    answers = chat.store.list_answers(s.id)

    header, rows = survey_rows(s, answers)
    assert header[4:6] == ["기상 시각", "복귀 시각"] and rows[0][4:6] == [time(6, 5), time(19, 0)]

    ws = openpyxl.load_workbook(io.BytesIO(build_xlsx([(s.title, s, answers)]))).active
    cell = ws.cell(row=2, column=5)
    assert cell.value == time(6, 5) and cell.number_format == "hh:mm"

    table = list(csv.reader(io.StringIO(build_csv(s, answers).decode("utf-8-sig"))))
    assert table[1][4:6] == ["06:05", "19:00"]
