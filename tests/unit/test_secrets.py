"""The skill secret from SSM: read once per container, refreshed, two accepted while rotating, never lost on
a failed read; and the rotation command's two steps (on moto's SSM)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import runtime
from chalicelib.platform.config import settings
from chalicelib.platform.secrets import CachedParameter, SecretUnavailable, secrets_of
from chalicelib.web import secret_ok
from scripts import rotate_secret

NAME = "/haengjeong/dev/skill-secret"


class CountingSsm:
    def __init__(self, values: list[Any]) -> None:
        self.values, self.calls = values, 0

    def get_parameter(self, Name: str, WithDecryption: bool) -> dict[str, Any]:
        assert WithDecryption
        self.calls += 1
        value = self.values[min(self.calls, len(self.values)) - 1]
        if isinstance(value, Exception):
            raise value
        return {"Parameter": {"Value": value}}


def test_the_parameter_is_read_once_then_again_after_the_refresh() -> None:
    now = [0.0]
    ssm = CountingSsm(["first", "second"])
    p = CachedParameter(NAME, "ap-northeast-2", refresh=300, clock=lambda: now[0], client=ssm)
    assert [p.value() for _ in range(50)] == ["first"] * 50 and ssm.calls == 1
    now[0] = 301
    assert p.value() == "second" and ssm.calls == 2


def test_a_failed_refresh_keeps_the_secret_held_and_a_first_failure_refuses() -> None:
    now = [0.0]
    ssm = CountingSsm(["held", OSError("ssm down")])
    p = CachedParameter(NAME, "ap-northeast-2", refresh=300, clock=lambda: now[0], client=ssm)
    assert p.value() == "held"
    now[0] = 400
    assert p.value() == "held"  # logged by nobody: the old secret still works
    fresh = CachedParameter(NAME, "ap-northeast-2", client=CountingSsm([OSError("ssm down")]))
    with pytest.raises(SecretUnavailable):
        fresh.value()


def test_two_secrets_are_accepted_while_rotating() -> None:
    assert secrets_of("new\nold\n") == ("new", "old") and secrets_of("only") == ("only",)
    assert secrets_of("a\nb\nc") == ("a", "b")
    both = secrets_of("new\nold")
    assert secret_ok({"X-Skill-Secret": "new"}, both) and secret_ok({"X-Skill-Secret": "old"}, both)
    assert not secret_ok({"X-Skill-Secret": "other"}, both) and not secret_ok({}, both)
    assert not secret_ok({"X-Skill-Secret": ""}, ("",))


@mock_aws
def test_rotation_in_two_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    ssm = boto3.client("ssm", region_name="ap-northeast-2")
    assert rotate_secret.parameter_name("dev") == NAME
    said = rotate_secret.rotate(ssm, NAME, finish=False)  # a new stage: the parameter is created
    first = secrets_of(ssm.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"])
    assert len(first) == 1 and first[0] in said and "X-Skill-Secret" in said
    assert ssm.describe_parameters()["Parameters"][0]["Type"] == "SecureString"
    said = rotate_secret.rotate(ssm, NAME, finish=False)
    new, old = secrets_of(ssm.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"])
    assert old == first[0] and new in said and "FINISH=1" in said
    # The skill, reading the parameter, takes both until the rotation is finished.
    monkeypatch.setenv("HJ_SKILL_SECRET_PARAM", NAME)
    monkeypatch.delenv("HJ_SKILL_SECRET", raising=False)
    monkeypatch.setattr(runtime, "_secret_params", {})
    assert runtime.skill_secrets(settings()) == (new, old)
    assert "지웠어요" in rotate_secret.rotate(ssm, NAME, finish=True)
    assert secrets_of(ssm.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"]) == (new,)
    assert "그대로" in rotate_secret.rotate(ssm, NAME, finish=True)


def test_an_unreadable_secret_is_a_503_and_a_log_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HJ_SKILL_SECRET_PARAM", NAME)
    broken = CachedParameter(NAME, "ap-northeast-2", client=CountingSsm([OSError("no route")]))
    monkeypatch.setattr(runtime, "_secret_params", {(NAME, settings().region): broken})
    status, body = runtime.handle_skill({"X-Skill-Secret": "x"}, b"{}")
    assert status == 503 and body == {"error": "unavailable"}


def test_a_request_without_the_header_is_refused_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HJ_SKILL_SECRET_PARAM", NAME)
    ssm = CountingSsm(["the-secret"])
    monkeypatch.setattr(
        runtime, "_secret_params", {(NAME, settings().region): CachedParameter(NAME, "ap-northeast-2", client=ssm)}
    )

    def no_bot(*args: Any) -> Any:
        raise AssertionError("the bot was built for a refused request")

    monkeypatch.setattr(runtime, "bot", no_bot)
    for headers in ({}, {"X-Skill-Secret": ""}, {"Content-Type": "application/json"}):
        assert runtime.handle_skill(headers, b"not even json") == (401, {"error": "unauthorized"})
    assert ssm.calls == 0  # junk without the header does not even read the secret
    assert runtime.handle_skill({"X-Skill-Secret": "wrong"}, b"not even json") == (401, {"error": "unauthorized"})
    assert ssm.calls == 1  # a wrong one is compared with the secret, then refused: still no bot, no body


def test_the_kakao_key_is_read_again_after_the_refresh_and_at_once_after_kakao_refuses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.kakao.notifier import EventNotifier
    from scripts.eventapi import EventApiStandIn

    with EventApiStandIn(bot_id="b!", rest_api_key="new-key", event_name="reminder") as kakao:
        ssm = CountingSsm(["old-key", "new-key"])
        clock = [0.0]
        param = CachedParameter(
            "/haengjeong/dev/kakao-rest-api-key", "ap-northeast-2", clock=lambda: clock[0], client=ssm
        )
        notifier = EventNotifier(kakao.url, "b!", "reminder", param.value, forget_key=param.forget)
        assert notifier.send(["u1"], {"remind": "s"}).outcome == "refused"  # 401 with the old key
        assert ssm.calls == 1
        assert notifier.send(["u1"], {"remind": "s"}).outcome == "accepted"  # read again at once, then taken
        assert ssm.calls == 2
        notifier.send(["u2"], {"remind": "s"})
        clock[0] += 60
        notifier.send(["u3"], {"remind": "s"})
        assert ssm.calls == 2  # cached between refreshes, like the skill secret
