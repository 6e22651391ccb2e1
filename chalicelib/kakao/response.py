"""Render a Reply into a Kakao skill response v2.0 that keeps every limit.

Limits (docs/kakao-protocol.md, "What a reply may hold"; Kakao's table is its source [K1]): 1–3 outputs,
≤ 10 quick replies, simpleText ≤ 1000 chars, textCard title ≤ 50 and title+description ≤ 400, ≤ 3 buttons with
labels ≤ 14, the whole body ≤ 30 KB. No code path can emit more: texts are split
or trimmed here, quick replies cut, labels shortened (the sent text stays whole).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.reply import Button, Card, Quick, Reply

MAX_OUTPUTS = 3
MAX_QUICK = 10
MAX_TEXT = 1000
MAX_CARD_TITLE = 50
MAX_CARD_TOTAL = 400
MAX_BUTTONS = 3
MAX_LABEL = 14
MAX_BYTES = 30 * 1024
MAX_MESSAGE_TEXT = 1000
ELLIPSIS = "…"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at line breaks (or hard-cut very long lines) into chunks of at most ``limit`` chars."""
    chunks: list[str] = []
    cur = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if cur:
                chunks.append(cur)
                cur = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{cur}\n{line}" if cur else line
        if len(candidate) > limit:
            chunks.append(cur)
            cur = line
        else:
            cur = candidate
    if cur or not chunks:
        chunks.append(cur)
    return [c for c in chunks if c.strip()] or ["…"]


def _button(b: Button) -> dict[str, Any]:
    label = _cut(b.label, MAX_LABEL)
    if b.url:
        return {"label": label, "action": "webLink", "webLinkUrl": b.url}
    return {"label": label, "action": "message", "messageText": _cut(b.message or b.label, MAX_MESSAGE_TEXT)}


def _card(c: Card) -> dict[str, Any]:
    title = _cut(c.title, MAX_CARD_TITLE)
    desc = _cut(c.description, max(0, MAX_CARD_TOTAL - len(title)))
    card: dict[str, Any] = {"title": title}
    if desc:
        card["description"] = desc
    if c.buttons:
        card["buttons"] = [_button(b) for b in c.buttons[:MAX_BUTTONS]]
        card["buttonLayout"] = "vertical"
    return {"textCard": card}


def _quick(q: Quick) -> dict[str, Any]:
    out: dict[str, Any] = {
        "label": _cut(q.label, MAX_LABEL),
        "action": "message",
        "messageText": _cut(q.text, MAX_MESSAGE_TEXT),
    }
    if q.extra:
        out["extra"] = q.extra
    return out


def _apart(quick: list[Quick], out: list[dict[str, Any]]) -> None:
    """Quick replies whose labels differ but come out the same once cut show where they differ instead: the
    head, then from just before the first differing character ('양념치킨 …즈 A', '양념치킨 …즈 B')."""
    for label in {o["label"] for o in out}:
        same = [n for n, o in enumerate(out) if o["label"] == label]
        full = {quick[n].label for n in same}
        if len(full) < 2:
            continue
        low, high = min(full), max(full)  # their common start is that of all of them
        p = next((i for i, (a, b) in enumerate(zip(low, high, strict=False)) if a != b), len(low))
        for n in same:
            out[n]["label"] = _cut(quick[n].label[:5] + ELLIPSIS + quick[n].label[max(5, p - 2) :], MAX_LABEL)


