"""Admin and super-admin flows: wizard, totals, chasing, close/reopen/delete, co-admins, downloads, permissions."""

from __future__ import annotations

import pytest
from fakes import FakeExporter
from harness import Chat, key_of, make_bbq

from chalicelib.domain.kinds import CHOICE, DATE, MULTI, NUMBER, TEXT, YESNO
from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.domain.session import Session


def admin_chat(c: Chat, exporter: FakeExporter | None = None) -> Chat:
    """A super admin, an admin and two members of different units, registered; files through ``exporter``."""
    c.bot.exporter = exporter
    c.register("슈퍼", "본부", SUPER)
    c.register("관리자", "본부", ADMIN)
    c.register("홍길동", "2중대")
    c.register("김철수", "3중대")
    return c


def answer(c: Chat, who: str, *texts: str) -> None:
    c.as_(who).say("신청 BBQ 회식")
    for t in texts:
        c.say(t)
    assert "제출했어요" in c.say("제출")


# --- wizard ---------------------------------------------------------------------------------


@pytest.mark.every_store
def test_wizard_builds_every_question_kind(chat: Chat) -> None:
    c = admin_chat(chat)
    c.as_("관리자")
    steps = [
        ("신청 만들기", "제목"),
        ("체육대회 참가", "설명"),
        ("11/28 운동장", "1번 질문"),
        ("이름 확인", "형식"),
        ("주관식", "꼭 답해야"),
        ("필수", "2번 질문"),
        ("인원", "형식"),
        ("숫자", "범위"),
        ("1~10", "꼭"),
        ("필수", "3번"),
        ("종목", "형식"),
        ("선택", "보기"),
        ("축구:11, 농구:5, 응원", "꼭"),
        ("필수", "4번"),
        ("간식", "형식"),
        ("복수선택", "보기"),
        ("빵, 음료, 과일", "몇 개까지"),
        ("제한 없음", "꼭"),
        ("생략 가능", "5번"),
        ("도착일", "형식"),
        ("날짜", "꼭"),
        ("필수", "6번"),
        ("차량 필요", "형식"),
        ("예/아니오", "꼭"),
        ("필수", "7번"),
        ("질문 끝", "마감 일시"),
        ("11/27 18:00", "대상 소속"),
        ("전체", "최대 응답"),
        ("50", "미리보기"),
    ]
    for text, expect in steps:
        r = c.say(text)
        assert expect in r, (text, r)
    assert "축구(11명)" in r and "간식 (복수선택: 빵, 음료, 과일, 생략 가능)" in r
    assert "개설했어요" in c.say("개설")
    s = c.store.list_surveys()[0]
    assert [q.kind for q in s.questions] == [TEXT, NUMBER, CHOICE, MULTI, DATE, YESNO]
    assert s.questions[1].min == 1 and s.questions[1].max == 10
    assert s.questions[2].capacity == {"축구": 11, "농구": 5}
    assert s.questions[3].required is False
    assert s.cap == 50 and s.owner == key_of("관리자")
    assert s.deadline.month == 11 and s.deadline.day == 27 and s.deadline.hour == 18
    assert [e.action for e in c.store.list_audit()] == ["create"]
    # every kind answers and validates
    c.as_("홍길동").say("신청 체육대회 참가")
    for text, expect in [
        ("홍길동", "2/6"),
        ("3", "3/6"),
        ("야구", "보기 중에서"),
        ("축구", "4/6"),
        ("빵, 과일", "5/6"),
        ("2026-13-01", "날짜로"),
        ("11/28", "6/6"),
        ("몰라", "'예' 또는"),
        ("네", "제출 전 확인"),
    ]:
        r = c.say(text)
        assert expect in r, (text, r)
    assert "제출했어요" in c.say("제출")
    a = c.store.get_answer(s.id, key_of("홍길동"))
    assert a.values == {"q1": "홍길동", "q2": 3, "q3": "축구", "q4": ["빵", "과일"], "q5": "2026-11-28", "q6": True}


