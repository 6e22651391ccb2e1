"""No silent surprises: 메뉴 as a question's text, and answers that outlive 탈퇴 and a new registration."""

from __future__ import annotations

from harness import Chat, make_bbq

from chalicelib.domain.model import ADMIN

TITLE = "BBQ 회식"


def test_menu_is_a_question_text_inside_the_wizard() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    for text in ("신청 만들기", "점심 주문", "건너뛰기"):
        chat.say(text, who="관리자")
    said = chat.say("메뉴", who="관리자")  # the natural text of a food order's question
    assert "형식을 골라 주세요" in said and "'메뉴' 질문" in said
    said = chat.say("선택", who="관리자")
    assert "보기를" in said
    assert "그만뒀어요" in chat.say("취소", who="관리자")  # 취소 still leaves
    # outside a free-text step, 메뉴 still pauses the wizard
    for text in ("신청 만들기", "점심 주문 2", "건너뛰기", "음료", "주관식"):
        chat.say(text, who="관리자")
    assert "무엇을 할까요" in chat.say("메뉴", who="관리자")


def test_an_answer_survives_leaving_and_registering_again() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat)
    chat.register("홍길동", "2중대")
    chat.say(f"신청 {TITLE}")
    for text in ("피자", "2", "건너뛰기", "제출"):
        chat.say(text)
    chat.say("탈퇴")
    chat.say("예")
    chat.clock.advance(minutes=5)
    chat.say("등록 2중대 홍길동")
    said = chat.say(f"신청 {TITLE}")
    assert said.text.startswith(f"[{TITLE}] 내 답") and "1. 메뉴를 골라 주세요: 피자" in said
    assert not any("(1/3)" in line for line in said.text.splitlines())  # not asked to answer all over again


def full_survey() -> Chat:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat, cap="1")
    chat.register("김철수", "2중대")
    chat.register("홍길동", "2중대")
    chat.say(f"신청 {TITLE}")
    for text in ("피자", "2", "건너뛰기", "제출"):
        chat.say(text)
    return chat


def test_a_survey_at_its_cap_shows_as_정원_마감_everywhere() -> None:
    chat = full_survey()
    # Before: 현황 "(진행 중 · …)", 내 신청서 "진행 중", and 미응답 listing people who can no longer answer.
    status = chat.say(f"현황 {TITLE}", who="관리자")
    assert f"[{TITLE}] 현황 (정원 마감 · 11/30(월) 18:00)" in status
    assert f"• {TITLE} — 정원 마감 · 응답 1/1" in chat.say("내 신청서", who="관리자")
    missing = chat.say(f"미응답 {TITLE}", who="관리자")
    assert "정원 1명이 다 찼어요" in missing and "김철수" not in missing
    assert f"[{TITLE}] 내 답 (정원 마감 · 11/30(월) 18:00)" in chat.say(f"신청 {TITLE}", who="홍길동")
    other = chat.say("신청 목록", who="김철수")
    assert TITLE not in other  # a new member cannot take a place: it is not offered
    assert "정원" in chat.say(f"신청 {TITLE}", who="김철수")
    # A withdrawal frees the place: open again, everywhere.
    chat.say(f"신청 취소 {TITLE}", who="홍길동")
    chat.say("예", who="홍길동")
    assert "(진행 중 · " in chat.say(f"현황 {TITLE}", who="관리자")
    assert TITLE in chat.say("신청 목록", who="김철수")
