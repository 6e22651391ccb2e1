"""The roster's reads and conditional writes, held to the same contract on every store."""

from __future__ import annotations

import pytest

from chalicelib.domain.model import User
from chalicelib.domain.ports import Conflict
from chalicelib.domain.roster_records import RosterEntry, Strain, roster_entry_key
from chalicelib.domain.roster_writes import (
    ClaimRoster,
    DeleteFormerEntry,
    DeleteRosterEntry,
    LiftEntryLock,
    NoteEntryFailure,
    NoteRegistrationFailure,
    PutRosterEntry,
    ReleaseRoster,
    RetireRosterEntry,
    SetRosterUnits,
    SetUserRoster,
)
from chalicelib.domain.writes import PutUser

AT = "2026-12-01T09:00:00+09:00"


def entry(unit: str, name: str, suffix: str = "", check: str = "") -> RosterEntry:
    key = roster_entry_key(unit, name, suffix)
    return RosterEntry(key, unit, name, check=check, number=key[-3:])


def seed(store) -> None:
    store.commit(
        [
            PutRosterEntry(entry("1중대", "홍길동")),
            PutRosterEntry(entry("1중대", "홍길순")),
            PutRosterEntry(entry("1중대", "김철수", "aa11", "s$x")),
            PutRosterEntry(entry("1중대", "김철수", "bb22", "s$y")),
            PutRosterEntry(entry("2중대", "홍길동")),
            SetRosterUnits({"1중대": 4, "2중대": 1}),
        ]
    )


def test_units_and_entries_by_unit_and_name(store) -> None:
    assert store.roster_units() == {}
    seed(store)
    assert store.roster_units() == {"1중대": 4, "2중대": 1}
    assert len(store.roster_entries()) == 5
    assert [e.name for e in store.roster_entries("1중대")] == ["김철수", "김철수", "홍길동", "홍길순"]
    # a name is a whole name: 홍길동 is not a prefix of 홍길순's key, and the unit's spaces do not count
    assert [e.entry for e in store.roster_entries("1 중대", "홍길동")] == ["1중대#홍길동"]
    assert [e.suffix for e in store.roster_entries("1중대", "김철수")] == ["aa11", "bb22"]
    assert store.roster_entries("3중대") == []


def test_an_entry_is_added_once_and_a_change_keeps_its_claim(store) -> None:
    seed(store)
    with pytest.raises(Conflict):
        store.commit([PutRosterEntry(entry("1중대", "홍길동"))])
    store.commit([ClaimRoster("1중대#홍길동", "kakao-a", AT)])
    changed = entry("1중대", "홍길동", check="s$new")
    store.commit([PutRosterEntry(changed, new=False)])
    [e] = store.roster_entries("1중대", "홍길동")
    assert (e.check, e.claimed_by, e.claimed_at) == ("s$new", "kakao-a", AT)


def test_one_entry_is_claimed_by_one_kakao_user(store) -> None:
    seed(store)
    store.commit([ClaimRoster("1중대#홍길동", "kakao-a", AT)])
    store.commit([ClaimRoster("1중대#홍길동", "kakao-a", AT)])  # claiming again is fine
    with pytest.raises(Conflict):
        store.commit([ClaimRoster("1중대#홍길동", "kakao-b", AT)])
    with pytest.raises(Conflict):
        store.commit([ClaimRoster("1중대#없는사람", "kakao-b", AT)])
    assert store.roster_entries("1중대", "홍길동")[0].claimed_by == "kakao-a"


def test_release_only_by_its_claimer_and_delete(store) -> None:
    seed(store)
    store.commit([ClaimRoster("2중대#홍길동", "kakao-a", AT)])
    with pytest.raises(Conflict):
        store.commit([ReleaseRoster("2중대#홍길동", "kakao-b")])
    store.commit([ReleaseRoster("2중대#홍길동", "kakao-a")])
    assert store.roster_entries("2중대")[0].claimed_by == ""
    store.commit([ClaimRoster("2중대#홍길동", "kakao-b", AT)])
    store.commit([DeleteRosterEntry("2중대#홍길동")])
    assert store.roster_entries("2중대") == []
    with pytest.raises(Conflict):
        store.commit([ReleaseRoster("2중대#홍길동", "kakao-b")])


def test_refused_registrations_are_noted_one_at_a_time_on_the_account(store) -> None:
    assert store.registration_strain("kakao-a") == Strain()
    first = Strain(1.0, 100, 1)
    store.commit([NoteRegistrationFailure("kakao-a", first, 10_000)])
    with pytest.raises(Conflict):  # a second attempt that read the same count (a race) is refused
        store.commit([NoteRegistrationFailure("kakao-a", first, 10_000)])
    store.commit([NoteRegistrationFailure("kakao-a", Strain(1.5, 160, 2), 10_000)])
    assert store.registration_strain("kakao-a") == Strain(1.5, 160, 2)
    assert store.registration_strain("kakao-b") == Strain()


