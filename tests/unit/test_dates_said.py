"""Dates that cannot be misread (issue 23, item 4): a moment in another year, or more than about five months
away, is said with its year, wherever the bot says one."""

from __future__ import annotations

from datetime import datetime

import pytest
from harness import Chat, Clock, make_bbq

from chalicelib.domain.model import ADMIN, KST
from chalicelib.domain.when import deadline_label, fmt_deadline, until_label


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=KST)


SAID = [
    (at(2026, 12, 5, 18), at(2026, 12, 2, 10), "12/5(토) 18:00"),  # days away, this year
    (at(2027, 1, 5, 15), at(2026, 12, 2, 10), "2027/1/5(화) 15:00"),  # next year, however close
    (at(2026, 12, 31, 23, 59), at(2027, 1, 2), "2026/12/31(목) 23:59"),  # last year, however close
    (at(2026, 5, 1, 9), at(2026, 1, 10), "5/1(금) 09:00"),  # under five months
    (at(2026, 7, 1, 9), at(2026, 1, 10), "2026/7/1(수) 09:00"),  # over five months: the year too
    (at(2026, 1, 5, 9), at(2026, 12, 2), "2026/1/5(월) 09:00"),  # long past
    (at(2027, 12, 6, 17), at(2026, 12, 6, 17), "2027/12/6(월) 17:00"),  # a year's retention
]


@pytest.mark.parametrize(("when", "now", "expected"), SAID)
def test_a_moment_says_its_year_when_it_could_be_misread(when: datetime, now: datetime, expected: str) -> None:
    assert fmt_deadline(when, now) == expected


def test_labels_say_it_the_same_way() -> None:
    now = at(2026, 12, 2, 10)
    assert deadline_label(at(2027, 1, 5, 15), now) == "2027/1/5(화) 15:00 마감"
    assert until_label(at(2026, 12, 5, 18), now) == "12/5(토) 18:00 마감 전까지"
    assert deadline_label(None, now) == "마감 없음" and until_label(None, now) == "마감 전까지"


def test_retention_a_year_ahead_says_its_year() -> None:
    chat = Chat(clock=Clock(at(2026, 12, 6, 17)))  # before: "응답 보관 12/6(월) 17:00까지", as if a day away
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat, deadline="12/20 18:00")
    chat.say_all(["마감 BBQ 회식", "예"], who="관리자")
    assert "응답 보관 2027/12/6(월) 17:00까지" in chat.say("내 신청서", who="관리자")
    said = chat.say("보관 연장 BBQ 회식", who="관리자")  # before: "12/5(화)"
    assert "2028/12/5(화) 17:00까지 보관해요" in said


def test_a_deadline_next_year_is_said_with_it_in_the_wizard_list_and_menu() -> None:
    chat = Chat(clock=Clock(at(2026, 12, 28, 9)))
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat, deadline="1/4 18:00")
    chat.register("홍길동", "2중대")
    assert "2027/1/4(월) 18:00 마감" in chat.say("신청 목록", who="홍길동")
    assert "미응답 신청 1건 · BBQ 회식 2027/1/4(월) 18:00 마감" in chat.say("메뉴", who="홍길동")
