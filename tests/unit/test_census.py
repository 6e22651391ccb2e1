"""현황 and 결과 보기 read a survey's people once (domain.census): while nobody changes, later views read the kept
census and the aggregate, not the people; any change of people, an answer nobody placed or a new target makes
the next view count everyone again. The property test over random churn is tests/integration/test_people_counts.py.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from fakes import FakeExporter
from harness import Chat, answer_bbq, figures, key_of, make_bbq

from chalicelib.domain import census
from chalicelib.domain.aggregates import Aggregate
from chalicelib.domain.audience import audience
from chalicelib.domain.model import ADMIN, Survey
from chalicelib.domain.ports import Epoch
from chalicelib.domain.writes import TouchPeople
from chalicelib.storage.memory import MemoryStore

PEOPLE_READS = ("list_members", "roster_entries", "answer_keys", "get_users", "list_answers")


class Counting(MemoryStore):
    """A MemoryStore that counts the reads that grow with the organisation."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()
        self.exporter: Any = None

    def __getattribute__(self, name: str) -> Any:
        if name in PEOPLE_READS:
            object.__getattribute__(self, "reads")[name] += 1
        return object.__getattribute__(self, name)


def organisation() -> tuple[Chat, Counting]:
    store = Counting()
    store.exporter = FakeExporter()
    chat = Chat(store=store, exporter=store.exporter)
    chat.register("관리자", "본부", ADMIN)
    for n in range(6):
        chat.register(f"대원{n}", "1중대" if n < 3 else "2중대")
    make_bbq(chat, deadline="12/31 18:00")
    return chat, store


def test_a_second_look_reads_nobody() -> None:
    chat, store = organisation()
    answer_bbq(chat, "대원0")
    assert figures(chat) == (1, 7)  # counted: everyone read, the census kept
    store.reads.clear()
    assert figures(chat) == (1, 7)
    chat.say("결과 보기 BBQ 회식", who="관리자")
    assert not store.reads, store.reads


def test_answers_and_withdrawals_move_the_kept_census() -> None:
    chat, store = organisation()
    figures(chat)
    answer_bbq(chat, "대원1")
    answer_bbq(chat, "대원4")
    store.reads.clear()
    assert figures(chat) == (2, 7)
    chat.say_all(["신청 취소 BBQ 회식", "예"], who="대원1")
    assert figures(chat) == (1, 7)
    chat.say("결과 보기 BBQ 회식", who="관리자")
    page = store.exporter.reports[-1]
    assert (page.answered, page.silent, {u.unit: u.missing for u in page.units}) == (
        1,
        6,
        {"1중대": 3, "2중대": 2, "본부": 1},
    )
    assert not store.reads, store.reads


def test_a_first_registration_is_absorbed_and_a_change_counts_everyone_again() -> None:
    chat, store = organisation()
    answer_bbq(chat, "대원0")
    figures(chat)
    chat.register("대원9", "2중대")  # a new member, with no answer anywhere: one more of 2중대, nobody else changes
    store.reads.clear()
    assert figures(chat) == (1, 8)
    assert not store.reads, store.reads
    chat.say("등록 3중대 대원9", who="대원9")  # someone moves: everyone is counted again
    assert figures(chat) == (1, 8)
    assert store.reads["list_members"] or store.reads["get_users"]
    store.reads.clear()
    assert figures(chat) == (1, 8)  # and the census taken then holds again
    assert not store.reads
    chat.say("결과 보기 BBQ 회식", who="관리자")
    units = {u.unit: u.missing for u in store.exporter.reports[-1].units}
    assert units == {"1중대": 2, "2중대": 3, "3중대": 1, "본부": 1}
    chat.say_all(["탈퇴", "예"], who="대원0")  # who answered leaves: 대상 밖 no more, and not counted
    s = store.list_surveys()[0]
    exact = audience(store, s)
    assert figures(chat) == (exact.answered_here, exact.target) == (0, 7)


def test_an_answer_entered_by_an_admin_counts_everyone_again() -> None:
    chat, store = organisation()
    figures(chat)
    said = chat.say_all(["대리 응답 BBQ 회식 대원2", "치킨", "2", "건너뛰기", "제출"], who="관리자")
    assert "대신 제출했어요" in said.text, said.text
    store.reads.clear()
    assert figures(chat) == (1, 7)
    assert store.reads["list_members"]


def survey(target: str = "") -> Survey:
    return Survey(id="s1", title="t", owner="a", questions=[], target_unit=target)


def kept(s: Survey, answered: int = 1, seen: dict[str, float] | None = None) -> Aggregate:
    c = census.Census(5, answered, 0, False, {"1중대": ["1중대", 4 - answered, 0], "2중대": ["2중대", 0, 1]})
    agg = Aggregate("s1", {"n|": answered}, 1, True, dict(seen or {}))
    agg.census = census.kept(c, s, agg, Epoch())
    return agg


def test_the_census_is_brought_up_to_date_or_refused() -> None:
    s = survey()
    agg = kept(s, seen={"p|1중대": 1})
    assert census.current(s, agg, Epoch()) is not None
    agg.counts["n|"], agg.people["p|1중대"] = 3, 3  # two more of its people in 1중대
    found = census.current(s, agg, Epoch())
    assert found is not None and (found.answered, found.silent, found.waiting, found.target) == (3, 1, 1, 5)
    agg.counts["n|"], agg.people["o|"] = 4, 1  # and one from outside
    found = census.current(s, agg, Epoch())
    assert found is not None and (found.answered, found.outside) == (3, 1)
    assert census.current(s, agg, Epoch((1,) + (0,) * 7)) is None  # someone changed
    assert census.current(survey("1중대"), agg, Epoch()) is None  # another target
    agg.people["?|"] = 1  # an answer entered for someone
    assert census.current(s, agg, Epoch()) is None
    agg.people.pop("?|")
    agg.counts["n|"] = 5  # an answer that says nothing of whose it was
    assert census.current(s, agg, Epoch()) is None
    agg.counts["n|"], agg.people["p|3중대"] = 5, 1  # a unit none of its people is in
    assert census.current(s, agg, Epoch()) is None


