"""Privacy that warns (issue 23, item 8): a survey kept without names (익명, 참여만 확인) that asks what tells who
answered (a phone number, an e-mail, a name-like free text) is flagged in the preview, with how to change it."""

from __future__ import annotations

import pytest
from harness import Chat

from chalicelib.domain.kinds import kind_of
from chalicelib.domain.model import ADMIN, Question


def preview(chat: Chat, *questions: tuple[str, str], mode: str = "익명"):
    chat.register("관리자", "본부", ADMIN)
    steps = ["신청 만들기", "만족도 조사", "건너뛰기"]
    for text, kind in questions:
        steps += [text, kind, *(["1~5"] if kind == "숫자" else []), "필수"]
    steps += ["질문 끝", "없음", "전체", "없음", "응답 방식", mode]
    return chat.say_all(steps, who="관리자")


@pytest.mark.parametrize(
    "text, fmt, what",
    [
        ("휴대폰 번호", "phone", "전화번호"),
        ("메일 주소", "email", "이메일"),
        ("성함을 적어 주세요", "", "이름"),
        ("이름", "", "이름"),
        ("연락처", "", "연락처"),
        ("학번", "", "학번"),
        ("주민번호 앞자리", "", "주민번호"),
        ("차량 번호", "tpl:##가####", "차량 번호"),
        ("의견", "", ""),
        ("좋았던 점", "", ""),
        ("메뉴 추천", "", ""),
    ],
)
def test_what_identifies_a_person(text: str, fmt: str, what: str) -> None:
    q = Question("q1", text, "text", format=fmt)
    assert kind_of(q).identifies(q) == what


def test_an_anonymous_survey_asking_a_phone_number_is_warned_in_the_preview() -> None:
    chat = Chat()
    said = preview(chat, ("만족도", "숫자"), ("연락 받을 번호", "주관식 전화번호"), ("하고 싶은 말", "주관식"))
    assert "응답 방식: 익명" in said
    assert "⚠ 주의: 익명인데 누구인지 알 수 있는 질문이 있어요: 2번(전화번호)." in said
    assert "'질문 빼기 2'" in said and "'수정 2'" in said
    fixed = chat.say("질문 빼기 2", who="관리자")  # taken out: no warning
    assert "⚠" not in fixed and "응답 방식: 익명" in fixed
    assert "개설했어요" in chat.say("개설", who="관리자")


def test_participation_only_warns_too_and_named_does_not() -> None:
    chat = Chat()
    said = preview(chat, ("성함", "주관식"), ("이메일", "주관식 이메일"), mode="참여만 확인")
    assert "⚠ 주의: 참여만 확인인데 누구인지 알 수 있는 질문이 있어요: 1번(이름), 2번(이메일)." in said
    named = chat.say_all(["응답 방식", "실명"], who="관리자")
    assert "⚠" not in named and "응답 방식: 실명" in named


def test_a_survey_without_such_questions_is_not_warned() -> None:
    said = preview(Chat(), ("만족도", "숫자"), ("좋았던 점", "주관식"))
    assert "응답 방식: 익명" in said and "⚠" not in said


def test_a_place_limited_option_in_a_survey_kept_without_names_is_warned() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    steps = ["신청 만들기", "상담 신청", "건너뛰기", "만족도", "숫자", "1~5", "필수"]
    steps += ["상담 주제", "선택", "진로:3, 고민, 기타", "필수", "질문 끝", "없음", "전체", "없음", "응답 방식", "익명"]
    said = chat.say_all(steps, who="관리자")
    assert "⚠ 주의: 익명인데 정원이 있는 선택지가 있어요: 2번." in said
    assert "('수정 2')" in said
    named = chat.say_all(["응답 방식", "실명"], who="관리자")  # named: the places are the admin's to watch anyway
    assert "정원이 있는 선택지" not in named


def test_no_place_warning_without_a_place_limit() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    steps = ["신청 만들기", "상담 신청", "건너뛰기", "상담 주제", "선택", "진로, 고민", "필수"]
    steps += ["질문 끝", "없음", "전체", "없음", "응답 방식", "참여만 확인"]
    said = chat.say_all(steps, who="관리자")
    assert "응답 방식: 참여만 확인" in said and "정원이 있는 선택지" not in said
