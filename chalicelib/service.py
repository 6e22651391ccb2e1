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
from chalicelib.domain.reply import Button, Card, Reply
from chalicelib.storage.base import Conflict, DeleteSurvey, PutUser, Store, Unavailable

log = logging.getLogger("haengjeong")

MAX_ATTEMPTS = 4
BUSY = "요청이 몰려 잠시 처리하지 못했어요. 잠시 후 다시 보내 주세요."


class Exporter(Protocol):
    def export_survey(self, survey: Survey, answers: list[Answer]) -> list[Any]: ...

    def export_master(self, items: list[tuple[Survey, list[Answer]]]) -> Any: ...

    def forget_survey(self, survey_id: str) -> None: ...


class Bot:
    """The chatbot over a Store (and an Exporter for downloads)."""

    def __init__(self, store: Store, exporter: Optional[Exporter] = None,
                 clock: Callable[[], datetime] = now_kst) -> None:
        self.store = store
        self.exporter = exporter
        self.clock = clock

    def handle(self, user_key: str, text: str) -> tuple[Reply, dict[str, Any]]:
        """The reply to one message, and facts for the log line (no answers, no keys)."""
        started = time.perf_counter()
        facts: dict[str, Any] = {"attempts": 0}
        try:
            reply = self._run(user_key, text, facts)
        except Unavailable:
            facts["result"] = "unavailable"
            reply = Reply.say(BUSY, quick=["메뉴"])
        facts["ms"] = round((time.perf_counter() - started) * 1000, 1)
        return reply, facts

    def _run(self, user_key: str, text: str, facts: dict[str, Any]) -> Reply:
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
                return self._export(out.export)
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

    def _export(self, job: ExportJob) -> Reply:
        """Build the file(s) and answer with a card of short-lived links."""
        if self.exporter is None:
            return Reply.say("내려받기를 쓸 수 없는 환경이에요.", quick=["메뉴"])
        surveys = [s for s in (self.store.get_survey(i) for i in job.survey_ids) if s is not None]
        if not surveys:
            return Reply.say("신청을 찾을 수 없어요.", quick=["메뉴"])
        try:
            if job.master:
                link = self.exporter.export_master([(s, self.store.list_answers(s.id)) for s in surveys])
                links = [link]
                title = f"전체 신청 {len(surveys)}건"
            else:
                s = surveys[0]
                links = self.exporter.export_survey(s, self.store.list_answers(s.id))
                title = f"{s.title} 응답 {s.response_count}건"
        except Unavailable:
            raise
        except Exception:
            log.exception("export failed")
            return Reply.say("파일을 만들지 못했어요. 잠시 후 다시 시도해 주세요.", quick=["메뉴"])
        minutes = max(1, min(getattr(x, "expires_in", 300) for x in links) // 60)
        buttons = [Button(label=_button_label(x), url=x.url) for x in links]
        card = Card(title=title, description=f"아래 버튼으로 내려받으세요. 링크는 {minutes}분 뒤 만료돼요.", buttons=buttons)
        return Reply.say(card=card, quick=["내 신청서", "메뉴"])


def _button_label(link: Any) -> str:
    name = str(getattr(link, "filename", ""))
    return "CSV 받기" if name.endswith(".csv") else "엑셀 받기"
