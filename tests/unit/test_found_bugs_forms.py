"""Bugs found in review of the forms: the wizard and its preview, answering, deadlines and the figures."""

from __future__ import annotations

from harness import Chat, make_bbq

from chalicelib.domain.model import ADMIN
from scripts.wizard import bbq_messages


def preview(chat: Chat, **kw):
    chat.register("관리자", "본부", ADMIN)
    return chat.say_all(bbq_messages(**kw)[:-1], who="관리자")


def one_question(chat: Chat, title: str, question: list[str]) -> None:
    """A survey of one question (its text, kind, settings and 필수), open to everyone, without a deadline."""
    chat.register("관리자", "본부", ADMIN)
    chat.say_all(["신청 만들기", title, "건너뛰기", *question, "질문 끝", "없음", "전체", "없음"], who="관리자")
    assert "개설했어요" in chat.say("개설", who="관리자")


def test_a_deadline_that_passed_while_the_preview_waited_is_asked_again(chat: Chat) -> None:
    chat.register("홍길동", "2중대")
    preview(chat, deadline="3시간 후")
    chat.clock.advance(hours=5)  # the admin comes back to the preview after the deadline
    r = chat.say("개설", who="관리자")
    assert "개설했어요" not in r and "마감 일시를 입력해 주세요" in r, r
    assert "개설했어요" in chat.say_all(["내일 18시", "개설"], who="관리자")
    assert "응답을 시작해요" in chat.say("신청 BBQ 회식", who="홍길동")


def test_a_deadline_before_the_opening_is_refused(chat: Chat) -> None:
    preview(chat, deadline="11/30 18:00")
    chat.say_all(["예약", "11/28 오전 9시"], who="관리자")
    r = chat.say_all(["수정 마감", "11/25 18:00"], who="관리자")
    assert "[미리보기]" not in r and "11/28(토) 09:00" in r, r


def test_a_number_too_large_is_refused(chat: Chat) -> None:
    chat.register("홍길동", "2중대")
    one_question(chat, "기부", ["금액", "숫자", "건너뛰기", "필수"])
    chat.say("신청 기부", who="홍길동")
    r = chat.say("9" * 400, who="홍길동")
    assert "제출 전 확인" not in r and "inf" not in r.text, r


def test_a_native_number_with_the_questions_own_unit(chat: Chat) -> None:
    chat.register("홍길동", "2중대")
    one_question(chat, "참석 인원", ["인원", "숫자", "1~5 명", "필수"])
    chat.say("신청 참석 인원", who="홍길동")
    r = chat.say("세 명", who="홍길동")
    assert "인원: 3명" in r, r


def test_a_date_answer_with_an_ending(chat: Chat) -> None:
    chat.register("홍길동", "2중대")
    one_question(chat, "면담일", ["면담 날짜", "날짜", "필수"])
    chat.say("신청 면담일", who="홍길동")
    assert "2026-11-25(수)" in chat.say("모레요", who="홍길동")  # Monday 11/23
    chat.say("이전", who="홍길동")
    assert "2026-12-01(화)" in chat.say("다음 주 화요일에", who="홍길동")


def test_yes_and_no_as_people_type_them(chat: Chat) -> None:
    chat.register("홍길동", "2중대")
    one_question(chat, "차량", ["차량이 필요한가요", "예/아니오", "필수"])
    chat.say("신청 차량", who="홍길동")
    for said, read in (("넵", "예"), ("아뇨", "아니오"), ("네.", "예")):
        r = chat.say(said, who="홍길동")
        assert f"차량이 필요한가요: {read}" in r, (said, r)
        chat.say("이전", who="홍길동")


def test_a_deadline_in_days_said_in_words(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat)
    r = chat.say("연장 BBQ 회식 이틀 후", who="관리자")
    assert "11/25(수) 23:59" in r, r


def test_a_question_changed_to_a_kind_with_settings_keeps_no_places(chat: Chat) -> None:
    preview(chat)
    chat.say_all(["수정 1", "그대로", "시간 저녁", "필수", "응답 방식", "익명"], who="관리자")
    r = chat.say("수정", who="관리자")
    assert "1. 메뉴를 골라 주세요 (시간 17:00~23:59)" in r, r
    assert "정원이 있는 선택지" not in r, r


def test_a_title_or_question_of_spaces_only_is_asked_again(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    chat.say("신청 만들기", who="관리자")
    r = chat.say("   ", who="관리자")
    assert "제목은 1~40자로 입력해 주세요" in r, r
    chat.say_all(["BBQ 회식", "건너뛰기"], who="관리자")
    r = chat.say("   ", who="관리자")
    assert "1번 질문을 입력해 주세요" in r and "형식을 골라" not in r, r
