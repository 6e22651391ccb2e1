"""Forms that repeat and protect (issue 11): deadline changes and copies, through the conversation and on
the stored items."""
from __future__ import annotations

from datetime import datetime

from harness import Chat, key_of, make_bbq

from chalicelib.domain.model import ADMIN, CLOSED, KST, OPEN
from chalicelib.domain.session import Session

TITLE = "BBQ 회식"


def world() -> Chat:
    chat = Chat()  # "now" is Wednesday 2026-11-25 (the harness clock)
    chat.register("관리자", "본부", ADMIN)
    chat.register("다른관리자", "본부", ADMIN)
    make_bbq(chat)  # deadline 11/30 18:00
    chat.register("홍길동", "2중대")
    return chat


def survey(chat: Chat):  # type: ignore[no-untyped-def]
    return chat.store.list_surveys()[0]


def test_extend_moves_the_deadline_and_keeps_drafts() -> None:
    chat = world()
    chat.as_("홍길동").say(f"신청 {TITLE}")
    chat.say("피자")  # a draft of one answer
    said = chat.say(f"연장 {TITLE} 12월 5일 오후 6시", who="관리자")
    assert f"'{TITLE}' 마감을 12/5(토) 18:00으로 옮겼어요." in said and "작성 중이던 답은 그대로예요" in said
    s = survey(chat)
    assert s.deadline == datetime(2026, 12, 5, 18, 0, tzinfo=KST) and s.status == OPEN
    chat.say("메뉴", who="홍길동")  # out of the answer flow (the draft waits)
    assert "12/5(토) 18:00 마감" in chat.say("신청 목록", who="홍길동")
    draft = Session.from_dict(chat.user("홍길동").session).drafts[s.id]
    assert draft.values == {"q1": "피자"}
    (entry,) = [e for e in chat.store.list_audit() if e.action == "extend"]
    assert entry.actor == key_of("관리자") and entry.detail == "11/30(월) 18:00 → 12/5(토) 18:00"


def test_extend_reopens_a_closed_survey_until_then() -> None:
    chat = world()
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    assert survey(chat).status == CLOSED
    said = chat.say(f"연장 {TITLE} 다음주 금요일 18시", who="관리자")
    assert "마감되어 있던 신청을 다시 열었어요" in said
    assert survey(chat).status == OPEN and TITLE in chat.say("신청 목록", who="홍길동")


def test_extend_refuses_a_past_moment_someone_elses_survey_and_a_missing_time() -> None:
    chat = world()
    assert "이미 지난 시각이에요" in chat.say(f"연장 {TITLE} 2026-11-01 18:00", who="관리자")
    assert "언제까지인지" in chat.say(f"연장 {TITLE}", who="관리자")
    refused = chat.say(f"연장 {TITLE} 금요일 18시", who="다른관리자")
    assert "내가 만들었거나 공동관리자인 신청만" in refused
    assert survey(chat).deadline == datetime(2026, 11, 30, 18, 0, tzinfo=KST)
    assert "연장" in chat.say("도움말", who="관리자")
