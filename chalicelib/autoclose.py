"""Deadline autopilot: mark surveys whose deadline passed as closed, with an audit entry.

Answering already stops at the deadline without this (``Survey.is_open`` checks the
clock, and the submit transaction re-checks it); this job makes the stored status and
the admin's lists agree, and records when it happened.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.model import CLOSED, OPEN, AuditEntry
from chalicelib.domain.ports import Conflict, Store
from chalicelib.domain.writes import Audit, SetSurveyStatus, UnlistSurvey


def close_expired(store: Store, now: datetime) -> list[str]:
    """Close every listed survey past its deadline (the listing holds every open survey); returns their ids."""
    closed: list[str] = []
    for s in store.listed_surveys():
        if s.status == OPEN and s.deadline is not None and s.deadline <= now:
            try:
                store.commit(
                    [
                        SetSurveyStatus(s.id, CLOSED),
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
