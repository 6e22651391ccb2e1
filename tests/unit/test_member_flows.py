"""Member flows of product.md through the pure conversation over the in-memory store."""

from __future__ import annotations

import pytest
from harness import Chat, key_of, make_bbq, taken

from chalicelib.domain.model import ADMIN, option_key


def setup_bbq(chat: Chat, **kw) -> str:
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    return make_bbq(chat, **kw)


def answer_all(chat: Chat, who: str, menu: str = "치킨", qty: str = "2", memo: str = "건너뛰기") -> None:
    chat.as_(who)
    chat.say("신청 BBQ 회식")
    chat.say(menu)
    chat.say(qty)
    r = chat.say(memo)
    assert "제출 전 확인" in r, r
    done = chat.say("제출")
    assert "제출했어요" in done, done


# --- registration -------------------------------------------------------------------------


def test_unregistered_gets_how_to_register_for_anything(chat: Chat) -> None:
    for text in ("안녕", "신청 목록", "메뉴", ""):
        r = chat.say(text, who="새사람")
        assert "등록 홍길동" in r
    assert chat.store.get_user(key_of("새사람")) is None


@pytest.mark.every_store
def test_register_with_and_without_unit_and_change(chat: Chat) -> None:
    r = chat.say("등록 홍길동", who="a")
    assert "등록되었어요" in r
    u = chat.store.get_user(key_of("a"))
    assert (u.name, u.unit, u.role) == ("홍길동", "", 0)
    r = chat.say("등록 2중대 1소대 김철수", who="a")
    assert "바꿨어요" in r
    u = chat.store.get_user(key_of("a"))
    assert (u.name, u.unit) == ("김철수", "2중대 1소대")


def test_register_validates_name(chat: Chat) -> None:
    assert "쓸 수 있어요" in chat.say("등록 홍<b>", who="x")
    assert "20자 이내" in chat.say("등록 " + "가" * 21, who="x")
    assert "이름을 붙여" in chat.say("등록", who="x")
    assert chat.store.get_user(key_of("x")) is None


# --- menu ---------------------------------------------------------------------------------


@pytest.mark.every_store
def test_menu_is_role_aware_and_shows_pending(chat: Chat) -> None:
    setup_bbq(chat)
    member = chat.say("메뉴", who="홍길동")
    assert "미응답 신청 1건 · BBQ 회식 11/30(월) 18:00 마감" in member
    assert "신청 만들기" not in member.quick
    admin = chat.say("메뉴", who="관리자")
    assert "신청 만들기" in admin.quick and "마스터키" not in admin.quick


def test_unknown_input_never_dead_ends(chat: Chat) -> None:
    chat.register("홍길동")
    r = chat.say("아무말 대잔치")
    assert "알 수 없는 말" in r and "신청 목록" in r.quick


def test_help_lists_commands(chat: Chat) -> None:
    chat.register("홍길동")
    r = chat.say("도움말")
    assert "신청 목록" in r.text and "신청 만들기" not in r.text


# --- answering ----------------------------------------------------------------------------


@pytest.mark.every_store
def test_full_answer_flow_stores_one_answer_and_counts(chat: Chat) -> None:
    setup_bbq(chat)
    answer_all(chat, "홍길동", "치킨", "3", "매운맛")
    s = chat.store.list_surveys()[0]
    a = chat.store.get_answer(s.id, key_of("홍길동"))
    assert a.values == {"q1": "치킨", "q2": 3, "q3": "매운맛"}
    assert (a.name, a.unit) == ("홍길동", "2중대")
    assert s.response_count == 1 and s.option_counts[option_key("q1", "치킨")] == 1
    assert taken(chat.store, s.id, "q1", "치킨") == 1
    assert chat.user("홍길동").session.get("drafts") == {}


def test_bad_answers_get_reason_and_same_question(chat: Chat) -> None:
    setup_bbq(chat)
    chat.as_("홍길동").say("신청 BBQ 회식")
    r = chat.say("탕수육")
    assert "보기 중에서" in r and "1/3" in r
    r = chat.say("2")  # option number
    assert "2/3" in r
    assert "숫자로" in chat.say("많이")
    assert "5 이하" in chat.say("9")
    assert "1 이상" in chat.say("0")
    assert "3/3" in chat.say("2개")


