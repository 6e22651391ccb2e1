"""Process-wide wiring, built lazily on the first request (never at import)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.domain.ports import Exporter
from chalicelib.service import Bot, Timing


class S3Exporter(Exporter):
    """The Exporter port over chalicelib.export.files (openpyxl is imported only when a file is built)."""

    def export_survey(self, survey: Any, answers: list[Any]) -> list[Any]:
        from chalicelib.export import files

        return files.export_survey(survey, answers)

    def export_master(self, items: list[Any]) -> Any:
        from chalicelib.export import files

        return files.export_master(items)

    def forget_survey(self, survey_id: str) -> None:
        from chalicelib.export import files

        files.forget_survey(survey_id)

    def presign(self, key: str, title: str, ext: str) -> Any:
        from chalicelib.export import files

        return files.presign(key, title, ext)


def timing() -> Timing:
    """The reply budget with the worst case of each adapter's call, as the adapters configure them."""
    from chalicelib.export import files
    from chalicelib.jobs import SqsQueue
    from chalicelib.storage import tables

    return Timing(store_call=tables.WORST_CALL_SECONDS, file_call=files.WORST_CALL_SECONDS,
                  queue_send=SqsQueue.WORST_SEND_SECONDS)


@lru_cache(maxsize=1)
def bot() -> Bot:
    from chalicelib.config import settings
    from chalicelib.jobs import InlineQueue, SqsQueue, ThreadQueue
    from chalicelib.storage.dynamo import DynamoStore

    s = settings()
    from chalicelib.kakao.callback import deliver

    b = Bot(DynamoStore(), S3Exporter(), timing=timing(), rate_limit=max(0, s.rate_limit_per_minute),
            callback=deliver)
    if s.jobs == "sqs":
        b.queue = SqsQueue(s.export_queue, s.region)
    elif s.jobs == "thread":
        b.queue = ThreadQueue(b.run_export_task)
    elif s.jobs == "inline":
        b.queue = InlineQueue(b.run_export_task)
    return b


def reset() -> None:
    bot.cache_clear()
