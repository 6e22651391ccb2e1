"""The DynamoDB Store: the same reads and conditional writes as MemoryStore.

Every ``commit`` is one TransactWriteItems call (except DeleteSurvey, see
``_delete_survey``), so a message's answer, counters and session are stored
together or not at all. Failed conditions become :class:`Conflict`; throttling,
timeouts and connection failures become :class:`Unavailable`.

Consistency: get_user, get_survey, get_answer, list_answers, list_surveys and
list_users() (all) are strongly consistent. The GSI lookups (by name, by unit,
admins) find keys through an eventually consistent index and then read the items
consistently, dropping any the index still lists under an old value.
"""
from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Optional

import botocore.exceptions
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TableError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.model import KST, OPEN, Answer, AuditEntry, Question, Survey, User
from chalicelib.domain.ports import Conflict, Store, Unavailable
from chalicelib.domain.writes import AddCoadmin, Audit, CountResponse, DeleteAnswer, DeleteSurvey, DeleteUser, PutAnswer, PutSurvey, PutUser, SetSurveyStatus, Write
from chalicelib.storage.tables import (
    ADMIN_PARTITION,
    AUDIT_PARTITION,
    MODELS,
    AnswerItem,
    AuditItem,
    SurveyItem,
    UserItem,
    bind_models,
)

# Error codes meaning "try again shortly" rather than "your request is wrong".
_RETRYABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
})
# Per-item reasons inside a TransactionCanceledException.
_CONFLICT_REASONS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_RETRYABLE_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
_NETWORK_ERRORS = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


