"""Marks: the short number that tells same-named people apart, the same wherever a person is shown.

A roster entry's mark is fixed when it is first loaded and kept through reloads, moves and
removals; someone registered without an entry has one made from their person key (never the
key itself). 명단, 미응답, every choice between people and the exports' 회원번호 show these.
"""

from __future__ import annotations

import hashlib

from chalicelib.domain.roster_records import RosterEntry


def member_number(entry: str) -> str:
    """The mark a new entry gets when it is first loaded (kept from then on, whatever happens to the entry)."""
    return hashlib.sha256(entry.encode()).hexdigest()[:6]


def person_mark(person: str) -> str:
    """The mark of someone registered without a roster entry: made from their person key, never the key itself."""
    return hashlib.sha256(person.encode()).hexdigest()[:6] if person else ""


def entry_mark(e: RosterEntry) -> str:
    """The entry's mark."""
    return e.number or member_number(e.entry)


def marked(label: str, mark: str, twins: bool) -> str:
    """'2중대 김민수#069e77' where someone else shows with the same label, else the label alone."""
    return f"{label}#{mark}" if twins and mark else label
