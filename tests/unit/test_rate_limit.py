"""Per-person rate limit: counted in memory, stored only when it rides on a write or a burst is suspected;
refused messages write nothing; processes serving one person see each other's counts once it bursts."""
from __future__ import annotations

from faults import FaultyStore, conflict
from harness import Chat, key_of, make_bbq

from chalicelib.domain.model import ADMIN
from chalicelib.service import SLOW_DOWN, Bot

LIMIT = 30


def limited_chat(limit: int = LIMIT) -> Chat:
    c = Chat()
    c.register("관리자", "본부", ADMIN)
    c.register("홍길동", "2중대")
    make_bbq(c)
    c.clock.advance(minutes=1)  # a fresh window for every test
    c.bot.rate_limit = limit
    return c


def handle(c: Chat, who: str, text: str) -> tuple[str, dict]:
    reply, facts = c.bot.handle(key_of(who), text)
    return reply.all_text(), facts


def test_the_31st_message_in_a_minute_is_refused_and_the_next_minute_works() -> None:
    c = limited_chat()
    for n in range(LIMIT):
        assert SLOW_DOWN not in c.say("메뉴", who="홍길동"), n
    version = c.user("홍길동").version
    r = c.say("메뉴", who="홍길동")
    assert r.text == SLOW_DOWN and r.quick == ["메뉴"]
    assert "잠시 후 다시" in r
    assert c.user("홍길동").version == version  # a refused message writes nothing
    assert c.say("신청 목록", who="홍길동").text == SLOW_DOWN
    assert "무엇을 할까요" in c.say("메뉴", who="관리자")  # others are not affected
    c.clock.advance(seconds=60)
    assert "무엇을 할까요" in c.say("메뉴", who="홍길동")
    assert c.user("홍길동").version == version  # a new minute, well under the limit: no write


def test_read_only_messages_write_nothing_until_a_burst_is_suspected() -> None:
    c = limited_chat()
    version = c.user("홍길동").version
    for _ in range(LIMIT // 2 - 1):
        _, facts = handle(c, "홍길동", "메뉴")
        assert facts["writes"] == []
    assert c.user("홍길동").version == version
    _, facts = handle(c, "홍길동", "메뉴")  # half the limit in a minute: from now on the count is stored
    assert facts["writes"] == ["PutUser"]
    assert c.user("홍길동").rate[1] == LIMIT // 2


def test_counting_rides_on_the_writes_a_message_makes_anyway() -> None:
    c = limited_chat()
    _, read_only = handle(c, "홍길동", "신청 목록")
    assert read_only["writes"] == []  # counted in memory only
    _, changing = handle(c, "홍길동", "신청 BBQ 회식")
    assert changing["writes"] == ["PutUser"]  # the draft and the count (both messages) in one write
    c.say("피자", who="홍길동")
    c.say("2", who="홍길동")
    c.say("건너뛰기", who="홍길동")
    _, submit = handle(c, "홍길동", "제출")
    assert submit["writes"].count("PutUser") == 1 and "PutAnswer" in submit["writes"]
    assert c.user("홍길동").rate[1] == 6
    c.say("탈퇴", who="홍길동")
    _, leave = handle(c, "홍길동", "예")
    assert leave["writes"] == ["DeleteUser"]  # never a PutUser and a DeleteUser of one item together
    assert c.store.get_user(key_of("홍길동")) is None


def test_the_limit_holds_across_processes_once_it_bursts() -> None:
    """Two processes (two bots on one store, each with its own memory) take turns serving one person."""
    c = limited_chat(limit=10)
    other = Bot(c.store, clock=c.clock, rate_limit=10)
    bots = [c.bot, other]
    replies = [bots[n % 2].handle(key_of("홍길동"), "메뉴")[0].all_text() for n in range(11)]
    assert all(SLOW_DOWN not in r for r in replies[:10])
    assert replies[10] == SLOW_DOWN  # the 11th, in whichever process, is refused


def test_the_limit_does_not_break_a_draft() -> None:
    c = limited_chat(limit=5)
    c.as_("홍길동").say("신청 BBQ 회식")
    c.say("치킨")
    c.say("3")
    for _ in range(2):
        c.say("메뉴")
    assert c.say("신청 BBQ 회식").text == SLOW_DOWN
    d = c.user("홍길동").session["drafts"]
    assert list(d.values())[0]["vals"] == {"q1": "치킨", "q2": 3}
    c.clock.advance(minutes=1)
    assert "작성하던 답을 이어서" in c.say("신청 BBQ 회식")
    assert "제출 전 확인" in c.say("건너뛰기")
    assert "제출했어요" in c.say("제출")
    assert c.store.get_answer(c.store.list_surveys()[0].id, key_of("홍길동")).values == {"q1": "치킨", "q2": 3}


def test_a_racing_message_is_counted_once() -> None:
    """A conflict re-reads the user: the count is taken afresh, not added twice."""
    store = FaultyStore()
    c = Chat(store=store)
    c.register("관리자", "본부", ADMIN)
    make_bbq(c)
    c.bot.rate_limit = LIMIT
    c.register("홍길동", "2중대")
    c.say("메뉴")
    assert c.user("홍길동").rate[1] == 1  # registering stored 1; 메뉴 is counted in memory
    failures = iter([conflict])
    store.faults["commit"] = lambda: next(failures, lambda: None)()
    store.calls.clear()
    c.say("신청 BBQ 회식")
    assert store.calls.count("commit") >= 2
    assert c.user("홍길동").rate[1] == 3


def test_zero_disables_and_read_only_messages_then_write_nothing() -> None:
    c = limited_chat(limit=0)
    version = c.user("홍길동").version
    for _ in range(100):
        assert "무엇을 할까요" in c.say("메뉴", who="홍길동")
    assert c.user("홍길동").version == version


def test_unregistered_people_are_not_limited_and_not_stored() -> None:
    c = limited_chat()
    for _ in range(LIMIT + 5):
        assert "먼저 이름을 등록해 주세요" in c.say("안녕", who="처음온사람")
    assert c.store.get_user(key_of("처음온사람")) is None
    c.say("등록 처음온사람", who="처음온사람")
    assert c.user("처음온사람").rate[1] == 1
