"""One DynamoDB Local for the whole test session, and tables of their own for every test on it.

The session fixture ``dynamodb_local_endpoint`` (tests/conftest.py) calls
:func:`session_endpoint`: the engine is started the first time a test needs it
and stopped at the end of the session, so a run starts one JVM at most.

* ``HJ_TEST_DYNAMODB_ENDPOINT`` set: that engine is used and nothing is started.
* Java or the npm package missing: the tests that need the engine fail when
  ``CI`` is set (CI installs both; a silent skip would hide the whole tier) and
  are skipped with the reason on a developer's machine.

Tables are never shared between tests: :func:`fresh_store` gives each caller a
store on tables under a unique prefix.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest

from chalicelib.storage.binding import DynamoConfig
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.dynamo_setup import create_tables, delete_tables
from scripts import engines

ENDPOINT_VARIABLE = "HJ_TEST_DYNAMODB_ENDPOINT"
REGION = "ap-northeast-2"
CREDENTIALS = ("testing", "testing")  # DynamoDB Local (-sharedDb) accepts any

# Variables that would point boto3/pynamodb (here or in a server the tests start) somewhere else
# than the engine under test.
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
    "HJ_ROSTER_TABLE",
    "HJ_REGISTRATION",
    "HJ_EXPORT_QUEUE",
    "AWS_LAMBDA_FUNCTION_NAME",
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    message = f"DynamoDB Local is not available: {reason}"
    if in_ci():
        pytest.fail(message + " (CI is set: the tests on DynamoDB Local must run here)", pytrace=False)
    pytest.skip(message)


def session_endpoint() -> Iterator[str]:
    """Body of the session fixture: yields the endpoint of the configured or a freshly started DynamoDB Local."""
    configured = os.environ.get(ENDPOINT_VARIABLE, "")
    if configured:
        yield configured
        return
    try:
        engine = engines.start_dynamodb_local()
    except engines.EngineUnavailable as e:
        _unavailable(str(e))
        return
    try:
        yield engine.endpoint
    finally:
        engine.stop()


def unique_prefix(head: str = "test") -> str:
    return f"{head}-{uuid.uuid4().hex[:12]}"


def config_for(endpoint: str, prefix: str) -> DynamoConfig:
    """The tables under ``prefix`` on the engine at ``endpoint``."""
    return DynamoConfig.for_prefix(prefix, REGION, endpoint, CREDENTIALS)


@contextmanager
def fresh_store(endpoint: str, prefix_head: str = "test") -> Iterator[DynamoStore]:
    """A store on newly created tables of its own on ``endpoint``; the tables are dropped afterwards."""
    store = DynamoStore(config_for(endpoint, unique_prefix(prefix_head)))
    create_tables(store)
    try:
        yield store
    finally:
        delete_tables(store)
