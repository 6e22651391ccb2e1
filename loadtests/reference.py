"""The reference skill: the least work any skill does per message, served beside the bot by `make bench`.

Per POST /skill: check ``X-Skill-Secret`` (constant time, as the bot does), read the body,
``json.loads`` it, take ``userRequest.user.id``, one GetItem and one PutItem of that user's
item in a table of its own, and a one-line Kakao reply. Nothing else: no framework, no
log line of its own. The bench runs it under gunicorn with the bot's exact settings and
against the same DynamoDB Local, so "ours ÷ reference" is what the bot costs on top of
the irreducible work.

The DynamoDB client is built once per process (gunicorn imports this module in each
worker) with the bot's store settings: 0.5 s to connect, 1 s to read, one retry, no
parameter validation, 10 pooled connections (chalicelib/storage/tables.py and pynamodb's
defaults).

Environment: ``HJ_SKILL_SECRET``, ``HJ_DYNAMODB_ENDPOINT``, ``AWS_REGION`` and the keys
(as ``scripts.local.use_local_stack`` sets them), ``BENCH_REFERENCE_TABLE`` (hash key ``id``).
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

TABLE = os.environ.get("BENCH_REFERENCE_TABLE", "bench-reference")
SECRET = os.environ.get("HJ_SKILL_SECRET", "")
MAX_BODY_BYTES = 256 * 1024
BUSY = "잠시 후 다시 보내 주세요."  # what the bot says when the store fails; the bench counts it as a failure

_CONFIG = Config(
    connect_timeout=0.5,
    read_timeout=1.0,
    retries={"total_max_attempts": 2, "mode": "standard"},
    parameter_validation=False,
    max_pool_connections=10,
)
_client = boto3.client(
    "dynamodb",
    region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-northeast-2",
    endpoint_url=os.environ.get("HJ_DYNAMODB_ENDPOINT") or None,
    config=_CONFIG,
)

StartResponse = Callable[..., Any]


def _respond(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    start_response(status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


def _say(text: str) -> dict[str, Any]:
    return {"version": "2.0", "template": {"outputs": [{"simpleText": {"text": text}}]}}


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
    if path == "/health" and method == "GET":
        return _respond(start_response, "200 OK", {"ok": True})
    if path != "/skill" or method != "POST":
        return _respond(start_response, "404 Not Found", {"error": "not found"})
    given = environ.get("HTTP_X_SKILL_SECRET", "")
    if not SECRET or not hmac.compare_digest(given.encode("utf-8", "replace"), SECRET.encode("utf-8")):
        return _respond(start_response, "401 Unauthorized", {"error": "unauthorized"})
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if not 0 < length <= MAX_BODY_BYTES:
            raise ValueError("body length")
        body = json.loads(environ["wsgi.input"].read(length))
        user = body["userRequest"]["user"]["id"]
        said = str(body["userRequest"].get("utterance", ""))
        if not isinstance(user, str) or not user:
            raise ValueError("user id")
    except (ValueError, KeyError, TypeError):
        return _respond(start_response, "400 Bad Request", {"error": "bad request"})
    try:
        item = _client.get_item(TableName=TABLE, Key={"id": {"S": user}}, ConsistentRead=True).get("Item")
        n = int(item["n"]["N"]) + 1 if item else 1
        _client.put_item(TableName=TABLE, Item={"id": {"S": user}, "n": {"N": str(n)}, "said": {"S": said[:100]}})
    except (BotoCoreError, ClientError):
        return _respond(start_response, "200 OK", _say(BUSY))
    return _respond(start_response, "200 OK", _say(f"{n}번째 메시지를 받았어요."))
