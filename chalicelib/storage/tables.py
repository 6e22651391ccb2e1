"""DynamoDB table definitions (pynamodb models) for the store.

The models below are the schema: keys, indexes and attributes, with no table
behind them (``Meta.table_name`` is None, so they refuse to connect). The
deployment template is held to them (tests/deploy). A store talks to its tables
through :class:`chalicelib.storage.bound.Tables`, which binds subclasses of these
models to one :class:`~chalicelib.storage.binding.DynamoConfig`; nothing module-level
is ever rebound.

Key design (access pattern -> key). No chat message scans a table; a member's
message reads a bounded number of small items however much history there is.

* users: ``key`` (Kakao user id); the item carries the conversation state, the
  surveys I answered (id -> when) and, for admins, those I manage (id -> title).
  GSIs project nothing a message writes, so the per-message session write never
  touches an index: ``by_name`` (hash ``name``, KEYS_ONLY), ``admins`` (hash
  ``admin``, sparse: :data:`ADMIN_PARTITION` only while role >= 1, KEYS_ONLY),
  ``members`` (hash ``member`` = :data:`MEMBER_PARTITION` on every registered
  person, range ``member_unit`` = ``u#<unit>``; name, unit, role and created_at
  projected: 현황 and 미응답 count and name a unit, or everyone, from the index
  alone). An index ``by_unit`` (hash ``unit``) was read by earlier versions and is gone: nothing had queried
  it since ``members`` came, and it cost every user write with a unit (docs/operations.md, "Dropping an index").
* surveys: ``id``. Two kinds of item share the table:
  - a survey, with its live counters. GSI ``titles`` (hash ``kind`` =
    :data:`SURVEY_KIND`, range ``title_key``; what lists show projected, no
    counters): a survey by its title, open or closed, and every survey for a
    super admin;
  - the listing, one item (id :data:`LISTING_ID`): every open survey (id -> what
    lists show), changed in the same transaction as whatever opens, closes,
    fills, frees or deletes a survey. Members' lists are one read of it;
  - the schedule, one item of the same shape (id :data:`PLANS_ID`): surveys that open
    by themselves (예약) and repeating ones, read by the scheduled job alone.
* answers: ``survey_id`` + ``user_key``; one survey's answers are one partition. ``user_key``
  is the person's key (``User.person_key``: the same on a new phone, see docs/identity.md);
  GSI ``by_person`` (hash ``person``, range ``at``, KEYS_ONLY, sparse: named answers only)
  gives a person's most recent answers back when they register again. A survey
  whose answers are kept without the person (익명, 참여만 확인) keys each answer by a random
  id, and its participation records are the partition ``p#<survey id>``.
* audit: ``part`` (the constant :data:`AUDIT_PARTITION`) + ``sk`` (``at#...``),
  newest first by querying the partition backwards. Audit writes are rare.
* roster: ``part`` + ``entry``. The organisation's people are one partition
  (:data:`ROSTER_PARTITION`), keyed ``<unit>#<name>[#<suffix>]``: registration reads
  one unit's people of one name (a Query on the key's prefix), 명단 and 미응답 one
  unit or everyone (a Query of the partition; an organisation, not a history). The
  units with their head counts are one item (:data:`UNITS_PARTITION`), which
  registration reads to match a typed unit. Refused registrations are counted per
  account (:data:`FAILURES_PARTITION`, expiring by TTL) and on the entry they named, each a
  leaky bucket written conditionally on its count of tries. Entries taken off the roster
  that tie to a person (claimed once) move to :data:`FORMER_PARTITION`, read only by a load.
"""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE, STRING
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage.names import (
    AUDIT_PARTITION,
    CONNECT_TIMEOUT_SECONDS,
    LISTING_ID,
    MAX_RETRIES,
    READ_TIMEOUT_SECONDS,
)


