"""The bench's floor (loadtests/reference.py): 제출 and 예 keep the round's guarantees on DynamoDB Local.

One answer per person, a withdrawal only of an answer that exists, and a survey counter that
equals the answers kept, also when members submit at the same moment (a transaction that met
another one is read and tried again). Replies are checked, never timings.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from local_dynamodb import CREDENTIALS, REGION

from loadtests import reference

SECRET = "floor-test-secret"


@pytest.fixture
def floor(dynamodb_local_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The reference skill on a table of its own; the table's client."""
    table = f"test-floor-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=dynamodb_local_endpoint,
        aws_access_key_id=CREDENTIALS[0],
        aws_secret_access_key=CREDENTIALS[1],
        config=Config(retries={"total_max_attempts": 2, "mode": "standard"}, max_pool_connections=20),
    )
    client.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    monkeypatch.setattr(reference, "_client", client)
    monkeypatch.setattr(reference, "TABLE", table)
    monkeypatch.setattr(reference, "SECRET", SECRET)
    try:
        yield client
    finally:
        client.delete_table(TableName=table)


def say(user: str, text: str) -> str:
    """One message through the skill's WSGI application; the reply's text."""
    body = json.dumps({"userRequest": {"utterance": text, "user": {"id": user, "type": "botUserKey"}}}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/skill",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_SKILL_SECRET": SECRET,
        "wsgi.input": io.BytesIO(body),
    }
    status: list[str] = []
    data = b"".join(reference.application(environ, lambda s, h: status.append(s)))
    assert status == ["200 OK"], (status, data)
    return str(json.loads(data)["template"]["outputs"][0]["simpleText"]["text"])


def count(client: Any) -> int:
    item = client.get_item(TableName=reference.TABLE, Key={"id": {"S": reference.SURVEY}}, ConsistentRead=True)
    return int(item.get("Item", {}).get("c", {}).get("N", "0"))


def answers(client: Any) -> set[str]:
    items = client.scan(TableName=reference.TABLE, ConsistentRead=True)["Items"]
    return {i["id"]["S"].removeprefix("answer#") for i in items if i["id"]["S"].startswith("answer#")}


def test_one_answer_per_person_and_withdrawals_only_of_answers(floor: Any) -> None:
    assert say("m1", "메뉴") == "1번째 메시지를 받았어요."
    assert say("m1", "제출") == "제출했어요."
    assert say("m1", "제출") == "이미 제출했어요."
    assert count(floor) == 1 and answers(floor) == {"m1"}
    assert say("m1", "예") == "취소했어요."
    assert say("m1", "예") == "취소할 답이 없어요."
    assert count(floor) == 0 and answers(floor) == set()
    assert say("m1", "메뉴") == "4번째 메시지를 받았어요."  # a refused transaction wrote nothing


def test_the_counter_holds_when_members_submit_at_once(floor: Any) -> None:
    members = [f"m{i}" for i in range(12)]
    replies: dict[str, str] = {}
    start = threading.Barrier(len(members))

    def member(user: str) -> None:
        start.wait()
        replies[user] = say(user, "제출")

    threads = [threading.Thread(target=member, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kept = {m for m, r in replies.items() if r == "제출했어요."}
    assert set(replies.values()) <= {"제출했어요.", reference.BUSY}
    assert answers(floor) == kept and count(floor) == len(kept)
    assert kept  # at least the first of them got through
