"""Handlers named by where they live, imported when first called: the admin's half of the conversation.

A member's messages (메뉴, 신청 목록, answers, 제출, 신청 취소) never run the wizard, the roster's upkeep, 현황, 알림 or
the admin's commands; a cold start used to import those modules anyway, because the tables that dispatch to them
named their functions. They name them with :func:`later` instead, and a container loads them when an admin first
needs them (docs/performance.md, *Cold start*). Everything ``later`` names is resolved by
``tests/unit/test_record.py``, so a renamed handler fails there, not on an admin's message.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

NAMED: list[str] = []  # every "module.function" handed to later(), for the test that resolves them all


def later(path: str) -> Callable[..., Any]:
    """The function ``path`` ("module.function", a module of chalicelib.domain), imported on its first call."""
    module, name = path.rsplit(".", 1)
    NAMED.append(path)
    found: list[Callable[..., Any]] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not found:
            found.append(getattr(importlib.import_module(f"chalicelib.domain.{module}"), name))
        return found[0](*args, **kwargs)

    call.__qualname__ = call.__name__ = f"later({path})"
    return call


def resolve_all() -> list[str]:
    """Import every handler named so far; the ones that do not exist."""
    missing = []
    for path in NAMED:
        module, name = path.rsplit(".", 1)
        if not callable(getattr(importlib.import_module(f"chalicelib.domain.{module}"), name, None)):
            missing.append(path)
    return missing
