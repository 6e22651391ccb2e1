"""How each write of users, answers and surveys goes into a DynamoDB transaction, with the condition
``storage.memory_writes`` checks for it. Each function adds its items to the transaction and returns, per item,
(pynamodb kind, what a failed condition names); ``storage.transact`` holds the table of them."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.model import CLOSED
from chalicelib.domain.roster_writes import SetUserRoster
from chalicelib.domain.writes import (
    AddCoadmin,
    AddToAggregate,
    AddViewer,
    Audit,
    CountResponse,
    DeleteAnswer,
    DeleteUser,
    KeepCensus,
    KeepLonger,
    KeepUnnamedAnswer,
    MarkAutoReminded,
    MarkKeepWarned,
    MarkPurged,
    MarkReminded,
    PutAnswer,
    PutSurvey,
    PutUser,
    RecountAggregate,
    SetRepeat,
    SetSurveyStatus,
    TouchPeople,
)
from chalicelib.storage import dynamo_aggregates, items, raw_writes, user_items
from chalicelib.storage.bound import Tables, Transaction
from chalicelib.storage.tables import AnswerItem, SurveyItem, UserItem

Added = list[tuple[str, str]]  # per item the write adds: (pynamodb kind, what a failed condition names)
Writer = Any  # Callable[[TransactWrite, Tables, <a write>, int], Added]: each takes its own write type


def version_is(model: type[UserItem] | type[AnswerItem], version: int) -> Condition:
    # Every stored item carries a version >= 1, so "no version" means "no item".
    if version == 0:
        return model.version.does_not_exist()
    return model.version == version


def put_user(tx: Transaction, t: Tables, w: PutUser, index: int) -> Added:
    # condition: stored version == user.version (0: no item); stored version becomes +1
    tx.put_op(raw_writes.put_user(t.config.users_table, w.user))
    return [("put", "user")]


def delete_user(tx: TransactWrite, t: Tables, w: DeleteUser, index: int) -> Added:
    # condition: item exists with version == expected_version
    tx.delete(t.UserItem(w.key), condition=UserItem.version == w.expected_version)
    return [("delete", "user")]


def set_user_roster(tx: TransactWrite, t: Tables, w: SetUserRoster, index: int) -> Added:
    # condition: the user exists; the version goes up so an older copy of the item cannot be put back
    linked: list[Action] = [
        UserItem.roster.set(w.entry),
        UserItem.unit.set(w.unit) if w.unit else UserItem.unit.remove(),
        UserItem.member_unit.set(user_items.member_unit(w.unit)),
        UserItem.version.set(UserItem.version + 1),
    ]
    tx.update(t.UserItem(w.user_key), actions=linked, condition=UserItem.key.exists())
    return [("update", "user")]


def put_answer(tx: Transaction, t: Tables, w: PutAnswer, index: int) -> Added:
    # condition: stored version == answer.version (0: no item) -- one answer per person
    tx.put_op(raw_writes.put_answer(t.config.answers_table, w.answer))
    return [("put", "answer")]


def keep_unnamed(tx: TransactWrite, t: Tables, w: KeepUnnamedAnswer, index: int) -> Added:
    # condition: the survey still holds answers (a check of another item), and the random key is new
    cond = SurveyItem.id.exists() & SurveyItem.purged_at.does_not_exist()
    tx.condition_check(t.SurveyItem, w.answer.survey_id, condition=cond)
    tx.save(items.answer_item(t.AnswerItem, w.answer, 1), condition=AnswerItem.version.does_not_exist())
    return [("check", "survey"), ("put", "answer")]


def delete_answer(tx: Transaction, t: Tables, w: DeleteAnswer, index: int) -> Added:
    # condition: the answer is still the one read
    tx.delete_op(raw_writes.delete_answer(t.config.answers_table, w))
    return [("delete", "answer")]


def count_response(tx: Transaction, t: Tables, w: CountResponse, index: int) -> Added:
    """Counter updates and their guard, mirroring MemoryStore's (raw_writes.count_response spells them out)."""
    tx.update_op(raw_writes.count_response(t.config.surveys_table, w))
    return [("update", "survey")]


def put_survey(tx: TransactWrite, t: Tables, w: PutSurvey, index: int) -> Added:
    tx.save(items.survey_item(t.SurveyItem, w.survey), condition=SurveyItem.id.does_not_exist())
    return [("put", "survey"), *dynamo_aggregates.empty_aggregate(tx, t, w)]


