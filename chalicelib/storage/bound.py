"""The schema's models (:mod:`chalicelib.storage.tables`) bound to one store's tables (:class:`Tables`).

The models of :mod:`chalicelib.storage.tables` are the schema, with no table behind them; binding makes a
subclass of each per configuration, so nothing module-level is ever rebound and two stores of different
tables live side by side in one process. A store binds them on the first read or write that needs a model (an
admin's reads, a transaction): a member's reads and their item's writes are raw, and import none of this.
"""

from __future__ import annotations

import contextlib
from typing import Any, TypeVar, cast

from pynamodb.connection import Connection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.storage.binding import DynamoConfig
from chalicelib.storage.tables import (
    AggregateItem,
    AnswerItem,
    AuditItem,
    ListingItem,
    RosterItem,
    SurveyItem,
    UserItem,
)

_M = TypeVar("_M", bound=Model)
Op = dict[str, Any]


class Transaction(TransactWrite):
    """pynamodb's TransactWrite, which also takes operations written out. They go with the model-built ones of their
    kind, in the order pynamodb sends the kinds (checks, deletes, puts, updates). It appends to the lists pynamodb
    6.1 (pinned in requirements.txt) keeps of each kind; every commit of the contract tests goes through them."""

    def put_op(self, op: Op) -> None:
        self._put_items.append(op)

    def delete_op(self, op: Op) -> None:
        self._delete_items.append(op)

    def update_op(self, op: Op) -> None:
        self._update_items.append(op)


class SharedConnection(Connection):
    """pynamodb's connection, sending through the store's client (the one its raw reads and writes use)."""

    def __init__(self, client: Any, **settings: Any) -> None:
        super().__init__(**settings)
        self._shared = client

    @property
    def client(self) -> Any:
        return self._shared


class Tables:
    """The models of the four tables bound to one :class:`DynamoConfig` (and the listing's, which lives
    in the surveys table).

    Each is a subclass of the schema model above whose Meta names that
    configuration's table, region, endpoint and keys (its indexes are bound with
    it). All of them send through one pynamodb ``Connection`` holding the store's client
    (:func:`chalicelib.storage.binding.client_for`: its own wire client, or botocore's),
    which is also the one transactions must use and the one the store's raw reads and
    writes use. Building a ``Tables`` sends nothing.
    """

    def __init__(self, config: DynamoConfig, client: Any) -> None:
        self.config = config
        self._host = config.endpoint or None
        self._key_id: str | None = config.credentials[0] if config.credentials else None
        self._secret: str | None = config.credentials[1] if config.credentials else None
        connect, read, retries = config.waits
        self.connection = SharedConnection(
            client,
            region=config.region,
            host=self._host,
            connect_timeout_seconds=connect,
            read_timeout_seconds=read,
            max_retry_attempts=retries,
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
