"""Downloads: hand out files that are ready, build small ones inside the reply, queue big ones.

A big export (or any when time is short) is answered at once and built in the
background: the finished files reach the admin by Kakao's callback when the request
carried one, otherwise they are parked in the admin's session and the next message
offers "파일 받기" (links are minted then, never stored).

Kakao's callback URL works once, for one minute from the request. The queue may take
a while to start the work (a cold function), and a big file takes longer to build: when
what is left of the minute cannot cover the build, the callback is spent at once on
saying how the file will come instead (a push when it is ready, with the event channel;
else "파일 받기" on the next message), so nobody is left waiting in silence. A callback
that fails (expired, refused) is followed by the same push.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.domain.effects import ExportJob
from chalicelib.domain.model import Survey
from chalicelib.domain.ports import Conflict, Exporter, FileLink, Queue, Reader, Store, Unavailable
from chalicelib.domain.privacy import as_shown, shown
from chalicelib.domain.record import record
from chalicelib.domain.reply import Reply
from chalicelib.domain.session import ReadyFile, Session
from chalicelib.domain.tasks import ExportTask
from chalicelib.domain.writes import PutUser
from chalicelib.platform.logsafe import failure
from chalicelib.service import wording
from chalicelib.service.budget import Budget, Timing

if TYPE_CHECKING:  # drawn only by 결과 보기: not imported before it is used
    from chalicelib.domain.results import Results

log = logging.getLogger("haengjeong")

CALLBACK_SECONDS = 60  # Kakao's callback URL is valid this long after the request, once
CALLBACK_MARGIN = 15  # seconds kept for the POST itself, the upload and clocks that differ
BUILD_SECONDS = 3.0  # a build's fixed part: reading the answers, storing the files, signing links
CELLS_PER_SECOND = 10_000  # openpyxl's pace on the export function, taken low (docs/performance.md)

# Exports larger than this many cells are built in the background (openpyxl writes
# roughly 10-30k cells a second on a small Lambda; the reply must leave within 5 s).
SYNC_CELLS = 6000
MAX_READY = 3
PARK_ATTEMPTS = 12


@record
class Request:
    """A download asked for by one message, with the ports as that message sees them (budgeted)."""

    key: str
    callback_url: str
    budget: Budget
    store: Store
    exporter: Exporter | None
    queue: Queue | None


def hand_out(job: ExportJob, req: Request, timing: Timing, sync_cells: int, now: datetime) -> Reply:
    """Files that are ready now, small ones built now, big ones in the background."""
    if req.exporter is None:
        return wording.sorry(wording.NO_FILES_HERE)
    if job.ready:
        try:
            links = [req.exporter.presign(r.key, r.title, r.ext) for r in job.ready]
        except Exception as exc:
            log.error("presign failed", extra=failure(exc))
            return wording.sorry(wording.NO_LINK)
        return wording.links_reply(job.ready[0].label or wording.READY_LABEL, links)
    surveys = job.surveys or req.store.get_surveys(job.survey_ids)
    if not surveys:
        return wording.sorry(wording.NO_SURVEY)
    cells = sum(s.response_count * (len(s.questions) + 4) for s in surveys)
    # Built now only if the build and upload can still end in time; otherwise in the background.
    in_time = req.budget.allows(timing.exporter_calls()["export_master" if job.master else "export_survey"])
    if req.queue is not None and (job.master or cells > sync_cells or not in_time):
        task = ExportTask(
            user_key=req.key,
            survey_ids=[s.id for s in surveys],
            master=job.master,
            callback_url=req.callback_url,
            requested_at=now.isoformat(),
            extra={"units": job.units} if job.units else {},
        )
        try:
            req.queue.send(task)
        except Unavailable:
            raise
        except Exception as exc:
            log.error("export queue failed", extra=failure(exc))
            return wording.sorry(wording.BUILD_FAILED)
        if req.callback_url:
            return Reply(texts=[wording.BUILDING_FOR_CALLBACK], use_callback=True)
        return wording.sorry(wording.BUILDING_IN_BACKGROUND)
    try:
        title, links = build(surveys, job.master, req.store, req.exporter, job.units)
    except Unavailable:
        raise
    except Exception as exc:
        log.error("export failed", extra=failure(exc))
        return wording.sorry(wording.BUILD_FAILED)
    return wording.links_reply(title, links)


def hand_out_report(results: Results, reply: Reply, req: Request) -> Reply:
    """결과 보기: the page drawn and stored now (aggregates are small, whatever the survey's size), its link
    as the card's button under ``reply``'s first text."""
    if req.exporter is None:
        return wording.sorry(wording.NO_FILES_HERE)
    try:
        link = req.exporter.publish_report(results)
    except Unavailable:
        raise
    except Exception as exc:
        log.error("report failed", extra=failure(exc))
        return wording.sorry(wording.NO_REPORT)
    return wording.report_reply(reply, results.answered, link)


def build(
    surveys: list[Survey], master: bool, store: Reader, exporter: Exporter, units: list[str] | None = None
) -> tuple[str, list[FileLink]]:
    """Build and store the files; (the card's title, their links). ``units``: an admin of some units gets the survey
    narrowed to those units' people (its target, answers, counts and who is missing)."""
    from chalicelib.domain.audience import people_of, reach  # a file's: the admin's side, loaded by the first
    from chalicelib.domain.unit_admins import answers_in, narrowed

    if master:
        marks = {p.person: p.mark for p in people_of(store, "")[0] if p.person}
        seen = [(s, shown(s, store.list_answers(s.id))) for s in surveys]
        link = exporter.export_master([(as_shown(s, answers), answers) for s, answers in seen], marks)
        return f"전체 신청 {len(surveys)}건", [link]
    s = surveys[0]
    answers = shown(s, store.list_answers(s.id))  # of a survey kept without names: full batches only
    if units:
        s, answers = answers_in(store, narrowed(s, units), answers)
    links = exporter.export_survey(as_shown(s, answers), answers, reach(store, s))
    return f"{s.title} 응답 {len(answers)}건", links


def forget(exporter: Exporter, survey_id: str) -> None:
    """A deleted survey's files go too (they expire anyway: a failure never fails the reply)."""
    try:
        exporter.forget_survey(survey_id)
    except Exception as exc:
        log.warning("export cleanup failed", extra={"survey": survey_id, **failure(exc)})


def build_seconds(surveys: list[Survey]) -> float:
    """How long building ``surveys`` may take, on the slow side."""
    cells = sum(s.response_count * (len(s.questions) + 4) for s in surveys)
    return BUILD_SECONDS + cells / CELLS_PER_SECOND


def callback_left(requested_at: str, now: float) -> float:
    """Seconds the request's callback URL still works (0 when the request's time is unknown)."""
    try:
        asked = datetime.fromisoformat(requested_at).timestamp()
    except ValueError:
        return 0.0
    return CALLBACK_SECONDS - (now - asked)


def run_task(
    task: ExportTask,
    store: Store,
    exporter: Exporter | None,
    callback: Callable[[str, Reply], bool] | None,
    push_file: Callable[[str], None] | None = None,
    now: Callable[[], float] = time.time,
) -> None:
    """The background half of a big export: build, then deliver by callback, or park it for 파일 받기 and (with
    the event channel) push a line saying it is ready."""
    surveys = store.get_surveys(task.survey_ids)
    if not surveys or exporter is None:
        return
    url = task.callback_url if callback is not None else ""
    if url and callback_left(task.requested_at, now()) - CALLBACK_MARGIN < build_seconds(surveys):
        later = wording.FILE_BY_PUSH if push_file is not None else wording.FILE_ON_NEXT_MESSAGE
        if callback is not None and not callback(url, wording.sorry(later)):
            log.warning("callback expired before the file could be announced")
        url = ""  # spent (or dead): the file comes the other way
    units = [str(u) for u in task.extra.get("units") or []]
    title, links = build(surveys, task.master, store, exporter, units)
    if url and callback is not None and callback(url, wording.links_reply(title, links)):
        return
    _park(task, store, links, title)
    if push_file is not None:
        push_file(task.user_key)


def _park(task: ExportTask, store: Store, links: list[FileLink], title: str) -> None:
    """The files wait in the admin's session for 파일 받기 (their links are minted then)."""
    parked = [ReadyFile(key=x.key, title=_stem(x.filename), ext=_ext(x.filename), label=title) for x in links]
    for _ in range(PARK_ATTEMPTS):
        user = store.get_user(task.user_key)
        if user is None:
            return
        session = Session.from_dict(user.session)
        session.ready = (session.ready + parked)[-MAX_READY:]
        user.session = session.to_dict()
        try:
            store.commit([PutUser(user)])
            return
        except Conflict:  # the admin was chatting at the same moment: read again
            continue
    log.warning("could not park export")


def _stem(filename: str) -> str:
    return filename.rsplit(".", 1)[0]


def _ext(filename: str) -> str:
    return filename.rsplit(".", 1)[-1] if "." in filename else "xlsx"
