"""Finding things the way people say them (issue 23, item 3): greetings and thanks, the exact title of a closed
or full survey, a command alone offering my surveys, the title before the command, and a chip's label typed out."""

from __future__ import annotations

import pytest
from harness import Chat, make_bbq

from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.domain.session import Session


def world() -> Chat:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat, title="송년회", deadline="12/20 18:00")
    chat.clock.advance(minutes=1)
    make_bbq(chat, title="BBQ 회식", deadline="11/30 18:00")
    chat.register("홍길동", "2중대")
    chat.register("김철수", "2중대")
    return chat


@pytest.mark.parametrize(
    "text, reply",
    [
        ("안녕하세요", "안녕하세요! 반가워요."),
        ("안녕", "안녕하세요! 반가워요."),
        ("하이~", "안녕하세요! 반가워요."),
        ("안녕하세요!!", "안녕하세요! 반가워요."),
        ("Hello", "안녕하세요! 반가워요."),
        ("감사합니다", "천만에요!"),
        ("고마워요~", "천만에요!"),
        ("감사합니다^^", "천만에요!"),
        ("ㄳ", "천만에요!"),
        ("수고하세요", "천만에요!"),
        ("고맙습니다 😊", "천만에요!"),
    ],
)
def test_greetings_and_thanks_get_a_friendly_word_and_the_menu(text: str, reply: str) -> None:
    chat = world()
    said = chat.say(text, who="홍길동")  # before: "'안녕하세요'는 알 수 없는 말이에요"
    assert said.text.startswith(reply) and "알 수 없는 말" not in said
    assert "무엇을 할까요" in said and "미응답 신청 2건" in said and "신청 목록" in said.quick


def test_the_exact_title_of_a_closed_survey_says_so_and_offers_my_answer() -> None:
    chat = world()
    chat.say_all(["신청 BBQ 회식", "피자", "2", "건너뛰기", "제출"], who="홍길동")
    chat.say_all(["마감 BBQ 회식", "예"], who="관리자")
    said = chat.say("BBQ 회식", who="홍길동")  # before: "알 수 없는 말이에요"
    assert "'BBQ 회식'은 마감되었어요" in said and "내 답 보기" in said.labels
    mine = chat.tap(said, "신청 BBQ 회식", who="홍길동")
    assert "[BBQ 회식] 내 답 (마감)" in mine and "피자" in mine
    other = chat.say("BBQ 회식", who="김철수")  # did not answer: nothing of theirs to show
    assert "마감되었어요" in other and "내 답 보기" not in other.labels
    admin = chat.say("BBQ 회식", who="관리자")  # its admin: what can still be done with it
    assert "마감되었어요" in admin and {"현황", "결과 보기", "다운로드", "재개"} <= set(admin.labels)
    chat.clock.advance(days=28)  # past its deadline (not closed by hand): the moment it closed is said
    assert "'송년회'는 12/20(일) 18:00에 마감되었어요" in chat.say("송년회", who="홍길동")


def test_the_title_of_a_full_survey_says_so() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat, cap="1")
    chat.register("홍길동", "2중대")
    chat.register("김철수", "2중대")
    chat.say_all(["신청 BBQ 회식", "피자", "2", "건너뛰기", "제출"], who="홍길동")
    said = chat.say("BBQ 회식", who="김철수")
    assert "정원(1명)이 모두 찼어요" in said
    mine = chat.say("BBQ 회식", who="홍길동")  # mine is still there to change while it is open
    assert "내 답" in mine and "수정" in mine.labels


