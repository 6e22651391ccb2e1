"""Per-user rate limit: counted on the user item, riding on the message's own write; refused messages write nothing."""
from __future__ import annotations

from faults import FaultyStore, conflict
from harness import Chat, key_of, make_bbq

from chalicelib.domain.model import ADMIN
from chalicelib.service import SLOW_DOWN

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
    assert c.user("홍길동").rate[1] == 1


def test_counting_costs_no_extra_write() -> None:
    c = limited_chat()
    _, read_only = handle(c, "홍길동", "신청 목록")
    assert read_only["writes"] == ["PutUser"]  # only the count
    _, changing = handle(c, "홍길동", "신청 BBQ 회식")
    assert changing["writes"] == ["PutUser"]  # the draft and the count in one write
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
    """A conflict re-reads the user: the count is taken from the fresh item, not added twice."""
    store = FaultyStore()
    c = Chat(store=store)
    c.register("홍길동", "2중대")
    c.bot.rate_limit = LIMIT
    c.say("메뉴")
    assert c.user("홍길동").rate[1] == 1
    failures = iter([conflict])
    store.faults["commit"] = lambda: next(failures, lambda: None)()
    c.say("메뉴")
    assert store.calls.count("commit") >= 2
    assert c.user("홍길동").rate[1] == 2


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
