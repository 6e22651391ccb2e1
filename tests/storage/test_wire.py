"""The store's wire client (chalicelib.storage.wire): signed as botocore signs, read as botocore reads, refused
and retried as botocore's client is, against a scripted HTTP server; and, on DynamoDB Local, the same results as
botocore's client for the same calls."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import botocore.auth
import botocore.exceptions
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.ports import Unavailable
from chalicelib.storage import names, sigv4, wire
from chalicelib.storage.binding import DynamoConfig
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.errors import mapped_errors
from tests.local_dynamodb import CREDENTIALS, REGION

PAUSE = wire.TRANSIENT_PAUSE  # before the fixture below sets it to 0 for the scripted server's tests

# --- the signature ------------------------------------------------------------------------------------------------

texts = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+=", min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(
    operation=st.sampled_from(sorted(wire.DATA_PLANE)),
    body=st.binary(max_size=300),
    region=st.sampled_from(["ap-northeast-2", "us-east-1", "eu-west-1"]),
    access=texts,
    secret=texts,
    token=st.none() | texts,
    when=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1)),
    port=st.none() | st.integers(min_value=1024, max_value=65535),
)
def test_the_signature_is_the_one_botocore_makes(
    operation: str,
    body: bytes,
    region: str,
    access: str,
    secret: str,
    token: str | None,
    when: datetime,
    port: int | None,
) -> None:
    now = when.replace(tzinfo=UTC, microsecond=0)
    host = f"dynamodb.{region}.amazonaws.com" + (f":{port}" if port else "")
    ours = sigv4.sign(operation, body, host, region, access, secret, token, now)
    request = AWSRequest(
        "POST",
        f"https://{host}/",
        data=body,
        headers={"Content-Type": sigv4.CONTENT_TYPE, "X-Amz-Target": sigv4.TARGET + operation},
    )
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now.replace(tzinfo=None)):
        botocore.auth.SigV4Auth(Credentials(access, secret, token), "dynamodb", region).add_auth(request)
    assert ours["Authorization"] == request.headers["Authorization"]
    assert ours["X-Amz-Date"] == request.headers["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == request.headers.get("X-Amz-Security-Token")


def test_the_store_s_wire_client_is_bounded_as_the_reply_budget_assumes() -> None:
    bound = DynamoStore(DynamoConfig.for_prefix("bounds", REGION, "http://127.0.0.1:9", CREDENTIALS)).tables
    wire_client = bound.connection.client
    assert isinstance(wire_client, wire.WireClient)
    assert (wire_client.connect_timeout, wire_client.read_timeout) == (
        names.CONNECT_TIMEOUT_SECONDS,
        names.READ_TIMEOUT_SECONDS,
    )
    assert wire_client.attempts == 1 + names.MAX_RETRIES
    worst = wire_client.attempts * (wire_client.connect_timeout + wire_client.read_timeout)
    assert worst + (wire_client.attempts - 1) * PAUSE <= names.WORST_CALL_SECONDS <= worst + 0.2


def test_endpoints() -> None:
    assert sigv4.endpoint_for("ap-northeast-2") == "https://dynamodb.ap-northeast-2.amazonaws.com"
    assert sigv4.endpoint_for("cn-north-1") == "https://dynamodb.cn-north-1.amazonaws.com.cn"
    client = wire.WireClient("ap-northeast-2", lambda: None)
    assert client.host == "dynamodb.ap-northeast-2.amazonaws.com" and client.url.startswith("https://")
    assert wire.WireClient("x", lambda: None, endpoint="http://127.0.0.1:8000").host == "127.0.0.1:8000"
    for wrong in ("dynamodb.local", "ftp://127.0.0.1", "http://127.0.0.1:8000/prefix"):
        with pytest.raises(ValueError):
            wire.WireClient("x", lambda: None, endpoint=wrong)


# --- a scripted server ---------------------------------------------------------------------------------------------


class Script:
    """What the server answers, one entry per request: (status, body, extra headers) or a number of seconds to
    wait before closing without an answer. Every request is kept."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []


@contextlib.contextmanager
def serving(script: Script) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            script.requests.append({"headers": dict(self.headers), "body": json.loads(body), "path": self.path})
            answer = script.answers.pop(0) if script.answers else (200, {}, {})
            if isinstance(answer, float):
                time.sleep(answer)
                self.close_connection = True
                return
            status, payload, extra = answer
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", sigv4.CONTENT_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "req-1")
            self.send_header("x-amz-crc32", str(extra.pop("crc", zlib.crc32(data))))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def client_of(url: str, read_timeout: float = 5.0) -> wire.WireClient:
    return wire.WireClient(
        REGION, lambda: Credentials(*CREDENTIALS), endpoint=url, connect_timeout=2.0, read_timeout=read_timeout
    )


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wire, "THROTTLED_PAUSE", 0.0)
    monkeypatch.setattr(wire, "TRANSIENT_PAUSE", 0.0)