def test_wizard_validates_and_goes_back(chat: Chat) -> None:
    c = admin_chat(chat)
    c.as_("관리자").say("신청 만들기")
    assert "1~40자" in c.say("가" * 41)
    for bad in ("목록", "취소 안내", "마스터키", "a#b"):
        assert "헷갈리는 제목" in c.say(bad)
    c.say("점호 조사")
    c.say("건너뛰기")
    assert "질문이 하나는" in c.say("질문 끝")
    c.say("기상 시각")
    assert "아래 형식" in c.say("서술형")
    c.say("선택")
    assert "2~8개" in c.say("하나")
    assert "두 번" in c.say("6시, 6시")
    r = c.say("이전")
    assert "형식을 골라" in r
    c.say("숫자")
    assert "최소~최대" in c.say("열")
    assert "최소가 최대보다" in c.say("10~1")
    c.say("5~7")
    c.say("필수")
    c.say("질문 끝")
    assert "지난 시각" in c.say("2020-01-01 10:00")
    c.say("없음")
    assert "소속 이름" in c.say("<전체>")
    c.say("전체")
    assert "정수" in c.say("-3")
    r = c.say("없음")
    assert "마감 없음" in r and "제한 없음" in r
    assert "그만뒀어요" in c.say("취소")
    assert c.store.list_surveys() == []


def test_titles_that_typed_alone_would_run_a_command_are_refused(chat: Chat) -> None:
    """A member types a title alone to answer it: '등록금 납부' would rename them, '신청 방법' list surveys."""
    c = admin_chat(chat)
    c.as_("관리자").say("신청 만들기")
    for bad in ("등록금 납부 조사", "신청 방법 안내", "내 신청 정리", "탈퇴", "예"):
        assert "헷갈리는 제목" in c.say(bad), bad
    assert "설명을 입력해 주세요" in c.say("납부 등록금 조사")


def test_wizard_pauses_on_menu_and_resumes(chat: Chat) -> None:
    c = admin_chat(chat)
    c.as_("관리자").say("신청 만들기")
    c.say("야유회")
    m = c.say("메뉴")
    assert "만들던 신청서" in m
    assert "설명" in c.say("신청 만들기")
    assert "제목" in c.say("신청 만들기 새로")


@pytest.mark.every_store
def test_members_cannot_create_and_attempt_is_audited(chat: Chat) -> None:
    c = admin_chat(chat)
    r = c.as_("홍길동").say("신청 만들기")
    assert "관리자만" in r
    for cmd in ("현황 BBQ", "마감 BBQ", "다운로드 BBQ", "관리자 등록 김철수", "마스터키"):
        assert "만 쓸 수 있는 명령" in c.say(cmd)
    denied = [e for e in c.store.list_audit() if e.action == "denied"]
    assert len(denied) == 6 and all(e.actor == key_of("홍길동") for e in denied)


# --- totals and chasing ---------------------------------------------------------------------------


@pytest.mark.every_store
def test_status_counts_sums_capacity_and_units(chat: Chat) -> None:
    c = admin_chat(chat)
    make_bbq(c)
    answer(c, "홍길동", "치킨", "3", "건너뛰기")
    answer(c, "김철수", "피자", "2", "없음")
    r = c.as_("관리자").say("현황 BBQ 회식")
    assert "응답 2명 / 대상 4명 (전체, 50%)" in r
    assert "치킨 1(남은 1)" in r and "피자 1" in r and "족발 0" in r
    assert "수량: 합계 5" in r and "보기별: 치킨 3, 피자 2" in r
    assert "• 2중대 1명, 수량 3" in r and "• 3중대 1명, 수량 2" in r
    assert "미응답 BBQ 회식" in r.quick and "다운로드 BBQ 회식" in r.quick


@pytest.mark.every_store
def test_missing_lists_registered_members_of_target(chat: Chat) -> None:
    c = admin_chat(chat)
    make_bbq(c, target="2중대")
    c.register("박영희", "2중대")
    answer(c, "홍길동", "치킨", "3", "건너뛰기")
    r = c.as_("관리자").say("미응답 BBQ 회식")
    assert "미응답 1명" in r and "2중대 박영희" in r and "김철수" not in r and "홍길동" not in r
    answer(c, "박영희", "피자", "1", "건너뛰기")
    assert "모두 응답했어요" in c.as_("관리자").say("미응답 BBQ 회식")


def test_missing_pages_long_rosters(chat: Chat) -> None:
    c = admin_chat(chat)
    make_bbq(c)
    for n in range(130):
        c.register(f"대원{n:03d}", "4중대")
    r = c.as_("관리자").say("미응답 BBQ 회식")
    assert "미응답 134명" in r and "미응답 BBQ 회식 2" in r.quick
    r2 = c.say("미응답 BBQ 회식 2")
    assert "(2쪽)" in r2 and "대원" in r2
    assert "미응답 BBQ 회식 3" in c.say("미응답 BBQ 회식 2").quick


