"""Where a store's tables live (:class:`DynamoConfig`) and the schema's models bound to them (:class:`Tables`).

The models of :mod:`chalicelib.storage.tables` are the schema, with no table behind them; binding makes a
subclass of each per configuration, so nothing module-level is ever rebound and two stores of different
tables live side by side in one process.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, NamedTuple, TypeVar, cast

from pynamodb.connection import Connection
from pynamodb.models import Model

from chalicelib.storage.tables import (
    CONNECT_TIMEOUT_SECONDS,
    MAX_RETRIES,
    READ_TIMEOUT_SECONDS,
    AggregateItem,
    AnswerItem,
    AuditItem,
    ListingItem,
    RosterItem,
    SurveyItem,
    UserItem,
)
from chalicelib.storage.wire import WireClient


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


_M = TypeVar("_M", bound=Model)


class WireConnection(Connection):
    """pynamodb's connection, sending through the store's wire client (:mod:`chalicelib.storage.wire`).

    Like pynamodb's botocore client, the wire client is made on the first request, from the connection's settings
    then (region, endpoint, timeouts, retries, pool size, credentials), so they can be changed until it is used.
    """

    _making = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._making:
                if self._client is None:
                    self._client = WireClient(  # type: ignore[assignment]  # what pynamodb calls of it
                        self.region,
                        self.session.get_credentials,
                        endpoint=self.host or "",
                        connect_timeout=self._connect_timeout_seconds,
                        read_timeout=self._read_timeout_seconds,
                        attempts=1 + self._max_retry_attempts_exception,
                        pool_size=self._max_pool_connections,
                        sdk=self._sdk_client,
                    )
        return self._client

    def _sdk_client(self) -> Any:
        """A botocore client as pynamodb makes one, for the operations the wire client does not send itself."""
        from botocore.config import Config

        config = Config(
            parameter_validation=False,
            connect_timeout=self._connect_timeout_seconds,
            read_timeout=self._read_timeout_seconds,
            max_pool_connections=self._max_pool_connections,
            retries={"total_max_attempts": 1 + self._max_retry_attempts_exception, "mode": "standard"},
        )
        return self.session.create_client("dynamodb", self.region, endpoint_url=self.host, config=config)


class Tables:
    """The models of the four tables bound to one :class:`DynamoConfig` (and the listing's, which lives
    in the surveys table).

    Each is a subclass of the schema model above whose Meta names that
    configuration's table, region, endpoint and keys (its indexes are bound with
    it). All four send through one pynamodb ``Connection`` (one client: the store's
    wire client, or botocore's, which costs ~0.2 s to create on a cold start), which
    is also the one transactions must use. Building a ``Tables`` sends nothing: the
    client is made on the first request.
    """

    def __init__(self, config: DynamoConfig) -> None:
        self.config = config
        self._host = config.endpoint or None
        self._key_id: str | None = config.credentials[0] if config.credentials else None
        self._secret: str | None = config.credentials[1] if config.credentials else None
        self.connection = (Connection if config.sdk else WireConnection)(
            region=config.region,
            host=self._host,
            connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
            read_timeout_seconds=READ_TIMEOUT_SECONDS,
            max_retry_attempts=MAX_RETRIES,
            aws_access_key_id=self._key_id,
            aws_secret_access_key=self._secret,
        )
        self.UserItem = self._bind(UserItem, config.users_table)
        self.SurveyItem = self._bind(SurveyItem, config.surveys_table)
        self.AnswerItem = self._bind(AnswerItem, config.answers_table)
        self.AuditItem = self._bind(AuditItem, config.audit_table)
        self.ListingItem = self._bind(ListingItem, config.surveys_table)  # a second kind of item, same table
        self.AggregateItem = self._bind(AggregateItem, config.surveys_table)  # and a third
        self.RosterItem = self._bind(RosterItem, config.roster)

    @property
    def models(self) -> tuple[type[Model], ...]:
        """The bound models, in the order of :data:`chalicelib.storage.tables.MODELS`."""
        return (self.UserItem, self.SurveyItem, self.AnswerItem, self.AuditItem, self.RosterItem)

    def _bind(self, schema: type[_M], table: str) -> type[_M]:
        meta = type(
            "Meta",
            (cast(type, schema.Meta),),
            {
                "table_name": table,
                "region": self.config.region,
                "host": self._host,
                "aws_access_key_id": self._key_id,
                "aws_secret_access_key": self._secret,
            },
        )
        model = cast(
            "type[_M]",
            type(
                schema.__name__,
                (schema,),
                {
                    "Meta": meta,
                    "__module__": __name__,
                    "__qualname__": f"Tables.{schema.__name__}",
                },
            ),
        )
        # pynamodb builds the model's TableConnection (with the table's key schema, which the
        # shared connection needs to build requests); route it through the shared one.
        table_connection = model._get_connection()
        # A second kind of item in a table already added (the listing) shares its keys: added once.
        with contextlib.suppress(ValueError):
            self.connection.add_meta_table(table_connection.get_meta_table())
        table_connection.connection = self.connection
        return model
