"""Every type of write, committed on every store: what it changes, and when its condition refuses it.

The table below has one case per write (and a second for a write with two shapes). ``test_every_write_has_a_case``
fails when a new write type joins the ``Write`` union without one, so no write can be added that a store ignores,
or that only one store applies: each case runs on the in-memory store, moto and DynamoDB Local, and reads its
effect back through the store's own reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, get_args

import pytest

from chalicelib.domain.kinds import CHOICE
from chalicelib.domain.model import CLOSED, KST, Answer, AuditEntry, Question, Survey, User, option_key
from chalicelib.domain.plans import Planned
from chalicelib.domain.ports import EPOCH_SHARDS, Conflict
from chalicelib.domain.roster_records import LoadResult, RosterEntry, Strain
from chalicelib.domain.roster_writes import (
    ClaimRoster,
    DeleteFormerEntry,
    DeleteRosterEntry,
    KeepLoadResult,
    LiftEntryLock,
    NoteEntryFailure,
    NoteRegistrationFailure,
    PutRosterEntry,
    ReleaseRoster,
    RetireRosterEntry,
    SetEntryPerson,
    SetRosterUnits,
    SetUserRoster,
    TakeRemovals,
)
from chalicelib.domain.writes import (
    AddCoadmin,
    AddToAggregate,
    AddViewer,
    Audit,
    CountResponse,
    DeleteAnswer,
    DeleteSurvey,
    DeleteUser,
    KeepCensus,
    KeepLonger,
    KeepUnnamedAnswer,
    ListSurvey,
    MarkAutoReminded,
    MarkKeepWarned,
    MarkPurged,
    MarkReminded,
    Plan,
    PutAnswer,
    PutSurvey,
    PutUser,
    RecountAggregate,
    SetRepeat,
    SetSurveyStatus,
    TouchPeople,
    UnlistSurvey,
    Unplan,
    Write,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=KST)
EPOCH = int(NOW.timestamp())
AT = NOW.isoformat()
ENTRY = "1중대#홍길동"


def user() -> User:
    return User(key="u1", name="홍길동", unit="1중대", created_at=f"{AT}#u1")


def survey() -> Survey:
    q = Question("q1", "참석 여부", kind=CHOICE, options=["참석", "불참"], capacity={"참석": 2})
    return Survey(id="s1", title="훈련 참석", owner="a1", questions=[q], created_at=AT)


def answer(key: str = "u1", version: int = 0) -> Answer:
    return Answer("s1", key, {"q1": "참석"}, name="홍길동", unit="1중대", submitted_at=AT, version=version)


def roster_entry(**kw: Any) -> RosterEntry:
    return RosterEntry(ENTRY, "1중대", "홍길동", number="101", **kw)


def load(token: str = "t1") -> KeepLoadResult:
    result = LoadResult(token, "추가 1명", removals=1, before=3, by="a1", at=AT)
    return KeepLoadResult(result, lines=["추가 1중대 홍길동"], keys=["2중대#김철수"], expires=EPOCH + 86400)


SURVEY: list[Write] = [PutSurvey(survey()), ListSurvey(survey().info())]
CLOSED_SURVEY: list[Write] = [*SURVEY, SetSurveyStatus("s1", CLOSED, at=NOW)]
ENTRY_ON_ROSTER: list[Write] = [PutRosterEntry(roster_entry())]


@dataclass
class Case:
    write: Write
    read: Callable[[Any], Any]  # the store -> what the write changes, as the store's reads show it
    before: Any  # what ``read`` shows after ``setup`` alone
    after: Any  # ... and after the write
    setup: list[Write] = field(default_factory=list)
    refused: list[Write] | None = None  # a setup in which the write's condition fails (None: it has none)

    @property
    def id(self) -> str:
        return type(self.write).__name__


def _survey(s: Any) -> Survey:
    return s.get_survey("s1")


def _aggregate(s: Any) -> tuple[dict[str, float], int, bool] | None:
    a = s.get_aggregate("s1")
    return None if a is None else (a.counts, a.version, a.built)


# Counter names as domain.aggregates makes them, with the characters an expression path would misread.
COUNTED = {"n|": 1, "a|q1": 1, "v|q1|참석 [A].b%": 1, "g|q2|참석": 2.5}


CENSUS = {"target_unit": "", "epoch": 0, "target": 3, "units": {"1중대": ["1 중대", 1, 0]}}


def _entry(s: Any) -> RosterEntry | None:
    found = s.roster_entries("1중대", "홍길동")
    return found[0] if found else None


CASES = [
    Case(
        PutUser(user()), lambda s: s.get_user("u1") and s.get_user("u1").name, None, "홍길동", refused=[PutUser(user())]
    ),
    Case(DeleteUser("u1", 1), lambda s: s.get_user("u1") is None, False, True, [PutUser(user())], refused=[]),
    Case(
        PutAnswer(answer()),
        lambda s: s.get_answer("s1", "u1") and s.get_answer("s1", "u1").values,
        None,
        {"q1": "참석"},
        SURVEY,
        refused=[*SURVEY, PutAnswer(answer())],
    ),
    Case(
        KeepUnnamedAnswer(answer("a#r4nd0m")),
        lambda s: [a.user_key for a in s.list_answers("s1")],
        [],
        ["a#r4nd0m"],
        SURVEY,
        refused=[],
    ),
    Case(
        DeleteAnswer("s1", "u1", 1),
        lambda s: s.get_answer("s1", "u1") is None,
        False,
        True,
        [*SURVEY, PutAnswer(answer())],
        refused=SURVEY,
    ),
    Case(
        CountResponse("s1", NOW, 1, {option_key("q1", "참석"): 1}, cap=5, limits={option_key("q1", "참석"): 2}),
        lambda s: (_survey(s).response_count, _survey(s).option_counts),
        (0, {}),
        (1, {"q1:참석": 1}),
        SURVEY,
        refused=[*SURVEY, SetSurveyStatus("s1", CLOSED, at=NOW)],
    ),
    Case(
        AddToAggregate("s1", COUNTED),
        _aggregate,
        ({}, 0, True),
        (COUNTED, 1, True),
        SURVEY,
    ),
    Case(
        RecountAggregate("s1", {"n|": 2, "u|1중대": 2}, seen=1),
        _aggregate,
        ({"n|": 1}, 1, True),
        ({"n|": 2, "u|1중대": 2}, 2, True),
        [*SURVEY, AddToAggregate("s1", {"n|": 1})],
        refused=[*SURVEY, AddToAggregate("s1", {"n|": 1}), AddToAggregate("s1", {"n|": 1})],
    ),
    Case(
        KeepCensus("s1", CENSUS, seen=1, epoch=(0,) * EPOCH_SHARDS),
        lambda s: s.get_aggregate("s1").census,
        None,
        CENSUS,
        [*SURVEY, AddToAggregate("s1", {"n|": 1}, {"p|1중대": 1})],
        refused=[*SURVEY, AddToAggregate("s1", {"n|": 1}), AddToAggregate("s1", {"n|": 1})],
    ),
    Case(TouchPeople("test"), lambda s: s.people_epoch().total, 0, 1),
    Case(
        PutSurvey(survey()),
        lambda s: s.get_survey("s1") and s.get_survey("s1").title,
        None,
        "훈련 참석",
        refused=SURVEY,
    ),
    Case(
        SetSurveyStatus("s1", CLOSED, at=NOW),
        lambda s: (_survey(s).status, _survey(s).closed_at),
        ("open", None),
        (CLOSED, NOW),
        SURVEY,
        refused=[],
    ),
    Case(ListSurvey(survey().info()), lambda s: [i.id for i in s.listed_surveys()], [], ["s1"], [PutSurvey(survey())]),
    Case(UnlistSurvey("s1"), lambda s: [i.id for i in s.listed_surveys()], ["s1"], [], SURVEY),
    Case(AddCoadmin("s1", "a2"), lambda s: _survey(s).coadmins, [], ["a2"], SURVEY, refused=[]),
    Case(AddViewer("s1", "v1"), lambda s: _survey(s).viewers, [], ["v1"], SURVEY, refused=[]),
    Case(
        DeleteSurvey("s1"),
        lambda s: (s.get_survey("s1") is None, s.list_answers("s1"), s.listed_surveys()),
        (False, [answer(version=1)], [survey().info()]),
        (True, [], []),
        [*SURVEY, PutAnswer(answer())],
    ),
    Case(
        Audit(AuditEntry("a1", "close", "s1", at=AT)),
        lambda s: [(e.actor, e.action, e.target) for e in s.list_audit()],
        [],
        [("a1", "close", "s1")],
    ),
    Case(
        PutRosterEntry(roster_entry()),
        lambda s: _entry(s) and _entry(s).number,
        None,
        "101",
        refused=ENTRY_ON_ROSTER,
    ),
    Case(
        PutRosterEntry(roster_entry(check="s$new", claimed_by="other"), new=False),  # a change keeps the claim
        lambda s: (_entry(s).check, _entry(s).claimed_by),
        ("", "u1"),
        ("s$new", "u1"),
        [*ENTRY_ON_ROSTER, ClaimRoster(ENTRY, "u1", AT)],
    ),
    Case(DeleteRosterEntry(ENTRY), _entry, roster_entry(), None, ENTRY_ON_ROSTER, refused=[]),
    Case(
        RetireRosterEntry(roster_entry(claimed_by="u1", claimed_at=AT, person="u1")),
        lambda s: (_entry(s), [(e.entry, e.person) for e in s.former_entries()]),
        (roster_entry(claimed_by="u1", claimed_at=AT, person="u1"), []),
        (None, [(ENTRY, "u1")]),
        [*ENTRY_ON_ROSTER, ClaimRoster(ENTRY, "u1", AT, person="u1")],
        refused=[],
    ),
    Case(
        DeleteFormerEntry(ENTRY),
        lambda s: [e.entry for e in s.former_entries()],
        [ENTRY],
        [],
        [*ENTRY_ON_ROSTER, RetireRosterEntry(roster_entry())],
    ),
    Case(
        SetUserRoster("u1", ENTRY, "1중대"),
        lambda s: (s.get_user("u1").roster, s.get_user("u1").version),
        ("", 1),
        (ENTRY, 2),
        [PutUser(user())],
        refused=[],
    ),
    Case(
        ClaimRoster(ENTRY, "u1", AT, person="p1", seen_tries=0),
        lambda s: (_entry(s).claimed_by, _entry(s).person),
        ("", ""),
        ("u1", "p1"),
        ENTRY_ON_ROSTER,
        refused=[*ENTRY_ON_ROSTER, ClaimRoster(ENTRY, "u2", AT)],
    ),
    Case(
        ReleaseRoster(ENTRY, "u1"),
        lambda s: (_entry(s).claimed_by, _entry(s).person),
        ("u1", "p1"),
        ("", "p1"),  # the person stays: whoever claims it next answers as them
        [*ENTRY_ON_ROSTER, ClaimRoster(ENTRY, "u1", AT, person="p1")],
        refused=ENTRY_ON_ROSTER,
    ),
    Case(
        SetRosterUnits({"1중대": 1}, checks=True),
        lambda s: (s.roster_units(), s.roster_info().checks),
        ({}, False),
        ({"1중대": 1}, True),
    ),
    Case(
        load(),
        lambda s: (s.last_load(EPOCH) and s.last_load(EPOCH).token, s.load_lines("t1"), s.load_keys("t1")),
        (None, [], []),
        ("t1", ["추가 1중대 홍길동"], ["2중대#김철수"]),
    ),
    Case(
        TakeRemovals("t1"),
        lambda s: s.last_load(EPOCH).taken,
        False,
        True,
        [load()],
        refused=[load("t2")],
    ),
    Case(
        NoteRegistrationFailure("u1", Strain(1.0, EPOCH, 1), EPOCH + 86400),
        lambda s: s.registration_strain("u1"),
        Strain(),
        Strain(1.0, EPOCH, 1),
        refused=[NoteRegistrationFailure("u1", Strain(1.0, EPOCH, 1), EPOCH + 86400)],
    ),
    Case(
        NoteEntryFailure(ENTRY, Strain(5.0, EPOCH, 1, EPOCH + 3600)),
        lambda s: _entry(s).strain,
        Strain(),
        Strain(5.0, EPOCH, 1, EPOCH + 3600),
        ENTRY_ON_ROSTER,
        refused=[],
    ),
    Case(
        LiftEntryLock(ENTRY),
        lambda s: (_entry(s).locked, _entry(s).strain.tries),
        (EPOCH + 3600, 1),
        (0, 1),  # the tries stay: a guess noted meanwhile still makes a claim read first fail
        [*ENTRY_ON_ROSTER, NoteEntryFailure(ENTRY, Strain(5.0, EPOCH, 1, EPOCH + 3600))],
        refused=[],
    ),
    Case(
        SetEntryPerson(ENTRY, "e-1"),
        lambda s: _entry(s).person,
        "",
        "e-1",
        ENTRY_ON_ROSTER,
        refused=[*ENTRY_ON_ROSTER, SetEntryPerson(ENTRY, "someone-else")],
    ),
    Case(
        MarkReminded("s1", NOW, NOW - timedelta(hours=1)),
        lambda s: _survey(s).reminded_at,
        None,
        NOW,
        SURVEY,
        refused=[*SURVEY, MarkReminded("s1", NOW, NOW - timedelta(hours=1))],
    ),
    Case(
        MarkAutoReminded("s1", 24),
        lambda s: _survey(s).auto_reminded,
        [],
        [24],
        SURVEY,
        refused=[*SURVEY, MarkAutoReminded("s1", 24)],
    ),
    Case(SetRepeat("s1", "매주 월"), lambda s: _survey(s).repeat, "", "매주 월", SURVEY, refused=[]),
    Case(
        Plan(Planned("s1", "훈련 참석", opens_at=NOW)),
        lambda s: s.planned(),
        [],
        [Planned("s1", "훈련 참석", opens_at=NOW)],
        SURVEY,
    ),
    Case(
        Unplan("s1"),
        lambda s: s.planned(),
        [Planned("s1", "훈련 참석", opens_at=NOW)],
        [],
        [*SURVEY, Plan(Planned("s1", "훈련 참석", opens_at=NOW))],
    ),
    Case(KeepLonger("s1"), lambda s: _survey(s).keep_extended, False, True, CLOSED_SURVEY, refused=SURVEY),
    Case(MarkKeepWarned("s1", NOW), lambda s: _survey(s).keep_warned, False, True, CLOSED_SURVEY, refused=SURVEY),
    Case(
        MarkPurged("s1", NOW, NOW + timedelta(days=30)),
        lambda s: _survey(s).purged_at,
        None,
        NOW + timedelta(days=30),
        CLOSED_SURVEY,
        refused=SURVEY,
    ),
]


def test_every_write_has_a_case() -> None:
    assert {type(c.write) for c in CASES} == set(get_args(Write))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_write_changes_what_it_says(store: Any, case: Case) -> None:
    for w in case.setup:  # one at a time: a transaction touches an item once
        store.commit([w])
    assert case.read(store) == case.before
    store.commit([case.write])
    assert case.read(store) == case.after


REFUSABLE = [c for c in CASES if c.refused is not None]


@pytest.mark.parametrize("case", REFUSABLE, ids=[c.id for c in REFUSABLE])
def test_a_write_is_refused_when_its_condition_fails(store: Any, case: Case) -> None:
    assert case.refused is not None
    for w in case.refused:
        store.commit([w])
    with pytest.raises(Conflict):
        store.commit([case.write])


def test_an_aggregate_is_made_by_its_first_change_and_recounted_from_none(store: Any) -> None:
    """A survey made before aggregates existed has none: an answer's change makes one (not whole), and a recount
    is written only where none is (seen None) or where the version read still stands."""
    store.commit([AddToAggregate("old", {"n|": 1})])
    assert _aggregate_of(store, "old") == ({"n|": 1}, 1, False)
    store.commit([RecountAggregate("fresh", {"n|": 3}, seen=None)])
    assert _aggregate_of(store, "fresh") == ({"n|": 3}, 1, True)
    with pytest.raises(Conflict):
        store.commit([RecountAggregate("old", {"n|": 5}, seen=None)])
    store.commit([AddToAggregate("old", {"n|": -1})])
    assert _aggregate_of(store, "old") == ({}, 2, False)


def test_a_deleted_survey_takes_its_aggregate(store: Any) -> None:
    for w in [*SURVEY, AddToAggregate("s1", {"n|": 1})]:
        store.commit([w])
    store.commit([DeleteSurvey("s1")])
    assert store.get_aggregate("s1") is None


def _aggregate_of(store: Any, sid: str) -> tuple[dict[str, float], int, bool] | None:
    a = store.get_aggregate(sid)
    return None if a is None else (a.counts, a.version, a.built)


def test_unit_reminders_keep_their_own_marks(store: Any) -> None:
    """알림 of an admin of some units marks those units (first: the map whole; then key by key), each on condition
    that neither it nor the whole survey was reminded within the interval; the whole survey's mark is apart."""
    since = NOW - timedelta(hours=12)
    for w in SURVEY:
        store.commit([w])
    store.commit([MarkReminded("s1", NOW, since, ("2중대",), first=True)])
    with pytest.raises(Conflict):  # "first" again: someone else wrote the first marks meanwhile
        store.commit([MarkReminded("s1", NOW, since, ("3중대",), first=True)])
    with pytest.raises(Conflict):  # its own unit, within the interval
        store.commit([MarkReminded("s1", NOW, since, ("2중대", "3중대"), first=False)])
    later = NOW + timedelta(hours=1)
    store.commit([MarkReminded("s1", later, since, ("3중대", "1중대 [A].b"), first=False)])
    s = _survey(store)
    assert s.reminded_units == {"2중대": NOW, "3중대": later, "1중대 [A].b": later} and s.reminded_at is None
    store.commit([MarkReminded("s1", later, since)])  # the whole survey: its own mark
    with pytest.raises(Conflict):  # and after it, no unit within the interval
        store.commit([MarkReminded("s1", later, since, ("4중대",), first=False)])
    assert _survey(store).reminded_at == later


