"""What a push keeps while it goes out: its head (who asked, how many chunks, the running totals) and its chunks.

A push is anything the bot sends first through Kakao's Event API to a list of people (an 알림, a survey
that opened by itself, a closed survey's summary, a file finished in the background). Its people are
stored as chunks of at most 100 (one Event API call each) before any chunk is queued, and every step a
chunk takes is a conditional write on the chunk, so a step run twice (a queue delivering a message
again, two workers at once) takes effect once:

    queued ──claim──▶ sending ──accepted──▶ accepted ──settle──▶ final
      ▲                 │  └──settle (refused, no answer, out of tries)──▶ final
      └───release───────┘     (not sent: safe to try again later)

``settle`` moves a chunk to ``final`` and adds its figures to the head in one transaction, so the head's
totals count every chunk once. The adapters are ``storage.pushlog`` (in memory, and DynamoDB).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import field

from chalicelib.domain.record import record

# chunk states
QUEUED = "queued"
SENDING = "sending"
ACCEPTED = "accepted"
FINAL = "final"

# head states
PLANNING = "planning"  # the head exists; its chunks are being written
PLANNED = "planned"  # every chunk is stored: they may be queued (again) from the store
QUEUED_ALL = "queued_all"  # every chunk was handed to the queue once

# The figures a settled chunk adds to its head (each a number of people).
FIGURES = ("delivered", "unreachable", "unchecked", "failed", "unconfirmed")


@record
class PushHead:
    """One push: what it is about, who is told how it went, and the totals of its settled chunks."""

    id: str
    kind: str  # "remind", "opened", "closed" or "file"
    survey_id: str
    title: str
    admin: str  # who asked, and who is told how it went ("" = nobody)
    state: str = PLANNING
    started: float = 0.0  # epoch seconds the planning began (a stalled plan is taken over after a while)
    chunks: int = 0
    users: int = 0
    finals: int = 0  # chunks settled
    figures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    noted: bool = False

    @property
    def done(self) -> bool:
        return self.state != PLANNING and self.finals >= self.chunks


@record
class PushChunk:
    """At most 100 people of a push, sent in one call."""

    n: int
    keys: list[str]
    state: str = QUEUED
    tries: int = 0  # calls made (or begun)
    claimed: float = 0.0  # epoch seconds of the last claim
    task_id: str = ""
    checks: int = 0  # reads of Kakao's task result so far


class PushLog(ABC):
    """The store of pushes. Every method that changes something is conditional and says whether it did."""

    @abstractmethod
    def begin(self, head: PushHead, now: float) -> bool:
        """Create the head (state PLANNING) unless the push exists; True when this call created it."""

    @abstractmethod
    def retake(self, push_id: str, started: float, now: float) -> bool:
        """Take over a plan begun at ``started`` that never finished (its worker died); True when taken."""

    @abstractmethod
    def head(self, push_id: str) -> PushHead | None: ...

    @abstractmethod
    def store_chunks(self, push_id: str, chunks: list[list[str]], expires: float) -> None:
        """Write the chunks 0..n-1 (replacing any a failed plan left) and mark the head PLANNED with their
        number and people; only while the head is still PLANNING."""

    @abstractmethod
    def mark_queued(self, push_id: str) -> None:
        """Every chunk was handed to the queue once (a plan run again then queues nothing)."""

    @abstractmethod
    def chunk(self, push_id: str, n: int) -> PushChunk | None: ...

    @abstractmethod
    def chunks(self, push_id: str) -> list[PushChunk]:
        """Every chunk of the push, by number."""

    @abstractmethod
    def claim(self, push_id: str, n: int, tries: int, now: float) -> bool:
        """QUEUED with ``tries`` calls so far → SENDING with one more; False when someone else moved it."""

    @abstractmethod
    def release(self, push_id: str, n: int, tries: int) -> bool:
        """SENDING (after ``tries`` calls) → QUEUED: the call was not taken, it may be made again."""

    @abstractmethod
    def accept(self, push_id: str, n: int, tries: int, task_id: str) -> bool:
        """SENDING → ACCEPTED with Kakao's task id."""

    @abstractmethod
    def count_check(self, push_id: str, n: int, checks: int) -> bool:
        """An ACCEPTED chunk's task result was read ``checks`` times without an answer: one more."""

    @abstractmethod
    def settle(self, push_id: str, n: int, expect: str, figures: dict[str, int]) -> bool:
        """``expect`` → FINAL, and the head's totals grow by ``figures`` (and its settled chunks by one), in one
        step; False when the chunk was not in ``expect`` (settled by someone else)."""

    @abstractmethod
    def claim_note(self, push_id: str) -> bool:
        """True once: whoever gets it tells the admin how the push went."""
