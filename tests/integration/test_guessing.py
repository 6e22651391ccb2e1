"""Guessing a roster entry's check value, in parallel: from many accounts the entry evaluates at most its limit of
guesses before it locks; from one account, at most the account's limit. On MemoryStore and on DynamoDB Local.

An evaluation is a guess whose outcome the guesser learns: a refusal noted on the entry, or a claim. Both are
writes conditional on the entry's count of tries as read, so guesses that raced are read again and meet the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import local_dynamodb
import pytest
from harness import key_of, load_roster, timing_for

from chalicelib.domain import roster
from chalicelib.domain.roster_writes import ClaimRoster, NoteEntryFailure
from chalicelib.service.bot import Bot
from chalicelib.storage.memory import MemoryStore

ENTRY = "1중대#이영희"
ROSTER = [(2, "1중대", "이영희", "5432"), (3, "1중대", "홍길동", "1111")]


@pytest.fixture(params=["memory", pytest.param("dynamodb-local", marks=pytest.mark.dynamodb_local)])
def store(request: pytest.FixtureRequest) -> Iterator[object]:
    if request.param == "memory":
        yield MemoryStore()
        return
    endpoint = request.getfixturevalue("dynamodb_local_endpoint")
    with local_dynamodb.fresh_store(endpoint) as s:
        yield s


def evaluations(store) -> list[str]:
    """Record each committed write that evaluated a guess at ENTRY ('refused' or 'claimed')."""
    seen: list[str] = []
    lock = threading.Lock()
    real = store.commit

    def commit(writes):
        real(writes)
        with lock:
            for w in writes:
                if isinstance(w, NoteEntryFailure) and w.entry == ENTRY:
                    seen.append("refused")
                if isinstance(w, ClaimRoster) and w.entry == ENTRY:
                    seen.append("claimed")

    store.commit = commit
    return seen


def guess_in_parallel(bot: Bot, guesses: list[tuple[str, str]]) -> dict[str, str]:
    """Each (account, text) sent at the same moment from its own thread; the replies by account."""
    start = threading.Barrier(len(guesses))
    replies: dict[str, str] = {}

    def send(who: str, text: str) -> None:
        start.wait(timeout=30)
        reply, _ = bot.handle(key_of(who), text, "", None)
        replies[who] = reply.all_text()

    threads = [threading.Thread(target=send, args=g) for g in guesses]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return replies


def test_many_accounts_guessing_one_entry_get_at_most_its_limit_of_evaluations(store) -> None:
    load_roster(store, ROSTER)
    seen = evaluations(store)
    bot = Bot(store, timing=timing_for(store))
    guesses = [(f"acct{n}", f"등록 1중대 이영희 {5300 + n}") for n in range(40)]  # 5300..5339: none right
    guesses.append(("owner", "등록 1중대 이영희 5432"))  # the right one, among them
    replies = guess_in_parallel(bot, guesses)
    assert len(seen) <= roster.ENTRY_LIMIT + 1, seen  # the limit of wrong ones, and at most the one right one
    assert seen.count("refused") <= roster.ENTRY_LIMIT
    [e] = store.roster_entries("1중대", "이영희")
    assert e.strain.tries == seen.count("refused")  # every evaluated guess counted once, none lost
    refusals = {text for who, text in replies.items() if who != "owner" and "등록되었어요" not in text}
    assert all(text == roster.REFUSED or "잠시 후" in text for text in refusals), refusals  # never anything else
    if "claimed" in seen:
        assert e.claimed_by == key_of("owner") and "등록되었어요" in replies["owner"]
        return
    # Guesses that raced and were turned away busy may come again: still at most the limit is evaluated.
    n = 0
    while e.locked == 0:
        assert bot.handle(key_of(f"more{n}"), f"등록 1중대 이영희 {5400 + n}", "", None)[0].all_text() == roster.REFUSED
        [e] = store.roster_entries("1중대", "이영희")
        n += 1
    assert seen.count("refused") == roster.ENTRY_LIMIT == e.strain.tries and e.claimed_by == ""
    before = len(seen)
    assert bot.handle(key_of("late"), "등록 1중대 이영희 5432", "", None)[0].all_text() == roster.REFUSED
    assert len(seen) == before  # locked: not even the right value is evaluated


def test_one_account_guessing_in_parallel_is_held_to_its_own_limit(store) -> None:
    load_roster(store, ROSTER)
    seen = evaluations(store)
    bot = Bot(store, timing=timing_for(store))
    # thirty guesses from one Kakao account at the same moment
    start = threading.Barrier(30)
    texts: list[str] = []

    def send(n: int) -> None:
        start.wait(timeout=30)
        texts.append(bot.handle(key_of("one"), f"등록 1중대 이영희 {5300 + n}", "", None)[0].all_text())

    threads = [threading.Thread(target=send, args=(n,)) for n in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(seen) <= roster.MAX_FAILURES, seen
    assert store.registration_strain(key_of("one")).tries <= roster.MAX_FAILURES
    assert sum(1 for t in texts if t == roster.REFUSED) == len(seen)  # every refusal told was one evaluated
