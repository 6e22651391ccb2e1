"""What a spreadsheet cell may hold, and how wide it shows: shared by every file the exports write.

Text loses the characters XML cannot hold and is cut to what a cell takes (:func:`clean_text`); text a
spreadsheet could read as a formula is told apart (:func:`is_formula_like`) so that the writers can defuse it
(OWASP ASVS 5.0 1.2.10); :func:`text_width` measures text in columns as a spreadsheet shows it.
"""

from __future__ import annotations

import re
import unicodedata

# First characters that make Excel, LibreOffice or Sheets parse a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
MAX_CELL_CHARS = 32767

_ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WIDE = frozenset(("W", "F"))


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula or command."""
    return text.startswith(FORMULA_TRIGGERS)


def clean_text(text: str) -> str:
    """``text`` without the characters XML cannot hold, cut to what one cell takes."""
    return _ILLEGAL_XML_CHARS.sub("", text)[:MAX_CELL_CHARS]


def text_width(text: str) -> int:
    """Columns the longest line takes: East Asian wide and fullwidth characters count two."""
    line = max(text.splitlines() or [""], key=len)
    if line.isascii():
        return len(line)
    return len(line) + sum(1 for w in map(unicodedata.east_asian_width, line) if w in _WIDE)
