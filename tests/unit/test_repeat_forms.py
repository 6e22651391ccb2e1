"""Forms that repeat and protect (issue 11): deadline changes and copies, through the conversation and on
the stored items."""

from __future__ import annotations

from datetime import datetime

from harness import Chat, key_of, make_bbq

from chalicelib.domain.model import ADMIN, CLOSED, KST, OPEN
from chalicelib.domain.session import Session

TITLE = "BBQ 회식"


def world() -> Chat:
    chat = Chat()  # "now" is Wednesday 2026-11-25 (the harness clock)
    chat.register("관리자", "본부", ADMIN)
    chat.register("다른관리자", "본부", ADMIN)
    make_bbq(chat)  # deadline 11/30 18:00
    chat.register("홍길동", "2중대")
    return chat


def survey(chat: Chat):
    return chat.store.list_surveys()[0]


def test_extend_moves_the_deadline_and_keeps_drafts() -> None:
    chat = world()
    chat.as_("홍길동").say(f"신청 {TITLE}")
    chat.say("피자")  # a draft of one answer
    said = chat.say(f"연장 {TITLE} 12월 5일 오후 6시", who="관리자")
    assert f"'{TITLE}' 마감을 12/5(토) 18:00으로 옮겼어요." in said and "작성 중이던 답은 그대로예요" in said
    s = survey(chat)
    assert s.deadline == datetime(2026, 12, 5, 18, 0, tzinfo=KST) and s.status == OPEN
    chat.say("메뉴", who="홍길동")  # out of the answer flow (the draft waits)
    assert "12/5(토) 18:00 마감" in chat.say("신청 목록", who="홍길동")
    draft = Session.from_dict(chat.user("홍길동").session).drafts[s.id]
    assert draft.values == {"q1": "피자"}
    (entry,) = [e for e in chat.store.list_audit() if e.action == "extend"]
    assert entry.actor == key_of("관리자") and entry.detail == "11/30(월) 18:00 → 12/5(토) 18:00"


def test_extend_reopens_a_closed_survey_until_then() -> None:
    chat = world()
    chat.say_all([f"마감 {TITLE}", "예"], who="관리자")
    assert survey(chat).status == CLOSED
    said = chat.say(f"연장 {TITLE} 다음주 금요일 18시", who="관리자")
    assert "마감되어 있던 신청을 다시 열었어요" in said
    assert survey(chat).status == OPEN and TITLE in chat.say("신청 목록", who="홍길동")


def test_extend_refuses_a_past_moment_someone_elses_survey_and_a_missing_time() -> None:
    chat = world()
    assert "이미 지난 시각이에요" in chat.say(f"연장 {TITLE} 2026-11-01 18:00", who="관리자")
    assert "언제까지인지" in chat.say(f"연장 {TITLE}", who="관리자")
    refused = chat.say(f"연장 {TITLE} 금요일 18시", who="다른관리자")
    assert "맞는 신청을 찾을 수 없어요" in refused  # as for a title that does not exist
    assert survey(chat).deadline == datetime(2026, 11, 30, 18, 0, tzinfo=KST)
    assert "연장" in chat.say("도움말", who="관리자")


def test_copy_opens_the_same_form_with_a_new_title_and_deadline() -> None:
    chat = world()
    chat.say(f"공동관리자 {TITLE} 다른관리자", who="관리자")
    preview = chat.say(f"복사 {TITLE}", who="다른관리자")  # a co-admin may copy too
    assert "질문 3개와 대상, 정원을 그대로 가져왔어요" in preview and "제목과 마감은 다음 회차로 맞췄어요" in preview
    # straight to the preview: the next period's title and deadline, a week on
    assert f"[미리보기] {TITLE} 12/7" in preview and "마감: 12/7(월) 18:00" in preview
    assert (
        "이대로 개설할까요?" in preview and "메뉴를 골라 주세요" in preview and preview.labels[:2] == ["개설", "수정"]
    )
    assert "개설했어요" in chat.say("개설", who="다른관리자")
    by_title = {s.title: s for s in chat.store.list_surveys()}
    original, copied = by_title[TITLE], by_title[f"{TITLE} 12/7"]
    assert copied.title == f"{TITLE} 12/7" and copied.owner == key_of("다른관리자")
    assert [q.to_dict() for q in copied.questions] == [q.to_dict() for q in original.questions]
    assert (copied.target_unit, copied.cap) == (original.target_unit, original.cap)
    assert copied.deadline == datetime(2026, 12, 7, 18, 0, tzinfo=KST) and copied.response_count == 0
    assert original.title == TITLE and original.deadline == datetime(2026, 11, 30, 18, 0, tzinfo=KST)


def test_a_copy_of_a_weekly_title_moves_its_date_and_never_suggests_a_taken_title() -> None:
    chat = world()
    make_bbq(chat, title="주간 식수 12/1", deadline="12/1 18:00")
    make_bbq(chat, title="주간 식수 12/8", deadline="12/8 18:00")
    said = chat.say("복사 주간 식수 12/1", who="관리자")
    assert "[미리보기] 주간 식수 12/15" in said and "마감: 12/15(화) 18:00" in said  # 12/8 is taken
    asked = chat.say("수정 제목", who="관리자")
    assert asked.quick[0] == "주간 식수 12/15"
    assert "이미 있는 제목" in chat.say("주간 식수 12/8", who="관리자")
    assert "[미리보기] 주간 식수 12/22" in chat.say("주간 식수 12/22", who="관리자")


