"""Operator commands act on the stack they are told, never on a guess (scripts/target.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import local, migrate, superadmin, target


@pytest.fixture(autouse=True)
def environment() -> Iterator[None]:
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def said() -> tuple[list[str], object]:
    lines: list[str] = []
    return lines, lines.append


def test_without_a_stage_only_a_running_local_stack_will_do(tmp_path: Path) -> None:
    missing = tmp_path / "stack.json"
    with pytest.raises(target.NoTarget, match=r"no local stack is running .* STAGE=<dev\|prod>"):
        target.aim(None, stack_file=missing)
    missing.write_text(json.dumps({"pid": 2**22 + 12345}))  # left by a stack that stopped
    with pytest.raises(target.NoTarget, match="no longer running"):
        target.aim(None, stack_file=missing)
    os.environ["AWS_ENDPOINT_URL"] = "http://elsewhere"
    missing.write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "dynamodb_endpoint": "http://127.0.0.1:1",
                "s3_endpoint": "http://127.0.0.1:2",
                "table_prefix": "t",
            }
        )
    )
    lines, say = said()
    aimed = target.aim(None, stack_file=missing, say=say)  # type: ignore[arg-type]
    assert aimed.stage == "" and lines == ["→ local stack of make run (http://127.0.0.1:1)"]
    assert os.environ["HJ_DYNAMODB_ENDPOINT"] == "http://127.0.0.1:1" and "AWS_ENDPOINT_URL" not in os.environ


def test_a_stage_is_its_own_names_whatever_the_shell_holds(tmp_path: Path) -> None:
    running = tmp_path / "stack.json"
    running.write_text(
        json.dumps({"pid": os.getpid(), "dynamodb_endpoint": "http://127.0.0.1:1", "s3_endpoint": "http://127.0.0.1:2"})
    )
    os.environ.update(
        {
            "HJ_DYNAMODB_ENDPOINT": "http://127.0.0.1:1",
            "HJ_TABLE_PREFIX": "haengjeong-local",
            "HJ_SKILL_SECRET": "local-dev-secret",
            "AWS_ENDPOINT_URL": "http://elsewhere",
        }
    )
    lines, say = said()
    aimed = target.aim("prod", stack_file=running, account=lambda region: "210987654321", say=say)  # type: ignore[arg-type]
    assert lines == ["→ deployed stage prod: account 210987654321, ap-northeast-2, tables haengjeong-prod-*"]
    assert (aimed.stage, aimed.account) == ("prod", "210987654321")
    assert os.environ["HJ_TABLE_PREFIX"] == "haengjeong-prod"
    assert os.environ["HJ_EXPORT_BUCKET"] == "haengjeong-prod-exports-210987654321"
    assert os.environ["HJ_BACKUP_BUCKET"] == "haengjeong-prod-backups-210987654321"
    assert os.environ["HJ_SKILL_SECRET_PARAM"] == "/haengjeong/prod/skill-secret"
    for gone in ("HJ_DYNAMODB_ENDPOINT", "HJ_SKILL_SECRET", "AWS_ENDPOINT_URL"):
        assert gone not in os.environ  # the local stack running beside it changes nothing


def test_a_stage_that_does_not_exist_or_credentials_that_do_not_work_stop_it() -> None:
    with pytest.raises(target.NoTarget, match="no stage 'staging'"):
        target.aim("staging")

    def expired(region: str) -> str:
        raise RuntimeError("ExpiredToken")

    with pytest.raises(target.NoTarget, match="cannot tell which AWS account"):
        target.aim("prod", account=expired)


def test_the_commands_refuse_rather_than_guess(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(local, "STACK_FILE", tmp_path / "none.json")
    monkeypatch.setattr(
        target.aim, "__defaults__", (tmp_path / "none.json", target.REGION, None, target.aim.__defaults__[-1])
    )
    assert superadmin.main(["홍길동"]) == 2
    assert "no local stack is running" in capsys.readouterr().err
    assert migrate.main([]) == 2
    assert "STAGE=<dev|prod>" in capsys.readouterr().err
