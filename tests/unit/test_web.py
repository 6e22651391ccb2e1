"""The skill endpoint's guard: constant-time secret check, placeholder and empty secrets refuse."""

from chalicelib.web import secret_ok


def test_secret_header_any_case() -> None:
    assert secret_ok({"X-Skill-Secret": "s3cret"}, "s3cret")
    assert secret_ok({"x-skill-secret": "s3cret"}, "s3cret")


def test_wrong_missing_empty_and_placeholder_secrets_refuse() -> None:
    assert not secret_ok({"X-Skill-Secret": "nope"}, "s3cret")
    assert not secret_ok({}, "s3cret")
    assert not secret_ok({"X-Skill-Secret": ""}, "")
    assert not secret_ok({"X-Skill-Secret": "REPLACE-ME-from-ssm"}, "REPLACE-ME-from-ssm")
    assert not secret_ok({"X-Skill-Secret": "비밀"}, "s3cret")  # non-ASCII header values don't crash


def test_log_lines_are_written_once_as_json() -> None:
    import logging

    import app  # noqa: F401  (configures the logger as deployed)

    log = logging.getLogger("haengjeong")
    # Handlers other tests' log capture may have added are not the app's.
    own = [h for h in log.handlers if type(h).__name__ != "LogCaptureHandler"]
    assert len(own) == 1 and not log.propagate, (own, log.propagate)


def test_log_lines_carry_the_fields_and_extras_but_no_exception_message(capsys) -> None:
    import json

    from chalicelib.platform.logsafe import configure_logging

    log = configure_logging("haengjeong-test", service="haengjeong")
    try:
        log.info("skill", extra={"user": "ab12", "cmd": "메뉴", "writes": ["PutUser"]})
        try:
            raise ValueError("answer 010-1234-5678")
        except ValueError:
            log.exception("failed")
        log.debug("not at INFO")
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    finally:
        log.handlers.clear()
    assert len(lines) == 2
    first, second = lines
    assert first["level"] == "INFO" and first["message"] == "skill" and first["service"] == "haengjeong"
    assert first["location"].startswith("test_log_lines_carry") and first["timestamp"]
    assert (first["user"], first["cmd"], first["writes"]) == ("ab12", "메뉴", ["PutUser"])
    assert second["exception_name"] == "ValueError" and second["exception"]["error"] == "ValueError"
    assert "010-1234-5678" not in json.dumps(second)


def test_configuring_twice_keeps_one_handler() -> None:
    import logging

    from chalicelib.platform.logsafe import configure_logging

    configure_logging("haengjeong-twice", service="x")
    log = configure_logging("haengjeong-twice", service="x")
    try:
        assert len(log.handlers) == 1 and not log.propagate and log.level == logging.INFO
    finally:
        log.handlers.clear()


def test_the_per_message_line_is_the_formatted_line_written_at_once(capsys) -> None:
    """info_line writes what the formatter writes of the same fields and metrics (but the function named in its
    location and the moment), in one json.dumps with the metric block spliced in."""
    import json

    from chalicelib.platform.logsafe import configure_logging, correlated, info_line
    from chalicelib.platform.metrics import emf, emf_parts, of_message

    log = configure_logging("haengjeong-line", service="haengjeong")
    facts = {"attempts": 1, "result": "ok", "writes": ["PutAnswer"], "ms": 12.5}
    fields = {"user": "ab12", "cmd": "제출", **facts}
    try:
        with correlated(request_id="r1", api_request_id="a1"):
            log.info("skill", extra={**fields, **emf(of_message(facts), now=1.0)})
            figures, block = emf_parts(of_message(facts), now=1.0)
            assert info_line(log, "skill", "handle_skill", {**fields, **figures}, block)
        formatted, direct = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    finally:
        log.handlers.clear()
    for line in (formatted, direct):
        line.pop("timestamp"), line.pop("location")
    assert direct == formatted and direct["Submissions"] == 1 and direct["request_id"] == "r1"
    assert list(direct)[:4] == ["level", "message", "service", "request_id"]


def test_a_closed_log_stream_does_not_fail_the_message() -> None:
    """The line written at once meets a stream that is gone: it says so (False), and the ordinary way, which reports
    a broken stream and goes on, takes the line; nothing is raised into the reply."""
    import io
    import logging

    from chalicelib.platform.logsafe import configure_logging, info_line

    log = configure_logging("haengjeong-closed", service="haengjeong")
    stream = io.StringIO()
    handler = log.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    stream.close()
    raise_before, logging.raiseExceptions = logging.raiseExceptions, False
    try:
        assert info_line(log, "skill", "handle_skill", {"user": "ab12"}) is False
        log.info("skill", extra={"user": "ab12"})  # the ordinary way: reported by logging, not raised
    finally:
        logging.raiseExceptions = raise_before
        log.handlers.clear()
