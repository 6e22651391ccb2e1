"""Load profile of a busy hour: members open the menu, list surveys, answer, submit, withdraw.

Run by `make bench` (scripts/bench.py), which starts a private local stack, seeds an
admin and a survey titled "부하 시험", and points locust at it. Each simulated member
is a distinct KakaoTalk user.
"""
from __future__ import annotations

import os
import uuid

from locust import HttpUser, between, task

SECRET = os.environ.get("HJ_SKILL_SECRET", "local-dev-secret")
TITLE = os.environ.get("BENCH_TITLE", "부하 시험")


def payload(user_id: str, text: str) -> dict:
    return {
        "intent": {"id": "fallback", "name": "폴백 블록"},
        "userRequest": {"timezone": "Asia/Seoul", "params": {"surface": "Kakaotalk.plusfriend"},
                        "utterance": text, "lang": "ko",
                        "user": {"id": user_id, "type": "botUserKey", "properties": {}}},
        "bot": {"id": "bench-bot", "name": "행정이"},
        "action": {"id": "skill", "name": "skill", "params": {}, "detailParams": {}, "clientExtra": {}},
        "contexts": [],
    }


class Member(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.key = uuid.uuid4().hex + uuid.uuid4().hex[:2]
        self.say(f"등록 부하중대 대원{self.key[:6]}", "등록")

    def say(self, text: str, name: str) -> None:
        with self.client.post("/skill", json=payload(self.key, text), name=name,
                              headers={"X-Skill-Secret": SECRET}, catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return
            body = resp.json()
            if body.get("version") != "2.0" or "template" not in body:
                resp.failure("not a Kakao reply")
                return
            texts = [o.get("simpleText", {}).get("text", "") for o in body["template"]["outputs"]]
            if any("잠시 후 다시" in t for t in texts):  # the polite "busy" answer: counted, not hidden
                resp.failure("busy reply")

    @task(3)
    def menu(self) -> None:
        self.say("메뉴", "메뉴")

    @task(2)
    def listing(self) -> None:
        self.say("신청 목록", "신청 목록")

    @task(4)
    def answer_round(self) -> None:
        """One member's full round: open, answer, skip, submit, check, withdraw (so the next round can answer)."""
        for text, name in ((f"신청 {TITLE}", "신청 <제목>"), ("피자", "answer choice"), ("2", "answer number"),
                           ("건너뛰기", "건너뛰기"), ("제출", "제출"), ("내 신청", "내 신청"),
                           (f"신청 취소 {TITLE}", "신청 취소"), ("예", "예")):
            self.say(text, name)
