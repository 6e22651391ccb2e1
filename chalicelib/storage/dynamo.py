"""The DynamoDB Store: the same reads and conditional writes as MemoryStore.

Every ``commit`` is one TransactWriteItems call (a deleted survey's answers are
swept after it; a commit of the user item alone is a conditional PutItem), so a
message's answer, counters, listing and session are stored together or not at
all. Failed conditions become :class:`Conflict`; throttling,
timeouts and connection failures become :class:`Unavailable` (see
:mod:`chalicelib.storage.transact`). Nothing here scans a table.

Consistency: reads by key (users, surveys, answers, in batches too) and the
answers of a survey are strongly consistent. The listing is read eventually
consistent (half the cost; it lags a write by well under a second), and the index
lookups (by name, members, admins, titles) are eventually consistent as indexes
are: a write's own conditions hold the truth.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TableError

from chalicelib.domain.model import (
    ANSWERED_KEPT,
    PARTICIPATION,
    Answer,
    AuditEntry,
    Member,
    Planned,
    Survey,
    SurveyInfo,
    User,
    title_key,
)
from chalicelib.domain.ports import RosterInfo, Store, Unavailable
from chalicelib.domain.roster_records import LoadResult, RosterEntry, Strain, unit_key
from chalicelib.domain.writes import DeleteSurvey, ListSurvey, Plan, PutUser, UnlistSurvey, Unplan, Write
from chalicelib.storage import items
from chalicelib.storage.pushlog import DynamoPushLog
from chalicelib.storage.tables import (
    ADMIN_PARTITION,
    AUDIT_PARTITION,
    FAILURES_PARTITION,
    FORMER_PARTITION,
    LISTING_ID,
    LOAD_HEAD,
    LOAD_PARTITION,
    LOAD_PARTS_PARTITION,
    MEMBER_PARTITION,
    PLANS_ID,
    ROSTER_PARTITION,
    SURVEY_KIND,
    UNITS_ENTRY,
    UNITS_PARTITION,
    DynamoConfig,
    ListingItem,
    Tables,
    UserItem,
)
from chalicelib.storage.transact import mapped_errors, put_user_alone, transact

BATCH_ATTEMPTS = 3  # of a BatchGetItem whose keys DynamoDB left unprocessed (throttling)
FORMS_KEPT = 256  # survey forms kept in memory per store (a few KB each)


class DynamoStore(Store):
    """Store backed by the four tables a :class:`DynamoConfig` names.

    The models are bound to them (:class:`Tables`) on first use, once; a store
    never changes tables. Safe to share between threads.
    """

    def __init__(self, config: DynamoConfig) -> None:
        self.config = config
        self._tables: Tables | None = None
        self._lock = threading.Lock()
        self._listing_ready = False
        self._forms: OrderedDict[str, Survey] = OrderedDict()  # survey id -> its form, least recent first
        self._forms_lock = threading.Lock()

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

    def get_user_and_listing(self, key: str) -> tuple[User | None, list[SurveyInfo]]:
        """One BatchGetItem: the user (consistent) and the listing (eventually consistent, half the cost)."""
        t = self.tables
        found = self._batch_get(
            {
                self.config.users_table: ([{"key": {"S": key}}], True),
                self.config.surveys_table: ([{"id": {"S": LISTING_ID}}], False),
            }
        )
        users = found.get(self.config.users_table, [])
        listing = found.get(self.config.surveys_table, [])
        user = items.user(t.UserItem.from_raw_data(users[0])) if users else None
        return user, self._listed(t.ListingItem.from_raw_data(listing[0]) if listing else None)

    def get_users(self, keys: Sequence[str]) -> list[User]:
        """Whole user items by key (BatchGetItem, consistent), in the order asked; missing ones left out."""
        with mapped_errors():
            found = {u.key: u for u in map(items.user, self._get_users(keys))}
        return [found[k] for k in dict.fromkeys(keys) if k in found]

    def find_users_by_name(self, name: str) -> list[User]:
        """Users whose name is exactly ``name`` (index lookup; the items are read consistently)."""
        if not name:  # nobody registers without a name (and "" cannot be an index key)
            return []
        with mapped_errors():
            found = self._get_users(i.key for i in self.tables.UserItem.by_name.query(name))
            return items.by_registration(u for u in map(items.user, found) if u.name == name)

    def list_members(self, unit: str = "") -> list[Member]:
        """Everyone, or one unit, from the ``members`` index alone (no conversation state is read)."""
        t = self.tables
        with mapped_errors():
            if unit:
                found = t.UserItem.members.query(MEMBER_PARTITION, t.UserItem.member_unit == items.member_unit(unit))
            else:
                found = t.UserItem.members.query(MEMBER_PARTITION)
            members = [items.member(i) for i in found]
        return sorted(members, key=lambda m: (m.created_at, m.key))

    def list_admins(self) -> list[Member]:
        """People with role >= 1 (sparse index lookup; the items are read consistently)."""
        with mapped_errors():
            keys = (i.key for i in self.tables.UserItem.admins.query(ADMIN_PARTITION))
            admins = [u for u in map(items.user, self._get_users(keys)) if u.role >= 1]
        return [Member(u.key, u.name, u.unit, u.role, u.created_at) for u in items.by_registration(admins)]

    def get_survey(self, survey_id: str) -> Survey | None:
        """The survey with this id, or None."""
        if survey_id == LISTING_ID:  # not a survey
            return None
        with mapped_errors():
            try:
                return items.survey(self.tables.SurveyItem.get(survey_id, consistent_read=True))
            except DoesNotExist:
                return None

    def get_survey_form(self, survey_id: str) -> Survey | None:
        """The survey's form, kept in memory after the first read (its counters are left empty there:
        a form's reader takes them from a fresh read)."""
        with self._forms_lock:
            kept = self._forms.get(survey_id)
            if kept is not None:
                self._forms.move_to_end(survey_id)
        if kept is None:
            s = self.get_survey(survey_id)
            if s is None:
                return None
            kept = dataclasses.replace(s, response_count=0, option_counts={})
            with self._forms_lock:
                self._forms[survey_id] = kept
                while len(self._forms) > FORMS_KEPT:
                    self._forms.popitem(last=False)
        return dataclasses.replace(
            kept, questions=list(kept.questions), coadmins=list(kept.coadmins), viewers=list(kept.viewers)
        )

    def get_surveys(self, survey_ids: Sequence[str]) -> list[Survey]:
        """Surveys by id (BatchGetItem, consistent), in the order asked; missing ones left out."""
        ids = [i for i in dict.fromkeys(survey_ids) if i != LISTING_ID]
        if not ids:
            return []
        with mapped_errors():
            found = {s.id: s for s in map(items.survey, self.tables.SurveyItem.batch_get(ids, consistent_read=True))}
        return [found[i] for i in ids if i in found]

    def get_survey_and_answer(self, survey_id: str, user_key: str) -> tuple[Survey | None, Answer | None]:
        """One BatchGetItem (consistent) of a survey and one person's answer to it."""
        if survey_id == LISTING_ID:  # not a survey
            return None, None
        found = self._batch_get(self._survey_and_answer_keys(survey_id, user_key))
        return self._survey_and_answer(found)

    def get_user_survey_and_answer(self, key: str, survey_id: str) -> tuple[User | None, Survey | None, Answer | None]:
        """One BatchGetItem (consistent) of the user, a survey and the user's answer to it."""
        if survey_id == LISTING_ID:
            return self.get_user(key), None, None
        keys = self._survey_and_answer_keys(survey_id, key)
        keys[self.config.users_table] = ([{"key": {"S": key}}], True)
        found = self._batch_get(keys)
        users = found.get(self.config.users_table, [])
        user = items.user(self.tables.UserItem.from_raw_data(users[0])) if users else None
        return user, *self._survey_and_answer(found)

    def _survey_and_answer_keys(self, survey_id: str, user_key: str) -> dict[str, tuple[list[dict[str, Any]], bool]]:
        return {
            self.config.surveys_table: ([{"id": {"S": survey_id}}], True),
            self.config.answers_table: ([{"survey_id": {"S": survey_id}, "user_key": {"S": user_key}}], True),
        }

    def _survey_and_answer(self, found: dict[str, list[dict[str, Any]]]) -> tuple[Survey | None, Answer | None]:
        t = self.tables
        surveys = found.get(self.config.surveys_table, [])
        answers = found.get(self.config.answers_table, [])
        s = items.survey(t.SurveyItem.from_raw_data(surveys[0])) if surveys else None
        a = items.answer(t.AnswerItem.from_raw_data(answers[0])) if answers else None
        return s, a

    def listed_surveys(self) -> list[SurveyInfo]:
        """The listing (one item, eventually consistent)."""
        with mapped_errors():
            try:
                listing: ListingItem | None = self.tables.ListingItem.get(LISTING_ID)
            except DoesNotExist:
                listing = None
        return self._listed(listing)

    def surveys_titled(self, title: str) -> list[SurveyInfo]:
        """Surveys of exactly this title as titles compare (the ``titles`` index), newest first."""
        key = title_key(title)
        if not key:
            return []
        t = self.tables
        with mapped_errors():
            found = t.SurveyItem.titles.query(SURVEY_KIND, t.SurveyItem.title_key == key)
            return items.newest_first(map(items.survey_info, found))

    def all_surveys(self) -> list[SurveyInfo]:
        """Every survey from the ``titles`` index (what lists show), newest first."""
        with mapped_errors():
            return items.newest_first(map(items.survey_info, self.tables.SurveyItem.titles.query(SURVEY_KIND)))

    def get_answer(self, survey_id: str, user_key: str) -> Answer | None:
        """One person's answer to one survey, or None."""
        with mapped_errors():
            try:
                return items.answer(self.tables.AnswerItem.get(survey_id, user_key, consistent_read=True))
            except DoesNotExist:
                return None

    def planned(self) -> list[Planned]:
        """The schedule (one item, strongly consistent: the job acts on it)."""
        with mapped_errors():
            try:
                plans = self.tables.ListingItem.get(PLANS_ID, consistent_read=True)
            except DoesNotExist:
                return []
        entries: Any = plans.entries
        raw = entries.as_dict() if entries is not None else {}
        return [items.planned(str(sid), str(entry)) for sid, entry in raw.items()]

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

    def answered_by(self, person: str) -> dict[str, int]:
        """The person's most recent named answers, from ``by_person`` (eventually consistent, as indexes are)."""
        t = self.tables
        with mapped_errors():
            found = t.AnswerItem.by_person.query(person, scan_index_forward=False, limit=ANSWERED_KEPT)
            return {str(i.survey_id): int(i.at or 0) for i in found}

    def roster_info(self) -> RosterInfo:
        with mapped_errors():
            try:
                found = self.tables.RosterItem.get(UNITS_PARTITION, UNITS_ENTRY, consistent_read=True)
            except DoesNotExist:
                return RosterInfo()
        units = {str(k): int(v) for k, v in (found.units or {}).items()}
        return RosterInfo(units, bool(found.checks) and bool(units), True)

    def last_load(self, now: int) -> LoadResult | None:
        with mapped_errors():
            try:
                head = self.tables.RosterItem.get(LOAD_PARTITION, LOAD_HEAD, consistent_read=True)
            except DoesNotExist:
                return None
        if not head.plan or not head.token or int(head.expires or 0) <= now:  # TTL deletes within days
            return None
        return items.load_result(head.token, head.plan, bool(head.taken))

    def load_lines(self, token: str) -> list[str]:
        return self._load_part(token, "l")

    def load_keys(self, token: str) -> list[str]:
        return self._load_part(token, "k")

    def _load_part(self, token: str, kind: str) -> list[str]:
        t = self.tables
        with mapped_errors():
            found = t.RosterItem.query(
                LOAD_PARTS_PARTITION + token, t.RosterItem.entry.startswith(kind), consistent_read=True
            )
            return [str(x) for i in found for x in (i.plan or [])]

    def former_entries(self) -> list[RosterEntry]:
        with mapped_errors():
            return [items.roster_entry(i) for i in self.tables.RosterItem.query(FORMER_PARTITION, consistent_read=True)]

    def roster_entries(self, unit: str = "", name: str = "") -> list[RosterEntry]:
        t = self.tables
        with mapped_errors():
            if unit:
                prefix = f"{unit_key(unit)}#" + name
                found = t.RosterItem.query(
                    ROSTER_PARTITION, t.RosterItem.entry.startswith(prefix), consistent_read=True
                )
            else:
                found = t.RosterItem.query(ROSTER_PARTITION, consistent_read=True)
            entries = [items.roster_entry(i) for i in found]
        if name:  # "<unit>#<name>" or "<unit>#<name>#<suffix>", not "<unit>#<name>길"
            entries = [e for e in entries if e.entry.split("#")[1] == name]
        return entries

    def registration_strain(self, user_key: str) -> Strain:
        with mapped_errors():
            try:
                found = self.tables.RosterItem.get(FAILURES_PARTITION, user_key, consistent_read=True)
            except DoesNotExist:
                return Strain()
        return items.strain(found)

    def _get_users(self, keys: Iterable[str]) -> Iterator[UserItem]:
        return self.tables.UserItem.batch_get(list(dict.fromkeys(keys)), consistent_read=True)

    @staticmethod
    def _listed(listing: ListingItem | None) -> list[SurveyInfo]:
        entries: Any = listing.entries if listing is not None else None
        raw = entries.as_dict() if entries is not None else {}
        return items.newest_first(items.listed(str(sid), str(entry)) for sid, entry in raw.items())

    def _batch_get(self, requests: dict[str, tuple[list[dict[str, Any]], bool]]) -> dict[str, list[dict[str, Any]]]:
        """One BatchGetItem over several tables: {table: (keys, consistent)} -> {table: raw items}.

        Keys DynamoDB leaves unprocessed (throttling) are asked for again, a bounded number of times.
        """
        pending = {
            table: {"Keys": keys, "ConsistentRead": consistent} for table, (keys, consistent) in requests.items()
        }
        out: dict[str, list[dict[str, Any]]] = {}
        with mapped_errors():
            for attempt in range(BATCH_ATTEMPTS):
                answer = self.tables.connection.client.batch_get_item(
                    RequestItems=pending, ReturnConsumedCapacity="TOTAL"
                )
                for table, found in answer.get("Responses", {}).items():
                    out.setdefault(table, []).extend(found)
                pending = answer.get("UnprocessedKeys") or {}
                if not pending:
                    return out
                time.sleep(0.05 * (attempt + 1))
        raise Unavailable("reads left unprocessed")

    # --- writes --------------------------------------------------------------
    def commit(self, writes: list[Write]) -> None:
        """Apply ``writes`` atomically; raise Conflict if any condition fails.

        A DeleteSurvey's survey item and listing entry go in the same transaction as the other
        writes; its answers are swept afterwards (there may be more than a transaction holds).
        """
        t = self.tables
        if len(writes) == 1 and isinstance(writes[0], PutUser):
            put_user_alone(t, writes[0])
            return
        deleted = [w.survey_id for w in writes if isinstance(w, DeleteSurvey)]
        transactional: list[Write] = [w for w in writes if not isinstance(w, DeleteSurvey)]
        if deleted or any(isinstance(w, (ListSurvey, UnlistSurvey, Plan, Unplan)) for w in writes):
            self._ensure_listing()
        if transactional or deleted:
            transact(t, transactional, unlisted=deleted, deleted=deleted)
        for survey_id in deleted:
            with self._forms_lock:
                self._forms.pop(survey_id, None)
            self._sweep_answers(survey_id)

    def _ensure_listing(self) -> None:
        """The listing and schedule items exist (with their maps) before the first write that changes an entry."""
        if self._listing_ready:
            return
        with mapped_errors():
            for item_id in (LISTING_ID, PLANS_ID):
                self._create_map_item(item_id)
        self._listing_ready = True

    def _create_map_item(self, item_id: str) -> None:
        try:
            self.tables.ListingItem(item_id, entries={}).save(condition=ListingItem.id.does_not_exist())
        except PutError as e:
            if not _condition_failed(e):
                raise

    def push_log(self) -> DynamoPushLog:
        """The pushes of this store, in its roster table (a client of their own, made on first use)."""
        with self._lock:
            log = self.__dict__.get("_pushes")
            if log is None:
                log = self.__dict__["_pushes"] = DynamoPushLog(self.config)
            return log

    def purge_answers(self, survey_id: str) -> int:
        """Delete a survey's answers and participation records (retention over); how many answers went."""
        return self._sweep_answers(survey_id)

    def _sweep_answers(self, survey_id: str) -> int:
        # The survey item went first (in the transaction): a submit carries a CountResponse, which
        # requires the survey, so from then on no submit succeeds and the sweep cannot miss one.
        t = self.tables
        answers = 0
        with mapped_errors():
            keys_only = ["survey_id", "user_key"]
            with t.AnswerItem.batch_write() as batch:
                for partition in (survey_id, PARTICIPATION + survey_id):
                    for item in t.AnswerItem.query(partition, consistent_read=True, attributes_to_get=keys_only):
                        batch.delete(item)
                        answers += partition == survey_id
        return answers


def _condition_failed(e: Exception) -> bool:
    cause = getattr(e, "cause", None)
    response = getattr(cause, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code == "ConditionalCheckFailedException"


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
