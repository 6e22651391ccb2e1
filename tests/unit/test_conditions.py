"""조건: a question asked only after a given answer to an earlier one."""

from __future__ import annotations

import pytest
from fakes import FakeExporter
from harness import SPORTS_WIZARD as WIZARD
from harness import Chat, key_of

from chalicelib.domain.model import ADMIN
from chalicelib.export.answer_rows import survey_rows

TITLE = "체육대회"


def made(chat: Chat, conditions: list[str]) -> Chat:
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    chat.register("김철수", "2중대")
    r = chat.say_all(WIZARD, who="관리자")
    assert "미리보기" in r, r
    for said in conditions:
        r = chat.say(said, who="관리자")
    assert "개설했어요" in chat.say("개설", who="관리자")
    return chat


def survey(c: Chat):
    return next(s for s in c.store.list_surveys() if s.title == TITLE)


@pytest.mark.every_store
def test_the_preview_sets_and_shows_conditions_and_refuses_what_cannot_be_one(chat: Chat) -> None:
    c = chat
    c.register("관리자", "본부", ADMIN)
    c.say_all(WIZARD, who="관리자")
    r = c.say("조건 2 1번 불참", who="관리자")
    assert "2번은 1번이 불참일 때만 물어요." in r and "2. 불참 사유 (주관식) · 1번이 불참일 때" in r
    r = c.say("조건 4 3번 예", who="관리자")
    assert "4. 차량 대수" in r and "· 3번이 예일 때" in r
    assert "2번은 1번이 불참 또는 늦참일 때만 물어요." in c.say("조건 2 1번 불참, 늦참", who="관리자")
    assert "앞의 질문으로만 걸 수 있어요" in c.say("조건 2 3번 예", who="관리자")  # a later question: refused
    assert "앞의 질문으로만 걸 수 있어요" in c.say("조건 1 1번 참석", who="관리자")  # itself
    assert "보기가 없는 질문이라 조건이 될 수 없어요" in c.say("조건 3 2번 아파서", who="관리자")
    assert "'결석'은 1번의 보기가 아니에요. 보기: 참석, 불참, 늦참" in c.say("조건 2 1번 결석", who="관리자")
    assert "질문은 1~4번이 있어요" in c.say("조건 9 1번 불참", who="관리자")
    chips = c.say("조건", who="관리자")
    assert "조건 2 1번 참석" in chips.quick and "예: 조건 2 1번 불참" in chips
    assert "4번은 이제 모두에게 물어요." in c.say("조건 4 없음", who="관리자")
    c.say("조건 4 3번 예", who="관리자")
    r = c.say("질문 빼기 3", who="관리자")  # its condition's question goes: the preview says so
    assert "3. 차량 대수 (숫자 1~3) · ⚠ 조건이 맞지 않아 모두에게 물어요 ('조건 3'으로 다시 정해요)" in r, r
    c.say("조건 3 없음", who="관리자")
    assert "개설했어요" in c.say("개설", who="관리자")
    qs = survey(c).questions
    assert qs[1].when == [qs[0].id, "불참", "늦참"] and qs[2].when == []


@pytest.mark.every_store
def test_a_conditional_question_is_asked_only_after_its_answer(chat: Chat) -> None:
    c = made(chat, ["조건 2 1번 불참", "조건 4 3번 예"])
    c.as_("홍길동").say(f"신청 {TITLE}")
    r = c.say("참석")
    assert "차량 필요" in r and "3/4" in r  # 2 is skipped
    assert "참석 여부" in c.say("이전")  # back over the question not asked
    c.say("참석")
    r = c.say("아니오")
    assert "제출 전 확인" in r and "불참 사유" not in r and "차량 대수" not in r
    assert "2번은 1번이 불참일 때만 묻는 질문이라" in c.say("수정 2")
    r = c.say("수정 1")
    r = c.say("불참")  # now 2 applies: asked before the card
    assert "불참 사유" in r and "이 질문도 답해 주세요" in r, r
    r = c.say("개인 사정")
    assert "제출 전 확인" in r and "2. 불참 사유: 개인 사정" in r
    c.say("수정 1")
    r = c.say("참석")  # 2 no longer applies: its answer goes, and the card says so
    assert "2번 답은 이제 묻지 않아 지웠어요" in r and "불참 사유" not in r, r
    assert "제출했어요" in c.say("제출")
    a = c.store.get_answer(survey(c).id, key_of("홍길동"))
    assert set(a.values) == {survey(c).questions[0].id, survey(c).questions[2].id}


def test_an_optional_question_an_edit_now_asks_is_asked_before_the_card() -> None:
    c = Chat()
    c.register("관리자", "본부", ADMIN)
    c.register("홍길동", "2중대")
    steps = [*WIZARD[:10], "하고 싶은 말", "주관식", "생략 가능", *WIZARD[-4:]]
    c.say_all(steps, who="관리자")
    c.say("조건 2 1번 불참", who="관리자")
    c.say("조건 3 1번 불참", who="관리자")
    assert "개설했어요" in c.say("개설", who="관리자")
    c.as_("홍길동").say(f"신청 {TITLE}")
    r = c.say_all(["참석", "제출"])
    assert "하고 싶은 말" not in r and "제출했어요" in r, r
    c.say(f"신청 수정 {TITLE}")
    c.say("수정 1")
    r = c.say("불참")
    assert "불참 사유" in r, r  # required and blank
    r = c.say("아파서")
    assert "하고 싶은 말" in r and "건너뛰어도 돼요" in r, r  # optional, now asked: asked once before the card
    r = c.say("건너뛰기")
    assert "제출 전 확인" in r, r


def test_status_and_files_count_a_conditional_question_against_those_asked() -> None:
    ex = FakeExporter()
    c = made(Chat(exporter=ex), ["조건 2 1번 불참"])
    for who, answers in (("홍길동", ["불참", "출장", "아니오", "1"]), ("김철수", ["참석", "예", "2"])):
        c.as_(who).say(f"신청 {TITLE}")
        c.say_all([*answers, "제출"])
    status = c.say(f"현황 {TITLE}", who="관리자")
    assert "2. 불참 사유: 응답 1 · 1번이 불참일 때만, 물은 사람 1명" in status, status
    c.say(f"결과 보기 {TITLE}", who="관리자")
    [report] = ex.reports
    asked = {t.question.text: t.asked for t in report.questions}
    assert asked["불참 사유"] == 1 and asked["참석 여부"] is None
    s = survey(c)
    header, rows = survey_rows(s, c.store.list_answers(s.id))
    col = header.index("불참 사유")
    assert sorted(str(r[col]) for r in rows) == ["", "출장"]


def test_a_question_changed_on_the_preview_offers_its_conditions() -> None:
    c = Chat()
    c.register("관리자", "본부", ADMIN)
    c.say_all(WIZARD, who="관리자")
    c.say_all(["수정 2", "그대로", "그대로"], who="관리자")
    r = c.say("그대로", who="관리자")
    assert "미리보기" in r and "2번을 앞의 답에 따라서만 물으려면 골라 주세요" in r, r
    assert r.quick[:3] == ["조건 2 1번 참석", "조건 2 1번 불참", "조건 2 1번 늦참"]
    r = c.tap(r, "조건 2 1번 불참", who="관리자")
    assert "2번은 1번이 불참일 때만 물어요." in r
    r = c.say("조건 4", who="관리자")
    assert "조건 4 3번 예" in r.quick and "조건 4 1번 참석" in r.quick
    assert "조건을 걸 수 없어요" in c.say("조건 1", who="관리자")
