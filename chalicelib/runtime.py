"""Process-wide wiring, built lazily on the first request (never at import)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.service import Bot


class S3Exporter:
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


@lru_cache(maxsize=1)
def bot() -> Bot:
    from chalicelib.storage.dynamo import DynamoStore

    return Bot(DynamoStore(), S3Exporter())


def reset() -> None:
    bot.cache_clear()
