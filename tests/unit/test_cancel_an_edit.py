"""Say what will happen (issue 23, item 6): 취소 while editing a submitted answer says the submitted answer stays,
asks only when something was changed, and leaves the stored answer as it was."""

from __future__ import annotations

from harness import Chat, key_of, make_bbq

from chalicelib.domain.model import ADMIN


def answered() -> Chat:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat)
    chat.register("홍길동", "2중대")
    chat.say_all(["신청 BBQ 회식", "피자", "2", "맛있게", "제출"], who="홍길동")
    return chat


def stored(chat: Chat) -> dict:
    s = chat.store.list_surveys()[0]
    return chat.store.get_answer(s.id, key_of("홍길동")).values


def test_cancel_without_a_change_just_leaves_and_says_the_answer_stays() -> None:
    chat = answered()
    chat.say("신청 수정 BBQ 회식", who="홍길동")
    said = chat.say("취소", who="홍길동")
    assert "수정을 그만뒀어요. 제출한 답은 그대로예요." in said and "지울까요" not in said
    assert said.labels[0] == "내 답 보기" and "[BBQ 회식] 내 답" in chat.tap(said, said.quick[0], who="홍길동")


def test_cancel_after_a_change_asks_about_the_change_not_the_answer() -> None:
    chat = answered()
    chat.say_all(["신청 수정 BBQ 회식", "수정 1", "족발", "수정 2", "3"], who="홍길동")
    asked = chat.say("취소", who="홍길동")  # before: "'BBQ 회식'에 적은 답 8개를 지울까요?"
    assert "수정을 그만둘까요? 제출한 답은 그대로 남고, 고친 2개만 버려요." in asked
    assert "지울까요" not in asked and asked.quick == ["예", "아니오"]
    back = chat.say("아니오", who="홍길동")
    assert "지우지 않았어요" in back and "1. 메뉴를 골라 주세요: 족발" in back  # still on the card, changes kept
    chat.say("취소", who="홍길동")
    done = chat.say("예", who="홍길동")
    assert "수정을 그만뒀어요. 제출한 답은 그대로예요." in done
    assert stored(chat) == {"q1": "피자", "q2": 2, "q3": "맛있게"}


def test_a_first_answer_is_still_asked_about_as_before() -> None:
    chat = answered()
    chat.register("김철수", "2중대")
    chat.say_all(["신청 BBQ 회식", "치킨"], who="김철수")
    asked = chat.say("취소", who="김철수")
    assert "'BBQ 회식'에 적은 답 1개를 지울까요?" in asked
    assert "작성하던 답을 지웠어요." in chat.say("예", who="김철수")
