"""What an operator sees: one JSON line per message that is also a metric (CloudWatch's embedded metric
format), with the Lambda and API Gateway request ids, the command word, outcome and latency; never a name,
an answer or a full key."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib.platform import metrics
from tests.functional.conftest import post

MEMBER = ("channel_text", "7c0c1e7a2b8d4c6e0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f8099")


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in out.splitlines() if x.startswith("{")]


def metric_values(line: dict[str, Any]) -> dict[str, float]:
    """The metrics a line carries, read the way CloudWatch reads them (names from the _aws block)."""
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == metrics.NAMESPACE and directive["Dimensions"] == [[metrics.DIMENSION]]
    assert isinstance(line["_aws"]["Timestamp"], int) and line[metrics.DIMENSION]
    for m in directive["Metrics"]:
        assert metrics.UNITS[m["Name"]] == m["Unit"]
    return {m["Name"]: line[m["Name"]] for m in directive["Metrics"]}


@pytest.fixture
def logged(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The app's log lines written since the last call; the first call binds the app's handler to the
    test's captured stdout (it must happen in the test's own phase, where that stream is open)."""
    import app  # noqa: F401  (configures the logger)
    from chalicelib.platform.logsafe import configure_logging

    bound = False

    def read() -> list[dict[str, Any]]:
        nonlocal bound
        if not bound:
            configure_logging("haengjeong", service="haengjeong")
            bound = True
        return lines(capsys.readouterr().out)

    yield read
    configure_logging("haengjeong", service="haengjeong")


def lambda_event(text: str, user_id: str, api_request_id: str) -> dict[str, Any]:
    """What API Gateway hands the function for one POST /skill (the proxy integration's shape)."""
    from tests.functional.conftest import SECRET, body_of

    return {
        "resource": "/skill",
        "path": "/skill",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "X-Skill-Secret": SECRET},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": "/skill",
            "httpMethod": "POST",
            "requestId": api_request_id,
            "stage": "api",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": body_of("channel_text", text, user_id).decode("utf-8"),
    }


class LambdaContext:
    function_name, memory_limit_in_mb, aws_request_id = "haengjeong-dev-APIHandler", 512, "lambda-req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def test_each_message_writes_one_metric_line_with_its_correlation_ids(
    client: Any, logged: Callable[[], list[dict[str, Any]]]
) -> None:
    from app import app

    logged()
    for n, text in enumerate(["등록 2중대 홍길동", "메뉴", "아무 말"]):
        answer = app(lambda_event(text, MEMBER[1], f"apigw-{n}"), LambdaContext())
        assert answer["statusCode"] == 200
    skill_lines = [x for x in logged() if x["message"] == "skill"]
    assert len(skill_lines) == 3  # one per message
    for n, line in enumerate(skill_lines):
        values = metric_values(line)
        assert values["Messages"] == 1 and values["Latency"] == line["ms"] > 0
        assert {"Submissions", "ConflictsRetried", "BusyReplies", "Throttles"} <= set(values)
        assert line["request_id"] == "lambda-req-1" and line["api_request_id"] == f"apigw-{n}"
        assert line["result"] == "ok"
        text = json.dumps(line, ensure_ascii=False)
        assert "홍길동" not in text and "아무 말" not in text and MEMBER[1] not in text
    assert [x["cmd"] for x in skill_lines] == ["등록", "메뉴", "(text)"]
    # The bot id Kakao sends is in every line: where an operator copies HJ_BOT_ID from (docs/kakao-setup.md).
    sent = json.loads(lambda_event("메뉴", MEMBER[1], "x")["body"])["bot"]["id"]
    assert sent and {x["bot"] for x in skill_lines} == {sent}


def test_a_refused_message_counts_as_a_throttle(
    client: Any, logged: Callable[[], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HJ_RATE_LIMIT", "2")
    # The bucket drains with the bot's clock: held still, a slow machine cannot let the third message through.
    from chalicelib import runtime

    still = runtime.bot().clock()
    monkeypatch.setattr(runtime.bot(), "clock", lambda: still)
    logged()
    post(client, "등록 2중대 홍길동", MEMBER)
    post(client, "메뉴", MEMBER)
    logged()
    post(client, "메뉴", MEMBER)
    (line,) = [x for x in logged() if x["message"] == "skill"]
    assert line["result"] == "rate_limited" and metric_values(line)["Throttles"] == 1


def test_a_submission_and_a_busy_reply_are_counted() -> None:
    assert metrics.of_message({"writes": ["PutAnswer", "Audit"], "ms": 3.5, "result": "ok"})["Submissions"] == 1
    busy = metrics.of_message({"result": "unavailable", "conflicts": ["x", "y"], "ms": 1})
    assert busy["BusyReplies"] == 1 and busy["ConflictsRetried"] == 2
    with pytest.raises(ValueError):
        metrics.emf({"Unknown": 1})


def test_log_lines_outside_a_request_carry_no_stale_ids(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from chalicelib.platform.logsafe import configure_logging, correlated

    log = configure_logging("haengjeong-ids", service="haengjeong")
    with correlated(request_id="a", api_request_id=""):
        log.info("inside")
    log.info("after")
    inside, after = lines(capsys.readouterr().out)
    assert inside["request_id"] == "a" and "api_request_id" not in inside
    assert "request_id" not in after
    logging.getLogger("haengjeong-ids").handlers.clear()
