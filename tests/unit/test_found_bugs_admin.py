"""Bugs found in review of the admin's side: each test shows what an admin would hit."""

from __future__ import annotations

from datetime import datetime

from harness import Chat, make_bbq, timing_for

from chalicelib.domain.model import ADMIN
from chalicelib.domain.rules import Rules
from chalicelib.jobs.schedule import open_planned
from chalicelib.service.bot import Bot
from scripts.wizard import bbq_messages


def test_a_repeating_surveys_periods_keep_answers_as_briefly_as_the_survey_does(chat: Chat) -> None:
    chat.bot = Bot(chat.store, clock=chat.clock, rules=Rules(keep_days=365), timing=timing_for(chat.store))
    chat.register("관리자", "본부", ADMIN)
    messages = bbq_messages(title="주간 식수", deadline="11/25 18:00", target="전체", cap="없음", remind="없음")
    assert "개설했어요" in chat.say_all([*messages[:-1], "보관 기간", "30일", "개설"], who="관리자")
    assert "반복" in chat.say("반복 주간 식수 매주 월 9시", who="관리자")
    chat.clock.advance(days=7)  # Monday 11/30 09:00: the next period opens
    (period,) = open_planned(chat.store, chat.clock(), 365)
    assert period.keep_days == 30, period.keep_days


def test_a_monthly_period_in_february_ends_before_the_march_one_opens(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    messages = bbq_messages(title="월간 보고", deadline="11/30 18:00", target="전체", cap="없음", remind="없음")
    assert "개설했어요" in chat.say_all(messages, who="관리자")
    said = chat.say("반복 월간 보고 매월 1일 9시", who="관리자")
    assert "반복" in said, said
    opened = []
    while chat.clock().month != 3 or chat.clock().day < 2:
        chat.clock.advance(hours=12)
        opened += open_planned(chat.store, chat.clock())
    by_title = {s.title: s for s in opened}
    february, march = by_title["월간 보고 2/1"], by_title["월간 보고 3/1"]
    assert february.deadline <= datetime.fromisoformat(march.created_at), (february.deadline, march.created_at)


def test_missing_after_retention_does_not_name_people_who_answered(chat: Chat) -> None:
    chat.bot = Bot(chat.store, clock=chat.clock, rules=Rules(keep_days=30), timing=timing_for(chat.store))
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    chat.register("김철수", "2중대")
    make_bbq(chat)
    chat.say_all(["신청 BBQ 회식", "피자", "2", "건너뛰기", "제출"], who="홍길동")
    chat.say_all(["마감 BBQ 회식", "예"], who="관리자")
    chat.clock.advance(days=31)
    open_planned(chat.store, chat.clock(), 30)
    assert chat.store.list_surveys()[0].purged_at is not None
    said = chat.say("미응답 BBQ 회식", who="관리자")
    assert "홍길동" not in said, said


def test_my_surveys_after_the_only_shared_one_was_deleted_says_there_are_none(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    chat.register("박", "1중대", ADMIN)
    make_bbq(chat)
    chat.say("공동관리자 BBQ 회식 박", who="관리자")
    chat.say_all(["삭제 BBQ 회식", "예"], who="관리자")
    said = chat.say("내 신청서", who="박")
    assert "0건" not in said and "신청 만들기" in said.labels, said
