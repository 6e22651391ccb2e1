"""The import half of 명단 올리기: the uploaded file read, the roster loaded, the admin told on their next message.

The bucket triggers :func:`run_import` on each upload; where nothing triggers it (a local S3), the admin's
next message finds the file and queues it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chalicelib.domain import roster
from chalicelib.domain.model import AuditEntry, now_kst
from chalicelib.domain.ports import Store, Unavailable, Uploads
from chalicelib.domain.session import Session
from chalicelib.domain.writes import Audit
from chalicelib.logsafe import failure
from chalicelib.metrics import emf
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


def run_import(store: Store, uploads: Uploads, token: str, user_key: str = "") -> bool:
    """Load the roster file uploaded through the page of ``token`` and tell its uploader how it went.

    Two callers may run it for one file: the function the bucket triggers on upload (``user_key`` "": the
    uploader is the one the page's signed form named) and the admin's next message when it sees the file
    first (``user_key`` the admin, who must be that uploader). Loading is idempotent and the note is left
    only while the upload is still pending (:func:`leave_note` with ``settles``), so the admin hears once;
    the file is deleted after. Returns whether this run told the admin."""
    from chalicelib.rosterfile import RosterFileError

    found = uploads.uploaded(token)
    if found is None:  # already read and deleted by the other caller
        return False
    key = found.uploader
    if not key or (user_key and key != user_key):
        log.warning("upload without its uploader", extra={"user": user_key[:8]})
        return False
    admin = store.get_user(key)
    if admin is None or not admin.is_super or Session.from_dict(admin.session).upload != token:
        uploads.discard(token)  # not (or no longer) awaited: a late duplicate, or a demoted admin
        return False
    try:
        _, report = load_file(store, found.data, found.filename, replace=True, actor=key, target="upload")
    except RosterFileError as exc:
        note = f"명단 파일을 읽지 못했어요: {exc}"
    except Unavailable:
        raise
    except Exception as exc:  # a file no reader expected: say so, never lose the note
        log.error("roster file failed", extra=failure(exc))
        note = "명단 파일을 읽지 못했어요. 엑셀(.xlsx)이나 CSV인지 확인해 주세요."
    else:
        log.info(
            "roster loaded",
            extra={
                "added": len(report.added),
                "updated": len(report.updated),
                "removed": len(report.removed),
                "rejected": len(report.rejected),
                **emf({"RosterImports": 1}),
            },
        )
        lines = [f"명단을 반영했어요: {report.summary()}"]
        lines += [f"• {line}행: {why}" for line, why in report.rejected[:SHOWN_REJECTIONS]]
        if len(report.rejected) > SHOWN_REJECTIONS:
            lines.append(f"… 거부된 행이 {len(report.rejected) - SHOWN_REJECTIONS}개 더 있어요.")
        note = "\n".join(lines)
    told = leave_note(store, key, note, settles=token)
    uploads.discard(token)
    return told