def test_a_command_alone_offers_my_surveys_most_recent_first() -> None:
    chat = world()
    said = chat.say("현황", who="관리자")  # before: "신청 제목을 붙여 주세요"
    assert "어느 신청의 현황을 볼까요?" in said and said.quick[:2] == ["현황 BBQ 회식", "현황 송년회"]
    assert "[BBQ 회식] 현황" in chat.tap(said, "현황 BBQ 회식", who="관리자")
    for word in ("미응답", "다운로드", "결과 보기"):
        assert chat.say(word, who="관리자").quick[:2] == [f"{word} BBQ 회식", f"{word} 송년회"], word
    chat.say_all(["마감 송년회", "예"], who="관리자")
    assert chat.say("마감", who="관리자").quick[:-1] == ["마감 BBQ 회식"]  # open ones only
    assert chat.say("재개", who="관리자").quick[:-1] == ["재개 송년회"]  # closed ones only
    # a member: their open answers, for 신청 수정 and 신청 취소; an admin's command is refused as before
    assert "고치거나 취소할 수 있는 답이 없어요" in chat.say("신청 취소", who="홍길동")
    chat.say_all(["신청 BBQ 회식", "피자", "2", "건너뛰기", "제출"], who="홍길동")
    assert chat.say("신청 수정", who="홍길동").quick[0] == "신청 수정 BBQ 회식"
    assert "관리자만 쓸 수 있는 명령이에요" in chat.say("현황", who="홍길동")


def test_the_title_before_the_command() -> None:
    chat = world()
    assert "[송년회] 현황" in chat.say("송년회 현황", who="관리자")  # before: not understood
    assert "[BBQ 회식] 미응답" in chat.say("BBQ 회식 미응답", who="관리자")
    assert "지금 마감할까요?" in chat.say("BBQ 회식 마감", who="관리자")
    chat.say("아니오", who="관리자")
    assert "응답을 시작해요" in chat.say("BBQ 회식 신청", who="홍길동")
    chat.say_all(["피자", "2", "건너뛰기", "제출"], who="홍길동")
    assert "제출한 답을 취소할까요?" in chat.say("BBQ 회식 신청 취소", who="홍길동")
    chat.say("아니오", who="홍길동")
    said = chat.say("송년회 현황", who="홍길동")  # a member: not a command of theirs, nor anything else
    assert "관리자만" not in said and "[송년회] 현황" not in said


def test_a_chip_label_typed_does_what_the_chip_does() -> None:
    chat = Chat()
    chat.register("관리자", "본부", SUPER)
    for n in range(10):
        make_bbq(chat, title=f"조사 {n}", deadline="12/20 18:00")
    chat.register("홍길동", "2중대")
    first = chat.say("신청 목록", who="홍길동")
    assert "더보기" in first.labels and "(2쪽)" not in first
    assert "(2쪽)" in chat.say("더보기", who="홍길동")  # before: "'더보기'는 알 수 없는 말이에요"
    assert Session.from_dict(chat.user("홍길동").session).more == "신청 목록 2"
    # the 더보기 of another list is the one kept
    page1 = {q for q in chat.say("내 신청서", who="관리자").quick if q.startswith("현황 ")}
    page2 = {q for q in chat.say("더보기", who="관리자").quick if q.startswith("현황 ")}
    assert len(page1) == 8 and len(page2) == 2 and not page1 & page2  # the next page of 내 신청서

    said = chat.say("지금 응답하기", who="홍길동")  # several waiting: the list to choose from
    assert "응답할 수 있는 신청 10건" in said
    assert "결과 받기" not in chat.say("결과 받기", who="관리자").text
    assert chat.say("결과 받기", who="관리자").quick[0].startswith("다운로드 ")
    assert "아직 제출한 신청이 없어요" in chat.say("내 답 보기", who="홍길동")


def test_answer_now_typed_with_one_survey_waiting_starts_it() -> None:
    chat = world()
    chat.say_all(["신청 송년회", "피자", "2", "건너뛰기", "제출"], who="홍길동")
    assert "'BBQ 회식' 응답을 시작해요" in chat.say("지금 응답하기", who="홍길동")
    chat.say("취소", who="홍길동")
    said = chat.say("수정", who="홍길동")  # 내 답's 수정 chip typed: which answer to change
    assert "어느 답을 고칠까요?" in said and said.quick[0] == "신청 수정 송년회"


def test_labels_inside_a_flow_typed_out() -> None:
    chat = world()
    chat.say_all(["신청 BBQ 회식", "피자", "2"], who="홍길동")
    card = chat.say("건너뛰기", who="홍길동")
    which = chat.say("수정", who="홍길동")
    assert "2번" in which.labels
    assert "[BBQ 회식] 2/3" in chat.say("2번", who="홍길동")  # the chip's label typed: 수정 2
    assert "제출 전 확인" in chat.say("3", who="홍길동") and "제출 전 확인" in card
