"""HTTP glue for the skill endpoint: secret check, parsing, rendering, one log line.

Kept apart from app.py so the same function serves Chalice, tests and the local server.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.reply import Reply
from chalicelib.domain.vocabulary import word_of
from chalicelib.kakao.request import BadRequest, parse_request, short_key
from chalicelib.kakao.response import render
from chalicelib.platform.logsafe import failure, info_line
from chalicelib.platform.metrics import emf, emf_parts, of_message
from chalicelib.service.bot import Bot

log = logging.getLogger("haengjeong")

SORRY = "앗, 처리 중에 문제가 생겼어요. 잠시 후 다시 보내 주세요."


def secret_given(headers: Mapping[str, str]) -> bool:
    """Whether the request carries a non-empty X-Skill-Secret header at all (no secret needs reading to say no)."""
    return any(k.lower() == "x-skill-secret" and (v or "").strip() for k, v in headers.items())


def secret_ok(headers: Mapping[str, str], secret: str | tuple[str, ...]) -> bool:
    """Constant-time comparison of the X-Skill-Secret header with the accepted secret(s) (two while one is
    being rotated); an unset secret refuses everything."""
    given = ""
    for k, v in headers.items():
        if k.lower() == "x-skill-secret":
            given = v or ""
            break
    accepted = (secret,) if isinstance(secret, str) else secret
    ok = False
    for s in accepted:
        if not s or s.startswith("REPLACE-ME"):  # unset or a placeholder: never matches
            continue
        ok |= hmac.compare_digest(given.encode("utf-8", "replace"), s.encode("utf-8"))
    return ok


def handle_skill(
    headers: Mapping[str, str], body: Any, bot: Bot, secret: str | tuple[str, ...]
) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) for one POST /skill."""
    if not secret_ok(headers, secret):
        log.warning("skill request refused", extra={"reason": "secret"})
        return 401, {"error": "unauthorized"}
    try:
        req = parse_request(body)
    except BadRequest as exc:
        log.warning("bad skill request", extra={"reason": str(exc)})
        return 400, {"error": "bad request", "detail": str(exc)}
    try:
        reply, facts = bot.handle(req.user_key, req.utterance, req.callback_url, req.client_extra)
    except Exception as exc:  # a bug must still give the member a bubble, not a 500
        log.error(
            "skill handler failed",
            extra={"user": short_key(req.user_key), **failure(exc), **emf({"Messages": 1, "HandlerErrors": 1})},
        )
        return 200, render(Reply.say(SORRY, quick=["메뉴"]))
    # The line per message: who (a short key), the command word, outcome, latency; and the same as metrics.
    # Written straight to the JSON stream with the metric block spliced in (logsafe.info_line): a message's line
    # costs one json.dumps of a few fields, as a plain line does.
    fields = {
        "user": short_key(req.user_key),
        "cmd": word_of(req.utterance),
        "bot": req.bot_id,  # not personal: the id operators copy into HJ_BOT_ID
        **facts,
    }
    counted = of_message(facts)
    figures, block = emf_parts(counted)
    if not info_line(log, "skill", "handle_skill", {**fields, **figures}, block):
        log.info("skill", extra={**fields, **emf(counted)})
    return 200, render(reply)
