"""What the organisation's settings tell the conversation: one record, built once per process."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain.model import KEEP_DAYS
from chalicelib.domain.privacy import BATCH
from chalicelib.domain.record import record

REMIND_HOURS = 12  # by default, a survey's members are reminded at most once in this many hours


@record(frozen=True)
class Rules:
    open_registration: bool = False  # anyone registers as whoever they say, even with a roster
    remind_hours: int = REMIND_HOURS  # a survey's 알림 goes at most once in this many hours
    keep_days: int = KEEP_DAYS  # answers are kept this many days after closing, unless a survey says fewer
    anon_batch: int = BATCH  # answers of a survey kept without names are shown in batches of this many
    privacy_key: Callable[[], bytes] | None = None  # the organisation's key for 익명 participation (from SSM)

    def __post_init__(self) -> None:  # never below one: a setting of 0 means the least there is
        object.__setattr__(self, "remind_hours", max(1, self.remind_hours))
        object.__setattr__(self, "keep_days", max(1, self.keep_days))
        object.__setattr__(self, "anon_batch", max(1, self.anon_batch))
