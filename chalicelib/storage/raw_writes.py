"""The writes of a member's 제출 and of the 예 that withdraws it, written out as DynamoDB operations rather than
built by the models.

Every answer's transaction puts the member's item and the answer (or deletes the answer), counts it on the survey
and adds to the survey's aggregate. Built through pynamodb's models, conditions and update actions, one such
transaction took 295 µs of CPU before it was sent; written out, 46 (docs/performance.md). They are the operations
the models made, condition for condition: the store's contract tests hold the conditions on every engine, and
tests/storage/test_raw_writes.py holds the answer's item to the model's. The other writes stay with the models; the
transaction that sends both kinds is :class:`chalicelib.storage.bound.Transaction`.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.model import OPEN, Answer, User
from chalicelib.domain.writes import AddToAggregate, CountResponse, DeleteAnswer
from chalicelib.storage import items, user_items

Op = dict[str, Any]


def _number(value: float) -> dict[str, str]:
    return {"N": json.dumps(value)}  # as pynamodb's NumberAttribute writes a number


def version_condition(version: int) -> Op:
    """The item's stored version is ``version``; 0: there is no item (every stored one has a version >= 1)."""
    if version == 0:
        return {"ConditionExpression": "attribute_not_exists (#v)", "ExpressionAttributeNames": {"#v": "version"}}
    return {
        "ConditionExpression": "#v = :v",
        "ExpressionAttributeNames": {"#v": "version"},
        "ExpressionAttributeValues": {":v": _number(version)},
    }


def put_user(table: str, u: User) -> Op:
    """PutUser: the member's item, its version one up, on the condition that the stored one is the one read."""
    return {"TableName": table, "Item": user_items.user_raw(u, u.version + 1), **version_condition(u.version)}


def answer_raw(a: Answer, version: int) -> Op:
    """The answer's item as ``items.answer_item`` makes it (``tables.AnswerItem``, attribute for attribute)."""
    at = items.submitted_epoch(a) if a.named else None
    raw: Op = {
        "survey_id": {"S": a.survey_id},
        "user_key": {"S": a.user_key},
        "values": {"S": json.dumps(a.values, ensure_ascii=False, separators=(",", ":"))},
        "name": {"S": a.name},
        "unit": {"S": a.unit},
        "submitted_at": {"S": a.submitted_at},
        "updated_at": {"S": a.updated_at},
        "survey_title": {"S": a.survey_title},
        "version": _number(version),
    }
    if at is not None:  # in ``by_person``: both keys, or neither
        raw["person"] = {"S": a.user_key}
        raw["at"] = _number(at)
    if a.batch is not None:
        raw["batch"] = _number(a.batch)
    if a.entered_by:
        raw["entered_by"] = {"S": a.entered_by}
    return raw


def put_answer(table: str, a: Answer) -> Op:
    """PutAnswer: on the condition that the stored version is the one read (0: none, one answer per person)."""
    return {"TableName": table, "Item": answer_raw(a, a.version + 1), **version_condition(a.version)}


def delete_answer(table: str, w: DeleteAnswer) -> Op:
    """DeleteAnswer: on the condition that the answer is still the one read."""
    key = {"survey_id": {"S": w.survey_id}, "user_key": {"S": w.user_key}}
    return {"TableName": table, "Key": key, **version_condition(w.expected_version)}


def count_response(table: str, w: CountResponse) -> Op:
    """CountResponse (see its conditions): the survey's count and its option counters, as ``tx_surveys`` built it."""
    names = {"#id": "id", "#st": "status", "#du": "deadline_us", "#rc": "response_count"}
    values: Op = {":open": {"S": OPEN}, ":now": _number(items.epoch_us(w.now)), ":zero": _number(0)}
    conditions = ["attribute_exists (#id)", "#st = :open", "(attribute_not_exists (#du) OR #du > :now)"]
    values[":rd"] = _number(w.response_delta)
    sets = ["#rc = if_not_exists (#rc, :zero) + :rd"]
    if w.response_delta > 0 and w.cap is not None:
        conditions.append("#rc <= :cap")  # the count plus this one stays within the cap
        values[":cap"] = _number(w.cap - w.response_delta)
    if w.seen_count is not None:
        conditions.append("#rc = :seen")  # the count the listing change was decided on
        values[":seen"] = _number(w.seen_count)
        names["#full"] = "full"
        values[":full"] = {"BOOL": w.cap is not None and w.seen_count + w.response_delta >= w.cap}
        sets.append("#full = :full")
    if w.option_deltas:
        names["#oc"] = "option_counts"
    for n, (key, delta) in enumerate(w.option_deltas.items()):
        path, d = f"#oc.#o{n}", f":o{n}"
        names[f"#o{n}"] = key
        values[d] = _number(delta)
        if delta > 0 and key in w.limits:
            room = w.limits[key] - delta  # the counter (absent: 0) plus this one stays within its capacity
            values[f":room{n}"] = _number(room)
            fits = f"{path} <= :room{n}"
            conditions.append(f"(attribute_not_exists ({path}) OR {fits})" if room >= 0 else fits)
        sets.append(f"{path} = if_not_exists ({path}, :zero) + {d}")
    return {
        "TableName": table,
        "Key": {"id": {"S": w.survey_id}},
        "UpdateExpression": "SET " + ", ".join(sets),
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def add_to_aggregate(table: str, item_id: str, w: AddToAggregate) -> Op:
    """AddToAggregate: ADD to each counter that moves, and to the version; no condition of its own (the answer's
    and the count's hold). ADD counts a missing counter, or item, as 0."""
    moved = {**w.deltas, **w.people}
    names = {f"#c{n}": items.segment(counter) for n, counter in enumerate(moved)}
    values = {f":c{n}": _number(delta) for n, delta in enumerate(moved.values())}
    names["#ver"], values[":one"] = "version", _number(1)
    adds = [f"#c{n} :c{n}" for n in range(len(moved))] + ["#ver :one"]
    return {
        "TableName": table,
        "Key": {"id": {"S": item_id}},
        "UpdateExpression": "ADD " + ", ".join(adds),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
