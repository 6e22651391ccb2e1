"""What every read of the DynamoDB store shares: its client and the tables bound on first use, one user by key,
users in batches, and one BatchGetItem over several tables (the entity reads are
:mod:`chalicelib.storage.dynamo_surveys`, ``dynamo_people`` and ``dynamo_roster``; the store itself is
:mod:`chalicelib.storage.dynamo`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from chalicelib.domain.model import Survey, User
from chalicelib.domain.ports import Unavailable
from chalicelib.storage import user_items
from chalicelib.storage.binding import DynamoConfig, client_for
from chalicelib.storage.errors import mapped_errors

if TYPE_CHECKING:
    from chalicelib.storage.bound import Tables
    from chalicelib.storage.tables import UserItem

BATCH_ATTEMPTS = 3  # of a BatchGetItem whose keys DynamoDB left unprocessed (throttling)


class DynamoReads:
    """The tables a :class:`DynamoConfig` names: its client made on the first call, the models bound
    (:class:`~chalicelib.storage.bound.Tables`) on the first read or write that needs them, each once; a store
    never changes tables. Safe to share between threads."""

    def __init__(self, config: DynamoConfig) -> None:
        self.config = config
        self._client: Any = None
        self._tables: Tables | None = None
        self._lock = threading.Lock()
        self._forms: OrderedDict[str, Survey] = OrderedDict()  # survey id -> its form, least recent first
        self._forms_lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The store's DynamoDB client (:func:`chalicelib.storage.binding.client_for`), for raw reads and writes."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = client_for(self.config)
        return self._client

    @property
    def tables(self) -> Tables:
        """The models bound to this store's tables, sending through the store's client."""
        if self._tables is None:
            client = self.client
            with self._lock:
                if self._tables is None:
                    from chalicelib.storage.bound import Tables

                    self._tables = Tables(self.config, client)
        return self._tables

    def get_user(self, key: str) -> User | None:
        """The user with this key, or None (a GetItem read as :func:`user_items.user_of`, without the model)."""
        raw = self._get_raw(self.config.users_table, {"key": {"S": key}})
        return user_items.user_of(raw) if raw else None

    def _get_raw(self, table: str, key: dict[str, Any], consistent: bool = True) -> dict[str, Any] | None:
        """One item as DynamoDB returns it (a GetItem through the store's client), or None."""
        with mapped_errors():
            found = self.client.get_item(
                TableName=table, Key=key, ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL"
            )
        item: dict[str, Any] | None = found.get("Item")
        return item

    def _get_users(self, keys: Iterable[str]) -> Iterator[UserItem]:
        return self.tables.UserItem.batch_get(list(dict.fromkeys(keys)), consistent_read=True)

    def _batch_get(
        self, requests: dict[str, tuple[list[dict[str, Any]], bool]], projection: str = ""
    ) -> dict[str, list[dict[str, Any]]]:
        """One BatchGetItem over several tables: {table: (keys, consistent)} -> {table: raw items} (of the
        attributes ``projection`` names, when given).

        Keys DynamoDB leaves unprocessed (throttling) are asked for again, a bounded number of times.
        """
        pending: dict[str, dict[str, Any]] = {
            table: {"Keys": keys, "ConsistentRead": consistent} for table, (keys, consistent) in requests.items()
        }
        if projection:
            for request in pending.values():
                request["ProjectionExpression"] = projection
        out: dict[str, list[dict[str, Any]]] = {}
        with mapped_errors():
            for attempt in range(BATCH_ATTEMPTS):
                answer = self.client.batch_get_item(RequestItems=pending, ReturnConsumedCapacity="TOTAL")
                for table, found in answer.get("Responses", {}).items():
                    out.setdefault(table, []).extend(found)
                pending = answer.get("UnprocessedKeys") or {}
                if not pending:
                    return out
                time.sleep(0.05 * (attempt + 1))
        raise Unavailable("reads left unprocessed")
