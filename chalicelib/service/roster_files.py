"""The import half of 명단 올리기: the uploaded file read, the roster loaded, the admin told on their next message."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chalicelib.domain import roster
from chalicelib.domain.model import AuditEntry, now_kst
from chalicelib.domain.ports import ExportTask, Store, Unavailable, Uploads
from chalicelib.domain.writes import Audit
from chalicelib.logsafe import failure
from chalicelib.service.reminders import leave_note

if TYPE_CHECKING:
    from chalicelib.rosterfile import RosterFile

log = logging.getLogger("haengjeong")

CHUNK = 25  # writes per transaction: a load is idempotent, so one that stops half-way is mended by loading again
SHOWN_REJECTIONS = 5


def load_file(
    store: Store, data: bytes, filename: str, replace: bool, actor: str, target: str
) -> tuple[RosterFile, roster.LoadReport]:
    """Read a roster file and make the roster hold it (``replace``: people not in it go), in
    transactions of CHUNK writes, audited when anything changed; (the file as read, the report).
    Raises RosterFileError for a file that is not a roster."""
    from chalicelib.rosterfile import read_roster

    sheet = read_roster(data, filename)
    rows = [(r.line, r.unit, r.name, r.check) for r in sheet.rows]
    writes, report = roster.plan_load(store.roster_entries(), rows, replace)
    report.rejected = sorted([(x.line, x.reason) for x in sheet.rejected] + report.rejected)
    for i in range(0, len(writes), CHUNK):
        store.commit(writes[i : i + CHUNK])
    if writes:
        detail = f"+{len(report.added)} ~{len(report.updated)} -{len(report.removed)} x{len(report.rejected)}"
        store.commit([Audit(AuditEntry(actor, "roster_load", target, detail, now_kst().isoformat()))])
    return sheet, report


def run_import(task: ExportTask, store: Store, uploads: Uploads) -> None:
    """Load the roster file uploaded under ``task.title`` (the page's token) for ``task.user_key``."""
    from chalicelib.rosterfile import RosterFileError

    admin = store.get_user(task.user_key)
    if admin is None or not admin.is_super:
        return
    found = uploads.uploaded(task.title)
    if found is None:
        leave_note(store, task.user_key, "올린 명단 파일을 찾지 못했어요. '명단 올리기'로 다시 올려 주세요.")
        return
    filename, data = found
    try:
        _, report = load_file(store, data, filename, replace=True, actor=task.user_key, target="upload")
    except RosterFileError as exc:
        leave_note(store, task.user_key, f"명단 파일을 읽지 못했어요: {exc}")
        return
    except Unavailable:
        raise
    except Exception as exc:  # a file no reader expected: say so, never lose the note
        log.error("roster file failed", extra=failure(exc))
        leave_note(store, task.user_key, "명단 파일을 읽지 못했어요. 엑셀(.xlsx)이나 CSV인지 확인해 주세요.")
        return
    log.info(
        "roster loaded",
        extra={
            "added": len(report.added),
            "updated": len(report.updated),
            "removed": len(report.removed),
            "rejected": len(report.rejected),
        },
    )
    lines = [f"명단을 반영했어요: {report.summary()}"]
    lines += [f"• {line}행: {why}" for line, why in report.rejected[:SHOWN_REJECTIONS]]
    if len(report.rejected) > SHOWN_REJECTIONS:
        lines.append(f"… 거부된 행이 {len(report.rejected) - SHOWN_REJECTIONS}개 더 있어요.")
    leave_note(store, task.user_key, "\n".join(lines))
