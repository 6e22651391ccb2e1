"""The reference skill: the least work any skill does per message, served beside the bot by `make bench`.

Per POST /skill: check ``X-Skill-Secret`` (constant time, as the bot does), read the body,
``json.loads`` it, take ``userRequest.user.id``, one GetItem and one PutItem of that user's
item in a table of its own, and a one-line Kakao reply. Nothing else: no framework, no
log line of its own. The bench runs it under gunicorn with the bot's exact settings and
against the same DynamoDB Local, so "ours ÷ reference" is what the bot costs on top of
the irreducible work.

The floor: ``제출`` and ``예`` (the end of a withdrawal) keep the guarantees the bot keeps for
them, at the least cost: one GetItem of the user's item, then one TransactWriteItems of three
items: the user's item (on the condition that it is the one read, as the bot's optimistic
version), the answer (put on the condition that there is none: one answer per person; deleted
on the condition that there is one), and the survey's counter (added to on the condition that
the survey is open and, for a new answer, under its cap). A transaction cancelled because
another one held an item (``TransactionConflict``, every member counting on one survey) is read
and tried again, as the bot does: at most 6 attempts, a random pause of up to 25 ms × the
attempt before the next. Driven with the round's messages (``RoundMember``), this is the
floor of what the member round must cost; with ``MenuMember`` it never runs.

The DynamoDB client is built once per process (gunicorn imports this module in each
worker) with the bot's store settings: 0.5 s to connect, 1 s to read, one retry, no
parameter validation, 10 pooled connections (chalicelib/storage/names.py and
chalicelib/storage/binding.py).

Environment: ``HJ_SKILL_SECRET``, ``HJ_DYNAMODB_ENDPOINT``, ``AWS_REGION`` and the keys
(as ``scripts.local.use_local_stack`` sets them), ``BENCH_REFERENCE_TABLE`` (hash key ``id``).
"""

from __future__ import annotations

import hmac
import json
import os
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

TABLE = os.environ.get("BENCH_REFERENCE_TABLE", "bench-reference")
SECRET = os.environ.get("HJ_SKILL_SECRET", "")
MAX_BODY_BYTES = 256 * 1024
BUSY = "잠시 후 다시 보내 주세요."  # what the bot says when the store fails; the bench counts it as a failure
SURVEY = "survey#bench"  # the floor's survey counter (one survey, as the bench's members answer one)
CAP = 1_000_000  # the floor's cap: checked on every new answer, never reached
MAX_ATTEMPTS = 6  # the bot's (chalicelib/service/bot.py)
BACKOFF_STEP = 0.025  # seconds; the pause before attempt n+1 is uniform in [0, n * step], as the bot's

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
        if said in ("제출", "예"):
            return _respond(start_response, "200 OK", _say(_floor(user, said)))
        item = _client.get_item(TableName=TABLE, Key={"id": {"S": user}}, ConsistentRead=True).get("Item")
        n = int(item["n"]["N"]) + 1 if item else 1
        _client.put_item(TableName=TABLE, Item={"id": {"S": user}, "n": {"N": str(n)}, "said": {"S": said[:100]}})
    except (BotoCoreError, ClientError):
        return _respond(start_response, "200 OK", _say(BUSY))
    return _respond(start_response, "200 OK", _say(f"{n}번째 메시지를 받았어요."))


def _floor(user: str, said: str) -> str:
    """``제출`` (a new answer) or ``예`` (its withdrawal): one GetItem, one transaction of three items."""
    submit = said == "제출"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        item = _client.get_item(TableName=TABLE, Key={"id": {"S": user}}, ConsistentRead=True).get("Item")
        n = int(item["n"]["N"]) if item else 0
        me: dict[str, Any] = {
            "Put": {
                "TableName": TABLE,
                "Item": {"id": {"S": user}, "n": {"N": str(n + 1)}, "said": {"S": said}},
                "ConditionExpression": "attribute_not_exists(id) OR n = :n",
                "ExpressionAttributeValues": {":n": {"N": str(n)}},
            }
        }
        key = {"id": {"S": "answer#" + user}}
        if submit:
            answer: dict[str, Any] = {
                "Put": {
                    "TableName": TABLE,
                    "Item": {**key, "values": {"S": "피자 2"}},
                    "ConditionExpression": "attribute_not_exists(id)",
                }
            }
            count = {
                "ExpressionAttributeValues": {":d": {"N": "1"}, ":cap": {"N": str(CAP)}},
                "ConditionExpression": "attribute_not_exists(closed) AND (attribute_not_exists(c) OR c < :cap)",
            }
        else:
            answer = {"Delete": {"TableName": TABLE, "Key": key, "ConditionExpression": "attribute_exists(id)"}}
            count = {
                "ExpressionAttributeValues": {":d": {"N": "-1"}},
                "ConditionExpression": "attribute_not_exists(closed)",
            }
        counter = {
            "Update": {"TableName": TABLE, "Key": {"id": {"S": SURVEY}}, "UpdateExpression": "ADD c :d", **count}
        }
        try:
            _client.transact_write_items(TransactItems=[me, answer, counter])
        except ClientError as e:
            reasons = [r.get("Code") for r in e.response.get("CancellationReasons") or []]
            if e.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":  # the answer: none, or one already
                return "이미 제출했어요." if submit else "취소할 답이 없어요."
            if len(reasons) > 2 and reasons[2] == "ConditionalCheckFailed":  # closed, or full
                return "마감되었어요."
            if attempt < MAX_ATTEMPTS:
                time.sleep(random.uniform(0, BACKOFF_STEP * attempt))  # noqa: S311 (jitter, not a secret)
                continue
            raise
        return "제출했어요." if submit else "취소했어요."
    return BUSY
