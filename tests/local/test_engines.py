"""Local engines and the dev stack really start, answer and stop (scripts/engines.py, scripts/devstack.py).

These start Java and Python processes (about 5–15 s in all). Without Java or the
npm package they are skipped on a developer's machine and fail in CI (CI=true),
where `make test` installs everything they need.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from local_stack import group_gone, require_engines, running_devstack

from scripts import chat, engines, local, sqsworker, superadmin
from scripts.wizard import bbq_messages

CREDS: dict[str, Any] = {
    "region_name": "ap-northeast-2",
    "aws_access_key_id": "local",
    "aws_secret_access_key": "local",
}


@pytest.fixture(autouse=True)
def _engines_available() -> None:
    require_engines()


@pytest.fixture(autouse=True)
def _no_global_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def test_dynamodb_local_and_moto_answer_and_stop() -> None:
    with engines.start_dynamodb_local() as ddb, engines.start_moto() as s3:
        assert ddb.endpoint.startswith("http://127.0.0.1:") and s3.endpoint.startswith("http://127.0.0.1:")
        client = boto3.client("dynamodb", endpoint_url=ddb.endpoint, **CREDS)
        assert client.list_tables()["TableNames"] == []
        s3c = boto3.client("s3", endpoint_url=s3.endpoint, **CREDS)
        s3c.create_bucket(Bucket="engine-test", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
        s3c.put_object(Bucket="engine-test", Key="exports/a.txt", Body=b"hi")
        assert s3c.get_object(Bucket="engine-test", Key="exports/a.txt")["Body"].read() == b"hi"
        procs = [ddb.proc, s3.proc]
    for proc in procs:
        assert proc.poll() is not None
        assert group_gone(proc.pid)


def test_unpacks_as_proc_and_endpoint() -> None:
    proc, endpoint = engines.start_moto()
    try:
        assert proc.poll() is None
        assert endpoint.startswith("http://127.0.0.1:")
    finally:
        engines.stop(proc)
    assert proc.poll() is not None


def test_dynamodb_local_on_disk_keeps_tables_across_restarts(tmp_path: Path) -> None:
    def tables(endpoint: str) -> Any:
        return boto3.client("dynamodb", endpoint_url=endpoint, **CREDS)

    with engines.start_dynamodb_local(tmp_path / "db") as ddb:
        tables(ddb.endpoint).create_table(
            TableName="kept",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    with engines.start_dynamodb_local(tmp_path / "db") as ddb:
        assert tables(ddb.endpoint).list_tables()["TableNames"] == ["kept"]


def test_a_crashing_engine_reports_its_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bogus = tmp_path / "DynamoDBLocal.jar"
    bogus.write_text("not a jar")
    monkeypatch.setenv("HJ_DYNAMODB_LOCAL_JAR", str(bogus))
    with pytest.raises(engines.EngineError) as e:
        engines.start_dynamodb_local()
    assert "exited with code" in str(e.value)
    assert "jar" in str(e.value).lower()


@pytest.fixture()
def devstack(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, dict[str, Any]]]:
    """`python -m scripts.devstack` on a free port, its state in tmp_path; yields (process, stack.json)."""
    with running_devstack(tmp_path) as (proc, stack):
        yield proc, stack


def test_devstack_serves_the_bot_and_stops_everything_on_ctrl_c(
    devstack: tuple[subprocess.Popen, dict[str, Any]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    proc, stack = devstack
    assert set(stack["pids"]) == {"dynamodb", "moto", "gunicorn"}

    assert (
        chat.main(
            [
                "--url",
                stack["skill_url"],
                "--secret",
                stack["skill_secret"],
                "--user",
                "홍길동",
                "--json",
                "--say",
                "메뉴",
            ]
        )
        == 0
    )
    raw = capsys.readouterr().out.splitlines()[0]
    assert json.loads(raw)["version"] == "2.0"

    # A wrong secret is refused.
    assert chat.main(["--url", stack["skill_url"], "--secret", "wrong", "--say", "메뉴"]) == 1
    assert "HTTP 401" in capsys.readouterr().out

    # Background work goes through the stack's SQS queue (moto), made as the template makes it, and its
    # consumer: an 알림 confirmed in chat reaches the Event API stand-in.
    sqs = boto3.client("sqs", endpoint_url=stack["sqs_endpoint"], **CREDS)
    url = sqs.get_queue_url(QueueName=stack["export_queue"])["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    settings = sqsworker.queue_settings()
    assert (
        (int(attrs["VisibilityTimeout"]), int(attrs["MaximumMessageSize"]))
        == (settings["visibility"], settings["max_bytes"])
        == (720, 256 * 1024)
    )
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == settings["receives"]

    def say(who: str, text: str) -> str:
        assert (
            chat.main(
                ["--url", stack["skill_url"], "--secret", stack["skill_secret"], "--user", who, "--json", "--say", text]
            )
            == 0
        )
        return capsys.readouterr().out

    say("관리자", "등록 본부 관리자")
    with pytest.MonkeyPatch.context() as mp:  # this process points at the stack while it promotes the admin
        for var in local.TOUCHED:
            mp.delenv(var, raising=False)
        local.use_stack(stack)
        from chalicelib import runtime
        from chalicelib.platform.config import settings as current

        superadmin.promote(runtime.store(current()), "관리자")
    for text in bbq_messages(title="큐 시험", deadline="없음"):
        say("관리자", text)
    say("홍길동", "등록 2중대 홍길동")
    assert "보낼까요" in say("관리자", "알림 큐 시험")
    assert "보내고 있어요" in say("관리자", "예")
    deadline = time.monotonic() + 60  # the consumer polls the queue; bounds a broken run only
    calls: list[Any] = []
    while not calls and time.monotonic() < deadline:
        with urllib.request.urlopen(stack["event_api_url"] + "/calls", timeout=5) as resp:
            calls = json.loads(resp.read())
        time.sleep(0.2)
    assert len(calls) == 1 and calls[0]["status"] == 200 and len(calls[0]["users"]) == 2

    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    assert proc.wait(timeout=60) == 0
    for pid in stack["pids"].values():
        assert group_gone(pid)
    assert not (tmp_path / "stack.json").exists()
