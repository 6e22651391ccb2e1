"""Runs one message: read the user, take the conversation's step, commit its writes.

Optimistic concurrency: every commit carries the conditions of domain.writes. When
a condition fails (a double tap, two messages racing on two Lambda instances, a
cap reached by someone else), the step is taken again on fresh data, so the
reply always describes what was really stored.

    request A ──read v3──step──commit(v3→v4) ✓
    request B ──read v3──step──commit(v3→v4) ✗ Conflict ──read v4──step──commit ✓/reply

Time: Kakao drops a reply that takes longer than 5 s. Every outbound call of a
message (store, files, queue) goes through :class:`Budgeted`, which starts it
only if the call, in its worst case (every attempt timing out), still ends
within ``Timing.reply_within`` of the message's arrival; otherwise it raises
Unavailable without starting. A failing or slow store therefore yields a polite
"잠시 후 다시" (with the question the member is on) in time, and nothing
half-written: a commit either ran whole or did not start.

    |<--- store calls may start --->|<--- the last one may take 3.1 s --->|
    0 s                            1.4 s                                 4.5 s   (Kakao gives up at 5 s)
"""
from __future__ import annotations

import dataclasses
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping, Optional

from chalicelib.domain.common import Ctx, ExportJob, Outcome
from chalicelib.domain.conversation import step
from chalicelib.domain.model import Answer, Survey, User, now_kst
from chalicelib.domain.reply import Button, Card, Quick, Reply
from chalicelib.domain.resume import current_prompt
from chalicelib.logsafe import failure
from chalicelib.domain.ports import Conflict, Exporter, ExportTask, Queue, Store, Unavailable
from chalicelib.domain.writes import DeleteSurvey, DeleteUser, PutUser, Write

log = logging.getLogger("haengjeong")

MAX_ATTEMPTS = 6  # the time budget ends the retries earlier when the store is slow
BACKOFF_STEP = 0.025  # seconds; the pause before attempt n+1 is uniform in [0, n * step]
BUSY = "요청이 몰려 잠시 처리하지 못했어요. 잠시 후 다시 보내 주세요."
SLOW_DOWN = "메시지가 너무 빠르게 오고 있어요. 잠시 후 다시 보내 주세요."
# Exports larger than this many cells are built in the background (openpyxl writes
# roughly 10-30k cells a second on a small Lambda; the reply must leave within 5 s).
SYNC_CELLS = 6000
MAX_READY = 3


@dataclass(frozen=True)
class Timing:
    """When a reply must have left, and the worst case of each kind of outbound call, in seconds.

    The defaults are those of the deployed adapters (runtime passes the values the
    adapters compute from their own botocore settings; a test keeps them equal).
    """

    reply_within: float = 4.5  # Kakao waits 5 s; leave room for API Gateway and the network
    store_call: float = 3.1  # storage.tables.WORST_CALL_SECONDS
    file_call: float = 1.5  # export.files.WORST_CALL_SECONDS (one S3 request)
    build: float = 0.5  # building an export of at most SYNC_CELLS cells
    queue_send: float = 3.0  # jobs.SqsQueue.WORST_SEND_SECONDS

    def exporter_calls(self) -> dict[str, float]:
        return {
            "export_survey": self.build + 2 * self.file_call,  # xlsx and csv
            "export_master": self.build + self.file_call,
            "presign": 0.5,  # signing is local; the first one builds the client
            "forget_survey": 2 * self.file_call,  # list, then delete
        }