def test_a_member_is_placed_in_their_unit_or_outside() -> None:
    from chalicelib.domain.model import User

    u = User(key=key_of("x"), name="x", unit="1 중대")
    assert census.attribution(survey(), u, 1) == {"p|1중대": 1}
    assert census.attribution(survey("1 중대,2중대"), u, -1) == {"p|1중대": -1}
    assert census.attribution(survey("2중대"), u, -1) == {"o|": -1}
    assert census.attribution(survey("2중대"), u, 0) == {}


def test_a_census_counted_while_indexes_may_lag_is_not_kept() -> None:
    """Right after a change of people (the indexes' copies lag on AWS), a view counts everyone and keeps nothing;
    once settled, the next view keeps what it counts."""
    chat, store = organisation()
    settled = [False]
    real = store.people_epoch
    store.people_epoch = lambda: dataclasses.replace(real(), settled=settled[0])  # type: ignore[method-assign]
    sid = store.list_surveys()[0].id
    store.commit([TouchPeople("test")])  # the census 개설 kept no longer holds
    assert figures(chat) == (0, 7)
    assert store.get_aggregate(sid).census["epoch"] == 0
    settled[0] = True
    assert figures(chat) == (0, 7)
    assert store.get_aggregate(sid).census is not None


def test_missing_pages_read_only_their_units_and_say_what_counting_everyone_says() -> None:
    """미응답 with a census kept: its counts are the census's, its names are read of the units the page shows alone,
    and every page says what it says when everyone is counted (a roster with 미등록, twins, several units)."""
    from harness import load_roster

    store = Counting()
    chat = Chat(store=store, exporter=FakeExporter())
    chat.register("관리자", "본부", ADMIN)
    rows = [(n + 2, f"{1 + n % 4}중대", f"대원{n // 2:02d}", f"{1000 + n}") for n in range(150)]
    load_roster(store, rows)
    for n in range(0, 150, 3):  # a third of them register, in every unit
        said = chat.say(f"등록 {1 + n % 4}중대 대원{n // 2:02d} {1000 + n}", who=f"p{n}").text
        assert "등록" in said, said
    make_bbq(chat, deadline="12/31 18:00")
    for n in range(0, 150, 9):
        answer_bbq(chat, f"p{n}", "피자")
    # 응답 안 함 of the four units and 본부 fill the first page with 1중대's 미등록; the last page is 4중대's alone
    for page, units in ((1, 5), (2, 3), (3, 1)):
        store.commit([TouchPeople("test")])
        everyone = chat.say(f"미응답 BBQ 회식 {page}", who="관리자")
        store.reads.clear()
        kept = chat.say(f"미응답 BBQ 회식 {page}", who="관리자")
        assert kept.text == everyone.text and kept.quick == everyone.quick
        assert not store.reads["answer_keys"] and not store.reads["list_answers"]
        assert store.reads["roster_entries"] == units, (page, store.reads)  # the units the page shows
    assert "미응답 134명 / 대상 151명" in kept.text, kept.text


def test_too_many_people_are_counted_in_the_background(monkeypatch: Any) -> None:
    """An organisation bigger than a view can count while the admin waits: after a change of people the view says
    they are being counted and the queue's worker counts them and keeps the census; the next view reads it."""
    monkeypatch.setattr(census, "INLINE", 3)
    chat, store = organisation()
    answer_bbq(chat, "대원0")
    assert figures(chat) == (1, 7)  # never counted before: how many is not known, so counted now
    chat.say("등록 3중대 대원5", who="대원5")  # someone moves
    for view in ("현황", "결과 보기", "미응답"):
        store.commit([TouchPeople("test")])
        said = chat.say(f"{view} BBQ 회식", who="관리자")
        assert "대상자를 세고 있어요" in said.text, said
        assert [q.split(" ")[0] for q in said.quick] == [view.split(" ")[0], "메뉴"], said
        store.reads.clear()
        assert figures(chat) == (1, 7)  # the worker kept it: nobody read
        assert not store.reads, store.reads
    chat.say("결과 보기 BBQ 회식", who="관리자")
    units = {u.unit: u.missing for u in store.exporter.reports[-1].units}
    assert units == {"1중대": 2, "2중대": 2, "3중대": 1, "본부": 1}


def test_a_background_count_waits_for_settled_indexes_and_gives_up_after_a_few_tries() -> None:
    from chalicelib.domain.tasks import ExportTask
    from chalicelib.service import background

    chat, store = organisation()
    sid = store.list_surveys()[0].id
    real = store.people_epoch
    assert store.get_aggregate(sid).census is not None  # counted when it was opened
    store.commit([TouchPeople("test")])
    store.people_epoch = lambda: dataclasses.replace(real(), settled=False)  # type: ignore[method-assign]
    store.reads.clear()
    chat.bot.take_census(ExportTask(user_key="", survey_ids=[sid], kind="census"))  # no queue here: tried now
    assert store.get_aggregate(sid).census["epoch"] == 0
    assert store.reads["list_members"] == 0  # nothing counted while it could not be kept
    store.people_epoch = real  # type: ignore[method-assign]
    chat.bot.take_census(ExportTask(user_key="", survey_ids=[sid], kind="census"))
    assert store.get_aggregate(sid).census["epoch"] == 1
    assert background.CENSUS_ATTEMPTS > 1
