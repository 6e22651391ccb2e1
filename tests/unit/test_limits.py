"""Every limit on what people type gives a clear Korean reason, and the biggest user item still fits DynamoDB."""

from __future__ import annotations

import json

import pytest
from harness import Chat, make_bbq

from chalicelib.domain import asking
from chalicelib.domain.kinds import CHOICE, MAX_CAP, MAX_OPTION_LEN, MAX_OPTIONS
from chalicelib.domain.model import ADMIN, Question, Survey
from chalicelib.domain.parsing import MAX_NAME, MAX_TEXT_ANSWER, MAX_UNIT
from chalicelib.domain.session import Draft, ReadyFile, Session
from chalicelib.domain.wizard_steps import MAX_DESC, MAX_QUESTION, MAX_QUESTIONS, MAX_TITLE

DYNAMODB_ITEM_LIMIT = 400 * 1024


def admin() -> Chat:
    c = Chat()
    c.register("관리자", "본부", ADMIN)
    return c


def wizard_at(c: Chat, step: str) -> None:
    """Walk the wizard to ``step``: title, desc, q_text, q_opts (선택), q_opts_multi, q_range, cap."""
    c.as_("관리자").say("신청 만들기")
    if step == "title":
        return
    c.say("체육대회")
    if step == "desc":
        return
    c.say("건너뛰기")
    if step == "q_text":
        return
    c.say("종목")
    c.say({"q_opts": "선택", "q_opts_multi": "복수선택", "q_range": "숫자", "cap": "주관식"}[step])
    if step == "cap":
        for t in ("필수", "질문 끝", "없음", "전체"):
            c.say(t)


@pytest.mark.parametrize(
    "step, text, reason",
    [
        ("title", "가" * (MAX_TITLE + 1), f"제목은 1~{MAX_TITLE}자로 입력해 주세요."),
        ("desc", "나" * (MAX_DESC + 1), f"설명은 {MAX_DESC}자 이내로 입력해 주세요."),
        ("q_text", "다" * (MAX_QUESTION + 1), f"질문은 {MAX_QUESTION}자 이내로 입력해 주세요."),
        ("q_opts", ", ".join(f"보기{n}" for n in range(MAX_OPTIONS + 1)), f"보기는 2~{MAX_OPTIONS}개로 입력해 주세요."),
        ("q_opts", "하나뿐", f"보기는 2~{MAX_OPTIONS}개로 입력해 주세요."),
        ("q_opts", "라" * (MAX_OPTION_LEN + 1) + ", 짧은", f"보기는 {MAX_OPTION_LEN}자 이내로"),
        ("q_opts", "치킨:0, 피자", f"정원은 1~{MAX_CAP} 사이로 입력해 주세요."),
        ("q_opts", f"치킨:{MAX_CAP + 1}, 피자", f"정원은 1~{MAX_CAP} 사이로 입력해 주세요."),
        ("q_opts", "치킨, 치킨", "'치킨'이 두 번 있어요."),
        ("q_opts", "1, 2", "숫자만으로 된 보기는"),
        ("q_opts_multi", "치킨:3, 피자", "정원은 '선택' 형식에서만 둘 수 있어요."),
        ("q_range", "10~1", "최소가 최대보다 클 수 없어요."),
        ("q_range", "많이", "'최소~최대' 모양으로 입력해 주세요."),
        ("cap", "0", f"1~{MAX_CAP} 사이의 정수로 입력해 주세요."),
        ("cap", str(MAX_CAP + 1), f"1~{MAX_CAP} 사이의 정수로 입력해 주세요."),
        ("cap", "1.5", f"1~{MAX_CAP} 사이의 정수로 입력해 주세요."),
    ],
)
def test_wizard_limits_say_why_and_ask_again(step: str, text: str, reason: str) -> None:
    c = admin()
    wizard_at(c, step)
    before = c.user("관리자").session["wizard"]
    r = c.say(text)
    assert reason in r
    assert c.user("관리자").session["wizard"] == before  # re-asked, nothing taken
    assert "취소" in r.quick


