"""One DynamoDB Local for the whole test session, shared by the storage contract and the integration tier.

The storage and integration conftests each declare a session fixture that calls
:func:`session_endpoint`; the engine is started by whichever runs first and
stopped when the last of them is torn down (at the end of the session), so a
run starts one JVM at most.

* ``HJ_TEST_DYNAMODB_ENDPOINT`` set: that engine is used and nothing is started.
* Java or the npm package missing: the tests that need the engine fail when
  ``CI`` is set (CI installs both; a silent skip would hide the whole tier) and
  are skipped with the reason on a developer's machine.

Tables are never shared between tests: :func:`use_tables` gives each caller a
unique table prefix.
"""
from __future__ import annotations

import os
import threading
import uuid
from typing import Iterator, Optional

import pytest

from chalicelib import config
from chalicelib.storage import tables
from scripts import engines

ENDPOINT_VARIABLE = "HJ_TEST_DYNAMODB_ENDPOINT"

# Variables that would point boto3/pynamodb somewhere else than the engine under test.
CLEARED = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_S3",
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "HJ_DYNAMODB_ENDPOINT",
    "HJ_S3_ENDPOINT",
    "HJ_USERS_TABLE",
    "HJ_SURVEYS_TABLE",
    "HJ_ANSWERS_TABLE",
    "HJ_AUDIT_TABLE",
    "HJ_EXPORT_QUEUE",
    "AWS_LAMBDA_FUNCTION_NAME",
)

_lock = threading.Lock()
_engine: Optional[engines.Engine] = None
_users = 0


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    message = f"DynamoDB Local is not available: {reason}"
    if in_ci():
        pytest.fail(message + " (CI is set: the integration tier must run here)", pytrace=False)
    pytest.skip(message)


def _acquire() -> str:
    global _engine, _users
    with _lock:
        if _engine is None:
            try:
                _engine = engines.start_dynamodb_local()
            except engines.EngineUnavailable as e:
                _unavailable(str(e))
        _users += 1
        assert _engine is not None
        return _engine.endpoint


def _release() -> None:
    global _engine, _users
    with _lock:
        _users -= 1
        if _users <= 0 and _engine is not None:
            _engine.stop()
            _engine = None
            _users = 0


def session_endpoint() -> Iterator[str]:
    """Body of a session fixture: yields the endpoint of the shared (or configured) DynamoDB Local."""
    configured = os.environ.get(ENDPOINT_VARIABLE, "")
    if configured:
        yield configured
        return
    endpoint = _acquire()
    try:
        yield endpoint
    finally:
        _release()


def use_tables(monkeypatch: pytest.MonkeyPatch, endpoint: str = "", prefix_head: str = "test") -> str:
    """Dummy credentials, a unique table prefix on ``endpoint`` ("" = moto), fresh settings, unbound models.

    Returns the table prefix. Undo with :func:`forget` after ``monkeypatch.undo()``.
    """
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-2")
    monkeypatch.setenv("AWS_REGION", "ap-northeast-2")
    prefix = f"{prefix_head}-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("HJ_TABLE_PREFIX", prefix)
    if endpoint:
        monkeypatch.setenv("HJ_DYNAMODB_ENDPOINT", endpoint)
    forget()
    return prefix


def forget() -> None:
    """Drop cached settings and the pynamodb binding (call after the environment changed)."""
    config.reset()
    tables.unbind_models()
