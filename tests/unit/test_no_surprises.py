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