def refused(code: str, message: str = "no", **more: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    return 400, {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **more}, {}


def test_a_call_is_signed_json_and_its_answer_is_read_as_botocore_reads_it() -> None:
    item = {"key": {"S": "u"}, "blob": {"B": "aGk="}, "blobs": {"BS": ["aGk=", "eW8="]}, "m": {"M": {"B": {"S": "x"}}}}
    script = Script((200, {"Item": item, "ConsumedCapacity": {"CapacityUnits": 1.0}}, {}))
    seen: list[tuple[str, Any]] = []
    with serving(script) as url:
        client = client_of(url)
        client.meta.events.register("after-call.dynamodb", lambda parsed, model, **_: seen.append((model.name, parsed)))
        out = client.get_item(TableName="t", Key={"key": {"S": "u"}}, ConsistentRead=True)
    assert out["Item"]["blob"] == {"B": b"hi"} and out["Item"]["blobs"] == {"BS": [b"hi", b"yo"]}
    assert out["Item"]["m"] == {"M": {"B": {"S": "x"}}}  # a member named B is not a blob
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200 and out["ResponseMetadata"]["RequestId"] == "req-1"
    (request,) = script.requests
    assert request["body"] == {"TableName": "t", "Key": {"key": {"S": "u"}}, "ConsistentRead": True}
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-amz-target"] == "DynamoDB_20120810.GetItem"
    assert headers["content-type"] == sigv4.CONTENT_TYPE
    assert headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={CREDENTIALS[0]}/")
    assert "SignedHeaders=content-type;host;x-amz-date;x-amz-target" in headers["authorization"]
    assert seen == [("GetItem", out)]


def test_bytes_are_sent_as_base64() -> None:
    script = Script((200, {}, {}))
    with serving(script) as url:
        client_of(url).put_item(TableName="t", Item={"key": {"S": "u"}, "b": {"B": b"hi"}, "bs": {"BS": [b"yo"]}})
    assert script.requests[0]["body"]["Item"]["b"] == {"B": "aGk="}
    assert script.requests[0]["body"]["Item"]["bs"] == {"BS": ["eW8="]}


def test_a_failed_condition_is_botocores_client_error_and_is_not_retried() -> None:
    script = Script(refused("ConditionalCheckFailedException", "The conditional request failed"))
    errors: list[Any] = []
    with serving(script) as url:
        client = client_of(url)
        client.meta.events.register("after-call-error.dynamodb", lambda exception, **_: errors.append(exception))
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            client.put_item(TableName="t", Item={"key": {"S": "u"}}, ConditionExpression="attribute_not_exists(k)")
    assert caught.value.response["Error"] == {
        "Code": "ConditionalCheckFailedException",
        "Message": "The conditional request failed",
    }
    assert caught.value.operation_name == "PutItem"
    assert len(script.requests) == 1 and errors == [caught.value]


def test_a_cancelled_transaction_carries_its_reasons_and_a_token_it_keeps_on_a_retry() -> None:
    reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
    cancelled = refused("TransactionCanceledException", CancellationReasons=reasons)
    script = Script(refused("ThrottlingException"), cancelled)
    with serving(script) as url, pytest.raises(botocore.exceptions.ClientError) as caught:
        client_of(url).transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": {}}}])
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert caught.value.response["CancellationReasons"] == reasons
    tokens = [r["body"]["ClientRequestToken"] for r in script.requests]
    assert len(tokens) == 2 and tokens[0] == tokens[1] and len(tokens[0]) >= 32


@pytest.mark.parametrize(
    "first",
    [
        refused("ProvisionedThroughputExceededException"),
        (500, {"__type": "InternalServerError", "message": "x"}, {}),
        (200, {"Item": {}}, {"crc": 1}),  # a body that is not what the server sent
    ],
    ids=["throttled", "5xx", "checksum"],
)
def test_throttling_failures_and_corrupt_answers_are_tried_again(first: Any) -> None:
    script = Script(first, (200, {"Item": {"k": {"S": "v"}}}, {}))
    with serving(script) as url:
        out = client_of(url).get_item(TableName="t", Key={})
    assert out["Item"] == {"k": {"S": "v"}} and out["ResponseMetadata"]["RetryAttempts"] == 1
    assert len(script.requests) == 2


def test_the_last_attempt_s_error_is_raised_and_the_store_calls_it_unavailable() -> None:
    script = Script(refused("ThrottlingException", "slow"), refused("ThrottlingException", "slower"))
    with serving(script) as url, pytest.raises(Unavailable), mapped_errors():
        client_of(url).get_item(TableName="t", Key={})
    assert len(script.requests) == 2


def test_a_dead_endpoint_and_a_silent_one_are_botocores_network_errors() -> None:
    with serving(Script()) as url:
        pass  # the server is gone: nothing listens on its port
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        client_of(url).get_item(TableName="t", Key={})
    script = Script(3.0, 3.0)
    with serving(script) as url, pytest.raises(botocore.exceptions.ReadTimeoutError):
        client_of(url, read_timeout=0.3).get_item(TableName="t", Key={})
    assert len(script.requests) == 2
    with pytest.raises(Unavailable), mapped_errors():
        raise botocore.exceptions.ReadTimeoutError(endpoint_url=url)


def test_no_credentials_is_botocores_error() -> None:
    with pytest.raises(botocore.exceptions.NoCredentialsError):
        wire.WireClient(REGION, lambda: None, endpoint="http://127.0.0.1:9").get_item(TableName="t", Key={})


def test_error_bodies_without_json_keep_the_status_as_the_code() -> None:
    error = wire.error_of(413, b"<html>too large</html>", {"x-amzn-RequestId": "r"})
    assert error["Error"] == {"Code": "413", "Message": ""}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413


# --- the same results as botocore's client, on DynamoDB Local -------------------------------------------------------


def without_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_metadata(v) for k, v in value.items() if k != "ResponseMetadata"}
    return value