def render(reply: Reply) -> dict[str, Any]:
    """The skill response JSON (a dict) for a Reply, within Kakao's limits."""
    if reply.use_callback:
        return {"version": "2.0", "useCallback": True, "data": {"text": _cut("\n".join(reply.texts), MAX_TEXT)}}
    slots = MAX_OUTPUTS - (1 if reply.card else 0)
    chunks: list[str] = []
    for t in reply.texts:
        chunks.extend(split_text(t))
    if len(chunks) > slots:
        kept = chunks[:slots]
        kept[-1] = _cut(kept[-1], MAX_TEXT - 12) + "\n(이하 생략)"
        chunks = kept
    if not chunks and not reply.card:
        chunks = ["무엇을 도와드릴까요?"]
    outputs: list[dict[str, Any]] = [{"simpleText": {"text": c}} for c in chunks]
    if reply.card:
        outputs.append(_card(reply.card))
    template: dict[str, Any] = {"outputs": outputs}
    # Every reply offers a next step: a reply without quick replies still gets 메뉴.
    offered = reply.quick[:MAX_QUICK] or [Quick("메뉴")]
    quick = [_quick(q) for q in offered]
    _apart(offered, quick)
    if quick:
        template["quickReplies"] = quick
    body = {"version": "2.0", "template": template}
    # 30 KB: only reachable with pathological text; shrink the texts until it fits (bounded),
    # and fall back to a plain notice if even that is not enough (e.g. absurd link lengths).
    for _ in range(24):
        if len(json.dumps(body, ensure_ascii=False).encode("utf-8")) <= MAX_BYTES:
            return body
        for o in outputs:
            if "simpleText" in o:
                o["simpleText"]["text"] = _cut(o["simpleText"]["text"], max(20, len(o["simpleText"]["text"]) // 2))
        if template.get("quickReplies"):
            template["quickReplies"] = template["quickReplies"][:-1]
    if len(json.dumps(body, ensure_ascii=False).encode("utf-8")) > MAX_BYTES:
        body = {
            "version": "2.0",
            "template": {
                "outputs": [{"simpleText": {"text": "답이 너무 길어 보여 드릴 수 없어요."}}],
                "quickReplies": [_quick(Quick("메뉴"))],
            },
        }
    return body


def validate(body: dict[str, Any]) -> list[str]:
    """Problems of a skill response against Kakao's limits ([] when valid). Used by tests."""
    problems: list[str] = []
    if body.get("version") != "2.0":
        problems.append("version")
    size = len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
    if size > MAX_BYTES:
        problems.append(f"size {size}")
    if body.get("useCallback") is True:
        text = body.get("data", {}).get("text", "")
        return problems + ([] if isinstance(text, str) and len(text) <= MAX_TEXT else ["callback text"])
    tpl = body.get("template")
    if not isinstance(tpl, dict):
        return [*problems, "template"]
    outs = tpl.get("outputs")
    if not isinstance(outs, list) or not 1 <= len(outs) <= MAX_OUTPUTS:
        problems.append("outputs count")
        outs = outs if isinstance(outs, list) else []
    for o in outs:
        if not isinstance(o, dict) or len(o) != 1:
            problems.append("output shape")
            continue
        kind, val = next(iter(o.items()))
        if kind == "simpleText":
            text = val.get("text", "")
            if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
                problems.append("simpleText length")
        elif kind == "textCard":
            title = val.get("title", "")
            desc = val.get("description", "")
            if not (title or desc) or len(title) > MAX_CARD_TITLE or len(title) + len(desc) > MAX_CARD_TOTAL:
                problems.append("textCard text")
            buttons = val.get("buttons", [])
            if len(buttons) > MAX_BUTTONS:
                problems.append("buttons count")
            for b in buttons:
                if not b.get("label") or len(b["label"]) > MAX_LABEL:
                    problems.append("button label")
                if b.get("action") == "webLink" and not str(b.get("webLinkUrl", "")).startswith(
                    ("http://", "https://")
                ):
                    problems.append("button link")
                if b.get("action") == "message" and not b.get("messageText"):
                    problems.append("button message")
        else:
            problems.append(f"unexpected output {kind}")
    qrs = tpl.get("quickReplies", [])
    if len(qrs) > MAX_QUICK:
        problems.append("quickReplies count")
    for q in qrs:
        if not q.get("label") or len(q["label"]) > MAX_LABEL:
            problems.append("quickReply label")
        if q.get("action") != "message" or not q.get("messageText"):
            problems.append("quickReply action")
    return problems
