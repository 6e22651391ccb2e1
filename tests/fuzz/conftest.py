"""Fuzz tier: random and hostile input through the real route (chalice.test.Client + moto) and the core.

The HTTP fixtures are the functional tier's (moto's DynamoDB and S3, the app over chalice.test.Client).
Examples are derandomized so CI sees the same cases every run; hypothesis deadlines are off (moto's
latency varies with the machine).
"""

from __future__ import annotations

from tests.functional.conftest import aws, client, store  # noqa: F401
