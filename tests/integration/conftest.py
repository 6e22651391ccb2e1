"""Integration fixtures: DynamoDB Local (Amazon's own engine), started once per session.

The engine is shared with the storage contract tests (tests/local_dynamodb.py);
every test here gets tables of its own under a unique prefix, so tests never see
each other's data. Without Java or the npm package these tests fail in CI and
are skipped elsewhere.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.storage.dynamo import DynamoStore, create_tables, delete_tables  # noqa: E402
from tests import local_dynamodb  # noqa: E402


@pytest.fixture(scope="session")
def dynamodb_local_endpoint() -> Iterator[str]:
    """The session's DynamoDB Local (shared with the storage contract tests)."""
    yield from local_dynamodb.session_endpoint()


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch, dynamodb_local_endpoint: str) -> Iterator[DynamoStore]:
    """A DynamoStore on DynamoDB Local with this test's own freshly created tables (dropped afterwards)."""
    local_dynamodb.use_tables(monkeypatch, dynamodb_local_endpoint, "it")
    try:
        create_tables()
        yield DynamoStore()
        delete_tables()
    finally:
        monkeypatch.undo()
        local_dynamodb.forget()
