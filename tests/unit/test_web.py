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
