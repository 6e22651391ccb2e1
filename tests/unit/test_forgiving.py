"""Forgiving input: commands without their space or with a typo, titles in part, answers as people say them."""

from __future__ import annotations

import pytest
from harness import Chat, key_of, make_bbq

from chalicelib.domain import vocabulary
from chalicelib.domain.fuzzy import likeness
from chalicelib.domain.model import ADMIN, SUPER


def world() -> Chat:
    chat = Chat()
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat, title="회식 메뉴 조사")
    chat.register("김철수", "2중대")
    chat.register("홍길동", "2중대")
    return chat


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("신청목록", "신청 목록"),
        ("내신청", "내 신청"),
        ("내신청서", "내 신청서"),
        ("관리자등록 김철수", "관리자 등록"),
        ("명단올리기", "명단 올리기"),
        ("신청 목록", "신청 목록"),
        ("신청목록 2", "신청 목록"),
    ],
)
def test_commands_match_without_their_space(typed: str, meant: str) -> None:
    c, _ = vocabulary.match(typed)
    assert c is not None and c.word == meant


def test_spacing_no_longer_makes_a_command_unknown() -> None:
    chat = world()
    # Before: "'신청목록'은 알 수 없는 말이에요", and so for 내신청 and 관리자등록 김철수.
    assert "응답할 수 있는 신청 1건" in chat.say("신청목록", who="홍길동")
    assert "아직 제출한 신청이 없어요" in chat.say("내신청", who="홍길동")
    assert "관리자로 등록할까요?" in chat.say("관리자등록 김철수", who="슈퍼")
    assert "관리자로 등록했어요" in chat.say("예", who="슈퍼")
    assert chat.user("김철수").role == ADMIN


def test_a_typo_offers_what_was_probably_meant() -> None:
    chat = world()
    said = chat.say("헌황 회식 메뉴 조사", who="관리자")
    assert "혹시 이것인가요?" in said and said.quick[0] == "현황 회식 메뉴 조사"
    assert "[회식 메뉴 조사] 현황" in chat.say(said.quick[0], who="관리자")  # one tap away, never done unasked
    said = chat.say("탈뢰", who="홍길동")
    assert said.quick[0] == "탈퇴" and chat.user("홍길동") is not None
    # Something like nothing: the menu, as before.
    said = chat.say("ㅋㅋㅋ", who="홍길동")
    assert "혹시" not in said and "무엇을 할까요" in said


def test_part_of_a_title_offers_that_survey() -> None:
    chat = world()
    said = chat.say("회식 메뉴", who="홍길동")  # before: unknown, the bare menu
    assert "혹시 이것인가요?" in said
    assert said.labels[0] == "회식 메뉴 조사" and said.quick[0] == "신청 회식 메뉴 조사"
    said = chat.say("신청 회식 메뉴", who="홍길동")
    assert "혹시 '회식 메뉴 조사'를 찾으세요?" in said


def test_a_member_sees_no_admin_command_as_a_guess() -> None:
    chat = world()
    said = chat.say("헌황 회식 메뉴 조사", who="홍길동")
    assert not any(q.startswith("현황") for q in said.quick)


@pytest.mark.parametrize("typed", ["치킨이요", "치킨으로", "치킨으로 할게요", "1번", "1번이요", "치킨요", "치"])
def test_choice_answers_as_people_type_them(typed: str) -> None:
    chat = world()
    chat.say("신청 회식 메뉴 조사", who="홍길동")
    said = chat.say(typed)  # before: "보기 중에서 골라 주세요"
    assert "2/3" in said, said
    assert chat.say("1").text.count("3/3") == 1
    chat.say("건너뛰기")
    review = chat.say("제출")
    assert "제출했어요" in review
    sid = chat.store.list_surveys()[0].id
    assert chat.store.get_answer(sid, key_of("홍길동")).values["q1"] == "치킨"


def test_an_answer_naming_no_option_is_still_refused() -> None:
    chat = world()
    chat.say("신청 회식 메뉴 조사", who="홍길동")
    assert "보기 중에서" in chat.say("탕수육이요")
    assert "보기 중에서" in chat.say("9번")


def test_letters_not_syllables_decide_how_alike() -> None:
    assert likeness("현황", "헌황") > 0.75 > likeness("등록", "등급")
    assert likeness("BBQ 회식", "bbq회싁") > 0.8


def test_difflib_waits_for_the_first_comparison() -> None:
    """A cold start (the app imported, the bot wired) does not import difflib: only a message that needs a guess
    compares, and the comparison imports it. Run in a fresh process, as a container starts."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys; import app; from chalicelib import runtime; runtime.bot(); "
        "before = 'difflib' in sys.modules; "
        "from chalicelib.domain.fuzzy import likeness; alike = likeness('현황', '헌황'); "
        "print(before, 'difflib' in sys.modules, alike > 0.75)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["False", "True", "True"]