def test_guesses_at_an_entry_are_noted_one_at_a_time_and_a_claim_holds_to_the_count(store) -> None:
    seed(store)
    store.commit([NoteEntryFailure("1중대#홍길동", Strain(1.0, 100, 1))])
    with pytest.raises(Conflict):
        store.commit([NoteEntryFailure("1중대#홍길동", Strain(1.0, 100, 1))])
    with pytest.raises(Conflict):  # a claim decided on the count before that guess was noted
        store.commit([ClaimRoster("1중대#홍길동", "kakao-a", AT, "kakao-a", seen_tries=0)])
    locked = Strain(2.0, 110, 2, until=3_700)
    store.commit([NoteEntryFailure("1중대#홍길동", locked)])
    [e] = store.roster_entries("1중대", "홍길동")
    assert (e.strain, e.locked) == (locked, 3_700)
    store.commit([PutRosterEntry(entry("1중대", "홍길동", check="s$z"), new=False)])  # a load keeps the count
    assert store.roster_entries("1중대", "홍길동")[0].strain == locked
    store.commit([LiftEntryLock("1중대#홍길동")])
    [e] = store.roster_entries("1중대", "홍길동")
    assert (e.locked, e.strain.level, e.strain.tries) == (0, 0.0, 2)
    store.commit([ClaimRoster("1중대#홍길동", "kakao-a", AT, "kakao-a", seen_tries=2)])
    assert store.roster_entries("1중대", "홍길동")[0].claimed_by == "kakao-a"
    with pytest.raises(Conflict):
        store.commit([NoteEntryFailure("1중대#없는사람", Strain(1.0, 100, 1))])


def test_an_empty_map_means_no_roster_but_remembers_there_was_one(store) -> None:
    assert not store.roster_info().ever
    seed(store)
    store.commit([SetRosterUnits({"1중대": 4}, checks=True)])
    assert store.roster_info().checks
    store.commit([SetRosterUnits({})])
    info = store.roster_info()
    assert (info.units, info.checks, info.ever) == ({}, False, True)


def test_the_first_claim_names_the_person_and_a_later_phone_keeps_it(store) -> None:
    seed(store)
    store.commit([ClaimRoster("1중대#홍길동", "phone-1", AT, person="phone-1")])
    store.commit([ReleaseRoster("1중대#홍길동", "phone-1")])
    [e] = store.roster_entries("1중대", "홍길동")
    assert (e.claimed_by, e.person) == ("", "phone-1")  # released: the person stays
    with pytest.raises(Conflict):  # a claim that would make it someone else is refused
        store.commit([ClaimRoster("1중대#홍길동", "phone-2", AT, person="phone-2")])
    store.commit([ClaimRoster("1중대#홍길동", "phone-2", AT, person="phone-1")])
    [e] = store.roster_entries("1중대", "홍길동")
    assert (e.claimed_by, e.person) == ("phone-2", "phone-1")
    # a change by a load keeps both
    store.commit([PutRosterEntry(entry("1중대", "홍길동", check="s$z"), new=False)])
    [e] = store.roster_entries("1중대", "홍길동")
    assert (e.check, e.claimed_by, e.person) == ("s$z", "phone-2", "phone-1")


def test_a_retired_entry_is_kept_aside_whole_and_can_come_back(store) -> None:
    seed(store)
    store.commit([ClaimRoster("2중대#홍길동", "phone-1", AT, person="phone-1")])
    [e] = store.roster_entries("2중대", "홍길동")
    store.commit([RetireRosterEntry(e)])
    assert store.roster_entries("2중대") == []
    [former] = store.former_entries()
    assert former == e
    with pytest.raises(Conflict):  # only an entry on the roster is retired
        store.commit([RetireRosterEntry(e)])
    store.commit([PutRosterEntry(former), DeleteFormerEntry(former.entry)])
    assert store.roster_entries("2중대") == [e] and store.former_entries() == []
    with pytest.raises(Conflict):  # deleting needs the entry
        store.commit([DeleteRosterEntry("2중대#없는사람")])


def test_a_user_is_linked_to_an_entry_from_outside_their_conversation(store) -> None:
    u = User(key="phone-1", name="홍길동", unit="2 중대")
    store.commit([PutUser(u)])
    store.commit([SetUserRoster("phone-1", "1중대#홍길동", "1중대")])
    got = store.get_user("phone-1")
    assert (got.roster, got.unit, got.version) == ("1중대#홍길동", "1중대", 2)
    assert [m.key for m in store.list_members("1중대")] == ["phone-1"]
    with pytest.raises(Conflict):  # the copy the member's message holds is out of date now
        store.commit([PutUser(u)])
    with pytest.raises(Conflict):
        store.commit([SetUserRoster("nobody", "1중대#홍길동", "1중대")])
