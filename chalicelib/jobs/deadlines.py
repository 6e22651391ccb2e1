"""Deadline autopilot: mark surveys whose deadline passed as closed, with an audit entry.

Answering already stops at the deadline without this (``Survey.is_open`` checks the
clock, and the submit transaction re-checks it); this job makes the stored status and
the admin's lists agree, and records when it happened.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.model import KEEP_DAYS, OPEN, AuditEntry
from chalicelib.domain.ports import Conflict, Store
from chalicelib.domain.retention import closing
from chalicelib.domain.writes import Audit, UnlistSurvey


def close_past_deadline(store: Store, now: datetime, keep_days: int = KEEP_DAYS) -> list[str]:
    """Close every listed survey past its deadline (the listing holds every open survey); returns their ids.
    Each closed survey's retention (``keep_days`` unless it keeps answers shorter) goes on the schedule."""
    closed: list[str] = []
    due = [s.id for s in store.listed_surveys() if s.status == OPEN and s.deadline is not None and s.deadline <= now]
    for s in store.get_surveys(due):
        if s.status == OPEN:
            try:
                store.commit(
                    [
                        *closing(s, now, keep_days),
                        UnlistSurvey(s.id),
                        Audit(
                            AuditEntry(
                                actor="system", action="auto_close", target=s.id, detail=s.title, at=now.isoformat()
                            )
                        ),
                    ]
                )
            except Conflict:  # deleted meanwhile
                continue
            closed.append(s.id)
    return closed
