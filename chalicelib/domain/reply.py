"""What the bot says, independent of Kakao's JSON: texts, an optional card, quick replies.

``chalicelib.kakao.response`` renders a Reply into a skill response that keeps
every Kakao limit, so the conversation can speak freely.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import field
from typing import Any

from chalicelib.domain.record import record


@record(frozen=True)
class Quick:
    """A quick reply: the label shown and the text sent when tapped."""

    label: str
    message: str = ""
    # Arrives back as the request's action.clientExtra when tapped: lets a stale double tap be recognised.
    extra: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    def __post_init__(self) -> None:
        # A survey named by '제목#id' (two surveys share the title): the member's bubble shows the title
        # only, and the id rides in clientExtra ("pick"), put back by :func:`with_pick` when tapped.
        head, sid = _split_pick(self.message or self.label)
        if sid:
            object.__setattr__(self, "message", head)
            object.__setattr__(self, "extra", {**(self.extra or {}), "pick": sid})
            if _split_pick(self.label)[1]:
                object.__setattr__(self, "label", _split_pick(self.label)[0])

    @property
    def text(self) -> str:
        return self.message or self.label


@record(frozen=True)
class Button:
    label: str
    url: str = ""  # a link button when set
    message: str = ""  # otherwise a message button


@record
class Card:
    title: str
    description: str = ""
    buttons: list[Button] = field(default_factory=list)


QuickLike = Quick | str


class Reason(str):
    """Why an answer is asked again, with quick replies that answer the doubt ('오전 7시' · '오후 7시'): a str
    everywhere a reason is one, and its ``quick`` are offered first where the question is asked again."""

    quick: tuple[QuickLike, ...]

    def __new__(cls, text: str, quick: Sequence[QuickLike] = ()) -> Reason:
        made = super().__new__(cls, text)
        made.quick = tuple(quick)
        return made


def offered(reason: str | None) -> list[QuickLike]:
    """The quick replies a reason brings (none for a plain one)."""
    return list(reason.quick) if isinstance(reason, Reason) else []


@record
class Reply:
    texts: list[str] = field(default_factory=list)
    card: Card | None = None
    quick: list[Quick] = field(default_factory=list)
    # Kakao callback: answer now with a waiting text, the real reply is POSTed to callbackUrl later.
    use_callback: bool = False

    @classmethod
    def say(cls, *texts: str, quick: Sequence[QuickLike] | None = None, card: Card | None = None) -> Reply:
        return cls(texts=[t for t in texts if t], card=card, quick=quicks(quick or []))

    def all_text(self) -> str:
        """Everything a reader sees, for tests and the simulator."""
        parts = list(self.texts)
        if self.card:
            parts.append(self.card.title)
            parts.append(self.card.description)
        return "\n".join(parts)


def quicks(items: Sequence[QuickLike]) -> list[Quick]:
    out: list[Quick] = []
    seen: set[tuple[str, str]] = set()
    for it in items:
        q = it if isinstance(it, Quick) else Quick(it)
        key = (q.text, str((q.extra or {}).get("pick", "")))
        if key in seen:
            continue
        seen.add(key)
        out.append(q)
    return out


_PICK = re.compile(r"^(.*\S)#([A-Za-z0-9]{1,16})$", re.S)


def _split_pick(text: str) -> tuple[str, str]:
    m = _PICK.match(text)
    return (m[1], m[2]) if m else (text, "")


def with_pick(text: str, tap: dict[str, Any]) -> str:
    """A tapped quick reply's text with the survey its clientExtra picked put back ('제목#id'), so the
    message names the survey the member saw, not whichever has that title."""
    pick = tap.get("pick")
    if isinstance(pick, str) and pick.isalnum() and len(pick) <= 16 and text and "#" not in text:
        return f"{text}#{pick}"
    return text
