"""Everyday input (issue 23, item 1): numbers with Korean numerals and counters, phone numbers and codes with the
spaces people put in them, approximate times, relative and colloquial deadlines, and a bare hour that could be
morning or evening asked back. Tables read at one fixed moment (Wednesday 2026-12-02 10:00 KST)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from harness import Chat, Clock

from chalicelib.domain.hours import read_clock
from chalicelib.domain.kinds.choice import named_options
from chalicelib.domain.kinds.text import fit_template, phone_number
from chalicelib.domain.model import ADMIN, KST
from chalicelib.domain.numerals import parse_number
from chalicelib.domain.parsing import moment_or_ask, parse_date, parse_deadline
from chalicelib.domain.reply import Reason

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=KST)  # a Wednesday

NUMBERS = [
    ("두 명", 2),
    ("세 개", 3),
    ("한 박스", 1),
    ("세 개요", 3),
    ("네 병", 4),
    ("다섯 잔", 5),
    ("열 명", 10),
    ("열두 개", 12),
    ("열다섯", 15),
    ("스무 명", 20),
    ("스물두 명", 22),
    ("서른 명", 30),
    ("삼십", 30),
    ("백 명", 100),
    ("하나요", 1),
    ("둘이요", 2),
    ("셋", 3),
    ("3개 정도", 3),
    ("5개쯤", 5),
    ("세 세트", 3),
    ("3 명", 3),
    ("3만원", 30000),
    ("2만 5천원", 25000),
    ("1.5만", 15000),
    ("1,500원", 1500),
    ("두 분", 2),
    ("한 상자", 1),
]
NOT_NUMBERS = ["네", "세", "두", "한", "스무", "명", "3~4개", "많이", "일"]

PHONES = [
    ("010 9999 0000", "010-9999-0000"),
    ("010.9999.0000", "010-9999-0000"),
    ("01099990000", "010-9999-0000"),
    ("010-9999-0000", "010-9999-0000"),
    ("+82 10-9999-0000", "010-9999-0000"),
    ("(02) 123-4567", "02-123-4567"),
    ("02 1234 5678", "02-1234-5678"),
    ("031 123 4567", "031-123-4567"),
]
NOT_PHONES = ["010 999", "12345678901", "전화 없음", "010-9999-00001"]

PATTERNS = [
    ("##가####", "12가 3456", "12가3456"),
    ("##가####", "12가-3456", "12가3456"),
    ("###-####", "123 4567", "123-4567"),
    ("###-####", "1234567", "123-4567"),
    ("A###", "a 123", "a123"),
]

TIMES = [  # (typed, read, whether the half of the day was left unsaid)
    ("7시쯤", time(7, 0), True),
    ("저녁 7시쯤", time(19, 0), False),
    ("7시경", time(7, 0), True),
    ("오후 7시 정도", time(19, 0), False),
    ("19시쯤", time(19, 0), False),
    ("07:30", time(7, 30), False),
    ("7:30", time(7, 30), True),
    ("일곱 시 반", time(7, 30), True),
    ("12시", time(12, 0), False),
    ("밤 9시요", time(21, 0), False),
]

DEADLINES = [
    ("3시간 후", "2026-12-02 13:00"),
    ("30분 뒤", "2026-12-02 10:30"),
    ("1시간 반 후", "2026-12-02 11:30"),
    ("한 시간 후", "2026-12-02 11:00"),
    ("두 시간 반 뒤", "2026-12-02 12:30"),
    ("1시간 30분 뒤", "2026-12-02 11:30"),
    ("90분 이내", "2026-12-02 11:30"),
    ("담주 금욜", "2026-12-11 23:59"),
    ("낼 오후 3시", "2026-12-03 15:00"),
    ("낼", "2026-12-03 23:59"),
    ("낼모레", "2026-12-04 23:59"),
    ("금욜 18시", "2026-12-04 18:00"),
    ("이번주 토욜", "2026-12-05 23:59"),
    ("다다음주 월욜 9시", "2026-12-14 09:00"),
    ("다음달 5일", "2027-01-05 23:59"),
    ("담달 5일 18시", "2027-01-05 18:00"),
    ("이번 달 20일", "2026-12-20 23:59"),
    ("말일", "2026-12-31 23:59"),
    ("다음달 말", "2027-01-31 23:59"),
    ("오늘 중", "2026-12-02 23:59"),
    ("3일 이내", "2026-12-05 23:59"),
    ("2주 안에", "2026-12-16 23:59"),
    ("금요일 안에", "2026-12-04 23:59"),
    ("낼 저녁 7시쯤", "2026-12-03 19:00"),
    ("저녁 7시쯤", "2026-12-02 19:00"),
    ("오늘 밤 10시", "2026-12-02 22:00"),
    ("내일모래", "2026-12-04 23:59"),
]

# Said with a bare hour: asked back with both halves of the day, unless only one of them may be chosen.
DOUBTFUL = [
    ("금요일 7시", ("금요일 오전 7시", "금요일 오후 7시")),
    ("7시", ("오전 7시", "오후 7시")),
    ("낼 9시 반", ("낼 오전 9시 30분", "낼 오후 9시 30분")),
    ("12/5 7:30", ("12/5 오전 7시 30분", "12/5 오후 7시 30분")),
]
SETTLED = [("오늘 9시", "2026-12-02 21:00"), ("12/5 19시", "2026-12-05 19:00"), ("12/5 07:30", "2026-12-05 07:30")]

LISTS = [
    ("볼링이랑 노래방", ["볼링", "노래방"]),
    ("볼링하고 노래방", ["볼링", "노래방"]),
    ("볼링 및 당구", ["볼링", "당구"]),
    ("볼링, 노래방", ["볼링", "노래방"]),
    ("볼링 노래방", ["볼링", "노래방"]),
    ("1, 3", ["볼링", "당구"]),
    ("1번이랑 3번", ["볼링", "당구"]),
    ("볼링이랑노래방", ["볼링", "노래방"]),
    ("방탈출 카페랑 볼링", ["볼링", "방탈출 카페"]),
    ("노래방과 당구요", ["노래방", "당구"]),
    ("당구/볼링", ["볼링", "당구"]),
]
OPTIONS = ["볼링", "노래방", "당구", "방탈출 카페"]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_numbers_as_people_say_them(text: str, expected: int) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_what_is_no_number_stays_none(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(("text", "expected"), PHONES)
def test_phone_numbers_with_spaces_or_dots(text: str, expected: str) -> None:
    assert phone_number(text) == expected


@pytest.mark.parametrize("text", NOT_PHONES)
def test_what_is_no_phone_number(text: str) -> None:
    assert phone_number(text) is None


@pytest.mark.parametrize(("template", "text", "expected"), PATTERNS)
def test_codes_with_spaces_keep_the_pattern_s_shape(template: str, text: str, expected: str) -> None:
    assert fit_template(template, text) == expected


@pytest.mark.parametrize(("text", "expected", "in_doubt"), TIMES)
def test_approximate_times_and_whether_the_half_of_the_day_was_said(text: str, expected: time, in_doubt: bool) -> None:
    assert read_clock(text) == (expected, in_doubt)


@pytest.mark.parametrize(("text", "expected"), DEADLINES)
def test_relative_and_colloquial_deadlines(text: str, expected: str) -> None:
    when, why = parse_deadline(text, NOW)
    assert why is None, (text, why)
    assert when.strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize(("text", "choices"), DOUBTFUL)
def test_a_bare_hour_is_asked_back_with_both_halves(text: str, choices: tuple[str, str]) -> None:
    when, why = moment_or_ask(text, NOW)
    assert when is None and isinstance(why, Reason)
    assert [q.text for q in why.quick] == list(choices)
    assert [q.label[:2] for q in why.quick] == ["오전", "오후"]
    assert all(q.text.endswith(q.label) for q in why.quick)
    for said in choices:  # each choice reads without a doubt
        settled, again = moment_or_ask(said, NOW)
        assert again is None and settled is not None


@pytest.mark.parametrize(("text", "expected"), SETTLED)
def test_a_bare_hour_whose_morning_has_passed_or_a_clear_one_is_not_asked(text: str, expected: str) -> None:
    when, why = moment_or_ask(text, NOW)
    assert why is None and when.strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize(("text", "expected"), LISTS)
def test_typed_lists_of_options(text: str, expected: list[str]) -> None:
    assert named_options(text, OPTIONS) == expected


def test_the_tables_hold_at_least_forty_new_phrases() -> None:
    tables: list[list[Any]] = [
        NUMBERS,
        NOT_NUMBERS,
        PHONES,
        NOT_PHONES,
        PATTERNS,
        TIMES,
        DEADLINES,
        DOUBTFUL,
        SETTLED,
        LISTS,
    ]
    assert sum(len(t) for t in tables) >= 100


# --- in the conversation -----------------------------------------------------------------------------


def _survey(chat: Chat) -> None:
    """도착 시간 (시간, within the evening), 인원 (숫자 1~10 명), 연락처 (전화번호), 차량 (##가####)."""
    chat.register("관리자", "본부", ADMIN)
    steps = [
        "신청 만들기",
        "저녁 모임",
        "건너뛰기",
        "도착 시간",
        "시간 18:00~23:00",
        "필수",
        "일찍 나올 시간",
        "시간",
        "생략 가능",
        "인원",
        "숫자",
        "1~10 명",
        "필수",
        "연락처",
        "주관식 전화번호",
        "필수",
        "차량 번호",
        "주관식 ##가####",
        "생략 가능",
        "질문 끝",
        "없음",
        "전체",
        "없음",
    ]
    preview = chat.say_all(steps, who="관리자")
    assert "1. 도착 시간 (시간 18:00~23:00)" in preview and "2. 일찍 나올 시간 (시간, 생략 가능)" in preview
    assert "개설했어요" in chat.say("개설", who="관리자")


def test_a_member_answers_as_people_talk() -> None:
    chat = Chat(clock=Clock(NOW))
    _survey(chat)
    chat.register("홍길동", "2중대")
    asked = chat.as_("홍길동").say("신청 저녁 모임")
    assert "18:00~23:00 사이로 입력해 주세요" in asked
    assert "18:00~23:00 사이로" in chat.say("오전 7시")  # out of the question's hours
    asked = chat.say("7시쯤")  # only the evening fits the question's hours: not asked
    assert "2/5" in asked and "일찍 나올 시간" in asked
    doubt = chat.say("6시")  # no hours on this one: asked, both a tap away
    assert "오전 6시인가요, 오후 6시인가요?" in doubt and doubt.quick[:2] == ["오전 6시", "오후 6시"]
    assert "3/5" in chat.tap(doubt, "오후 6시")
    assert "4/5" in chat.say("두 명이요")
    assert "5/5" in chat.say("010 9999 0000")
    review = chat.say("12가 3456")
    assert "1. 도착 시간: 19:00" in review and "2. 일찍 나올 시간: 18:00" in review and "3. 인원: 2명" in review
    assert "4. 연락처: 010-9999-0000" in review and "5. 차량 번호: 12가3456" in review


def test_the_wizard_asks_morning_or_evening_of_a_deadline_and_takes_relative_ones() -> None:
    chat = Chat(clock=Clock(NOW))
    chat.register("관리자", "본부", ADMIN)
    chat.say_all(["신청 만들기", "회식", "건너뛰기", "장소", "주관식", "필수", "질문 끝"], who="관리자")
    doubt = chat.say("금요일 7시", who="관리자")
    assert "오전 7시인가요, 오후 7시인가요?" in doubt
    assert doubt.labels[:2] == ["오전 7시", "오후 7시"] and doubt.quick[1] == "금요일 오후 7시"
    said = chat.tap(doubt, "금요일 오후 7시", who="관리자")
    assert said.text.startswith("마감: 12/4(금) 19:00")
    chat.say("이전", who="관리자")
    assert chat.say("3시간 후", who="관리자").text.startswith("마감: 12/2(수) 13:00")
    chat.say("이전", who="관리자")
    assert chat.say("담주 금욜", who="관리자").text.startswith("마감: 12/11(금) 23:59")


# A day and a part of it without an hour ('금요일 저녁'): asked which hour, with the usual ones still ahead.
PARTS = [
    ("금요일 저녁", ["금요일 18시", "금요일 19시", "금요일 20시"]),
    ("낼 아침", ["낼 오전 8시", "낼 오전 9시", "낼 오전 10시"]),
    ("다음 주 월요일 점심", ["다음 주 월요일 12시", "다음 주 월요일 13시"]),
    ("12/5 밤", ["12/5 21시", "12/5 22시", "12/5 23시"]),
]


@pytest.mark.parametrize(("text", "choices"), PARTS)
def test_a_part_of_the_day_without_its_hour_is_asked_back(text: str, choices: list[str]) -> None:
    when, why = moment_or_ask(text, NOW)
    assert when is None and isinstance(why, Reason) and f"{text} 몇 시인가요?" in str(why)
    assert [q.text for q in why.quick] == choices
    for said in choices:  # each choice reads without a doubt
        settled, again = moment_or_ask(said, NOW)
        assert again is None and settled is not None, said


def test_only_the_hours_still_ahead_are_offered_and_a_part_of_the_day_alone_is_no_day() -> None:
    today_noon = NOW.replace(hour=12, minute=30)
    _, why = moment_or_ask("오늘 오후", today_noon)
    assert isinstance(why, Reason) and [q.text for q in why.quick] == ["오늘 14시", "오늘 16시", "오늘 18시"]
    _, passed = moment_or_ask("오늘 아침", today_noon)
    assert not isinstance(passed, Reason)
    assert moment_or_ask("저녁", NOW)[0] is None


def test_yesterday_is_a_date_for_a_question_and_a_past_moment_for_a_deadline() -> None:
    assert parse_date("어제", NOW.date()) == NOW.date() - timedelta(days=1)
    assert parse_date("그저께", NOW.date()) == NOW.date() - timedelta(days=2)
    for said in ("어제", "어제 18시", "그제"):
        when, why = parse_deadline(said, NOW)
        assert when is None and "이미 지난 시각이에요" in str(why), (said, why)