class JsonAttribute(Attribute[Any]):
    """A JSON document stored as one string (UTF-8 kept readable, no ASCII escapes)."""

    attr_type = STRING

    def serialize(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def deserialize(self, value: str) -> Any:
        return json.loads(value)


class _Meta:
    """Shared Meta defaults; table name, region, host and keys are those of a bound model (storage.binding)."""

    table_name: str | None = None  # the schema itself: pynamodb refuses to connect
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


class Admins(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = "admins"
        projection = KeysOnlyProjection()

    admin = UnicodeAttribute(hash_key=True)


class Members(GlobalSecondaryIndex["UserItem"]):
    class Meta:
        index_name = "members"
        projection = IncludeProjection(["name", "unit", "role", "created_at"])

    member = UnicodeAttribute(hash_key=True)
    member_unit = UnicodeAttribute(range_key=True)


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
    answered = UnicodeSetAttribute(null=True)  # before answered_at: ids only; read, never written
    answered_at = JsonAttribute(null=True)  # {survey id: epoch seconds of the submit}
    managed = JsonAttribute(null=True)  # {survey id: [title, epoch seconds]} (admins)
    viewing = JsonAttribute(null=True)  # {survey id: [title, epoch seconds]} (열람자)
    units = ListAttribute(of=UnicodeAttribute, null=True)  # 소속 관리자: the units they are an admin of
    member = UnicodeAttribute(null=True)  # MEMBER_PARTITION: every registered person is in ``members``
    member_unit = UnicodeAttribute(null=True)  # "u#" + the unit without spaces (user_items.member_unit)
    created_at = UnicodeAttribute(default="")
    version = NumberAttribute(default=0)  # optimistic lock; checked by hand, not VersionAttribute
    rate = ListAttribute(of=NumberAttribute, null=True)  # [epoch seconds, bucket level]; absent on older items
    roster = UnicodeAttribute(null=True)  # the roster entry this person claimed
    person = UnicodeAttribute(null=True)  # the key their answers are kept under, when not ``key``
    recalled = BooleanAttribute(null=True)  # the registration brought back what they had answered; absent = not

    by_name = UsersByName()
    admins = Admins()
    members = Members()


# --- surveys -----------------------------------------------------------------


class SurveyTitles(GlobalSecondaryIndex["SurveyItem"]):
    class Meta:
        index_name = "titles"
        projection = IncludeProjection(
            ["title", "target_unit", "deadline", "status", "created_at", "owner", "coadmins", "full"]
        )

    kind = UnicodeAttribute(hash_key=True)
    title_key = UnicodeAttribute(range_key=True)


class SurveyItem(Model):
    """A survey with its live counters."""

    class Meta(_Meta):
        pass

    id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(null=True)  # SURVEY_KIND: every survey is in ``titles``
    title_key = UnicodeAttribute(null=True)  # the title as titles compare (domain.model.title_key)
    full = BooleanAttribute(null=True)  # the response cap is reached (set when a count crosses it)
    title = UnicodeAttribute(default="")
    owner = UnicodeAttribute(default="")
    owner_name = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    questions = JsonAttribute(default=list)
    coadmins = ListAttribute(of=UnicodeAttribute, default=list)  # kept in insertion order
    viewers = ListAttribute(of=UnicodeAttribute, null=True)  # 열람자, in insertion order; absent = none
    deadline = UnicodeAttribute(null=True)  # ISO 8601 with offset, for display/round trip
    deadline_us = NumberAttribute(null=True)  # same instant, epoch microseconds, for conditions
    target_unit = UnicodeAttribute(default="")
    cap = NumberAttribute(null=True)
    status = UnicodeAttribute(default="open")
    created_at = UnicodeAttribute(default="")
    response_count = NumberAttribute(default=0)
    # Always stored (possibly empty) so that SET option_counts.#k can address a nested path.
    option_counts: MapAttribute[str, Any] = MapAttribute(default=dict)
    auto_remind = ListAttribute(of=NumberAttribute, null=True)  # hours before the deadline
    auto_reminded = ListAttribute(of=NumberAttribute, null=True)  # of those, the ones sent (conditionally)
    reminded_us = NumberAttribute(null=True)  # epoch microseconds of the last 알림 (its condition compares it)
    # 알림 of admins of some units: unit -> epoch microseconds (absent until the first; keys are only ever added)
    reminded_units: MapAttribute[str, Any] = MapAttribute(null=True)
    opens_at = UnicodeAttribute(null=True)  # 예약: ISO 8601 of when it opens by itself
    repeat = UnicodeAttribute(null=True)  # a repeating survey's rule (domain.repeat)
    origin = UnicodeAttribute(null=True)  # a period's copy: the repeating survey it came from
    mode = UnicodeAttribute(null=True)  # privacy mode; absent = named (실명)
    salt = UnicodeAttribute(null=True)  # 익명 of earlier versions: what its participation records are keyed with
    batch_size = NumberAttribute(null=True)  # 익명, 참여만 확인: answers shown in batches of at least this many
    keep_days = NumberAttribute(null=True)  # days answers are kept after closing; absent = the default
    closed_at = UnicodeAttribute(null=True)  # ISO 8601 of the close (retention counts from it)
    closed_us = NumberAttribute(null=True)  # the same instant, epoch microseconds, for conditions
    keep_extended = BooleanAttribute(null=True)  # 보관 연장 was used
    keep_warned = BooleanAttribute(null=True)  # its admins were told the answers go soon
    purged_at = UnicodeAttribute(null=True)  # when its answers were deleted

    titles = SurveyTitles()


class ListingItem(Model):
    """The listing: every open survey, as lists show it (one item of the surveys table)."""

    class Meta(_Meta):
        pass

    id = UnicodeAttribute(hash_key=True, default=LISTING_ID)
    # survey id -> JSON of what lists show; always stored (possibly empty) so SET entries.#id works.
    entries: MapAttribute[str, Any] = MapAttribute(default=dict)


class AggregateItem(Model):
    """A survey's counters (domain.aggregates), an item of the surveys table (id ``@agg#<survey id>``). Each counter
    is an attribute of its own, named as the counter is (``storage.dynamo_aggregates``), so that an answer's
    transaction adds to it with ``SET #c = if_not_exists(#c, 0) + :d`` whether the item exists yet or not."""

    class Meta(_Meta):
        pass

    id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(null=True)  # goes up with every change; a recount is conditional on it
    built = BooleanAttribute(null=True)  # holds every answer (made with the survey, or recounted)


# --- answers -----------------------------------------------------------------


class AnswersByPerson(GlobalSecondaryIndex["AnswerItem"]):
    """A person's named answers, newest first: what a registration brings back into the person's own item.
    Sparse: answers kept without the person (and participation records) carry neither key."""

    class Meta:
        index_name = "by_person"
        projection = KeysOnlyProjection()

    person = UnicodeAttribute(hash_key=True)
    at = NumberAttribute(range_key=True)


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
    batch = NumberAttribute(null=True)  # kept without the person: the batch it is shown with
    person = UnicodeAttribute(null=True)  # a named answer: its person (= user_key), for ``by_person``
    at = NumberAttribute(null=True)  # a named answer: epoch seconds of its first submit
    entered_by = UnicodeAttribute(null=True)  # 대리 응답: the admin who entered it (absent: the person themselves)

    by_person = AnswersByPerson()


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


# --- roster ------------------------------------------------------------------


class RosterItem(Model):
    """A person of the organisation (and, in other partitions, the units and refused attempts)."""

    class Meta(_Meta):
        pass

    part = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    unit = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    check = UnicodeAttribute(null=True)  # salted hash of the check value
    claimed_by = UnicodeAttribute(null=True)
    claimed_at = UnicodeAttribute(null=True)
    number = UnicodeAttribute(null=True)
    person = UnicodeAttribute(null=True)  # the key the person's answers are kept under (the first claimant's)
    units = JsonAttribute(null=True)  # the units item: {unit: head count}
    checks = BooleanAttribute(null=True)  # the units item: entries carry check values
    plan = JsonAttribute(null=True)  # the last load: the head's facts, or a chunk of its lines or keys
    token = UnicodeAttribute(null=True)  # the last load's head: which load it is (a yes holds to it)
    taken = BooleanAttribute(null=True)  # ... and whether its removals were said yes to
    tries = NumberAttribute(null=True)  # refused attempts ever noted (an account's item, or an entry): the version
    strain = NumberAttribute(null=True)  # ... the leaky bucket's level as of strain_at
    strain_at = NumberAttribute(null=True)  # epoch seconds
    locked_until = NumberAttribute(null=True)  # an entry: no registration is evaluated before then
    expires = NumberAttribute(null=True)  # epoch seconds; TTL removes failures items after it


MODELS: tuple[type[Model], ...] = (UserItem, SurveyItem, AnswerItem, AuditItem, RosterItem)
