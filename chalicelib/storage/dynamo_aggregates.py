"""A survey's aggregate in DynamoDB: one item of the surveys table (``@agg#<survey id>``) whose counters are
attributes of their own, named as domain.aggregates names them (``[``, ``]`` and ``%`` escaped: an expression reads
a bracket as a list index). An answer's transaction adds to them by name (:func:`add_to_aggregate`); a recount
replaces the item on the condition that its version is the one read (:func:`recount_aggregate`)."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain import aggregates
from chalicelib.domain.aggregates import Aggregate
from chalicelib.domain.writes import AddToAggregate, PutSurvey, RecountAggregate
from chalicelib.storage.binding import Tables
from chalicelib.storage.items import segment, unsegment
from chalicelib.storage.tables import AggregateItem

PREFIX = "@agg#"  # survey ids are hex: no survey can take such an id
_FIELDS = ("id", "version", "built")
Added = list[tuple[str, str]]


def aggregate_id(survey_id: str) -> str:
    return PREFIX + survey_id


def _number(text: str) -> float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def add_to_aggregate(tx: TransactWrite, t: Tables, w: AddToAggregate, index: int) -> Added:
    # No condition of its own: the answer's and the CountResponse's hold. ADD counts a missing counter (or item) as
    # 0, and is the shortest form: DynamoDB takes at most 4 KB of expression, and the largest answer a survey can
    # take changes about two hundred counters (SET x = if_not_exists(x, 0) + d would need twice the room).
    actions: list[Action] = [Path([segment(counter)]).add(delta) for counter, delta in w.deltas.items()]
    actions.append(AggregateItem.version.add(1))
    tx.update(t.AggregateItem(aggregate_id(w.survey_id)), actions=actions)
    return [("update", "aggregate")]


def recount_aggregate(tx: TransactWrite, t: Tables, w: RecountAggregate, index: int) -> Added:
    # condition: the version is still the one read (none: no item)
    seen = AggregateItem.version.does_not_exist() if w.seen is None else AggregateItem.version == w.seen
    _put(tx, t, w.survey_id, aggregates.settled(w.counts), (w.seen or 0) + 1, seen)
    return [("put", "aggregate")]


def empty_aggregate(tx: TransactWrite, t: Tables, w: PutSurvey) -> Added:
    """A new named survey's aggregate, empty and whole (no condition: the survey's id is new)."""
    if not aggregates.kept(w.survey):
        return []
    _put(tx, t, w.survey.id, {}, 0, None)
    return [("put", "aggregate")]


def _put(tx: TransactWrite, t: Tables, survey_id: str, counts: dict[str, float], version: int, cond: Any) -> None:
    tx.save(t.AggregateItem(aggregate_id(survey_id), version=version, built=True), condition=cond)
    # The counters go in as attributes the model does not declare: added to the request pynamodb made of it.
    item = tx._put_items[-1]["Item"]
    item.update({segment(k): {"N": repr(v) if isinstance(v, float) else str(v)} for k, v in counts.items()})


def read(t: Tables, survey_id: str) -> Aggregate | None:
    """The aggregate of a survey (GetItem, consistent), or None."""
    found = t.connection.client.get_item(
        TableName=t.config.surveys_table, Key={"id": {"S": aggregate_id(survey_id)}}, ConsistentRead=True
    ).get("Item")
    if not found:
        return None
    counts = {unsegment(k): _number(v["N"]) for k, v in found.items() if k not in _FIELDS and "N" in v}
    version = int(found["version"]["N"]) if "version" in found else 0
    return Aggregate(survey_id, aggregates.settled(counts), version, bool(found.get("built", {}).get("BOOL")))


def delete(t: Tables, survey_id: str) -> None:
    t.AggregateItem(aggregate_id(survey_id)).delete()
