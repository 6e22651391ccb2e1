"""DynamoDB and S3 failing under the real route (chalice.test.Client, moto): throttling, cancelled transactions,
timeouts and a stalled endpoint give a polite 200 with the current question, in time, with nothing half-written.

Faults are injected at botocore's ``before-send`` hook of the very clients the app uses, in front of moto, so
pynamodb's and botocore's own error handling (and botocore's retries of timeouts) run as they would in AWS.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from harness import taken

from chalicelib import runtime
from chalicelib.domain.model import ADMIN
from chalicelib.domain.writes import PutUser
from chalicelib.export import s3
from chalicelib.jobs.queues import SqsQueue
from chalicelib.platform.config import settings
from chalicelib.service.budget import Timing
from chalicelib.service.wording import BUSY, SLOW_DOWN
from chalicelib.storage import names
from tests.functional.conftest import HttpSaid, body_of, post, skill
from tests.functional.test_skill_api import wizard

MEMBER = ("channel_text", "e4d909c290d0fb1ca068ffaddf22cbd0e4d909c290d0fb1ca068ffaddf22cbd0bb")
ADMIN_USER = ("channel_quickreply", "9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9bb")


def inject(client: Any, service: str, operation: str, fault: Callable[[Any], None]) -> None:
    """Run ``fault(request)`` before ``operation`` leaves ``client``; raising stops the request (moto never sees it)."""
    client.meta.events.register_first(f"before-send.{service}.{operation}", lambda request, **kw: fault(request))


def aws_error(code: str, operation: str, **extra: Any) -> Callable[[Any], None]:
    def fault(request: Any) -> None:
        raise ClientError({"Error": {"Code": code, "Message": "injected"}, **extra}, operation)

    return fault


def timeout(seconds: float = names.READ_TIMEOUT_SECONDS) -> Callable[[Any], None]:
    """An attempt that waits for its read timeout, then times out (botocore retries these)."""

    def fault(request: Any) -> None:
        time.sleep(seconds)
        raise ReadTimeoutError(endpoint_url=request.url)

    return fault


def once(fault: Callable[[Any], None]) -> Callable[[Any], None]:
    fired: list[Any] = []

    def run(request: Any) -> None:
        if not fired:
            fired.append(1)
            fault(request)

    return run


def dynamodb() -> Any:
    """The botocore client of the app's store."""
    return runtime.bot().store.tables.connection.client  # type: ignore[attr-defined]


def s3_client() -> Any:
    """The boto3 S3 client of the app's exporter."""
    return runtime.bot().exporter.client  # type: ignore[attr-defined]  # the S3 exporter the runtime builds


@pytest.fixture
def drafting(client: Any, store: Any) -> Any:
    """An admin's BBQ survey; the member has picked 피자 and is on question 2 (수량)."""
    post(client, "등록 본부 이관리", ADMIN_USER)
    u = store.get_user(ADMIN_USER[1])
    u.role = ADMIN
    store.commit([PutUser(u)])
    wizard(client, ADMIN_USER)
    post(client, "등록 2소대 최일병", MEMBER)
    post(client, "신청 BBQ 회식", MEMBER)
    assert "2/3" in post(client, "피자", MEMBER)
    return store


def stored(store: Any) -> tuple:
    u = store.get_user(MEMBER[1])
    s = store.list_surveys()[0]
    return u.version, u.session, s.response_count, s.option_counts, store.list_answers(s.id)


@pytest.mark.parametrize(
    "code",
    ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "InternalServerError"],
)
def test_a_throttled_first_read_is_a_polite_200(client: Any, store: Any, code: str) -> None:
    post(client, "등록 2소대 최일병", MEMBER)
    inject(dynamodb(), "dynamodb", "BatchGetItem", aws_error(code, "BatchGetItem"))  # the user and the listing
    said = post(client, "메뉴", MEMBER)
    assert said.text == BUSY and said.quick == ["메뉴"]


@pytest.mark.parametrize(
    "fault",
    [
        aws_error("ProvisionedThroughputExceededException", "PutItem"),
        aws_error("ThrottlingException", "PutItem"),
        timeout(0.01),
        lambda request: (_ for _ in ()).throw(EndpointConnectionError(endpoint_url=request.url)),
    ],
    ids=["throughput", "throttling", "read-timeout", "no-connection"],
)
def test_a_failed_commit_repeats_the_question_and_writes_nothing(
    client: Any, drafting: Any, fault: Callable[[Any], None]
) -> None:
    """An answer's only write is the member's item (a conditional PutItem)."""
    before = stored(drafting)
    inject(dynamodb(), "dynamodb", "PutItem", fault)
    said = post(client, "3", MEMBER)
    assert said.text.startswith(BUSY)
    assert "[BBQ 회식] 2/3" in said and "수량" in said and "취소" in said.quick
    assert stored(drafting) == before


