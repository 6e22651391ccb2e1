"""Sessions stored by the version before typed sessions still load, and the person carries on where they were.

The JSON below is what that version wrote (captured by driving it through the same
steps), with the survey ids replaced by placeholders: a member half-way through one
survey with another paused on its review card, an admin in the wizard at the options
of a second question with a compact history, a pending withdraw confirmation, and a
file parked by a background export.
"""

from __future__ import annotations

import json

import pytest
from harness import Chat, key_of, make_bbq

from chalicelib.domain.kinds import CHOICE, MULTI
from chalicelib.domain.model import ADMIN
from chalicelib.domain.session import Flow, Session
from chalicelib.domain.writes import PutUser

MEMBER = (
    '{"drafts":{"{picnic}":{"sid":"{picnic}","title":"야유회 장소","qs":[{"id":"q1","text":"메뉴를 골라 주세요",'
    '"kind":"choice","required":true,"options":["치킨","피자","족발"],"capacity":{"치킨":2}},{"id":"q2","text":"수량",'
    '"kind":"number","required":true,"min":1,"max":5},{"id":"q3","text":"메모","kind":"text","required":false}],'
    '"i":2,"vals":{"q1":"피자","q2":2},"review":true,"ret":false,"ver":0,"at":"2026-11-23T09:00:00+09:00"},'
    '"{bbq}":{"sid":"{bbq}","title":"BBQ 회식","qs":[{"id":"q1","text":"메뉴를 골라 주세요","kind":"choice",'
    '"required":true,"options":["치킨","피자","족발"],"capacity":{"치킨":2}},{"id":"q2","text":"수량","kind":"number",'
    '"required":true,"min":1,"max":5},{"id":"q3","text":"메모","kind":"text","required":false}],"i":1,'
    '"vals":{"q1":"치킨"},"review":false,"ret":false,"ver":0,"at":"2026-11-23T09:00:00+09:00"}},'
    '"flow":{"name":"answer","sid":"{bbq}"}}'
)
ADMIN_WIZARD = (
    '{"wizard":{"step":"q_opts","d":{"qs":[{"id":"q1","text":"종목","kind":"choice","required":true,'
    '"options":["축구","농구"],"capacity":{"축구":11}}],"title":"체육대회","desc":"","cur":{"id":"q2","text":"간식",'
    '"kind":"multi"}},"hist":[{"step":"title","d":{"nq":0}},{"step":"desc","d":{"cur":{},"title":"체육대회","nq":0}},'
    '{"step":"q_text","d":{"cur":{},"title":"체육대회","desc":"","nq":0}},{"step":"q_kind","d":{"cur":{"id":"q1",'
    '"text":"종목"},"title":"체육대회","desc":"","nq":0}},{"step":"q_opts","d":{"cur":{"id":"q1","text":"종목",'
    '"kind":"choice"},"title":"체육대회","desc":"","nq":0}},{"step":"q_req","d":{"cur":{"id":"q1","text":"종목",'
    '"kind":"choice","options":["축구","농구"],"capacity":{"축구":11}},"title":"체육대회","desc":"","nq":0}},'
    '{"step":"q_text","d":{"title":"체육대회","desc":"","nq":1}},{"step":"q_kind","d":{"title":"체육대회","desc":"",'
    '"cur":{"id":"q2","text":"간식"},"nq":1}}]},"flow":{"name":"create"},'
    '"ready":[{"key":"exports/{bbq}/2026/11/AbCdEf/BBQ.xlsx","title":"BBQ 회식_20261123","ext":"xlsx",'
    '"label":"BBQ 회식 응답 1건"}]}'
)
CONFIRM = '{"drafts":{},"flow":{"name":"confirm","action":"withdraw","sid":"{bbq}","title":"BBQ 회식"}}'


def stored(chat: Chat, who: str, raw: str, ids: dict[str, str]) -> None:
    """Put ``raw`` (with survey ids filled in) on ``who``'s item, as the earlier version left it."""
    for name, sid in ids.items():
        raw = raw.replace("{" + name + "}", sid)
    u = chat.user(who)
    u.session = json.loads(raw)
    chat.store.commit([PutUser(u)])


