"""The DynamoDB Store: the same reads and conditional writes as MemoryStore.

Every ``commit`` is one TransactWriteItems call (except DeleteSurvey, see
``_delete_survey``), so a message's answer, counters and session are stored
together or not at all. Failed conditions become :class:`Conflict`; throttling,
timeouts and connection failures become :class:`Unavailable` (see
:mod:`chalicelib.storage.transact`).

Consistency: get_user, get_survey, get_answer, list_answers, list_surveys and
list_users() (all) are strongly consistent. The GSI lookups (by name, by unit,
admins) find keys through an eventually consistent index and then read the items
consistently, dropping any the index still lists under an old value.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist, TableError

from chalicelib.domain.model import Answer, AuditEntry, Survey, User
from chalicelib.domain.ports import Store
from chalicelib.domain.writes import DeleteSurvey, Write
from chalicelib.storage import items
from chalicelib.storage.tables import ADMIN_PARTITION, AUDIT_PARTITION, DynamoConfig, Tables, UserItem
from chalicelib.storage.transact import mapped_errors, transact


class DynamoStore(Store):
    """Store backed by the four tables a :class:`DynamoConfig` names.

    The models are bound to them (:class:`Tables`) on first use, once; a store
    never changes tables. Safe to share between threads.
    """

    def __init__(self, config: DynamoConfig) -> None:
        self.config = config
        self._tables: Tables | None = None
        self._lock = threading.Lock()

    @property
    def tables(self) -> Tables:
        """The models bound to this store's tables, with their shared connection."""
        if self._tables is None:
            with self._lock:
                if self._tables is None:
                    self._tables = Tables(self.config)
        return self._tables

    # --- reads ---------------------------------------------------------------
    def get_user(self, key: str) -> User | None:
        """The user with this key, or None."""
        with mapped_errors():
            try:
                return items.user(self.tables.UserItem.get(key, consistent_read=True))
            except DoesNotExist:
                return None

    def find_users_by_name(self, name: str) -> list[User]:
        """Users whose name is exactly ``name`` (index lookup; the items are read consistently)."""
        with mapped_errors():
            t = self.tables
            if not name:  # empty names are not in the index (GSI keys cannot be "")
                found: Iterable[UserItem] = t.UserItem.scan(t.UserItem.name.does_not_exist(), consistent_read=True)
            else:
                found = self._get_users(i.key for i in t.UserItem.by_name.query(name))
            return items.by_registration(u for u in map(items.user, found) if u.name == name)

    def list_users(self, unit: str = "") -> list[User]:
        """All users (consistent scan) or those of one unit (index lookup)."""
        with mapped_errors():
            t = self.tables
            if not unit:
                return items.by_registration(map(items.user, t.UserItem.scan(consistent_read=True)))
            keys = (i.key for i in t.UserItem.by_unit.query(unit))
            return items.by_registration(u for u in map(items.user, self._get_users(keys)) if u.unit == unit)

    def list_admins(self) -> list[User]:
        """Users with role >= 1 (sparse index lookup; the items are read consistently)."""
        with mapped_errors():
            keys = (i.key for i in self.tables.UserItem.admins.query(ADMIN_PARTITION))
            return items.by_registration(u for u in map(items.user, self._get_users(keys)) if u.role >= 1)

    def get_survey(self, survey_id: str) -> Survey | None:
        """The survey with this id, or None."""
        with mapped_errors():
            try:
                return items.survey(self.tables.SurveyItem.get(survey_id, consistent_read=True))
            except DoesNotExist:
                return None

    def list_surveys(self) -> list[Survey]:
        """Every survey, newest first (by created_at, then id).

        A consistent scan rather than a GSI: a survey is listed the moment it is
        created, and there are at most a few hundred.
        """
        with mapped_errors():
            out = [items.survey(i) for i in self.tables.SurveyItem.scan(consistent_read=True)]
        out.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        return out

    def get_answer(self, survey_id: str, user_key: str) -> Answer | None:
        """One person's answer to one survey, or None."""
        with mapped_errors():
            try:
                return items.answer(self.tables.AnswerItem.get(survey_id, user_key, consistent_read=True))
            except DoesNotExist:
                return None

    def list_answers(self, survey_id: str) -> list[Answer]:
        """All answers of one survey, in submission order (then by user key)."""
        with mapped_errors():
            out = [items.answer(i) for i in self.tables.AnswerItem.query(survey_id, consistent_read=True)]
        out.sort(key=lambda a: (a.submitted_at, a.user_key))
        return out

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` audit entries, newest first."""
        if limit <= 0:
            return []
        with mapped_errors():
            found = self.tables.AuditItem.query(AUDIT_PARTITION, scan_index_forward=False, limit=limit)
            return [items.audit_entry(i) for i in found]

    def _get_users(self, keys: Iterable[str]) -> Iterator[UserItem]:
        return self.tables.UserItem.batch_get(list(dict.fromkeys(keys)), consistent_read=True)

    # --- writes --------------------------------------------------------------
    def commit(self, writes: list[Write]) -> None:
        """Apply ``writes`` atomically; raise Conflict if any condition fails.

        DeleteSurvey is applied after the transaction of the other writes succeeded.
        """
        t = self.tables
        transactional: list[Write] = [w for w in writes if not isinstance(w, DeleteSurvey)]
        if transactional:
            transact(t, transactional)
        for w in writes:
            if isinstance(w, DeleteSurvey):
                self._delete_survey(w.survey_id)

    def _delete_survey(self, survey_id: str) -> None:
        # Not transactional (a survey may have more answers than a transaction holds).
        # The survey item goes first: a submit carries a CountResponse, which requires
        # the survey, so from then on no submit succeeds and the sweep cannot miss one.
        t = self.tables
        with mapped_errors():
            t.SurveyItem(survey_id).delete()
            keys_only = ["survey_id", "user_key"]
            with t.AnswerItem.batch_write() as batch:
                for item in t.AnswerItem.query(survey_id, consistent_read=True, attributes_to_get=keys_only):
                    batch.delete(item)


# --- tables ------------------------------------------------------------------


def create_tables(store: DynamoStore, wait: bool = True) -> None:
    """Create the store's tables that are missing, and missing GSIs.

    Idempotent. Point-in-time recovery and deletion protection are the deployment
    template's job; this is for local engines and tests.
    """
    t = store.tables
    for model in t.models:
        if not model.exists():
            try:
                model.create_table(wait=wait)
            except TableError as exc:
                # A slow engine may finish a CreateTable after our client timed out and retried it:
                # the retry then reports the table as existing, which is what we wanted.
                text = f"{exc} {getattr(exc, 'cause', '')}"
                if "preexisting" not in text.lower() and "ResourceInUse" not in text:
                    raise
                if wait:
                    _wait_for_table(model)
            continue
        described = model.describe_table()
        present = {g["IndexName"] for g in described.get("GlobalSecondaryIndexes", [])}
        schema = model._get_schema()
        for index in schema["global_secondary_indexes"]:
            if index["index_name"] in present:
                continue
            # UpdateTable creates one GSI per call.
            t.connection.dispatch(
                "UpdateTable",
                {
                    "TableName": model.Meta.table_name,
                    "AttributeDefinitions": index["attribute_definitions"],
                    "GlobalSecondaryIndexUpdates": [
                        {
                            "Create": {
                                "IndexName": index["index_name"],
                                "KeySchema": index["key_schema"],
                                "Projection": index["projection"],
                            }
                        }
                    ],
                },
            )
            if wait:
                _wait_for_index(model, index["index_name"])


def _wait_for_table(model: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if model.describe_table().get("TableStatus") == "ACTIVE":
            return
        time.sleep(0.5)
    raise TableError(f"table {model.Meta.table_name} not active after {timeout:.0f}s")


def _wait_for_index(model: Any, name: str) -> None:
    while True:
        described = model.describe_table()
        status = {g["IndexName"]: g.get("IndexStatus") for g in described.get("GlobalSecondaryIndexes", [])}
        if status.get(name) == "ACTIVE":
            return
        time.sleep(1)


def delete_tables(store: DynamoStore) -> None:
    """Delete the store's tables (tests and local resets only)."""
    for model in store.tables.models:
        if model.exists():
            model.delete_table()
