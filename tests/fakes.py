"""Test doubles for the ports the bot talks to besides the store."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.model import Answer, Survey
from chalicelib.domain.ports import Exporter, FileLink, Upload, Uploads

FILES = "https://files.example/"


class FakeExporter(Exporter):
    """Builds no files: records what was asked and hands out links under FILES.

    A survey's files are ``exports/<survey id>/<survey id>.xlsx`` and ``.csv``; the
    all-surveys workbook is ``exports/_all/all.xlsx``. A stored file's link is
    FILES + key; a link minted later by :meth:`presign` ends in ``?fresh``.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], int]] = []  # (kind, survey ids, answers)
        self.forgotten: list[str] = []
        self.presigned: list[str] = []  # keys
        self.targets: list[int | None] = []  # the target size each survey export was given
        self.reports: list = []  # the Results each 결과 보기 published
        self.reaches: list = []  # the Reach each survey export was given

    @property
    def kinds(self) -> list[str]:
        """What was exported, in order: "survey", "master" or "report"."""
        return [kind for kind, _, _ in self.calls]

    def export_survey(self, survey: Survey, answers: Sequence[Answer], reach=None) -> list[FileLink]:
        self.calls.append(("survey", [survey.id], len(answers)))
        self.targets.append(reach.target if reach is not None else None)
        self.reaches.append(reach)
        return [
            stored(f"exports/{survey.id}/{survey.id}.xlsx", f"{survey.title}.xlsx"),
            stored(f"exports/{survey.id}/{survey.id}.csv", f"{survey.title}.csv"),
        ]

    def export_master(self, items: Sequence[tuple[Survey, Sequence[Answer]]], marks=None) -> FileLink:
        self.calls.append(("master", [s.id for s, _ in items], sum(len(a) for _, a in items)))
        return stored("exports/_all/all.xlsx", "all.xlsx")

    def forget_survey(self, survey_id: str) -> None:
        self.forgotten.append(survey_id)

    def publish_report(self, results) -> FileLink:
        self.calls.append(("report", [results.survey_id], results.answered))
        self.reports.append(results)
        return FileLink(
            url=f"{FILES}exports/{results.survey_id}/report.html",
            filename=f"{results.title} 결과.html",
            expires_in=600,
            key=f"exports/{results.survey_id}/report.html",
        )

    def presign(self, key: str, title: str, ext: str) -> FileLink:
        self.presigned.append(key)
        return FileLink(url=f"{FILES}{key}?fresh", filename=f"{title}.{ext}", key=key)


def stored(key: str, filename: str) -> FileLink:
    """The link handed out when a file is stored under ``key``."""
    return FileLink(url=FILES + key, filename=filename, key=key)


class FakeUploads(Uploads):
    """Upload pages that take a file when a test puts one (:meth:`put`), as a browser would."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}  # token -> uploader
        self.files: dict[str, Upload] = {}

    def upload_page(self, token: str, uploader: str) -> FileLink:
        self.pages[token] = uploader
        return FileLink(url=f"{FILES}pages/{token}.html", filename="명단 올리기.html", expires_in=600)

    def put(self, token: str, filename: str, data: bytes) -> None:
        self.files[token] = Upload(filename, data, self.pages[token])

    def latest(self) -> str:
        return list(self.pages)[-1]

    def upload_arrived(self, token: str) -> bool:
        return token in self.files

    def uploaded(self, token: str) -> Upload | None:
        return self.files.get(token)

    def discard(self, token: str) -> None:
        self.files.pop(token, None)
