"""Deadlines as people type them: a table of phrases read at one fixed moment (Wednesday 2026-12-02 10:00 KST)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chalicelib.domain.model import KST
from chalicelib.domain.parsing import parse_date, parse_deadline
from chalicelib.domain.when import fmt_when

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=KST)  # a Wednesday; this week is 11/30 (월) – 12/6 (일)

READ = [
    # absolute dates, with and without a time (no time: the end of that day)
    ("12/5", "2026-12-05 23:59"),
    ("12/5 18:00", "2026-12-05 18:00"),
    ("12/5 18시", "2026-12-05 18:00"),
    ("12/5 오후 6시", "2026-12-05 18:00"),
    ("12/5 오후6시", "2026-12-05 18:00"),
    ("12/5오후6시", "2026-12-05 18:00"),
    ("12/5 6pm", "2026-12-05 18:00"),
    ("12/5까지", "2026-12-05 23:59"),
    ("12월 5일", "2026-12-05 23:59"),
    ("12월 5일 오후 6시", "2026-12-05 18:00"),
    ("12월5일 18시 30분", "2026-12-05 18:30"),
    ("12월 5일 오후 6시 반", "2026-12-05 18:30"),
    ("12월 5일 밤 9시", "2026-12-05 21:00"),
    ("2026-12-05", "2026-12-05 23:59"),
    ("2026-12-05 18:00", "2026-12-05 18:00"),
    ("2026.12.5 18:00", "2026-12-05 18:00"),
    ("2026년 12월 5일 18시", "2026-12-05 18:00"),
    ("12.5", "2026-12-05 23:59"),
    ("12.5 18:00", "2026-12-05 18:00"),
    ("12-5 9시", "2026-12-05 09:00"),
    ("12/31 23:00", "2026-12-31 23:00"),
    ("5일", "2026-12-05 23:59"),
    ("5일 18시", "2026-12-05 18:00"),
    # a date without a year is the next such date: across the new year
    ("1일", "2027-01-01 23:59"),
    ("1/5", "2027-01-05 23:59"),
    ("1월 5일 오후 3시", "2027-01-05 15:00"),
    ("2027-01-05 15:00", "2027-01-05 15:00"),
    ("12/1", "2027-12-01 23:59"),
    # weekdays
    ("금요일", "2026-12-04 23:59"),
    ("금요일 18시", "2026-12-04 18:00"),
    ("금요일 18시까지", "2026-12-04 18:00"),
    ("금 18시", "2026-12-04 18:00"),
    ("금요일 오후 6시", "2026-12-04 18:00"),
    ("수요일", "2026-12-02 23:59"),
    ("수요일 18시", "2026-12-02 18:00"),
    ("수요일 9시", "2026-12-09 09:00"),  # this morning has passed: next Wednesday
    ("월요일", "2026-12-07 23:59"),
    ("이번주 토요일", "2026-12-05 23:59"),
    ("이번 주 토요일 13시", "2026-12-05 13:00"),
    ("다음주 금요일", "2026-12-11 23:59"),
    ("다음 주 금", "2026-12-11 23:59"),
    ("다음주 월요일 9시", "2026-12-07 09:00"),
    ("담주 화요일", "2026-12-08 23:59"),
    ("다다음주 수요일", "2026-12-16 23:59"),
    # relative days
    ("오늘", "2026-12-02 23:59"),
    ("오늘 18시", "2026-12-02 18:00"),
    ("내일", "2026-12-03 23:59"),
    ("내일 오후 6시", "2026-12-03 18:00"),
    ("내일 18시", "2026-12-03 18:00"),
    ("내일 저녁 7시", "2026-12-03 19:00"),
    ("내일 아침 8시 30분", "2026-12-03 08:30"),
    ("내일 정오", "2026-12-03 12:00"),
    ("내일 자정", "2026-12-03 23:59"),
    ("모레", "2026-12-04 23:59"),
    ("모레 오전 10시", "2026-12-04 10:00"),
    ("글피", "2026-12-05 23:59"),
    ("3일 후", "2026-12-05 23:59"),
    ("3일 뒤 18시", "2026-12-05 18:00"),
    ("일주일 후", "2026-12-09 23:59"),
    ("2주 후", "2026-12-16 23:59"),
    # a time alone: today's, or tomorrow's once it has passed
    ("18시", "2026-12-02 18:00"),
    ("오후 6시", "2026-12-02 18:00"),
    ("9시", "2026-12-03 09:00"),
    ("정오", "2026-12-02 12:00"),
    ("자정", "2026-12-02 23:59"),
]

REFUSED = [
    ("2/30", "없는 날짜"),
    ("13/1", "없는 날짜"),
    ("2027-02-29", "없는 날짜"),
    ("32일", "없는 날짜"),
    ("2/29", "1년 이내"),  # the next 2/29 is in 2028
    ("12/5 25:00", "00:00~23:59"),
    ("언젠가", "날짜를 알아볼 수 없어요"),
    ("오늘 9시", "이미 지난 시각"),
    ("이번주 월요일", "이미 지난 시각"),
    ("2026-11-01 18:00", "이미 지난 시각"),
    ("2028-01-01", "1년 이내"),
]


@pytest.mark.parametrize(("text", "expected"), READ)
def test_deadlines_are_read_as_people_mean_them(text: str, expected: str) -> None:
    when, why = parse_deadline(text, NOW)
    assert why is None, (text, why)
    assert when.strftime("%Y-%m-%d %H:%M") == expected, text


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_what_is_no_deadline_says_why(text: str, reason: str) -> None:
    when, why = parse_deadline(text, NOW)
    assert when is None and why is not None and reason in why, (text, why)


def test_the_table_is_big_enough() -> None:
    assert len(READ) + len(REFUSED) >= 60


def test_every_reading_is_said_back_in_one_format() -> None:
    assert fmt_when(datetime(2026, 12, 4, 18, 0, tzinfo=KST), NOW) == "12/4(금) 18:00"
    assert fmt_when(datetime(2027, 1, 5, 15, 0, tzinfo=KST), NOW) == "2027/1/5(화) 15:00"


def test_a_day_answer_may_be_in_the_past() -> None:
    today = NOW.date()
    assert parse_date("11/20", today) == date(2026, 11, 20)  # a 날짜 question, not a deadline
    assert parse_date("1/5", today) == date(2027, 1, 5)
    assert parse_date("다음주 화요일", today) == date(2026, 12, 8)
    assert parse_date("2/30", today) is None


def test_the_wizard_says_back_how_it_read_the_deadline() -> None:
    from harness import Chat, Clock

    from chalicelib.domain.model import ADMIN

    chat = Chat(clock=Clock(NOW))
    chat.register("관리자", "본부", ADMIN)
    for text in ("신청 만들기", "회식 장소 조사", "건너뛰기", "장소", "주관식", "필수", "질문 끝"):
        said = chat.say(text, who="관리자")
    assert "11/30" not in said.text  # the example is never a date that has passed
    said = chat.say("다음주 금요일 오후 6시", who="관리자")
    assert said.text.startswith("마감: 12/11(금) 18:00")
    chat.say("이전", who="관리자")
    said = chat.say("모레", who="관리자")
    assert said.text.startswith("마감: 12/4(금) 23:59 (시각이 없어 그날 끝까지)")