@pytest.mark.dynamodb_local
def test_the_wire_and_the_sdk_read_and_refuse_alike(dynamodb_local_endpoint: str) -> None:
    config = DynamoConfig.for_prefix("wire-" + str(time.time_ns()), REGION, dynamodb_local_endpoint, CREDENTIALS)
    ours = DynamoStore(config).tables.connection.client
    theirs = DynamoStore(config._replace(sdk=True)).tables.connection.client
    assert isinstance(ours, wire.WireClient) and not isinstance(theirs, wire.WireClient)
    table = config.users_table
    theirs.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
    )
    try:
        item = {"key": {"S": "u1"}, "n": {"N": "1"}, "b": {"B": b"\x00\xff"}, "l": {"L": [{"S": "한글"}]}}
        for client in (ours, theirs):
            client.put_item(TableName=table, Item=item, ReturnConsumedCapacity="TOTAL")
        calls: list[tuple[str, dict[str, Any]]] = [
            ("get_item", {"TableName": table, "Key": {"key": {"S": "u1"}}, "ConsistentRead": True}),
            ("get_item", {"TableName": table, "Key": {"key": {"S": "nobody"}}}),
            ("batch_get_item", {"RequestItems": {table: {"Keys": [{"key": {"S": "u1"}}], "ConsistentRead": True}}}),
            ("query", {"TableName": table, "KeyConditionExpression": "#k = :k",
                       "ExpressionAttributeNames": {"#k": "key"}, "ExpressionAttributeValues": {":k": {"S": "u1"}}}),
            ("update_item", {"TableName": table, "Key": {"key": {"S": "u1"}}, "UpdateExpression": "SET n = n + :one",
                             "ExpressionAttributeValues": {":one": {"N": "1"}}, "ReturnValues": "UPDATED_NEW"}),
        ]  # fmt: skip
        for method, params in calls:
            a, b = getattr(ours, method)(**params), getattr(theirs, method)(**params)
            if method == "update_item":
                assert a["Attributes"]["n"]["N"] == str(int(b["Attributes"]["n"]["N"]) - 1)
            else:
                assert without_metadata(a) == without_metadata(b), method
        refusals: list[tuple[str, dict[str, Any]]] = [
            ("put_item", {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(#k)",
                          "ExpressionAttributeNames": {"#k": "key"}}),
            ("transact_write_items", {"TransactItems": [
                {"ConditionCheck": {"TableName": table, "Key": {"key": {"S": "u1"}},
                                    "ConditionExpression": "attribute_not_exists(#k)",
                                    "ExpressionAttributeNames": {"#k": "key"}}},
                {"Put": {"TableName": table, "Item": {"key": {"S": "u2"}}}}]}),
            ("get_item", {"TableName": table + "-none", "Key": {"key": {"S": "u1"}}}),
        ]  # fmt: skip
        for method, params in refusals:
            caught = []
            for client in (ours, theirs):
                with pytest.raises(botocore.exceptions.ClientError) as e:
                    getattr(client, method)(**params)
                caught.append(e.value.response)
            assert caught[0]["Error"] == caught[1]["Error"], method
            assert caught[0].get("CancellationReasons") == caught[1].get("CancellationReasons"), method
            assert caught[0]["ResponseMetadata"]["HTTPStatusCode"] == caught[1]["ResponseMetadata"]["HTTPStatusCode"]
    finally:
        theirs.delete_table(TableName=table)
