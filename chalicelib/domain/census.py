"""A survey's people counted once and kept up to date, so that 현황 and 결과 보기 read a few items, not everyone.

domain.audience counts a survey's people exactly: it reads the roster's entries and the registered members of the
target and who answered. That is a read of everyone, and it is what made an admin's view grow with the
organisation. The census keeps what it found (대상, 응답, 대상 밖, and per unit 응답 안 함 and 미등록) beside the
survey's aggregate, with two things that say when it still holds:

* **The people epoch**: a count raised (in the same transaction) by every write that changes who anyone is or
  whether they are registered: a new or changed user item (name, unit, the entry they hold, their person key),
  탈퇴, and every roster write (:func:`touched`). It is kept in :data:`SHARDS` items, one raised per commit, so a
  burst of registrations does not queue on one item; the views read them all and add them up. A census is taken
  at one epoch and holds only while the sum is the same. A first registration of someone with no answer (one
  more person of a unit, or an entry that was never anyone's now registered: :func:`joined`) is counted apart, by
  unit, and brought in as answers are: the launch-day rush does not undo the census.
* **The answers since**: each submit and withdrawal says, in the aggregate, whose it was, as the census counts
  them: one of the survey's people counted in a unit (``p|<unit>``), or someone outside (``o|``)
  (:func:`attribution`). While nobody's state has changed, a member may answer a survey only in their own unit's
  (``Survey.is_for``), and is one of its people there: 응답 moves up by the answers of its people, 응답 안 함 of
  their unit down by as many, 대상 밖 by the rest. An answer nobody could place (entered by an admin for someone,
  who may not be registered) counts ``?|``, and the census is taken again.

A census no longer holding is taken again, exactly, by the next view (domain.audience), and kept on the
conditions that the aggregate and the epoch are still the ones read before it was counted, so a census can never
fold in an answer or a change twice or miss one. A census taken over the store's indexes right after a change
(their copies lag the table by a moment) is not kept (:attr:`Epoch.settled`).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.domain import roster_writes as rw
from chalicelib.domain.aggregates import RESPONSES, Aggregate
from chalicelib.domain.model import Survey, User, target_units
from chalicelib.domain.ports import EPOCH_SHARDS, Epoch, Reader
from chalicelib.domain.roster_records import unit_key
from chalicelib.domain.writes import DeleteUser, KeepCensus, PutUser, TouchPeople

if TYPE_CHECKING:  # counting everyone is the admin's views' (domain.audience), imported when one counts
    from chalicelib.domain.audience import Audience

SHARDS = EPOCH_SHARDS
IN = "p|"  # net answers of the survey's people, by the unit they are counted in
OUT = "o|"  # net answers of people the survey is not for
UNPLACED = "?|"  # answer changes nobody placed: the census is taken again
JOINED = "j|"  # first registrations without an entry, by unit as typed (the people epoch's, not the aggregate's)
CLAIMED = "c|"  # first registrations as an entry never anyone's, by the roster's unit key
NO_UNIT = "(소속 없음)"
# People a view counts while the admin waits (about a second's reads here); a survey of more is counted in the
# background (:func:`taken`) and the admin asked to look again shortly.
INLINE = 5000


class Census:
    """A survey's people as 현황 and 결과 보기 count them: 응답 + 응답 안 함 + 미등록 = 대상.

    A plain class, not a dataclass: a cold start builds it without generating code."""

    __slots__ = ("answered", "outside", "roster", "target", "units")

    def __init__(
        self, target: int, answered: int, outside: int, roster: bool, units: dict[str, list[Any]] | None = None
    ) -> None:
        self.target = target
        self.answered = answered  # of the target (all answers, in 익명)
        self.outside = outside  # answers of people it is not for
        self.roster = roster  # there is a roster: someone may be 미등록
        # unit key -> [the unit as shown, 응답 안 함, 미등록], for every unit any of its people is in
        self.units: dict[str, list[Any]] = units if units is not None else {}

    @property
    def silent(self) -> int:
        return sum(u[1] for u in self.units.values())

    @property
    def waiting(self) -> int:
        return sum(u[2] for u in self.units.values())

    def missing_by_unit(self) -> dict[str, tuple[int, int]]:
        """Unit (as shown) -> (응답 안 함, 미등록), for the units anyone is missing from, by unit."""
        shown = {name: (a, b) for name, a, b in self.units.values() if a or b}
        return dict(sorted(shown.items()))


def slot(unit: str) -> str:
    """The key a unit is counted under: without spaces, as the roster keeps units."""
    return unit_key(unit) or NO_UNIT


def exact(a: Audience) -> Census:
    """The census of an audience counted exactly (domain.audience)."""
    units: dict[str, list[Any]] = {}
    for p in a.people:
        units.setdefault(slot(p.unit), [p.unit or NO_UNIT, 0, 0])
    if a.answered is not None:
        for p in a.silent:
            units[slot(p.unit)][1] += 1
        for p in a.waiting:
            units[slot(p.unit)][2] += 1
    return Census(a.target, a.answered_here, a.outside, a.roster, units)


UNKNOWN = {UNPLACED: 1}  # an answer entered or taken back by an admin for someone, or nobody can place


def attribution(s: Survey, u: User, delta: int) -> dict[str, int]:
    """What a member's own submit (+1) or withdrawal (-1) of ``s`` tells the census: the unit they are one of its
    people in, or that they are not (see the module)."""
    if not delta:
        return {}
    units = [x for x in target_units(s.target_unit) if x != "전체"]
    if not units or slot(u.unit) in {slot(x) for x in units}:  # one unit however it is spaced ('1 중대', 1중대)
        return {IN + slot(u.unit): delta}
    return {OUT: delta}


def kept(c: Census, s: Survey, agg: Aggregate, epoch: Epoch) -> dict[str, Any]:
    """What is stored of a census: the figures, the target and epoch it holds for, and the aggregate's counters of
    answers and whose they were as they were when it was counted."""
    return {
        "target_unit": s.target_unit,
        "epoch": epoch.total,
        "target": c.target,
        "answered": c.answered,
        "outside": c.outside,
        "roster": c.roster,
        "units": c.units,
        "seen": _placed(agg),
        "joins": dict(epoch.joins),
    }


def current(s: Survey, agg: Aggregate, epoch: Epoch) -> Census | None:
    """The census kept with ``agg`` brought up to date from its counters; None when there is none or it no longer
    holds (someone's state changed, the target changed, or an answer changed that nobody placed)."""
    stored = agg.census
    if not stored or stored.get("target_unit") != s.target_unit or stored.get("epoch") != epoch.total:
        return None
    seen: Mapping[str, float] = stored.get("seen", {})
    now = _placed(agg)

    def moved(key: str) -> int:
        return int(now.get(key, 0) - seen.get(key, 0))

    if moved(UNPLACED):
        return None
    ins = {k[len(IN) :]: moved(k) for k in _keys([now, seen]) if k.startswith(IN)}
    out = moved(OUT)
    if moved(RESPONSES) != sum(ins.values()) + out:  # an answer changed that says nothing of whose it was
        return None
    units = {k: list(v) for k, v in stored.get("units", {}).items()}
    target = _joined_since(s, stored, epoch, units)
    if target is None:
        return None
    for unit, n in ins.items():
        if not n:
            continue
        if unit not in units or units[unit][1] - n < 0:
            return None  # not one of its people after all: count again
        units[unit][1] -= n
    answered, outside = int(stored["answered"]) + sum(ins.values()), int(stored["outside"]) + out
    if outside < 0:  # more taken back from outside than it held: not whose it said after all
        return None
    return Census(target, answered, outside, bool(stored["roster"]), units)


def _joined_since(s: Survey, stored: Mapping[str, Any], epoch: Epoch, units: dict[str, list[Any]]) -> int | None:
    """The target with the first registrations since the census was taken, each now 응답 안 함 in its unit (in
    ``units``, in place); None when one cannot be placed (count everyone again)."""
    target = int(stored["target"])
    named = [x for x in target_units(s.target_unit) if x != "전체"]
    keys = {unit_key(x) for x in named}
    was: Mapping[str, int] = stored.get("joins", {})
    for k in sorted(set(epoch.joins) | set(was)):
        n = int(epoch.joins.get(k, 0) - was.get(k, 0))
        if n < 0:
            return None
        if not n:
            continue
        if k.startswith(JOINED):  # one more person, registered, in the unit they typed
            unit = k[len(JOINED) :]
            if named and unit_key(unit) not in keys:
                continue
            target += n
            units.setdefault(slot(unit), [unit or NO_UNIT, 0, 0])[1] += n
        elif k.startswith(CLAIMED):  # an entry of the roster registered: 미등록 → 응답 안 함
            key = k[len(CLAIMED) :]
            if named and key not in keys:
                continue
            got = units.get(slot(key))
            if got is None or got[2] < n:
                return None
            got[1], got[2] = got[1] + n, got[2] - n
        else:
            return None
    return target


def page(db: Reader, s: Survey, c: Census, start: int, count: int) -> list[tuple[str, str]] | None:
    """A page of 미응답's names, as (SILENT or WAITING, label): from ``start``, at most ``count``, in its order
    (응답 안 함 unit by unit, then 미등록 unit by unit; by name within a unit). Only the units the page shows are
    read: their entries and members, and which of them answered. None when a unit read does not hold what the
    census counts of it (then everyone is counted)."""
    from chalicelib.domain.audience import SILENT, WAITING, Audience, people_of

    units = sorted(c.units.values(), key=lambda u: u[0])
    blocks = [(SILENT, u[0], u[1]) for u in units if u[1]] + [(WAITING, u[0], u[2]) for u in units if u[2]]
    read: dict[str, Audience] = {}
    out: list[tuple[str, str]] = []
    at = 0
    for state, unit, n in blocks:
        if at < start + count and at + n > start:
            if unit == NO_UNIT:  # nobody's unit: no unit of people to read
                return None
            if unit not in read:
                people, roster = people_of(db, unit)
                answered = db.answered_among(s.id, [p.person for p in people if p.person])
                read[unit] = Audience(people, answered, roster)
            a = read[unit]
            found = a.silent if state == SILENT else a.waiting
            if len(found) != n:
                return None
            out += [(state, a.label(p)) for p in found[max(start - at, 0) : start + count - at]]
        at += n
    return out


def too_many(db: Reader, agg: Aggregate) -> bool:
    """Whether counting the people of ``agg``'s survey would keep an admin waiting too long (more than
    :data:`INLINE`, as its last census or the roster's head counts say; unknown: counted while they wait)."""
    if agg.census:
        return int(agg.census.get("target", 0)) > INLINE
    return sum(db.roster_units().values()) > INLINE


def taken(db: Reader, survey_id: str) -> tuple[KeepCensus | None, bool]:
    """The census of a survey counted now, as the write that keeps it (on the epoch and the aggregate read first),
    for the background; None when it needs none (it holds, or the survey has no whole aggregate to keep it with).
    With True: not yet, the indexes may still lag a change (:attr:`Epoch.settled`): try again later."""
    from chalicelib.domain import aggregates
    from chalicelib.domain.audience import audience

    s = db.get_survey(survey_id)
    if s is None or not aggregates.kept(s) or s.purged_at is not None:
        return None, False
    epoch = db.people_epoch()  # before the aggregate, and the aggregate before the people
    agg = db.get_aggregate(survey_id)
    if agg is None or not agg.built or aggregates.responses(agg.counts) != s.response_count:
        return None, False
    if current(s, agg, epoch) is not None:
        return None, False
    if not epoch.settled:
        return None, True
    c = exact(audience(db, s))
    return KeepCensus(s.id, kept(c, s, agg, epoch), agg.version, epoch.shards, epoch.joined), False


def whose(key: str) -> bool:
    """Whether an aggregate's counter says whose answers were (kept apart from the figures a recount makes)."""
    return key.startswith((IN, OUT, UNPLACED))


def _placed(agg: Aggregate) -> dict[str, float]:
    return {RESPONSES: agg.counts.get(RESPONSES, 0), **agg.people}


def _keys(maps: Iterable[Mapping[str, float]]) -> set[str]:
    return {k for m in maps for k in m}


class Touch:
    """What a commit does to the people epoch: raise ``shard``, or, for a first registration (``join``: the counter
    of its unit), count it on ``shard`` apart."""

    __slots__ = ("join", "shard")

    def __init__(self, shard: int, join: str = "") -> None:
        self.shard, self.join = shard, join


def touched(writes: Sequence[Any]) -> Touch | None:
    """What a commit of ``writes`` does to the people epoch, or None when it changes nobody (see the module).

    A user item changes someone when it is new (a registration) or who they are differs from what was read
    (User.loaded); 탈퇴 and every roster write change someone. Notes of failed tries and kept load results do
    not. A first registration (:func:`joined`) is counted apart: it changes nobody who could have answered."""
    key: str | None = None
    for w in writes:
        if isinstance(w, PutUser):
            u = w.user
            if u.version == 0 or u.loaded != u.people_fields():
                key = u.key
        elif isinstance(w, DeleteUser):
            key = w.key
        elif isinstance(w, TouchPeople):
            key = w.why
        elif type(w) in _CHANGING:
            key = type(w).__name__ + str(getattr(w, "entry", ""))
        if key is not None:
            break
    if key is None:
        return None
    return Touch(zlib.crc32(key.encode()) % SHARDS, joined(writes))


def joined(writes: Sequence[Any]) -> str:
    """The counter a first registration adds to, or "" when ``writes`` are anything else.

    A first registration is a new user item of someone with no answer anywhere (none came back when they
    registered), and nothing else that changes someone but, with a roster, the claim of an entry that was never
    anyone's (ClaimRoster.fresh). Without an entry they are one more person of their unit as they typed it
    (``j|<unit>``, as the members index keeps it); with one, that entry's person is registered now (``c|<unit>``,
    the roster's unit key): 미등록 becomes 응답 안 함."""
    users = [w.user for w in writes if isinstance(w, PutUser)]
    others = [w for w in writes if not isinstance(w, PutUser) and (type(w) in _CHANGING or _moves_people(w))]
    if len(users) != 1 or users[0].version != 0 or users[0].answered:
        return ""
    u = users[0]
    if not others and not u.roster and not u.person:
        return JOINED + u.unit
    if len(others) == 1 and isinstance(others[0], rw.ClaimRoster):
        c = others[0]
        if c.fresh and c.entry == u.roster and c.user_key == u.key and u.person_key == u.key:
            return CLAIMED + c.entry.partition("#")[0]
    return ""


def _moves_people(w: Any) -> bool:
    return isinstance(w, (DeleteUser, TouchPeople))


def _changing() -> frozenset[type]:
    """The roster's writes that change someone: all but notes of refused tries, a load's kept result, the yes to
    its removals (the removals are writes of their own) and a lifted lock."""
    every = {v for v in vars(rw).values() if isinstance(v, type) and v.__module__ == rw.__name__}
    quiet = {rw.NoteRegistrationFailure, rw.NoteEntryFailure, rw.KeepLoadResult, rw.LiftEntryLock, rw.TakeRemovals}
    return frozenset(every - quiet)


_CHANGING = _changing()
