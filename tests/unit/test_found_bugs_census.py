"""Cases where a kept census (domain.census) said other than counting everyone (domain.audience)."""

from __future__ import annotations

from typing import Any

from fakes import FakeExporter
from harness import Chat, answer_bbq, figures, load_roster, make_bbq

from chalicelib.domain.audience import audience
from chalicelib.domain.model import ADMIN
from chalicelib.storage.memory import MemoryStore


def exact(store: Any) -> tuple[int, int, int]:
    a = audience(store, store.list_surveys()[0])
    return a.answered_here, a.target, a.outside


def test_a_withdrawal_after_the_unit_was_written_without_its_spaces_is_placed_where_its_person_is() -> None:
    """A survey for '1 중대' (typed before there was a roster) counts the roster's 1중대 entries (units compared
    without spaces): a member linked to theirs is one of its people, though their unit no longer reads as the
    target's, and taking their answer back must not count as an answer from outside going."""
    store = MemoryStore()
    chat = Chat(store=store, exporter=FakeExporter())
    chat.register("관리자", "본부", ADMIN)
    chat.register("대원0", "1 중대")
    make_bbq(chat, deadline="12/31 18:00", target="1 중대")
    answer_bbq(chat, "대원0")
    load_roster(store, [(2, "1중대", "대원0", None)])  # links them: their unit is now the roster's, 1중대
    assert store.get_user(chat.user("대원0").key).unit == "1중대"
    assert figures(chat) == exact(store)[:2] == (1, 1)  # counted: the census kept
    said = chat.say_all(["신청 취소 BBQ 회식", "예"], who="대원0")
    assert "취소했어요" in said.text, said.text
    status = chat.say("현황 BBQ 회식", who="관리자").text
    assert exact(store) == (0, 1, 0)
    assert "응답 0명 / 대상 1명" in status and "대상 밖" not in status, status


def test_a_unit_is_one_unit_however_it_is_spaced() -> None:
    """A survey for '1 중대' (typed before there was a roster) is for 1중대: the roster's entries and everyone
    registered there, whether they typed '1중대' or '1 중대'. 미응답 lists each of them once, and the census (kept)
    says what a recount says."""
    store = MemoryStore()
    chat = Chat(store=store, exporter=FakeExporter())
    chat.register("관리자", "본부", ADMIN)
    chat.register("대원0", "1중대")
    chat.register("대원1", "1 중대")
    make_bbq(chat, deadline="12/31 18:00", target="1 중대")
    assert "BBQ 회식" in chat.say("신청 목록", who="대원0")  # for them, as typed either way
    load_roster(store, [(2, "1중대", "대원2", None)], remove=False)
    a = audience(store, store.list_surveys()[0])
    assert [p.label() for p in a.silent] == ["1 중대 대원1", "1중대 대원0"]
    assert figures(chat) == exact(store)[:2] == (0, 3)  # the two members and the entry
    answer_bbq(chat, "대원0")
    assert figures(chat) == exact(store)[:2] == (1, 3)
    said = chat.say("미응답 BBQ 회식", who="관리자").text
    assert "1 중대 대원1" in said and "대원0" not in said, said


def test_a_target_naming_one_roster_unit_two_ways_counts_its_entries_once() -> None:
    """'1중대, 1 중대' names the roster's 1중대 twice (units compared without spaces): its entries are its people
    once, beside the members registered as either."""
    store = MemoryStore()
    chat = Chat(store=store, exporter=FakeExporter())
    chat.register("관리자", "본부", ADMIN)
    chat.register("대원1", "1 중대")
    chat.register("대원2", "1중대")
    make_bbq(chat, deadline="12/31 18:00", target="1중대, 1 중대")
    load_roster(store, [(2, "1중대", "홍길동", None), (3, "1중대", "김철수", None)], remove=False)
    assert exact(store) == (0, 4, 0)  # 대원1, 대원2 and the two entries
    assert figures(chat) == (0, 4)
    said = chat.say("미응답 BBQ 회식", who="관리자").text
    assert said.count("김철수") == 1 and said.count("홍길동") == 1, said
