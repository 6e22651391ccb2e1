"""The kinds of question, one entry each: everything the bot does with a kind is in its entry.

An entry (a subclass of :class:`~chalicelib.domain.kinds.base.Kind`, one module each)
knows its Korean name and the other names an admin may type, what the wizard asks
after the kind is chosen (a range, the options), how the question is put to a member
(hint, option lines, quick-reply picks), how an answer is read and checked, how it is
shown, what cell it becomes in a download, and how answers add up in 현황.

Adding a kind is one module and one line in :data:`KINDS` below, plus its tests;
nothing else in the bot branches on the kind. Stored questions carry the entry's
``code``, so a code never changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from chalicelib.domain.kinds.base import (
    KINDS,
    CellValue,
    Count,
    Counted,
    Figures,
    Kind,
    Parsed,
    Setup,
    grouping,
    is_blank,
    kind_of,
)
from chalicelib.domain.kinds.choice import MAX_OPTION_LEN, MAX_OPTIONS, Choice, Multi
from chalicelib.domain.kinds.clock import TimeOfDay
from chalicelib.domain.kinds.day import Day
from chalicelib.domain.kinds.number import Number
from chalicelib.domain.kinds.text import Text
from chalicelib.domain.kinds.yesno import YesNo
from chalicelib.domain.model import MAX_CAP, Question, option_key

# The registry, in the order the wizard offers the kinds.
KINDS.update((k.code, k) for k in (Text(), Number(), Choice(), Multi(), Day(), TimeOfDay(), YesNo()))

# The stored codes, for code that names a kind (tests, fixtures).
TEXT, NUMBER, CHOICE, MULTI, DATE, YESNO = Text.code, Number.code, Choice.code, Multi.code, Day.code, YesNo.code
TIME = TimeOfDay.code

__all__ = [
    "CHOICE",
    "DATE",
    "KINDS",
    "MAX_CAP",
    "MAX_OPTIONS",
    "MAX_OPTION_LEN",
    "MULTI",
    "NUMBER",
    "TEXT",
    "TIME",
    "YESNO",
    "CellValue",
    "Count",
    "Counted",
    "Figures",
    "Kind",
    "Parsed",
    "Setup",
    "cell_value",
    "grouping",
    "is_blank",
    "kind_named",
    "kind_of",
    "option_deltas",
    "parse_answer",
    "setup_steps",
    "show_value",
]


def kind_named(text: str) -> Kind | None:
    """The kind an admin means by ``text`` ('선택', '예 / 아니오', '객관식', ...)."""
    typed = text.replace(" ", "")
    for k in KINDS.values():
        if typed in (k.name, *k.aliases) or text in (k.name, *k.aliases):
            return k
    return None


def setup_steps() -> dict[str, Setup]:
    """The wizard steps the kinds add, by step name (kinds may share one, like the options)."""
    steps = {k.setup.step: k.setup for k in KINDS.values() if k.setup is not None}
    steps.update({s.step: s for k in KINDS.values() for s in k.more_setups})
    return steps


def parse_answer(q: Question, text: str, today: date) -> Parsed:
    """Read ``text`` as an answer to ``q``: the value to store, or the reason to ask again."""
    t = text.strip()
    if not t:
        return None, "답을 입력해 주세요."
    return kind_of(q).parse(q, t, today)


def show_value(q: Question, value: Any) -> str:
    """An answer as a member reads it."""
    if is_blank(value):
        return "(건너뜀)"
    return kind_of(q).show(q, value)


def cell_value(q: Question, value: Any) -> CellValue:
    """An answer as a download's cell."""
    return kind_of(q).cell(q, value)


def option_deltas(questions: Sequence[Question], old: dict[str, Any], new: dict[str, Any]) -> dict[str, int]:
    """How each option's counter moves when the answer ``old`` becomes ``new``."""
    deltas: dict[str, int] = {}
    for q in questions:
        k = kind_of(q)
        if not k.counts_options:
            continue
        for values, sign in ((old.get(q.id), -1), (new.get(q.id), 1)):
            for o in k.picked(values) if not is_blank(values) else []:
                key = option_key(q.id, o)
                deltas[key] = deltas.get(key, 0) + sign
    return {key: d for key, d in deltas.items() if d}
