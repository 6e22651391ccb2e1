"""The roster's records: an entry and its key, a unit's key, refused claims as a leaky bucket, and what a load did."""

from __future__ import annotations

from dataclasses import field

from chalicelib.domain.record import record


@record(frozen=True)
class Strain:
    """Refused registration attempts, as a leaky bucket: ``level`` as of ``at`` (epoch seconds), leaking at a
    rate the caller gives; ``tries`` counts every refusal ever noted (a write is conditional on it, so parallel
    attempts cannot overshoot); ``until``: no attempt is evaluated before then (0: none)."""

    level: float = 0.0
    at: int = 0
    tries: int = 0
    until: int = 0

    def level_at(self, now: int, leak_per_second: float) -> float:
        return max(0.0, self.level - max(0, now - self.at) * leak_per_second)

    def after_one_more(self, now: int, leak_per_second: float) -> Strain:
        return Strain(self.level_at(now, leak_per_second) + 1, now, self.tries + 1, self.until)


def unit_key(unit: str) -> str:
    """How units are compared and stored in the roster: without any spaces ('2 중대' is '2중대')."""
    return "".join(unit.split())


def roster_entry_key(unit: str, name: str, suffix: str = "") -> str:
    """The roster entry's key: unit and name, and a suffix for same-named people of one unit."""
    return f"{unit_key(unit)}#{name}" + (f"#{suffix}" if suffix else "")


@record
class RosterEntry:
    """One person of the organisation as the roster lists them, and who claimed them.

    ``check`` is the salted hash of their personal check value ("" = none); the value itself is
    never stored. ``claimed_by`` is the Kakao user key that registered as this person ("" = nobody
    yet). ``number`` is the entry's mark: a short number, fixed when the entry is first loaded and kept
    through reloads, moves and removals, that tells same-named people apart wherever people are shown.
    ``person`` is the key the person's answers are kept under: the Kakao key of the first account that
    claimed the entry ("" until one does); a later phone claiming the entry answers under it too.
    """

    entry: str
    unit: str
    name: str
    check: str = ""
    claimed_by: str = ""
    claimed_at: str = ""
    number: str = ""
    person: str = ""
    strain: Strain = field(default_factory=lambda: Strain())  # refused claims of this entry (see Strain)

    @property
    def locked(self) -> int:
        """Until when (epoch seconds) the entry takes no registration: too many wrong check values."""
        return self.strain.until

    @property
    def suffix(self) -> str:
        """What tells this entry from others of the same unit and name ("" for the only one)."""
        parts = self.entry.split("#")
        return parts[2] if len(parts) > 2 else ""

    def label(self) -> str:
        return f"{self.unit} {self.name}".strip()


@record(frozen=True)
class LoadResult:
    """The last roster load, kept a day for its admin to read through (``Reader.load_lines``) and to say yes to
    its removals (``Reader.load_keys``): one at a time, a later load replaces it."""

    token: str
    summary: str  # '추가 2명 · 변경 0명 · … · 삭제 대기 801명'
    removals: int  # people not in the file, waiting for a yes
    before: int  # people on the roster when the load ran
    by: str = ""  # who loaded the file (a Kakao key, or "operator")
    at: str = ""
    taken: bool = False  # its removals were said yes to (and are done, or being done)

    @property
    def partial(self) -> bool:
        """It would take off more than a fifth of the roster: the file was probably a part of it."""
        return self.removals * 5 > self.before and self.removals > 1
