"""The records of background work the service queues and runs: an export or push task, one push attempt, and a
task's result."""

from __future__ import annotations

import json
from dataclasses import asdict, field
from typing import TYPE_CHECKING, Any

from chalicelib.domain.record import record

if TYPE_CHECKING:  # drawn only by 결과 보기: not imported before it is used
    pass


@record
class ExportTask:
    """Work too slow for a chat reply, handed to a queue: an export (``kind`` "export"), a roster file, or one
    step of a push (``kind`` "remind", "opened", "closed" or "file", see service.pushing): its plan, one chunk of
    at most 100 people to send, or that chunk's delivery check (``step``), under the push's id ``send``."""

    user_key: str
    survey_ids: list[str]
    master: bool = False
    callback_url: str = ""
    requested_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    kind: str = "export"
    user_keys: list[str] = field(default_factory=list)
    title: str = ""
    attempt: int = 0  # a push's chunk: how many calls to Kakao it has had
    reached: int = 0  # (kept for messages queued by earlier versions)
    missed: int = 0  # (kept for messages queued by earlier versions)
    send: str = ""  # a push's id (its plan, chunks and checks share it)
    step: str = ""  # a push's step: "plan", "send" (one chunk) or "check" (that chunk's task result)
    chunk: int = -1  # a push's chunk number (send and check)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ExportTask:
        d = json.loads(text)
        return cls(
            user_key=str(d["user_key"]),
            survey_ids=[str(x) for x in d.get("survey_ids", [])],
            master=bool(d.get("master")),
            callback_url=str(d.get("callback_url") or ""),
            requested_at=str(d.get("requested_at") or ""),
            kind=str(d.get("kind") or "export"),
            extra=dict(d.get("extra") or {}),
            user_keys=[str(x) for x in d.get("user_keys", [])],
            title=str(d.get("title") or ""),
            attempt=int(d.get("attempt") or 0),
            reached=int(d.get("reached") or 0),
            missed=int(d.get("missed") or 0),
            send=str(d.get("send") or ""),
            step=str(d.get("step") or ""),
            chunk=int(d.get("chunk", -1)),
        )


@record(frozen=True)
class Attempt:
    """One call to Kakao's Event API for at most 100 people."""

    outcome: str  # ACCEPTED, NOT_SENT, REFUSED or UNKNOWN
    task_id: str = ""  # Kakao's id of an accepted task
    status: int = 0  # the HTTP status (0: no answer)


@record(frozen=True)
class TaskResult:
    """Kakao's account of an accepted task, read later by its id: how many of the people it was asked to
    reach got the message, and how many could not (not friends of the channel, blocked it, unknown key)."""

    requested: int
    delivered: int
    failed: int
    failed_keys: tuple[str, ...] = ()  # the people Kakao names among the failed (it may name none)

    @property
    def complete(self) -> bool:
        """Kakao has finished the task: every person is counted as delivered or failed."""
        return self.delivered + self.failed >= self.requested
