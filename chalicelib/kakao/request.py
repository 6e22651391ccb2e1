"""Kakao skill request JSON -> a small typed object.

Accepts the real channel, 봇 테스트 and 스킬 테스트 shapes (docs/kakao-protocol.md, "What a request
carries"). Anything that is not a usable request raises :class:`BadRequest` (the route answers 400).

A message the bot sent first (service.pushing) comes back as an ordinary request of the event block,
with the push's data in ``userRequest.params`` (docs/kakao-protocol.md, "Pushes"): each key of
:data:`EVENT_PARAMS` becomes the request's ``client_extra``, as a tapped quick reply's would, which
the conversation turns into the right reply.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any, NamedTuple

MAX_BODY_BYTES = 64 * 1024
MAX_USER_ID = 128
MAX_UTTERANCE = 1000
MAX_EVENT_VALUE = 64
MAX_BOT_ID = 64

# What an event the bot sends may carry in userRequest.params: an 알림 (a survey id), a survey that opened
# by itself, a closed survey's summary, a file finished in the background. Every kind service.pushing sends
# must be here (tests/functional/test_event_contract.py).
EVENT_PARAMS = ("remind", "opened", "summary", "file")


class BadRequest(ValueError):
    """The body is not a Kakao skill request we can answer."""


class SkillRequest(NamedTuple):
    """One parsed request (a NamedTuple: it is defined on every cold start and built on every message)."""

    user_key: str
    utterance: str
    callback_url: str  # "" unless Kakao gave an https callback URL
    surface: str
    client_extra: dict[str, Any]  # a tapped quick reply's extra; {} when none
    bot_id: str = ""  # bot.id as Kakao sends it (the Event API's bot id; a development channel's ends with "!")


def clean_text(text: str, limit: int = MAX_UTTERANCE) -> str:
    """Normalise an utterance: NFC, control characters dropped, whitespace collapsed, length capped."""
    text = "".join(" " if ch in "\t\r\n" else ch for ch in text if ch in "\t\r\n" or unicodedata.category(ch)[0] != "C")
    text = unicodedata.normalize("NFC", text)  # after dropping: a removed char may have split a jamo sequence
    text = " ".join(text.split())
    return text[:limit].rstrip()


def _printable_without_spaces(text: str) -> bool:
    """No control, format, unassigned or private character (category C) and no separator (Z): Kakao's keys are
    ASCII, where that is printable without a space."""
    if text.isascii():
        return text.isprintable() and " " not in text
    return not any(unicodedata.category(ch)[0] in "CZ" for ch in text)


def parse_request(body: Any) -> SkillRequest:
    """Parse bytes, str or an already-decoded dict into a SkillRequest."""
    if isinstance(body, (bytes, bytearray)):
        if len(body) > MAX_BODY_BYTES:
            raise BadRequest("body too large")
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest("body is not UTF-8") from exc
    if isinstance(body, str):
        if len(body.encode("utf-8")) > MAX_BODY_BYTES:
            raise BadRequest("body too large")
        try:
            body = json.loads(body)
        except ValueError as exc:
            raise BadRequest("body is not JSON") from exc
        except RecursionError as exc:  # e.g. 60 KB of "[": deeper than the parser goes
            raise BadRequest("body nests too deeply") from exc
    if not isinstance(body, dict):
        raise BadRequest("body is not a JSON object")
    ureq = body.get("userRequest")
    if not isinstance(ureq, dict):
        raise BadRequest("userRequest missing")
    user = ureq.get("user")
    if not isinstance(user, dict):
        raise BadRequest("userRequest.user missing")
    user_id = user.get("id")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)  # skill-test console ids are numeric
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_USER_ID:
        raise BadRequest("userRequest.user.id invalid")
    if not _printable_without_spaces(user_id):
        raise BadRequest("userRequest.user.id invalid")
    utterance = ureq.get("utterance", "")
    if utterance is None:
        utterance = ""
    if not isinstance(utterance, str):
        raise BadRequest("userRequest.utterance invalid")
    callback = ureq.get("callbackUrl") or ""
    if not isinstance(callback, str):
        callback = ""
    params = _object(ureq.get("params"))
    surface = params.get("surface", "") if isinstance(params.get("surface", ""), str) else ""
    extra = _object(_object(body.get("action")).get("clientExtra"))
    for event in EVENT_PARAMS:  # an event Kakao delivers (see EVENT_PARAMS)
        value = params.get(event)
        if not extra and isinstance(value, str) and 0 < len(value) <= MAX_EVENT_VALUE:
            extra = {event: value}
    bot = _object(body.get("bot")).get("id")
    return SkillRequest(
        user_key=user_id.strip(),
        utterance=clean_text(utterance),
        callback_url=callback if callback.startswith("https://") else "",
        surface=surface,
        client_extra=extra,
        bot_id=bot if isinstance(bot, str) and len(bot) <= MAX_BOT_ID and bot.isprintable() else "",
    )


def _object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (a field of the wrong type is ignored)."""
    return value if isinstance(value, dict) else {}


def short_key(user_key: str) -> str:
    """A user key shortened for logs (never log the full key)."""
    import hashlib

    return hashlib.sha256(user_key.encode("utf-8")).hexdigest()[:12]
