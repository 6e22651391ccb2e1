"""Loading the roster from a file: a plan you can see first, in which nobody is lost.

:func:`plan_load` compares the file with the roster and says, person by person, who is
added, changed, moved to another unit, back on the roster, and (for a file that is the
whole roster) who would be taken off. Additions, changes, moves and returns are applied
at once; removals only once someone has said yes to the list (docs/identity.md).

Identity survives the churn:

* a person taken off the roster is kept aside (their person id, Kakao link and mark) when
  anyone ever registered as them, and loading them again brings them back linked;
* the same name with the same check value in another unit is the same person moved: their
  entry, link, mark and answers follow, and their account's unit changes with them;
* people who registered before there was a roster are linked to their entry when their
  unit and name match exactly one entry (and one person), and listed otherwise.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import field, replace

from chalicelib.domain.marks import entry_mark, member_number
from chalicelib.domain.model import User
from chalicelib.domain.parsing import MAX_UNIT, valid_name, valid_person_name
from chalicelib.domain.record import record
from chalicelib.domain.roster import check_matches, clean_check, hash_check
from chalicelib.domain.roster_records import RosterEntry, roster_entry_key, unit_key
from chalicelib.domain.roster_writes import (
    ClaimRoster,
    DeleteFormerEntry,
    DeleteRosterEntry,
    PutRosterEntry,
    RetireRosterEntry,
    SetRosterUnits,
    SetUserRoster,
)
from chalicelib.domain.writes import Write

ADDED, CHANGED, MOVED, BACK, REMOVED, LINKED = "추가", "변경", "이동", "복귀", "삭제", "연결"
PARTIAL_SHARE = 5  # a file that would take off more than 1/5 of the roster is probably partial

Row = tuple[int, str, str, "str | None"]  # (line, unit, name, check value)


@record(frozen=True)
class Change:
    """One person a load changes."""

    kind: str  # ADDED, CHANGED, MOVED, BACK, REMOVED or LINKED
    unit: str
    name: str
    mark: str
    entry: str  # the entry's key (a move's new one)
    before: str = ""  # a move: the unit the person left
    registered: bool = False  # a Kakao account is theirs (a removal keeps it: they stay registered)

    def label(self) -> str:
        where = f"{self.before} → {self.unit}" if self.before else self.unit
        return f"{where} {self.name}#{self.mark}".strip()


@record
class LoadPlan:
    """What a load does. ``groups`` apply at once (each group in one transaction: a move's entry, its old key
    and its person's account go together); ``removals`` wait for a yes."""

    groups: list[list[Write]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    removals: list[RosterEntry] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (line, what to look at)
    before: int = 0  # people on the roster before the load

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def removed(self) -> list[Change]:
        return [
            Change(REMOVED, e.unit, e.name, entry_mark(e), e.entry, registered=bool(e.claimed_by))
            for e in self.removals
        ]

    @property
    def partial(self) -> bool:
        """It would take off more than a fifth of the roster: probably a part of it, loaded by mistake."""
        return len(self.removals) * PARTIAL_SHARE > self.before and len(self.removals) > 1

    def summary(self, removals_done: bool = False) -> str:
        """'추가 2명 · 변경 0명 · 이동 1명 · 복귀 0명 · 그대로 800명 · 삭제 대기 801명 · 거부 1행'."""
        parts = [f"{k} {len(self.of(k))}명" for k in (ADDED, CHANGED, MOVED, BACK)]
        if self.of(LINKED):
            parts.append(f"{LINKED} {len(self.of(LINKED))}명")
        if self.unchanged:
            parts.append(f"그대로 {self.unchanged}명")
        if self.removals:
            parts.append(f"{'삭제' if removals_done else '삭제 대기'} {len(self.removals)}명")
        if self.rejected:
            parts.append(f"거부 {len(self.rejected)}행")
        return " · ".join(parts)

    def lines(self) -> list[str]:
        """Every person the load changes, a line each, by kind then unit: the list an admin reads first."""
        out: list[str] = []
        for kind in (ADDED, CHANGED, MOVED, BACK, LINKED):
            for c in sorted(self.of(kind), key=lambda c: (c.unit, c.name)):
                out.append(f"{kind}: {c.label()}")
        for c in sorted(self.removed, key=lambda c: (c.unit, c.name)):
            out.append(
                f"{REMOVED}{' 대기' if self.removals else ''}: {c.label()}" + (" (등록됨)" if c.registered else "")
            )
        out += [f"거부 {line}행: {why}" for line, why in self.rejected]
        out += [f"확인 {line}행: {why}" for line, why in self.warnings]
        return out


def _suffix(check: str) -> str:
    return hashlib.sha256(check.encode()).hexdigest()[:4]


def _wanted(
    rows: Sequence[Row], plan: LoadPlan, namesakes: Collection[tuple[str, str]] = ()
) -> dict[str, tuple[RosterEntry, str]]:
    """The file's people by entry key, with their check values as typed (rejections noted in ``plan``). A (unit,
    name) of ``namesakes`` is someone else of a name the roster has already: keyed as same-named people are."""
    counts = Counter((unit_key(unit), name) for _, unit, name, _ in rows)
    wanted: dict[str, tuple[RosterEntry, str]] = {}
    seen_line: dict[str, int] = {}
    for line, unit, name, check in rows:
        unit, value = unit_key(unit), clean_check(check)
        why = valid_person_name(name) or (valid_name(unit, MAX_UNIT) if unit else "소속이 비어 있어요.")
        if why:
            plan.rejected.append((line, why.rstrip(".")))
            continue
        shared = counts[(unit, name)] > 1 or (unit, name) in namesakes
        if shared and not value:
            plan.rejected.append((line, "같은 소속에 같은 이름이 있어 확인번호가 필요해요"))
            continue
        key = roster_entry_key(unit, name, _suffix(value) if shared else "")
        if key in seen_line:
            plan.rejected.append((line, f"{seen_line[key]}행과 겹쳐요"))
            continue
        seen_line[key] = line
        wanted[key] = (RosterEntry(key, unit, name), value)
    plan.warnings += _short_checks([(line, clean_check(check)) for line, _, _, check in rows])
    return wanted


def _short_checks(checks: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """Numeric check values shorter than the file's usual length: a spreadsheet that read '0909' as the number 909
    dropped the zero, and nobody could ever register with it. Named by line, never by value."""
    digits = [(line, v) for line, v in checks if v.isdigit()]
    if len(digits) < 2:
        return []
    usual, _ = Counter(len(v) for _, v in digits).most_common(1)[0]
    return [
        (line, f"확인번호가 다른 사람보다 짧아요({len(v)}자리, 보통 {usual}자리). 엑셀이 앞의 0을 지웠을 수 있어요")
        for line, v in digits
        if len(v) < usual
    ]


def _same_check(stored: str, value: str) -> bool:
    return check_matches(stored, value) if (stored and value) else not (stored or value)


def plan_load(
    existing: Sequence[RosterEntry],
    rows: Iterable[Row],
    replace_all: bool,
    former: Sequence[RosterEntry] = (),
    users: Sequence[User] | None = None,
    at: str = "",
    namesakes: Collection[tuple[str, str]] = (),
) -> LoadPlan:
    """What loading ``rows`` (line, unit, name, check) into a roster of ``existing`` entries does.

    ``former`` are the entries taken off earlier (people come back linked). ``users`` are the registered people
    that no entry on the roster holds, and those a former entry names: people registered before the roster get
    linked, and a former entry's link is carried back only while its account still says it is theirs (None:
    not known, links are carried as they are). ``replace_all``: the file is the whole roster, so people not in
    it are to be removed (:attr:`LoadPlan.removals`). ``namesakes``: (unit, name) of rows that are newcomers of a
    name already on the roster (명단 추가 with another check value). Loading the same rows again plans nothing.
    """
    plan = LoadPlan(before=len(existing))
    wanted = _wanted(list(rows), plan, namesakes)
    loading = _Loading(plan, existing, former, users, at)
    if replace_all:
        loading.leaving = {k: e for k, e in loading.active.items() if k not in wanted}
    for key, (entry, value) in wanted.items():
        loading.take(key, entry, value)
    _link_earlier_registrations(plan, loading.after, users, at)
    plan.removals = sorted(loading.leaving.values(), key=lambda e: e.entry)
    if plan.groups:
        plan.groups.append([units_of(loading.after.values())])
    return plan


class _Loading:
    """One load in progress: the roster as it was, the entries taken off earlier, who is leaving, and the roster
    once the plan's groups are applied (removals still pending)."""

    def __init__(
        self,
        plan: LoadPlan,
        existing: Sequence[RosterEntry],
        former: Sequence[RosterEntry],
        users: Sequence[User] | None,
        at: str,
    ) -> None:
        self.plan, self.users_known, self.at = plan, users is not None, at
        self.active = {e.entry: e for e in existing}
        self.aside = {e.entry: e for e in former}
        self.accounts = {u.key: u for u in users or ()}
        self.leaving: dict[str, RosterEntry] = {}
        self.after = dict(self.active)

    def holder(self, e: RosterEntry) -> str:
        """The link an entry carries on: a roster entry's always (탈퇴 releases it); a former entry's while its
        account still says it is this entry (one who left while off the roster released nothing)."""
        if not e.claimed_by or e.entry in self.active or not self.users_known:
            return e.claimed_by
        u = self.accounts.get(e.claimed_by)
        return e.claimed_by if u is not None and u.roster == e.entry else ""

    def take(self, key: str, entry: RosterEntry, value: str) -> None:
        """One wanted row: unchanged, changed in place, back from the former entries, moved, or new."""
        old = self.active.get(key)
        if old is not None:
            self._change(key, old, entry, value)
            return
        came_back = self.aside.get(key)
        if came_back is not None and (not came_back.check or not value or check_matches(came_back.check, value)):
            back = _carried(came_back, entry, value, self.holder(came_back), self.at)
            self.plan.groups.append([PutRosterEntry(back), DeleteFormerEntry(key), *_follow(back)])
            self.plan.changes.append(
                Change(BACK, back.unit, back.name, back.number, key, registered=bool(back.claimed_by))
            )
            self.after[key] = back
            self.aside.pop(key)
            return
        moved = _moved_from(entry, value, self.leaving, self.aside)
        if moved is not None:
            self._move(key, moved, entry, value)
            return
        fresh = replace(entry, check=hash_check(value) if value else "", number=member_number(key))
        self.plan.groups.append([PutRosterEntry(fresh)])
        self.plan.changes.append(Change(ADDED, fresh.unit, fresh.name, fresh.number, key))
        self.after[key] = fresh

    def _change(self, key: str, old: RosterEntry, entry: RosterEntry, value: str) -> None:
        if _same_check(old.check, value) and old.unit == entry.unit and old.name == entry.name:
            self.plan.unchanged += 1
            return
        check = old.check if _same_check(old.check, value) else (hash_check(value) if value else "")
        changed = replace(old, unit=entry.unit, name=entry.name, check=check, number=entry_mark(old))
        self.plan.groups.append([PutRosterEntry(changed, new=False)])
        self.plan.changes.append(Change(CHANGED, changed.unit, changed.name, changed.number, key))
        self.after[key] = changed

    def _move(self, key: str, moved: RosterEntry, entry: RosterEntry, value: str) -> None:
        new = _carried(moved, entry, value, self.holder(moved), self.at)
        gone: Write = DeleteRosterEntry(moved.entry) if moved.entry in self.leaving else DeleteFormerEntry(moved.entry)
        self.plan.groups.append([PutRosterEntry(new), gone, *_follow(new)])
        if moved.unit != new.unit:
            self.plan.changes.append(
                Change(MOVED, new.unit, new.name, new.number, key, moved.unit, bool(new.claimed_by))
            )
        else:  # the same person under a new key (a same-named person joined the unit)
            self.plan.changes.append(Change(CHANGED, new.unit, new.name, new.number, key))
        self.leaving.pop(moved.entry, None)
        self.aside.pop(moved.entry, None)
        self.after.pop(moved.entry, None)
        self.after[key] = new


def _carried(old: RosterEntry, entry: RosterEntry, value: str, claimed_by: str, at: str) -> RosterEntry:
    """``entry`` as the person of ``old`` (their mark, person id and, if their account still holds it, link)."""
    check = (
        old.check if old.check and value and check_matches(old.check, value) else (hash_check(value) if value else "")
    )
    return replace(
        entry,
        check=check,
        number=entry_mark(old),
        person=old.person,
        claimed_by=claimed_by,
        claimed_at=(old.claimed_at or at) if claimed_by else "",
    )


def _follow(e: RosterEntry) -> list[Write]:
    """The account registered as ``e`` follows it (its unit and entry change with a move or a return)."""
    return [SetUserRoster(e.claimed_by, e.entry, e.unit)] if e.claimed_by else []


def _moved_from(
    entry: RosterEntry, value: str, leaving: dict[str, RosterEntry], aside: dict[str, RosterEntry]
) -> RosterEntry | None:
    """The one person of the same name and check value who leaves another entry in this load (or left the roster
    earlier): the same person, moved (or re-keyed in their unit). Without a check value nothing tells a move
    from two people."""
    if not value:
        return None
    found = [
        e
        for e in (*leaving.values(), *aside.values())
        if e.name == entry.name and e.entry != entry.entry and e.check and check_matches(e.check, value)
    ]
    return found[0] if len(found) == 1 else None


def _link_earlier_registrations(
    plan: LoadPlan, after: dict[str, RosterEntry], users: Sequence[User] | None, at: str
) -> None:
    """People registered before there was a roster (no entry of theirs) are linked to the one entry of their unit
    and name that nobody holds, where exactly one such person and one such entry match."""
    loose = [u for u in users or () if not u.roster and u.name]
    by_who = Counter((unit_key(u.unit), u.name) for u in loose)
    held = {e.claimed_by for e in after.values() if e.claimed_by}
    for u in loose:
        who = (unit_key(u.unit), u.name)
        if by_who[who] != 1 or u.key in held:
            continue
        matches = [e for e in after.values() if (e.unit, e.name) == who]
        if len(matches) != 1 or matches[0].claimed_by or (matches[0].person and matches[0].person != u.person_key):
            continue
        e = matches[0]
        claim: list[Write] = [ClaimRoster(e.entry, u.key, at, e.person or u.person_key)]
        made = _made_now(plan, e.entry)
        if made is not None:  # made in this load: the claim is part of the new entry
            made.entry = replace(made.entry, claimed_by=u.key, claimed_at=at, person=e.person or u.person_key)
            claim = []
        plan.groups.append([*claim, SetUserRoster(u.key, e.entry, e.unit)])
        plan.changes.append(Change(LINKED, e.unit, e.name, entry_mark(e), e.entry, registered=True))
        after[e.entry] = replace(e, claimed_by=u.key, person=e.person or u.person_key)


def _made_now(plan: LoadPlan, key: str) -> PutRosterEntry | None:
    for group in plan.groups:
        first = group[0] if group else None
        if isinstance(first, PutRosterEntry) and first.new and first.entry.entry == key:
            return first
    return None


def batches(groups: Sequence[Sequence[Write]], size: int = 25) -> list[list[Write]]:
    """``groups`` packed into transactions of at most ``size`` writes: a group is never split, and no transaction
    touches one item twice (DynamoDB refuses that), so a load stopped half-way leaves no person half-moved and a
    second load finishes it."""
    out: list[list[Write]] = []
    current: list[Write] = []
    touched: set[tuple[str, str]] = set()
    for group in groups:
        items = {i for w in group for i in _items(w)}
        if current and (len(current) + len(group) > size or items & touched):
            out.append(current)
            current, touched = [], set()
        current += group
        touched |= items
    if current:
        out.append(current)
    return out


def _items(w: Write) -> set[tuple[str, str]]:
    if isinstance(w, PutRosterEntry | RetireRosterEntry):
        return {("r", w.entry.entry)} | ({("x", w.entry.entry)} if isinstance(w, RetireRosterEntry) else set())
    if isinstance(w, DeleteRosterEntry | ClaimRoster):
        return {("r", w.entry)}
    if isinstance(w, DeleteFormerEntry):
        return {("x", w.entry)}
    if isinstance(w, SetUserRoster):
        return {("u", w.user_key)}
    if isinstance(w, SetRosterUnits):
        return {("units", "")}
    return {("?", str(id(w)))}


def units_of(entries: Iterable[RosterEntry]) -> SetRosterUnits:
    """The units item of a roster holding ``entries``: head counts, and whether any entry has a check value."""
    units: Counter[str] = Counter()
    checks = False
    for e in entries:
        units[e.unit] += 1
        checks = checks or bool(e.check)
    return SetRosterUnits(dict(sorted(units.items())), checks)


def removal_writes(entries: Iterable[RosterEntry]) -> list[Write]:
    """Taking ``entries`` off the roster: kept aside when anyone ever registered as them (so they come back
    linked), deleted otherwise."""
    return [RetireRosterEntry(e) if (e.claimed_by or e.person) else DeleteRosterEntry(e.entry) for e in entries]
