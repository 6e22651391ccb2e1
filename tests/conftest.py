"""Fixtures shared by every test tier.

``chat`` drives the bot over a store chosen by ``chat_store``: MemoryStore, and for
tests marked ``every_store`` (the flows that lean on the store) also DynamoDB Local,
on tables of the test's own. ``pytest -m "not dynamodb_local"`` leaves the DynamoDB
Local runs out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import local_dynamodb
import pytest
from harness import Chat, Clock

from chalicelib.domain.ports import Store
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.memory import MemoryStore

# Tests never talk to AWS or to a developer's running local stack.
for var in ("AWS_ENDPOINT_URL", "HJ_DYNAMODB_ENDPOINT", "HJ_S3_ENDPOINT"):
    os.environ.pop(var, None)

CHAT_STORES = ["memory", pytest.param("dynamodb-local", marks=pytest.mark.dynamodb_local)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("every_store") is None:
        return
    if "chat_store" not in metafunc.fixturenames:
        raise TypeError(f"{metafunc.definition.nodeid} is marked every_store but takes no chat")
    metafunc.parametrize("chat_store", CHAT_STORES, indirect=True)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def chat_store(request: pytest.FixtureRequest) -> Store:
    """MemoryStore, or on the ``dynamodb-local`` run of an ``every_store`` test a DynamoStore on DynamoDB Local."""
    if getattr(request, "param", "memory") == "memory":
        return MemoryStore()
    store: DynamoStore = request.getfixturevalue("dynamodb_local_store")
    return store


@pytest.fixture
def chat(chat_store: Store, clock: Clock) -> Chat:
    return Chat(store=chat_store, clock=clock)


@pytest.fixture(scope="session")
def dynamodb_local_endpoint() -> Iterator[str]:
    """The session's DynamoDB Local (started on first use, stopped at the end)."""
    yield from local_dynamodb.session_endpoint()


@pytest.fixture
def dynamodb_local_store(dynamodb_local_endpoint: str) -> Iterator[DynamoStore]:
    """A DynamoStore on DynamoDB Local, on tables of its own (dropped afterwards)."""
    with local_dynamodb.fresh_store(dynamodb_local_endpoint) as store:
        yield store
