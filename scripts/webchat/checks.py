"""What breaks Kakao's limits in a reply: the web chat (:mod:`scripts.webchat.server`) shows each problem beside the
reply that has it."""

from __future__ import annotations

from typing import Any

# What Kakao's documented limits allow of the outputs chalicelib.kakao.response.validate does not walk (the bot
# sends only simpleText and textCard, and validate calls anything else unexpected); docs/kakao-protocol.md,
# "What a reply may hold".
CARD_KINDS = ("basicCard", "listCard", "carousel", "simpleImage", "commerceCard", "itemCard")
CAROUSEL_TYPES = ("basicCard", "commerceCard", "listCard", "itemCard", "textCard")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _buttons_problems(card: dict[str, Any], where: str) -> list[str]:
    buttons = card.get("buttons") or []
    if not isinstance(buttons, list):
        return [f"{where} buttons"]
    horizontal = card.get("buttonLayout") == "horizontal" or (
        "buttonLayout" not in card and card.get("fixedRatio") is True
    )
    problems = [f"{where} buttons count"] if len(buttons) > (2 if horizontal else 3) else []
    for b in buttons:
        if not isinstance(b, dict) or not _text(b.get("label")) or len(b["label"]) > 14:
            problems.append(f"{where} button label")
        elif b.get("action") == "webLink" and not _text(b.get("webLinkUrl")).startswith(("http://", "https://")):
            problems.append(f"{where} button link")
        elif b.get("action") == "message" and not _text(b.get("messageText")):
            problems.append(f"{where} button message")
    return problems


def _card_problems(kind: str, card: Any, in_carousel: bool = False) -> list[str]:
    if not isinstance(card, dict):
        return [f"{kind} shape"]
    problems: list[str] = []
    title, desc = _text(card.get("title")), _text(card.get("description"))
    if kind == "basicCard":
        thumb = card.get("thumbnail")
        if not isinstance(thumb, dict) or not _text(thumb.get("imageUrl")):
            problems.append("basicCard thumbnail")
        if len(title) > 50 or len(desc) > 230:
            problems.append("basicCard text")
    elif kind == "textCard":  # inside a carousel: validate checks the top-level ones
        if not (title or desc) or len(title) > 50 or len(desc) > 128:
            problems.append("textCard text")
    elif kind == "listCard":
        header = card.get("header")
        items = card.get("items")
        if not isinstance(header, dict) or not _text(header.get("title")):
            problems.append("listCard header")
        if not isinstance(items, list) or not 1 <= len(items) <= (4 if in_carousel else 5):
            problems.append("listCard items count")
        elif not all(isinstance(i, dict) and _text(i.get("title")) for i in items):
            problems.append("listCard item title")
    elif kind == "commerceCard":
        thumbs = card.get("thumbnails")
        if not isinstance(thumbs, list) or len(thumbs) != 1:
            problems.append("commerceCard thumbnails")
        if not isinstance(card.get("price"), int) or len(title) > 30 or len(desc) > 40:
            problems.append("commerceCard text")
    elif kind == "itemCard":
        rows = card.get("itemList")
        if not isinstance(rows, list) or not 1 <= len(rows) <= (5 if in_carousel else 10):
            problems.append("itemCard itemList count")
    elif kind == "simpleImage":
        if not _text(card.get("imageUrl")).startswith(("http://", "https://")) or len(_text(card.get("altText"))) > 50:
            problems.append("simpleImage")
        return problems
    return problems + _buttons_problems(card, kind)


def _carousel_problems(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["carousel shape"]
    kind = body.get("type")
    items = body.get("items")
    if kind not in CAROUSEL_TYPES:
        return ["carousel type"]
    if not isinstance(items, list) or not 1 <= len(items) <= (5 if kind == "listCard" else 10):
        return ["carousel items count"]
    return [p for item in items for p in _card_problems(str(kind), item, in_carousel=True)]


def kakao_problems(reply: dict[str, Any]) -> list[str]:
    """What of a skill response breaks Kakao's limits: the project's own check
    (:func:`chalicelib.kakao.response.validate`), plus the cards it does not walk."""
    from chalicelib.kakao.response import validate

    try:
        problems = validate(reply)
    except (AttributeError, TypeError, KeyError) as e:  # a reply of a shape validate cannot walk
        return [f"unreadable reply ({type(e).__name__})"]
    problems = [p for p in problems if p.removeprefix("unexpected output ") not in CARD_KINDS]
    template = reply.get("template")
    outputs = template.get("outputs") if isinstance(template, dict) else None
    for output in outputs if isinstance(outputs, list) else []:
        if isinstance(output, dict) and len(output) == 1:
            ((kind, body),) = output.items()
            if kind == "carousel":
                problems += _carousel_problems(body)
            elif kind in CARD_KINDS:
                problems += _card_problems(kind, body)
    return problems
