"""복수선택 by taps (issue 23, item 2): each tap adds an option or takes a chosen one back, the question is drawn
again with ✓ on the chosen ones and a 선택 완료 chip, within the question's pick limits; typed lists with 이랑,
하고, 및, spaces or commas are whole answers."""

from __future__ import annotations

import pytest
from harness import Chat, key_of

from chalicelib.domain.model import ADMIN


def world(picks: str = "제한 없음", required: str = "필수") -> Chat:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    steps = [
        "신청 만들기",
        "워크숍",
        "건너뛰기",
        "하고 싶은 것",
        "복수선택",
        "볼링, 노래방, 당구, 방탈출 카페",
        picks,
        required,
        "인원",
        "숫자",
        "건너뛰기",
        "필수",
        "질문 끝",
        "없음",
        "전체",
        "없음",
        "개설",
    ]
    assert "개설했어요" in chat.say_all(steps, who="관리자")
    chat.register("홍길동", "2중대")
    return chat


def test_each_tap_adds_or_takes_back_an_option_and_the_question_is_drawn_again() -> None:
    chat = world()
    asked = chat.as_("홍길동").say("신청 워크숍")
    assert asked.labels[:4] == ["볼링", "노래방", "당구", "방탈출 카페"] and "선택 완료" not in asked.labels
    said = chat.tap(asked, "노래방")
    assert "'노래방'을 골랐어요" in said and "1/2" in said  # still the same question
    assert "2. ✓ 노래방" in said and "고른 것: 노래방" in said
    assert said.labels[:4] == ["볼링", "✓ 노래방", "당구", "방탈출 카페"] and "선택 완료" in said.labels
    assert "건너뛰기" not in said.labels
    said = chat.tap(said, "볼링")
    assert "고른 것: 볼링, 노래방" in said  # in the question's order
    said = chat.say("✓ 볼링")  # the ✓ chip's label typed: the same as its tap
    assert "'볼링'을 뺐어요" in said and "고른 것: 노래방" in said
    said = chat.tap(said, "볼링")
    said = chat.tap(said, "노래방 빼기")  # the ✓ chip takes it back
    assert "'노래방'을 뺐어요" in said and "고른 것: 볼링" in said and said.labels[1] == "노래방"
    said = chat.tap(said, "방탈출 카페")
    said = chat.tap(said, "선택 완료")
    assert "2/2" in said and "인원" in said
    review = chat.say("4")
    assert "1. 하고 싶은 것: 볼링, 방탈출 카페" in review
    assert "제출했어요" in chat.say("제출")
    s = chat.store.list_surveys()[0]
    assert chat.store.get_answer(s.id, key_of("홍길동")).values["q1"] == ["볼링", "방탈출 카페"]


def test_typed_lists_are_whole_answers() -> None:
    chat = world()
    chat.as_("홍길동").say("신청 워크숍")
    said = chat.say("볼링이랑 노래방")  # before: "'볼링이랑'은 보기에 없어요"
    assert "2/2" in said
    chat.say("이전")
    assert "2/2" in chat.say("당구하고 방탈출 카페")
    chat.say("이전")
    assert "2/2" in chat.say("1, 3")
    chat.say("이전")
    said = chat.say("볼링 및 축구")
    assert "'축구'는 보기에 없어요" in said and "1/2" in said
    said = chat.say("노래방")  # one option typed: the same as its tap
    assert "'노래방'을 골랐어요" in said and "1/2" in said


def test_pick_limits_hold_and_the_last_allowed_tap_answers() -> None:
    chat = world(picks="1~2")
    asked = chat.as_("홍길동").say("신청 워크숍")
    assert "(1~2개)" in asked
    said = chat.tap(asked, "당구")
    said = chat.tap(said, "볼링")  # the second of at most two: nothing more can be added, so that is the answer
    assert "'볼링'까지 2개를 골랐어요" in said and "2/2" in said
    said = chat.say("이전")  # back: the answer so far, with its ✓
    assert said.labels[:3] == ["✓ 볼링", "노래방", "✓ 당구"]
    said = chat.tap(said, "노래방")
    assert "최대 2개까지 고를 수 있어요" in said and "고른 것: 볼링, 당구" in said
    assert "최대 2개까지 골라 주세요" in chat.say("볼링, 노래방, 당구")


def test_at_least_the_minimum_and_an_optional_question_may_end_empty() -> None:
    chat = world(picks="2개 이상")
    asked = chat.as_("홍길동").say("신청 워크숍")
    said = chat.tap(asked, "당구")
    said = chat.tap(said, "선택 완료")
    assert "2개 이상 골라 주세요" in said and "고른 것: 당구" in said  # kept, one more to go
    said = chat.tap(said, "볼링")
    assert "2/2" in chat.tap(said, "선택 완료")

    chat = world(required="생략 가능")
    asked = chat.as_("홍길동").say("신청 워크숍")
    assert "건너뛰기" in asked.labels
    said = chat.tap(asked, "볼링")
    said = chat.tap(said, "볼링 빼기")
    assert "건너뛰기" in said.labels  # nothing chosen again: it may be skipped
    assert "2/2" in chat.tap(said, "건너뛰기")
    assert "1. 하고 싶은 것: (건너뜀)" in chat.say("3")


def test_a_required_question_needs_one_and_a_double_tap_adds_once() -> None:
    chat = world()
    asked = chat.as_("홍길동").say("신청 워크숍")
    assert "하나 이상 골라 주세요" in chat.say("선택 완료")
    said = chat.tap(asked, "볼링")
    again = chat.tap(asked, "볼링")  # the same chip tapped twice
    assert "이미 골랐어요" in again and "고른 것: 볼링" in again and "고른 것: 볼링" in said


@pytest.mark.every_store
def test_editing_from_the_review_card_starts_from_the_answer(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    steps = [
        "신청 만들기",
        "워크숍",
        "건너뛰기",
        "하고 싶은 것",
        "복수선택",
        "볼링, 노래방, 당구",
        "제한 없음",
        "필수",
        "질문 끝",
        "없음",
        "전체",
        "없음",
        "개설",
    ]
    chat.say_all(steps, who="관리자")
    chat.register("홍길동", "2중대")
    chat.as_("홍길동").say("신청 워크숍")
    assert "제출 전 확인" in chat.say("볼링, 당구")
    said = chat.say("수정 1")
    assert said.labels[:3] == ["✓ 볼링", "노래방", "✓ 당구"] and "선택 완료" in said.labels
    said = chat.tap(said, "당구 빼기")
    review = chat.tap(said, "선택 완료")
    assert "1. 하고 싶은 것: 볼링" in review and "제출 전 확인" in review
    assert "제출했어요" in chat.say("제출")
    s = chat.store.list_surveys()[0]
    assert chat.store.get_answer(s.id, key_of("홍길동")).values["q1"] == ["볼링"]


def test_taking_back_an_option_never_picked_says_so() -> None:
    chat = world()
    chat.as_("홍길동").say("신청 워크숍")
    said = chat.say("볼링")
    said = chat.say("당구 빼기")
    assert "'당구'는 고르지 않았어요" in said and "뺐어요" not in said and "고른 것: 볼링" in said, said
