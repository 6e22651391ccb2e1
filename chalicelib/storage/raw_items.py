"""A survey and an answer read from their raw items (DynamoDB's JSON as a read returns it), without the models.

A member's 신청, 제출 and 예 read the survey and their answer this way: the models' decoding costs about four times the
CPU, and importing them is pynamodb's models and the schema, which nothing else of a member's messages needs (they
load with the first transaction). ``tests/storage/test_survey_codec.py`` holds both readers to the models'.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.model import NAMED, OPEN, Answer, Question, Survey
from chalicelib.storage.items import from_epoch_us, parse_time, unsegment

# The attributes each reader uses: only these are decoded. Others (index keys, the instants kept for conditions, or
# whatever an earlier version left) are passed over, as the models pass over attributes they do not declare.
SURVEY_READ = frozenset(
    [
        "id",
        "title",
        "owner",
        "questions",
        "description",
        "coadmins",
        "viewers",
        "deadline",
        "target_unit",
        "cap",
        "status",
        "created_at",
        "owner_name",
        "response_count",
        "option_counts",
        "reminded_us",
        "reminded_units",
        "auto_remind",
        "auto_reminded",
        "opens_at",
        "repeat",
        "origin",
        "mode",
        "salt",
        "batch_size",
        "keep_days",
        "closed_at",
        "keep_extended",
        "keep_warned",
        "purged_at",
    ]
)
ANSWER_READ = frozenset(
    [
        "survey_id",
        "user_key",
        "values",
        "name",
        "unit",
        "submitted_at",
        "updated_at",
        "survey_title",
        "version",
        "batch",
        "entered_by",
    ]
)


def _read(raw: dict[str, Any], names: frozenset[str]) -> dict[str, Any]:
    """The attributes ``names`` of a raw item, decoded; a NULL is absent, as to the model."""
    return {k: plain(v) for k, v in raw.items() if k in names and "NULL" not in v}


def plain(value: dict[str, Any]) -> Any:
    """One attribute of a raw item (DynamoDB's JSON) as the models read it: a string, a number (``N`` read as JSON, as
    pynamodb's NumberAttribute does), a boolean, None, and lists and maps of those."""
    kind, v = next(iter(value.items()))
    if kind == "S":
        return v
    if kind == "N":
        return json.loads(v)
    if kind == "M":
        return {k: plain(x) for k, x in v.items()}
    if kind == "L":
        return [plain(x) for x in v]
    if kind == "BOOL":
        return bool(v)
    if kind == "NULL":
        return None
    raise ValueError(f"not an attribute the surveys and answers keep: {kind}")


def survey_of(raw: dict[str, Any]) -> Survey:
    """A survey from its item as a read returns it, without the model: what :func:`chalicelib.storage.items.survey`
    makes of the model read from the same item (tests/storage/test_survey_codec.py)."""
    i = _read(raw, SURVEY_READ)
    counts = i.get("option_counts") or {}
    marks = i.get("reminded_units") or {}
    deadline, opens_at, closed_at, purged_at = (i.get(k) for k in ("deadline", "opens_at", "closed_at", "purged_at"))
    cap, reminded_us = i.get("cap"), i.get("reminded_us")
    return Survey(
        id=i["id"],
        title=i.get("title", ""),
        owner=i.get("owner", ""),
        questions=[Question.from_dict(q) for q in (json.loads(i["questions"]) if i.get("questions") else [])],
        description=i.get("description", ""),
        coadmins=list(i.get("coadmins") or []),
        viewers=list(i.get("viewers") or []),
        deadline=parse_time(deadline) if deadline else None,
        target_unit=i.get("target_unit", ""),
        cap=int(cap) if cap is not None else None,
        status=i.get("status", OPEN),
        created_at=i.get("created_at", ""),
        owner_name=i.get("owner_name", ""),
        response_count=int(i.get("response_count") or 0),
        option_counts={k: int(v) for k, v in counts.items()},
        reminded_at=from_epoch_us(int(reminded_us)) if reminded_us else None,
        reminded_units={unsegment(u): from_epoch_us(int(v)) for u, v in marks.items()},
        auto_remind=[int(h) for h in i.get("auto_remind") or []],
        auto_reminded=[int(h) for h in i.get("auto_reminded") or []],
        opens_at=parse_time(opens_at) if opens_at else None,
        repeat=i.get("repeat") or "",
        origin=i.get("origin") or "",
        mode=i.get("mode") or NAMED,
        salt=i.get("salt") or "",
        batch_size=int(i.get("batch_size") or 0),
        keep_days=int(i.get("keep_days") or 0),
        closed_at=parse_time(closed_at) if closed_at else None,
        keep_extended=bool(i.get("keep_extended")),
        keep_warned=bool(i.get("keep_warned")),
        purged_at=parse_time(purged_at) if purged_at else None,
    )


def answer_of(raw: dict[str, Any]) -> Answer:
    """An answer from its item as a read returns it, without the model: what :func:`chalicelib.storage.items.answer`
    makes of the model."""
    i = _read(raw, ANSWER_READ)
    batch = i.get("batch")
    return Answer(
        survey_id=i["survey_id"],
        user_key=i["user_key"],
        values=json.loads(i["values"]) if i.get("values") else {},
        name=i.get("name", ""),
        unit=i.get("unit", ""),
        submitted_at=i.get("submitted_at", ""),
        updated_at=i.get("updated_at", ""),
        survey_title=i.get("survey_title", ""),
        version=int(i.get("version", 0)),
        batch=int(batch) if batch is not None else None,
        entered_by=i.get("entered_by") or "",
    )
