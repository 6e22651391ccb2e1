"""DynamoDB table definitions (pynamodb models) for the store.

The models are declared once; which table, region and endpoint they talk to is
decided by :func:`bind_models`, which reads :func:`chalicelib.config.settings`
when it is called, not at import time. Tests change the environment, call
``config.reset()`` and bind again.

Key design (access pattern -> key):

* users: ``key`` (Kakao user id). GSIs, all KEYS_ONLY so that the per-message
  session write never touches an index (only key-attribute changes do):
  ``by_name`` (hash ``name``), ``by_unit`` (hash ``unit``, sparse: absent when the
  unit is empty) and ``admins`` (hash ``admin``, sparse: the constant
  :data:`ADMIN_PARTITION` is set only while role >= 1).
* surveys: ``id``. A few hundred items at most; listed with a consistent scan.
* answers: ``survey_id`` + ``user_key``; one survey's answers are one partition.
* audit: ``part`` (the constant :data:`AUDIT_PARTITION`) + ``sk`` (``at#...``),
  newest first by querying the partition backwards. Audit writes are rare.
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any, Optional

from pynamodb.attributes import (
    Attribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.connection import Connection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE, STRING
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.config import Settings, settings

ADMIN_PARTITION = "admin"
AUDIT_PARTITION = "audit"

# Time budget: Kakao gives a skill 5 s per message. One DynamoDB call costs at most
# (1 + MAX_RETRIES) attempts of CONNECT + READ seconds plus about 1 s of backoff, so a
# dead endpoint surfaces as Unavailable in ~4 s instead of hanging; a healthy call
# takes tens of milliseconds.
CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 1.0
MAX_RETRIES = 1
# The longest one call can take when every attempt times out (botocore waits at most
# 25 ms between DynamoDB attempts that failed that way; a throttled attempt fails at
# once and waits up to 1 s, which is less than a timed-out one). The service starts a
# call only while this much time is left of its reply budget.
WORST_CALL_SECONDS = (1 + MAX_RETRIES) * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + MAX_RETRIES * 0.1


class JsonAttribute(Attribute[Any]):
    """A JSON document stored as one string (UTF-8 kept readable, no ASCII escapes)."""

    attr_type = STRING

    def serialize(self, value: Any) -> Optional[str]:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def deserialize(self, value: str) -> Any:
        return json.loads(value)


class _Meta:
    """Shared Meta defaults; table name, region and host are filled in by bind_models()."""

    table_name: Optional[str] = None  # unbound: pynamodb refuses to connect
    billing_mode = PAY_PER_REQUEST_BILLING_MODE
    connect_timeout_seconds = CONNECT_TIMEOUT_SECONDS
    read_timeout_seconds = READ_TIMEOUT_SECONDS
    max_retry_attempts = MAX_RETRIES


# --- users -------------------------------------------------------------------


class UsersByName(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = "by_name"
        projection = KeysOnlyProjection()

    name = UnicodeAttribute(hash_key=True)


class UsersByUnit(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = "by_unit"
        projection = KeysOnlyProjection()

    unit = UnicodeAttribute(hash_key=True)


class Admins(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = "admins"
        projection = KeysOnlyProjection()

    admin = UnicodeAttribute(hash_key=True)


class UserItem(Model):
    """One registered person with the conversation state."""

    class Meta(_Meta):
        pass

    key = UnicodeAttribute(hash_key=True)
    # GSI keys cannot be empty strings: "" is stored as an absent attribute.
    name = UnicodeAttribute(null=True)
    unit = UnicodeAttribute(null=True)
    admin = UnicodeAttribute(null=True)  # ADMIN_PARTITION while role >= 1, else absent
    role = NumberAttribute(default=0)
    session = JsonAttribute(null=True)
    answered = UnicodeSetAttribute(null=True)  # DynamoDB has no empty set: absent = empty
    created_at = UnicodeAttribute(default="")
    version = NumberAttribute(default=0)  # optimistic lock; checked by hand, not VersionAttribute
    rate = ListAttribute(of=NumberAttribute, null=True)  # [epoch minute, messages]; absent on older items

    by_name = UsersByName()
    by_unit = UsersByUnit()
    admins = Admins()


# --- surveys -----------------------------------------------------------------


class SurveyItem(Model):
    """A survey with its live counters."""

    class Meta(_Meta):
        pass

    id = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute(default="")
    owner = UnicodeAttribute(default="")
    owner_name = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    questions = JsonAttribute(default=list)
    coadmins = ListAttribute(of=UnicodeAttribute, default=list)  # kept in insertion order
    deadline = UnicodeAttribute(null=True)  # ISO 8601 with offset, for display/round trip
    deadline_us = NumberAttribute(null=True)  # same instant, epoch microseconds, for conditions
    target_unit = UnicodeAttribute(default="")
    cap = NumberAttribute(null=True)
    status = UnicodeAttribute(default="open")
    created_at = UnicodeAttribute(default="")
    response_count = NumberAttribute(default=0)
    # Always stored (possibly empty) so that SET option_counts.#k can address a nested path.
    option_counts = MapAttribute(default=dict)


# --- answers -----------------------------------------------------------------


class AnswerItem(Model):
    """One person's answer to one survey."""

    class Meta(_Meta):
        pass

    survey_id = UnicodeAttribute(hash_key=True)
    user_key = UnicodeAttribute(range_key=True)
    answer_values = JsonAttribute(attr_name="values", default=dict)
    name = UnicodeAttribute(default="")
    unit = UnicodeAttribute(default="")
    submitted_at = UnicodeAttribute(default="")
    updated_at = UnicodeAttribute(default="")
    survey_title = UnicodeAttribute(default="")
    version = NumberAttribute(default=0)


