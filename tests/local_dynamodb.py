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

The tests' stores on the engine wait for its answer (:func:`patient`, :func:`store_on`):
the store's own limits are sized for DynamoDB from Lambda, and a JVM beside a test run
on two busy cores can take longer than them to answer a call it will answer.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chalicelib.service.budget import Timing
from chalicelib.storage.binding import DynamoConfig
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.dynamo_setup import create_tables, delete_tables
from scripts import engines

ENDPOINT_VARIABLE = "HJ_TEST_DYNAMODB_ENDPOINT"
REGION = "ap-northeast-2"
CREDENTIALS = ("testing", "testing")  # DynamoDB Local (-sharedDb) accepts any

# How long a test's store waits for DynamoDB Local. The deployed store gives up after 0.5 s to connect and 1 s to
# read, with one retry (chalicelib/storage/names.py), and a message starts no call that could end after 4.5 s
# (chalicelib/service/budget.py), so that Kakao gets an answer within its 5 s whatever DynamoDB does; those limits
# and what the bot says when they are reached are tested on fakes (tests/unit/test_faults.py,
# tests/functional/test_faults_http.py). On DynamoDB Local a late answer is a busy machine, not a fault: with the
# deployed limits a write the engine was still applying timed out, was sent again and met its own first attempt
# (a conflict, or "Read timeout" in the test). The tests' stores wait thirty times as long, and a chat on the
# engine has no deadline (ENGINE_TIMING). A hung engine still fails the test, naming the call, within
# (1 + RETRIES) * (CONNECT + READ) seconds, under two minutes; the retries are botocore's (standard mode: a
# refused or reset connection, and a timeout).
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 30.0
RETRIES = 2
# The time budget of a bot on the engine (tests/harness.py's Chat uses it): any call may start, and each ends
# within the timeouts above.
ENGINE_TIMING = Timing(
    reply_within=math.inf, store_call=(1 + RETRIES) * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS)
)

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
    config = DynamoConfig.for_prefix(prefix, REGION, endpoint, CREDENTIALS)
    return config._replace(limits=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS, RETRIES))


def patient(store: DynamoStore) -> DynamoStore:
    """``store``, waiting for the engine's answer as long as :data:`READ_TIMEOUT_SECONDS` (see above).

    Its client (every table and transaction goes through it) has the longer waits if its configuration names them
    (:func:`config_for`); its push log gets a client with the same.
    """
    assert store.config.waits == (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS, RETRIES), "not an engine's config"
    pushes = store.push_log()
    assert pushes._client is None, "the push log has sent a request already: its client keeps the old timeouts"
    pushes._client = patient_client(store.config)
    return store


def patient_client(config: DynamoConfig) -> Any:
    """A low-level DynamoDB client on the engine ``config`` names, with the timeouts above."""
    import boto3
    from botocore.config import Config

    patience = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"total_max_attempts": 1 + RETRIES, "mode": "standard"},
    )
    return boto3.client(
        "dynamodb",
        region_name=config.region,
        endpoint_url=config.endpoint,
        aws_access_key_id=CREDENTIALS[0],
        aws_secret_access_key=CREDENTIALS[1],
        config=patience,
    )


def store_on(endpoint: str, prefix: str) -> DynamoStore:
    """A store (:func:`patient`) on the tables under ``prefix`` on the engine at ``endpoint``."""
    return patient(DynamoStore(config_for(endpoint, prefix)))


@contextmanager
def fresh_store(endpoint: str, prefix_head: str = "test") -> Iterator[DynamoStore]:
    """A store on newly created tables of its own on ``endpoint``; the tables are dropped afterwards."""
    store = store_on(endpoint, unique_prefix(prefix_head))
    create_tables(store)
    try:
        yield store
    finally:
        delete_tables(store)
