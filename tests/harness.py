"""The chat harness: a bot (in memory unless given a store) driven as several chat users, every reply checked
against Kakao's limits."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import local_dynamodb

from chalicelib.domain.model import KST, User
from chalicelib.domain.reply import Reply
from chalicelib.domain.rules import Rules
from chalicelib.domain.writes import PutUser
from chalicelib.kakao.response import render, validate
from chalicelib.service.bot import Bot
from chalicelib.service.budget import Timing
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.memory import MemoryStore
from scripts.wizard import bbq_messages

START = datetime(2026, 11, 23, 9, 0, tzinfo=KST)
PRIVACY_KEY = b"the organisation's privacy key, as SSM would hold it"


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def timing_for(store: Any) -> Timing | None:
    """A bot's time budget over ``store``: on DynamoDB Local (a DynamoStore at an endpoint) no deadline, so that what
    the chat says never depends on how busy the machine is (local_dynamodb.ENGINE_TIMING); otherwise the bot's own."""
    if isinstance(store, DynamoStore) and store.config.endpoint:
        return local_dynamodb.ENGINE_TIMING
    return None


def key_of(name: str) -> str:
    import hashlib

    return hashlib.sha256(name.encode()).hexdigest() + "ab"


class Said:
    """One reply as the tests read it: the skill response, checked against Kakao's limits, and its parts."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.json = body
        problems = validate(body)
        assert not problems, f"reply breaks Kakao limits: {problems}\n{body}"
        if body.get("useCallback"):
            self.text = body["data"]["text"]
            self.quick: list[str] = []
            self.labels: list[str] = []
            self.extras: dict[str, Any] = {}
            self.taps: list[tuple[str, dict[str, Any]]] = []
            self.cards: list[dict[str, Any]] = []
            self.buttons: list[dict[str, Any]] = []
            return
        tpl = body["template"]
        outs = tpl["outputs"]
        self.text = "\n".join(
            o["simpleText"]["text"]
            if "simpleText" in o
            else o["textCard"].get("title", "") + "\n" + o["textCard"].get("description", "")
            for o in outs
        )
        quick = tpl.get("quickReplies", [])
        self.quick = [q["messageText"] for q in quick]
        self.labels = [q["label"] for q in quick]
        self.extras = {q["messageText"]: q.get("extra") for q in quick}
        self.taps = [(q["messageText"], q.get("extra") or {}) for q in quick]  # in order, twins kept apart
        self.cards = [o["textCard"] for o in outs if "textCard" in o]
        self.buttons = [b for c in self.cards for b in c.get("buttons", [])]
        assert self.quick, f"every reply offers next steps: {self.text}"

    @classmethod
    def of(cls, reply: Reply) -> Said:
        """The reply as rendered for Kakao."""
        return cls(render(reply))

    def __contains__(self, item: str) -> bool:
        return item in self.text

    def __repr__(self) -> str:
        return f"Said({self.text!r}, quick={self.quick})"


class Chat:
    """Drive the bot as several people: chat.as_("홍길동").say("메뉴")."""

    def __init__(self, store=None, exporter=None, clock: Clock | None = None) -> None:
        self.store = store or MemoryStore()
        self.clock = clock or Clock()
        self.bot = Bot(
            self.store,
            exporter,
            clock=self.clock,
            rules=Rules(privacy_key=lambda: PRIVACY_KEY),
            timing=timing_for(self.store),
        )
        self.current = "tester"

    def as_(self, name: str) -> Chat:
        self.current = name
        return self

    def say(self, text: str, who: str | None = None, callback_url: str = "", tap: dict | None = None) -> Said:
        reply, _ = self.bot.handle(key_of(who or self.current), text, callback_url, tap)
        return Said.of(reply)

    def say_all(self, texts: list[str], who: str | None = None) -> Said:
        """Send ``texts`` one after another; the last reply."""
        said = None
        for text in texts:
            said = self.say(text, who=who)
        assert said is not None
        return said

    def tap(self, said: Said, text: str, who: str | None = None) -> Said:
        """Tap the quick reply ``text`` of an earlier reply (its extra comes back as clientExtra)."""
        assert text in said.quick, (text, said.quick)
        return self.say(text, who=who, tap=said.extras.get(text) or {})

    def tap_at(self, said: Said, i: int, who: str | None = None) -> Said:
        """Tap the ``i``-th quick reply of an earlier reply (what it sends, and its extra as clientExtra)."""
        text, extra = said.taps[i]
        return self.say(text, who=who, tap=extra)

    def register(self, name: str, unit: str = "", role: int = 0) -> User:
        """Register ``name`` (and make them the current speaker)."""
        self.current = name
        self.say(f"등록 {unit} {name}".replace("  ", " "), who=name)
        u = self.store.get_user(key_of(name))
        assert u is not None
        if role:
            u.role = role
            self.store.commit([PutUser(u)])
            u = self.store.get_user(key_of(name))
        return u

    def user(self, name: str) -> User:
        u = self.store.get_user(key_of(name))
        assert u is not None
        return u


def taken(store: Any, survey_id: str, question: str, option: str) -> int:
    """How many answers took ``option`` of ``question``, as the survey's figures say (its aggregate; the survey item
    counts only the options with a capacity)."""
    agg = store.get_aggregate(survey_id)
    assert agg is not None, survey_id
    return int(agg.counts.get(f"v|{question}|{option}", 0))


def load_roster(store, rows, replace: bool = True, remove: bool = True):
    """Load roster rows (line, unit, name, check) as ``make roster`` does: additions, changes, moves and returns at
    once, and with ``remove`` (a yes) the people not in them taken off too. The plan."""
    from chalicelib.service import roster_files

    plan = roster_files.plan_rows(store, rows, replace)
    roster_files.apply(store, plan, actor="operator", target="test")
    if remove and plan.removals:
        roster_files.remove(store, [e.entry for e in plan.removals], actor="operator", target="test")
    return plan


# 체육대회 through the wizard: 참석 여부 (선택) · 불참 사유 (주관식) · 차량 필요 (예/아니오) · 차량 대수 (숫자 1~3).
SPORTS_WIZARD = [
    "신청 만들기",
    "체육대회",
    "없음",
    "참석 여부",
    "선택",
    "참석, 불참, 늦참",
    "필수",
    "불참 사유",
    "주관식",
    "필수",
    "차량 필요",
    "예/아니오",
    "필수",
    "차량 대수",
    "숫자",
    "1~3",
    "필수",
    "질문 끝",
    "없음",
    "전체",
    "없음",
]


def make_bbq(
    chat: Chat,
    admin: str = "관리자",
    deadline: str = "11/30 18:00",
    target: str = "전체",
    cap: str = "없음",
    title: str = "BBQ 회식",
    remind: str | None = None,
) -> str:
    """Create a survey through the wizard: 메뉴 (선택, 치킨 정원 2) · 수량 (숫자 1~5) · 메모 (주관식, 생략 가능)."""
    for text in bbq_messages(title=title, deadline=deadline, target=target, cap=cap, remind=remind):
        done = chat.say(text, who=admin)
    assert "개설했어요" in done, done
    return title


def figures(chat: Chat, title: str = "BBQ 회식", who: str = "관리자") -> tuple[int, int]:
    """현황's head line: (응답, 대상)."""
    said = chat.say(f"현황 {title}", who=who).text
    found = re.search(r"응답 (\d+)명 / 대상 (\d+)명", said)
    assert found, said
    return int(found[1]), int(found[2])


def answer_bbq(chat: Chat, who: str, menu: str = "치킨") -> None:
    """``who`` answers make_bbq's survey (``menu``, 2, no memo) and submits."""
    said = chat.say_all(["신청 BBQ 회식", menu, "2", "건너뛰기", "제출"], who=who)
    assert "제출했어요" in said.text, said.text
