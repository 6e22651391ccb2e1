"""Who talks to the skill in `make bench`: simulated KakaoTalk members, each a distinct user.

* :class:`Member` — a busy hour: menu, list, and full answer rounds, each message 0.5–1.5 s apart.
* :class:`MenuMember` — registers, then asks for the menu again and again, no pause.
* :class:`RoundMember` — registers, then repeats the full answer round, no pause.

Members tap what a reply offers, as people do: when the text they send is one of the last
reply's quick replies, the request carries that quick reply's ``extra`` as ``clientExtra``,
as Kakao sends it. They type the rest (a number, a title).

The bench points the same classes at the bot and at the reference skill
(``loadtests/reference.py``), which reads the same requests as plain messages: the
reference gets exactly the load the bot gets. ``scripts/bench.py`` starts the stack,
seeds an admin and the survey titled ``BENCH_TITLE``, and runs these classes through
``loadtests/run.py``; ``locust -f loadtests/locustfile.py MenuMember`` also works against
a stack of your own (``make run``, with a survey of that title).
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from locust import FastHttpUser, between, constant, task

SECRET = os.environ.get("HJ_SKILL_SECRET", "local-dev-secret")
TITLE = os.environ.get("BENCH_TITLE", "부하 시험")
BUSY = "잠시 후 다시"  # the polite "busy" answer: counted as a failure, not hidden

# One member's full round: open, answer, skip, submit, check, withdraw (so the next round can answer again).
ROUND = (
    (f"신청 {TITLE}", "신청 <제목>"),
    ("피자", "answer choice"),
    ("2", "answer number"),
    ("건너뛰기", "건너뛰기"),
    ("제출", "제출"),
    ("내 신청", "내 신청"),
    (f"신청 취소 {TITLE}", "신청 취소"),
    ("예", "예"),
)


def payload(user_id: str, text: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "intent": {"id": "fallback", "name": "폴백 블록"},
        "userRequest": {
            "timezone": "Asia/Seoul",
            "params": {"surface": "Kakaotalk.plusfriend"},
            "utterance": text,
            "lang": "ko",
            "user": {"id": user_id, "type": "botUserKey", "properties": {}},
        },
        "bot": {"id": "bench-bot", "name": "행정이"},
        "action": {"id": "skill", "name": "skill", "params": {}, "detailParams": {}, "clientExtra": extra or {}},
        "contexts": [],
    }


def new_key() -> str:
    """A fresh 66-character botUserKey."""
    return uuid.uuid4().hex + uuid.uuid4().hex[:2]


class KakaoUser(FastHttpUser):
    """A registered member; :meth:`say` sends one message and judges the reply."""

    abstract = True

    def on_start(self) -> None:
        self.key = new_key()
        self.offered: dict[str, dict[str, Any]] = {}  # the last reply's quick replies: text sent -> its extra
        self.say(f"등록 부하중대 대원{self.key[:6]}", "등록")

    def say(self, text: str, name: str) -> None:
        # A member taps what the last reply offers (Kakao then sends the quick reply's extra as
        # clientExtra) and types the rest; the reference skill ignores clientExtra.
        extra, self.offered = self.offered.get(text), {}
        with self.client.post(
            "/skill",
            json=payload(self.key, text, extra),
            name=name,
            headers={"X-Skill-Secret": SECRET},
            catch_response=True,
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return
            try:
                body = resp.json()
            except ValueError:
                resp.failure("not JSON")
                return
            if body.get("version") != "2.0" or "template" not in body:
                resp.failure("not a Kakao reply")
                return
            self.offered = {
                q.get("messageText", ""): q.get("extra") or {} for q in body["template"].get("quickReplies", [])
            }
            texts = [o.get("simpleText", {}).get("text", "") for o in body["template"].get("outputs", [])]
            if any(BUSY in t for t in texts):
                resp.failure("busy reply")

    def answer_round(self, think: bool = False) -> None:
        """The round's eight messages; with ``think``, a pause of the user's wait time between them."""
        for i, (text, name) in enumerate(ROUND):
            if think and i:
                self.wait()
            self.say(text, name)


class Member(KakaoUser):
    """A busy hour: 3 menus, 2 lists and 4 full rounds in 9 tasks, every message 0.5–1.5 s after the
    last reply (a person reads the reply before tapping the next step, inside a round too)."""

    wait_time = between(0.5, 1.5)

    @task(3)
    def menu(self) -> None:
        self.say("메뉴", "메뉴")

    @task(2)
    def listing(self) -> None:
        self.say("신청 목록", "신청 목록")

    @task(4)
    def round(self) -> None:
        self.answer_round(think=True)


class MenuMember(KakaoUser):
    """Closed loop: the menu, as fast as the server answers."""

    wait_time = constant(0)

    @task
    def menu(self) -> None:
        self.say("메뉴", "메뉴")


class RoundMember(KakaoUser):
    """Closed loop: the full answer round, as fast as the server answers."""

    wait_time = constant(0)

    @task
    def round(self) -> None:
        self.answer_round()
