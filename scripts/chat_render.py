"""A skill reply drawn as text, and what a person can tap in it: the terminal chat (`make chat`, :mod:`scripts.chat`)
reads replies through this."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# --- rendering (pure) -------------------------------------------------------


@dataclass
class Tap:
    """Something the user can press in a reply: a card button or a quick reply."""

    label: str
    action: str  # webLink | message (what the bot sends); others are shown, not simulated
    message: str = ""  # what a message tap sends
    link: str = ""  # webLink target
    extra: dict[str, Any] = field(default_factory=dict)


def _button_tap(b: dict[str, Any]) -> Tap:
    label = str(b.get("label", ""))
    return Tap(
        label,
        str(b.get("action", "")),
        message=str(b.get("messageText") or label),
        link=str(b.get("webLinkUrl") or ""),
        extra=b.get("extra") or {},
    )


class _Renderer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buttons: list[Tap] = []
        self.quick: list[Tap] = []

    def add(self, text: str = "", indent: int = 0) -> None:
        pad = " " * indent
        for line in str(text).split("\n"):
            self.lines.append(pad + line if line else "")

    def button(self, tap: Tap, indent: int) -> None:
        self.buttons.append(tap)
        n = len(self.buttons)
        if tap.action == "webLink":
            how = f"링크 {tap.link}"
        elif tap.action == "message":
            how = f"보냄: {tap.message}" if tap.message != tap.label else "보냄"
        else:
            how = tap.action
        self.add(f"[{n}] {tap.label}  ({how})", indent)

    def buttons_of(self, card: dict[str, Any], indent: int) -> None:
        for b in card.get("buttons") or []:
            self.button(_button_tap(b), indent)

    # one function per component type
    def simpleText(self, c: dict[str, Any], indent: int) -> None:  # Kakao's names
        self.add(c.get("text", ""), indent)

    def textCard(self, c: dict[str, Any], indent: int) -> None:
        if c.get("title"):
            self.add(f"■ {c['title']}", indent)
        if c.get("description"):
            self.add(c["description"], indent + 2)
        self.buttons_of(c, indent + 2)

    def component(self, kind: str, body: Any, indent: int = 0) -> None:
        if kind in COMPONENTS and isinstance(body, dict):
            getattr(self, kind)(body, indent)
        else:
            self.add(f"(알 수 없는 출력 {kind}: {json.dumps(body, ensure_ascii=False)[:200]})", indent)


# What chalicelib.kakao.response emits; anything else is shown as unknown.
COMPONENTS = ("simpleText", "textCard")


def _render(reply: Any) -> _Renderer:
    r = _Renderer()
    if not isinstance(reply, dict):
        r.add(f"(JSON 객체가 아닌 응답: {json.dumps(reply, ensure_ascii=False)[:200]})")
        return r
    if reply.get("version") != "2.0":
        r.add(f'(경고: version이 "2.0"이 아님: {reply.get("version")!r} — 카카오는 v1로 취급합니다)')
    if reply.get("useCallback"):
        text = (reply.get("data") or {}).get("text", "")
        r.add(f"(콜백 대기 중) {text}".rstrip())
        return r
    template = reply.get("template") or {}
    outputs = template.get("outputs") or []
    if not outputs:
        r.add("(출력 없음: template.outputs가 비었습니다)")
    for i, output in enumerate(outputs):
        if i:
            r.add("")
        if not isinstance(output, dict) or len(output) != 1:
            r.add(f"(잘못된 출력: {json.dumps(output, ensure_ascii=False)[:200]})")
            continue
        ((kind, body),) = output.items()
        r.component(kind, body)
    quick = template.get("quickReplies") or []
    if quick:
        r.add("")
        for q in quick:
            label = str(q.get("label", ""))
            r.quick.append(
                Tap(
                    label,
                    str(q.get("action", "message")),
                    message=str(q.get("messageText") or label),
                    extra=q.get("extra") or {},
                )
            )
        r.add("  ".join(f"{n}) {t.label}" for n, t in enumerate(r.quick, 1)))
    return r


def render(reply: Any) -> str:
    """The reply drawn as terminal text: cards, ``[N]`` buttons and ``N)`` quick replies."""
    return "\n".join(_render(reply).lines)


def taps(reply: Any) -> tuple[list[Tap], list[Tap]]:
    """(buttons, quick replies) of a reply, numbered as :func:`render` shows them (1-based)."""
    r = _render(reply)
    return r.buttons, r.quick
