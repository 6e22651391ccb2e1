"""Random conversations: several people (members, admins, a super admin, a stranger) send random commands,
answers and text in every state, over a survey with a response cap and a per-option capacity.

After every message (in memory) or every conversation (over HTTP with moto) the stored data must be
consistent: one answer per person per survey, response_count equal to the stored answers, the counters of options
with a capacity and the aggregate's counts of every option equal to the counts from the answers, nothing over its
cap, and every reply valid for Kakao.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fakes import FakeExporter
from harness import Chat, make_bbq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain import aggregates
from chalicelib.domain.kinds import CHOICE, MULTI, NUMBER, TEXT
from chalicelib.domain.model import ADMIN, SUPER, Question, Survey, User, now_kst, option_key
from chalicelib.domain.writes import DeleteSurvey, PutSurvey, PutUser
from chalicelib.kakao.response import validate
from tests.events import event
from tests.functional.conftest import skill

STATS = {"conversations": 0, "messages": 0, "5xx": 0, "submitted": 0, "at_cap": 0, "option_full": 0, "withdrawn": 0}

# Everything product.md lets someone say ({T} is the survey title), and then some.
VOCAB = [
    "메뉴",
    "도움말",
    "처음",
    "탈퇴",
    "예",
    "아니오",
    "네",
    "등록 방법",
    "등록 홍길동",
    "등록 2중대 홍길동",
    "등록",
    "신청 목록",
    "신청 목록 2",
    "신청 {T}",
    "{T}",
    "신청",
    "내 신청",
    "내 신청 2",
    "신청 수정 {T}",
    "신청 취소 {T}",
    "이전",
    "건너뛰기",
    "취소",
    "제출",
    "수정",
    "수정 1",
    "수정 2",
    "수정 3",
    "수정 9",
    "치킨",
    "피자",
    "족발",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "0",
    "-1",
    "1.5",
    "1, 2",
    "내일",
    "오늘",
    "많이",
    "신청 만들기",
    "신청 만들기 새로",
    "질문 끝",
    "선택",
    "숫자",
    "주관식",
    "복수선택",
    "날짜",
    "예/아니오",
    "필수",
    "생략 가능",
    "없음",
    "전체",
    "개설",
    "1~5",
    "치킨:1, 피자",
    "11/30 18:00",
    "2",
    "내 신청서",
    "현황 {T}",
    "미응답 {T}",
    "미응답 {T} 2",
    "마감 {T}",
    "재개 {T}",
    "삭제 {T}",
    "다운로드 {T}",
    "공동관리자 {T} 이관리",
    "공동관리자 {T} 홍길동",
    "공동관리자 {T}",
    "파일 받기",
    "관리자 등록 홍길동",
    "관리자 등록 김철수",
    "관리자 해제 이관리",
    "관리자 해제 슈퍼",
    "관리자 목록",
    "마스터키",
    "현황",
    "마감",
    "삭제",
    "다운로드",
    "{T}#zzzz",
    "신청 {T}#0",
    "=SUM(A1)",
    "🙂",
    "",
]
HOSTILE = ["\x00", "\u202e메뉴", "가" * 400, "🙂" * 300, "신청 " + "가" * 60, "수정 99999999999999999999", "\t제출"]


@dataclass
class Say:
    who: str
    text: str


@dataclass
class Answer:
    """A whole answer: start, pick, quantity, memo, submit."""

    who: str
    pick: str
    qty: str
    memo: str


@dataclass
class Change:
    """Edit the first answer of a submission, or withdraw it (each confirmed)."""

    who: str
    pick: str
    withdraw: bool

    def texts(self, title: str) -> list[str]:
        if self.withdraw:
            return [f"신청 취소 {title}", "예"]
        return [f"신청 수정 {title}", "수정 1", self.pick, "제출"]


@dataclass
class Later:
    hours: int


def utterances(title: str) -> st.SearchStrategy[str]:
    vocab = st.sampled_from([v.format(T=title) for v in VOCAB])
    return st.one_of(vocab, vocab, vocab, vocab, st.text(max_size=30), st.sampled_from(HOSTILE))


def actions(people: list[str], title: str, clock: bool) -> st.SearchStrategy[Any]:
    say = st.builds(Say, st.sampled_from(people), utterances(title))
    answer = st.builds(
        Answer,
        st.sampled_from(people),
        st.sampled_from(["치킨", "피자", "족발", "1", "9", "치킨 "]),
        st.sampled_from(["1", "3", "5", "7", "두 개"]),
        st.sampled_from(["건너뛰기", "=1+1", "메모"]),
    )
    change = st.builds(Change, st.sampled_from(people), st.sampled_from(["치킨", "피자", "족발", "2"]), st.booleans())
    options = [say, say, say, answer, change]
    if clock:
        options.append(st.builds(Later, st.integers(min_value=1, max_value=120)))
    return st.one_of(*options)


def picked(v: Any) -> list[str]:
    return v if isinstance(v, list) else ([v] if v else [])


def check_invariants(store: Any) -> None:
    for s in store.list_surveys():
        answers = store.list_answers(s.id)
        keys = [a.user_key for a in answers]
        assert len(keys) == len(set(keys)), "one answer per person per survey"
        assert s.response_count == len(answers), (s.response_count, len(answers))
        assert s.cap is None or s.response_count <= s.cap
        counted = Counter(
            option_key(q.id, o)
            for a in answers
            for q in s.questions
            if q.kind in (CHOICE, MULTI)
            for o in picked(a.values.get(q.id))
        )
        # The survey item counts the takers of options with a capacity; a counter it holds of any other option (one
        # an earlier version made, as http_world's survey has) is never moved again.
        capped = s.capacities()
        for k in set(capped) | set(s.option_counts):
            kept = counted[k] if k in capped else 0
            assert s.option_counts.get(k, 0) == kept, (k, s.option_counts, counted)
        for k, cap in capped.items():
            assert s.option_counts.get(k, 0) <= cap
        # How many took each option is the aggregate's (a named survey's, while its answers are kept).
        if aggregates.kept(s) and s.purged_at is None:
            agg = store.get_aggregate(s.id)
            assert agg is not None
            for q in s.questions:
                if q.kind in (CHOICE, MULTI):
                    for o in q.options:
                        assert agg.counts.get(f"v|{q.id}|{o}", 0) == counted[option_key(q.id, o)], (q.id, o)
        for a in answers:
            u = store.get_user(a.user_key)
            assert u is None or s.id in u.answered, "a stored answer is listed as the person's"


# --- in memory: the bulk of the examples --------------------------------------------------------


PEOPLE = ["관리자", "이관리", "슈퍼", "홍길동", "김철수", "박영희", "새사람"]
TITLE = "BBQ 회식"


def memory_world() -> Chat:
    c = Chat(exporter=FakeExporter())
    c.register("슈퍼", "본부", SUPER)
    c.register("관리자", "본부", ADMIN)
    c.register("이관리", "본부", ADMIN)
    c.register("홍길동", "2중대")
    c.register("김철수", "3중대")
    c.register("박영희", "2중대")
    make_bbq(c, cap="3")
    return c


def run(c: Chat, action: Any) -> None:
    if isinstance(action, Later):
        c.clock.advance(hours=action.hours)
        return
    if isinstance(action, Answer):
        texts = [f"신청 {TITLE}", action.pick, action.qty, action.memo, "제출"]
        who = action.who
    elif isinstance(action, Change):
        texts, who = action.texts(TITLE), action.who
    else:
        texts, who = [action.text], action.who
    for t in texts:
        r = c.say(t, who=who)  # Said: a valid Kakao reply with quick replies (or a callback ack)
        STATS["withdrawn"] += "제출한 답을 취소했어요" in r
        STATS["messages"] += 1
        check_invariants(c.store)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions(PEOPLE, TITLE, clock=True), min_size=1, max_size=30))
def test_random_conversations_in_memory_keep_every_invariant(script: list[Any]) -> None:
    c = memory_world()
    STATS["conversations"] += 1
    for action in script:
        run(c, action)
    STATS["submitted"] += len(c.store.answers)
    for s in c.store.list_surveys():
        STATS["at_cap"] += s.is_full()
        STATS["option_full"] += s.option_counts.get("q1:치킨", 0) == 2


# --- over HTTP with moto: fewer, slower, the real adapters ---------------------------------------

_example = itertools.count()


def http_world(store: Any) -> tuple[str, dict[str, str]]:
    """Fresh people and a fresh survey (unique keys and title) in the shared tables; returns (title, keys)."""
    n = next(_example)
    keys = {name: f"fz{n}-{uuid.uuid4().hex}" for name in PEOPLE}
    now = now_kst().isoformat()
    people = [
        ("슈퍼", "본부", SUPER),
        ("관리자", "본부", ADMIN),
        ("이관리", "본부", ADMIN),
        ("홍길동", "2중대", 0),
        ("김철수", "3중대", 0),
        ("박영희", "2중대", 0),
    ]
    store.commit(
        [PutUser(User(key=keys[name], name=name, unit=unit, role=role, created_at=now)) for name, unit, role in people]
    )
    title = f"BBQ {n}"
    qs = [
        Question("q1", "메뉴를 골라 주세요", CHOICE, options=["치킨", "피자", "족발"], capacity={"치킨": 2}),
        Question("q2", "수량", NUMBER, min=1, max=5),
        Question("q3", "메모", TEXT, required=False),
    ]
    survey = Survey(
        id=uuid.uuid4().hex[:8],
        title=title,
        owner=keys["관리자"],
        owner_name="관리자",
        questions=qs,
        deadline=now_kst() + timedelta(days=3),
        cap=3,
        created_at=now,
        # as an earlier version made a survey: a counter for every option, those without a capacity too
        option_counts={option_key("q1", o): 0 for o in ("치킨", "피자", "족발")},
    )
    store.commit([PutSurvey(survey)])
    return title, keys


def send(client: Any, key: str, text: str) -> None:
    resp = skill(client, json.dumps(event("channel_text", utterance=text, user_id=key), ensure_ascii=False))
    STATS["messages"] += 1
    if resp.status_code >= 500:
        STATS["5xx"] += 1
    assert resp.status_code == 200, (resp.status_code, resp.body[:300])
    body = json.loads(resp.body)
    assert validate(body) == [], body
    assert body.get("useCallback") or body["template"]["quickReplies"]


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_random_conversations_over_http_keep_every_invariant(client: Any, store: Any, data: st.DataObject) -> None:
    title, keys = http_world(store)
    script = data.draw(st.lists(actions(PEOPLE, title, clock=False), min_size=1, max_size=12))
    STATS["conversations"] += 1
    for action in script:
        if isinstance(action, Answer):
            for t in (f"신청 {title}", action.pick, action.qty, action.memo, "제출"):
                send(client, keys[action.who], t)
        elif isinstance(action, Change):
            for t in action.texts(title):
                send(client, keys[action.who], t)
        else:
            send(client, keys[action.who], action.text)
    check_invariants(store)
    for s in store.list_surveys():  # leave the next example a clean survey list
        store.commit([DeleteSurvey(s.id)])


def test_report(capsys: Any) -> None:
    with capsys.disabled():
        print(f"\nsequence fuzz: {STATS}")
    assert STATS["5xx"] == 0
