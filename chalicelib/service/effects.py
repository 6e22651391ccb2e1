"""What the service does with each effect a step returns (:mod:`chalicelib.domain.effects`): one handler per
type, run in order after the step's writes are stored.

A handler takes the bot, the message's turn, the effect and the reply so far, and returns the reply to give
(most give it back unchanged; a download or a page hands out a link instead). The table is complete at import,
so an effect without a handler cannot be returned and then silently dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import field
from typing import Any, get_args

from chalicelib.domain.effects import (
    CountPeople,
    DeferAnswer,
    Effect,
    EntryLocked,
    ExportJob,
    ForgetFiles,
    ImportRoster,
    KeepFigures,
    NotifyJob,
    RemoveMissing,
    ShowReport,
    ShowUploadPage,
)
from chalicelib.domain.model import User
from chalicelib.domain.ports import Conflict, Unavailable
from chalicelib.domain.record import record
from chalicelib.domain.reply import Button, Card, Reply
from chalicelib.domain.tasks import ExportTask
from chalicelib.platform.logsafe import failure
from chalicelib.platform.metrics import emf
from chalicelib.service import background, downloads, wording
from chalicelib.service.background import Background
from chalicelib.service.budget import Timing

log = logging.getLogger("haengjeong")


@record
class Turn:
    """One message on its way through the service."""

    key: str
    text: str
    tap: dict[str, Any]  # clientExtra of a tapped quick reply
    request: downloads.Request  # the ports as this message sees them (budgeted)
    facts: dict[str, Any] = field(default_factory=lambda: {"attempts": 0})
    user: User | None = None  # as last read: what the member was doing when something failed


class Runner(Background):
    """What the handlers need of the bot besides its background work."""

    timing: Timing
    sync_cells: int


Handler = Callable[[Runner, Turn, Any, Reply], Reply]


def run(bot: Runner, turn: Turn, effects: list[Effect], reply: Reply) -> Reply:
    """Run ``effects`` in order; the reply the last of them leaves."""
    for effect in effects:
        reply = HANDLERS[type(effect)](bot, turn, effect, reply)
    return reply


def _export(bot: Runner, turn: Turn, job: ExportJob, reply: Reply) -> Reply:
    return downloads.hand_out(job, turn.request, bot.timing, bot.sync_cells, bot.clock())


def _report(bot: Runner, turn: Turn, e: ShowReport, reply: Reply) -> Reply:
    return downloads.hand_out_report(e.results, reply, turn.request)


def _upload_page(bot: Runner, turn: Turn, e: ShowUploadPage, reply: Reply) -> Reply:
    """The reply to 명단 올리기, with the page's link as a button."""
    if bot.uploads is None:
        return wording.sorry(wording.NO_FILES_HERE)
    try:
        link = bot.uploads.upload_page(e.token, turn.key)
    except Exception as exc:
        log.error("upload page failed", extra=failure(exc))
        return wording.sorry(wording.NO_LINK)
    reply.card = Card(
        title="명단 올리기", description=reply.texts.pop(0), buttons=[Button("파일 올리는 곳", url=link.url)]
    )
    return reply


def _notify(bot: Runner, turn: Turn, job: NotifyJob, reply: Reply) -> Reply:
    bot.notify(job)
    return reply


def _import_roster(bot: Runner, turn: Turn, e: ImportRoster, reply: Reply) -> Reply:
    bot.queue_task(ExportTask(user_key=turn.key, survey_ids=[], kind="roster", title=e.token))
    return reply


def _remove_missing(bot: Runner, turn: Turn, e: RemoveMissing, reply: Reply) -> Reply:
    bot.queue_task(ExportTask(user_key=turn.key, survey_ids=[], kind="roster_remove", title=e.token))
    return reply


def _defer(bot: Runner, turn: Turn, e: DeferAnswer, reply: Reply) -> Reply:
    bot.defer(e.answer)
    return reply


def _forget_files(bot: Runner, turn: Turn, e: ForgetFiles, reply: Reply) -> Reply:
    if turn.request.exporter is not None:
        downloads.forget(turn.request.exporter, e.survey_id)
    return reply


def _entry_locked(bot: Runner, turn: Turn, e: EntryLocked, reply: Reply) -> Reply:
    """Every super admin is told on their next message (a real person may be locked out), and it is counted."""
    log.warning("roster entry locked", extra=emf({"RosterEntryLocks": 1}))
    from chalicelib.service import roster_files  # the roster's upkeep: imported when an entry first locks

    try:
        roster_files.entry_locked(bot.store, e.entry, e.until)
    except Exception as exc:  # told or not, the lock holds
        log.error("lock alert failed", extra=failure(exc))
    return reply


def _keep_figures(bot: Runner, turn: Turn, e: KeepFigures, reply: Reply) -> Reply:
    """A census kept for the next view; a change since it was counted (or a busy store) leaves it to that view."""
    try:
        bot.store.commit([e.write])
    except (Conflict, Unavailable):
        log.info("census not kept: changed meanwhile")
    return reply


def _count_people(bot: Runner, turn: Turn, e: CountPeople, reply: Reply) -> Reply:
    """Too many people to count while the admin waits: counted by the queue's worker, once the indexes settle."""
    task = ExportTask(user_key=turn.key, survey_ids=[e.survey_id], kind="census")
    try:
        bot.enqueue([task], background.CENSUS_DELAY_SECONDS)
    except Exception as exc:  # the reply stands; the next view asks again
        log.error("census not queued", extra=failure(exc))
    return reply


HANDLERS: dict[type, Handler] = {
    ExportJob: _export,
    ShowReport: _report,
    ShowUploadPage: _upload_page,
    NotifyJob: _notify,
    ImportRoster: _import_roster,
    RemoveMissing: _remove_missing,
    DeferAnswer: _defer,
    ForgetFiles: _forget_files,
    EntryLocked: _entry_locked,
    KeepFigures: _keep_figures,
    CountPeople: _count_people,
}
_missing = set(get_args(Effect)) - set(HANDLERS)
if _missing:  # a new effect with no handler fails at import, not when first returned
    raise TypeError(f"effects with no handler: {sorted(t.__name__ for t in _missing)}")
