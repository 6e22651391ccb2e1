"""The domain's :class:`~chalicelib.domain.ports.Notifier` over Kakao's Event API: one call of at most 100 people
through :class:`~chalicelib.kakao.events.EventApi` as an :class:`~chalicelib.domain.tasks.Attempt`, and a task's
result as Kakao answers it read into a :class:`~chalicelib.domain.tasks.TaskResult` (the fields and their sources
are in :mod:`chalicelib.kakao.events`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.domain import ports
from chalicelib.domain.ports import Notifier
from chalicelib.domain.tasks import Attempt, TaskResult
from chalicelib.kakao.events import EventApi


def task_result_of(answer: Mapping[str, Any] | None) -> TaskResult | None:
    """A task's result as Kakao answers it (see the module docstring); None when it is not that shape."""
    if not answer:
        return None
    try:
        requested = int(answer.get("allRequestCount"))  # type: ignore[arg-type]
        delivered = int(answer.get("successCount") or 0)
        fail = answer.get("fail") if isinstance(answer.get("fail"), dict) else {}
        failed = int((fail or {}).get("count") or 0)
    except (TypeError, ValueError):
        return None
    listed = (fail or {}).get("list")
    names = tuple(
        str(f.get("userId"))
        for f in (listed if isinstance(listed, list) else [])
        if isinstance(f, dict) and f.get("userId")
    )
    return TaskResult(requested=requested, delivered=delivered, failed=failed, failed_keys=names)


class EventNotifier(Notifier):
    """:class:`EventApi` as the worker's Notifier. The REST API key is asked for on every call (``api_key`` is
    the cached SSM parameter, read again every few minutes, like the skill secret), and forgotten when Kakao
    refuses it (401), so a rotated key is picked up without waiting for a new container."""

    def __init__(
        self,
        base_url: str,
        bot_id: str,
        event_name: str,
        api_key: Callable[[], str],
        timeout: float = 10.0,
        forget_key: Callable[[], None] | None = None,
    ) -> None:
        self.base_url, self.bot_id, self.event_name, self.timeout = base_url, bot_id, event_name, timeout
        self._api_key = api_key
        self._forget_key = forget_key
        self._api: EventApi | None = None

    def _client(self) -> EventApi:
        key = self._api_key()
        if self._api is None or self._api._key != key:
            self._api = EventApi(self.base_url, self.bot_id, key, self.event_name, self.timeout)
        return self._api

    def send(self, user_keys: Sequence[str], data: Mapping[str, Any]) -> Attempt:
        batch = self._client().call(user_keys, data)
        if batch.status == 401 and self._forget_key is not None:
            self._forget_key()
        if batch.accepted:
            return Attempt(ports.ACCEPTED, batch.task_id, batch.status)
        if batch.retryable:
            return Attempt(ports.NOT_SENT, "", batch.status)
        if batch.unknown:
            return Attempt(ports.UNKNOWN, "", batch.status)
        return Attempt(ports.REFUSED, "", batch.status)

    def result(self, task_id: str) -> TaskResult | None:
        return task_result_of(self._client().task_result(task_id))
