"""Copy and repeat without dead ends (issue 23, item 5): the preview's 수정 changes any question (text, kind and
its settings, required or not), the title, description, deadline, target and cap, adds and takes out questions;
복사 lands on the preview of the next period; a repeating survey's deadline may fall after the next period's
start, and one that would cover a whole period gets the nearest deadline that does, in a chip."""

from __future__ import annotations

from datetime import datetime

from harness import Chat, Clock, make_bbq

from chalicelib.domain.model import ADMIN, KST
from scripts.wizard import bbq_messages


def preview(chat: Chat, title: str = "BBQ 회식", deadline: str = "11/30 18:00"):
    chat.register("관리자", "본부", ADMIN)
    return chat.say_all(bbq_messages(title=title, deadline=deadline)[:-1], who="관리자")


def survey(chat: Chat, title: str):
    return next(s for s in chat.store.list_surveys() if s.title == title)


def test_edit_alone_lists_what_can_change() -> None:
    chat = Chat()
    shown = preview(chat)
    assert shown.labels[:2] == ["개설", "수정"]
    said = chat.say("수정", who="관리자")  # before: "'개설'을 누르면 열려요…"
    assert "무엇을 고칠까요?" in said and "[미리보기] BBQ 회식" in said
    assert said.labels[:7] == ["1번 질문", "2번 질문", "3번 질문", "제목", "마감", "대상", "최대 응답"]
    assert "질문 추가" in said.labels and len(said.labels) <= 10
    assert "'개설'을 누르면 열려요" in chat.say("아무거나", who="관리자")  # still on the preview


def test_a_question_is_changed_in_its_place_text_kind_settings_and_required() -> None:
    chat = Chat()
    preview(chat)
    asked = chat.tap(chat.say("수정", who="관리자"), "수정 1", who="관리자")
    assert "1번 질문을 고쳐 써 주세요. 지금: 메뉴를 골라 주세요" in asked and asked.quick[0] == "그대로"
    kinds = chat.say("그대로", who="관리자")
    assert "지금: 선택: 치킨(2명), 피자, 족발" in kinds and kinds.quick[0] == "그대로"
    options = chat.say("그대로", who="관리자")  # the kind kept: its options offered as they are
    assert "보기를 쉼표로" in options and options.quick[0] == "그대로"
    required = chat.say("치킨:3, 피자, 족발, 보쌈", who="관리자")
    assert "꼭 답해야" in required and required.quick[0] == "그대로"
    back = chat.say("그대로", who="관리자")
    assert "[미리보기]" in back and "1. 메뉴를 골라 주세요 (선택: 치킨(3명), 피자, 족발, 보쌈)" in back
    # the number question becomes a multiple choice one, with a new text, and optional
    chat.say_all(["수정 2", "곁들일 음료", "복수선택", "콜라, 사이다", "최대 1"], who="관리자")
    back = chat.say("생략 가능", who="관리자")
    assert "2. 곁들일 음료 (복수선택: 콜라, 사이다 · 최대 1개, 생략 가능)" in back
    assert "개설했어요" in chat.say("개설", who="관리자")
    s = survey(chat, "BBQ 회식")
    assert [q.id for q in s.questions] == ["q1", "q2", "q3"]
    assert s.questions[0].capacity == {"치킨": 3} and s.questions[1].kind == "multi"
    assert s.questions[1].min is None and s.questions[1].max == 1 and not s.questions[1].required
    assert s.option_counts == {"q1:치킨": 0}  # the survey item counts the options with a capacity only


def test_title_description_deadline_target_and_cap_go_back_to_the_preview() -> None:
    chat = Chat()
    preview(chat)
    assert "[미리보기] 저녁 회식" in chat.say_all(["수정 제목", "저녁 회식"], who="관리자")
    assert "고기 먹어요" in chat.say_all(["수정 설명", "고기 먹어요"], who="관리자")
    back = chat.say_all(["마감", "12/4 18:00"], who="관리자")
    assert "[미리보기]" in back and "마감: 12/4(금) 18:00" in back
    back = chat.say_all(["수정 대상", "2중대"], who="관리자")
    assert "대상: 2중대" in back
    back = chat.say_all(["최대 응답", "30"], who="관리자")
    assert "최대 응답: 30" in back
    back = chat.say_all(["수정 응답 방식", "참여만 확인", "수정 보관 기간", "30일"], who="관리자")
    assert "응답 방식: 참여만 확인" in back and "응답 보관: 마감 후 30일" in back
    assert "개설했어요" in chat.say("개설", who="관리자")
    s = survey(chat, "저녁 회식")
    assert (s.description, s.target_unit, s.cap, s.mode, s.keep_days) == ("고기 먹어요", "2중대", 30, "presence", 30)
    assert s.deadline == datetime(2026, 12, 4, 18, 0, tzinfo=KST)