def test_back_skip_and_required(chat: Chat) -> None:
    setup_bbq(chat)
    chat.as_("홍길동").say("신청 BBQ 회식")
    assert "첫 질문" in chat.say("이전")
    assert "꼭 답해야" in chat.say("건너뛰기")
    chat.say("피자")
    r = chat.say("이전")
    assert "1/3" in r and "지금 답: 피자" in r
    chat.say("족발")
    chat.say("1")
    r = chat.say("건너뛰기")
    assert "메모: (건너뜀)" in r


@pytest.mark.every_store
def test_cancel_drops_draft_and_nothing_is_stored(chat: Chat) -> None:
    setup_bbq(chat)
    chat.as_("홍길동").say("신청 BBQ 회식")
    chat.say("치킨")
    # Before: 취소 deleted the answers given so far at once.
    asked = chat.say("취소")
    assert "'BBQ 회식'에 적은 답 1개를 지울까요?" in asked and asked.quick == ["예", "아니오"]
    back = chat.say("아니오")  # back on the question it was on, the answer kept
    assert "지우지 않았어요" in back and "2/3" in back
    chat.say("취소")
    r = chat.say("예")
    assert "지웠어요" in r
    s = chat.store.list_surveys()[0]
    assert chat.store.get_answer(s.id, key_of("홍길동")) is None
    assert s.response_count == 0 and chat.user("홍길동").session.get("drafts") == {}


def test_an_answer_after_the_cancel_question_goes_on_answering(chat: Chat) -> None:
    setup_bbq(chat)
    chat.as_("홍길동").say("신청 BBQ 회식")
    chat.say("치킨")
    assert "지울까요?" in chat.say("취소")
    assert "3/3" in chat.say("2")  # not 예 or 아니오: the answer to the question it was on
    chat.say("건너뛰기")
    assert "지울까요?" in chat.say("취소")
    assert "제출했어요" in chat.say("제출")


@pytest.mark.every_store
def test_draft_survives_menu_and_resumes(chat: Chat) -> None:
    setup_bbq(chat)
    chat.as_("홍길동").say("신청 BBQ 회식")
    chat.say("치킨")
    m = chat.say("메뉴")
    assert "작성 중: BBQ 회식" in m and "신청 BBQ 회식" in m.quick
    assert "작성 중" in chat.say("신청 목록")
    r = chat.say("신청 BBQ 회식")
    assert "이어서" in r and "2/3" in r


def test_review_edit_one_question_returns_to_review(chat: Chat) -> None:
    setup_bbq(chat)
    chat.as_("홍길동").say("신청 BBQ 회식")
    for t in ("치킨", "2", "건너뛰기"):
        chat.say(t)
    assert "수정 3" in chat.say("수정").quick
    assert "2/3" in chat.say("수정 2")
    r = chat.say("5")
    assert "제출 전 확인" in r and "수량: 5" in r
    assert "'제출', '수정' 또는 '취소'" in chat.say("뭐지")


@pytest.mark.every_store
def test_double_submit_stores_once(chat: Chat) -> None:
    setup_bbq(chat)
    answer_all(chat, "홍길동")
    r = chat.say("제출")
    assert "작성 중인 신청이 없어요" in r
    s = chat.store.list_surveys()[0]
    assert s.response_count == 1 and len(chat.store.list_answers(s.id)) == 1


@pytest.mark.every_store
def test_answered_survey_shows_my_answer_then_edit_adjusts_counts(chat: Chat) -> None:
    setup_bbq(chat)
    answer_all(chat, "홍길동", "치킨", "2")
    r = chat.say("신청 BBQ 회식")
    assert "내 답" in r and "신청 수정 BBQ 회식" in r.quick
    r = chat.say("신청 수정 BBQ 회식")
    assert "제출 전 확인" in r
    chat.say("수정 1")
    chat.say("피자")
    assert "수정했어요" in chat.say("제출")
    s = chat.store.list_surveys()[0]
    assert s.response_count == 1
    # 치킨 has a capacity: the survey item counts its takers; 피자 has none, and only the figures count it
    assert s.option_counts[option_key("q1", "치킨")] == 0 and option_key("q1", "피자") not in s.option_counts
    assert taken(chat.store, s.id, "q1", "치킨") == 0 and taken(chat.store, s.id, "q1", "피자") == 1
    assert chat.store.get_answer(s.id, key_of("홍길동")).values["q1"] == "피자"