class Budget:
    """The time one message has left (a monotonic clock, so tests can fake it)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.deadline = clock() + seconds

    def left(self) -> float:
        return self.deadline - self._clock()

    def allows(self, seconds: float) -> bool:
        """True when something taking ``seconds`` at worst would still end in time."""
        return self.left() >= seconds

    def require(self, seconds: float, what: str) -> None:
        if not self.allows(seconds):
            raise Unavailable(f"no time left for {what}")


class Budgeted:
    """A port (store, exporter, queue) as one message sees it: a call that might not end in time never starts."""

    def __init__(self, target: Any, budget: Budget, seconds: float | Mapping[str, float]) -> None:
        self._target = target
        self._budget = budget
        self._seconds = seconds

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr
        need = self._seconds if isinstance(self._seconds, (int, float)) else self._seconds.get(name, 0.0)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._budget.require(need, name)
            return attr(*args, **kwargs)

        return call


@dataclass
class _Turn:
    """One message on its way through the service."""

    key: str
    text: str
    callback_url: str
    budget: Budget
    store: Any  # Budgeted Store
    exporter: Any  # Budgeted Exporter or None
    queue: Any  # Budgeted Queue or None
    facts: dict[str, Any]
    tap: dict[str, Any] = dataclasses.field(default_factory=dict)  # clientExtra of a tapped quick reply
    user: Optional[User] = None  # as last read: what the member was doing when something failed


class Bot:
    """The chatbot over a Store (and an Exporter for downloads)."""

    def __init__(self, store: Store, exporter: Optional[Exporter] = None,
                 clock: Callable[[], datetime] = now_kst, queue: Optional[Queue] = None,
                 callback: Optional[Callable[[str, Reply], bool]] = None,
                 sync_cells: int = SYNC_CELLS, timing: Timing = Timing(),
                 monotonic: Callable[[], float] = time.monotonic, rate_limit: int = 0) -> None:
        self.store = store
        self.exporter = exporter
        self.clock = clock
        self.queue = queue
        self.callback = callback
        self.sync_cells = sync_cells
        self.timing = timing
        self.monotonic = monotonic
        self.rate_limit = rate_limit  # messages per user per minute; 0 = no limit
        self.sleep: Callable[[float], None] = time.sleep

    def handle(self, user_key: str, text: str, callback_url: str = "",
               tap: Optional[Mapping[str, Any]] = None) -> tuple[Reply, dict[str, Any]]:
        """The reply to one message, and facts for the log line (no answers, no keys)."""
        started = time.perf_counter()
        budget = Budget(self.timing.reply_within, self.monotonic)
        turn = _Turn(
            key=user_key, text=text, callback_url=callback_url, budget=budget,
            store=Budgeted(self.store, budget, self.timing.store_call),
            exporter=None if self.exporter is None else Budgeted(self.exporter, budget, self.timing.exporter_calls()),
            queue=None if self.queue is None else Budgeted(self.queue, budget, self.timing.queue_send),
            facts={"attempts": 0}, tap=dict(tap or {}),
        )
        try:
            reply = self._run(turn)
        except Unavailable:
            turn.facts["result"] = "unavailable"
            reply = self._busy(turn)
        turn.facts["ms"] = round((time.perf_counter() - started) * 1000, 1)
        return reply, turn.facts

    def _back_off(self, attempt: int, budget: Budget) -> None:
        """A short random pause before re-reading, so racers (e.g. a rush on one survey's
        counters, which DynamoDB answers with TransactionConflict) spread out instead of
        colliding again; never longer than the budget can spare."""
        pause = random.uniform(0, BACKOFF_STEP * attempt)
        if budget.allows(self.timing.store_call + pause):
            self.sleep(pause)

    def _busy(self, turn: _Turn) -> Reply:
        """'Try again shortly', with the question the member is on (from the session: no store reads)."""
        return current_prompt(turn.user, BUSY) or Reply.say(BUSY, quick=["메뉴"])

    def _run(self, turn: _Turn) -> Reply:
        facts = turn.facts
        for attempt in range(1, MAX_ATTEMPTS + 1):
            facts["attempts"] = attempt
            user = turn.user = turn.store.get_user(turn.key)
            now = self.clock()
            rate = self._rate(user, now)
            if rate and rate[1] > self.rate_limit:
                facts["result"] = "rate_limited"
                return Reply.say(SLOW_DOWN, quick=["메뉴"])
            ctx = Ctx(key=turn.key, user=user, now=now, db=turn.store, tap=turn.tap)
            out = step(ctx, turn.text)
            writes = self._writes(turn.key, user, out, rate)
            try:
                if writes:
                    turn.store.commit(writes)
            except Conflict as exc:
                facts.setdefault("conflicts", []).append(exc.what)
                self._back_off(attempt, turn.budget)
                continue
            facts["result"] = "ok"
            facts["writes"] = [type(w).__name__ for w in writes]
            self._after_commit(out, turn)
            if out.export is not None:
                return self._export(out.export, turn)
            stored = out.user if out.user is not None else user
            # Files finished in the background are offered on whatever the admin says next.
            if stored is not None and stored.session.get("ready") and "파일 받기" not in (q.text for q in out.reply.quick):
                out.reply.texts.insert(0, "요청한 파일이 준비됐어요: '파일 받기'를 누르세요.")
                out.reply.quick.insert(0, Quick("파일 받기"))
            return out.reply
        facts["result"] = "gave_up"
        return self._busy(turn)

    # --- per-user rate limit ---------------------------------------------------------------------
    #
    # A fixed one-minute window kept on the user item as [epoch minute, messages]. The
    # user is read on every message anyway, and the count rides on the write the
    # message makes: the conversation's PutUser when it changes the user, else a
    # PutUser of the user as read (conditional on its version, like every user
    # write). A refused message writes nothing. Unregistered people have no item and
    # are not limited: they can only register, which costs one read.

    def _rate(self, user: Optional[User], now: datetime) -> Optional[list[int]]:
        """[window, count including this message], or None when not limited."""
        if not self.rate_limit:
            return None
        minute = int(now.timestamp() // 60)
        if user is None:
            return [minute, 1]
        window, count = (user.rate + [0, 0])[:2] if user.rate else (0, 0)
        return [minute, count + 1] if window == minute else [minute, 1]

    @staticmethod
    def _writes(key: str, user: Optional[User], out: Outcome, rate: Optional[list[int]]) -> list[Write]:
        writes: list[Write] = list(out.writes)
        if out.user is not None:
            if rate:
                out.user.rate = rate
            writes.insert(0, PutUser(out.user))
        elif rate and user is not None and not any(_touches_user(w, key) for w in writes):
            writes.insert(0, PutUser(dataclasses.replace(user, rate=rate)))
        return writes

    def _after_commit(self, out: Outcome, turn: _Turn) -> None:
        if turn.exporter is None:
            return
        for w in out.writes:
            if isinstance(w, DeleteSurvey):
                try:
                    turn.exporter.forget_survey(w.survey_id)
                except Exception as exc:  # exports expire anyway; never fail the reply for it
                    log.warning("export cleanup failed", extra={"survey": w.survey_id, **failure(exc)})

    def _export(self, job: ExportJob, turn: _Turn) -> Reply:
        """Hand out files: ready ones now, small ones built now, big ones in the background."""
        if turn.exporter is None:
            return Reply.say("내려받기를 쓸 수 없는 환경이에요.", quick=["메뉴"])
        if job.ready:
            try:
                links = [turn.exporter.presign(r["key"], r["title"], r["ext"]) for r in job.ready]
            except Exception as exc:
                log.error("presign failed", extra=failure(exc))
                return Reply.say("파일 링크를 만들지 못했어요. 잠시 후 다시 시도해 주세요.", quick=["메뉴"])
            return links_reply(job.ready[0].get("label", "요청한 파일"), links)
        surveys = [s for s in (turn.store.get_survey(i) for i in job.survey_ids) if s is not None]
        if not surveys:
            return Reply.say("신청을 찾을 수 없어요.", quick=["메뉴"])
        cells = sum(s.response_count * (len(s.questions) + 4) for s in surveys)
        # Built now only if the build and upload can still end in time; otherwise in the background.
        in_time = turn.budget.allows(self.timing.exporter_calls()["export_master" if job.master else "export_survey"])
        if turn.queue is not None and (job.master or cells > self.sync_cells or not in_time):
            task = ExportTask(user_key=turn.key, survey_ids=[s.id for s in surveys], master=job.master,
                              callback_url=turn.callback_url, requested_at=self.clock().isoformat())
            try:
                turn.queue.send(task)
            except Unavailable:
                raise
            except Exception as exc:
                log.error("export queue failed", extra=failure(exc))
                return Reply.say("파일을 만들지 못했어요. 잠시 후 다시 시도해 주세요.", quick=["메뉴"])
            if turn.callback_url:
                return Reply(texts=["파일을 만들고 있어요. 잠시만 기다려 주세요."], use_callback=True)
            return Reply.say("파일을 만드는 데 조금 걸려요. 1~2분 뒤 아무 메시지나 보내면 '파일 받기'가 나타나요.",
                             quick=["메뉴"])
        try:
            title, links = self._build(surveys, job.master, turn.store, turn.exporter)
        except Unavailable:
            raise
        except Exception as exc:
            log.error("export failed", extra=failure(exc))
            return Reply.say("파일을 만들지 못했어요. 잠시 후 다시 시도해 주세요.", quick=["메뉴"])
        return links_reply(title, links)

    @staticmethod
    def _build(surveys: list[Survey], master: bool, store: Any, exporter: Any) -> tuple[str, list[Any]]:
        if master:
            link = exporter.export_master([(s, store.list_answers(s.id)) for s in surveys])
            return f"전체 신청 {len(surveys)}건", [link]
        s = surveys[0]
        answers = store.list_answers(s.id)
        return f"{s.title} 응답 {len(answers)}건", exporter.export_survey(s, answers)

    def run_export_task(self, task: ExportTask) -> None:
        """The background half of a big export: build, then deliver by callback or park for 파일 받기."""
        surveys = [s for s in (self.store.get_survey(i) for i in task.survey_ids) if s is not None]
        if not surveys or self.exporter is None:
            return
        title, links = self._build(surveys, task.master, self.store, self.exporter)
        if task.callback_url and self.callback is not None and self.callback(task.callback_url, links_reply(title, links)):
            return
        parked = [{"key": x.key, "title": _stem(x.filename), "ext": _ext(x.filename), "label": title} for x in links]
        for _ in range(MAX_ATTEMPTS * 2):
            user = self.store.get_user(task.user_key)
            if user is None:
                return
            user.session["ready"] = (user.session.get("ready", []) + parked)[-MAX_READY:]
            try:
                self.store.commit([PutUser(user)])
                return
            except Conflict:  # the admin was chatting at the same moment: read again
                continue
        log.warning("could not park export")


def _touches_user(w: Write, key: str) -> bool:
    """True for a write of the speaker's own item (the rate count then must not add a second one)."""
    return (isinstance(w, PutUser) and w.user.key == key) or (isinstance(w, DeleteUser) and w.key == key)


def links_reply(title: str, links: list[Any]) -> Reply:
    """A card with one button per file; links live minutes, so the card says so."""
    minutes = max(1, min(x.expires_in for x in links) // 60)
    buttons = [Button(label=_button_label(x), url=x.url) for x in links]
    card = Card(title=title, description=f"아래 버튼으로 내려받으세요. 링크는 {minutes}분 뒤 만료돼요.", buttons=buttons)
    return Reply.say(card=card, quick=["내 신청서", "메뉴"])


def _stem(filename: str) -> str:
    return filename.rsplit(".", 1)[0]


def _ext(filename: str) -> str:
    return filename.rsplit(".", 1)[-1] if "." in filename else "xlsx"


def _button_label(link: Any) -> str:
    name = str(getattr(link, "filename", ""))
    return "CSV 받기" if name.endswith(".csv") else "엑셀 받기"