def test_the_limits_at_their_edge_are_accepted() -> None:
    c = admin()
    c.as_("관리자").say("신청 만들기")
    assert "설명을 입력해 주세요" in c.say("가" * MAX_TITLE)
    assert "1번 질문" in c.say("나" * MAX_DESC)
    assert "형식을 골라" in c.say("다" * MAX_QUESTION)
    c.say("선택")
    opts = ", ".join(f"{n}" + "라" * (MAX_OPTION_LEN - 1) + f":{MAX_CAP}" for n in range(MAX_OPTIONS))
    assert "꼭 답해야 하는" in c.say(opts)


def test_the_wizard_stops_at_the_most_questions_and_says_so() -> None:
    c = admin()
    c.as_("관리자").say("신청 만들기")
    c.say("체육대회")
    r = c.say("건너뛰기")
    for n in range(1, MAX_QUESTIONS + 1):
        assert f"{n}번 질문을 입력해 주세요" in r
        c.say(f"질문 {n}")
        c.say("주관식")
        r = c.say("필수")
    assert f"질문은 {MAX_QUESTIONS}개까지 만들 수 있어요" in r and "마감 일시를 입력해 주세요" in r
    assert len(c.user("관리자").session["wizard"]["d"]["qs"]) == MAX_QUESTIONS
    assert "꼭 답해야 하는" in c.say("이전")  # back to the last question's last step
    assert len(c.user("관리자").session["wizard"]["d"]["qs"]) == MAX_QUESTIONS - 1
    assert f"질문은 {MAX_QUESTIONS}개까지" in c.say("생략 가능")
    assert len(c.user("관리자").session["wizard"]["d"]["qs"]) == MAX_QUESTIONS


def test_back_through_compact_history_restores_each_state() -> None:
    c = admin()
    c.as_("관리자").say("신청 만들기")
    for t in ("체육대회", "건너뛰기", "종목", "선택", "축구, 농구", "필수", "인원", "숫자", "1~10", "필수", "질문 끝"):
        c.say(t)
    states = []
    w = c.user("관리자").session["wizard"]
    for _ in range(8):
        states.append((w["step"], len(w["d"]["qs"]), w["d"].get("cur", {}).get("text")))
        c.say("이전")
        w = c.user("관리자").session["wizard"]
    assert states == [
        ("deadline", 2, None),
        ("q_text", 2, None),
        ("q_req", 1, "인원"),
        ("q_range", 1, "인원"),
        ("q_kind", 1, "인원"),
        ("q_text", 1, None),
        ("q_req", 0, "종목"),
        ("q_opts", 0, "종목"),
    ]
    assert w["step"] == "q_kind" and w["d"]["qs"] == []
    for t in ("선택", "축구, 농구, 배구", "필수", "질문 끝", "없음", "전체", "없음"):
        c.say(t)
    assert "개설했어요" in c.say("개설")
    s = c.store.list_surveys()[0]
    assert [q.text for q in s.questions] == ["종목"] and s.questions[0].options == ["축구", "농구", "배구"]


def test_old_style_history_entries_still_go_back() -> None:
    c = admin()
    c.as_("관리자").say("신청 만들기")
    for t in ("체육대회", "건너뛰기", "종목", "주관식", "필수"):
        c.say(t)
    u = c.user("관리자")
    w = u.session["wizard"]
    w["hist"] = [
        {
            "step": "q_req",
            "d": {"title": "체육대회", "desc": "", "qs": [], "cur": {"id": "q1", "text": "종목", "kind": "text"}},
        }
    ]
    from chalicelib.domain.writes import PutUser

    c.store.commit([PutUser(u)])
    assert "꼭 답해야 하는" in c.say("이전")
    assert c.user("관리자").session["wizard"]["d"]["qs"] == []


@pytest.mark.parametrize(
    "text, reason",
    [
        (f"등록 {'가' * (MAX_NAME + 1)}", f"이름을 확인해 주세요: {MAX_NAME}자 이내로"),
        ("등록 홍길@동", "이름을 확인해 주세요: 한글, 영문, 숫자와"),
        (f"등록 {'나' * (MAX_UNIT + 1)} 홍길동", f"소속을 확인해 주세요: {MAX_UNIT}자 이내로"),
        ("등록 2중대@ 홍길동", "소속을 확인해 주세요: 한글, 영문, 숫자와"),
    ],
)
def test_registration_limits(text: str, reason: str) -> None:
    c = Chat()
    r = c.say(text, who="새사람")
    assert reason in r
    assert c.store.users == {}