@pytest.mark.every_store
def test_close_reopen_and_deadline_reopen(chat: Chat) -> None:
    c = admin_chat(chat)
    make_bbq(c)
    c.as_("관리자")
    asked = c.say("마감 BBQ 회식")
    assert "'BBQ 회식'을 지금 마감할까요? 응답 0명." in asked and asked.quick == ["예", "아니오"]
    assert "그대로 둘게요" in c.say("아니오") and "(진행 중 · " in c.say("현황 BBQ 회식")
    c.say("마감 BBQ 회식")
    assert "마감했어요" in c.say("예")
    assert "이미 마감" in c.say("마감 BBQ 회식")
    assert "마감되었어요" in c.say("신청 BBQ 회식", who="홍길동")
    assert "다시 열었어요" in c.say("재개 BBQ 회식", who="관리자")
    assert "1/3" in c.say("신청 BBQ 회식", who="홍길동")
    c.clock.advance(days=10)
    r = c.say("재개 BBQ 회식", who="관리자")
    assert "마감 없이 열었어요" in r
    assert c.store.list_surveys()[0].deadline is None
    assert [e.action for e in c.store.list_audit()][:3] == ["reopen", "reopen", "close"]


@pytest.mark.every_store
def test_delete_needs_confirmation_and_removes_answers(chat: Chat) -> None:
    ex = FakeExporter()
    c = admin_chat(chat, ex)
    make_bbq(c)
    answer(c, "홍길동", "치킨", "3", "건너뛰기")
    sid = c.store.list_surveys()[0].id
    c.as_("관리자")
    assert "되돌릴 수 없어요" in c.say("삭제 BBQ 회식")
    assert "그대로" in c.say("아니오")
    assert c.store.get_survey(sid) is not None
    c.say("삭제 BBQ 회식")
    assert "삭제했어요" in c.say("예")
    assert c.store.get_survey(sid) is None and c.store.list_answers(sid) == []
    assert ex.forgotten == [sid]
    assert "delete" in [e.action for e in c.store.list_audit()]
    assert "제출한 신청이 없어요" in c.say("내 신청", who="홍길동")


def test_a_delete_confirmed_after_losing_admin_is_refused_and_the_question_ends(chat: Chat) -> None:
    c = admin_chat(chat)
    make_bbq(c)
    assert "되돌릴 수 없어요" in c.as_("관리자").say("삭제 BBQ 회식")
    assert "관리자에서 해제할까요?" in c.say("관리자 해제 관리자", who="슈퍼")
    c.say("예", who="슈퍼")
    assert "관리자만 쓸 수 있는 명령이에요" in c.say("예", who="관리자")
    assert "진행 중인 작업이 없어요" in c.say("예", who="관리자")  # the question does not wait any more
    assert len(c.store.list_surveys()) == 1
    assert [e.action for e in c.store.list_audit()][:2] == ["denied", "revoke_admin"]


@pytest.mark.every_store
def test_other_admin_cannot_touch_my_survey_until_coadmin(chat: Chat) -> None:
    c = admin_chat(chat)
    make_bbq(c)
    c.register("이관리", "본부", ADMIN)
    r = c.say("현황 BBQ 회식", who="이관리")
    assert r.text == c.say("현황 없는 제목", who="이관리").text.replace("없는 제목'과", "BBQ 회식'과")  # as if none
    assert c.store.list_audit()[0].action == "denied"
    assert "관리자가 아니에요" in c.say("공동관리자 BBQ 회식 홍길동", who="관리자")
    assert "공동관리자가 되었어요" in c.say("공동관리자 BBQ 회식 이관리", who="관리자")
    assert "이미" in c.say("공동관리자 BBQ 회식 이관리", who="관리자")
    assert "현황" in c.say("현황 BBQ 회식", who="이관리")
    assert "BBQ 회식" in c.say("내 신청서", who="이관리")


@pytest.mark.every_store
def test_download_builds_a_card_with_links(chat: Chat) -> None:
    ex = FakeExporter()
    c = admin_chat(chat, ex)
    make_bbq(c)
    answer(c, "홍길동", "치킨", "3", "건너뛰기")
    r = c.as_("관리자").say("다운로드 BBQ 회식")
    assert [b["action"] for b in r.buttons] == ["webLink", "webLink"]
    assert r.buttons[0]["webLinkUrl"].endswith(".xlsx") and "10분" in r  # one lifetime for every link
    assert ex.calls == [("survey", [c.store.list_surveys()[0].id], 1)]
    assert c.store.list_audit()[0].action == "download"


