"""Functional fixtures: the Chalice app over HTTP (chalice.test.Client) with DynamoDB and S3 from moto.

Each test gets its own table prefix and bucket in its own environment; the app builds
its adapters from that environment (chalicelib.runtime), so nothing leaks between
tests or to AWS.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import Said
from moto import mock_aws

from chalicelib import runtime
from chalicelib.kakao.response import MAX_BYTES
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.dynamo_setup import create_tables
from tests.events import event

SECRET = "test-secret"
KAKAO_JSON = "application/json;charset=UTF-8"  # what Kakao's platform sends

# Anything that would send boto3/pynamodb past moto to a real or local endpoint.
_CLEARED = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_S3",
    "HJ_DYNAMODB_ENDPOINT",
    "HJ_S3_ENDPOINT",
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "HJ_USERS_TABLE",
    "HJ_SURVEYS_TABLE",
    "HJ_ANSWERS_TABLE",
    "HJ_AUDIT_TABLE",
    "HJ_ROSTER_TABLE",
    "HJ_REGISTRATION",
    "HJ_LINK_TTL",
    "HJ_EXPORT_QUEUE",
    "AWS_LAMBDA_FUNCTION_NAME",
)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto's DynamoDB and S3 with this test's tables and bucket created."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    unique = uuid.uuid4().hex[:12]
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "ap-northeast-2",
        "AWS_DEFAULT_REGION": "ap-northeast-2",
        "HJ_TABLE_PREFIX": f"ft-{unique}",
        "HJ_EXPORT_BUCKET": f"ft-exports-{unique}",
        "HJ_SKILL_SECRET": SECRET,
        # Background exports run inside the request (no worker thread racing the test, no SQS).
        "HJ_JOBS": "inline",
        # Scenarios send dozens of messages a minute per person; tests of the limit set their own.
        "HJ_RATE_LIMIT": "0",
        "HJ_DYNAMODB_CLIENT": "sdk",  # moto intercepts botocore's client only
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    try:
        with mock_aws():
            app = runtime.bot()  # what the app builds from this environment (clients made inside moto)
            create_tables(app.store)  # type: ignore[arg-type]
            app.exporter.ensure_bucket()  # type: ignore[attr-defined]  # the S3 exporter the runtime builds
            yield env
    finally:
        monkeypatch.undo()


@pytest.fixture
def store(aws: dict[str, str]) -> DynamoStore:
    """The store the app uses, for arranging and checking state directly."""
    return runtime.bot().store  # type: ignore[return-value]


@pytest.fixture
def client(aws: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    """chalice.test.Client over app.py.

    Its project dir holds a bare config: the test Client would otherwise export the repo's
    stage variables (table prefix, bucket, secret of .chalice/config.json) around every request.
    """
    from chalice.test import Client

    from app import app

    (tmp_path / ".chalice").mkdir()
    (tmp_path / ".chalice" / "config.json").write_text(
        json.dumps({"version": "2.0", "app_name": "haengjeong"}), encoding="utf-8"
    )
    with Client(app, stage_name="dev", project_dir=str(tmp_path)) as c:
        yield c


def body_of(name: str, utterance: str, user_id: Any) -> bytes:
    return json.dumps(event(name, utterance=utterance, user_id=user_id), ensure_ascii=False).encode("utf-8")


def skill(
    client: Any,
    body: Any,
    secret: str | None = SECRET,
    content_type: str = "application/json",
    extra_headers: dict[str, str] | None = None,
) -> Any:
    """A raw POST /skill; ``body`` may be bytes, str or a dict (sent as UTF-8 JSON)."""
    if isinstance(body, dict):
        body = json.dumps(body, ensure_ascii=False)
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers["X-Skill-Secret"] = secret
    headers.update(extra_headers or {})
    return client.http.post("/skill", headers=headers, body=body)


class HttpSaid(Said):
    """One 200 reply over HTTP, checked against Kakao's limits as the platform would receive it."""

    def __init__(self, resp: Any) -> None:
        assert resp.status_code == 200, (resp.status_code, resp.body)
        ctype = resp.headers.get("Content-Type") or resp.headers.get("content-type") or ""
        assert ctype.startswith("application/json"), ctype
        self.raw: bytes = resp.body
        super().__init__(json.loads(resp.body.decode("utf-8")))
        # What validate measured is what goes over the wire (30 KB is about the bytes Kakao gets).
        measured = len(json.dumps(self.json, ensure_ascii=False).encode("utf-8"))
        assert len(self.raw) <= measured <= MAX_BYTES, (len(self.raw), measured)


def post(client: Any, utterance: str, user: tuple[str, Any], content_type: str = "application/json") -> HttpSaid:
    """Send ``utterance`` as ``user`` = (fixture shape, user id); assert a valid 200 reply with quick replies."""
    shape, user_id = user
    return HttpSaid(skill(client, body_of(shape, utterance, user_id), content_type=content_type))
