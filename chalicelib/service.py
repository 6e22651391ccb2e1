"""Runs one message: read the user, take the conversation's step, commit its writes.

Optimistic concurrency: every commit carries the conditions of storage.base. When
a condition fails (a double tap, two messages racing on two Lambda instances, a
cap reached by someone else), the step is taken again on fresh data, so the
reply always describes what was really stored.

    request A ──read v3──step──commit(v3→v4) ✓
    request B ──read v3──step──commit(v3→v4) ✗ Conflict ──read v4──step──commit ✓/reply
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Callable, Optional, Protocol

from chalicelib.domain.common import Ctx, ExportJob, Outcome
from chalicelib.domain.conversation import step
from chalicelib.domain.model import Answer, Survey, now_kst
from chalicelib.domain.reply import Button, Card, Quick, Reply
from chalicelib.jobs import ExportTask, Queue, post_callback
from chalicelib.kakao.response import render
from chalicelib.storage.base import Conflict, DeleteSurvey, PutUser, Store, Unavailable

log = logging.getLogger("haengjeong")

MAX_ATTEMPTS = 4
BUSY = "요청이 몰려 잠시 처리하지 못했어요. 잠시 후 다시 보내 주세요."
# Exports larger than this many cells are built in the background (openpyxl writes
# roughly 10-30k cells a second on a small Lambda; the reply must leave within 5 s).
SYNC_CELLS = 6000
MAX_READY = 3


class Exporter(Protocol):
    def export_survey(self, survey: Survey, answers: list[Answer]) -> list[Any]: ...

    def export_master(self, items: list[tuple[Survey, list[Answer]]]) -> Any: ...

    def forget_survey(self, survey_id: str) -> None: ...

    def presign(self, key: str, title: str, ext: str) -> Any: ...


class Bot:
    """The chatbot over a Store (and an Exporter for downloads)."""

    def __init__(self, store: Store, exporter: Optional[Exporter] = None,
                 clock: Callable[[], datetime] = now_kst, queue: Optional[Queue] = None,
                 callback: Callable[[str, dict[str, Any]], bool] = post_callback,
                 sync_cells: int = SYNC_CELLS) -> None:
        self.store = store
        self.exporter = exporter
        self.clock = clock
        self.queue = queue
        self.callback = callback
        self.sync_cells = sync_cells

    def handle(self, user_key: str, text: str, callback_url: str = "") -> tuple[Reply, dict[str, Any]]:
        """The reply to one message, and facts for the log line (no answers, no keys)."""
        started = time.perf_counter()
        facts: dict[str, Any] = {"attempts": 0}
        try:
            reply = self._run(user_key, text, facts, callback_url)
        except Unavailable:
            facts["result"] = "unavailable"
            reply = Reply.say(BUSY, quick=["메뉴"])
        facts["ms"] = round((time.perf_counter() - started) * 1000, 1)
        return reply, facts

    def _run(self, user_key: str, text: str, facts: dict[str, Any], callback_url: str = "") -> Reply:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            facts["attempts"] = attempt
            user = self.store.get_user(user_key)
            ctx = Ctx(key=user_key, user=user, now=self.clock(), db=self.store)
            out = step(ctx, text)
            writes = list(out.writes)
            if out.user is not None:
                writes.insert(0, PutUser(out.user))
            try:
                if writes:
                    self.store.commit(writes)
            except Conflict as exc:
                facts.setdefault("conflicts", []).append(exc.what)
                continue
            facts["result"] = "ok"
            facts["writes"] = [type(w).__name__ for w in writes]
            self._after_commit(out)
            if out.export is not None:
                return self._export(out.export, user_key, callback_url)
            stored = out.user if out.user is not None else user
            # Files finished in the background are offered on whatever the admin says next.
            if stored is not None and stored.session.get("ready") and "파일 받기" not in (q.text for q in out.reply.quick):
                out.reply.texts.insert(0, "요청한 파일이 준비됐어요: '파일 받기'를 누르세요.")
                out.reply.quick.insert(0, Quick("파일 받기"))
            return out.reply
        facts["result"] = "gave_up"
        return Reply.say(BUSY, quick=["메뉴"])

    def _after_commit(self, out: Outcome) -> None:
        if self.exporter is None:
            return
        for w in out.writes:
            if isinstance(w, DeleteSurvey):
                try:
                    self.exporter.forget_survey(w.survey_id)
                except Exception:  # exports expire anyway; never fail the reply for it
                    log.warning("export cleanup failed", extra={"survey": w.survey_id})

    def _export(self, job: ExportJob, user_key: str, callback_url: str) -> Reply:
        """Hand out files: ready ones now, small ones built now, big ones in the background."""
        if self.exporter is None:
            return Reply.say("내려받기를 쓸 수 없는 환경이에요.", quick=["메뉴"])
        if job.ready:
            try:
                links = [self.exporter.presign(r["key"], r["title"], r["ext"]) for r in job.ready]
            except Exception:
                log.exception("presign failed")
                return Reply.say("파일 링크를 만들지 못했어요. 잠시 후 다시 시도해 주세요.", quick=["메뉴"])
            return links_reply(job.ready[0].get("label", "요청한 파일"), links)
        surveys = [s for s in (self.store.get_survey(i) for i in job.survey_ids) if s is not None]
        if not surveys:
            return Reply.say("신청을 찾을 수 없어요.", quick=["메뉴"])
        cells = sum(s.response_count * (len(s.questions) + 4) for s in surveys)
        if self.queue is not None and (job.master or cells > self.sync_cells):
            task = ExportTask(user_key=user_key, survey_ids=[s.id for s in surveys], master=job.master,
                              callback_url=callback_url, requested_at=self.clock().isoformat())
            self.queue.send(task)
            if callback_url:
                return Reply(texts=["파일을 만들고 있어요. 잠시만 기다려 주세요."], use_callback=True)
            return Reply.say("파일을 만드는 데 조금 걸려요. 1~2분 뒤 아무 메시지나 보내면 '파일 받기'가 나타나요.",
                             quick=["메뉴"])
        try:
            title, links = self._build(surveys, job.master)
        except Unavailable:
            raise
        except Exception:
            log.exception("export failed")
            return Reply.say("파일을 만들지 못했어요. 잠시 후 다시 시도해 주세요.", quick=["메뉴"])
        return links_reply(title, links)

    def _build(self, surveys: list[Survey], master: bool) -> tuple[str, list[Any]]:
        assert self.exporter is not None
        if master:
            link = self.exporter.export_master([(s, self.store.list_answers(s.id)) for s in surveys])
            return f"전체 신청 {len(surveys)}건", [link]
        s = surveys[0]
        answers = self.store.list_answers(s.id)
        return f"{s.title} 응답 {len(answers)}건", self.exporter.export_survey(s, answers)

    def run_export_task(self, task: ExportTask) -> None:
        """The background half of a big export: build, then deliver by callback or park for 파일 받기."""
        surveys = [s for s in (self.store.get_survey(i) for i in task.survey_ids) if s is not None]
        if not surveys or self.exporter is None:
            return
        title, links = self._build(surveys, task.master)
        if task.callback_url and self.callback(task.callback_url, render(links_reply(title, links))):
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


def links_reply(title: str, links: list[Any]) -> Reply:
    """A card with one button per file; links live minutes, so the card says so."""
    minutes = max(1, min(getattr(x, "expires_in", 300) for x in links) // 60)
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