def test_only_ones_own_surveys_are_copied() -> None:
    chat = world()
    assert "맞는 신청을 찾을 수 없어요" in chat.say(f"복사 {TITLE}", who="다른관리자")
    assert chat.user("다른관리자").session.get("wizard") is None
    assert "관리자만 쓸 수 있는 명령이에요" in chat.say(f"복사 {TITLE}", who="홍길동")


def test_a_number_question_carries_its_unit_into_answers_status_and_the_export() -> None:
    from chalicelib.export.answer_rows import survey_rows

    chat = world()
    steps = [
        "신청 만들기",
        "점심 주문",
        "건너뛰기",
        "몇 인분?",
        "숫자",
        "1~5 인분",
        "필수",
        "질문 끝",
        "없음",
        "전체",
        "없음",
    ]
    said = chat.say_all(steps, who="관리자")
    assert "숫자 1~5 (인분)" in said  # the preview
    chat.say("개설", who="관리자")
    chat.as_("홍길동").say("신청 점심 주문")
    asked = chat.say("3인분")  # the unit typed along is understood
    assert "제출 전 확인" in asked and "1. 몇 인분?: 3인분" in asked
    chat.say("제출")
    status = chat.say("현황 점심 주문", who="관리자")
    assert "합계 3인분 (응답 1)" in status
    s = next(x for x in chat.store.list_surveys() if x.title == "점심 주문")
    header, rows = survey_rows(s, chat.store.list_answers(s.id))
    assert "몇 인분? (인분)" in header and rows[0][header.index("몇 인분? (인분)")] == 3
    assert s.questions[0].unit == "인분"


def test_a_unit_alone_or_after_a_range_and_a_word_that_is_no_unit() -> None:
    chat = world()
    chat.say_all(["신청 만들기", "간식", "건너뛰기", "몇 개?", "숫자"], who="관리자")
    assert "'최소~최대' 모양으로" in chat.say("많이", who="관리자")
    assert "꼭 답해야" in chat.say("개", who="관리자")  # a common unit alone: no range


def test_multiple_choice_with_a_number_of_picks() -> None:
    chat = world()
    said = chat.say_all(
        ["신청 만들기", "근무 희망", "건너뛰기", "가능한 요일?", "복수선택", "월, 화, 수, 목"], who="관리자"
    )
    assert "몇 개까지 고를 수 있나요?" in said and "제한 없음" in said.quick
    assert "보기가 4개예요" in chat.say("최대 9", who="관리자")
    assert "최소가 최대보다" in chat.say("3~2", who="관리자")
    assert "꼭 답해야" in chat.say("1~2", who="관리자")
    preview = chat.say_all(["필수", "질문 끝", "없음", "전체", "없음"], who="관리자")
    assert "복수선택: 월, 화, 수, 목 · 1~2개" in preview
    chat.say("개설", who="관리자")
    q = next(s for s in chat.store.list_surveys() if s.title == "근무 희망").questions[0]
    assert (q.kind, q.min, q.max) == ("multi", 1, 2)
    asked = chat.as_("홍길동").say("신청 근무 희망")
    assert "보기를 하나씩 눌러 고르고 '선택 완료'를 눌러 주세요 (1~2개)" in asked
    assert "최대 2개까지 골라 주세요" in chat.say("월, 화, 수")
    assert "제출 전 확인" in chat.say("월, 수")
    # a single choice question never asks how many
    said = chat.say_all(["신청 만들기", "점심", "건너뛰기", "메뉴?", "선택", "밥, 면"], who="관리자")
    assert "꼭 답해야" in said


def test_free_text_of_a_format_phone_email_digits_or_a_pattern() -> None:
    chat = world()
    steps = [
        "신청 만들기",
        "연락처",
        "건너뛰기",
        "휴대폰?",
        "주관식 전화번호",
        "필수",
        "메일?",
        "주관식 이메일",
        "생략 가능",
        "차량 번호?",
        "주관식 ##가####",
        "생략 가능",
        "학번 끝자리?",
        "주관식 숫자만",
        "생략 가능",
        "하고 싶은 말",
        "주관식",
        "생략 가능",
        "질문 끝",
        "없음",
        "전체",
        "없음",
    ]
    preview = chat.say_all(steps, who="관리자")
    assert "주관식 (전화번호)" in preview and "주관식 (이메일)" in preview and "주관식 (##가####)" in preview
    assert "주관식 (숫자만)" in preview and "하고 싶은 말 (주관식" in preview
    chat.say("개설", who="관리자")
    s = next(x for x in chat.store.list_surveys() if x.title == "연락처")
    assert [q.format for q in s.questions] == ["phone", "email", "tpl:##가####", "digits", ""]
    chat.as_("홍길동").say("신청 연락처")
    assert "전화번호로 입력해 주세요" in chat.say("전화 안 받아요")
    assert "2/5" in chat.say("010-1234-5678")
    assert "이메일 주소로 입력해 주세요" in chat.say("hong at example")
    assert "3/5" in chat.say("hong@example.com")
    assert "'##가####' 모양으로" in chat.say("12가 34567")
    assert "4/5" in chat.say("12가 3456")  # spaces as people put them: kept in the pattern's shape
    assert "숫자만 입력해 주세요" in chat.say("12a")
    assert "5/5" in chat.say("0012")
    review = chat.say("아무 말이나 돼요")
    assert "제출 전 확인" in review and "3. 차량 번호?: 12가3456" in review


def test_a_format_that_is_none_of_them_is_refused_in_the_wizard() -> None:
    chat = world()
    chat.say_all(["신청 만들기", "x", "건너뛰기", "무엇?"], who="관리자")
    assert "#·가·A로 모양을 적어 주세요" in chat.say("주관식 아무거나", who="관리자")
    assert "꼭 답해야" in chat.say("주관식", who="관리자")