class DynamoStore(Store):
    """Store backed by the four tables of :mod:`chalicelib.storage.tables`.

    Models are (re)bound to the current settings on every call; binding is a no-op
    unless the settings changed, so a store built at import time follows tests that
    switch environments.
    """

    # --- reads ---------------------------------------------------------------
    def get_user(self, key: str) -> Optional[User]:
        """The user with this key, or None."""
        with _mapped_errors():
            bind_models()
            try:
                return _user(UserItem.get(key, consistent_read=True))
            except DoesNotExist:
                return None

    def find_users_by_name(self, name: str) -> list[User]:
        """Users whose name is exactly ``name`` (index lookup; the items are read consistently)."""
        with _mapped_errors():
            bind_models()
            if not name:  # empty names are not in the index (GSI keys cannot be "")
                items: Iterable[UserItem] = UserItem.scan(UserItem.name.does_not_exist(), consistent_read=True)
            else:
                items = _get_users(i.key for i in UserItem.by_name.query(name))
            return _by_registration(u for u in map(_user, items) if u.name == name)

    def list_users(self, unit: str = "") -> list[User]:
        """All users (consistent scan) or those of one unit (index lookup)."""
        with _mapped_errors():
            bind_models()
            if not unit:
                return _by_registration(map(_user, UserItem.scan(consistent_read=True)))
            keys = (i.key for i in UserItem.by_unit.query(unit))
            return _by_registration(u for u in map(_user, _get_users(keys)) if u.unit == unit)

    def list_admins(self) -> list[User]:
        """Users with role >= 1 (sparse index lookup; the items are read consistently)."""
        with _mapped_errors():
            bind_models()
            keys = (i.key for i in UserItem.admins.query(ADMIN_PARTITION))
            return _by_registration(u for u in map(_user, _get_users(keys)) if u.role >= 1)

    def get_survey(self, survey_id: str) -> Optional[Survey]:
        """The survey with this id, or None."""
        with _mapped_errors():
            bind_models()
            try:
                return _survey(SurveyItem.get(survey_id, consistent_read=True))
            except DoesNotExist:
                return None

    def list_surveys(self) -> list[Survey]:
        """Every survey, newest first (by created_at, then id).

        A consistent scan rather than a GSI: a survey is listed the moment it is
        created, and there are at most a few hundred.
        """
        with _mapped_errors():
            bind_models()
            out = [_survey(i) for i in SurveyItem.scan(consistent_read=True)]
        out.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        return out

    def get_answer(self, survey_id: str, user_key: str) -> Optional[Answer]:
        """One person's answer to one survey, or None."""
        with _mapped_errors():
            bind_models()
            try:
                return _answer(AnswerItem.get(survey_id, user_key, consistent_read=True))
            except DoesNotExist:
                return None

    def list_answers(self, survey_id: str) -> list[Answer]:
        """All answers of one survey, in submission order (then by user key)."""
        with _mapped_errors():
            bind_models()
            out = [_answer(i) for i in AnswerItem.query(survey_id, consistent_read=True)]
        out.sort(key=lambda a: (a.submitted_at, a.user_key))
        return out

    def list_audit(self, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` audit entries, newest first."""
        if limit <= 0:
            return []
        with _mapped_errors():
            bind_models()
            items = AuditItem.query(AUDIT_PARTITION, scan_index_forward=False, limit=limit)
            return [AuditEntry(i.actor, i.action, i.target, i.detail, i.at) for i in items]

    # --- writes --------------------------------------------------------------
    def commit(self, writes: list[Write]) -> None:
        """Apply ``writes`` atomically; raise Conflict if any condition fails.

        DeleteSurvey is applied after the transaction of the other writes succeeded.
        """
        connection = bind_models()
        transactional = [w for w in writes if not isinstance(w, DeleteSurvey)]
        if transactional:
            self._transact(connection, transactional)
        for w in writes:
            if isinstance(w, DeleteSurvey):
                self._delete_survey(w.survey_id)

    def _transact(self, connection: Connection, writes: list[Write]) -> None:
        # pynamodb sends condition checks, then deletes, then puts, then updates;
        # CancellationReasons follow that order, so keep a label list per kind.
        labels: dict[str, list[str]] = {"check": [], "delete": [], "put": [], "update": []}
        try:
            with TransactWrite(connection=connection) as tx:
                for i, w in enumerate(writes):
                    kind, label = _add_to_transaction(tx, w, i)
                    labels[kind].append(label)
        except TransactWriteError as e:
            ordered = labels["check"] + labels["delete"] + labels["put"] + labels["update"]
            mapped = _transaction_error(e, ordered)
            if mapped is e:
                raise
            raise mapped from e
        except (PynamoDBException, botocore.exceptions.BotoCoreError) as e:
            if _is_retryable(e):  # e.g. the pre-read of AddCoadmin
                raise Unavailable(str(e)) from e
            raise

    def _delete_survey(self, survey_id: str) -> None:
        # Not transactional (a survey may have more answers than a transaction holds).
        # The survey item goes first: a submit carries a CountResponse, which requires
        # the survey, so from then on no submit succeeds and the sweep cannot miss one.
        with _mapped_errors():
            SurveyItem(survey_id).delete()
            keys_only = ["survey_id", "user_key"]
            with AnswerItem.batch_write() as batch:
                for item in AnswerItem.query(survey_id, consistent_read=True, attributes_to_get=keys_only):
                    batch.delete(item)


# --- transaction building ----------------------------------------------------


def _add_to_transaction(tx: TransactWrite, w: Write, index: int) -> tuple[str, str]:
    """Add one write with its condition to ``tx``; return (pynamodb kind, what for Conflict)."""
    if isinstance(w, PutUser):
        # condition: stored version == user.version (0: no item); stored version becomes +1
        tx.save(_user_item(w.user, w.user.version + 1), condition=_version_is(UserItem, w.user.version))
        return "put", "user"
    if isinstance(w, DeleteUser):
        # condition: item exists with version == expected_version
        tx.delete(UserItem(w.key), condition=UserItem.version == w.expected_version)
        return "delete", "user"
    if isinstance(w, PutAnswer):
        # condition: stored version == answer.version (0: no item) -- one answer per person
        cond = _version_is(AnswerItem, w.answer.version)
        tx.save(_answer_item(w.answer, w.answer.version + 1), condition=cond)
        return "put", "answer"
    if isinstance(w, DeleteAnswer):
        tx.delete(AnswerItem(w.survey_id, w.user_key), condition=AnswerItem.version == w.expected_version)
        return "delete", "answer"
    if isinstance(w, CountResponse):
        actions, cond = _count_response(w)
        tx.update(SurveyItem(w.survey_id), actions=actions, condition=cond)
        return "update", "survey"
    if isinstance(w, PutSurvey):
        tx.save(_survey_item(w.survey), condition=SurveyItem.id.does_not_exist())
        return "put", "survey"
    if isinstance(w, SetSurveyStatus):
        status_actions: list[Action] = [SurveyItem.status.set(w.status)]
        if w.clear_deadline:
            status_actions += [SurveyItem.deadline.remove(), SurveyItem.deadline_us.remove()]
        tx.update(SurveyItem(w.survey_id), actions=status_actions, condition=SurveyItem.id.exists())
        return "update", "survey"
    if isinstance(w, AddCoadmin):
        return _add_coadmin(tx, w)
    if isinstance(w, Audit):
        tx.save(_audit_item(w.entry, index))  # plain put: audit keys are unique
        return "put", "audit"
    raise TypeError(f"not a transactional write: {w!r}")


def _version_is(model: type[UserItem] | type[AnswerItem], version: int) -> Condition:
    # Every stored item carries a version >= 1, so "no version" means "no item".
    if version == 0:
        return model.version.does_not_exist()
    return model.version == version


def _count_response(w: CountResponse) -> tuple[list[Action], Condition]:
    """Counter updates and their guard, mirroring MemoryStore._check."""
    # condition: survey exists, is open, and its deadline (if any) is after `now`
    cond = SurveyItem.id.exists() & (SurveyItem.status == OPEN)
    cond &= SurveyItem.deadline_us.does_not_exist() | (SurveyItem.deadline_us > _epoch_us(w.now))
    if w.response_delta > 0 and w.cap is not None:
        # condition: response_count + delta <= cap (conditions cannot add: move delta right)
        cond &= SurveyItem.response_count <= w.cap - w.response_delta
    actions: list[Action] = [SurveyItem.response_count.set((SurveyItem.response_count | 0) + w.response_delta)]
    for key, delta in w.option_deltas.items():
        path = SurveyItem.option_counts[key]
        if delta > 0 and key in w.limits:
            # condition: option_counts[key] (absent = 0) + delta <= limit
            room = w.limits[key] - delta
            fits = path <= room
            cond &= (path.does_not_exist() | fits) if room >= 0 else fits
        # ADD cannot address a nested map entry; SET with if_not_exists does the same.
        actions.append(path.set((path | 0) + delta))
    return actions, cond


def _add_coadmin(tx: TransactWrite, w: AddCoadmin) -> tuple[str, str]:
    """Append to coadmins unless already there (a list keeps the order MemoryStore keeps)."""
    try:
        current: Optional[SurveyItem] = SurveyItem.get(w.survey_id, consistent_read=True)
    except DoesNotExist:
        current = None
    if current is None:
        # condition: the survey exists (it does not, so the transaction is refused)
        tx.condition_check(SurveyItem, w.survey_id, condition=SurveyItem.id.exists())
        return "check", "survey"
    if w.user_key in (current.coadmins or []):
        # condition: still there; nothing to write
        cond = SurveyItem.id.exists() & SurveyItem.coadmins.contains(w.user_key)
        tx.condition_check(SurveyItem, w.survey_id, condition=cond)
        return "check", "survey"
    # condition: exists and not added meanwhile (a race surfaces as Conflict; the caller re-reads)
    cond = SurveyItem.id.exists() & ~SurveyItem.coadmins.contains(w.user_key)
    action = SurveyItem.coadmins.set((SurveyItem.coadmins | []).append([w.user_key]))
    tx.update(SurveyItem(w.survey_id), actions=[action], condition=cond)
    return "update", "survey"


# --- error mapping -----------------------------------------------------------


def _error_code(e: BaseException) -> Optional[str]:
    # Not PynamoDBException.cause_response_code: it fails on timeouts, whose `response` is None.
    cause = e.cause if isinstance(e, PynamoDBException) else e
    response = getattr(cause, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _is_retryable(e: BaseException) -> bool:
    cause = e.cause if isinstance(e, PynamoDBException) else e
    return isinstance(cause, _NETWORK_ERRORS) or _error_code(e) in _RETRYABLE_CODES


def _transaction_error(e: TransactWriteError, labels: list[str]) -> Exception:
    """Conflict for failed conditions or a racing transaction, Unavailable for throttling."""
    if _error_code(e) == "TransactionCanceledException":
        reasons = e.cancellation_reasons or []
        for i, reason in enumerate(reasons):
            if reason is not None and reason.code in _CONFLICT_REASONS:
                return Conflict(labels[i] if i < len(labels) else "")
        if any(r is not None and r.code in _RETRYABLE_REASONS for r in reasons):
            return Unavailable(str(e))
    if _is_retryable(e):
        return Unavailable(str(e))
    return e


@contextmanager
def _mapped_errors() -> Iterator[None]:
    """Turn throttling, timeouts and connection failures into Unavailable; let the rest through."""
    try:
        yield
    except (PynamoDBException, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        if _is_retryable(e):
            raise Unavailable(str(e)) from e
        raise


# --- records <-> items -------------------------------------------------------


def _get_users(keys: Iterable[str]) -> Iterator[UserItem]:
    return UserItem.batch_get(list(dict.fromkeys(keys)), consistent_read=True)


def _by_registration(users: Iterable[User]) -> list[User]:
    return sorted(users, key=lambda u: (u.created_at, u.key))


def _user_item(u: User, version: int) -> UserItem:
    return UserItem(
        u.key,
        name=u.name or None,
        unit=u.unit or None,
        admin=ADMIN_PARTITION if u.role >= 1 else None,  # sparse: only admins are indexed
        role=u.role,
        session=u.session,
        answered=set(u.answered) or None,
        created_at=u.created_at,
        version=version,
        rate=list(u.rate) or None,
    )


def _user(i: UserItem) -> User:
    return User(
        key=i.key,
        name=i.name or "",
        unit=i.unit or "",
        role=int(i.role),
        session=i.session or {},
        answered=set(i.answered or ()),
        created_at=i.created_at or "",
        version=int(i.version),
        rate=[int(x) for x in (i.rate or [])],
    )


def _survey_item(s: Survey) -> SurveyItem:
    return SurveyItem(
        s.id,
        title=s.title,
        owner=s.owner,
        owner_name=s.owner_name,
        description=s.description,
        questions=[q.to_dict() for q in s.questions],
        coadmins=list(s.coadmins),
        deadline=s.deadline.isoformat() if s.deadline else None,
        deadline_us=_epoch_us(s.deadline) if s.deadline else None,
        target_unit=s.target_unit,
        cap=s.cap,
        status=s.status,
        created_at=s.created_at,
        response_count=s.response_count,
        option_counts=dict(s.option_counts),
    )


def _survey(i: SurveyItem) -> Survey:
    counts: Any = i.option_counts
    return Survey(
        id=i.id,
        title=i.title,
        owner=i.owner,
        questions=[Question.from_dict(q) for q in (i.questions or [])],
        description=i.description,
        coadmins=list(i.coadmins or []),
        deadline=_parse_time(i.deadline) if i.deadline else None,
        target_unit=i.target_unit,
        cap=int(i.cap) if i.cap is not None else None,
        status=i.status,
        created_at=i.created_at,
        owner_name=i.owner_name,
        response_count=int(i.response_count or 0),
        option_counts={k: int(v) for k, v in (counts.as_dict() if counts is not None else {}).items()},
    )


def _answer_item(a: Answer, version: int) -> AnswerItem:
    return AnswerItem(
        a.survey_id,
        a.user_key,
        answer_values=a.values,
        name=a.name,
        unit=a.unit,
        submitted_at=a.submitted_at,
        updated_at=a.updated_at,
        survey_title=a.survey_title,
        version=version,
    )


def _answer(i: AnswerItem) -> Answer:
    return Answer(
        survey_id=i.survey_id,
        user_key=i.user_key,
        values=i.answer_values or {},
        name=i.name,
        unit=i.unit,
        submitted_at=i.submitted_at,
        updated_at=i.updated_at,
        survey_title=i.survey_title,
        version=int(i.version),
    )


def _audit_item(e: AuditEntry, index: int) -> AuditItem:
    # Sort key: `at` first (newest-first listing), then a clock reading and the
    # position in the commit so that entries sharing an `at` keep their order,
    # then a random tail so that keys never collide.
    sk = f"{e.at}#{time.time_ns():020d}.{index:03d}.{uuid.uuid4().hex[:8]}"
    return AuditItem(AUDIT_PARTITION, sk, actor=e.actor, action=e.action, target=e.target, detail=e.detail, at=e.at)


def _epoch_us(dt: datetime) -> int:
    """The instant as integer microseconds since 1970 (exact; no float rounding)."""
    aware = dt if dt.tzinfo is not None else dt.astimezone()
    return (aware - _EPOCH) // _MICROSECOND


def _parse_time(text: str) -> datetime:
    dt = datetime.fromisoformat(text)
    if dt.utcoffset() == KST.utcoffset(None):
        dt = dt.replace(tzinfo=KST)  # keep the domain's named zone
    return dt


# --- tables ------------------------------------------------------------------


def create_tables(wait: bool = True) -> None:
    """Create the tables of the current settings that are missing, and missing GSIs.

    Idempotent. Point-in-time recovery and deletion protection are the deployment
    template's job; this is for local engines and tests.
    """
    connection = bind_models()
    for model in MODELS:
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
            connection.dispatch("UpdateTable", {
                "TableName": model.Meta.table_name,
                "AttributeDefinitions": index["attribute_definitions"],
                "GlobalSecondaryIndexUpdates": [{"Create": {
                    "IndexName": index["index_name"],
                    "KeySchema": index["key_schema"],
                    "Projection": index["projection"],
                }}],
            })
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


def delete_tables() -> None:
    """Delete the tables of the current settings (tests and local resets only)."""
    bind_models()
    for model in MODELS:
        if model.exists():
            model.delete_table()