@pytest.mark.every_store
def test_withdraw_after_confirmation(chat: Chat) -> None:
    setup_bbq(chat)
    answer_all(chat, "홍길동")
    r = chat.say("신청 취소 BBQ 회식")
    assert "취소할까요" in r and r.quick == ["예", "아니오"]
    assert "그대로" in chat.say("아니오")
    chat.say("신청 취소 BBQ 회식")
    assert "취소했어요" in chat.say("예")
    s = chat.store.list_surveys()[0]
    assert s.response_count == 0 and s.option_counts[option_key("q1", "치킨")] == 0
    assert taken(chat.store, s.id, "q1", "치킨") == 0
    assert chat.store.get_answer(s.id, key_of("홍길동")) is None
    assert "제출한 신청이 없어요" in chat.say("내 신청") or "아직" in chat.say("내 신청")


def test_confirmation_is_dropped_by_another_command(chat: Chat) -> None:
    setup_bbq(chat)
    answer_all(chat, "홍길동")
    chat.say("신청 취소 BBQ 회식")
    r = chat.say("내 신청")
    assert "BBQ 회식" in r
    assert "진행 중인 작업이 없어요" in chat.say("예")
    assert chat.store.list_surveys()[0].response_count == 1


@pytest.mark.every_store
def test_my_submissions_open_first(chat: Chat) -> None:
    setup_bbq(chat)
    make_bbq(chat, title="체육대회", deadline="11/24 18:00")
    chat.as_("홍길동").say("신청 체육대회")
    for t in ("피자", "1", "건너뛰기", "제출"):
        chat.say(t)
    answer_all(chat, "홍길동")
    chat.clock.advance(days=1, hours=10)  # 체육대회 closes
    r = chat.say("내 신청")
    assert r.text.index("BBQ 회식") < r.text.index("체육대회") and "마감" in r


# --- deadlines, targets, caps ---------------------------------------------------------------------


@pytest.mark.every_store
def test_deadline_closes_without_anyone_acting(chat: Chat) -> None:
    setup_bbq(chat)
    chat.as_("홍길동").say("신청 BBQ 회식")
    for t in ("치킨", "2", "건너뛰기"):
        chat.say(t)
    chat.clock.advance(days=8)
    assert "마감되어 지금은 제출할 수 없어요. 적은 답은 남겨 둘게요" in chat.say("제출")
    assert "응답할 수 있는 신청이 없어요" in chat.say("신청 목록")
    assert "마감" in chat.say("신청 BBQ 회식")  # opened while still closed: the draft goes
    assert "작성 중" not in chat.say("메뉴")
    assert chat.store.list_surveys()[0].response_count == 0


@pytest.mark.every_store
def test_a_draft_caught_by_the_deadline_waits_for_its_extension(chat: Chat) -> None:
    setup_bbq(chat)
    chat.as_("홍길동").say("신청 BBQ 회식")
    chat.say_all(["치킨", "2", "건너뛰기"])
    chat.clock.advance(days=8)
    said = chat.say("제출")
    assert "마감이 연장되면 '신청 BBQ 회식'으로 이어서 제출할 수 있어요" in said, said
    assert "작성 중: BBQ 회식" in chat.say("메뉴")
    assert "작성 중이던 답은 그대로예요" in chat.say("연장 BBQ 회식 내일 18시", who="관리자")
    again = chat.say("신청 BBQ 회식", who="홍길동")
    assert "작성하던 답을 이어서 해요" in again and "1. 메뉴를 골라 주세요: 치킨" in again, again
    assert "제출했어요" in chat.say("제출")
    assert chat.store.list_surveys()[0].response_count == 1


@pytest.mark.every_store
def test_target_unit_limits_who_sees_it(chat: Chat) -> None:
    setup_bbq(chat, target="2중대")
    chat.register("김철수", "3중대")
    assert "응답할 수 있는 신청이 없어요" in chat.say("신청 목록", who="김철수")
    assert "찾을 수 없어요" in chat.say("신청 BBQ 회식", who="김철수")
    assert "BBQ 회식" in chat.say("신청 목록", who="홍길동")


def test_an_option_without_places_is_taken_without_reading_the_survey_again() -> None:
    """An answer is checked against the places left only when the option picked has a 정원: 피자 never fills, so
    answering it reads the person alone; 치킨 reads the survey's counters as of now."""
    from faults import FaultyStore

    store = FaultyStore()
    chat = Chat(store=store)
    setup_bbq(chat)  # 치킨 has 2 places, 피자 and 족발 none
    for who, menu, reads_survey in (("김철수", "피자", False), ("박민수", "치킨", True)):
        chat.register(who, "2중대")
        chat.say("신청 BBQ 회식", who=who)
        store.calls.clear()
        assert "수량" in chat.say(menu, who=who)
        assert ("get_survey" in store.calls) is reads_survey, (menu, store.calls)


