"""Fixtures for the storage contract tests.

``store`` runs each contract test against MemoryStore, DynamoStore on moto and
DynamoStore on DynamoDB Local (Amazon's own engine). DynamoDB Local is started
once per session on a free port (tests/local_dynamodb.py), or taken from
HJ_TEST_DYNAMODB_ENDPOINT when that names a running one. Without Java or the
npm package the DynamoDB Local variants fail in CI and are skipped elsewhere.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run from the repo root without installing the package
    sys.path.insert(0, str(ROOT))

from moto import mock_aws  # noqa: E402

from chalicelib import config  # noqa: E402
from chalicelib.storage import tables  # noqa: E402
from chalicelib.storage.dynamo import DynamoStore, create_tables, delete_tables  # noqa: E402
from chalicelib.storage.memory import MemoryStore  # noqa: E402
from tests import local_dynamodb  # noqa: E402

def isolate_environment(monkeypatch: pytest.MonkeyPatch, endpoint: str = "") -> str:
    """Dummy credentials, a unique table prefix, fresh settings and unbound models (returns the prefix)."""
    return local_dynamodb.use_tables(monkeypatch, endpoint)


def _restore(monkeypatch: pytest.MonkeyPatch) -> None:
    # Undo the environment before clearing caches so nothing keeps the test's settings.
    monkeypatch.undo()
    config.reset()
    tables.unbind_models()


@pytest.fixture
def moto_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoStore]:
    """A DynamoStore on freshly created tables inside moto's mock_aws."""
    isolate_environment(monkeypatch)
    try:
        with mock_aws():
            create_tables()
            yield DynamoStore()
    finally:
        _restore(monkeypatch)


@pytest.fixture(scope="session")
def dynamodb_local_endpoint() -> Iterator[str]:
    """The session's DynamoDB Local (shared with the integration tier)."""
    yield from local_dynamodb.session_endpoint()


@pytest.fixture
def local_store(monkeypatch: pytest.MonkeyPatch, dynamodb_local_endpoint: str) -> Iterator[DynamoStore]:
    """A DynamoStore on DynamoDB Local, on tables of its own (dropped afterwards)."""
    isolate_environment(monkeypatch, dynamodb_local_endpoint)
    try:
        create_tables()
        yield DynamoStore()
        delete_tables()
    finally:
        _restore(monkeypatch)


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
