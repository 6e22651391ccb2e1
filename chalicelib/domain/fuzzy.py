"""How alike two short Korean texts are, for "혹시 이것?" suggestions and near survey titles.

Compared letter by letter (jamo), not syllable by syllable: 회싁 and 회식 differ in one
vowel, not in a whole syllable, so a typo costs what it would in an alphabet. Spaces and
case do not count. The ratio is difflib's, from the standard library: the texts are a few
syllables and the candidates a few dozen, so a compiled matcher would save microseconds per
unknown message and cost an import on cold start. difflib itself is imported on the first
comparison, not with this module: a message that is a command or a title word for word (most
of them) never compares, and a cold start is then spared its import (about 1 ms).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

CLOSE = 0.75  # as alike as a typo in a short word (현황 / 헌황 0.83; 등록 / 등급 0.5)


def letters(text: str) -> str:
    """``text`` as jamo, without spaces, case folded."""
    return unicodedata.normalize("NFD", "".join(text.split()).casefold())


def likeness(a: str, b: str) -> float:
    """0 (nothing alike) to 1 (the same, spaces and case aside)."""
    x, y = letters(a), letters(b)
    if not x or not y:
        return 0.0
    import difflib  # on first use (see the module's docstring)

    return difflib.SequenceMatcher(None, x, y, autojunk=False).ratio()


def closest(text: str, candidates: Iterable[tuple[str, T]], cutoff: float = CLOSE, limit: int = 3) -> list[T]:
    """The values of the candidates whose key is at least ``cutoff`` alike ``text``, most alike first."""
    scored = [(likeness(text, key), n, value) for n, (key, value) in enumerate(candidates)]
    kept = sorted((s for s in scored if s[0] >= cutoff), key=lambda s: (-s[0], s[1]))
    out: list[T] = []
    for _, _, value in kept:
        if value not in out:
            out.append(value)
    return out[:limit]


def heads(text: str, words: Sequence[str]) -> list[str]:
    """The first 1..n words of ``text`` (n the most words any of ``words`` has), to compare with them."""
    parts = text.split()
    most = max((len(w.split()) for w in words), default=1)
    return [" ".join(parts[:k]) for k in range(1, min(most, len(parts)) + 1)]
