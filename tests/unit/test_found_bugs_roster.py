"""Bugs found in review of the roster and identity: each test shows what a member, an admin or an operator would
hit."""

from __future__ import annotations

import re

from harness import Chat, load_roster, make_bbq

from chalicelib.domain.model import ADMIN, SUPER

# A roster without check values: registration by unit and name alone.
PLAIN = [
    (2, "1중대", "홍길동", None),
    (3, "2중대", "홍길동", None),
    (4, "1중대", "김철수", None),
    (5, "본부", "관리자", None),
]
CHECKED = [
    (2, "1중대", "홍길동", "1234"),
    (3, "1중대", "김철수", "5678"),
    (4, "2중대", "박민수", "1111"),
    (5, "본부", "관리자", "9999"),
    (6, "본부", "슈퍼", "8888"),
]


def answer_bbq(chat: Chat, who: str) -> None:
    assert "제출했어요" in chat.say_all(["신청 BBQ 회식", "피자", "2", "건너뛰기", "제출"], who=who)


def figures(chat: Chat) -> tuple[int, int]:
    found = re.search(r"응답 (\d+)명 / 대상 (\d+)명", chat.say("현황 BBQ 회식", who="관리자").text)
    assert found
    return int(found[1]), int(found[2])


def test_a_member_who_corrects_their_unit_is_not_counted_twice_nor_handed_to_the_next_claimant(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    load_roster(chat.store, PLAIN)
    chat.say("등록 본부 관리자", who="관리자")
    make_bbq(chat)
    chat.say("등록 1중대 홍길동", who="2중대 홍길동")  # the wrong 홍길동, by mistake
    answer_bbq(chat, "2중대 홍길동")
    assert "2중대 홍길동" in chat.say("등록 2중대 홍길동", who="2중대 홍길동")  # corrected
    assert figures(chat) == (1, 4)  # one answer: one person answered (the old entry says 응답 too)
    welcome = chat.say("등록 1중대 홍길동", who="1중대 홍길동")  # the real one
    assert "전에 제출한" not in welcome, welcome
    assert "응답함" not in chat.say("신청 목록", who="1중대 홍길동"), "someone else's answer shown as theirs"


def checked_world(chat: Chat) -> None:
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    load_roster(chat.store, CHECKED)
    chat.say("등록 본부 슈퍼 8888", who="슈퍼")
    chat.say("등록 본부 관리자 9999", who="관리자")


def test_a_registered_person_added_back_by_hand_into_another_unit_stays_registered(chat: Chat) -> None:
    checked_world(chat)
    chat.say("등록 1중대 홍길동 1234", who="홍길동")
    chat.say_all(["명단 삭제 1중대 홍길동", "예"], who="슈퍼")  # off the roster, still registered
    added = chat.say("명단 추가 2중대 홍길동 1234", who="슈퍼")  # back, in another unit: the same person moved
    assert "이동: 1중대 → 2중대 홍길동" in added, added
    assert "(등록 그대로)" in added, added
    assert "등록 1명" in chat.say("명단 2중대", who="슈퍼"), "the registered person reads as not registered"
    assert "2중대 홍길동" in chat.say("메뉴", who="홍길동")


def test_a_same_named_newcomer_with_another_check_value_can_be_added_by_hand(chat: Chat) -> None:
    checked_world(chat)
    added = chat.say("명단 추가 2중대 박민수 2222", who="슈퍼")  # a second 박민수 joins 2중대 (1111 is there)
    assert "1명을 넣었어요" in added and "확인번호가 다른 새 사람으로 넣었어요: 박민수" in added, added
    assert "2중대 2명" in chat.say("명단 2중대", who="슈퍼")
    assert "등록되었어요" in chat.say("등록 2중대 박민수 2222", who="새 박민수")
    assert "등록되었어요" in chat.say("등록 2중대 박민수 1111", who="박민수")  # the first one is still theirs
    # The whole roster loaded again, both of them in it: two entries, each still held by its own person.
    load_roster(chat.store, [*CHECKED, (7, "2중대", "박민수", "2222")])
    held = sorted((e.claimed_by, e.entry.count("#")) for e in chat.store.roster_entries("2중대", "박민수"))
    assert held == sorted([(chat.user("박민수").key, 2), (chat.user("새 박민수").key, 2)]), held


def test_a_registrant_off_the_roster_who_typed_their_unit_with_a_space_is_among_that_units_people(chat: Chat) -> None:
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    chat.say("등록 1 중대 김영수", who="김영수")  # before the roster, which does not name him
    load_roster(chat.store, CHECKED)
    assert "명단에 없는 등록자 " in chat.say("명단", who="슈퍼")  # listed as one, to be counted in his unit
    make_bbq(chat, target="1중대")
    assert figures(chat) == (0, 3), "1중대's two entries and him, counted once"
    assert "BBQ 회식" in chat.say("신청 목록", who="김영수")


def test_a_check_value_typed_without_its_name_is_no_name(chat: Chat) -> None:
    checked_world(chat)
    added = chat.say("명단 추가 1중대 4321", who="슈퍼")
    assert "이름에는 글자가 있어야 해요" in added and "추가" not in added.text.split("\n")[0], added
    assert not chat.store.roster_entries("1중대", "4321")
    assert "1명을 넣었어요" in chat.say("명단 추가 1중대 김사번 4321", who="슈퍼")  # with its name, as meant