def test_download_without_exporter_says_so(chat: Chat) -> None:
    c = admin_chat(chat)
    make_bbq(c)
    assert "쓸 수 없는" in c.as_("관리자").say("다운로드 BBQ 회식")


# --- titles --------------------------------------------------------------------------------------------


def twin_of(c: Chat, sid: str, owner: str) -> str:
    """Store a copy of survey ``sid`` under a new id, owned by ``owner``, listed as open."""
    import dataclasses

    from chalicelib.domain.writes import ListSurvey, PutSurvey

    s = c.store.get_survey(sid)
    assert s is not None
    twin = dataclasses.replace(s, id=sid[::-1], owner=key_of(owner), response_count=0, option_counts={})
    c.store.commit([PutSurvey(twin), ListSurvey(twin.info())])
    return twin.id


def test_a_title_in_use_is_refused_with_a_free_one_suggested(chat: Chat) -> None:
    c = admin_chat(chat)
    make_bbq(c)
    c.as_("관리자").say("신청 만들기")
    said = c.say("BBQ 회식")
    # Before: a second 'BBQ 회식' opened, and lists read "1) BBQ 회식 2) BBQ 회식".
    assert (
        "'BBQ 회식'은 이미 있는 제목이에요 (진행 중 · 11/30(월) 18:00). 다른 제목을 입력해 주세요. 예: BBQ 회식 2"
        in said
    )
    assert "설명" in c.say("BBQ 회식 2")
    c.say("취소")
    c.say_all(["마감 BBQ 회식", "예"])  # a closed survey keeps its title too
    c.say("신청 만들기")
    assert "이미 있는 제목이에요 (마감 · " in c.say("BBQ 회식")


def test_a_title_taken_while_the_wizard_ran_sends_the_admin_back_to_it(chat: Chat) -> None:
    c = admin_chat(chat)
    from scripts.wizard import bbq_messages

    script = bbq_messages(title="주간 식수")
    for text in script[:-1]:
        c.say(text, who="관리자")
    make_bbq(c, admin="슈퍼", title="주간 식수")  # opened meanwhile
    said = c.say("개설", who="관리자")
    assert "이미 있는 제목" in said and "주간 식수 2" in said and "개설했어요" not in said
    # Back at the title, every later answer kept: straight on to the preview, then open.
    assert "이대로 개설할까요?" in c.say("주간 식수 2", who="관리자")
    assert "'주간 식수 2'를 개설했어요" in c.say("개설", who="관리자")
    assert len(c.store.surveys_titled("주간 식수 2")) == 1 and len(c.store.surveys_titled("주간 식수")) == 1


def test_duplicate_and_near_titles_offer_a_choice(chat: Chat) -> None:
    c = admin_chat(chat)
    make_bbq(c)
    # The wizard no longer opens a second survey of a title, but surveys from before (or from two admins
    # opening the same title at one moment) may share one: the super admin's copy, stored as it would be.
    twin_of(c, c.store.surveys_titled("BBQ 회식")[0].id, owner="슈퍼")
    r = c.as_("홍길동").say("신청 BBQ 회식")
    # Before: "여러 개이거나 정확하지 않아요" and "1) BBQ 회식 2) BBQ 회식", a tap sending "신청 BBQ 회식#5bb973eb".
    assert "'BBQ 회식'이 여러 개예요. 어느 것인가요?" in r
    picks = [(text, extra) for text, extra in r.taps if text == "신청 BBQ 회식"]
    assert len(picks) == 2 and len({e["pick"] for _, e in picks}) == 2  # the id rides in clientExtra only
    assert r.labels[:2] == ["1번 BBQ 회식", "2번 BBQ 회식"] and not any("#" in q for q in r.quick)
    r2 = c.tap_at(r, 1)
    assert "1/3" in r2 and set(Session.from_dict(c.user("홍길동").session).drafts) == {picks[1][1]["pick"]}
    r3 = c.as_("관리자").say("현황 BBQ 회싁")
    assert "혹시 'BBQ 회식'을 찾으세요?" in r3 and r3.quick[0] == "현황 BBQ 회식"
    assert "여러 개이거나" not in r3
    assert "찾을 수 없어요" in c.say("현황 전혀다른제목")


