"""A member's messages on the DynamoDB store import nothing of pynamodb's models until a transaction needs them:
the person, the listing, a survey and an answer are read, and the person's item written, as raw items. Nor does
wiring the bot import the pushes (service.pushing, the push log), which the first 알림 loads. Run in a fresh process
against DynamoDB Local, as a container serves its first messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from chalicelib.domain.model import Question, Survey, User
from chalicelib.domain.writes import ListSurvey, PutSurvey, PutUser
from chalicelib.storage.dynamo import DynamoStore
from tests.harness import START, key_of

ROOT = Path(__file__).resolve().parents[2]

MESSAGES = """
import json, os, sys
from chalicelib import runtime
from chalicelib.kakao.response import render
from chalicelib.platform.config import settings

bot = runtime.build(settings())  # as a container wires it, from the environment
seen = {}
def models() -> bool:
    return any(m.startswith("pynamodb") for m in sys.modules)
def say(text: str) -> str:
    reply, facts = bot.handle(os.environ["MEMBER"], text, "", None)
    assert facts.get("result") in (None, "ok"), (text, facts)
    return json.dumps(render(reply), ensure_ascii=False)
seen["wired"] = models()
seen["pushes"] = any(m in sys.modules for m in ("chalicelib.service.pushing", "chalicelib.storage.pushlog"))
for text in ["메뉴", "신청 목록", "내 신청", "신청 BBQ 회식", "피자", "2", "건너뛰기"]:
    say(text)
    seen[text] = models()
said = say("제출")
assert "제출했어요" in said, said
seen["제출"] = models()
print(json.dumps(seen, ensure_ascii=False))
"""


def test_a_members_reads_and_answers_import_no_models_until_the_submit(dynamodb_local_store: DynamoStore) -> None:
    store = dynamodb_local_store
    questions = [
        Question("q1", "메뉴", kind="choice", options=["치킨", "피자"]),
        Question("q2", "수량", kind="number", min=1, max=5),
        Question("q3", "메모", required=False),
    ]
    s = Survey(
        id="bbq00001",
        title="BBQ 회식",
        owner="admin",
        questions=questions,
        deadline=START + timedelta(days=3650),
        created_at=START.isoformat(),
    )
    store.commit([PutSurvey(s), ListSurvey(s.info())])
    store.commit([PutUser(User(key=key_of("홍길동"), name="홍길동", unit="1중대", created_at=START.isoformat()))])
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "HJ_DYNAMODB_ENDPOINT": store.config.endpoint,
        "HJ_TABLE_PREFIX": store.config.users_table.removesuffix("-users"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": store.config.region,
        "HJ_SKILL_SECRET": "local-dev-secret",
        "HJ_JOBS": "inline",
        "MEMBER": key_of("홍길동"),
    }
    done = subprocess.run(
        [sys.executable, "-c", MESSAGES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen.pop("제출") is True  # the answer's transaction goes through pynamodb's TransactWrite
    assert seen == dict.fromkeys(seen, False), f"imported pynamodb (or the pushes) before the submit: {seen}"
    assert store.get_answer(s.id, key_of("홍길동")) is not None
