"""Writes as one TransactWriteItems, and DynamoDB's errors as the ports' Conflict and Unavailable.

Each write goes into the transaction with the condition MemoryStore checks for
it (``storage.memory_writes``), so both stores refuse the same commits. Failed
conditions and racing transactions become :class:`Conflict` (naming the item
that failed); throttling, timeouts and connection failures become
:class:`Unavailable`; anything else passes through unchanged (the codes are
:mod:`chalicelib.storage.errors`'s). The store imports this module, and with it pynamodb's models, on its first
transaction: a member's reads and their item's own writes need neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

import botocore.exceptions
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.update import Action

from chalicelib.domain.census import Touch
from chalicelib.domain.model import SurveyInfo
from chalicelib.domain.plans import KEEP, Planned, plan_key
from chalicelib.domain.ports import Conflict, Unavailable
from chalicelib.domain.writes import DeleteSurvey, ListSurvey, Plan, UnlistSurvey, Unplan, Write
from chalicelib.storage import items
from chalicelib.storage.bound import Tables, Transaction
from chalicelib.storage.dynamo_aggregates import aggregate_id, raise_epoch
from chalicelib.storage.errors import error_code, is_retryable
from chalicelib.storage.names import LISTING_ID, PLANS_ID
from chalicelib.storage.tx_roster import ROSTER_WRITERS
from chalicelib.storage.tx_surveys import SURVEY_WRITERS, Writer

# How each write goes into a transaction. The listing, the schedule and survey deletions are collected by
# ``transact`` itself: a transaction touches an item once, so all of a commit's changes to them are one update.
WRITERS: dict[type, Writer] = {**SURVEY_WRITERS, **ROSTER_WRITERS}
COLLECTED = frozenset({ListSurvey, UnlistSurvey, Plan, Unplan, DeleteSurvey})
_missing = set(get_args(Write)) - set(WRITERS) - COLLECTED
if _missing:  # a write with no way into a transaction fails when this is imported (every storage test does)
    raise TypeError(f"writes with no DynamoDB writer: {sorted(t.__name__ for t in _missing)}")

# Per-item reasons inside a TransactionCanceledException.
_CONFLICT_REASONS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_RETRYABLE_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})


def transact(
    t: Tables,
    writes: list[Write],
    unlisted: Sequence[str] = (),
    deleted: Sequence[str] = (),
    epoch: Touch | None = None,
) -> None:
    """Apply ``writes`` (none of them a DeleteSurvey) in one transaction on ``t``'s shared connection;
    ``deleted`` survey items go in it too, and ``unlisted`` ids leave the listing with them; the people epoch
    moves with them as ``epoch`` says (domain.census)."""
    # pynamodb sends condition checks, then deletes, then puts, then updates;
    # CancellationReasons follow that order, so keep a label list per kind.
    labels: dict[str, list[str]] = {"check": [], "delete": [], "put": [], "update": []}
    listing = [w for w in writes if isinstance(w, (ListSurvey, UnlistSurvey))]
    plans = [w for w in writes if isinstance(w, (Plan, Unplan))]
    try:
        with Transaction(connection=t.connection) as tx:
            for i, w in enumerate(writes):
                if type(w) in COLLECTED:
                    continue
                writer = WRITERS.get(type(w))
                if writer is None:
                    raise TypeError(f"not a transactional write: {w!r}")
                for kind, label in writer(tx, t, w, i):
                    labels[kind].append(label)
            for survey_id in deleted:  # no condition: deleting what is gone already is no harm
                tx.delete(t.SurveyItem(survey_id))
                tx.delete(t.AggregateItem(aggregate_id(survey_id)))
                labels["delete"] += ["survey", "aggregate"]
            if listing or unlisted:
                # All listing changes of a commit are one update: a transaction touches an item once.
                tx.update(t.ListingItem(LISTING_ID), actions=_listing_actions(t, listing, unlisted))
                labels["update"].append("listing")
            if plans or deleted:
                tx.update(t.ListingItem(PLANS_ID), actions=_plan_actions(t, plans, deleted))
                labels["update"].append("plans")
            if epoch is not None:
                for kind, label in raise_epoch(tx, t, epoch):
                    labels[kind].append(label)
    except TransactWriteError as e:
        ordered = labels["check"] + labels["delete"] + labels["put"] + labels["update"]
        mapped = _transaction_error(e, ordered)
        if mapped is e:
            raise
        raise mapped from e
    except (PynamoDBException, botocore.exceptions.BotoCoreError) as e:
        if is_retryable(e):  # e.g. the pre-read of AddCoadmin
            raise Unavailable(str(e)) from e
        raise


# --- the listing and the schedule ---------------------------------------------


def _listing_actions(t: Tables, changes: Sequence[ListSurvey | UnlistSurvey], unlisted: Sequence[str]) -> list[Action]:
    """SET or REMOVE one listing entry per survey (the last change of a survey wins)."""
    final: dict[str, SurveyInfo | None] = dict.fromkeys(unlisted)
    for c in changes:
        if isinstance(c, ListSurvey):
            final[c.info.id] = c.info
        else:
            final[c.survey_id] = None
    entries = t.ListingItem.entries
    return [
        entries[sid].set(items.listing_entry(info)) if info is not None else entries[sid].remove()
        for sid, info in final.items()
    ]


def _plan_actions(t: Tables, changes: Sequence[Plan | Unplan], deleted: Sequence[str]) -> list[Action]:
    """SET or REMOVE one schedule entry per survey (the last change of a survey wins)."""
    final: dict[str, Planned | None] = dict.fromkeys([*deleted, *(plan_key(sid, KEEP) for sid in deleted)])
    for c in changes:
        final[c.planned.entry if isinstance(c, Plan) else c.entry] = c.planned if isinstance(c, Plan) else None
    entries = t.ListingItem.entries
    return [
        entries[sid].set(items.plan_entry(p)) if p is not None else entries[sid].remove() for sid, p in final.items()
    ]


# --- error mapping -----------------------------------------------------------


def _transaction_error(e: TransactWriteError, labels: list[str]) -> Exception:
    """Conflict for failed conditions or a racing transaction, Unavailable for throttling."""
    if error_code(e) == "TransactionCanceledException":
        reasons = e.cancellation_reasons or []
        for i, reason in enumerate(reasons):
            if reason is not None and reason.code in _CONFLICT_REASONS:
                return Conflict(labels[i] if i < len(labels) else "")
        if any(r is not None and r.code in _RETRYABLE_REASONS for r in reasons):
            return Unavailable(str(e))
    if is_retryable(e):
        return Unavailable(str(e))
    return e
