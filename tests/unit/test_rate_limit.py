"""Per-person rate limit: a bucket that refills continuously (bursts allowed), counted in memory and stored
only when it rides on a write or a burst is suspected; refused messages write nothing and say when to try
again with the question the person is on; admins and the wizard get more; unregistered people are limited
too; processes serving one person see each other's counts once it bursts."""

from __future__ import annotations

from faults import FaultyStore, conflict
from harness import Chat, key_of, make_bbq, timing_for

from chalicelib.domain.model import ADMIN
from chalicelib.service.bot import Bot
from chalicelib.service.ratelimit import ELEVATED, IN_WIZARD
from chalicelib.service.wording import SLOW_DOWN

LIMIT = 30  # a burst of 30, then one every 2 s


def limited_chat(limit: int = LIMIT) -> Chat:
    c = Chat()
    c.register("관리자", "본부", ADMIN)
    c.register("홍길동", "2중대")
    make_bbq(c)
    c.clock.advance(minutes=1)  # the registrations' levels drained
    c.bot.rate_limit = limit
    return c


def handle(c: Chat, who: str, text: str) -> tuple[str, dict]:
    reply, facts = c.bot.handle(key_of(who), text)
    return reply.all_text(), facts


def test_a_burst_goes_through_then_one_every_few_seconds_and_the_reply_says_when() -> None:
    c = limited_chat()
    for n in range(LIMIT):
        assert SLOW_DOWN not in c.say("메뉴", who="홍길동"), n
    version = c.user("홍길동").version
    r = c.say("메뉴", who="홍길동")
    # Before: "잠시 후 다시" with no time, still refused 20 s later, until a new minute began.
    assert r.text == f"{SLOW_DOWN} 2초 뒤에 다시 보내 주세요." and r.quick == ["메뉴"]
    assert c.user("홍길동").version == version  # a refused message writes nothing
    assert "무엇을 할까요" in c.say("메뉴", who="관리자")  # others are not affected
    c.clock.advance(seconds=1)
    assert "1초 뒤에" in c.say("신청 목록", who="홍길동")
    c.clock.advance(seconds=1)
    assert "응답할 수 있는 신청" in c.say("신청 목록", who="홍길동")  # refilled: one more fits
    assert SLOW_DOWN in c.say("메뉴", who="홍길동")  # and only one
    c.clock.advance(seconds=20)
    for n in range(10):  # 20 s refill ten
        assert SLOW_DOWN not in c.say("메뉴", who="홍길동"), n
    assert SLOW_DOWN in c.say("메뉴", who="홍길동")


def test_read_only_messages_write_nothing_until_a_burst_is_suspected() -> None:
    c = limited_chat()
    version = c.user("홍길동").version
    for _ in range(LIMIT // 2 - 1):
        _, facts = handle(c, "홍길동", "메뉴")
        assert facts["writes"] == []
    assert c.user("홍길동").version == version
    _, facts = handle(c, "홍길동", "메뉴")  # half the burst at once: from now on the level is stored
    assert facts["writes"] == ["PutUser"]
    assert c.user("홍길동").rate[1] == LIMIT // 2


def test_counting_rides_on_the_writes_a_message_makes_anyway() -> None:
    c = limited_chat()
    _, read_only = handle(c, "홍길동", "신청 목록")
    assert read_only["writes"] == []  # counted in memory only
    _, changing = handle(c, "홍길동", "신청 BBQ 회식")
    assert changing["writes"] == ["PutUser"]  # the draft and the level (both messages) in one write
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


def test_the_level_drains_between_stored_messages() -> None:
    c = limited_chat()
    c.as_("홍길동").say("신청 BBQ 회식")  # stores level 1
    c.clock.advance(seconds=1)
    c.say("치킨")  # stores 1 - 0.5 + 1
    assert c.user("홍길동").rate[1] == 1.5


def test_the_limit_holds_across_processes_once_it_bursts() -> None:
    """Two processes (two bots on one store, each with its own memory) take turns serving one person."""
    c = limited_chat(limit=10)
    other = Bot(c.store, clock=c.clock, rate_limit=10, timing=timing_for(c.store))
    bots = [c.bot, other]
    replies = [bots[n % 2].handle(key_of("홍길동"), "메뉴")[0].all_text() for n in range(11)]
    assert all(SLOW_DOWN not in r for r in replies[:10])
    assert SLOW_DOWN in replies[10]  # the 11th, in whichever process, is refused


def test_a_refusal_keeps_the_question_and_the_draft() -> None:
    c = limited_chat(limit=5)
    c.as_("홍길동").say("신청 BBQ 회식")
    c.say("치킨")
    c.say("3")
    for _ in range(2):
        c.say("건너뛰기")  # the optional 메모, then the card: 5 messages
    r = c.say("제출")
    assert r.text.startswith(f"{SLOW_DOWN} 12초 뒤에 다시 보내 주세요.")  # 60/5 = 12 s a message
    assert "제출 전 확인" in r and "제출" in r.quick  # before: 메뉴 only, itself refused
    d = c.user("홍길동").session["drafts"]
    assert next(iter(d.values()))["vals"] == {"q1": "치킨", "q2": 3}
    c.clock.advance(seconds=12)
    assert "제출했어요" in c.say("제출")
    assert c.store.get_answer(c.store.list_surveys()[0].id, key_of("홍길동")).values == {"q1": "치킨", "q2": 3}


def test_admins_and_the_wizard_get_more() -> None:
    c = limited_chat(limit=5)
    for n in range(5 * ELEVATED):
        assert SLOW_DOWN not in c.say("메뉴", who="관리자"), n
    assert SLOW_DOWN in c.say("메뉴", who="관리자")
    # In the wizard, more still: an admin building a survey at full speed (15 steps at once, limit 5).
    c.clock.advance(minutes=1)
    steps = ["신청 만들기", "빠른 설문", "건너뛰기"] + ["이름", "주관식", "필수"] * 3 + ["질문 끝", "없음", "전체"]
    said = [c.say(t, who="관리자") for t in steps]
    assert len(said) == 5 * IN_WIZARD and all(SLOW_DOWN not in s for s in said)
    refused = c.say("없음", who="관리자")
    assert SLOW_DOWN in refused and "최대 응답 수" in refused  # the step it is on, kept


def test_unregistered_people_are_limited_in_memory_and_not_stored() -> None:
    c = limited_chat()
    for n in range(LIMIT):
        assert "먼저 이름을 등록해 주세요" in c.say("안녕", who="처음온사람"), n
    assert SLOW_DOWN in c.say("안녕", who="처음온사람")  # before: never limited
    assert c.store.get_user(key_of("처음온사람")) is None
    c.clock.advance(minutes=1)
    c.say("등록 처음온사람", who="처음온사람")
    assert c.user("처음온사람").rate[1] == 1


def test_a_racing_message_is_counted_once() -> None:
    """A conflict re-reads the user: the level is taken afresh, not added twice."""
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


def test_a_stored_count_of_the_old_minute_form_is_read_as_nothing() -> None:
    c = limited_chat()
    u = c.user("홍길동")
    u.rate = [29377980, 30]  # [epoch minute, messages], as items written before hold it
    from chalicelib.domain.writes import PutUser

    c.store.commit([PutUser(u)])
    assert SLOW_DOWN not in c.say("메뉴", who="홍길동")
