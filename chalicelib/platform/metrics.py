"""Metrics as CloudWatch's embedded metric format: a log line that CloudWatch also reads as numbers.

A line carrying an ``_aws`` block names which of its own fields are metrics; CloudWatch
Logs extracts them, so counting costs no API call and no client. One such line is written
per chat message (the "skill" line itself) and per background job. Powertools Metrics
writes the same format; this is the few lines of it the bot needs, because importing
Powertools cost about 80 ms of every cold start.

Metrics are counted under the namespace ``Haengjeong`` with one dimension, ``stack`` (the
tables' prefix, e.g. haengjeong-prod), so two stages or two organisations in one account
never add up. The alarms in ``.chalice/resources.json`` read these names.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import Any

NAMESPACE = "Haengjeong"
DIMENSION = "stack"

# name -> unit; the names the template's alarms and dashboards use
UNITS = {
    "Messages": "Count",
    "Latency": "Milliseconds",
    "Submissions": "Count",
    "ConflictsRetried": "Count",
    "BusyReplies": "Count",
    "Throttles": "Count",
    "HandlerErrors": "Count",
    "ExportBuilds": "Count",
    "ExportFailures": "Count",
    "RemindersSent": "Count",  # people of every push Kakao took
    "RemindersDelivered": "Count",  # ... of them, those Kakao's task result says got it
    "RemindersUnreachable": "Count",  # ... those it says could not get it (not friends of the channel, blocked)
    "RemindersFailed": "Count",  # people of every push not sent, or sent without an answer from Kakao
    "RosterImports": "Count",
    "RosterRemovals": "Count",
    "RegistrationRefusals": "Count",
    "RosterEntryLocks": "Count",
}


def stack() -> str:
    return os.environ.get("HJ_TABLE_PREFIX", "haengjeong-local")


def emf(values: Mapping[str, float], now: float | None = None) -> dict[str, Any]:
    """The fields that make a JSON log line carry ``values`` as metrics (unknown names are refused)."""
    unknown = set(values) - set(UNITS)
    if unknown:
        raise ValueError(f"unknown metrics: {sorted(unknown)}")
    return {
        "_aws": {
            "Timestamp": int((time.time() if now is None else now) * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[DIMENSION]],
                    "Metrics": [{"Name": name, "Unit": UNITS[name]} for name in values],
                }
            ],
        },
        DIMENSION: stack(),
        **values,
    }


_DIRECTIVES: dict[tuple[str, ...], str] = {}  # metric names -> their directive as JSON, made once


def emf_parts(values: Mapping[str, float], now: float | None = None) -> tuple[dict[str, Any], str]:
    """:func:`emf` in two parts for a line written at once (logsafe.info_line): the fields (the dimension and the
    values, serialised with the line's own) and the ``"_aws":{…}`` member as JSON, whose directive for a set of
    names is rendered once; a message's line then costs one ``json.dumps`` of a flat dict."""
    names = tuple(values)
    directive = _DIRECTIVES.get(names)
    if directive is None:
        block = emf(values, 0)["_aws"]["CloudWatchMetrics"]  # refuses unknown names
        directive = _DIRECTIVES[names] = json.dumps(block, separators=(",", ":"))
    stamp = int((time.time() if now is None else now) * 1000)
    return {DIMENSION: stack(), **values}, f'"_aws":{{"Timestamp":{stamp},"CloudWatchMetrics":{directive}}}'


def of_message(facts: Mapping[str, Any]) -> dict[str, float]:
    """What one chat message counts, from the facts the service gathered about it."""
    writes = facts.get("writes") or []
    result = facts.get("result")
    counted = {
        "Messages": 1,
        "Latency": float(facts.get("ms") or 0.0),
        "Submissions": 1 if "PutAnswer" in writes else 0,
        "ConflictsRetried": len(facts.get("conflicts") or []),
        "BusyReplies": 1 if result == "unavailable" else 0,
        "Throttles": 1 if result == "rate_limited" else 0,
    }
    if "NoteRegistrationFailure" in writes:  # only then: most messages carry no such figure
        counted["RegistrationRefusals"] = 1
    return counted
