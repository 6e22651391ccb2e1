"""Canned Kakao skill requests, one file per shape the skill server really receives.

* ``channel_text``       real channel, typed text on the fallback block
* ``channel_quickreply`` real channel, a quick reply tap (``clientExtra`` set)
* ``channel_callback``   real channel, block with the callback option (``callbackUrl``)
* ``bot_test``           봇 테스트 in the console (surface BuilderBotTest, only botUserKey)
* ``skill_test``         스킬 테스트 console (accountId, 6-digit id, ``lang: null``)
* ``legacy_2018``        2018 CBT-era payload (``skillOption``, accountId/talkUserId)

Ids are made up but shaped like real ones (see docs/kakao-protocol.md, "What a request carries").
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NAMES = ("channel_text", "channel_quickreply", "channel_callback", "bot_test", "skill_test", "legacy_2018")

_UNSET: Any = object()


@cache
def _load(name: str) -> str:
    return (HERE / f"{name}.json").read_text(encoding="utf-8")


def event(name: str, utterance: str | None = _UNSET, user_id: str | int | None = _UNSET) -> dict[str, Any]:
    """A fresh copy of the named request, with the utterance and/or user id replaced.

    The user id is replaced everywhere the shape repeats it (``botUserKey`` and
    ``bot_user_key`` properties), as Kakao would send it for that user.
    """
    body = json.loads(_load(name))
    ureq = body["userRequest"]
    if utterance is not _UNSET:
        ureq["utterance"] = utterance
    if user_id is not _UNSET:
        user = ureq["user"]
        old = user.get("id")
        user["id"] = user_id
        props = user.get("properties") or {}
        for k in ("botUserKey", "bot_user_key"):
            if k in props and props[k] == old:
                props[k] = user_id
    return body


def raw(name: str) -> str:
    """The file's text as stored (for byte-level tests)."""
    return _load(name)


__all__ = ["NAMES", "event", "raw"]