@pytest.mark.parametrize(
    "fault",
    [
        aws_error("ProvisionedThroughputExceededException", "TransactWriteItems"),
        aws_error(
            "TransactionCanceledException",
            "TransactWriteItems",
            CancellationReasons=[{"Code": "ThrottlingError", "Message": "throttled"}],
        ),
        aws_error("TransactionInProgressException", "TransactWriteItems"),
    ],
    ids=["throughput", "cancelled-throttled", "in-progress"],
)
def test_a_failed_transaction_repeats_the_card_and_writes_nothing(
    client: Any, drafting: Any, fault: Callable[[Any], None]
) -> None:
    """제출 writes the answer, the counters and the member's item in one transaction."""
    post(client, "3", MEMBER)
    assert "제출 전 확인" in post(client, "건너뛰기", MEMBER)
    before = stored(drafting)
    inject(dynamodb(), "dynamodb", "TransactWriteItems", fault)
    said = post(client, "제출", MEMBER)
    assert said.text.startswith(BUSY) and "제출 전 확인" in said
    assert stored(drafting) == before


def test_a_failed_condition_is_retried_on_fresh_data(client: Any, drafting: Any) -> None:
    refuse = aws_error("ConditionalCheckFailedException", "PutItem")
    sent: list[str] = []

    def first_refused(request: Any) -> None:
        sent.append("put")
        if len(sent) == 1:
            refuse(request)

    inject(dynamodb(), "dynamodb", "PutItem", first_refused)
    assert "3/3" in post(client, "3", MEMBER)
    assert len(sent) == 2  # the refused write, then the one on fresh data
    assert drafting.get_user(MEMBER[1]).session["drafts"]


def test_a_failed_submit_stores_no_answer_and_no_count(client: Any, drafting: Any) -> None:
    post(client, "3", MEMBER)
    assert "제출 전 확인" in post(client, "건너뛰기", MEMBER)
    inject(dynamodb(), "dynamodb", "TransactWriteItems", timeout(0.01))
    said = post(client, "제출", MEMBER)
    assert said.text.startswith(BUSY) and "제출 전 확인" in said and said.quick == ["제출", "수정", "취소"]
    s = drafting.list_surveys()[0]
    assert drafting.list_answers(s.id) == [] and s.response_count == 0 and s.option_counts == {"q1:치킨": 0}
    assert taken(drafting, s.id, "q1", "피자") == 0


def test_a_late_stall_still_answers_in_time(client: Any, drafting: Any) -> None:
    """Reads are slow (1.3 s) and then the commit stalls (every attempt waits out its read timeout):
    the reply still leaves within the budget (4.5 s, Kakao allows 5)."""

    def slow(request: Any) -> None:
        time.sleep(1.3)

    inject(dynamodb(), "dynamodb", "GetItem", slow)  # an answer reads the member's item alone
    inject(dynamodb(), "dynamodb", "PutItem", timeout())  # the answer's only write
    started = time.monotonic()
    said = post(client, "3", MEMBER)
    took = time.monotonic() - started
    assert took < Timing().reply_within, took
    assert said.text.startswith(BUSY) and "2/3" in said


def test_reads_too_slow_to_leave_room_for_the_commit_never_start_it(client: Any, drafting: Any) -> None:
    before = stored(drafting)
    sent: list[str] = []
    inject(dynamodb(), "dynamodb", "GetItem", lambda request: time.sleep(1.6))  # an answer reads the user alone
    inject(dynamodb(), "dynamodb", "TransactWriteItems", lambda request: sent.append("commit"))
    started = time.monotonic()
    said = post(client, "3", MEMBER)
    assert time.monotonic() - started < 2.5
    assert sent == [] and said.text.startswith(BUSY)
    assert stored(drafting) == before


# --- S3 failing during 다운로드 -------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        aws_error("SlowDown", "PutObject"),
        aws_error("InternalError", "PutObject"),
        timeout(0.01),
        lambda request: (_ for _ in ()).throw(EndpointConnectionError(endpoint_url=request.url)),
    ],
    ids=["slow-down", "internal", "read-timeout", "no-connection"],
)
def test_s3_failing_during_download_is_a_polite_200(client: Any, drafting: Any, fault: Callable[[Any], None]) -> None:
    for t in ("3", "건너뛰기", "제출"):
        post(client, t, MEMBER)
    inject(s3_client(), "s3", "PutObject", fault)
    said = post(client, "다운로드 BBQ 회식", ADMIN_USER)
    assert "파일을 만들지 못했어요" in said and "잠시 후 다시" in said and said.buttons == []


def test_s3_failing_when_a_survey_is_deleted_still_deletes(client: Any, drafting: Any) -> None:
    inject(s3_client(), "s3", "ListObjectsV2", aws_error("InternalError", "ListObjectsV2"))
    post(client, "삭제 BBQ 회식", ADMIN_USER)
    assert "삭제했어요" in post(client, "예", ADMIN_USER)
    assert drafting.list_surveys() == []