def test_questions_added_and_taken_out_keep_their_ids_apart() -> None:
    chat = Chat()
    preview(chat)
    said = chat.say("질문 빼기 2", who="관리자")
    assert "2번 질문 '수량'을 뺐어요" in said and "2. 메모" in said and "수량" not in said.text.split("뺐어요")[1]
    said = chat.say_all(["질문 추가", "도착 시간", "시간 18:00~22:00", "필수"], who="관리자")
    assert "3. 도착 시간 (시간 18:00~22:00)" in said
    assert "질문이 하나는 있어야" in chat.say_all(["질문 빼기 1", "질문 빼기 1", "질문 빼기 1"], who="관리자")
    assert "개설했어요" in chat.say("개설", who="관리자")
    s = survey(chat, "BBQ 회식")
    assert [(q.id, q.text) for q in s.questions] == [("q4", "도착 시간")]


def test_back_from_a_change_returns_to_the_preview_unchanged() -> None:
    chat = Chat()
    preview(chat)
    chat.say("수정 대상", who="관리자")
    back = chat.say("이전", who="관리자")
    assert "[미리보기]" in back and "대상: 전체" in back


def test_copy_lands_on_the_preview_and_any_question_changes_there() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat)
    said = chat.say("복사 BBQ 회식", who="관리자")
    assert "[미리보기] BBQ 회식 12/7" in said and "마감: 12/7(월) 18:00" in said
    chat.say_all(["수정 1", "그대로", "그대로", "치킨, 피자, 족발, 떡볶이", "그대로"], who="관리자")
    back = chat.say_all(["수정 대상", "3중대", "최대 응답", "20"], who="관리자")
    assert "1. 메뉴를 골라 주세요 (선택: 치킨, 피자, 족발, 떡볶이)" in back and "대상: 3중대" in back
    assert "개설했어요" in chat.say("개설", who="관리자")
    copied, original = survey(chat, "BBQ 회식 12/7"), survey(chat, "BBQ 회식")
    assert copied.questions[0].options == ["치킨", "피자", "족발", "떡볶이"] and copied.questions[0].capacity == {}
    assert (copied.target_unit, copied.cap) == ("3중대", 20)
    assert original.questions[0].options == ["치킨", "피자", "족발"] and original.target_unit == ""


def test_a_weekly_survey_made_on_thursday_with_a_wednesday_deadline_repeats() -> None:
    # Thursday 11/26: 매주 월 9시 with the deadline Wednesday 12/2 18:00 (before: "마감이 다음 회차보다 늦어요")
    chat = Chat(clock=Clock(datetime(2026, 11, 26, 10, 0, tzinfo=KST)))
    shown = preview(chat, title="주간 식수", deadline="12/2 18:00")
    assert "마감: 12/2(수) 18:00" in shown
    said = chat.say_all(["여는 때", "매주 월 9시"], who="관리자")
    assert (
        "열림: 개설하면 바로, 그 뒤로 매주 월요일 09:00마다 새 회차 (다음 회차 12/7(월) 09:00~12/9(수) 18:00)" in said
    )
    assert "개설했어요" in chat.say("개설", who="관리자")
    (plan,) = chat.store.planned()
    assert plan.next == datetime(2026, 12, 7, 9, 0, tzinfo=KST) and plan.lasts == 57 * 3600


def test_a_deadline_that_covers_a_whole_period_gets_the_nearest_that_does_in_a_chip() -> None:
    chat = Chat(clock=Clock(datetime(2026, 11, 26, 10, 0, tzinfo=KST)))
    preview(chat, title="주간 식수", deadline="12/9 18:00")
    chat.say("여는 때", who="관리자")
    refused = chat.say("매주 월 9시", who="관리자")
    assert "11/30(월) 09:00에 열릴 회차가 통째로 지나가요" in refused
    assert "마감을 12/2(수) 18:00으로 당길까요?" in refused
    assert refused.labels[0] == "마감 12/2 18:00" and refused.quick[0] == "매주 월 9시, 마감 12/2 18:00"
    said = chat.tap(refused, "매주 월 9시, 마감 12/2 18:00", who="관리자")
    assert "마감: 12/2(수) 18:00" in said and "다음 회차 12/7(월) 09:00~12/9(수) 18:00" in said
