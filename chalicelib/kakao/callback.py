"""Kakao's callback: a reply finished after the skill answered, POSTed to the request's one-time URL."""

from __future__ import annotations

import json
import logging
import urllib.parse
import urllib.request
from typing import Any

from chalicelib.domain.reply import Reply
from chalicelib.kakao.response import render

log = logging.getLogger("haengjeong")

CALLBACK_TIMEOUT = 5


def callback_allowed(url: str) -> bool:
    """Only Kakao's own HTTPS callback host may be called (no request forgery through the payload)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and (host == "kakao.com" or host.endswith(".kakao.com"))


def post_callback(url: str, body: dict[str, Any]) -> bool:
    """POST a skill response to Kakao's one-time callback URL; True when Kakao accepted it."""
    if not callback_allowed(url):
        return False
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    # Only https to Kakao's hosts gets here (callback_allowed): no file: or other schemes.
    headers = {"Content-Type": "application/json; charset=utf-8"}
    req = urllib.request.Request(url, data=data, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=CALLBACK_TIMEOUT) as resp:  # noqa: S310
            answer = json.loads(resp.read() or b"{}")
    except Exception:
        log.warning("callback failed")
        return False
    return str(answer.get("status", "")).upper() == "SUCCESS"


def deliver(url: str, reply: Reply) -> bool:
    """Send ``reply`` through the callback URL; True when Kakao took it."""
    return post_callback(url, render(reply))