def world(chat: Chat) -> dict[str, str]:
    chat.register("관리자", "본부", ADMIN)
    chat.register("홍길동", "2중대")
    chat.register("김철수", "3중대")
    make_bbq(chat)
    make_bbq(chat, title="야유회 장소")
    ids = {s.title: s.id for s in chat.store.list_surveys()}
    chat.as_("김철수").say("신청 BBQ 회식")
    for t in ("족발", "1", "건너뛰기"):
        chat.say(t)
    assert "제출했어요" in chat.say("제출")
    return {"bbq": ids["BBQ 회식"], "picnic": ids["야유회 장소"]}


def test_old_sessions_read_as_typed_records() -> None:
    ids = {"bbq": "abcd0001", "picnic": "abcd0002"}
    member = Session.from_dict(json.loads(MEMBER.replace("{bbq}", ids["bbq"]).replace("{picnic}", ids["picnic"])))
    assert member.flow == Flow.ANSWERING and member.answering == ids["bbq"]
    bbq, picnic = member.drafts[ids["bbq"]], member.drafts[ids["picnic"]]
    assert (bbq.index, bbq.values, bbq.reviewing, bbq.question.text) == (1, {"q1": "치킨"}, False, "수량")
    assert (picnic.reviewing, picnic.values) == (True, {"q1": "피자", "q2": 2})
    admin = Session.from_dict(json.loads(ADMIN_WIZARD))
    assert admin.flow == Flow.CREATING and admin.wizard is not None
    w = admin.wizard
    assert (w.step, w.form.title, [q.kind for q in w.form.questions]) == ("q_opts", "체육대회", [CHOICE])
    assert w.form.current is not None and (w.form.current.text, w.form.current.kind) == ("간식", MULTI)
    assert [h.step for h in w.history] == ["title", "desc", "q_text", "q_kind", "q_opts", "q_req", "q_text", "q_kind"]
    assert [r.label for r in admin.ready] == ["BBQ 회식 응답 1건"]
    confirm = Session.from_dict(json.loads(CONFIRM))
    assert confirm.flow == Flow.CONFIRMING and confirm.confirmation is not None
    assert (confirm.confirmation.action, confirm.confirmation.title) == ("withdraw", "BBQ 회식")


def test_written_sessions_keep_the_stored_shape() -> None:
    """What this version writes is what the earlier one wrote for the same state (a rollback reads it)."""
    for raw in (MEMBER, CONFIRM):
        assert Session.from_dict(json.loads(raw)).to_dict() == json.loads(raw)
    wizard = json.loads(ADMIN_WIZARD)
    again = Session.from_dict(wizard).to_dict()
    assert again["wizard"]["d"] == {k: v for k, v in wizard["wizard"]["d"].items() if k != "desc"}  # "" is left out
    assert [h["step"] for h in again["wizard"]["hist"]] == [h["step"] for h in wizard["wizard"]["hist"]]
    assert [h["d"]["nq"] for h in again["wizard"]["hist"]] == [h["d"]["nq"] for h in wizard["wizard"]["hist"]]
    assert again["flow"] == wizard["flow"] and again["ready"] == wizard["ready"]


@pytest.mark.every_store
def test_a_member_mid_answer_carries_on_and_submits_both_surveys(chat: Chat) -> None:
    ids = world(chat)
    stored(chat, "홍길동", MEMBER, ids)
    r = chat.as_("홍길동").say("3")  # the answer to 수량, the question the old version was asking
    assert "[BBQ 회식] 3/3" in r and "메모" in r
    assert "제출 전 확인" in chat.say("건너뛰기")
    assert "제출했어요" in chat.say("제출")
    r = chat.say("신청 야유회 장소")  # paused on its review card
    assert "작성하던 답을 이어서 해요" in r and "제출 전 확인" in r and "1. 메뉴를 골라 주세요: 피자" in r
    assert "제출했어요" in chat.say("제출")
    surveys = {s.title: s for s in chat.store.list_surveys()}
    assert chat.store.get_answer(ids["bbq"], key_of("홍길동")).values == {"q1": "치킨", "q2": 3}
    assert chat.store.get_answer(ids["picnic"], key_of("홍길동")).values == {"q1": "피자", "q2": 2}
    assert surveys["BBQ 회식"].response_count == 2 and surveys["야유회 장소"].response_count == 1
    assert chat.user("홍길동").session["drafts"] == {}