# --- a stalled DynamoDB endpoint (a real socket that never answers) --------------------------------


@pytest.fixture
def stalled_endpoint() -> Iterator[str]:
    """A TCP server that accepts connections and never answers."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        server.close()


def test_a_stalled_dynamodb_answers_busy_within_the_budget(
    client: Any, aws: dict[str, str], stalled_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No moto here: boto talks to a socket that never answers. Bounded by the botocore timeouts of tables.py."""
    monkeypatch.setenv("HJ_DYNAMODB_ENDPOINT", stalled_endpoint)
    started = time.monotonic()
    resp = skill(client, body_of("channel_text", "메뉴", MEMBER[1]))
    took = time.monotonic() - started
    said = HttpSaid(resp)
    assert said.text == BUSY
    assert took < Timing().reply_within, took
    print(f"stalled DynamoDB: reply after {took:.2f} s")


# --- the bounds themselves --------------------------------------------------------------------------


def worst(cfg: Any) -> float:
    attempts = cfg.retries["total_max_attempts"]
    return attempts * (cfg.connect_timeout + cfg.read_timeout)


def test_botocore_timeouts_and_retries_are_bounded_and_fit_the_budget(aws: dict[str, str]) -> None:
    dynamo_cfg = dynamodb().meta.config
    assert worst(dynamo_cfg) <= names.WORST_CALL_SECONDS <= worst(dynamo_cfg) + 0.2
    assert dynamo_cfg.retries["mode"] == "standard" and dynamo_cfg.retries["total_max_attempts"] == 2
    s3_cfg = s3_client().meta.config
    assert worst(s3_cfg) == s3.WORST_CALL_SECONDS
    boto3.client("sqs", region_name="ap-northeast-2").create_queue(QueueName="ft-exports")
    q = SqsQueue("ft-exports", "ap-northeast-2")
    from chalicelib.domain.tasks import ExportTask

    q.send(ExportTask(user_key="u", survey_ids=["s"]))
    assert 2 * worst(q._client.meta.config) == SqsQueue.WORST_SEND_SECONDS

    t = runtime.timing()
    assert (t.store_call, t.file_call, t.queue_send) == (
        names.WORST_CALL_SECONDS,
        s3.WORST_CALL_SECONDS,
        SqsQueue.WORST_SEND_SECONDS,
    )
    assert runtime.bot().timing == t
    # Every kind of call fits inside the budget, and a normal message has a second or more to make its calls.
    for need in [t.store_call, t.queue_send, *t.exporter_calls().values()]:
        assert need <= t.reply_within - 0.9, need
    assert t.reply_within <= 4.5


# --- rate limit over DynamoDB -------------------------------------------------------------------------


def test_the_rate_limit_over_dynamodb(client: Any, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HJ_RATE_LIMIT", "4")
    post(client, "등록 2소대 최일병", MEMBER)
    for _ in range(3):
        assert "무엇을 할까요" in post(client, "메뉴", MEMBER)
    u = store.get_user(MEMBER[1])
    assert 3.9 < u.rate[1] <= 4  # four messages, drained by the milliseconds between them
    refused = post(client, "메뉴", MEMBER)
    assert refused.text.startswith(SLOW_DOWN) and "초 뒤에 다시 보내 주세요" in refused and refused.quick == ["메뉴"]
    assert store.get_user(MEMBER[1]).version == u.version  # refusing wrote nothing
    item = boto3.client("dynamodb", region_name="ap-northeast-2").get_item(
        TableName=settings().users_table, Key={"key": {"S": MEMBER[1]}}
    )["Item"]
    assert 3.9 < float(item["rate"]["L"][1]["N"]) <= 4


def test_items_written_before_the_rate_field_still_work(
    client: Any, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HJ_RATE_LIMIT", "30")
    ddb = boto3.client("dynamodb", region_name="ap-northeast-2")
    ddb.put_item(
        TableName=settings().users_table,
        Item={
            "key": {"S": MEMBER[1]},
            "name": {"S": "최일병"},
            "unit": {"S": "2소대"},
            "role": {"N": "0"},
            "session": {"S": json.dumps({})},
            "created_at": {"S": "2026-01-01T00:00:00+09:00"},
            "version": {"N": "3"},
        },
    )
    assert store.get_user(MEMBER[1]).rate == []
    assert "최일병" in post(client, "메뉴", MEMBER)  # read-only: counted in memory
    assert "등록 정보를 바꿨어요" in post(client, "등록 3소대 최일병", MEMBER)  # a write: the count rides on it
    assert 1.9 < store.get_user(MEMBER[1]).rate[1] <= 2 and store.get_user(MEMBER[1]).version == 4


def test_deeply_nested_json_is_a_400(client: Any) -> None:
    resp = skill(client, b"[" * 60000)
    assert resp.status_code == 400
    assert json.loads(resp.body) == {"error": "bad request", "detail": "body nests too deeply"}
