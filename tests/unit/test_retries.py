"""Lost races are retried on fresh data after a short random pause (so a rush spreads out)."""

from __future__ import annotations

from faults import FaultyStore
from harness import Chat, make_bbq

from chalicelib.domain.model import ADMIN
from chalicelib.domain.ports import Conflict


def bbq_over_faulty_store() -> tuple[FaultyStore, Chat]:
    """An admin's BBQ survey and a registered member, over a store whose calls can be made to fail."""
    store = FaultyStore()
    c = Chat(store=store)
    c.register("관리자", "본부", ADMIN)
    make_bbq(c)
    c.register("홍길동", "2중대")
    return store, c


def test_conflicts_are_retried_with_growing_pauses_then_succeed() -> None:
    store, c = bbq_over_faulty_store()
    pauses: list[float] = []
    c.bot.sleep = pauses.append
    left = {"n": 3}

    def lose_three_races() -> None:
        if left["n"]:
            left["n"] -= 1
            raise Conflict("survey")

    c.as_("홍길동").say("신청 BBQ 회식")
    store.faults["commit"] = lose_three_races
    r = c.say("치킨")
    assert "2/3" in r
    assert len(pauses) == 3 and all(0 <= p <= 0.025 * (i + 1) for i, p in enumerate(pauses))


def test_endless_conflicts_end_in_a_polite_busy_reply_with_the_question() -> None:
    store, c = bbq_over_faulty_store()
    c.bot.sleep = lambda s: None
    c.as_("홍길동").say("신청 BBQ 회식")

    def always() -> None:
        raise Conflict("user")

    store.faults["commit"] = always
    r = c.say("치킨")
    assert "잠시 후 다시" in r and "1/3" in r


def test_one_step_reads_the_survey_list_once() -> None:
    store, c = bbq_over_faulty_store()
    store.calls.clear()
    r = c.say("아무 말")  # tries the words as a title, then shows the menu with the pending line
    assert "알 수 없는 말" in r and "미응답 신청 1건" in r
    # not a command, so the user is read alone; the step then needs the listing and reads it, once, and looks
    # the words up once as the exact title of a survey that no longer takes answers
    assert store.calls == ["get_user", "listed_surveys", "surveys_titled"], store.calls
    store.calls.clear()
    assert "미응답 신청 1건" in c.say("메뉴")
    assert store.calls == ["get_user_and_listing"], store.calls  # a command: the listing comes with the user
