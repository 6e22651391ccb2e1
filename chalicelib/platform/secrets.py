"""The skill secret from SSM Parameter Store, read once per container and again every few minutes.

The parameter (a SecureString named by ``HJ_SKILL_SECRET_PARAM``) holds the secret Kakao
sends in the ``X-Skill-Secret`` header. While a secret is being rotated it holds two lines,
the new one first and the old one second, and both are accepted: Kakao's admin centre
takes the new header only once the bot is deployed there, and requests in flight still
carry the old one. ``make rotate-secret`` writes both; ``FINISH=1`` keeps the new one alone.

The value is cached for REFRESH_SECONDS, so a finished rotation reaches every warm
container within that time without a call per request. A read that fails keeps the value
already held; with none held, the request is refused (503) and logged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

REFRESH_SECONDS = 300.0
CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 1.0


class SecretUnavailable(Exception):
    """No secret could be read, and none was held from before."""


def secrets_of(value: str) -> tuple[str, ...]:
    """The accepted secrets a parameter value holds: its non-empty lines, at most two (new, then old)."""
    return tuple(line.strip() for line in value.splitlines() if line.strip())[:2]


class CachedParameter:
    """One SecureString, read on first use and again after ``refresh`` seconds."""

    def __init__(
        self,
        name: str,
        region: str,
        refresh: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        client: Any = None,
    ) -> None:
        self.name, self.region, self.refresh, self.clock = name, region, refresh, clock
        self._client = client
        self._value: str | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def value(self) -> str:
        now = self.clock()
        if self._value is not None and now - self._read_at < self.refresh:
            return self._value
        with self._lock:
            if self._value is not None and self.clock() - self._read_at < self.refresh:
                return self._value
            try:
                client = self._ssm()
                answer = client.get_parameter(Name=self.name, WithDecryption=True)
                self._value, self._read_at = str(answer["Parameter"]["Value"]), self.clock()
            except Exception as exc:
                if self._value is None:
                    raise SecretUnavailable(self.name) from exc
                self._read_at = self.clock() - self.refresh / 2  # try again a little later
            return self._value

    def forget(self) -> None:
        """Read the parameter again on the next use (its value was refused: it was probably rotated)."""
        with self._lock:
            if self._value is not None:
                self._read_at = self.clock() - self.refresh

    def _ssm(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            cfg = Config(
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                read_timeout=READ_TIMEOUT_SECONDS,
                retries={"total_max_attempts": 2, "mode": "standard"},
            )
            self._client = boto3.client("ssm", region_name=self.region, config=cfg)
        return self._client