@pytest.mark.every_store
def test_option_capacity_and_response_cap(chat: Chat) -> None:
    setup_bbq(chat, cap="3")
    for n in ("a", "b", "c", "d"):
        chat.register(n, "2중대")
    answer_all(chat, "a", "치킨")
    answer_all(chat, "b", "치킨")
    chat.as_("c").say("신청 BBQ 회식")
    r = chat.say("치킨")
    assert "정원이 찼어요" in r and "치킨 (남은 0)" in r
    assert "치킨" not in r.quick
    for t in ("피자", "1", "건너뛰기", "제출"):
        chat.say(t)
    assert "정원(3명)이 모두 찼어요" in chat.say("신청 BBQ 회식", who="d")
    s = chat.store.list_surveys()[0]
    assert s.response_count == 3 and s.option_counts[option_key("q1", "치킨")] == 2


@pytest.mark.every_store
def test_capacity_taken_between_answer_and_submit(chat: Chat) -> None:
    setup_bbq(chat)
    for n in ("a", "b", "c"):
        chat.register(n, "2중대")
    chat.as_("c").say("신청 BBQ 회식")
    for t in ("치킨", "1", "건너뛰기"):
        chat.say(t)
    answer_all(chat, "a", "치킨")
    answer_all(chat, "b", "치킨")
    r = chat.say("제출", who="c")
    assert "방금 정원이 찼어요" in r and "1/3" in r
    chat.say("족발", who="c")
    assert "제출했어요" in chat.say("제출", who="c")
    assert chat.store.list_surveys()[0].option_counts[option_key("q1", "치킨")] == 2


def test_bare_title_starts_answering(chat: Chat) -> None:
    setup_bbq(chat)
    assert "1/3" in chat.say("BBQ 회식", who="홍길동")


@pytest.mark.every_store
def test_leave_keeps_submitted_answers(chat: Chat) -> None:
    setup_bbq(chat)
    answer_all(chat, "홍길동")
    assert "탈퇴할까요" in chat.say("탈퇴")
    assert "탈퇴했어요" in chat.say("예")
    assert chat.store.get_user(key_of("홍길동")) is None
    s = chat.store.list_surveys()[0]
    assert len(chat.store.list_answers(s.id)) == 1
    assert "등록" in chat.say("메뉴")


def test_how_to_register_quick_reply_does_not_register_a_person_named_방법(chat: Chat) -> None:
    r = chat.say("안녕", who="새사람")
    for text in r.quick:
        again = chat.say(text, who="새사람")
        assert "등록 홍길동" in again
    assert chat.store.get_user(key_of("새사람")) is None


def test_registered_person_asking_how_to_register_keeps_their_name(chat: Chat) -> None:
    chat.register("홍길동", "2중대")
    assert "2중대 홍길동" in chat.say("등록 안내")
    assert chat.user("홍길동").name == "홍길동"


def yes_no_survey(chat: Chat) -> None:
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    for s in [
        "신청 만들기",
        "참석 조사",
        "건너뛰기",
        "금요일 참석?",
        "예/아니오",
        "필수",
        "토요일 참석?",
        "예/아니오",
        "필수",
        "질문 끝",
        "없음",
        "전체",
        "없음",
        "개설",
    ]:
        chat.say(s, who="관리자")


def test_double_tapped_answer_does_not_also_answer_the_next_question(chat: Chat) -> None:
    yes_no_survey(chat)
    first = chat.as_("홍길동").say("신청 참석 조사")
    second = chat.tap(first, "예")
    assert "2/2" in second
    again = chat.tap(first, "예")  # the same bubble's quick reply, tapped twice
    assert "이미 반영했어요" in again and "2/2" in again
    draft = chat.user("홍길동").session["drafts"]
    assert next(iter(draft.values()))["vals"] == {"q1": True}
    review = chat.tap(second, "아니오")
    assert "금요일 참석?: 예" in review and "토요일 참석?: 아니오" in review


def test_typed_answers_have_no_tap_and_are_taken_as_answers(chat: Chat) -> None:
    yes_no_survey(chat)
    chat.as_("홍길동").say("신청 참석 조사")
    chat.say("예")
    assert "제출 전 확인" in chat.say("예")  # typed twice: two answers, as the member wrote them
