"""Bugs found in review: each test shows what a member, an admin or an operator would hit."""

from __future__ import annotations

from fakes import FakeExporter
from harness import PRIVACY_KEY, SPORTS_WIZARD, Chat, make_bbq
from pushfakes import FakeNotifier

from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.domain.rules import Rules
from chalicelib.service.bot import Bot
from scripts.wizard import bbq_messages


def with_reminders(chat: Chat) -> Chat:
    chat.bot = Bot(
        chat.store,
        FakeExporter(),
        clock=chat.clock,
        notifier=FakeNotifier(),
        rules=Rules(privacy_key=lambda: PRIVACY_KEY),
    )
    return chat


def test_proxy_refusal_for_own_draft_uses_the_right_particle(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    make_bbq(chat)
    chat.say_all(["신청 BBQ 회식", "피자", "메뉴"], who="관리자")  # the admin's own answer, half-written
    r = chat.say("대리 응답 BBQ 회식 홍길동", who="관리자")
    assert "('신청 BBQ 회식'으로 이어서)" in r, r


def test_repeat_reply_uses_the_right_particle_after_the_next_title(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat, title="주간 식수", deadline="11/25 18:00")
    r = chat.say("반복 주간 식수 매주 월 9시", who="관리자")
    assert "제목은 '주간 식수 11/30'이에요" in r, r


def test_preview_warning_of_a_broken_condition_uses_the_right_particle(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    chat.say_all(SPORTS_WIZARD, who="관리자")
    chat.say("조건 2 1번 불참", who="관리자")
    r = chat.say("질문 빼기 1", who="관리자")  # question 2 becomes 1, its condition's question gone
    assert "('조건 1'로 다시 정해요)" in r, r


def presence_survey(chat: Chat, people: int = 8) -> Chat:
    with_reminders(chat)
    chat.register("관리자", "본부", ADMIN)
    for n in range(people):
        chat.register(f"대원{n}", "1중대")
    chat.say_all([*bbq_messages(title="설문", remind="없음")[:-1], "응답 방식", "참여만 확인"], who="관리자")
    assert "개설했어요" in chat.say("개설", who="관리자")
    return chat


def test_presence_reminder_count_does_not_move_with_one_submission(chat: Chat) -> None:
    c = presence_survey(chat)
    before = c.say("알림 설문", who="관리자").text
    c.say("아니오", who="관리자")
    c.say_all(["신청 설문", "피자", "2", "메모", "제출"], who="대원0")  # batch of 5: not full
    after = c.say("알림 설문", who="관리자").text
    c.say("아니오", who="관리자")
    assert after == before, (before, after)


def test_missing_of_a_presence_survey_offers_no_proxy_answer(chat: Chat) -> None:
    c = presence_survey(chat)
    r = c.say("미응답 설문", who="관리자")
    assert "대리 응답 설문" not in r.quick, r.quick


def test_no_description_said_as_없음_is_no_description(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    messages = bbq_messages()
    messages[2] = "없음"  # the description step: "없으면 '건너뛰기'", and 없음 is what every other step takes
    chat.say_all(messages, who="관리자")
    r = chat.say("신청 BBQ 회식", who="홍길동")
    assert "\n없음\n" not in r.text, r


def test_a_member_may_start_a_survey_by_its_title_even_when_it_starts_with_a_command_word(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    make_bbq(chat, title="현황 보고")
    r = chat.say("현황 보고", who="홍길동")
    assert "응답을 시작해요" in r, r


def test_a_viewer_made_unit_admin_still_reads_the_whole_survey(chat: Chat) -> None:
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "3중대")
    chat.register("김철수", "2중대")
    make_bbq(chat)
    chat.say_all(["신청 BBQ 회식", "피자", "2", "건너뛰기", "제출"], who="김철수")
    chat.say("열람자 BBQ 회식 홍길동", who="관리자")
    whole = chat.say("현황 BBQ 회식", who="홍길동").text
    assert "응답 1명 / 대상 4명" in whole, whole
    chat.say("소속 관리자 3중대 홍길동", who="슈퍼")
    r = chat.say("현황 BBQ 회식", who="홍길동")
    assert "응답 1명 / 대상 4명" in r, r


def test_a_presence_reminder_never_says_that_everyone_missing_has_taken_part(chat: Chat) -> None:
    """미응답 (full batches only) still lists 대원0 and the admin after both took part: 알림 offers them, reaches
    nobody, and its result names no number, so nothing tells the admin that everyone missing has answered."""
    c = presence_survey(chat, people=1)
    for who in ("대원0", "관리자"):
        c.say_all(["신청 설문", "피자", "2", "메모", "제출"], who=who)
    assert "미응답 2명" in c.say("미응답 설문", who="관리자").text
    asked = c.say("알림 설문", who="관리자").text
    assert "2명에게 카카오톡 알림을 보낼까요?" in asked, asked
    assert "2명에게 보내고 있어요" in c.say("예", who="관리자").text
    note = c.say("메뉴", who="관리자").text
    assert "'설문' 알림: 보냈어요. 참여만 확인 신청이라 몇 명에게 전해졌는지는 알리지 않아요" in note, note
    assert "모두 응답했어요" not in note and "0명" not in note
