"""A survey's aggregate always equals a recount of its answers, after any sequence of submits, edits and
withdrawals: each is committed as the conversation commits it (the answer, the counters and the aggregate's change
in one transaction), on the in-memory store at length and on DynamoDB Local in a shorter run."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from harness import Chat, key_of, taken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain import aggregates, results, tally
from chalicelib.domain.kinds import CHOICE, DATE, MULTI, NUMBER, TEXT, TIME, YESNO
from chalicelib.domain.model import KST, Answer, Question, Survey, option_key
from chalicelib.domain.writes import (
    AddToAggregate,
    CountResponse,
    DeleteAnswer,
    ListSurvey,
    PutAnswer,
    PutSurvey,
    Write,
)
from chalicelib.storage.memory import MemoryStore

START = datetime(2026, 12, 1, 9, 0, tzinfo=KST)
PEOPLE = [f"p{n}" for n in range(6)]
UNITS = ["1중대", "2중대", "", "본부 [A]"]


def survey(sid: str) -> Survey:
    qs = [
        Question("q1", "메뉴", kind=CHOICE, options=["치킨", "피자", "족발"], required=False),
        Question("q2", "수량", kind=NUMBER, required=False),
        Question("q3", "활동", kind=MULTI, options=["볼링", "노래방", "당구"], required=False),
        Question("q4", "날짜", kind=DATE, required=False),
        Question("q5", "시간", kind=TIME, required=False),
        Question("q6", "참석", kind=YESNO, required=False),
        Question("q7", "메모", kind=TEXT, required=False),
    ]
    return Survey(id=sid, title=f"회식 {sid[:6]}", owner="a1", questions=qs, created_at=START.isoformat())


values = st.fixed_dictionaries(
    {},
    optional={
        "q1": st.sampled_from(["치킨", "피자", "족발"]),
        "q2": st.one_of(st.integers(-5, 50), st.sampled_from([0.5, 2.25, 1000000])),
        "q3": st.lists(st.sampled_from(["볼링", "노래방", "당구"]), unique=True, max_size=3),
        "q4": st.sampled_from(["2026-12-05", "2026-12-06", "2027-01-02"]),
        "q5": st.sampled_from(["07:30", "18:00", "18:30", "23:59"]),
        "q6": st.booleans(),
        "q7": st.sampled_from(["", "네", "=1+1"]),
    },
)
op = st.tuples(
    st.sampled_from(["submit", "submit", "withdraw"]),
    st.sampled_from(PEOPLE),
    values,
    st.sampled_from(UNITS),
    st.integers(0, 24 * 70),  # hours after the start: an hour's, a day's or a week's stretch
)


def apply(store: Any, s: Survey, ops: list[tuple[str, str, dict[str, Any], str, int]]) -> None:
    """Each op as the conversation commits it (domain.submitting)."""
    for kind, person, vals, unit, hours in ops:
        old = store.get_answer(s.id, person)
        at = (START + timedelta(hours=hours)).isoformat()
        if kind == "withdraw":
            if old is None:
                continue
            writes: list[Write] = [DeleteAnswer(s.id, person, old.version), CountResponse(s.id, START, -1)]
            writes.append(AddToAggregate(s.id, aggregates.change(s, old, None)))
        else:
            new = Answer(
                s.id,
                person,
                vals,
                name=person,
                unit=unit,
                submitted_at=old.submitted_at if old else at,
                version=old.version if old else 0,
            )
            count = CountResponse(s.id, START, 0 if old else 1)
            writes = [PutAnswer(new), count, AddToAggregate(s.id, aggregates.change(s, old, new))]
        store.commit(writes)


def check(store: Any, s: Survey) -> None:
    agg = store.get_aggregate(s.id)
    answers = store.list_answers(s.id)
    assert agg is not None and agg.built
    assert aggregates.rounded(agg.counts) == aggregates.rounded(aggregates.recount(s, answers))
    # ... and so every figure a view says is the one the answers say
    assert tally.questions_of(s, agg.counts) == tally.questions(s, answers)
    assert tally.units_of(s, agg.counts) == tally.units(s, answers)
    again = aggregates.recount(s, answers)
    assert results.timeline_of(aggregates.hours(agg.counts), aggregates.days(agg.counts)) == results.timeline_of(
        aggregates.hours(again), aggregates.days(again)
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(op, max_size=25))
def test_the_aggregate_equals_a_recount_in_memory(ops: list[Any]) -> None:
    store = MemoryStore()
    s = survey(uuid.uuid4().hex)
    store.commit([PutSurvey(s)])
    apply(store, s, ops)
    check(store, s)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(op, min_size=5, max_size=15))
def test_the_aggregate_equals_a_recount_on_dynamodb_local(local_store: Any, ops: list[Any]) -> None:
    s = survey(uuid.uuid4().hex)
    local_store.commit([PutSurvey(s)])
    apply(local_store, s, ops)
    check(local_store, s)


def test_a_survey_made_before_aggregates_is_recounted_once() -> None:
    """The views of a survey with no whole aggregate count its answers, and write the recount on the version
    read, so the next look reads one item."""
    from chalicelib.domain.overview import seen_by_admin

    store = MemoryStore()
    s = survey("old")
    s.response_count = 1
    store.surveys[s.id] = s  # as an earlier version stored it: one answer counted, no aggregate
    store.answers[(s.id, "p1")] = Answer(s.id, "p1", {"q1": "치킨", "q2": 3}, unit="1중대", version=1)
    apply(store, s, [("submit", "p2", {"q1": "피자"}, "2중대", 1)])  # an answer after the upgrade: not whole
    counts, answers, build, _ = seen_by_admin(store, s)
    assert answers is not None and build is not None and counts == aggregates.recount(s, answers)
    store.commit([build])
    s = store.get_survey(s.id)
    counts, answers, build, _ = seen_by_admin(store, s)
    assert answers is None and build is None and counts["n|"] == 2
    # A submit the aggregate missed (a version without aggregates ran meanwhile) shows in the survey's own counter.
    store.commit([CountResponse(s.id, START, 1)])
    counts, answers, build, _ = seen_by_admin(store, store.get_survey(s.id))
    assert answers is not None and build is not None


def test_the_repair_recounts_a_wrong_aggregate_and_leaves_a_right_one() -> None:
    from scripts.recount import recount

    store = MemoryStore()
    s = survey("s1")
    store.commit([PutSurvey(s)])
    apply(store, s, [("submit", "p1", {"q1": "치킨"}, "1중대", 1), ("submit", "p2", {"q2": 4}, "", 30)])
    assert recount(store, s) == (False, 2)
    store.commit([AddToAggregate(s.id, {"v|q1|치킨": 5})])  # a counter gone wrong
    assert recount(store, s) == (True, 2)
    check(store, s)


def test_the_largest_answer_a_survey_can_take_adds_to_its_aggregate_on_dynamodb_local(local_store: Any) -> None:
    """A survey as big as the wizard allows (20 questions, each of 8 long options, all picked) answered by a member
    of a long-named unit: the answer's changes to the aggregate fit one update of DynamoDB's (its expression is at
    most 4 KB), so the submit goes through."""
    from chalicelib.domain.kinds.choice import MAX_OPTION_LEN, MAX_OPTIONS
    from chalicelib.domain.wizard_steps import MAX_QUESTIONS

    options = [f"{i}" + "라" * (MAX_OPTION_LEN - 1) for i in range(MAX_OPTIONS)]
    questions = [Question("g", "그룹", CHOICE, options=options), Question("n", "수", NUMBER)]
    questions += [Question(f"q{i}", f"질문 {i}", MULTI, options=options) for i in range(MAX_QUESTIONS - 2)]
    s = Survey(id=uuid.uuid4().hex[:8], title="큰 설문", owner="a", questions=questions)
    values: dict[str, Any] = {"g": options[0], "n": 5, **{f"q{i}": options for i in range(MAX_QUESTIONS - 2)}}
    a = Answer(s.id, "u1", values, name="홍길동", unit="가" * 20, submitted_at="2026-12-06T10:00:00+09:00")
    delta = aggregates.change(s, None, a)
    assert len(delta) > 150  # the case is as large as it claims
    local_store.commit([PutSurvey(s)])
    # This case holds the aggregate's part; the survey item's counters, as a submit and an edit move them, are the
    # next test's.
    counted = CountResponse(s.id, datetime(2026, 12, 6, tzinfo=KST), 1, {})
    local_store.commit([PutAnswer(a), counted, AddToAggregate(s.id, delta)])
    assert local_store.get_aggregate(s.id).counts == aggregates.recount(s, [a])


def test_time_counters_stay_bounded_for_a_survey_open_for_years() -> None:
    """Hours early in a survey's life, days after: answered every hour for two years, its aggregate keeps two weeks of
    hour counters and one a day (an item holds 400 KB), and the timeline counts every answer."""
    s = survey("years")
    answers = [
        Answer(s.id, f"p{h}", {}, unit="1중대", submitted_at=(START + timedelta(hours=h, minutes=5)).isoformat())
        for h in range(0, 24 * 730, 1)
    ]
    counts = aggregates.recount(s, answers)
    hours, days = aggregates.hours(counts), aggregates.days(counts)
    assert len(hours) == 14 * 24 and len(days) == 731 - 14  # two weeks after the making by the hour; then by the day
    assert sum(hours.values()) + sum(days.values()) == len(answers)
    assert min(days) == datetime(2026, 12, 15, tzinfo=KST) and days[min(days)] == 15  # from 09:05 on
    assert days[datetime(2026, 12, 16, tzinfo=KST)] == 24
    step, moments = results.timeline_of(hours, days)
    assert step == results.WEEK and sum(m.count for m in moments) == len(answers)
    assert len(repr(counts)) < 40_000


def test_answers_of_the_first_two_weeks_are_charted_by_the_hour_and_later_ones_by_the_day() -> None:
    """A survey made on a Tuesday to open the next Monday (예약) and answered that day is charted by the hour; an
    answer weeks later counts by its day, and the chart is by the day then."""
    s = survey("early")
    monday = START + timedelta(days=6)
    early = [Answer(s.id, f"p{h}", {}, submitted_at=(monday + timedelta(hours=h)).isoformat()) for h in (1, 2, 2, 30)]
    counts = aggregates.recount(s, early)
    step, moments = results.timeline_of(aggregates.hours(counts), aggregates.days(counts))
    assert step == results.HOUR and [m.count for m in moments if m.count] == [1, 2, 1]
    late = Answer(s.id, "late", {}, submitted_at=(START + timedelta(days=20)).isoformat())
    counts = aggregates.recount(s, [*early, late])
    assert aggregates.days(counts) == {datetime(2026, 12, 21, tzinfo=KST): 1}
    step, moments = results.timeline_of(aggregates.hours(counts), aggregates.days(counts))
    assert step == results.DAY and sum(m.count for m in moments) == 5
    assert [m.count for m in moments][:2] == [3, 1] and moments[-1].count == 1


def _big_survey(shape: str) -> tuple[Survey, list[str]]:
    """A survey as big as the wizard allows, of 20 questions of 8 options of the longest text, listed as the wizard
    lists it. ``multi``: 18 multi-select questions between two single-choice ones whose options have a capacity (an
    answer picks every option: the most counters an answer moves). ``capped``: 20 single-choice questions, every
    option with a capacity of one, and the survey capped at one answer (an edit that changes every pick moves the
    most capacity counters, each with its condition)."""
    from chalicelib.domain.kinds.choice import MAX_OPTION_LEN, MAX_OPTIONS
    from chalicelib.domain.wizard_steps import MAX_QUESTIONS

    options = [f"보기{i + 1}" + "라" * (MAX_OPTION_LEN - 3) for i in range(MAX_OPTIONS)]
    assert all(len(o) == MAX_OPTION_LEN for o in options)
    if shape == "multi":
        questions = [Question("g", "그룹", CHOICE, options=options, capacity=dict.fromkeys(options, 5))]
        questions += [Question(f"m{i}", f"복수 {i}", MULTI, options=options) for i in range(MAX_QUESTIONS - 2)]
        questions.append(Question("c", "조", CHOICE, options=options, capacity={options[0]: 1, options[1]: 1}))
        cap = None
    else:
        questions = [
            Question(f"c{i}", f"선택 {i}", CHOICE, options=options, capacity=dict.fromkeys(options, 1))
            for i in range(MAX_QUESTIONS)
        ]
        cap = 1
    s = Survey(id=uuid.uuid4().hex[:8], title="큰 설문", owner="a", questions=questions, cap=cap)
    s.option_counts = dict.fromkeys(s.capacities(), 0)  # as the wizard makes it
    return s, options


@pytest.mark.parametrize("shape", ["multi", "capped"])
def test_the_largest_answers_are_submitted_and_edited_on_dynamodb_local(local_store: Any, shape: str) -> None:
    """The largest answer a survey can take, submitted and then edited through the conversation on DynamoDB Local:
    each goes through (the survey item's counters are the capacities' only, so their update stays within DynamoDB's
    4 KB of expression however many options an answer picks), the survey item counts the takers of each option with
    a capacity, and the aggregate counts every option."""
    s, options = _big_survey(shape)
    local_store.commit([PutSurvey(s), ListSurvey(s.info())])
    chat = Chat(store=local_store)
    chat.register("홍길동", "제1대대 본부중대 1소대")
    everything = ", ".join(str(n) for n in range(1, len(options) + 1))
    said = chat.say(f"신청 {s.title}")
    for q in s.questions:
        assert f"/{len(s.questions)}" in said, said
        said = chat.say(everything if q.kind == MULTI else "1")
    assert "제출 전 확인" in said, said
    assert "제출했어요" in chat.say("제출")

    first = dict.fromkeys(s.capacities(), 0)
    changed = [q for q in s.questions if q.kind == CHOICE]  # the edit picks the second option of each
    for q in changed:
        first[option_key(q.id, options[0])] = 1
    stored = local_store.get_survey(s.id)
    assert stored.response_count == 1 and stored.option_counts == first
    answer = local_store.get_answer(s.id, key_of("홍길동"))
    assert answer.values == {q.id: options if q.kind == MULTI else options[0] for q in s.questions}
    assert local_store.get_aggregate(s.id).counts == aggregates.recount(s, [answer])
    if shape == "multi":
        assert len(aggregates.change(s, None, answer)) > 150  # the case is as large as it claims

    assert "제출 전 확인" in chat.say(f"신청 수정 {s.title}")
    for q in changed:
        said = chat.say_all([f"수정 {s.questions.index(q) + 1}", "2"])
    if shape == "multi":
        said = chat.say_all(["수정 2", "7, 8"])  # a multi-select answer down to its last two options
    assert "제출 전 확인" in said, said
    assert "수정했어요" in chat.say("제출")

    edited = dict.fromkeys(s.capacities(), 0)
    for q in changed:
        edited[option_key(q.id, options[1])] = 1
    stored = local_store.get_survey(s.id)
    assert stored.response_count == 1 and stored.option_counts == edited
    answer = local_store.get_answer(s.id, key_of("홍길동"))
    assert answer.version == 2 and all(answer.values[q.id] == options[1] for q in changed)
    assert local_store.get_aggregate(s.id).counts == aggregates.recount(s, [answer])
    assert taken(local_store, s.id, changed[0].id, options[0]) == 0
    assert taken(local_store, s.id, changed[0].id, options[1]) == 1
    if shape == "multi":
        assert answer.values["m0"] == options[6:] and answer.values["m1"] == options
        assert [taken(local_store, s.id, "m0", o) for o in options] == [0] * 6 + [1, 1]
        assert [taken(local_store, s.id, "m1", o) for o in options] == [1] * 8


def test_the_change_from_hours_to_days_falls_on_a_whole_hour() -> None:
    """Made at 09:10: the hour that starts 14 days after 09:00 is counted by the day from its first minute, so no
    hour is counted both ways, and an aggregate that kept it as an hour is one the migration recounts."""
    s = dataclasses.replace(survey("edge"), created_at=(START + timedelta(minutes=10)).isoformat())
    last_hour = START + timedelta(days=14) - timedelta(minutes=1)  # 08:59, day 14
    first_day = START + timedelta(days=14, minutes=5)  # 09:05, day 14: before the making's minute, same hour
    counts = aggregates.recount(s, [Answer(s.id, "a", {}, submitted_at=t.isoformat()) for t in (last_hour, first_day)])
    assert aggregates.hours(counts) == {datetime(2026, 12, 15, 8, tzinfo=KST): 1}
    assert aggregates.days(counts) == {datetime(2026, 12, 15, tzinfo=KST): 1}
    assert not aggregates.hours_kept_late(s, counts)
    assert aggregates.hours_kept_late(s, {**counts, "h|2026-12-15T09": 1})
