"""How each roster write goes into a DynamoDB transaction, with the condition ``storage.memory_roster`` checks for
it (see ``storage.tx_surveys`` for the shape of a writer)."""

from __future__ import annotations

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

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
from chalicelib.storage import items
from chalicelib.storage.bound import Tables
from chalicelib.storage.names import (
    FAILURES_PARTITION,
    FORMER_PARTITION,
    LOAD_HEAD,
    LOAD_PARTITION,
    LOAD_PARTS_PARTITION,
    ROSTER_PARTITION,
    UNITS_ENTRY,
    UNITS_PARTITION,
)
from chalicelib.storage.tables import RosterItem
from chalicelib.storage.tx_surveys import Added, Writer

LOAD_CHUNK = 1000  # lines or keys per item of a kept load (a few tens of KB)


def put_entry(tx: TransactWrite, t: Tables, w: PutRosterEntry, index: int) -> Added:
    e = w.entry
    if w.new:
        # condition: no entry with this key yet
        tx.save(items.roster_item(t.RosterItem, e), condition=RosterItem.entry.does_not_exist())
        return [("put", "roster")]
    # a changed entry keeps its claim, person and guesses: unit, name, check and number only
    actions: list[Action] = [
        RosterItem.unit.set(e.unit),
        RosterItem.name.set(e.name),
        RosterItem.check.set(e.check) if e.check else RosterItem.check.remove(),
        RosterItem.number.set(e.number) if e.number else RosterItem.number.remove(),
    ]
    tx.update(t.RosterItem(ROSTER_PARTITION, e.entry), actions=actions)
    return [("update", "roster")]


def delete_entry(tx: TransactWrite, t: Tables, w: DeleteRosterEntry, index: int) -> Added:
    # condition: on the roster
    tx.delete(t.RosterItem(ROSTER_PARTITION, w.entry), condition=RosterItem.entry.exists())
    return [("delete", "roster")]


def retire_entry(tx: TransactWrite, t: Tables, w: RetireRosterEntry, index: int) -> Added:
    """Two items: into the former entries, and off the roster (on the condition that it is on it still)."""
    tx.save(items.roster_item(t.RosterItem, w.entry, FORMER_PARTITION))
    tx.delete(t.RosterItem(ROSTER_PARTITION, w.entry.entry), condition=RosterItem.entry.exists())
    return [("put", "roster"), ("delete", "roster")]


def delete_former(tx: TransactWrite, t: Tables, w: DeleteFormerEntry, index: int) -> Added:
    tx.delete(t.RosterItem(FORMER_PARTITION, w.entry))
    return [("delete", "roster")]


def claim(tx: TransactWrite, t: Tables, w: ClaimRoster, index: int) -> Added:
    # condition: the entry exists, nobody else claimed it, and its person is this one or none yet
    cond = RosterItem.entry.exists() & (RosterItem.claimed_by.does_not_exist() | (RosterItem.claimed_by == w.user_key))
    actions: list[Action] = [RosterItem.claimed_by.set(w.user_key), RosterItem.claimed_at.set(w.at)]
    if w.seen_tries is not None:  # no refused guess was noted since the entry was read
        cond &= tries_were(w.seen_tries)
    if w.fresh:  # never anyone's
        cond &= RosterItem.claimed_by.does_not_exist() & RosterItem.person.does_not_exist()
    if w.person:
        cond &= RosterItem.person.does_not_exist() | (RosterItem.person == w.person)
        actions.append(RosterItem.person.set(w.person))
    tx.update(t.RosterItem(ROSTER_PARTITION, w.entry), actions=actions, condition=cond)
    return [("update", "roster")]


def release(tx: TransactWrite, t: Tables, w: ReleaseRoster, index: int) -> Added:
    # condition: the entry exists, claimed by this user
    cond = RosterItem.entry.exists() & (RosterItem.claimed_by == w.user_key)
    actions: list[Action] = [RosterItem.claimed_by.remove(), RosterItem.claimed_at.remove()]
    if w.forget_person:
        actions.append(RosterItem.person.remove())
    tx.update(t.RosterItem(ROSTER_PARTITION, w.entry), actions=actions, condition=cond)
    return [("update", "roster")]


def set_units(tx: TransactWrite, t: Tables, w: SetRosterUnits, index: int) -> Added:
    # kept even when empty: it remembers that there was a roster
    tx.save(t.RosterItem(UNITS_PARTITION, UNITS_ENTRY, units=dict(w.units), checks=w.checks or None))
    return [("put", "roster")]


