"""Loading a roster file (명단 올리기 and ``make roster``), and taking people off once someone said yes.

A load is a plan first (domain.roster_load): additions, changes, moves and returns are
applied at once; people missing from the file are taken off only after a yes, which the
CLI asks for at its prompt (or ``REMOVE=``) and the chat after the admin has read the list
(``명단 반영``, ``명단 정리``). The bucket triggers :func:`run_import` on each upload; where
nothing triggers it (a local S3), the admin's next message finds the file and queues it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain import roster_load
from chalicelib.domain.marks import entry_mark
from chalicelib.domain.model import KST, SUPER, AuditEntry, now_kst
from chalicelib.domain.ports import Conflict, Store, Unavailable, Uploads
from chalicelib.domain.roster_records import LoadResult, RosterEntry
from chalicelib.domain.roster_writes import KeepLoadResult
from chalicelib.domain.session import Session
from chalicelib.domain.writes import Audit
from chalicelib.platform.logsafe import failure
from chalicelib.platform.metrics import emf
from chalicelib.service.reminders import leave_note

if TYPE_CHECKING:
    from chalicelib.export.roster_file import RosterFile

log = logging.getLogger("haengjeong")

KEPT_HOURS = 24  # a load's result (and its removals) wait this long for the admin
SHOWN = 5  # people of each kind a note names before pointing to the whole list
ATTEMPTS = 3  # of a batch of removals that met a change made meanwhile


def plan_file(store: Store, sheet: RosterFile, replace_all: bool) -> roster_load.LoadPlan:
    """What loading ``sheet`` into the roster does (nothing written yet)."""
    plan = plan_rows(store, [(r.line, r.unit, r.name, r.check) for r in sheet.rows], replace_all)
    plan.rejected = sorted([(x.line, x.reason) for x in sheet.rejected] + plan.rejected)
    return plan


def plan_rows(store: Store, rows: Sequence[roster_load.Row], replace_all: bool) -> roster_load.LoadPlan:
    """What loading ``rows`` (line, unit, name, check) into the roster does (nothing written yet)."""
    existing, former = store.roster_entries(), store.former_entries()
    held = {e.claimed_by for e in existing if e.claimed_by}
    # The accounts a load may link or carry: people no entry holds, and those former entries name.
    keys = [m.key for m in store.list_members() if m.key not in held]
    keys += [e.claimed_by for e in former if e.claimed_by]
    return roster_load.plan_load(existing, rows, replace_all, former, store.get_users(keys), now_kst().isoformat())


def apply(store: Store, plan: roster_load.LoadPlan, actor: str, target: str) -> None:
    """Apply a plan's additions, changes, moves and returns (never its removals), audited. A load stopped half-way
    leaves no person half-moved, and loading the file again finishes it."""
    for batch in roster_load.batches(plan.groups):
        store.commit(batch)
    if plan.groups:
        detail = plan.summary()
        store.commit([Audit(AuditEntry(actor, "roster_load", target, detail, now_kst().isoformat()))])


def remove(store: Store, keys: Sequence[str], actor: str, target: str) -> list[RosterEntry]:
    """Take the people of ``keys`` off the roster (those still on it): kept aside when anyone ever registered as
    them, so loading them again brings them back linked; the units follow; audited. Returns who went."""
    wanted = set(keys)
    gone: list[RosterEntry] = []
    for _ in range(ATTEMPTS):
        current = [e for e in store.roster_entries() if e.entry in wanted]
        try:
            for batch in roster_load.batches([[w] for w in roster_load.removal_writes(current)]):
                store.commit(batch)
        except Conflict:  # an entry changed meanwhile (removed by hand, moved): read again, go on with the rest
            continue
        gone = current
        break
    store.commit(
        [
            roster_load.units_of(store.roster_entries()),
            Audit(AuditEntry(actor, "roster_remove", target, f"-{len(gone)}", now_kst().isoformat())),
        ]
    )
    return gone


def keep(store: Store, plan: roster_load.LoadPlan, by: str, now: datetime | None = None) -> LoadResult:
    """Keep what a load did for its admin to read, with its removals waiting for a yes (a day from ``now``)."""
    now = now or now_kst()
    result = LoadResult(secrets.token_hex(8), plan.summary(), len(plan.removals), plan.before, by, now.isoformat())
    keys = [e.entry for e in plan.removals]
    expires = int((now + timedelta(hours=KEPT_HOURS)).timestamp())
    store.commit([KeepLoadResult(result, plan.lines(), keys, expires)])
    return result


def note(plan: roster_load.LoadPlan, result: LoadResult) -> str:
    """What the admin is told on their next message: the summary, a few names, and where the rest are."""
    lines = [f"명단을 반영했어요: {plan.summary()}"]
    for kind in (roster_load.ADDED, roster_load.CHANGED, roster_load.MOVED, roster_load.BACK, roster_load.LINKED):
        names = [c.label() for c in plan.of(kind)]
        if names:
            more = f" 외 {len(names) - SHOWN}명" if len(names) > SHOWN else ""
            lines.append(f"• {kind}: {', '.join(names[:SHOWN])}{more}")
    lines += [f"• 거부 {line}행: {why}" for line, why in plan.rejected[:SHOWN]]
    lines += [f"• 확인 {line}행: {why}" for line, why in plan.warnings[:SHOWN]]
    if plan.removals:
        share = round(100 * len(plan.removals) / plan.before) if plan.before else 100
        lines.append(f"파일에 없는 {len(plan.removals)}명(명단의 {share}%)은 아직 명단에서 빼지 않았어요.")
        if result.partial:
            lines.append("명단의 일부만 담긴 파일 같아요. 전체 명단 파일이라면 확인하고 빼 주세요.")
        lines.append("'명단 반영'으로 모두 보고, '명단 정리'로 뺄 수 있어요.")
    elif len(plan.changes) > SHOWN or plan.rejected or plan.warnings:
        lines.append("'명단 반영'으로 모두 볼 수 있어요.")
    return "\n".join(lines)


def run_import(store: Store, uploads: Uploads, token: str, user_key: str = "", now: datetime | None = None) -> bool:
    """Load the roster file uploaded through the page of ``token`` and tell its uploader how it went.

    Two callers may run it for one file: the function the bucket triggers on upload (``user_key`` "": the
    uploader is the one the page's signed form named) and the admin's next message when it sees the file
    first (``user_key`` the admin, who must be that uploader). Loading is idempotent and the note is left
    only while the upload is still pending (:func:`leave_note` with ``settles``), so the admin hears once;
    the file is deleted after. Returns whether this run told the admin."""
    from chalicelib.export.roster_file import RosterFileError, read_roster

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
    _status(uploads, token, "reading")
    loaded = ""
    try:
        plan = plan_file(store, read_roster(found.data, found.filename), replace_all=True)
        apply(store, plan, actor=key, target="upload")
        result = keep(store, plan, key, now)
    except RosterFileError as exc:
        text = f"명단 파일을 읽지 못했어요: {exc}"
    except Unavailable:
        raise
    except Exception as exc:  # a file no reader expected: say so, never lose the note
        log.error("roster file failed", extra=failure(exc))
        text = "명단 파일을 읽지 못했어요. 엑셀(.xlsx)이나 CSV인지 확인해 주세요."
    else:
        log.info(
            "roster loaded",
            extra={
                "added": len(plan.of(roster_load.ADDED)),
                "changed": len(plan.of(roster_load.CHANGED)),
                "moved": len(plan.of(roster_load.MOVED)),
                "back": len(plan.of(roster_load.BACK)),
                "linked": len(plan.of(roster_load.LINKED)),
                "removals_waiting": len(plan.removals),
                "rejected": len(plan.rejected),
                **emf({"RosterImports": 1}),
            },
        )
        text = note(plan, result)
        loaded = plan.summary()
    told = leave_note(store, key, text, settles=token)
    uploads.discard(token)
    _status(uploads, token, "done" if loaded else "failed", loaded)  # counts only: the page's link is not a login
    return told


def _status(uploads: Uploads, token: str, state: str, detail: str = "") -> None:
    """What the upload page shows; a failure to tell it never stops the import (the chat tells the result)."""
    try:
        uploads.upload_status(token, state, detail)
    except Exception as exc:
        log.warning("upload status not written", extra=failure(exc))


def run_removal(store: Store, token: str, admin_key: str) -> None:
    """The removals an admin said yes to (in the background: a big roster takes a while): done, and told."""
    gone = remove(store, store.load_keys(token), actor=admin_key, target="upload")
    registered = sum(1 for e in gone if e.claimed_by)
    text = f"명단에서 {len(gone)}명을 뺐어요."
    if registered:
        text += f" 그중 등록했던 {registered}명은 '명단에 없는 등록자'로 남아요('명단'에서 볼 수 있어요)."
    log.info("roster removals done", extra={"removed": len(gone), **emf({"RosterRemovals": len(gone)})})
    leave_note(store, admin_key, text)


def entry_locked(store: Store, entry: str, until: int) -> None:
    """Tell every super admin that a roster entry stopped taking registrations after many wrong guesses: the real
    person may be locked out, and only they (or the cool-down) let them in."""

    unit, _, rest = entry.partition("#")
    found = [e for e in store.roster_entries(unit, rest.split("#")[0]) if e.entry == entry]
    if not found:
        return
    e = found[0]
    when = datetime.fromtimestamp(until, KST).strftime("%H:%M")
    text = (
        f"{e.unit} {e.name}#{entry_mark(e)}님으로 등록하려는 틀린 확인번호가 여러 번 들어와 "
        f"{when}까지 등록을 막았어요. 본인이 등록하지 못하고 있다면 확인하고 '잠금 해제 {e.unit} {e.name}'."
    )
    for admin in store.list_admins():
        if admin.role >= SUPER:
            leave_note(store, admin.key, text)
