"""A survey's aggregate in DynamoDB: one item of the surveys table (``@agg#<survey id>``) whose counters are
attributes of their own, named as domain.aggregates names them (``[``, ``]`` and ``%`` escaped: an expression reads
a bracket as a list index). An answer's transaction adds to them by name (:func:`add_to_aggregate`); a recount
replaces the item on the condition that its version is the one read (:func:`recount_aggregate`)."""

from __future__ import annotations

import json
import time
from typing import Any

from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain import aggregates, census
from chalicelib.domain.aggregates import Aggregate
from chalicelib.domain.census import Touch
from chalicelib.domain.ports import EPOCH_SHARDS, Epoch
from chalicelib.domain.writes import AddToAggregate, KeepCensus, PutSurvey, RecountAggregate
from chalicelib.storage import raw_writes
from chalicelib.storage.bound import Tables, Transaction
from chalicelib.storage.items import segment, unsegment
from chalicelib.storage.tables import AggregateItem

PREFIX = "@agg#"  # survey ids are hex: no survey can take such an id
EPOCH_PREFIX = "@people#"  # the people epoch's shards: their count is ``version``, their last change ``at``
CENSUS = "census"  # the census kept with the aggregate, as JSON (domain.census)
CHANGED_AT = "at"
JOINED = "joined"  # a shard's first registrations, counted apart from its version
_FIELDS = ("id", "version", "built")


def epoch_id(shard: int) -> str:
    return f"{EPOCH_PREFIX}{shard}"


Added = list[tuple[str, str]]


def aggregate_id(survey_id: str) -> str:
    return PREFIX + survey_id


def _number(text: str) -> float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def add_to_aggregate(tx: Transaction, t: Tables, w: AddToAggregate, index: int) -> Added:
    # No condition of its own: the answer's and the CountResponse's hold. ADD counts a missing counter (or item) as
    # 0, and is the shortest form: DynamoDB takes at most 4 KB of expression, and the largest answer a survey can
    # take changes about two hundred counters (SET x = if_not_exists(x, 0) + d would need twice the room).
    tx.update_op(raw_writes.add_to_aggregate(t.config.surveys_table, aggregate_id(w.survey_id), w))
    return [("update", "aggregate")]


def recount_aggregate(tx: TransactWrite, t: Tables, w: RecountAggregate, index: int) -> Added:
    # condition: the version is still the one read (none: no item)
    seen = AggregateItem.version.does_not_exist() if w.seen is None else AggregateItem.version == w.seen
    _put(tx, t, w.survey_id, aggregates.settled(w.counts), (w.seen or 0) + 1, seen)
    return [("put", "aggregate")]


def keep_census(tx: TransactWrite, t: Tables, w: KeepCensus, index: int) -> Added:
    # conditions: the aggregate's version and every shard of the people epoch are still the ones read
    census = Path([CENSUS]).set(json.dumps(w.census, ensure_ascii=False, separators=(",", ":")))
    tx.update(t.AggregateItem(aggregate_id(w.survey_id)), actions=[census], condition=AggregateItem.version == w.seen)
    joined = w.joined or (0,) * len(w.epoch)
    for shard, (n, j) in enumerate(zip(w.epoch, joined, strict=True)):
        seen = AggregateItem.version == n if n else AggregateItem.version.does_not_exist()
        seen &= Path([JOINED]) == j if j else Path([JOINED]).does_not_exist()
        tx.condition_check(t.AggregateItem, epoch_id(shard), condition=seen)
    return [("update", "aggregate"), *[("check", "epoch")] * len(w.epoch)]


def raise_epoch(tx: TransactWrite, t: Tables, touch: Touch) -> Added:
    """The people epoch's shard goes up by one, or counts a first registration (domain.census), with the time of
    the change."""
    actions: list[Action] = [Path([CHANGED_AT]).set(int(time.time()))]
    if touch.join:
        actions += [Path([JOINED]).add(1), Path([segment(touch.join)]).add(1)]
    else:
        actions.append(AggregateItem.version.add(1))
    tx.update(t.AggregateItem(epoch_id(touch.shard)), actions=actions)
    return [("update", "epoch")]


def epoch_keys() -> list[dict[str, Any]]:
    """The keys of the people epoch's shards (items of the surveys table)."""
    return [{"id": {"S": epoch_id(n)}} for n in range(EPOCH_SHARDS)]


def epoch_of(found: list[dict[str, Any]], settle_seconds: float) -> Epoch:
    """The people epoch from its shards' items as read; settled when its last change is older than
    ``settle_seconds``."""
    by_id = {i["id"]["S"]: i for i in found}

    def each(attr: str) -> tuple[int, ...]:
        return tuple(int(by_id.get(epoch_id(n), {}).get(attr, {}).get("N", 0)) for n in range(EPOCH_SHARDS))

    joins: dict[str, int] = {}
    for i in found:
        for k, v in i.items():
            name = unsegment(k)
            if name.startswith((census.JOINED, census.CLAIMED)) and "N" in v:
                joins[name] = joins.get(name, 0) + int(v["N"])
    last = max((int(i[CHANGED_AT]["N"]) for i in found if CHANGED_AT in i), default=0)
    return Epoch(each("version"), time.time() - last >= settle_seconds, each(JOINED), joins)


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
    people = {k: counts.pop(k) for k in [k for k in counts if census.whose(k)]}
    version = int(found["version"]["N"]) if "version" in found else 0
    kept = json.loads(found[CENSUS]["S"]) if CENSUS in found else None
    built = bool(found.get("built", {}).get("BOOL"))
    return Aggregate(survey_id, aggregates.settled(counts), version, built, aggregates.settled(people), kept)


def delete(t: Tables, survey_id: str) -> None:
    t.AggregateItem(aggregate_id(survey_id)).delete()