def set_status(tx: TransactWrite, t: Tables, w: SetSurveyStatus, index: int) -> Added:
    actions: list[Action] = [SurveyItem.status.set(w.status)]
    if w.clear_deadline:
        actions += [SurveyItem.deadline.remove(), SurveyItem.deadline_us.remove()]
    if w.deadline is not None:
        deadline_us = items.epoch_us(w.deadline)
        actions += [SurveyItem.deadline.set(w.deadline.isoformat()), SurveyItem.deadline_us.set(deadline_us)]
    if w.opens_at is not None:
        actions.append(SurveyItem.opens_at.set(w.opens_at.isoformat()))
    if w.status == CLOSED and w.at is not None:
        actions += [SurveyItem.closed_at.set(w.at.isoformat()), SurveyItem.closed_us.set(items.epoch_us(w.at))]
    elif w.status != CLOSED:
        actions += [SurveyItem.closed_at.remove(), SurveyItem.closed_us.remove(), SurveyItem.keep_warned.remove()]
    cond = SurveyItem.id.exists()
    if w.expect:  # condition: in that state still (a scheduled survey opens once)
        cond &= SurveyItem.status == w.expect
    if w.full is True:  # condition: still full, as the listing written with it says
        cond &= SurveyItem.full == True  # noqa: E712 (a condition, not a comparison)
    elif w.full is False:  # condition: still not full
        cond &= SurveyItem.full.does_not_exist() | (SurveyItem.full == False)  # noqa: E712
    tx.update(t.SurveyItem(w.survey_id), actions=actions, condition=cond)
    return [("update", "survey")]


def keep_longer(tx: TransactWrite, t: Tables, w: KeepLonger, index: int) -> Added:
    # condition: closed, not purged, not extended before
    cond = (
        (SurveyItem.status == CLOSED)
        & SurveyItem.purged_at.does_not_exist()
        & (SurveyItem.keep_extended.does_not_exist() | (SurveyItem.keep_extended == False))  # noqa: E712
    )
    actions: list[Action] = [SurveyItem.keep_extended.set(True), SurveyItem.keep_warned.remove()]
    tx.update(t.SurveyItem(w.survey_id), actions=actions, condition=cond)
    return [("update", "survey")]


def mark_warned(tx: TransactWrite, t: Tables, w: MarkKeepWarned, index: int) -> Added:
    # condition: closed at that moment still, not told yet
    cond = (SurveyItem.closed_us == items.epoch_us(w.closed_at)) & (
        SurveyItem.keep_warned.does_not_exist() | (SurveyItem.keep_warned == False)  # noqa: E712
    )
    tx.update(t.SurveyItem(w.survey_id), actions=[SurveyItem.keep_warned.set(True)], condition=cond)
    return [("update", "survey")]


def mark_purged(tx: TransactWrite, t: Tables, w: MarkPurged, index: int) -> Added:
    # condition: closed at that moment still (not reopened since), not purged before
    cond = (
        (SurveyItem.status == CLOSED)
        & (SurveyItem.closed_us == items.epoch_us(w.closed_at))
        & SurveyItem.purged_at.does_not_exist()
    )
    tx.update(t.SurveyItem(w.survey_id), actions=[SurveyItem.purged_at.set(w.at.isoformat())], condition=cond)
    return [("update", "survey")]


def set_repeat(tx: TransactWrite, t: Tables, w: SetRepeat, index: int) -> Added:
    action = SurveyItem.repeat.set(w.rule) if w.rule else SurveyItem.repeat.remove()
    cond = SurveyItem.id.exists()
    if w.expect:  # condition: it repeats by that rule still
        cond &= SurveyItem.repeat == w.expect
    tx.update(t.SurveyItem(w.survey_id), actions=[action], condition=cond)
    return [("update", "survey")]


def add_coadmin(tx: TransactWrite, t: Tables, w: AddCoadmin, index: int) -> Added:
    """Append to coadmins unless already there (a list keeps the order MemoryStore keeps)."""
    return _add_to(tx, t, w.survey_id, w.user_key, SurveyItem.coadmins)


