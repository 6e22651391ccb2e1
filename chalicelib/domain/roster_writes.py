"""The roster's writes: entries put, moved, retired and removed, claims and releases, the head counts, a load's result
and its removals, refused tries and locks (members of domain.writes' Write)."""

from __future__ import annotations

from chalicelib.domain.record import record
from chalicelib.domain.roster_records import LoadResult, RosterEntry, Strain


@record(eq=False)
class PutRosterEntry:
    """Add a roster entry, or change its unit, name, check value or number (a re-load).

    With ``new``: the whole entry as given (a person coming back, or moving unit, brings their person id and
    claim along), on the condition that no entry with this key exists (two loads adding the same person add
    them once). A change (``new`` False) keeps who claimed the entry and whose answers are theirs.
    """

    entry: RosterEntry
    new: bool = True


@record(eq=False)
class DeleteRosterEntry:
    """Remove a roster entry outright (one nobody ever claimed, or the old key of a person who moved, whose
    new entry carries their claim). Condition: it exists."""

    entry: str


@record(eq=False)
class RetireRosterEntry:
    """Take a person off the roster while keeping what ties the entry to them (person id, claim, mark) among
    the former entries, so that loading them again brings them back linked. Condition: the entry is on the
    roster; the former entry is written whole."""

    entry: RosterEntry


@record(eq=False)
class DeleteFormerEntry:
    """Forget a former entry (its person came back, or moved, onto the roster). No condition."""

    entry: str


@record(eq=False)
class ClaimRoster:
    """Link a roster entry to the Kakao user who registered as that person.

    Condition: the entry exists and nobody else has claimed it (claimed by ``user_key`` already
    is fine), and its person id is ``person`` or none yet (then it becomes ``person``). This is
    what makes one entry one person under races.
    """

    entry: str
    user_key: str
    at: str
    person: str = ""
    seen_tries: int | None = None  # with it: the entry's refused tries are still these (no guess slipped past)
    # A first registration as an entry that was never anyone's: the condition is then that nobody ever claimed it
    # and it has no person yet (domain.census counts it without counting everyone again).
    fresh: bool = False


@record(eq=False)
class ReleaseRoster:
    """Unlink a roster entry from its Kakao user. Condition: the entry exists, claimed by ``user_key``
    (a step releases only an entry it has just read). Its person id stays: whoever claims it next answers
    as the same person. With ``forget_person`` it goes too: the person went on to another entry (a member who
    registered as the wrong one and corrected it), and whoever claims this one next is someone else."""

    entry: str
    user_key: str
    forget_person: bool = False


@record(eq=False)
class SetUserRoster:
    """Link a registered user to a roster entry from outside their own conversation (a load links people who
    registered before the roster; a move takes them to their new unit): their ``roster`` and ``unit`` change.
    Condition: the user exists. Their version goes up, so a message holding an older copy reads again."""

    user_key: str
    entry: str
    unit: str


@record(eq=False)
class SetRosterUnits:
    """Store the roster's units with how many people each has (what registration matches against), and
    whether any entry has a check value (then every hint asks for one). An empty map means there is no
    roster. No condition: loads are an admin's, one at a time."""

    units: dict[str, int]
    checks: bool = False


@record(eq=False)
class KeepLoadResult:
    """Keep what a roster load did, a line per person (``lines``), and the keys of the people it would take off
    (``keys``) until an admin says yes, replacing the result kept before; gone by itself at ``expires`` (epoch
    seconds). No condition."""

    result: LoadResult
    lines: list[str]
    keys: list[str]
    expires: int


@record(eq=False)
class TakeRemovals:
    """An admin said yes to the removals of the load kept under ``token``: they are taken, once. Condition: that
    load is the one kept now (no later load replaced it) and nobody took them first."""

    token: str


@record(eq=False)
class NoteRegistrationFailure:
    """Note a refused registration attempt of ``user_key``: its strain becomes ``strain``. Condition: its tries
    are still ``strain.tries - 1`` (parallel attempts of one account are noted one by one, none lost)."""

    user_key: str
    strain: Strain
    expires: int  # epoch seconds after which the record may go


@record(eq=False)
class NoteEntryFailure:
    """Note a refused attempt to register as a roster entry (a wrong check value, or the entry held by someone
    else): its strain becomes ``strain`` (``strain.until`` set: it takes no registration until then). Condition:
    the entry exists and its tries are still ``strain.tries - 1``, so parallel guesses from many accounts are
    evaluated one at a time and at most the limit of them before the lock."""

    entry: str
    strain: Strain


@record(eq=False)
class SetEntryPerson:
    """Give a roster entry nobody has registered as yet the key its person's answers are kept under (대리 응답), so
    whoever registers as them later finds those answers theirs. Condition: the entry exists and its person is this
    one or none yet."""

    entry: str
    person: str


@record(eq=False)
class LiftEntryLock:
    """A super admin lets an entry be claimed again before its cool-down ends (its strain starts afresh).
    Condition: the entry exists."""

    entry: str
