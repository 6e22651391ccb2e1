"""The schedule's entries: what the minute job keeps of a survey to open it (예약), to open its next period (반복),
and to warn of and carry out the end of its retention."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.record import record


@record(frozen=True)
class Planned:
    """What the schedule keeps of one survey for the job: when it opens (예약), and for a repeating survey
    its rule, its next period and how long each period stays open. A second entry of a closed survey
    (``kind`` KEEP) says when its retention next needs the job: ``next`` is the warning, then the end."""

    survey_id: str
    title: str
    opens_at: datetime | None = None
    repeat: str = ""
    next: datetime | None = None
    lasts: int | None = None  # seconds from a period's opening to its deadline; None: no deadline
    kind: str = ""  # "" (opening, repeating) or KEEP

    @property
    def entry(self) -> str:
        return plan_key(self.survey_id, self.kind)


KEEP = "keep"


def plan_key(survey_id: str, kind: str = "") -> str:
    """A schedule entry's key: the survey id, with the kind for a retention entry ('ab12#keep')."""
    return f"{survey_id}#{kind}" if kind else survey_id
