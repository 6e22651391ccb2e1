"""Fixtures for the storage contract tests.

``store`` runs each contract test against MemoryStore, DynamoStore on moto and
DynamoStore on DynamoDB Local (Amazon's own engine). DynamoDB Local is started
once per session on a free port (tests/local_dynamodb.py), or taken from
HJ_TEST_DYNAMODB_ENDPOINT when that names a running one. Without Java or the
npm package the DynamoDB Local variants fail in CI and are skipped elsewhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from moto import mock_aws

from chalicelib.storage.binding import DynamoConfig
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.dynamo_setup import create_tables
from chalicelib.storage.memory import MemoryStore

REGION = "ap-northeast-2"


@pytest.fixture
def moto_store() -> Iterator[DynamoStore]:
    """A DynamoStore on freshly created tables (under a unique prefix) inside moto's mock_aws."""
    config = DynamoConfig.for_prefix(
        f"test-{uuid.uuid4().hex[:12]}", REGION, credentials=("testing", "testing"), sdk=True
    )
    with mock_aws():
        store = DynamoStore(config)
        create_tables(store)
        yield store


@pytest.fixture
def local_store(dynamodb_local_store: DynamoStore) -> DynamoStore:
    """A DynamoStore on DynamoDB Local, on tables of its own (dropped afterwards)."""
    return dynamodb_local_store


_BACKENDS = ["memory", "moto", "dynamodb-local"]


@pytest.fixture(params=_BACKENDS)
def store(request: pytest.FixtureRequest) -> object:
    """Every Store implementation the contract holds to."""
    if request.param == "memory":
        return MemoryStore()
    if request.param == "moto":
        return request.getfixturevalue("moto_store")
    return request.getfixturevalue("local_store")


@pytest.fixture(params=_BACKENDS[1:])
def dynamo_store(request: pytest.FixtureRequest) -> DynamoStore:
    """DynamoStore on every engine (moto and DynamoDB Local)."""
    fixture = "moto_store" if request.param == "moto" else "local_store"
    return request.getfixturevalue(fixture)