def keep_load(tx: TransactWrite, t: Tables, w: KeepLoadResult, index: int) -> Added:
    """A head, and the lines and removal keys in chunks: no condition (a later load replaces it)."""
    head = items.load_head(w.result)
    tx.save(t.RosterItem(LOAD_PARTITION, LOAD_HEAD, plan=head, token=w.result.token, expires=w.expires))
    added: Added = [("put", "roster")]
    for entry, part in load_parts(w):
        tx.save(t.RosterItem(LOAD_PARTS_PARTITION + w.result.token, entry, plan=part, expires=w.expires))
        added.append(("put", "roster"))
    return added


def load_parts(w: KeepLoadResult) -> list[tuple[str, list[str]]]:
    """(entry, chunk) of a kept load's lines ('l0000', ...) and removal keys ('k0000', ...): 50,000 people at most
    (the longest roster file) make at most 50 of each, within a transaction's 100 items."""
    out: list[tuple[str, list[str]]] = []
    for kind, values in (("l", w.lines), ("k", w.keys)):
        out += [(f"{kind}{n // LOAD_CHUNK:04d}", values[n : n + LOAD_CHUNK]) for n in range(0, len(values), LOAD_CHUNK)]
    return out


def take_removals(tx: TransactWrite, t: Tables, w: TakeRemovals, index: int) -> Added:
    # condition: the load kept now is this one, and its removals were not taken yet
    not_taken = RosterItem.taken.does_not_exist() | (RosterItem.taken == False)  # noqa: E712
    cond = (RosterItem.token == w.token) & not_taken
    tx.update(t.RosterItem(LOAD_PARTITION, LOAD_HEAD), actions=[RosterItem.taken.set(True)], condition=cond)
    return [("update", "roster")]


def account_failure(tx: TransactWrite, t: Tables, w: NoteRegistrationFailure, index: int) -> Added:
    # condition: the account's tries are still the ones read (parallel attempts are noted one by one)
    actions = [*strain_actions(w.strain), RosterItem.expires.set(w.expires)]
    failures = t.RosterItem(FAILURES_PARTITION, w.user_key)
    tx.update(failures, actions=actions, condition=tries_were(w.strain.tries - 1))
    return [("update", "roster")]


def entry_failure(tx: TransactWrite, t: Tables, w: NoteEntryFailure, index: int) -> Added:
    # condition: the entry exists, and its tries are still the ones read (guesses are evaluated one by one)
    cond = RosterItem.entry.exists() & tries_were(w.strain.tries - 1)
    tx.update(t.RosterItem(ROSTER_PARTITION, w.entry), actions=strain_actions(w.strain), condition=cond)
    return [("update", "roster")]


def lift_lock(tx: TransactWrite, t: Tables, w: LiftEntryLock, index: int) -> Added:
    lifted: list[Action] = [RosterItem.strain.set(0), RosterItem.locked_until.remove()]
    tx.update(t.RosterItem(ROSTER_PARTITION, w.entry), actions=lifted, condition=RosterItem.entry.exists())
    return [("update", "roster")]


def set_person(tx: TransactWrite, t: Tables, w: SetEntryPerson, index: int) -> Added:
    # condition: the entry exists and its person is this one or none yet
    cond = RosterItem.entry.exists() & (RosterItem.person.does_not_exist() | (RosterItem.person == w.person))
    tx.update(t.RosterItem(ROSTER_PARTITION, w.entry), actions=[RosterItem.person.set(w.person)], condition=cond)
    return [("update", "roster")]


def strain_actions(s: Strain) -> list[Action]:
    return [
        RosterItem.tries.set(s.tries),
        RosterItem.strain.set(s.level),
        RosterItem.strain_at.set(s.at),
        RosterItem.locked_until.set(s.until) if s.until else RosterItem.locked_until.remove(),
    ]


def tries_were(tries: int) -> Condition:
    return RosterItem.tries.does_not_exist() if tries == 0 else RosterItem.tries == tries


ROSTER_WRITERS: dict[type, Writer] = {
    PutRosterEntry: put_entry,
    DeleteRosterEntry: delete_entry,
    RetireRosterEntry: retire_entry,
    DeleteFormerEntry: delete_former,
    ClaimRoster: claim,
    ReleaseRoster: release,
    SetRosterUnits: set_units,
    KeepLoadResult: keep_load,
    TakeRemovals: take_removals,
    NoteRegistrationFailure: account_failure,
    NoteEntryFailure: entry_failure,
    LiftEntryLock: lift_lock,
    SetEntryPerson: set_person,
}