# --- super admin ---------------------------------------------------------------------------------------------


@pytest.mark.every_store
def test_super_admin_grants_revokes_and_lists(chat: Chat) -> None:
    c = admin_chat(chat)
    c.as_("슈퍼")
    asked = c.say("관리자 등록 홍길동")
    assert "2중대 홍길동#" in asked and "관리자로 등록할까요?" in asked and c.user("홍길동").role == 0
    assert "관리자로 등록했어요" in c.say("예")
    assert c.user("홍길동").role == ADMIN
    assert "이미 관리자" in c.say("관리자 등록 홍길동")
    r = c.say("관리자 목록")
    assert "2중대 홍길동 — 관리자" in r and "본부 슈퍼 — 슈퍼관리자" in r
    c.say("관리자 해제 홍길동")
    assert "그대로 둘게요" in c.say("아니오") and c.user("홍길동").role == ADMIN
    c.say("관리자 해제 홍길동")
    assert "해제했어요" in c.say("예")
    assert c.user("홍길동").role == 0
    assert "자기 자신" in c.say("관리자 해제 슈퍼")
    assert "등록된 사람이 없어요" in c.say("관리자 등록 없는사람")
    actions = [e.action for e in c.store.list_audit()]
    assert actions[:2] == ["revoke_admin", "grant_admin"]


@pytest.mark.every_store
def test_ambiguous_names_ask_which_person_by_unit(chat: Chat) -> None:
    c = admin_chat(chat)
    c.register("동명이", "1중대")
    c.register("동명이2", "2중대")
    # rename the second to the same display name
    c.say("등록 2중대 동명이", who="동명이2")
    r = c.as_("슈퍼").say("관리자 등록 동명이")
    assert "2명이에요" in r and "관리자 등록 2중대 동명이" in r.quick and "관리자 등록 1중대 동명이" in r.quick
    assert "• 2중대 동명이#" in r and r.labels[:2] == ["1중대 동명이", "2중대 동명이"]  # the chips differ
    assert "2중대 동명이#" in c.tap(r, "관리자 등록 2중대 동명이")
    assert "관리자로 등록했어요" in c.say("예")
    assert c.user("동명이2").role == ADMIN and c.user("동명이").role == 0


def test_admin_cannot_manage_admins_and_super_cannot_be_demoted_in_chat(chat: Chat) -> None:
    c = admin_chat(chat)
    assert "슈퍼관리자만" in c.as_("관리자").say("관리자 등록 홍길동")
    c.register("슈퍼2", "본부", SUPER)
    assert "채팅으로 바꿀 수 없어요" in c.as_("슈퍼").say("관리자 해제 슈퍼2")


@pytest.mark.every_store
def test_master_key_exports_every_survey(chat: Chat) -> None:
    ex = FakeExporter()
    c = admin_chat(chat, ex)
    make_bbq(c)
    make_bbq(c, title="체육대회")
    answer(c, "홍길동", "치킨", "3", "건너뛰기")
    r = c.as_("슈퍼").say("마스터키")
    assert r.buttons[0]["webLinkUrl"].endswith("all.xlsx")
    assert ex.calls[0][0] == "master" and len(ex.calls[0][1]) == 2 and ex.calls[0][2] == 1
    assert "현황" in c.say("현황 BBQ 회식")  # super admin sees every survey


def test_long_lists_page_with_more(chat: Chat) -> None:
    c = admin_chat(chat)
    for n in range(12):
        make_bbq(c, title=f"조사 {n:02d}")
    r = c.as_("홍길동").say("신청 목록")
    assert "응답할 수 있는 신청 12건" in r and r.quick[-2:] == ["신청 목록 2", "메뉴"]
    assert len(r.quick) == 10
    r2 = c.say("신청 목록 2")
    assert "(2쪽)" in r2 and len(r2.quick) == 5
    assert "내 신청서 2" in c.as_("관리자").say("내 신청서").quick


def test_status_of_an_unanswered_survey_has_no_empty_unit_section(chat: Chat) -> None:
    c = admin_chat(chat)
    make_bbq(c, target="2중대")
    r = c.as_("관리자").say("현황 BBQ 회식")
    assert "응답 0명 / 대상 1명 (2중대, 0%)" in r and "소속별" not in r