@pytest.mark.parametrize(
    "answers, text, reason",
    [
        (["치킨", "2"], "가" * (MAX_TEXT_ANSWER + 1), f"{MAX_TEXT_ANSWER}자 이내로 입력해 주세요."),
        (["치킨"], "6", "5 이하로 입력해 주세요."),
        (["치킨"], "0", "1 이상으로 입력해 주세요."),
        (["치킨"], "많이", "숫자로 입력해 주세요."),
        ([], "떡볶이", "보기 중에서 골라 주세요"),
        ([], "9", "보기 중에서 골라 주세요"),
    ],
)
def test_answer_limits(answers: list[str], text: str, reason: str) -> None:
    c = admin()
    c.register("홍길동", "2중대")
    make_bbq(c)
    c.as_("홍길동").say("신청 BBQ 회식")
    for a in answers:
        c.say(a)
    r = c.say(text)
    assert reason in r and f"{len(answers) + 1}/3" in r


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2027-12-31 18:00", "마감은 1년 이내로 정해 주세요."),
        ("2026-11-01 18:00", "이미 지난 시각이에요: 11/1(일) 18:00."),
        ("11/30 25:00", "시각은 00:00~23:59 사이로"),
        ("언젠가", "날짜를 알아볼 수 없어요."),
    ],
)
def test_deadline_limits(text: str, reason: str) -> None:
    c = admin()
    c.as_("관리자").say("신청 만들기")
    for t in ("체육대회", "건너뛰기", "종목", "주관식", "필수", "질문 끝"):
        c.say(t)
    assert reason in c.say(text)


def item_bytes(user) -> int:
    """An upper bound of the DynamoDB size of the stored user item (names + values as sent)."""
    from chalicelib.storage import tables, user_items

    return len(
        json.dumps(user_items.user_item(tables.UserItem, user, 1).serialize(), ensure_ascii=False).encode("utf-8")
    )


def test_the_biggest_user_item_fits_dynamodb() -> None:
    """An admin with a 20-question wizard at every length limit, the most drafts of such surveys, three parked
    files and thousands of answered surveys: the item (one write per message) stays well under 400 KB."""
    c = admin()
    c.as_("관리자").say("신청 만들기")
    c.say("가" * MAX_TITLE)
    c.say("나" * MAX_DESC)
    options = [f"{k}" + "라" * (MAX_OPTION_LEN - 1) for k in range(MAX_OPTIONS)]
    for n in range(MAX_QUESTIONS):
        assert "형식을 골라" in c.say(f"{n:02d}" + "다" * (MAX_QUESTION - 2))
        c.say("선택")
        c.say(", ".join(f"{o}:{MAX_CAP}" for o in options))
        r = c.say("필수")
    assert "마감 일시" in r
    u = c.user("관리자")
    assert len(u.session["wizard"]["hist"]) == 8
    qs = [
        Question(
            f"q{i}",
            f"{i:02d}" + "다" * (MAX_QUESTION - 2),
            CHOICE,
            options=options,
            capacity=dict.fromkeys(options, MAX_CAP),
        )
        for i in range(MAX_QUESTIONS)
    ]
    session = Session.from_dict(u.session)
    for j in range(asking.MAX_DRAFTS + 2):
        s = Survey(id=f"{j:08x}", title="가" * MAX_TITLE, owner="x", questions=qs, description="나" * MAX_DESC)
        d = Draft.start(s, f"2026-11-23T09:00:{j:02d}+09:00")
        d.values = {q.id: options[-1] for q in qs}
        asking.put_draft(session, d)
    assert len(session.drafts) == asking.MAX_DRAFTS
    session.ready = [
        ReadyFile(
            key="exports/abcdef12/2026/11/" + "x" * 32 + "/" + "y" * 100 + ".xlsx",
            title="가" * 100,
            ext="xlsx",
            label="가" * 60,
        )
    ] * 3
    u.session = session.to_dict()
    assert len(u.session["wizard"]["hist"]) == 8 and len(u.session["drafts"]) == asking.MAX_DRAFTS
    u.answered = {f"{i:08x}": 1764500000 + i for i in range(3000)}
    u.rate = [29377980, 30]
    size = item_bytes(u)
    assert size < DYNAMODB_ITEM_LIMIT * 0.9, size