# --- audit -------------------------------------------------------------------


class AuditItem(Model):
    """An administrative action, kept for review."""

    class Meta(_Meta):
        pass

    part = UnicodeAttribute(hash_key=True, default=AUDIT_PARTITION)
    sk = UnicodeAttribute(range_key=True)  # f"{at}#{ordering suffix}"
    actor = UnicodeAttribute(default="")
    action = UnicodeAttribute(default="")
    target = UnicodeAttribute(default="")
    detail = UnicodeAttribute(default="")
    at = UnicodeAttribute(default="")


MODELS: tuple[type[Model], ...] = (UserItem, SurveyItem, AnswerItem, AuditItem)

_bound: Optional[Settings] = None
_shared: Optional[Connection] = None
_bind_lock = threading.Lock()  # `chalice local` serves requests on threads


def _table_names(s: Settings) -> dict[type[Model], str]:
    return {
        UserItem: s.users_table,
        SurveyItem: s.surveys_table,
        AnswerItem: s.answers_table,
        AuditItem: s.audit_table,
    }


def bind_models(force: bool = False) -> Connection:
    """Point every model at the tables, region and endpoint of the current settings.

    Cheap when nothing changed (returns the existing connection); rebinds when the
    settings differ from the last binding or ``force`` is set. All four models share
    one pynamodb ``Connection`` (one botocore client: creating a client costs ~0.2 s
    on a cold start), which is also the one transactions must use.

    Returns that shared connection.
    """
    global _bound, _shared
    s = settings()
    if not force and _shared is not None and _bound == s:
        return _shared
    with _bind_lock:
        if force or _shared is None or _bound != s:
            _shared = _bind(s)
            _bound = s
        return _shared


def _bind(s: Settings) -> Connection:
    host = s.dynamodb_endpoint or None
    key_id = secret = None
    if host and not os.environ.get("AWS_ACCESS_KEY_ID"):
        key_id, secret = "local", "local"  # local engines accept any credentials

    shared = Connection(
        region=s.region,
        host=host,
        connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
        read_timeout_seconds=READ_TIMEOUT_SECONDS,
        max_retry_attempts=MAX_RETRIES,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )
    for model, table in _table_names(s).items():
        meta = model.Meta
        meta.table_name = table
        meta.region = s.region
        meta.host = host
        meta.aws_access_key_id = key_id
        meta.aws_secret_access_key = secret
        # pynamodb caches a TableConnection per model class: drop it, let pynamodb build
        # a fresh one (with the table's key schema), then route it through `shared`.
        model._connection = None
        table_conn = model._get_connection()
        shared.add_meta_table(table_conn.get_meta_table())
        table_conn.connection = shared
    return shared


def unbind_models() -> None:
    """Forget the binding and cached connections (tests call this between environments)."""
    global _bound, _shared
    with _bind_lock:
        for model in MODELS:
            model._connection = None
            model.Meta.table_name = None
        _bound = _shared = None
