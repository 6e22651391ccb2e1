"""Who a survey is for, and where each of them stands: the one definition every count is drawn from.

A survey's people are, with a roster, the entries of its target units and the registered
members of those units whom none of those entries holds (registered before the roster
existed, or taken off it since: "명단에 없는 등록자"); without one, its registered members.
Each person is there once, and is in exactly one state:

* 응답 (answered): an answer is kept under their person key;
* 응답 안 함 (silent): registered (a Kakao account is theirs now) but no answer;
* 미등록 (waiting): a roster entry nobody has registered as yet.

So 응답 + 응답 안 함 + 미등록 = 대상, for every survey and after anything that happens to the
roster, on every view: 현황, 미응답, 결과 보기, the workbook's 요약 and 미응답 sheets and 알림's
recipients all read :func:`audience`. Answers of people who are not among them (someone taken
off the roster, or moved to a unit the survey is not for) are counted apart as 대상 밖.

In 익명 nobody can know who answered: the people and the target are known, their states are not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import field

from chalicelib.domain.marks import entry_mark, marked, person_mark
from chalicelib.domain.model import NAMED, Answer, Member, Survey, target_units
from chalicelib.domain.ports import Reach, Reader
from chalicelib.domain.privacy import answered_keys, shown_count
from chalicelib.domain.record import record
from chalicelib.domain.roster_records import unit_key

ANSWERED = "응답"
SILENT = "응답 안 함"
WAITING = "미등록"


@record(frozen=True)
class Person:
    """One person a survey is for, as the roster and the registrations know them."""

    unit: str
    name: str
    mark: str  # tells same-named people apart: the roster entry's number, or one made from the person key
    person: str  # the key their answers are kept under ("" = nobody ever registered as them)
    key: str  # the Kakao account registered as them now ("" = not registered)
    on_roster: bool = True

    def label(self) -> str:
        return f"{self.unit} {self.name}".strip()


@record
class Audience:
    """A survey's people and, unless it is 익명, who of them answered."""

    people: list[Person]
    answered: set[str] | None  # person keys with an answer; None in 익명 (nobody can know)
    roster: bool = False  # there is a roster: someone may be 미등록
    responses: int = 0  # answers kept, in the target or not
    _twins: Counter[str] = field(default_factory=Counter, repr=False)

    def __post_init__(self) -> None:
        self._twins = Counter(p.label() for p in self.people)

    @property
    def target(self) -> int:
        return len(self.people)

    def state(self, p: Person) -> str:
        if self.answered is not None and p.person and p.person in self.answered:
            return ANSWERED
        return SILENT if p.key else WAITING

    def _in(self, state: str) -> list[Person]:
        return sorted((p for p in self.people if self.state(p) == state), key=lambda p: (p.unit, p.name, p.mark))

    @property
    def responded(self) -> list[Person]:
        return self._in(ANSWERED)

    @property
    def silent(self) -> list[Person]:
        """Registered and not answered (everyone registered, in 익명)."""
        return self._in(SILENT)

    @property
    def waiting(self) -> list[Person]:
        return self._in(WAITING)

    @property
    def answered_here(self) -> int:
        """Answers of the survey's own people (all answers in 익명, where nobody can tell)."""
        if self.answered is None:
            return self.responses
        return sum(1 for p in self.people if self.state(p) == ANSWERED)

    @property
    def outside(self) -> int:
        """Answers of people who are not among them (0 in 익명: nobody can tell)."""
        if self.answered is None:
            return 0
        ours = {p.person for p in self.people if p.person}
        return len(self.answered - ours)

    def label(self, p: Person) -> str:
        """'2중대 김민수', with the person's mark where someone else here has the same unit and name."""
        return marked(p.label(), p.mark, self._twins[p.label()] > 1)

    def per_unit(self) -> dict[str, tuple[int, int]]:
        """Unit -> (응답 안 함, 미등록), for the units anyone is missing from."""
        out: dict[str, list[int]] = {}
        for p in self.silent:
            out.setdefault(p.unit or "(소속 없음)", [0, 0])[0] += 1
        for p in self.waiting:
            out.setdefault(p.unit or "(소속 없음)", [0, 0])[1] += 1
        return {u: (a, b) for u, (a, b) in sorted(out.items())}


def members_of(db: Reader, target: str) -> list[Member]:
    """The registered people of a survey's target units (everyone for 전체), by unit: a unit once however the
    target spaces it ('1중대, 1 중대'), and its members however each of them typed it."""
    units = list(dict.fromkeys(unit_key(u) for u in target_units(target) if u != "전체"))
    if not units:
        return db.list_members()
    return [m for u in units for m in db.list_members(u)]


def people_of(db: Reader, target: str) -> tuple[list[Person], bool]:
    """A target's people, each once (see the module's text), and whether there is a roster."""
    info = db.roster_info()
    members = members_of(db, target)
    if not info.ever:  # never a roster: everyone answers under their own key
        return [Person(m.unit, m.name, person_mark(m.key), m.key, m.key, on_roster=False) for m in members], False
    # one roster unit however many ways the target names it ('1중대, 1 중대'): its entries are read once
    chosen = list(dict.fromkeys(unit_key(u) for u in target_units(target) if u != "전체"))
    entries = [e for u in chosen for e in db.roster_entries(u)] if chosen else db.roster_entries()
    held = {e.claimed_by for e in entries if e.claimed_by}
    people = [Person(e.unit, e.name, entry_mark(e), e.person, e.claimed_by) for e in entries]
    loose = [m.key for m in members if m.key not in held]
    for u in db.get_users(loose):  # their person key is on their own item (a later phone's is not their key)
        people.append(Person(u.unit, u.name, person_mark(u.person_key), u.person_key, u.key, on_roster=False))
    return people, bool(info.units)


def audience(db: Reader, s: Survey, answers: Sequence[Answer] | None = None) -> Audience:
    """``s``'s people and who of them answered (``answers``: the survey's answers, when read already)."""
    people, roster = people_of(db, s.target_unit)
    if answers is not None and s.mode == NAMED:
        answered: set[str] | None = {a.user_key for a in answers}
    else:
        answered = answered_keys(db, s)
    kept = shown_count(s) if answered is None else len(answered)
    return Audience(people, answered, roster, len(answers) if answers is not None else kept)


def reach(db: Reader, s: Survey) -> Reach:
    """What an export shows of who ``s`` is for: the target, its answers, who is missing and everyone's mark."""
    a = audience(db, s)
    rows = [(p.unit, p.name, p.mark, a.state(p)) for p in [*a.silent, *a.waiting]] if a.answered is not None else []
    return Reach(a.target, a.answered_here, tuple(rows), {p.person: p.mark for p in a.people if p.person})
