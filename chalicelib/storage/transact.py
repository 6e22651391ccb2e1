"""Writes as one TransactWriteItems, and DynamoDB's errors as the ports' Conflict and Unavailable.

Each write goes into the transaction with the condition MemoryStore checks for
it (``MemoryStore._check``), so both stores refuse the same commits. Failed
conditions and racing transactions become :class:`Conflict` (naming the item
that failed); throttling, timeouts and connection failures become
:class:`Unavailable`; anything else passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import botocore.exceptions
from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.model import CLOSED, KEEP, OPEN, Planned, Strain, SurveyInfo, plan_key
from chalicelib.domain.ports import Conflict, Unavailable
from chalicelib.domain.writes import (
    AddCoadmin,
    Audit,
    ClaimRoster,
    CountResponse,
    DeleteAnswer,
    DeleteFormerEntry,
    DeleteRosterEntry,
    DeleteUser,
    KeepLoadResult,
    KeepLonger,
    KeepUnnamedAnswer,
    LiftEntryLock,
    ListSurvey,
    MarkAutoReminded,
    MarkKeepWarned,
    MarkPurged,
    MarkReminded,
    NoteEntryFailure,
    NoteRegistrationFailure,
    Plan,
    PutAnswer,
    PutRosterEntry,
    PutSurvey,
    PutUser,
    ReleaseRoster,
    RetireRosterEntry,
    SetRepeat,
    SetRosterUnits,
    SetSurveyStatus,
    SetUserRoster,
    TakeRemovals,
    UnlistSurvey,
    Unplan,
    Write,
)
from chalicelib.storage import items
from chalicelib.storage.tables import (
    FAILURES_PARTITION,
    FORMER_PARTITION,
    LISTING_ID,
    LOAD_HEAD,
    LOAD_PARTITION,
    LOAD_PARTS_PARTITION,
    PLANS_ID,
    ROSTER_PARTITION,
    UNITS_ENTRY,
    UNITS_PARTITION,
    AnswerItem,
    RosterItem,
    SurveyItem,
    Tables,
    UserItem,
)

# Error codes meaning "try again shortly" rather than "your request is wrong".
_RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
# Per-item reasons inside a TransactionCanceledException.
_CONFLICT_REASONS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_RETRYABLE_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
_NETWORK_ERRORS = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)


def transact(t: Tables, writes: list[Write], unlisted: Sequence[str] = (), deleted: Sequence[str] = ()) -> None:
    """Apply ``writes`` (none of them a DeleteSurvey) in one transaction on ``t``'s shared connection;
    ``deleted`` survey items go in it too, and ``unlisted`` ids leave the listing with them."""
    # pynamodb sends condition checks, then deletes, then puts, then updates;
    # CancellationReasons follow that order, so keep a label list per kind.
    labels: dict[str, list[str]] = {"check": [], "delete": [], "put": [], "update": []}
    listing = [w for w in writes if isinstance(w, (ListSurvey, UnlistSurvey))]
    plans = [w for w in writes if isinstance(w, (Plan, Unplan))]
    try:
        with TransactWrite(connection=t.connection) as tx:
            for i, w in enumerate(writes):
                if isinstance(w, (ListSurvey, UnlistSurvey, Plan, Unplan)):
                    continue
                if isinstance(w, KeepLoadResult):  # a head, and the lines and keys in chunks: no condition
                    head = items.load_head(w.result)
                    tx.save(t.RosterItem(LOAD_PARTITION, LOAD_HEAD, plan=head, token=w.result.token, expires=w.expires))
                    labels["put"].append("roster")
                    for entry, part in _load_parts(w):
                        tx.save(
                            t.RosterItem(LOAD_PARTS_PARTITION + w.result.token, entry, plan=part, expires=w.expires)
                        )
                        labels["put"].append("roster")
                    continue
                if isinstance(w, KeepUnnamedAnswer):  # the answer, and a check that its survey still holds answers
                    cond = SurveyItem.id.exists() & SurveyItem.purged_at.does_not_exist()
                    tx.condition_check(t.SurveyItem, w.answer.survey_id, condition=cond)
                    labels["check"].append("survey")
                    answer = items.answer_item(t.AnswerItem, w.answer, 1)
                    tx.save(answer, condition=AnswerItem.version.does_not_exist())
                    labels["put"].append("answer")
                    continue
                if isinstance(w, RetireRosterEntry):  # two items: off the roster, into the former entries
                    tx.save(items.roster_item(t.RosterItem, w.entry, FORMER_PARTITION))
                    labels["put"].append("roster")
                    # condition: on the roster still
                    tx.delete(t.RosterItem(ROSTER_PARTITION, w.entry.entry), condition=RosterItem.entry.exists())
                    labels["delete"].append("roster")
                    continue
                kind, label = _add(tx, t, w, i)
                labels[kind].append(label)
            for survey_id in deleted:  # no condition: deleting what is gone already is no harm
                tx.delete(t.SurveyItem(survey_id))
                labels["delete"].append("survey")
            if listing or unlisted:
                # All listing changes of a commit are one update: a transaction touches an item once.
                tx.update(t.ListingItem(LISTING_ID), actions=_listing_actions(t, listing, unlisted))
                labels["update"].append("listing")
            if plans or deleted:
                tx.update(t.ListingItem(PLANS_ID), actions=_plan_actions(t, plans, deleted))
                labels["update"].append("plans")
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


def put_user_alone(t: Tables, w: PutUser) -> None:
    """A commit of one user item (most messages' only write): a conditional PutItem, the same condition as in a
    transaction at half the write units of a one-item transaction."""
    item = items.user_item(t.UserItem, w.user, w.user.version + 1)
    try:
        with mapped_errors():
            item.save(condition=_version_is(UserItem, w.user.version))
    except PutError as e:
        if _error_code(e) == "ConditionalCheckFailedException":
            raise Conflict("user") from e
        raise


# --- transaction building ----------------------------------------------------


def _add(tx: TransactWrite, t: Tables, w: Write, index: int) -> tuple[str, str]:
    """Add one write with its condition to ``tx``; return (pynamodb kind, what for Conflict)."""
    if isinstance(w, PutUser):
        # condition: stored version == user.version (0: no item); stored version becomes +1
        tx.save(
            items.user_item(t.UserItem, w.user, w.user.version + 1), condition=_version_is(UserItem, w.user.version)
        )
        return "put", "user"
    if isinstance(w, DeleteUser):
        # condition: item exists with version == expected_version
        tx.delete(t.UserItem(w.key), condition=UserItem.version == w.expected_version)
        return "delete", "user"
    if isinstance(w, PutAnswer):
        # condition: stored version == answer.version (0: no item) -- one answer per person
        cond = _version_is(AnswerItem, w.answer.version)
        tx.save(items.answer_item(t.AnswerItem, w.answer, w.answer.version + 1), condition=cond)
        return "put", "answer"
    if isinstance(w, DeleteAnswer):
        tx.delete(t.AnswerItem(w.survey_id, w.user_key), condition=AnswerItem.version == w.expected_version)
        return "delete", "answer"
    if isinstance(w, CountResponse):
        actions, cond = _count_response(w)
        tx.update(t.SurveyItem(w.survey_id), actions=actions, condition=cond)
        return "update", "survey"
    if isinstance(w, PutSurvey):
        tx.save(items.survey_item(t.SurveyItem, w.survey), condition=SurveyItem.id.does_not_exist())
        return "put", "survey"
    if isinstance(w, SetSurveyStatus):
        status_actions: list[Action] = [SurveyItem.status.set(w.status)]
        if w.clear_deadline:
            status_actions += [SurveyItem.deadline.remove(), SurveyItem.deadline_us.remove()]
        if w.deadline is not None:
            status_actions += [
                SurveyItem.deadline.set(w.deadline.isoformat()),
                SurveyItem.deadline_us.set(items.epoch_us(w.deadline)),
            ]
        if w.opens_at is not None:
            status_actions.append(SurveyItem.opens_at.set(w.opens_at.isoformat()))
        if w.status == CLOSED and w.at is not None:
            status_actions += [
                SurveyItem.closed_at.set(w.at.isoformat()),
                SurveyItem.closed_us.set(items.epoch_us(w.at)),
            ]
        elif w.status != CLOSED:
            status_actions += [
                SurveyItem.closed_at.remove(),
                SurveyItem.closed_us.remove(),
                SurveyItem.keep_warned.remove(),
            ]
        cond = SurveyItem.id.exists()
        if w.expect:  # condition: in that state still (a scheduled survey opens once)
            cond &= SurveyItem.status == w.expect
        if w.full is True:  # condition: still full, as the listing written with it says
            cond &= SurveyItem.full == True  # noqa: E712 (a condition, not a comparison)
        elif w.full is False:  # condition: still not full
            cond &= SurveyItem.full.does_not_exist() | (SurveyItem.full == False)  # noqa: E712
        tx.update(t.SurveyItem(w.survey_id), actions=status_actions, condition=cond)
        return "update", "survey"
    if isinstance(w, KeepLonger):
        # condition: closed, not purged, not extended before
        cond = (
            (SurveyItem.status == CLOSED)
            & SurveyItem.purged_at.does_not_exist()
            & (SurveyItem.keep_extended.does_not_exist() | (SurveyItem.keep_extended == False))  # noqa: E712
        )
        actions = [SurveyItem.keep_extended.set(True), SurveyItem.keep_warned.remove()]
        tx.update(t.SurveyItem(w.survey_id), actions=actions, condition=cond)
        return "update", "survey"
    if isinstance(w, MarkKeepWarned):
        # condition: closed at that moment still, not told yet
        cond = (SurveyItem.closed_us == items.epoch_us(w.closed_at)) & (
            SurveyItem.keep_warned.does_not_exist() | (SurveyItem.keep_warned == False)  # noqa: E712
        )
        tx.update(t.SurveyItem(w.survey_id), actions=[SurveyItem.keep_warned.set(True)], condition=cond)
        return "update", "survey"
    if isinstance(w, MarkPurged):
        # condition: closed at that moment still (not reopened since), not purged before
        cond = (
            (SurveyItem.status == CLOSED)
            & (SurveyItem.closed_us == items.epoch_us(w.closed_at))
            & SurveyItem.purged_at.does_not_exist()
        )
        tx.update(t.SurveyItem(w.survey_id), actions=[SurveyItem.purged_at.set(w.at.isoformat())], condition=cond)
        return "update", "survey"
    if isinstance(w, SetRepeat):
        action = SurveyItem.repeat.set(w.rule) if w.rule else SurveyItem.repeat.remove()
        repeat_cond = SurveyItem.id.exists()
        if w.expect:  # condition: it repeats by that rule still
            repeat_cond &= SurveyItem.repeat == w.expect
        tx.update(t.SurveyItem(w.survey_id), actions=[action], condition=repeat_cond)
        return "update", "survey"
    if isinstance(w, AddCoadmin):
        return _add_coadmin(tx, t, w)
    if isinstance(w, Audit):
        tx.save(items.audit_item(t.AuditItem, w.entry, index))  # plain put: audit keys are unique
        return "put", "audit"
    if isinstance(w, (PutRosterEntry, DeleteRosterEntry, ClaimRoster, ReleaseRoster)):
        return _add_roster(tx, t, w)
    if isinstance(w, DeleteFormerEntry):
        tx.delete(t.RosterItem(FORMER_PARTITION, w.entry))
        return "delete", "roster"
    if isinstance(w, SetUserRoster):
        # condition: the user exists; the version goes up so an older copy of the item cannot be put back
        linked: list[Action] = [
            UserItem.roster.set(w.entry),
            UserItem.unit.set(w.unit) if w.unit else UserItem.unit.remove(),
            UserItem.member_unit.set(items.member_unit(w.unit)),
            UserItem.version.set(UserItem.version + 1),
        ]
        tx.update(t.UserItem(w.user_key), actions=linked, condition=UserItem.key.exists())
        return "update", "user"
    if isinstance(w, SetRosterUnits):  # kept even when empty: it remembers that there was a roster
        tx.save(t.RosterItem(UNITS_PARTITION, UNITS_ENTRY, units=dict(w.units), checks=w.checks or None))
        return "put", "roster"
    if isinstance(w, MarkReminded):
        # condition: the survey exists and was not reminded since not_since
        since = items.epoch_us(w.not_since)
        cond = SurveyItem.id.exists() & (SurveyItem.reminded_us.does_not_exist() | (SurveyItem.reminded_us < since))
        tx.update(t.SurveyItem(w.survey_id), actions=[SurveyItem.reminded_us.set(items.epoch_us(w.at))], condition=cond)
        return "update", "survey"
    if isinstance(w, MarkAutoReminded):
        # condition: the survey exists and this automatic reminder was not sent yet
        done = SurveyItem.auto_reminded
        cond = SurveyItem.id.exists() & (done.does_not_exist() | ~done.contains(w.hours))
        tx.update(t.SurveyItem(w.survey_id), actions=[done.set((done | []).append([w.hours]))], condition=cond)
        return "update", "survey"
    if isinstance(w, TakeRemovals):
        # condition: the load kept now is this one, and its removals were not taken yet
        head = t.RosterItem(LOAD_PARTITION, LOAD_HEAD)
        cond = (RosterItem.token == w.token) & (RosterItem.taken.does_not_exist() | (RosterItem.taken == False))  # noqa: E712
        tx.update(head, actions=[RosterItem.taken.set(True)], condition=cond)
        return "update", "roster"
    if isinstance(w, NoteRegistrationFailure):
        # condition: the account's tries are still the ones read (parallel attempts are noted one by one)
        failures = t.RosterItem(FAILURES_PARTITION, w.user_key)
        actions = [*_strain_actions(w.strain), RosterItem.expires.set(w.expires)]
        tx.update(failures, actions=actions, condition=_tries_were(w.strain.tries - 1))
        return "update", "roster"
    if isinstance(w, NoteEntryFailure):
        # condition: the entry exists, and its tries are still the ones read (guesses are evaluated one by one)
        cond = RosterItem.entry.exists() & _tries_were(w.strain.tries - 1)
        tx.update(t.RosterItem(ROSTER_PARTITION, w.entry), actions=_strain_actions(w.strain), condition=cond)
        return "update", "roster"
    if isinstance(w, LiftEntryLock):
        lifted: list[Action] = [RosterItem.strain.set(0), RosterItem.locked_until.remove()]
        tx.update(t.RosterItem(ROSTER_PARTITION, w.entry), actions=lifted, condition=RosterItem.entry.exists())
        return "update", "roster"
    raise TypeError(f"not a transactional write: {w!r}")


def _add_roster(
    tx: TransactWrite, t: Tables, w: PutRosterEntry | DeleteRosterEntry | ClaimRoster | ReleaseRoster
) -> tuple[str, str]:
    """A roster entry's write with the condition MemoryStore checks for it."""
    if isinstance(w, PutRosterEntry):
        e = w.entry
        if w.new:
            # condition: no entry with this key yet
            tx.save(items.roster_item(t.RosterItem, e), condition=RosterItem.entry.does_not_exist())
            return "put", "roster"
        # a changed entry keeps its claim: unit, name, check and number only
        actions: list[Action] = [
            RosterItem.unit.set(e.unit),
            RosterItem.name.set(e.name),
            RosterItem.check.set(e.check) if e.check else RosterItem.check.remove(),
            RosterItem.number.set(e.number) if e.number else RosterItem.number.remove(),
        ]
        tx.update(t.RosterItem(ROSTER_PARTITION, e.entry), actions=actions)
        return "update", "roster"
    if isinstance(w, DeleteRosterEntry):
        # condition: on the roster
        tx.delete(t.RosterItem(ROSTER_PARTITION, w.entry), condition=RosterItem.entry.exists())
        return "delete", "roster"
    item = t.RosterItem(ROSTER_PARTITION, w.entry)
    if isinstance(w, ClaimRoster):
        # condition: the entry exists, nobody else claimed it, and its person is this one or none yet
        cond = RosterItem.entry.exists() & (
            RosterItem.claimed_by.does_not_exist() | (RosterItem.claimed_by == w.user_key)
        )
        claim: list[Action] = [RosterItem.claimed_by.set(w.user_key), RosterItem.claimed_at.set(w.at)]
        if w.seen_tries is not None:  # no refused guess was noted since the entry was read
            cond &= _tries_were(w.seen_tries)
        if w.person:
            cond &= RosterItem.person.does_not_exist() | (RosterItem.person == w.person)
            claim.append(RosterItem.person.set(w.person))
        tx.update(item, actions=claim, condition=cond)
        return "update", "roster"
    # ReleaseRoster -- condition: the entry exists, claimed by this user
    cond = RosterItem.entry.exists() & (RosterItem.claimed_by == w.user_key)
    tx.update(item, actions=[RosterItem.claimed_by.remove(), RosterItem.claimed_at.remove()], condition=cond)
    return "update", "roster"


LOAD_CHUNK = 1000  # lines or keys per item of a kept load (a few tens of KB)


def _load_parts(w: KeepLoadResult) -> list[tuple[str, list[str]]]:
    """(entry, chunk) of a kept load's lines ('l0000', ...) and removal keys ('k0000', ...): 50,000 people at most
    (the longest roster file) make at most 50 of each, within a transaction's 100 items."""
    out: list[tuple[str, list[str]]] = []
    for kind, values in (("l", w.lines), ("k", w.keys)):
        out += [(f"{kind}{n // LOAD_CHUNK:04d}", values[n : n + LOAD_CHUNK]) for n in range(0, len(values), LOAD_CHUNK)]
    return out


def _strain_actions(s: Strain) -> list[Action]:
    return [
        RosterItem.tries.set(s.tries),
        RosterItem.strain.set(s.level),
        RosterItem.strain_at.set(s.at),
        RosterItem.locked_until.set(s.until) if s.until else RosterItem.locked_until.remove(),
    ]


def _tries_were(tries: int) -> Condition:
    return RosterItem.tries.does_not_exist() if tries == 0 else RosterItem.tries == tries


def _version_is(model: type[UserItem] | type[AnswerItem], version: int) -> Condition:
    # Every stored item carries a version >= 1, so "no version" means "no item".
    if version == 0:
        return model.version.does_not_exist()
    return model.version == version


def _count_response(w: CountResponse) -> tuple[list[Action], Condition]:
    """Counter updates and their guard, mirroring MemoryStore._check."""
    # condition: survey exists, is open, and its deadline (if any) is after `now`
    cond = SurveyItem.id.exists() & (SurveyItem.status == OPEN)
    cond &= SurveyItem.deadline_us.does_not_exist() | (SurveyItem.deadline_us > items.epoch_us(w.now))
    if w.response_delta > 0 and w.cap is not None:
        # condition: response_count + delta <= cap (conditions cannot add: move delta right)
        cond &= SurveyItem.response_count <= w.cap - w.response_delta
    actions: list[Action] = [SurveyItem.response_count.set((SurveyItem.response_count | 0) + w.response_delta)]
    if w.seen_count is not None:
        # condition: the count is the one the listing change was decided on; it is full from now if so
        cond &= SurveyItem.response_count == w.seen_count
        full = w.cap is not None and w.seen_count + w.response_delta >= w.cap
        actions.append(SurveyItem.full.set(full))
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


def _add_coadmin(tx: TransactWrite, t: Tables, w: AddCoadmin) -> tuple[str, str]:
    """Append to coadmins unless already there (a list keeps the order MemoryStore keeps)."""
    try:
        current: SurveyItem | None = t.SurveyItem.get(w.survey_id, consistent_read=True)
    except DoesNotExist:
        current = None
    if current is None:
        # condition: the survey exists (it does not, so the transaction is refused)
        tx.condition_check(t.SurveyItem, w.survey_id, condition=SurveyItem.id.exists())
        return "check", "survey"
    if w.user_key in (current.coadmins or []):
        # condition: still there; nothing to write
        cond = SurveyItem.id.exists() & SurveyItem.coadmins.contains(w.user_key)
        tx.condition_check(t.SurveyItem, w.survey_id, condition=cond)
        return "check", "survey"
    # condition: exists and not added meanwhile (a race surfaces as Conflict; the caller re-reads)
    cond = SurveyItem.id.exists() & ~SurveyItem.coadmins.contains(w.user_key)
    action = SurveyItem.coadmins.set((SurveyItem.coadmins | []).append([w.user_key]))
    tx.update(t.SurveyItem(w.survey_id), actions=[action], condition=cond)
    return "update", "survey"


# --- error mapping -----------------------------------------------------------


def _error_code(e: BaseException) -> str | None:
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
def mapped_errors() -> Iterator[None]:
    """Turn throttling, timeouts and connection failures into Unavailable; let the rest through."""
    try:
        yield
    except (PynamoDBException, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        if _is_retryable(e):
            raise Unavailable(str(e)) from e
        raise