@pytest.mark.every_store
def test_an_admin_mid_wizard_goes_back_through_old_history_and_opens_the_survey(chat: Chat) -> None:
    ids = world(chat)
    stored(chat, "관리자", ADMIN_WIZARD, ids)
    r = chat.as_("관리자").say("메뉴")  # the parked file is offered; the wizard pauses
    assert "파일 받기" in r.quick and "만들던 신청서가 있어요" in r
    assert "보기를 쉼표로 구분해" in chat.say("신청 만들기")  # resumed at the options of 간식
    assert "'간식' 질문의 형식을 골라" in chat.say("이전")
    assert "2번 질문을 입력해 주세요" in chat.say("이전")
    assert "꼭 답해야 하는 질문인가요" in chat.say("이전")  # back into the first question, restored from history
    for t in ("필수", "간식", "복수선택", "빵, 음료", "제한 없음", "생략 가능", "질문 끝", "없음", "전체"):
        chat.say(t)
    preview = chat.say("없음")
    assert "1. 종목 (선택: 축구(11명), 농구)" in preview and "2. 간식 (복수선택: 빵, 음료, 생략 가능)" in preview
    assert "개설했어요" in chat.say("개설")
    s = next(s for s in chat.store.list_surveys() if s.title == "체육대회")
    assert [(q.text, q.kind, q.required) for q in s.questions] == [("종목", CHOICE, True), ("간식", MULTI, False)]
    assert s.questions[0].capacity == {"축구": 11}


@pytest.mark.every_store
def test_a_pending_confirmation_is_answered(chat: Chat) -> None:
    ids = world(chat)
    stored(chat, "김철수", CONFIRM, ids)
    assert "제출한 답을 취소했어요" in chat.as_("김철수").say("예")
    assert chat.store.get_answer(ids["bbq"], key_of("김철수")) is None
    assert next(s for s in chat.store.list_surveys() if s.id == ids["bbq"]).response_count == 0


@pytest.mark.parametrize(
    "raw, said",
    [
        ('{"drafts":{},"flow":{"name":"answer","sid":"gone0001"}}', "작성 중인 신청이 없어요."),
        ('{"drafts":{},"flow":{"name":"create"}}', "만들던 신청서가 없어요."),
    ],
)
def test_a_flow_whose_draft_or_wizard_is_gone_says_so_and_ends(chat: Chat, raw: str, said: str) -> None:
    chat.register("관리자", "본부", ADMIN)
    stored(chat, "관리자", raw, {})
    assert said in chat.as_("관리자").say("1")
    assert "flow" not in chat.user("관리자").session
    assert "알 수 없는 말" in chat.say("1")  # read as a command from now on


@pytest.mark.parametrize(
    "raw",
    [
        '{"drafts":["x"],"ready":5}',
        '{"drafts":{"s1":{"sid":"s1","qs":[{"id":"q1","text":"t"}],"i":1e999}},"flow":{"name":"answer","sid":"s1"}}',
        '{"drafts":{"s1":{"sid":"s1","qs":[]}},"wizard":{"step":"title","d":{},"hist":[{"step":"desc"},7]},'
        '"flow":["create"]}',
        '{"flow":{"name":"confirm","action":"fly"}}',
        "[1, 2, 3]",
    ],
)
def test_unreadable_parts_of_a_session_are_dropped_not_fatal(chat: Chat, raw: str) -> None:
    chat.register("홍길동", "2중대")
    stored(chat, "홍길동", raw, {})
    for text in ("3", "예", "메뉴", "신청 목록"):
        assert chat.as_("홍길동").say(text).quick  # a reply with next steps, not the error bubble
    assert "홍길동님, 무엇을 할까요?" in chat.say("메뉴")