def add_viewer(tx: TransactWrite, t: Tables, w: AddViewer, index: int) -> Added:
    """Append to viewers unless already there, as add_coadmin does."""
    return _add_to(tx, t, w.survey_id, w.user_key, SurveyItem.viewers)


def _add_to(tx: TransactWrite, t: Tables, survey_id: str, key: str, keys: Any) -> Added:
    try:
        current: SurveyItem | None = t.SurveyItem.get(survey_id, consistent_read=True)
    except DoesNotExist:
        current = None
    if current is None:
        # condition: the survey exists (it does not, so the transaction is refused)
        tx.condition_check(t.SurveyItem, survey_id, condition=SurveyItem.id.exists())
        return [("check", "survey")]
    if key in (getattr(current, keys.attr_name) or []):
        # condition: still there; nothing to write
        cond = SurveyItem.id.exists() & keys.contains(key)
        tx.condition_check(t.SurveyItem, survey_id, condition=cond)
        return [("check", "survey")]
    # condition: exists and not added meanwhile (a race surfaces as Conflict; the caller re-reads)
    cond = SurveyItem.id.exists() & ~keys.contains(key)
    action = keys.set((keys | []).append([key]))
    tx.update(t.SurveyItem(survey_id), actions=[action], condition=cond)
    return [("update", "survey")]


def audit(tx: TransactWrite, t: Tables, w: Audit, index: int) -> Added:
    tx.save(items.audit_item(t.AuditItem, w.entry, index))  # plain put: audit keys are unique
    return [("put", "audit")]


def mark_reminded(tx: TransactWrite, t: Tables, w: MarkReminded, index: int) -> Added:
    # condition: the survey exists and was not reminded since not_since
    since, at = items.epoch_us(w.not_since), items.epoch_us(w.at)
    cond = SurveyItem.id.exists() & (SurveyItem.reminded_us.does_not_exist() | (SurveyItem.reminded_us < since))
    if not w.units:
        tx.update(t.SurveyItem(w.survey_id), actions=[SurveyItem.reminded_us.set(at)], condition=cond)
        return [("update", "survey")]
    marks = SurveyItem.reminded_units
    if w.first:  # no unit's mark yet: the map is written whole, and only if it is still absent
        tx.update(
            t.SurveyItem(w.survey_id),
            actions=[marks.set({items.segment(u): at for u in w.units})],
            condition=cond & marks.does_not_exist(),
        )
        return [("update", "survey")]
    paths = [Path(["reminded_units", items.segment(u)]) for u in w.units]  # a unit's name may hold "." or "["
    for mark in paths:
        cond = cond & (mark.does_not_exist() | (mark < since))
    tx.update(t.SurveyItem(w.survey_id), actions=[mark.set(at) for mark in paths], condition=cond & marks.exists())
    return [("update", "survey")]


def mark_auto_reminded(tx: TransactWrite, t: Tables, w: MarkAutoReminded, index: int) -> Added:
    # condition: the survey exists and this automatic reminder was not sent yet
    done = SurveyItem.auto_reminded
    cond = SurveyItem.id.exists() & (done.does_not_exist() | ~done.contains(w.hours))
    tx.update(t.SurveyItem(w.survey_id), actions=[done.set((done | []).append([w.hours]))], condition=cond)
    return [("update", "survey")]


SURVEY_WRITERS: dict[type, Writer] = {
    PutUser: put_user,
    DeleteUser: delete_user,
    SetUserRoster: set_user_roster,
    PutAnswer: put_answer,
    KeepUnnamedAnswer: keep_unnamed,
    DeleteAnswer: delete_answer,
    CountResponse: count_response,
    AddToAggregate: dynamo_aggregates.add_to_aggregate,
    RecountAggregate: dynamo_aggregates.recount_aggregate,
    KeepCensus: dynamo_aggregates.keep_census,
    TouchPeople: lambda tx, t, w, i: [],  # the commit raises the people epoch (storage.transact)
    PutSurvey: put_survey,
    SetSurveyStatus: set_status,
    KeepLonger: keep_longer,
    MarkKeepWarned: mark_warned,
    MarkPurged: mark_purged,
    SetRepeat: set_repeat,
    AddCoadmin: add_coadmin,
    AddViewer: add_viewer,
    Audit: audit,
    MarkReminded: mark_reminded,
    MarkAutoReminded: mark_auto_reminded,
}
