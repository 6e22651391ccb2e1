"""Hangul in Latin letters, for file names that must be ASCII.

Some programs ignore a download's UTF-8 name (``filename*``) and show the ASCII one;
a Korean title stripped to ASCII leaves nothing ("20261202.xlsx"). This writes each
syllable by the Revised Romanization's letters, with a final consonant carried over to a
following vowel (음악 → eumak), which reads back well enough to recognise a title
(회식 메뉴 조사 → hoesik menyu josa). The finer sound changes of the standard (nasal
assimilation and the like) are left out: the point is a readable, stable name, not a
transcription. No library does this at a weight worth its import for one file name.
"""

from __future__ import annotations

_FIRST, _LAST = 0xAC00, 0xD7A3
_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_VOWELS = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo",
    "u", "wo", "we", "wi", "yu", "eu", "ui", "i",
]  # fmt: skip
# A final consonant before a consonant or at the end, and (second) carried over to a following vowel.
_FINALS = [
    ("", ""), ("k", "g"), ("k", "kk"), ("k", "ks"), ("n", "n"), ("n", "nj"), ("n", "nh"), ("t", "d"),
    ("l", "r"), ("k", "lg"), ("m", "lm"), ("l", "lb"), ("l", "ls"), ("l", "lt"), ("p", "lp"), ("l", "lh"),
    ("m", "m"), ("p", "b"), ("p", "ps"), ("t", "s"), ("t", "ss"), ("ng", "ng"), ("t", "j"), ("t", "ch"),
    ("k", "k"), ("t", "t"), ("p", "p"), ("t", "h"),
]  # fmt: skip


def _parts(ch: str) -> tuple[int, int, int] | None:
    code = ord(ch)
    if not _FIRST <= code <= _LAST:
        return None
    index = code - _FIRST
    return index // 588, (index % 588) // 28, index % 28


def romanize(text: str) -> str:
    """``text`` with each Hangul syllable in Latin letters (everything else as it was)."""
    out: list[str] = []
    for i, ch in enumerate(text):
        parts = _parts(ch)
        if parts is None:
            out.append(ch)
            continue
        initial, vowel, final = parts
        following = _parts(text[i + 1]) if i + 1 < len(text) else None
        carried = following is not None and following[0] == _INITIALS.index("")
        prev = _parts(text[i - 1]) if i else None
        onset = "" if prev is not None and prev[2] and initial == _INITIALS.index("") else _INITIALS[initial]
        out.append(onset + _VOWELS[vowel] + _FINALS[final][1 if carried else 0])
    return "".join(out)
