"""Wording seen in real sessions, before and after: each test names the old text it replaces."""

from __future__ import annotations

from harness import Chat, make_bbq

from chalicelib.domain.model import ADMIN
from scripts.wizard import bbq_messages


def admin_and_member() -> Chat:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    return chat


def test_a_survey_without_deadline_reads_naturally_everywhere() -> None:
    chat = admin_and_member()
    opened = chat.say_all(bbq_messages(title="독감 예방접종 신청", deadline="없음"), who="관리자")
    # Before: "'독감 예방접종 신청' 신청을 개설했어요 … · 마감 없음"
    assert "'독감 예방접종 신청'을 개설했어요. 대상: 전체 · 마감 없음" in opened
    listed = chat.say("신청 목록", who="홍길동")
    # Before: "독감 예방접종 신청 — 마감 없음 마감 · 미응답"
    assert "• 독감 예방접종 신청 — 마감 없음 · 미응답" in listed and "마감 없음 마감" not in listed
    chat.say("신청 독감 예방접종 신청")
    for text in ("피자", "2", "건너뛰기"):
        chat.say(text)
    done = chat.say("제출")
    # Before: "마감(마감 없음) 전까지 고치거나 취소할 수 있어요."
    assert "답을 제출했어요! 마감 전까지 고치거나 취소할 수 있어요." in done and "(마감 없음)" not in done


def test_a_deadline_is_shown_with_its_weekday() -> None:
    chat = admin_and_member()
    make_bbq(chat)  # 11/30 18:00, a Monday
    assert "BBQ 회식 — 11/30(월) 18:00 마감 · 미응답" in chat.say("신청 목록", who="홍길동")
    said = chat.say("신청 BBQ 회식")
    assert "질문 3개 · 11/30(월) 18:00 마감" in said


def test_an_optional_question_does_not_say_선택() -> None:
    chat = admin_and_member()
    make_bbq(chat)
    chat.say("신청 BBQ 회식", who="홍길동")
    chat.say("피자")
    said = chat.say("2")
    # Before: "메모 (선택 응답)", which reads like the 선택 kind.
    assert "메모 (건너뛰어도 돼요)" in said and "선택 응답" not in said


def test_one_near_title_is_offered_as_a_question_not_as_many() -> None:
    chat = admin_and_member()
    make_bbq(chat, title="회식 메뉴 조사")
    said = chat.say("현황 회식 메뉴", who="관리자")
    # Before: "'회식 메뉴'에 맞는 신청이 여러 개이거나 정확하지 않아요. 어느 것인가요?" with one candidate.
    assert "혹시 '회식 메뉴 조사'를 찾으세요?" in said and "여러 개" not in said
    assert said.quick[0] == "현황 회식 메뉴 조사"


def test_the_wizard_takes_ranges_as_typed_and_says_commas_are_needed() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    for text in ("신청 만들기", "주말 근무", "건너뛰기", "몇 시간?", "숫자"):
        chat.say(text, who="관리자")
    said = chat.say("1-5", who="관리자")  # before: "'최소~최대' 모양으로 입력해 주세요"
    assert "최소~최대" not in said and "필수" in said.quick
    for text in ("필수", "언제?", "선택"):
        chat.say(text, who="관리자")
    said = chat.say("토요일 일요일", who="관리자")  # before: "보기는 2~8개로 입력해 주세요."
    assert "쉼표로 구분해 주세요. 예: 토요일, 일요일" in said
    assert "필수" in chat.say("토요일, 일요일", who="관리자").quick


def test_eight_options_each_get_a_button() -> None:
    chat = admin_and_member()
    options = "월, 화, 수, 목, 금, 토, 일, 아무때나"
    for text in (
        "신청 만들기",
        "요일 조사",
        "건너뛰기",
        "이름 메모",
        "주관식",
        "생략 가능",
        "무슨 요일?",
        "선택",
        options,
        "생략 가능",
        "질문 끝",
        "없음",
        "전체",
        "없음",
        "개설",
    ):
        chat.say(text, who="관리자")
    chat.say("신청 요일 조사", who="홍길동")
    said = chat.say("건너뛰기")
    # Before: seven option buttons (the 8th had none) with 이전, 건너뛰기, 취소.
    days = ["월", "화", "수", "목", "금", "토", "일", "아무때나"]
    assert said.quick == [*days, "이전", "건너뛰기"]
    assert "그만두려면 '취소'라고 보내 주세요." in said
    assert "지웠어요" in chat.say("취소")  # typed, it still works (nothing answered yet: no question asked)