def test_whose_answers_are_counted_apart_from_the_figures(store: Any) -> None:
    """The census's counters (whose the answers were) ride with an answer's change, and read back apart from the
    figures a recount makes; a recount drops them and the census kept with them."""
    for w in SURVEY:
        store.commit([w])
    store.commit([AddToAggregate("s1", {"n|": 1, "u|1중대": 1}, {"p|1중대": 1})])
    store.commit([AddToAggregate("s1", {"n|": 1}, {"o|": 1})])
    agg = store.get_aggregate("s1")
    assert (agg.counts, agg.people, agg.version) == ({"n|": 2, "u|1중대": 1}, {"p|1중대": 1, "o|": 1}, 2)
    store.commit([KeepCensus("s1", CENSUS, seen=2, epoch=store.people_epoch().shards)])
    store.commit([RecountAggregate("s1", {"n|": 2}, seen=2)])
    agg = store.get_aggregate("s1")
    assert (agg.counts, agg.people, agg.census) == ({"n|": 2}, {}, None)


def test_the_people_epoch_moves_with_whoever_changes(store: Any) -> None:
    """A first registration is counted apart, by unit; a changed unit, 탈퇴, a registration of someone with answers
    and a roster write raise the people epoch; a member's own message (their session, their answers) and a
    refused try do not. A census counted before a change is not kept after it."""
    for w in SURVEY:
        store.commit([w])
    seen = store.people_epoch()
    store.commit([PutUser(user())])  # registered: one more person of 1중대, nobody else changes
    joined = store.people_epoch()
    assert (joined.total, dict(joined.joins), sum(joined.joined)) == (seen.total, {"j|1중대": 1}, 1)
    u = store.get_user("u1")
    u.session = {"flow": "menu"}
    u.answered["s1"] = EPOCH
    store.commit([PutUser(u)])  # their own message: nobody changes
    assert store.people_epoch() == joined
    with pytest.raises(Conflict):  # counted before the registration
        store.commit([KeepCensus("s1", CENSUS, seen=0, epoch=seen.shards, joined=seen.joined)])
    store.commit([KeepCensus("s1", CENSUS, seen=0, epoch=joined.shards, joined=joined.joined)])
    u = store.get_user("u1")
    u.unit = "2중대"
    store.commit([PutUser(u)])
    store.commit([NoteRegistrationFailure("u9", Strain(tries=1), EPOCH + 600)])
    assert store.people_epoch().total == seen.total + 1
    store.commit([PutRosterEntry(roster_entry())])
    store.commit([DeleteUser("u1", store.get_user("u1").version)])
    back = user()
    back.answered = {"s1": EPOCH}  # registered again, with an answer: they may be counted as having answered
    store.commit([PutUser(back)])
    after = store.people_epoch()
    assert (after.total, dict(after.joins)) == (seen.total + 4, {"j|1중대": 1})
    with pytest.raises(Conflict):
        store.commit([KeepCensus("s1", CENSUS, seen=0, epoch=joined.shards, joined=joined.joined)])


def test_a_first_registration_as_an_entry_is_counted_by_its_unit(store: Any) -> None:
    """With a roster: claiming an entry that was never anyone's is counted apart (``c|<unit>``), and its condition
    is that it never was; an entry that was someone's raises the epoch."""
    store.commit([PutRosterEntry(roster_entry())])
    before = store.people_epoch()
    u = user()
    u.roster = ENTRY
    store.commit([ClaimRoster(ENTRY, "u1", AT, "u1", fresh=True), PutUser(u)])
    after = store.people_epoch()
    assert (after.total, dict(after.joins)) == (before.total, {"c|1중대": 1})
    store.commit([DeleteUser("u1", 1), ReleaseRoster(ENTRY, "u1")])
    other = User(key="u2", name="홍길동", unit="1중대", roster=ENTRY)
    with pytest.raises(Conflict):  # it was someone's: not a first registration
        store.commit([ClaimRoster(ENTRY, "u2", AT, "u1", fresh=True), PutUser(other)])
    other.person = "u1"
    store.commit([ClaimRoster(ENTRY, "u2", AT, "u1"), PutUser(other)])
    assert store.people_epoch().total == before.total + 2
