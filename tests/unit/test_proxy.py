"""대리 응답: an admin enters the answer of someone who cannot answer in chat; it counts as theirs."""

from __future__ import annotations

import dataclasses

import pytest
from fakes import FakeExporter
from harness import Chat, key_of, load_roster, make_bbq

from chalicelib.domain.model import ADMIN, User
from chalicelib.domain.writes import ListSurvey, PutSurvey, PutUser
from chalicelib.export.answer_rows import survey_rows

TITLE = "BBQ 회식"


def audit(c: Chat) -> list:
    return list(reversed(c.store.list_audit(1000)))


def world(chat: Chat) -> Chat:
    chat.register("관리자", "본부", ADMIN)
    chat.register("다른관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    chat.register("김철수", "2중대")
    make_bbq(chat, target="2중대")
    return chat


def survey(c: Chat):
    return next(s for s in c.store.list_surveys() if s.title == TITLE)


def enter_for(c: Chat, who: str) -> None:
    r = c.say(f"대리 응답 {TITLE} {who}", who="관리자")
    assert "님의 답을 대신 적어요" in r and "대리 응답" in r, r
    c.say_all(["피자", "2", "건너뛰기"], who="관리자")
    r = c.say("제출", who="관리자")
    assert "님의 답을 대신 제출했어요" in r, r


@pytest.mark.every_store
def test_an_answer_entered_for_a_member_counts_as_theirs(chat: Chat) -> None:
    c = world(chat)
    missing = c.say(f"미응답 {TITLE}", who="관리자")
    assert "김철수" in missing and f"대리 응답 {TITLE}" in missing.quick
    assert "이름을 붙여 주세요" in c.tap(missing, f"대리 응답 {TITLE}", who="관리자")
    r = c.say(f"대리 응답 {TITLE} 김철수", who="관리자")
    assert "2중대 김철수님의 답을 대신 적어요" in r and "1/3 · 2중대 김철수님 대리 응답" in r
    c.say_all(["피자", "2", "건너뛰기"], who="관리자")
    card = c.say("메뉴", who="관리자")  # pausing keeps the draft, one tap away
    assert "작성 중: BBQ 회식" in card
    assert "제출 전 확인 · 2중대 김철수님 대리 응답" in c.tap(card, card.quick[0], who="관리자")
    assert "2중대 김철수님의 답을 대신 제출했어요" in c.say("제출", who="관리자")
    a = c.store.get_answer(survey(c).id, key_of("김철수"))
    assert a.entered_by == "본부 관리자" and a.name == "김철수" and a.unit == "2중대"
    assert TITLE not in c.say("메뉴", who="관리자").text.split("작성 중")[-1]
    assert survey(c).id not in c.user("관리자").answered
    assert "김철수" not in c.say(f"미응답 {TITLE}", who="관리자")
    assert "응답 1명" in c.say(f"현황 {TITLE}", who="관리자")
    assert any(e.action == "proxy_answer" and e.detail == key_of("김철수") for e in audit(c))
    # the person sees it as theirs and may edit it; then it is their own
    assert TITLE in c.say("내 신청", who="김철수")
    c.say(f"신청 수정 {TITLE}", who="김철수")
    c.say_all(["수정 2", "3", "제출"], who="김철수")
    a = c.store.get_answer(survey(c).id, key_of("김철수"))
    assert a.values["q2"] == 3 and a.entered_by == ""


@pytest.mark.every_store
def test_an_answer_entered_for_someone_on_the_roster_is_theirs_when_they_register(chat: Chat) -> None:
    c = chat
    load_roster(
        c.store, [(2, "2중대", "홍길동", "1111"), (3, "2중대", "박미등", "2222"), (4, "본부", "관리자", "3333")]
    )
    c.say("등록 본부 관리자 3333", who="관리자")
    admin = c.user("관리자")
    admin.role = ADMIN
    c.store.commit([PutUser(admin)])
    make_bbq(c, target="2중대")
    assert "박미등" in c.say(f"미응답 {TITLE}", who="관리자")
    enter_for(c, "박미등")
    missing = c.say(f"미응답 {TITLE}", who="관리자")
    assert "박미등" not in missing and "홍길동" in missing
    r = c.say("등록 2중대 박미등 2222", who="박미등")
    assert "전에 제출한 신청 1건도 그대로 있어요" in r, r
    assert TITLE in c.say("내 신청", who="박미등")
    mine = c.say(f"신청 {TITLE}", who="박미등")
    assert "내 답" in mine and "피자" in mine


def test_the_export_says_who_entered_each_answer() -> None:
    ex = FakeExporter()
    c = world(Chat(exporter=ex))
    c.as_("홍길동").say(f"신청 {TITLE}")
    c.say_all(["치킨", "1", "건너뛰기", "제출"])
    enter_for(c, "김철수")
    s = survey(c)
    header, rows = survey_rows(s, c.store.list_answers(s.id))
    assert header[-1] == "입력"
    assert sorted(row[-1] for row in rows) == ["대리(본부 관리자)", "본인"]


@pytest.mark.every_store
def test_proxy_answers_are_refused_with_a_reason(chat: Chat) -> None:
    c = world(chat)
    assert "관리자만 쓸 수 있는 명령이에요" in c.say(f"대리 응답 {TITLE} 김철수", who="홍길동")
    assert "맞는 신청을 찾을 수 없어요" in c.say(f"대리 응답 {TITLE} 김철수", who="다른관리자")
    assert "이름을 붙여 주세요" in c.say(f"대리 응답 {TITLE}", who="관리자")
    assert "이 신청의 대상에 없어요" in c.say(f"대리 응답 {TITLE} 없는사람", who="관리자")
    c.as_("홍길동").say(f"신청 {TITLE}")
    c.say_all(["치킨", "1", "건너뛰기", "제출"])
    assert "직접 응답했어요. 본인의 답은 본인만 고칠 수 있어요" in c.say(f"대리 응답 {TITLE} 홍길동", who="관리자")
    anon = dataclasses.replace(survey(c), id="anon1", title="익명 조사", mode="anon", response_count=0)
    c.store.commit([PutSurvey(anon), ListSurvey(anon.info())])
    assert "익명 신청이라 누구의 답인지 남기지 않아서" in c.say("대리 응답 익명 조사 김철수", who="관리자")
    c.say(f"마감 {TITLE}", who="관리자")
    c.say("예", who="관리자")
    assert "마감되어 대리 응답을 받을 수 없어요" in c.say(f"대리 응답 {TITLE} 김철수", who="관리자")


def test_same_names_ask_which_person() -> None:
    c = world(Chat())
    # another person of the same name and unit
    c.store.commit([PutUser(User(key="k2", name="김철수", unit="2중대", created_at="2026-11-23T09:00:00+09:00"))])
    r = c.say(f"대리 응답 {TITLE} 김철수", who="관리자")
    assert "'김철수'가 2명이에요. 누구의 답인가요?" in r and len([q for q in r.quick if q.startswith("대리 응답")]) == 2
    r = c.tap_at(r, 0, who="관리자")
    assert "님의 답을 대신 적어요" in r
    c.say("취소", who="관리자")
    c.say("예", who="관리자")
    third = User(key="k3", name="김철수", unit="3중대", created_at="2026-11-23T09:00:00+09:00")
    c.store.commit([PutUser(third)])  # the same name in another unit, named with it
    r = c.say(f"대리 응답 {TITLE} 3중대 김철수", who="관리자")
    assert "이 신청의 대상에 없어요" in r, r  # 3중대 is not the survey's target
    assert "2명이에요" in c.say(f"대리 응답 {TITLE} 2중대 김철수", who="관리자")


@pytest.mark.every_store
def test_my_own_answer_takes_the_place_of_one_entered_for_me_while_i_was_answering(chat: Chat) -> None:
    c = world(chat)
    c.say_all([f"신청 {TITLE}", "치킨"], who="홍길동")  # halfway through
    enter_for(c, "홍길동")  # meanwhile an admin enters it for them
    c.say_all(["3", "건너뛰기"], who="홍길동")
    r = c.say("제출", who="홍길동")
    assert "관리자가 'BBQ 회식'에 대신 적어 둔 답을 방금 적은 내 답으로 바꿨어요." in r, r
    a = c.store.get_answer(survey(c).id, key_of("홍길동"))
    assert a.values["q1"] == "치킨" and a.entered_by == "" and survey(c).response_count == 1
    assert "치킨 1" in c.say(f"현황 {TITLE}", who="관리자") and "피자 0" in c.say(f"현황 {TITLE}", who="관리자")


@pytest.mark.every_store
def test_an_answer_entered_for_the_wrong_person_is_taken_back(chat: Chat) -> None:
    c = world(chat)
    enter_for(c, "김철수")
    sid = survey(c).id
    assert c.store.get_answer(sid, key_of("김철수")) is not None and sid in c.user("김철수").answered
    asked = c.say(f"대리 응답 취소 {TITLE} 김철수", who="관리자")
    assert "대신 적은 2중대 김철수님의 답을 취소할까요?" in asked and asked.quick[:2] == ["예", "아니오"], asked
    c.say("아니오", who="관리자")
    assert c.store.get_answer(sid, key_of("김철수")) is not None  # 아니오: nothing happened
    c.say(f"대리 응답 취소 {TITLE} 김철수", who="관리자")
    done = c.say("예", who="관리자")
    assert "대신 적은 김철수님의 답을 취소했어요" in done, done
    assert c.store.get_answer(sid, key_of("김철수")) is None and survey(c).response_count == 0
    assert sid not in c.user("김철수").answered
    assert "김철수" in c.say(f"미응답 {TITLE}", who="관리자")
    assert "응답 0명" in c.say(f"현황 {TITLE}", who="관리자")
    assert any(e.action == "proxy_withdraw" and e.target == sid for e in audit(c))
    # Nothing left to take back; and one the person gave themselves is theirs to withdraw.
    assert "답은 'BBQ 회식'에 없어요" in c.say(f"대리 응답 취소 {TITLE} 김철수", who="관리자")
    c.say_all([f"신청 {TITLE}", "치킨", "2", "건너뛰기", "제출"], who="홍길동")
    said = c.say(f"대리 응답 취소 {TITLE} 홍길동", who="관리자")
    assert "본인이 적은 답이라 본인만 취소할 수 있어요" in said, said
    assert "찾을 수 없어요" in c.say(f"대리 응답 취소 {TITLE} 김철수", who="다른관리자")  # not theirs
