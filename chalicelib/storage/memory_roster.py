"""What each roster write does to the in-memory store (see ``storage.memory_writes``)."""

from __future__ import annotations

import copy
import dataclasses

from chalicelib.domain.ports import Conflict
from chalicelib.domain.roster_records import Strain
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
    TakeRemovals,
)
from chalicelib.storage.memory_state import MemoryState, Rule, no_condition
from chalicelib.storage.memory_state import refuse as _refuse

# --- the roster ------------------------------------------------------------------------------------


def _check_put_entry(m: MemoryState, w: PutRosterEntry) -> None:
    _refuse("roster", w.new and w.entry.entry in m.roster)


def _put_entry(m: MemoryState, w: PutRosterEntry) -> None:
    e = copy.deepcopy(w.entry)
    old = m.roster.get(e.entry)
    if old is not None and not w.new:  # a change keeps the claim, the person and the guesses counted
        e.claimed_by, e.claimed_at, e.person, e.strain = old.claimed_by, old.claimed_at, old.person, old.strain
    m.roster[e.entry] = e


def _check_on_roster(m: MemoryState, w: DeleteRosterEntry | RetireRosterEntry | LiftEntryLock) -> None:
    key = w.entry.entry if isinstance(w, RetireRosterEntry) else w.entry
    _refuse("roster", key not in m.roster)


def _delete_entry(m: MemoryState, w: DeleteRosterEntry) -> None:
    m.roster.pop(w.entry, None)


def _retire(m: MemoryState, w: RetireRosterEntry) -> None:
    m.roster.pop(w.entry.entry, None)
    m.former[w.entry.entry] = copy.deepcopy(w.entry)


def _delete_former(m: MemoryState, w: DeleteFormerEntry) -> None:
    m.former.pop(w.entry, None)


def _check_claim(m: MemoryState, w: ClaimRoster) -> None:
    e = m.roster.get(w.entry)
    if e is None or e.claimed_by not in ("", w.user_key) or e.person not in ("", w.person or e.person):
        raise Conflict("roster")
    _refuse("roster", w.seen_tries is not None and e.strain.tries != w.seen_tries)
    _refuse("roster", w.fresh and bool(e.claimed_by or e.person))


def _claim(m: MemoryState, w: ClaimRoster) -> None:
    e = m.roster[w.entry]
    e.claimed_by, e.claimed_at = w.user_key, w.at
    e.person = e.person or w.person


def _check_release(m: MemoryState, w: ReleaseRoster) -> None:
    e = m.roster.get(w.entry)
    _refuse("roster", e is None or e.claimed_by != w.user_key)


def _release(m: MemoryState, w: ReleaseRoster) -> None:
    m.roster[w.entry].claimed_by, m.roster[w.entry].claimed_at = "", ""
    if w.forget_person:
        m.roster[w.entry].person = ""


def _units(m: MemoryState, w: SetRosterUnits) -> None:
    m.units, m.checks, m.had_roster = dict(w.units), w.checks and bool(w.units), True


def _keep_load(m: MemoryState, w: KeepLoadResult) -> None:
    m.load = (w.result, w.expires)
    m.load_kept[w.result.token] = (list(w.lines), list(w.keys))


def _check_take(m: MemoryState, w: TakeRemovals) -> None:
    _refuse("roster", m.load is None or m.load[0].token != w.token or m.load[0].taken)


def _take(m: MemoryState, w: TakeRemovals) -> None:
    if m.load is not None:  # (checked: it is)
        m.load = (dataclasses.replace(m.load[0], taken=True), m.load[1])


def _check_account_failure(m: MemoryState, w: NoteRegistrationFailure) -> None:
    _refuse("roster", m.failures.get(w.user_key, Strain()).tries != w.strain.tries - 1)


def _account_failure(m: MemoryState, w: NoteRegistrationFailure) -> None:
    m.failures[w.user_key] = w.strain


def _check_entry_failure(m: MemoryState, w: NoteEntryFailure) -> None:
    e = m.roster.get(w.entry)
    _refuse("roster", e is None or e.strain.tries != w.strain.tries - 1)


def _entry_failure(m: MemoryState, w: NoteEntryFailure) -> None:
    m.roster[w.entry].strain = w.strain


def _check_person(m: MemoryState, w: SetEntryPerson) -> None:
    e = m.roster.get(w.entry)
    _refuse("roster", e is None or e.person not in ("", w.person))


def _set_person(m: MemoryState, w: SetEntryPerson) -> None:
    m.roster[w.entry].person = w.person


def _lift(m: MemoryState, w: LiftEntryLock) -> None:
    m.roster[w.entry].strain = Strain(tries=m.roster[w.entry].strain.tries)


ROSTER_RULES: dict[type, tuple[Rule, Rule]] = {
    PutRosterEntry: (_check_put_entry, _put_entry),
    DeleteRosterEntry: (_check_on_roster, _delete_entry),
    RetireRosterEntry: (_check_on_roster, _retire),
    DeleteFormerEntry: (no_condition, _delete_former),
    ClaimRoster: (_check_claim, _claim),
    ReleaseRoster: (_check_release, _release),
    SetRosterUnits: (no_condition, _units),
    KeepLoadResult: (no_condition, _keep_load),
    TakeRemovals: (_check_take, _take),
    NoteRegistrationFailure: (_check_account_failure, _account_failure),
    NoteEntryFailure: (_check_entry_failure, _entry_failure),
    LiftEntryLock: (_check_on_roster, _lift),
    SetEntryPerson: (_check_person, _set_person),
}
