"""Where a store's tables live (:class:`DynamoConfig`) and the client that talks to them (:func:`client_for`).

The models bound to those tables are :class:`chalicelib.storage.bound.Tables`, made on the first read or write that
needs them; the person's item, the listing, a survey and an answer are read and written as raw items through this
module's client, so a member's messages import nothing of pynamodb's models (docs/performance.md).
"""

from __future__ import annotations

from typing import Any, NamedTuple

# Imported with the store, not on its first call: the first message makes this client (and the secrets' client,
# which needs the same session), and Lambda runs a function's imports before the first request, at full speed.
from botocore.session import get_session

from chalicelib.storage.names import CONNECT_TIMEOUT_SECONDS, MAX_RETRIES, READ_TIMEOUT_SECONDS

POOL_SIZE = 10  # kept-alive connections per store (pynamodb's default, which the store had before)


class DynamoConfig(NamedTuple):
    """Where a store's four tables live (a NamedTuple: every process builds one as it wires the bot)."""

    users_table: str
    surveys_table: str
    answers_table: str
    audit_table: str
    region: str
    endpoint: str = ""  # "" = AWS; else a local engine's URL
    credentials: tuple[str, str] | None = None  # (key id, secret) for a local engine; None = the usual chain
    roster_table: str = ""  # "" = the users table's name with "-roster" for "-users"
    # How long after a change of people a census may be kept (domain.census): the indexes' copies lag their table
    # by a moment on AWS; a local engine updates them with the write. None: 30 s on AWS, 0 on a local engine.
    index_lag: float | None = None
    # True: calls go through botocore's client, which an in-process AWS fake intercepts (the tests' moto); False:
    # through the store's own wire client (chalicelib.storage.wire), a third of the SDK's CPU per call.
    sdk: bool = False
    # How long the client waits and how often it tries again: (connect seconds, read seconds, retries). None: the
    # store's own limits (storage.names), sized for DynamoDB from Lambda within Kakao's 5 s; an engine on a busy
    # test machine may be given more.
    limits: tuple[float, float, int] | None = None

    @property
    def waits(self) -> tuple[float, float, int]:
        return self.limits or (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS, MAX_RETRIES)

    @property
    def settle_seconds(self) -> float:
        if self.index_lag is not None:
            return self.index_lag
        return 0.0 if self.endpoint else 30.0

    @property
    def roster(self) -> str:
        if self.roster_table:
            return self.roster_table
        base = self.users_table[: -len("-users")] if self.users_table.endswith("-users") else self.users_table
        return f"{base}-roster"

    @classmethod
    def for_prefix(
        cls,
        prefix: str,
        region: str,
        endpoint: str = "",
        credentials: tuple[str, str] | None = None,
        sdk: bool = False,
    ) -> DynamoConfig:
        """The tables ``<prefix>-users``, ``-surveys``, ``-answers``, ``-audit`` and ``-roster``."""
        return cls(
            f"{prefix}-users",
            f"{prefix}-surveys",
            f"{prefix}-answers",
            f"{prefix}-audit",
            region,
            endpoint,
            credentials,
            f"{prefix}-roster",
            sdk=sdk,
        )


def client_for(config: DynamoConfig) -> Any:
    """The store's DynamoDB client: its own wire client (:mod:`chalicelib.storage.wire`), or botocore's when
    ``config.sdk`` asks for it. Made with the store's timeouts, retries and pool; it connects on the first call.
    Credentials are the configuration's (a local engine) or the usual chain, read when a call is signed; the waits
    are the configuration's (:attr:`DynamoConfig.waits`)."""
    session = get_session()
    if config.credentials:
        session.set_credentials(*config.credentials)

    connect, read, retries = config.waits

    def sdk() -> Any:
        from botocore.config import Config

        settings = Config(
            parameter_validation=False,
            connect_timeout=connect,
            read_timeout=read,
            max_pool_connections=POOL_SIZE,
            retries={"total_max_attempts": 1 + retries, "mode": "standard"},
        )
        return session.create_client("dynamodb", config.region, endpoint_url=config.endpoint or None, config=settings)

    if config.sdk:
        return sdk()
    from chalicelib.storage.wire import WireClient

    return WireClient(
        config.region,
        session.get_credentials,
        endpoint=config.endpoint,
        connect_timeout=connect,
        read_timeout=read,
        attempts=1 + retries,
        pool_size=POOL_SIZE,
        sdk=sdk,
    )
