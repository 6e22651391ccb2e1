"""Fixtures shared by every test tier."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parent), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

# Tests never talk to AWS or to a developer's running local stack.
for var in ("AWS_ENDPOINT_URL", "HJ_DYNAMODB_ENDPOINT", "HJ_S3_ENDPOINT"):
    os.environ.pop(var, None)

from harness import Chat, Clock  # noqa: E402


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def chat(clock: Clock) -> Chat:
    return Chat(clock=clock)
